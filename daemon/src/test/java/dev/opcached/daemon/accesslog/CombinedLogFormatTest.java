package dev.opcached.daemon.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.AccessLogLines;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/** The access log's line: the combined format's fields, then the worker and the microseconds, everything escaped. */
class CombinedLogFormatTest {
    /** 2026-12-01T19:45:51.250Z */
    private static final long MILLIS = 1_796_154_351_250L;

    private static String line(CombinedLogFormat format, String method, String uri, int status, long bytes,
                               String referer, String userAgent) {
        StringBuilder out = new StringBuilder();
        format.append(out, "127.0.0.1", method, uri, "HTTP/1.1", status, bytes, referer, userAgent, "worker-2",
                1234, MILLIS);
        return out.toString();
    }

    @Test
    void aPlainRequestIsTheCombinedFormatThenTheWorkerAndTheMicroseconds() {
        String line = line(new CombinedLogFormat(ZoneOffset.UTC), "GET", "/hello.java?x=1", 200, 5,
                "http://example.com/", "curl/8.5.0");
        assertThat(line).isEqualTo("127.0.0.1 - - [01/Dec/2026:19:45:51 +0000] \"GET /hello.java?x=1 HTTP/1.1\" 200 5"
                + " \"http://example.com/\" \"curl/8.5.0\" worker-2 1234");
        assertThat(AccessLogLines.parse(line)).isNotNull();
    }

    @Test
    void theTimeIsInTheGivenZoneWithItsOffset() {
        String line = line(new CombinedLogFormat(ZoneId.of("America/Los_Angeles")), "GET", "/", 200, 1, null, null);
        assertThat(line).contains(" [01/Dec/2026:11:45:51 -0800] ");
    }

    @Test
    void absentFieldsAndAnEmptyBodyAreDashes() {
        StringBuilder out = new StringBuilder();
        new CombinedLogFormat(ZoneOffset.UTC).append(out, null, null, null, null, 400, 0, null, "", "-", 7, MILLIS);
        assertThat(out.toString()).isEqualTo("- - - [01/Dec/2026:19:45:51 +0000] \"-\" 400 - \"-\" \"-\" - 7");
        assertThat(AccessLogLines.parse(out.toString())).isNotNull();
    }

    @Test
    void quotesBackslashesControlCharactersAndOtherBytesAreEscaped() {
        String userAgent = "evil\" \"agent\\\n127.0.0.1 - - [forged]\r\t\u007f\u0000";
        String uri = "/a\"b\\c\nd%0a\u00e9";
        String line = line(new CombinedLogFormat(ZoneOffset.UTC), "GET", uri, 404, 9, "\u20ac\ud83d\ude00", userAgent);
        assertThat(line).isEqualTo("127.0.0.1 - - [01/Dec/2026:19:45:51 +0000]"
                + " \"GET /a\\\"b\\\\c\\x0Ad%0a\\xE9 HTTP/1.1\" 404 9"
                + " \"\\xE2\\x82\\xAC\\xF0\\x9F\\x98\\x80\""
                + " \"evil\\\" \\\"agent\\\\\\x0A127.0.0.1 - - [forged]\\x0D\\x09\\x7F\\x00\" worker-2 1234");
        assertThat(line).matches("\\p{Print}*");
        Matcher fields = AccessLogLines.parse(line);
        assertThat(fields).isNotNull();
        assertThat(fields.group("request")).isEqualTo("GET /a\\\"b\\\\c\\x0Ad%0a\\xE9 HTTP/1.1");
        assertThat(fields.group("agent")).startsWith("evil\\\" \\\"agent");
        assertThat(fields.group("status")).isEqualTo("404");
    }

    @Test
    void linesOfOneSecondShareTheirTimeAndTheNextSecondHasItsOwn() {
        CombinedLogFormat format = new CombinedLogFormat(ZoneOffset.UTC);
        StringBuilder out = new StringBuilder();
        format.append(out, "::1", "GET", "/", "HTTP/1.0", 200, 1, null, null, "worker-1", 1, MILLIS);
        out.append('\n');
        format.append(out, "::1", "GET", "/", "HTTP/1.0", 200, 1, null, null, "worker-1", 1, MILLIS + 749);
        out.append('\n');
        format.append(out, "::1", "GET", "/", "HTTP/1.0", 200, 1, null, null, "worker-1", 1, MILLIS + 750);
        assertThat(out.toString().split("\n")).extracting(line -> line.substring(line.indexOf('['), line.indexOf(']') + 1))
                .containsExactly("[01/Dec/2026:19:45:51 +0000]", "[01/Dec/2026:19:45:51 +0000]",
                        "[01/Dec/2026:19:45:52 +0000]");
    }
}
