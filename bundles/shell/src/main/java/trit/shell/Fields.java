package trit.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * Labelled values, one per line ({@code provider   bitnet/demo}), for the commands that show one
 * thing in detail. A value longer than the line wraps onto lines indented under the first (at a
 * space where there is one), so a full file path or digest stays whole and every line fits the
 * terminal.
 */
final class Fields {

    private final int width;
    private final List<String[]> fields = new ArrayList<>();

    Fields(int width) {
        this.width = width;
    }

    Fields() {
        this(Table.TERMINAL_WIDTH);
    }

    Fields add(String label, Object value) {
        fields.add(new String[] {label, Table.clean(value)});
        return this;
    }

    /** Where to end a line of at most {@code width}: after its last space, unless that wastes half the line. */
    static int breakAt(String value, int width) {
        if (value.length() <= width) {
            return value.length();
        }
        int space = value.lastIndexOf(' ', width);
        return space >= width / 2 ? space + 1 : width;
    }

    String render() {
        int labelWidth = fields.stream().mapToInt(f -> f[0].length()).max().orElse(0);
        int valueWidth = Math.max(1, width - labelWidth - 2);
        StringBuilder out = new StringBuilder();
        for (String[] field : fields) {
            String value = field[1];
            String indent = field[0] + " ".repeat(labelWidth - field[0].length()) + "  ";
            do {
                int end = breakAt(value, valueWidth);
                out.append(indent).append(value, 0, end).append('\n');
                value = value.substring(end);
                indent = " ".repeat(labelWidth + 2);
            } while (!value.isEmpty());
        }
        return out.toString();
    }
}
