package trit.gguf;

/** The type of a metadata value, with its id in the file. */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4),
    BOOL(7, 1), STRING(8, 8), ARRAY(9, 12), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    public int id() {
        return id;
    }

    /** The fewest bytes one value takes in a file (a string or an array at least its header). */
    int minBytes() {
        return minBytes;
    }

    static GgufValueType of(int id) {
        for (GgufValueType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        return null;
    }
}
