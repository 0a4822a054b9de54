package dev.opcached.client.cli;

import dev.opcached.protocol.common.LogText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The one table of an {@code --all} command: a row per pool, in the order of the pools file, with
 * its name, its URL, the command's figures and its outcome ({@code ok}, or
 * {@code failed (exit N): why}). A pool that did not answer keeps its row, "-" in every figure.
 */
final class FleetTable {
    /** A figure the pool did not give: it did not answer, or its server does not report that figure. */
    static final String NONE = "-";

    private final TextTable table = new TextTable();
    private final int figures;

    /** A table with these figure columns (right-aligned) between the URL and the outcome. */
    FleetTable(List<String> figureHeaders) {
        table.column("POOL", TextTable.Align.LEFT).column("URL", TextTable.Align.LEFT);
        figureHeaders.forEach(header -> table.column(header, TextTable.Align.RIGHT));
        table.column("OUTCOME", TextTable.Align.LEFT);
        figures = figureHeaders.size();
    }

    /**
     * A pool that answered.
     *
     * @param exitCode {@link Opcachectl#OK}, or why the answer is a failure all the same (a compile
     *                 with files that do not compile)
     * @param problem  that failure in one line, escaped; null with {@link Opcachectl#OK}
     */
    FleetTable answered(Target target, List<String> cells, int exitCode, String problem) {
        if (cells.size() != figures) {
            throw new IllegalArgumentException(cells.size() + " figures for " + figures + " columns: " + cells);
        }
        List<String> row = new ArrayList<>(pool(target));
        row.addAll(cells);
        row.add(exitCode == Opcachectl.OK ? "ok" : failed(exitCode, problem));
        table.row(row);
        return this;
    }

    /** A pool that did not answer; {@code error} is the failure in one line, escaped. */
    FleetTable failed(Target target, int exitCode, String error) {
        List<String> row = new ArrayList<>(pool(target));
        row.addAll(Collections.nCopies(figures, NONE));
        row.add(failed(exitCode, error));
        table.row(row);
        return this;
    }

    /** The header line and a line per pool. */
    String render() {
        return table.render();
    }

    /** A figure, or "-" when the server did not give it. */
    static String figure(Number value) {
        return value == null ? NONE : value.toString();
    }

    private static List<String> pool(Target target) {
        return List.of(LogText.escape(target.name()), LogText.escape(target.url().toString()));
    }

    private static String failed(int exitCode, String why) {
        return "failed (exit " + exitCode + ")" + (why == null ? "" : ": " + why);
    }
}
