package dev.opcached.client.cli;

import java.io.PrintWriter;

/**
 * Where a watch's refreshes go. On a terminal each is drawn over the last, from the top left, as
 * top does: the cursor goes home, every line clears what is left of the previous one, and the rest
 * of the screen is cleared below; no mode is changed (no alternate screen, the cursor stays
 * visible), so the last refresh stays on the screen after Ctrl-C with nothing to restore.
 * Anywhere else (a pipe, a file) the refreshes follow one another, each under a header line, with
 * no escape code; with --json, one JSON line per refresh.
 */
final class WatchScreen {
    private static final String HOME = "\u001b[H";
    private static final String CLEAR_TO_END_OF_LINE = "\u001b[K";
    private static final String CLEAR_BELOW = "\u001b[J";

    /** How the refreshes are shown. */
    enum Mode {
        /** Redrawn in place. */
        TERMINAL,
        /** One after another, each under its header. */
        PLAIN,
        /** One line each (ndjson); no header. */
        LINES
    }

    private final Mode mode;
    private final PrintWriter out;
    private boolean first = true;

    WatchScreen(Mode mode, PrintWriter out) {
        this.mode = mode;
        this.out = out;
    }

    /**
     * Shows one refresh.
     *
     * @param header what and when (unused with {@link Mode#LINES})
     * @param body   the refresh's text, lines ending with a line separator; one JSON line with {@link Mode#LINES}
     */
    void show(String header, String body) {
        StringBuilder frame = new StringBuilder();
        switch (mode) {
            case TERMINAL -> {
                frame.append(HOME);
                (header + System.lineSeparator() + System.lineSeparator() + body).lines()
                        .forEach(line -> frame.append(line).append(CLEAR_TO_END_OF_LINE).append(System.lineSeparator()));
                frame.append(CLEAR_BELOW);
            }
            case PLAIN -> frame.append(first ? "" : System.lineSeparator()).append("--- ").append(header).append(" ---")
                    .append(System.lineSeparator()).append(body);
            case LINES -> frame.append(body.strip()).append(System.lineSeparator());
        }
        first = false;
        out.print(frame);
        out.flush();
    }
}
