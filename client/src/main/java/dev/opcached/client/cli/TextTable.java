package dev.opcached.client.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A table of text in aligned columns, each as wide as its widest cell, two spaces apart; figures
 * right-aligned, words left-aligned; no line ends in spaces, so a long cell in the last column (an
 * error) costs only its own line.
 */
final class TextTable {
    /** How a column's cells line up. */
    enum Align {
        LEFT, RIGHT
    }

    private final List<String> headers = new ArrayList<>();
    private final List<Align> aligns = new ArrayList<>();
    private final List<List<String>> rows = new ArrayList<>();

    /** Adds a column; columns are added before any row. */
    TextTable column(String header, Align align) {
        if (!rows.isEmpty()) {
            throw new IllegalStateException("columns come before rows");
        }
        headers.add(header);
        aligns.add(align);
        return this;
    }

    /** Adds a row, one cell per column. */
    TextTable row(List<String> cells) {
        if (cells.size() != headers.size()) {
            throw new IllegalArgumentException(cells.size() + " cells for " + headers.size() + " columns: " + cells);
        }
        rows.add(List.copyOf(cells));
        return this;
    }

    /** The header line and the rows, each ending with a line separator. */
    String render() {
        int[] widths = new int[headers.size()];
        for (int column = 0; column < widths.length; column++) {
            widths[column] = headers.get(column).length();
            for (List<String> row : rows) {
                widths[column] = Math.max(widths[column], row.get(column).length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, headers, widths);
        for (List<String> row : rows) {
            line(out, row, widths);
        }
        return out.toString();
    }

    private void line(StringBuilder out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int column = 0; column < cells.size(); column++) {
            String cell = cells.get(column);
            String padding = " ".repeat(widths[column] - cell.length());
            if (column > 0) {
                line.append("  ");
            }
            if (aligns.get(column) == Align.RIGHT) {
                line.append(padding).append(cell);
            } else {
                line.append(cell).append(padding);
            }
        }
        out.append(line.toString().stripTrailing()).append(System.lineSeparator());
    }
}
