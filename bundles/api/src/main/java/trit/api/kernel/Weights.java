package trit.api.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A weight matrix of {@code m} rows of {@code k} weights, as a kernel reads it: packed bytes in a
 * memory segment (mapped from the model file, or repacked off-heap at load). Row {@code r} is
 * output {@code r} of a product: {@code y[r] = Σ_i W[r][i] · x[i]} (ggml's {@code ne = [k, m]}).
 *
 * <p>The constructor checks everything a kernel relies on, so that no kernel ever reads outside
 * {@code data}: {@code k} a multiple of the format's block size, {@code data} at least
 * {@link WeightFormat#tensorBytes} long.
 *
 * @param name   the tensor's name, for error messages (e.g. {@code blk.3.ffn_up.weight})
 * @param format the storage format
 * @param k      weights per row (input features)
 * @param m      rows (output features)
 * @param data   the packed weights; I2_S includes its trailing scale
 * @param scale  the per-tensor scale of I2_S (read from {@code data}); 1 for other formats
 * @param layout the packed layout: {@link #GGML} as stored in GGUF, or the name of a kernel's own
 *               layout made by {@link TernaryKernel#prepare}
 */
public record Weights(String name, WeightFormat format, int k, int m, MemorySegment data, float scale, String layout) {

    /** The layout of GGUF files. Every kernel computes with it. */
    public static final String GGML = "ggml";

    public Weights {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(layout, "layout");
        if (k <= 0 || m <= 0) {
            throw new IllegalArgumentException(describe(name, format, k, m) + ": dimensions must be positive");
        }
        if (k % format.blockSize() != 0) {
            throw new IllegalArgumentException(describe(name, format, k, m) + ": K = " + k
                    + " is not a multiple of the " + format + " block size " + format.blockSize());
        }
        long needed = format.tensorBytes(k, m);
        if (GGML.equals(layout) && data.byteSize() < needed) {
            throw new IllegalArgumentException(describe(name, format, k, m) + ": needs " + needed
                    + " bytes of data, the segment has " + data.byteSize());
        }
    }

    /**
     * Weights in the GGUF layout. For I2_S the per-tensor scale is read from after the codes.
     *
     * @throws IllegalArgumentException naming the tensor and shape when anything does not fit
     */
    public static Weights of(String name, WeightFormat format, int k, int m, MemorySegment data) {
        float scale = 1f;
        if (format == WeightFormat.I2_S) {
            long offset = format.rowBytes(k) * (long) m;
            if (k > 0 && m > 0 && k % format.blockSize() == 0 && data.byteSize() >= offset + Float.BYTES) {
                scale = data.get(FLOAT_LE, offset);
            }
        }
        return new Weights(name, format, k, m, data, scale, GGML);
    }

    /**
     * Row {@code r} of a float-format matrix (F32, F16, BF16, Q8_0 as {@code d × q}) as floats,
     * converted exactly, into {@code out[0 .. k)}: an embedding lookup, or a kernel's row decode.
     * Plain loops: C2 compiles {@link Float#float16ToFloat} in them to the CPU's conversion instruction.
     *
     * @throws IllegalArgumentException for a ternary format, a row out of range or a short {@code out}
     */
    public void readRow(int r, float[] out) {
        if (format.isTernary() || !GGML.equals(layout)) {
            throw new IllegalArgumentException(describe() + ": rows of " + format + " in layout " + layout + " are not floats");
        }
        if (r < 0 || r >= m || out.length < k) {
            throw new IllegalArgumentException(describe() + ": cannot read row " + r + " into " + out.length + " floats");
        }
        long start = format.rowBytes(k) * r;
        switch (format) {
            case F32 -> MemorySegment.copy(data, FLOAT_LE, start, out, 0, k);
            case F16 -> {
                for (int i = 0; i < k; i++) {
                    out[i] = Float.float16ToFloat(data.get(SHORT_LE, start + 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < k; i++) {
                    out[i] = Float.intBitsToFloat((data.get(SHORT_LE, start + 2L * i) & 0xFFFF) << 16);
                }
            }
            default -> { // Q8_0
                for (int b = 0; b < k / 32; b++) {
                    long block = start + 34L * b;
                    float d = Float.float16ToFloat(data.get(SHORT_LE, block));
                    for (int i = 0; i < 32; i++) {
                        out[32 * b + i] = d * data.get(ValueLayout.JAVA_BYTE, block + 2 + i);
                    }
                }
            }
        }
    }

    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** "blk.0.attn_q.weight (I2_S, K=256 × M=256)": how errors name a tensor. */
    public String describe() {
        return describe(name, format, k, m);
    }

    private static String describe(String name, WeightFormat format, int k, int m) {
        return name + " (" + format + ", K=" + k + " × M=" + m + ")";
    }
}
