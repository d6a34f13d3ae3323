package trit.tokenizer;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's view of text and values where Hugging Face chat templates depend on it: what
 * {@code str.strip()} removes, and {@code json.dumps} as the {@code tojson} filter of
 * transformers' chat-template environment writes it ({@code ensure_ascii=False}).
 */
final class PythonText {

    private PythonText() {
    }

    /** Python's {@code str.isspace()} for one character (every Python whitespace character is in the BMP). */
    static boolean isSpace(char c) {
        // Java's isWhitespace leaves out the no-break spaces and NEL, which Python counts.
        return Character.isWhitespace(c) || c == '\u0085' || c == '\u00A0' || c == '\u2007' || c == '\u202F';
    }

    /** Python's {@code str.strip()} (Jinja's {@code trim} filter). */
    static String strip(String s) {
        return strip(s, null, true, true);
    }

    /**
     * Python's {@code str.strip(chars)}, {@code lstrip} ({@code right} false) and {@code rstrip}
     * ({@code left} false); {@code chars} {@code null} for whitespace.
     */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && stripped(s.charAt(start), chars)) {
            start++;
        }
        while (right && end > start && stripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    /**
     * Python's {@code json.dumps(value, ensure_ascii=False, indent=indent)}: {@code ", "} and
     * {@code ": "} between items without an indent, {@code ","} and newlines with one.
     *
     * @param indent spaces per level, or a negative number for none
     */
    static String toJson(Object value, int indent) {
        StringBuilder out = new StringBuilder();
        write(out, value, indent, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, int indent, int depth) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d -> out.append(pythonFloat(d));
            case Float f -> out.append(pythonFloat(f.doubleValue()));
            case Number n -> out.append(n);
            case Map<?, ?> map -> writeItems(out, map.entrySet().iterator(), '{', '}', indent, depth);
            case Iterable<?> items -> writeItems(out, items.iterator(), '[', ']', indent, depth);
            case Object[] items -> writeItems(out, List.of(items).iterator(), '[', ']', indent, depth);
            default -> writeString(out, value.toString());
        }
    }

    private static void writeItems(StringBuilder out, Iterator<?> items, char open, char close, int indent, int depth) {
        out.append(open);
        if (!items.hasNext()) {
            out.append(close);
            return;
        }
        boolean first = true;
        while (items.hasNext()) {
            Object item = items.next();
            if (!first) {
                out.append(indent < 0 ? ", " : ",");
            }
            first = false;
            newline(out, indent, depth + 1);
            if (item instanceof Map.Entry<?, ?> e) {
                writeString(out, String.valueOf(e.getKey()));
                out.append(": ");
                write(out, e.getValue(), indent, depth + 1);
            } else {
                write(out, item, indent, depth + 1);
            }
        }
        newline(out, indent, depth);
        out.append(close);
    }

    private static void newline(StringBuilder out, int indent, int depth) {
        if (indent >= 0) {
            out.append('\n').repeat(' ', indent * depth);
        }
    }

    /** Python's float repr: always a fraction or exponent part; NaN and infinities as json.dumps spells them. */
    private static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return (long) d + ".0";
        }
        return Double.toString(d).replace("E", "e");
    }

    private static void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
