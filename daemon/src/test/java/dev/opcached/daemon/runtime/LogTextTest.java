package dev.opcached.daemon.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a file or a script names cannot forge a log line. */
class LogTextTest {
    @Test
    void controlCharactersAreEscapedAndOtherTextKept() {
        assertThat(LogText.of("/www/a\n2026-12-01 WARN forged\r.java")).isEqualTo("/www/a\\u000a2026-12-01 WARN forged\\u000d.java");
        assertThat(LogText.of("/www/é ok.java")).isEqualTo("/www/é ok.java");
        assertThat(LogText.of("Name\u0000\u001b[31m")).isEqualTo("Name\\u0000\\u001b[31m");
    }

    @Test
    void compilerLinesAreContinuationsOfOneEntry() {
        assertThat(LogText.lines(List.of("a.java:1: error: x", "b\nforged"))).isEqualTo("\n    a.java:1: error: x\n    b\\u000aforged");
    }
}
