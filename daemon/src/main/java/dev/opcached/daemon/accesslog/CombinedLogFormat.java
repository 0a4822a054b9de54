package dev.opcached.daemon.accesslog;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Writes one access-log line in Apache's and nginx's combined log format,
 * {@code %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"}, followed by two fields of
 * opcached's: the worker's id and the request's time in microseconds. Everything taken from the
 * request is escaped as Apache's {@code mod_log_config} does (a quote or a backslash behind a
 * backslash), and every other byte outside printable ASCII as {@code \xHH}, so that a line is pure
 * ASCII, has no control character and splits on its quotes alone. An absent field is {@code -}, and
 * so is the size of an empty body, as in Apache's {@code %b}.
 */
public final class CombinedLogFormat {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("'['dd/MMM/yyyy:HH:mm:ss Z']'",
            Locale.ENGLISH);
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** {@code %t} of one second: every line of that second shares its text. */
    private record Stamp(long second, String text) {
    }

    private final ZoneId zone;
    /** The last second formatted; racing threads at most format one second twice. */
    private volatile Stamp stamp = new Stamp(Long.MIN_VALUE, "");

    /** @param zone the zone of {@code %t} (the host's, as Apache's and nginx's) */
    public CombinedLogFormat(ZoneId zone) {
        this.zone = zone;
    }

    /**
     * Appends the line, without its line end, to {@code out}.
     *
     * @param client    the client's address ({@code %h}), or null
     * @param method    the request method, or null when the request could not be read (then
     *                  {@code "%r"} is {@code "-"})
     * @param uri       the request target as sent
     * @param protocol  as in the request line ({@code HTTP/1.1})
     * @param bytes     the body's size ({@code %b})
     * @param referer   the Referer header, or null
     * @param userAgent the User-Agent header, or null
     * @param worker    the worker's id
     * @param micros    the request's time, from the request read whole to its answer
     * @param startedMillis when the request came, epoch milliseconds ({@code %t})
     */
    public void append(StringBuilder out, String client, String method, String uri, String protocol, int status,
                       long bytes, String referer, String userAgent, String worker, long micros,
                       long startedMillis) {
        field(out, client);
        out.append(" - - ").append(time(Math.floorDiv(startedMillis, 1000))).append(" \"");
        if (method == null) {
            out.append('-');
        } else {
            escape(out, method);
            out.append(' ');
            escape(out, uri);
            out.append(' ');
            escape(out, protocol);
        }
        out.append("\" ").append(status).append(' ');
        if (bytes > 0) {
            out.append(bytes);
        } else {
            out.append('-');
        }
        out.append(" \"");
        field(out, referer);
        out.append("\" \"");
        field(out, userAgent);
        out.append("\" ");
        field(out, worker);
        out.append(' ').append(micros);
    }

    private String time(long second) {
        Stamp last = stamp;
        if (last.second() != second) {
            last = new Stamp(second, TIME.format(Instant.ofEpochSecond(second).atZone(zone)));
            stamp = last;
        }
        return last.text();
    }

    /** {@code text} escaped, or {@code -} when it is null or empty. */
    private static void field(StringBuilder out, String text) {
        if (text == null || text.isEmpty()) {
            out.append('-');
        } else {
            escape(out, text);
        }
    }

    /**
     * {@code text} with a quote or a backslash behind a backslash and every other character
     * outside printable ASCII as the {@code \xHH} of its bytes: each one byte for what an HTTP
     * decoder reads (ISO-8859-1, one character a byte), UTF-8 for anything beyond.
     */
    static void escape(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else if (c <= 0xff) {
                hex(out, c);
            } else {
                int codePoint = text.codePointAt(i);
                i += Character.charCount(codePoint) - 1;
                utf8(out, codePoint);
            }
        }
    }

    private static void utf8(StringBuilder out, int codePoint) {
        if (codePoint < 0x800) {
            hex(out, 0xc0 | codePoint >> 6);
        } else if (codePoint < 0x10000) {
            hex(out, 0xe0 | codePoint >> 12);
            hex(out, 0x80 | codePoint >> 6 & 0x3f);
        } else {
            hex(out, 0xf0 | codePoint >> 18);
            hex(out, 0x80 | codePoint >> 12 & 0x3f);
            hex(out, 0x80 | codePoint >> 6 & 0x3f);
        }
        hex(out, 0x80 | codePoint & 0x3f);
    }

    private static void hex(StringBuilder out, int b) {
        out.append("\\x").append(HEX[b >> 4 & 0xf]).append(HEX[b & 0xf]);
    }
}
