package dev.opcached.protocol.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a log line may carry from a request. */
class LogTextTest {
    @Test
    void nothingCanEndTheLineAndTheEscapeIsUnambiguous() {
        assertThat(LogText.escape("a\nb\rc\td")).isEqualTo("a\\nb\\rc\\td");
        assertThat(LogText.escape("\u0000\u001b[31m\u007f\u0085\u2028\u2029")).isEqualTo("\\u0000\\u001b[31m\\u007f\\u0085\\u2028\\u2029");
        assertThat(LogText.escape("C:\\n")).as("a backslash is doubled, so it never reads as an escape").isEqualTo("C:\\\\n");
        assertThat(LogText.escape("/srv/www/é.java")).isEqualTo("/srv/www/é.java");
        assertThat(LogText.escape(null)).isEqualTo("null");
    }

    @Test
    void longTextIsCutWithANote() {
        assertThat(LogText.escape("x".repeat(600))).isEqualTo("x".repeat(LogText.MAX_LENGTH) + "…(88 more)");
    }

    @Test
    void diagnosticsAreIndentedContinuationsOfOneEntry() {
        assertThat(LogText.lines(java.util.List.of("a.java:1: error: x", "b\nforged")))
                .isEqualTo("\n    a.java:1: error: x\n    b\\nforged");
        assertThat(LogText.escape((Object) java.nio.file.Path.of("/www/a\n.java"))).isEqualTo("/www/a\\n.java");
    }
}
