package dev.opcached.daemon.testing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The combined log format, plus opcached's worker and microseconds, as a parser of access.log would read it. */
public final class AccessLogLines {
    /** A quoted field: anything but a quote or a backslash, or a backslash and the character it escapes. */
    private static final String QUOTED = "(?:[^\"\\\\]|\\\\.)*";
    public static final Pattern LINE = Pattern.compile("(?<client>\\S+) (?<ident>\\S+) (?<user>\\S+)"
            + " \\[(?<time>\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4})\\]"
            + " \"(?<request>" + QUOTED + ")\" (?<status>\\d{3}) (?<bytes>[1-9]\\d*|-)"
            + " \"(?<referer>" + QUOTED + ")\" \"(?<agent>" + QUOTED + ")\" (?<worker>\\S+) (?<micros>\\d+)");

    private AccessLogLines() {
    }

    /** The fields of {@code line}, or null when it is not one whole access-log line. */
    public static Matcher parse(String line) {
        Matcher matcher = LINE.matcher(line);
        return matcher.matches() ? matcher : null;
    }
}
