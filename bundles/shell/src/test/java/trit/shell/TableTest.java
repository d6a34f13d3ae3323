package trit.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class TableTest {

    private static List<String> lines(String rendered) {
        assertTrue(rendered.endsWith("\n"), "every line ends with a line feed");
        return rendered.lines().toList();
    }

    @Test
    void alignsTextLeftAndNumbersRightTwoSpacesApart() {
        String out = new Table(Table.Column.text("NAME"), Table.Column.number("COUNT"))
                .row("alpha", 7).row("b", 1234).render();
        assertEquals("""
                NAME   COUNT
                alpha      7
                b       1234
                """, out);
    }

    @Test
    void nullAndEmptyCellsShowAsDash() {
        String out = new Table(Table.Column.text("A"), Table.Column.text("B")).row(null, "").render();
        assertEquals("A  B\n-  -\n", out);
    }

    @Test
    void controlCharactersCannotBreakTheTable() {
        String out = new Table(Table.Column.text("REASON")).row("line one\nline two\tend\u001b[31m").render();
        assertEquals(List.of("REASON", "line one line two end [31m"), lines(out));
    }

    @Test
    void wideTablesShrinkTheirWidestColumnsToFitEightyColumns() {
        String path = "/very/long/folder/of/models/that/goes/on/and/on/ggml-model-i2_s.gguf";
        String sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        Table table = new Table(Table.Column.text("MODEL"), Table.Column.text("PROVIDER"), Table.Column.path("FILE"),
                Table.Column.digest("SHA256"), Table.Column.number("CONTEXT"));
        table.row("bitnet-2B-4T", "bitnet/bitnet-2B-4T", path, sha, 4096);
        List<String> lines = lines(table.render());
        lines.forEach(l -> assertTrue(l.length() <= 80, () -> "longer than 80: " + l.length() + " " + l));
        String row = lines.get(1);
        assertTrue(row.startsWith("bitnet-2B-4T  bitnet/bitnet-2B-4T  "), () -> "names give last: " + row);
        assertTrue(row.contains("…/on/ggml-model-i2_s.gguf  9f86d081…     4096"), () -> "a path keeps its end: " + row);
        assertTrue(row.contains("9f86d0"), () -> "a digest keeps its beginning: " + row);
        assertTrue(row.endsWith("4096"), () -> "numbers are never cut: " + row);
        // The header lines up with the cells: CONTEXT's right edge is the line's end.
        assertTrue(lines.get(0).endsWith("CONTEXT"));
        assertEquals(lines.get(0).length(), row.length());
    }

    @Test
    void columnsNeverShrinkBelowTheirMinimumAndLinesAreCutAtTheWidth() {
        Table table = new Table(20, Table.Column.number("NUMBER-ONE"), Table.Column.number("NUMBER-TWO"));
        table.row(1, 2);
        List<String> lines = lines(table.render());
        assertEquals("NUMBER-ONE  NUMBER-…", lines.get(0));
        lines.forEach(l -> assertTrue(l.length() <= 20, l));
    }

    @Test
    void narrowTablesStayAsTheyAre() {
        Table table = new Table(Table.Column.text("X")).row("y");
        assertEquals("X\ny\n", table.render());
    }

    @Test
    void fitCutsWithAnEllipsisAtEitherEnd() {
        assertEquals("abcdef", Table.fit("abcdef", 6, Table.Cut.END));
        assertEquals("abc…", Table.fit("abcdef", 4, Table.Cut.END));
        assertEquals("…def", Table.fit("abcdef", 4, Table.Cut.START));
        assertEquals("…", Table.fit("abcdef", 1, Table.Cut.START));
        assertEquals("", Table.fit("abcdef", 0, Table.Cut.END));
    }

    @Test
    void badShapesAreRefusedWithTheReason() {
        Table table = new Table(Table.Column.text("A"), Table.Column.text("B"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> table.row("only one"));
        assertEquals("a row of this table has 2 cells, got 1: [only one]", e.getMessage());
        assertEquals("a table needs at least one column",
                assertThrows(IllegalArgumentException.class, () -> new Table()).getMessage());
        assertEquals("minWidth must be >= 1, was 0", assertThrows(IllegalArgumentException.class,
                () -> new Table.Column("A", false, 0, Table.Cut.END, 0)).getMessage());
    }

    @Test
    void fieldsWrapLongValuesUnderTheFirstLine() {
        String sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        String out = new Fields(40).add("model", "demo").add("sha256", sha).add("reason", null).render();
        assertEquals("""
                model   demo
                sha256  9f86d081884c7d659a2feaa0c55ad015
                        a3bf4f1b2b0b822cd15d6c15b0f00a08
                reason  -
                """, out);
    }

    @Test
    void fieldsWrapAtASpaceWhenThereIsOne() {
        String out = new Fields(30).add("scores", "complexity=0.000, length=0.000, math=0.000").render();
        lines(out).forEach(l -> assertTrue(l.length() <= 30, l));
        assertEquals(List.of("scores  complexity=0.000, ", "        length=0.000, ", "        math=0.000"), lines(out));
    }

    @Test
    void generatedTextKeepsLinesButLosesTerminalControls() {
        assertEquals("one\ntwo\tthree \uFFFD[31mred\uFFFD", ConsoleGeneration.printable("one\ntwo\tthree \u001b[31mred\u0007"));
    }

    @Test
    void unitsAreShortAndBinary() {
        assertEquals("512 B", Units.bytes(512));
        assertEquals("1.5 KiB", Units.bytes(1536));
        assertEquals("384 MiB", Units.bytes(384L << 20));
        assertEquals("2.0 GiB", Units.bytes(2L << 30));
        assertEquals(null, Units.bytes(null));
        assertEquals("41.7", Units.rate(41.66));
        assertEquals(null, Units.rate(0));
    }
}
