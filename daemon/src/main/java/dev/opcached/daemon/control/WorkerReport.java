package dev.opcached.daemon.control;

import java.util.Locale;

/**
 * What a worker tells its supervisor, one ASCII line each on the worker's stdout pipe (the
 * supervisor keeps the worker's stdin as the lifeline in the other direction):
 *
 * <pre>
 *   ready                  listening; the supervisor may now retire the worker this one replaces
 *   alive                  heartbeat, sent by the worker's event loops every {@link #HEARTBEAT_MILLIS}
 *   retiring REASON        stopped accepting (timeout, recycle, fatal error); replace it now, it
 *                          exits by itself once its requests are done (process_control_timeout)
 *   segment-lost           the segment file was truncated or removed under this worker
 *   figures NAME=VALUE...  what the process counted since it started, about once a second
 *                          ({@link ProcessFigures})
 * </pre>
 *
 * Anything else on the pipe is ignored by the supervisor (and logged once at debug).
 */
public record WorkerReport(Kind kind, String detail) {
    /** How often a healthy worker says {@code alive}. */
    public static final long HEARTBEAT_MILLIS = 500;
    /** How often a process sends its {@code figures}. */
    public static final long FIGURES_MILLIS = 1_000;

    /** The kinds of report, with their word on the wire. */
    public enum Kind {
        READY("ready"), ALIVE("alive"), RETIRING("retiring"), SEGMENT_LOST("segment-lost"), FIGURES("figures");

        private final String word;

        Kind(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    public WorkerReport {
        detail = detail == null ? "" : detail;
    }

    public static WorkerReport of(Kind kind) {
        return new WorkerReport(kind, "");
    }

    /** The line on the wire, without its newline; the detail is made printable ASCII. */
    public String line() {
        if (detail.isEmpty()) {
            return kind.word;
        }
        return kind.word + " " + detail.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** The report a line carries, or null for a line that is not one. */
    public static WorkerReport parse(String line) {
        if (line == null) {
            return null;
        }
        String trimmed = line.strip();
        int space = trimmed.indexOf(' ');
        String word = (space < 0 ? trimmed : trimmed.substring(0, space)).toLowerCase(Locale.ROOT);
        String detail = space < 0 ? "" : trimmed.substring(space + 1);
        for (Kind kind : Kind.values()) {
            if (kind.word.equals(word)) {
                return new WorkerReport(kind, detail);
            }
        }
        return null;
    }
}
