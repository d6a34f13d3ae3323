package trit.shell;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A text table that fits a terminal of a given width: columns two spaces apart, a header line,
 * one line per row. When the natural widths do not fit, the widest shrinkable columns give way
 * first (never below their minimum) and cut cells end (or, for paths, begin) with an ellipsis;
 * a line is never longer than the width, whatever the content.
 */
final class Table {

    /** The width of the terminal the shell assumes: the classic 80 columns. */
    static final int TERMINAL_WIDTH = 80;
    static final String ELLIPSIS = "…";
    static final String NONE = "-";
    private static final String GAP = "  ";

    /** How a cell that does not fit is cut. */
    enum Cut {
        /** Keep the beginning: names, reasons. */
        END,
        /** Keep the end: file paths, where the file name matters most. */
        START
    }

    /**
     * @param header   the column's title
     * @param right    whether cells are right-aligned (numbers)
     * @param minWidth the narrowest the column may become when space is short
     * @param cut      how a cell that does not fit is shortened
     * @param give     shrink order: columns that give more shrink first (a digest before a path
     *                 before names), down to their minimum, before the next ones shrink
     */
    record Column(String header, boolean right, int minWidth, Cut cut, int give) {

        Column {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(cut, "cut");
            if (minWidth < 1) {
                throw new IllegalArgumentException("minWidth must be >= 1, was " + minWidth);
            }
        }

        /** A left-aligned text column that may shrink to its header's width. */
        static Column text(String header) {
            return new Column(header, false, Math.max(header.length(), 4), Cut.END, 0);
        }

        /** A left-aligned path column that keeps the end of long paths and shrinks before names. */
        static Column path(String header) {
            return new Column(header, false, Math.max(header.length(), 12), Cut.START, 1);
        }

        /** A hex digest: its first characters identify it, so it shrinks first. */
        static Column digest(String header) {
            return new Column(header, false, Math.max(header.length(), 9), Cut.END, 2);
        }

        /** A right-aligned number column, never shrunk below its header's width. */
        static Column number(String header) {
            return new Column(header, true, header.length(), Cut.END, 0);
        }
    }

    private final int width;
    private final List<Column> columns;
    private final List<String[]> rows = new ArrayList<>();

    Table(int width, Column... columns) {
        if (columns.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        if (width < 1) {
            throw new IllegalArgumentException("width must be >= 1, was " + width);
        }
        this.width = width;
        this.columns = List.of(columns);
    }

    Table(Column... columns) {
        this(TERMINAL_WIDTH, columns);
    }

    /** Adds a row: one value per column; {@code null} shows as {@value #NONE}. */
    Table row(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException("a row of this table has " + columns.size() + " cells, got "
                    + cells.length + ": " + Arrays.toString(cells));
        }
        String[] text = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            text[i] = clean(cells[i]);
        }
        rows.add(text);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The header and the rows, each line ending with a line feed. */
    String render() {
        int[] widths = widths();
        StringBuilder out = new StringBuilder();
        String[] headers = columns.stream().map(Column::header).toArray(String[]::new);
        line(out, headers, widths);
        for (String[] row : rows) {
            line(out, row, widths);
        }
        return out.toString();
    }

    /**
     * Natural widths, then one character at a time from the widest shrinkable column among those
     * that give most, until the line fits.
     */
    private int[] widths() {
        int n = columns.size();
        int[] widths = new int[n];
        for (int i = 0; i < n; i++) {
            widths[i] = columns.get(i).header().length();
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        int total = Arrays.stream(widths).sum() + GAP.length() * (n - 1);
        while (total > width) {
            int widest = -1;
            for (int i = 0; i < n; i++) {
                Column c = columns.get(i);
                if (widths[i] > c.minWidth() && (widest < 0 || c.give() > columns.get(widest).give()
                        || c.give() == columns.get(widest).give() && widths[i] > widths[widest])) {
                    widest = i;
                }
            }
            if (widest < 0) {
                break; // every column at its minimum: line() cuts what is left
            }
            widths[widest]--;
            total--;
        }
        return widths;
    }

    private void line(StringBuilder out, String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            Column column = columns.get(i);
            String cell = fit(cells[i], widths[i], column.cut());
            boolean last = i == cells.length - 1;
            if (i > 0) {
                line.append(GAP);
            }
            String pad = " ".repeat(widths[i] - cell.length());
            if (column.right()) {
                line.append(pad).append(cell);
            } else {
                line.append(cell);
                if (!last) {
                    line.append(pad);
                }
            }
        }
        String text = line.length() > width ? fit(line.toString(), width, Cut.END) : line.toString();
        out.append(text.stripTrailing()).append('\n');
    }

    /** {@code text} shortened to {@code width} characters, the cut marked with an ellipsis. */
    static String fit(String text, int width, Cut cut) {
        if (text.length() <= width) {
            return text;
        }
        if (width <= ELLIPSIS.length()) {
            return ELLIPSIS.substring(0, width);
        }
        int keep = width - ELLIPSIS.length();
        return cut == Cut.END ? text.substring(0, keep) + ELLIPSIS : ELLIPSIS + text.substring(text.length() - keep);
    }

    /** One line of printable text: control characters (a newline in a reason) would break the table. */
    static String clean(Object value) {
        if (value == null) {
            return NONE;
        }
        String text = value.toString();
        if (text.isEmpty()) {
            return NONE;
        }
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        String line = out.toString().strip();
        return line.isEmpty() ? NONE : line;
    }
}
