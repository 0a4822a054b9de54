package dev.opcached.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Columns as wide as their widest cell, figures right-aligned, no trailing spaces. */
class TextTableTest {
    @Test
    void columnsLineUpAndNoLineEndsInSpaces() {
        String table = new TextTable().column("POOL", TextTable.Align.LEFT).column("HITS", TextTable.Align.RIGHT)
                .column("STATE", TextTable.Align.LEFT)
                .row(List.of("www", "1234567", "ok"))
                .row(List.of("a-longer-pool", "5", "failed (exit 4): cannot reach the daemon"))
                .render();
        assertThat(table.lines()).containsExactly(
                "POOL              HITS  STATE",
                "www            1234567  ok",
                "a-longer-pool        5  failed (exit 4): cannot reach the daemon");
    }

    @Test
    void aRowMustHaveACellPerColumn() {
        TextTable table = new TextTable().column("A", TextTable.Align.LEFT).column("B", TextTable.Align.LEFT);
        assertThatThrownBy(() -> table.row(List.of("only one"))).hasMessageContaining("1 cells for 2 columns");
    }
}
