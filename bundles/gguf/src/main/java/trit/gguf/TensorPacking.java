package trit.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Tensor data in ggml's formats, for {@link GgufWriter#addTensor}: ternary weights (I2_S as
 * bitnet.cpp writes it on x86, llama.cpp's TQ1_0 and TQ2_0) and float ones (F32, F16, Q8_0).
 * Weights are row-major: {@code w[r·k + c]} is input {@code c} of output row {@code r}.
 */
public final class TensorPacking {

    private TensorPacking() {
    }

    /**
     * I2_S: codes {@code w+1} in 32-byte blocks of 128 weights (byte {@code 32b+i} holds weights
     * {@code 128b+i}, {@code +32}, {@code +64}, {@code +96} in bits 7-6, 5-4, 3-2, 1-0), then the
     * float scale and 28 bytes of padding.
     */
    public static byte[] i2s(int[] w, int k, int m, float scale) {
        checkTernary(w, k, m, 128);
        byte[] out = new byte[k * m / 4 + 32];
        for (int e = 0; e < w.length; e++) {
            int j = e % 128;
            out[(e / 128) * 32 + j % 32] |= (byte) ((w[e] + 1) << (6 - 2 * (j / 32)));
        }
        ByteBuffer.wrap(out, k * m / 4, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(scale);
        return out;
    }

    /** TQ2_0: per block of 256 weights, 64 bytes of 2-bit codes (4 per byte, low bits first) and an F16 {@code d[block]}. */
    public static byte[] tq2(int[] w, float[] d, int k, int m) {
        checkTernary(w, k, m, 256);
        int blocks = k / 256 * m;
        ByteBuffer out = ByteBuffer.allocate(blocks * 66).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < blocks; b++) {
            for (int g = 0; g < 2; g++) {
                for (int mm = 0; mm < 32; mm++) {
                    int q = 0;
                    for (int n = 0; n < 4; n++) {
                        q += ((w[256 * b + 128 * g + 32 * n + mm] + 1) & 3) << (2 * n);
                    }
                    out.put((byte) q);
                }
            }
            out.putShort(Float.floatToFloat16(d[b]));
        }
        return out.array();
    }

    /** TQ1_0: per block, 48 bytes of 5 trits and 4 of 4 trits (base 3 as a fraction of 256), and an F16 {@code d[block]}. */
    public static byte[] tq1(int[] w, float[] d, int k, int m) {
        checkTernary(w, k, m, 256);
        int blocks = k / 256 * m;
        ByteBuffer out = ByteBuffer.allocate(blocks * 54).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < blocks; b++) {
            int x = 256 * b;
            for (int mm = 0; mm < 32; mm++) {
                out.put(trits(w, x, mm, 32, 5));
            }
            x += 160;
            for (int mm = 0; mm < 16; mm++) {
                out.put(trits(w, x, mm, 16, 5));
            }
            x += 80;
            for (int j = 0; j < 4; j++) {
                out.put(trits(w, x, j, 4, 4));
            }
            out.putShort(Float.floatToFloat16(d[b]));
        }
        return out.array();
    }

    /** Trits {@code w[x + m + n·stride]} (n = 0 the most significant) as {@code ceil(value · 256 / 243)}. */
    private static byte trits(int[] w, int x, int m, int stride, int count) {
        int q = 0;
        for (int n = 0; n < count; n++) {
            q = q * 3 + (w[x + m + n * stride] + 1);
        }
        for (int n = count; n < 5; n++) {
            q *= 3;
        }
        return (byte) ((q * 256 + 242) / 243);
    }

    public static byte[] f32(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(values);
        return out.array();
    }

    /** F16, rounded to nearest even. */
    public static byte[] f16(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            out.putShort(Float.floatToFloat16(v));
        }
        return out.array();
    }

    /** Q8_0 as llama.cpp quantizes: per 32 values {@code d = max|v| / 127} (F16), {@code q = round(v / d)}. */
    public static byte[] q8_0(float[] values) {
        if (values.length % 32 != 0) {
            throw new IllegalArgumentException("Q8_0 needs a multiple of 32 values, got " + values.length);
        }
        ByteBuffer out = ByteBuffer.allocate(values.length / 32 * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < values.length / 32; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(values[32 * b + i]));
            }
            float d = amax / 127;
            float id = d != 0 ? 1 / d : 0;
            out.putShort(Float.floatToFloat16(d));
            for (int i = 0; i < 32; i++) {
                out.put((byte) Math.round(values[32 * b + i] * id));
            }
        }
        return out.array();
    }

    private static void checkTernary(int[] w, int k, int m, int block) {
        if (k % block != 0 || (long) k * m != w.length) {
            throw new IllegalArgumentException(w.length + " weights do not form " + m + " rows of " + k
                    + " (a multiple of " + block + ")");
        }
        for (int i = 0; i < w.length; i++) {
            if (w[i] < -1 || w[i] > 1) {
                throw new IllegalArgumentException("weight " + i + " is " + w[i] + ", not in {-1, 0, 1}");
            }
        }
    }
}
