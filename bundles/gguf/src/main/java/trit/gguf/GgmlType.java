package trit.gguf;

/**
 * Tensor types of ggml (I2_S with bitnet.cpp's id), with how many bytes their data takes. The
 * reader knows every type so it can check each tensor's extent; which types a model computes
 * with is the model's business.
 */
public enum GgmlType {
    F32(0, 1, 4), F16(1, 1, 2), Q4_0(2, 32, 18), Q4_1(3, 32, 20), Q5_0(6, 32, 22), Q5_1(7, 32, 24),
    Q8_0(8, 32, 34), Q8_1(9, 32, 36), Q2_K(10, 256, 84), Q3_K(11, 256, 110), Q4_K(12, 256, 144),
    Q5_K(13, 256, 176), Q6_K(14, 256, 210), Q8_K(15, 256, 292), IQ2_XXS(16, 256, 66), IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98), IQ1_S(19, 256, 50), IQ4_NL(20, 32, 18), IQ3_S(21, 256, 110), IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136), I8(24, 1, 1), I16(25, 1, 2), I32(26, 1, 4), I64(27, 1, 8), F64(28, 1, 8),
    IQ1_M(29, 256, 56), BF16(30, 1, 2), TQ1_0(34, 256, 54), TQ2_0(35, 256, 66),
    /** bitnet.cpp: 2-bit codes for the whole tensor (4 per byte), then a float32 scale and 28 bytes of padding. */
    I2_S(36, 4, 1);

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public int id() {
        return id;
    }

    /** Elements per block: the first dimension must be a multiple of it. */
    public int blockSize() {
        return blockSize;
    }

    /**
     * Bytes of a tensor with {@code elements} elements (a multiple of the block size).
     *
     * @throws ArithmeticException if the size does not fit a long
     */
    public long byteSize(long elements) {
        long size = Math.multiplyExact(elements / blockSize, (long) blockBytes);
        return this == I2_S ? Math.addExact(size, 32) : size;
    }

    /** The type with this id, or {@code null}. */
    public static GgmlType of(int id) {
        for (GgmlType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        return null;
    }
}
