package dev.opcached.protocol.common;

/**
 * Makes text from a request or a file safe for one log line: nothing in it can end the line or
 * forge another one, and it is bounded.
 */
public final class LogText {
    /** Longer text is cut, with a note of how much was left out. */
    static final int MAX_LENGTH = 512;

    private LogText() {
    }

    /**
     * {@code text} with every control character (ASCII and C1), line or paragraph separator written
     * as a Java escape ({@code \n}, {@code \u2028}) and backslashes doubled, so that the escaped
     * form is unambiguous; "null" for null.
     */
    public static String escape(String text) {
        if (text == null) {
            return "null";
        }
        if (text.length() <= MAX_LENGTH && isClean(text)) {
            // The common case (an access-log URI, a path): nothing to copy.
            return text;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_LENGTH) + 16);
        int length = Math.min(text.length(), MAX_LENGTH);
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        if (text.length() > length) {
            out.append("…(").append(text.length() - length).append(" more)");
        }
        return out.toString();
    }

    /** {@link #escape(String)} of {@code value}'s string form (a path, a class name). */
    public static String escape(Object value) {
        return escape(value == null ? null : value.toString());
    }

    /** Lines of a tool's output (a compiler's diagnostics), each escaped, as indented continuations of one entry. */
    public static String lines(Iterable<String> lines) {
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            out.append("\n    ").append(escape(line));
        }
        return out.toString();
    }

    private static boolean isClean(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' || Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return false;
            }
        }
        return true;
    }
}
