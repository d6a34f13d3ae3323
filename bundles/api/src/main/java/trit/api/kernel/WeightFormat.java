package trit.api.kernel;

/**
 * How a weight matrix is stored, with the GGUF tensor type ids of ggml (I2_S: bitnet.cpp's
 * numbering). A row of K weights is stored in {@link #rowBytes(int)} bytes, except I2_S, which
 * packs the whole tensor at once and keeps one float scale after it ({@link #tensorBytes}).
 */
public enum WeightFormat {
    /** 32-bit IEEE float. */
    F32(0, 1, 4, false),
    /** 16-bit IEEE half float. */
    F16(1, 1, 2, false),
    /** ggml Q8_0: blocks of 32 weights, an F16 scale then 32 int8 values (34 bytes). */
    Q8_0(8, 32, 34, false),
    /** bfloat16: the upper half of an F32. */
    BF16(30, 1, 2, false),
    /** llama.cpp TQ1_0: blocks of 256 ternary weights, 5 per byte in base 3, then an F16 scale (54 bytes). */
    TQ1_0(34, 256, 54, true),
    /** llama.cpp TQ2_0: blocks of 256 ternary weights, 2 bits each, then an F16 scale (66 bytes). */
    TQ2_0(35, 256, 66, true),
    /**
     * bitnet.cpp I2_S (x86): 2-bit codes (0 = -1, 1 = 0, 2 = +1) in blocks of 128 weights per 32
     * bytes (byte {@code 32b+i} holds weights {@code 128b+i}, {@code +32}, {@code +64}, {@code +96}
     * in bits 7-6, 5-4, 3-2, 1-0), then one float32 scale for the whole tensor and 28 padding bytes.
     */
    I2_S(36, 128, 32, true);

    private final int ggmlType;
    private final int blockSize;
    private final int blockBytes;
    private final boolean ternary;

    WeightFormat(int ggmlType, int blockSize, int blockBytes, boolean ternary) {
        this.ggmlType = ggmlType;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.ternary = ternary;
    }

    /** The GGUF tensor type id. */
    public int ggmlType() {
        return ggmlType;
    }

    /** Weights per block: a row length K must be a multiple of it. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Whether the weights are ternary (multiplied with int8 activations). */
    public boolean isTernary() {
        return ternary;
    }

    /** Bytes of one row of {@code k} weights ({@code k} a multiple of the block size). */
    public long rowBytes(int k) {
        return (long) (k / blockSize) * blockBytes;
    }

    /** Bytes of a whole {@code k × m} tensor, I2_S's scale and padding included. */
    public long tensorBytes(int k, int m) {
        long rows = Math.multiplyExact(rowBytes(k), (long) m);
        return this == I2_S ? rows + 32 : rows;
    }

    /** The format with this GGUF type id, or {@code null} when Trit does not compute with it. */
    public static WeightFormat ofGgmlType(int type) {
        for (WeightFormat format : values()) {
            if (format.ggmlType == type) {
                return format;
            }
        }
        return null;
    }
}
