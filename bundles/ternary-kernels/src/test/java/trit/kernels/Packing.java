package trit.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Test-side packers, written from the layout descriptions (bitnet.cpp's I2_S facts, ggml's
 * quantize_row_tq{1,2}_0_ref), independent of the kernels' decoders they check.
 */
final class Packing {

    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Packing() {
    }

    /** Random ternary weights {-1, 0, 1} with P(0) = 0.35, row-major m × k. */
    static int[] randomTernary(Random random, int k, int m) {
        int[] w = new int[k * m];
        for (int i = 0; i < w.length; i++) {
            double u = random.nextDouble();
            w[i] = u < 0.35 ? 0 : (u < 0.675 ? 1 : -1);
        }
        return w;
    }

    /** I2_S: codes w+1 in 32-byte blocks of 128, then the float scale and 28 bytes of padding. */
    static MemorySegment i2s(Arena arena, int[] w, int k, int m, float scale) {
        MemorySegment data = arena.allocate((long) k * m / 4 + 32, 32);
        for (int e = 0; e < w.length; e++) {
            long block = e / 128;
            int j = e % 128;
            long at = block * 32 + j % 32;
            int shift = 6 - 2 * (j / 32);
            byte old = data.get(ValueLayout.JAVA_BYTE, at);
            data.set(ValueLayout.JAVA_BYTE, at, (byte) (old | ((w[e] + 1) << shift)));
        }
        data.set(FLOAT_LE, (long) k * m / 4, scale);
        return data;
    }

    /** TQ2_0: per 256-weight block, 64 bytes of 2-bit codes (4 per byte, low bits first) and an F16 d. */
    static MemorySegment tq2(Arena arena, int[] w, float[] d, int k, int m) {
        int blocksPerRow = k / 256;
        MemorySegment data = arena.allocate((long) blocksPerRow * m * 66);
        for (int b = 0; b < blocksPerRow * m; b++) {
            long base = 66L * b;
            for (int g = 0; g < 2; g++) {
                for (int mm = 0; mm < 32; mm++) {
                    int q = 0;
                    for (int n = 0; n < 4; n++) {
                        q += ((w[256 * b + 128 * g + 32 * n + mm] + 1) & 3) << (2 * n);
                    }
                    data.set(ValueLayout.JAVA_BYTE, base + 32 * g + mm, (byte) q);
                }
            }
            data.set(SHORT_LE, base + 64, Float.floatToFloat16(d[b]));
        }
        return data;
    }

    /** TQ1_0: 48 bytes of 5 trits, 4 bytes of 4 trits (base 3 as a fraction of 256), an F16 d. */
    static MemorySegment tq1(Arena arena, int[] w, float[] d, int k, int m) {
        int blocksPerRow = k / 256;
        MemorySegment data = arena.allocate((long) blocksPerRow * m * 54);
        for (int b = 0; b < blocksPerRow * m; b++) {
            long base = 54L * b;
            int x = 256 * b;
            for (int mm = 0; mm < 32; mm++) {
                data.set(ValueLayout.JAVA_BYTE, base + mm, fraction(w, x, mm, 32, 5));
            }
            x += 160;
            for (int mm = 0; mm < 16; mm++) {
                data.set(ValueLayout.JAVA_BYTE, base + 32 + mm, fraction(w, x, mm, 16, 5));
            }
            x += 80;
            for (int j = 0; j < 4; j++) {
                data.set(ValueLayout.JAVA_BYTE, base + 48 + j, fraction(w, x, j, 4, 4));
            }
            data.set(SHORT_LE, base + 52, Float.floatToFloat16(d[b]));
        }
        return data;
    }

    /** Trits w[x + m + n·stride] (n = 0 first, most significant), as ceil(value · 256 / 243). */
    private static byte fraction(int[] w, int x, int m, int stride, int trits) {
        int q = 0;
        for (int n = 0; n < trits; n++) {
            q = q * 3 + (w[x + m + n * stride] + 1);
        }
        for (int n = trits; n < 5; n++) {
            q *= 3;
        }
        return (byte) ((q * 256 + 242) / 243);
    }
}
