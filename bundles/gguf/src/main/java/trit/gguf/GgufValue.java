package trit.gguf;

import java.util.Arrays;

/**
 * One metadata value. Integers of every width are held as {@code Long} (unsigned ones as their
 * non-negative value; a UINT64 above {@code Long.MAX_VALUE} is refused when read), FLOAT32 as
 * {@code Float}, FLOAT64 as {@code Double}, BOOL as {@code Boolean}, STRING as {@code String}.
 * An array holds a Java array by element type: {@code long[]}, {@code float[]}, {@code double[]},
 * {@code boolean[]}, {@code String[]}, or {@code GgufValue[]} for nested arrays.
 *
 * @param type        the value's type
 * @param elementType for an array, its elements' type; otherwise {@code null}
 * @param value       the value, as above
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    /** "UINT32", "array of FLOAT32": how error messages name what was found. */
    public String describeType() {
        return type == GgufValueType.ARRAY ? "array of " + elementType : type.name();
    }

    /** Number of elements of an array value (1 for a scalar). */
    public int length() {
        return switch (value) {
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case String[] a -> a.length;
            case GgufValue[] a -> a.length;
            default -> 1;
        };
    }

    @Override
    public String toString() {
        return switch (value) {
            case long[] a -> "[" + a.length + " × " + elementType + "]";
            case float[] a -> "[" + a.length + " × " + elementType + "]";
            case double[] a -> "[" + a.length + " × " + elementType + "]";
            case boolean[] a -> "[" + a.length + " × " + elementType + "]";
            case String[] a -> a.length <= 4 ? Arrays.toString(a) : "[" + a.length + " × " + elementType + "]";
            case GgufValue[] a -> "[" + a.length + " × " + elementType + "]";
            default -> String.valueOf(value);
        };
    }
}
