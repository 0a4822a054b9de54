package dev.opcached.daemon.runtime;

/**
 * Text from a docroot file or a script (a path, a class name, a compiler message) made safe for a
 * log line: control characters become {@code \\uXXXX}, so that none can start a forged line.
 */
final class LogText {
    private LogText() {
    }

    static String of(Object value) {
        String text = String.valueOf(value);
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    /** Lines of a compiler's output, each escaped, continued with an indent as one log entry. */
    static String lines(Iterable<String> lines) {
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            out.append("\n    ").append(of(line));
        }
        return out.toString();
    }
}
