package trit.bitnet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.kernel.WeightFormat;
import trit.api.kernel.Weights;

/**
 * Packs float weights (what llama.cpp's converter writes for 1bitLLM models: ternary × one scale)
 * into I2_S at load, with bitnet.cpp's quantizer rule: {@code scale = max|w|} over the tensor (in
 * double, stored as float); code 1 where {@code |w| < 1e-6}, else 2 where {@code w > 0}, else 0.
 * A tensor that is not ternary × scale (a latent full-precision checkpoint) is first ternarized
 * with the BitNet absmean rule, with a warning.
 */
final class TernaryPacker {

    private static final Logger LOG = LoggerFactory.getLogger(TernaryPacker.class);
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TernaryPacker() {
    }

    /** Float weight {@code e} of a F32, F16 or BF16 tensor. */
    static float weight(WeightFormat format, MemorySegment data, long e) {
        return switch (format) {
            case F32 -> data.getAtIndex(FLOAT_LE, e);
            case F16 -> Float.float16ToFloat(data.getAtIndex(SHORT_LE, e));
            case BF16 -> Float.intBitsToFloat((data.getAtIndex(SHORT_LE, e) & 0xFFFF) << 16);
            default -> throw new IllegalArgumentException(format + " is not a float format");
        };
    }

    /**
     * The I2_S form of a {@code k × m} float tensor, in memory of {@code arena}, as a
     * {@code paddedK × paddedM} matrix whose extra columns and rows hold zero weights: I2_S rows
     * are whole 128-element blocks, and a zero weight adds nothing to a dot product.
     *
     * @throws IllegalArgumentException naming the tensor when {@code paddedK} is not a multiple of 128
     */
    static Weights pack(String name, WeightFormat format, int k, int m, int paddedK, int paddedM, MemorySegment data,
                        Arena arena) {
        if (paddedK % 128 != 0 || paddedK < k || paddedM < m) {
            throw new IllegalArgumentException(name + " (" + format + ", K=" + k + " × M=" + m + "): I2_S rows need K"
                    + " padded to a multiple of 128, not " + paddedK);
        }
        long n = (long) k * m;
        double max = 0;
        for (long e = 0; e < n; e++) {
            max = Math.max(max, Math.abs((double) weight(format, data, e)));
        }
        float scale = (float) max;
        boolean ternary = true;
        for (long e = 0; e < n && ternary; e++) {
            float a = Math.abs(weight(format, data, e));
            ternary = a < 1e-6f || Math.abs(a - scale) <= 1e-3f * scale;
        }
        double absmean = 0;
        if (!ternary) {
            for (long e = 0; e < n; e++) {
                absmean += Math.abs(weight(format, data, e));
            }
            absmean = Math.max(absmean / n, 1e-5);
            scale = (float) absmean;
            LOG.warn("{} is not ternary × scale: ternarizing it with the absmean rule (scale {})", name, scale);
        }
        long padded = (long) paddedK * paddedM;
        MemorySegment out = arena.allocate(padded / 4 + 32, 32);
        for (long e = 0; e < padded; e++) {
            long row = e / paddedK;
            long column = e % paddedK;
            int code = 1; // zero
            if (row < m && column < k) {
                float w = weight(format, data, row * k + column);
                if (ternary) {
                    code = Math.abs(w) < 1e-6f ? 1 : (w > 0 ? 2 : 0);
                } else {
                    code = (int) Math.max(-1, Math.min(1, Math.rint(w / absmean))) + 1;
                }
            }
            long block = e / 128;
            int j = (int) (e % 128);
            long at = block * 32 + j % 32;
            out.set(ValueLayout.JAVA_BYTE, at, (byte) (out.get(ValueLayout.JAVA_BYTE, at) | (code << (6 - 2 * (j / 32)))));
        }
        out.set(FLOAT_LE, padded / 4, scale);
        return Weights.of(name, WeightFormat.I2_S, paddedK, paddedM, out);
    }
}
