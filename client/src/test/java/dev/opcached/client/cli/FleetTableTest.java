package dev.opcached.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An --all table: pool and URL, the command's figures, the outcome; a failed pool keeps its row. */
class FleetTableTest {
    private static Target pool(String name, String url) {
        return new Target(name, URI.create(url), Path.of("/dev/null"));
    }

    @Test
    void aRowPerPoolWithItsFiguresAndItsOutcome() {
        String table = new FleetTable(List.of("FILES", "FAILED"))
                .answered(pool("app1", "https://app1:9180"), List.of("200", "0"), Opcachectl.OK, null)
                .answered(pool("app2", "https://app2:9180"), List.of("200", "1"), 1, "1 of 200 files failed: /a.java")
                .failed(pool("app3", "https://app3:9180"), 4, "cannot reach the daemon")
                .render();
        assertThat(table.lines()).containsExactly(
                "POOL  URL                FILES  FAILED  OUTCOME",
                "app1  https://app1:9180    200       0  ok",
                "app2  https://app2:9180    200       1  failed (exit 1): 1 of 200 files failed: /a.java",
                "app3  https://app3:9180      -       -  failed (exit 4): cannot reach the daemon");
    }

    @Test
    void aPoolsNameFromThePoolsFileIsEscaped() {
        String table = new FleetTable(List.of()).failed(pool("a\u001b[2Jb", "http://h:1"), 4, "down").render();
        assertThat(table).doesNotContain("\u001b").contains("a\\u001b[2Jb");
    }

    @Test
    void aRowMustHaveAFigurePerColumn() {
        FleetTable table = new FleetTable(List.of("A", "B"));
        assertThatThrownBy(() -> table.answered(pool("p", "http://h:1"), List.of("1"), Opcachectl.OK, null))
                .hasMessageContaining("1 figures for 2 columns");
    }
}
