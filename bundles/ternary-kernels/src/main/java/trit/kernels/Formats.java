package trit.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import trit.api.kernel.WeightFormat;
import trit.api.kernel.Weights;

/**
 * Where each weight of each format lies, one weight at a time: the readable definition of the
 * packed layouts (ggml / bitnet.cpp), used by the scalar kernel and by the tests of the others.
 */
final class Formats {

    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Formats() {
    }

    /**
     * The I2_S code (0, 1, 2 for -1, 0, +1) of element {@code e} of the flattened tensor: block
     * {@code e / 128} of 32 bytes; within it, byte {@code e % 32} holds the four elements
     * {@code j}, {@code j+32}, {@code j+64}, {@code j+96} in bits 7-6, 5-4, 3-2, 1-0.
     */
    static int i2sCode(MemorySegment data, long e) {
        long block = e / 128;
        int j = (int) (e % 128);
        int plane = j / 32;
        int b = data.get(ValueLayout.JAVA_BYTE, block * 32 + j % 32) & 0xFF;
        return (b >>> (6 - 2 * plane)) & 3;
    }

    /**
     * The I2_S codes of row {@code r} of {@code w} (GGML layout) into {@code codes[0 .. k)}, whole
     * row at once ({@code packed} holds its {@code k / 4} bytes on the way): what repacking reads.
     * Code 3 is no ternary weight; a row holding one is refused with the element named.
     */
    static void i2sRowCodes(Weights w, int r, byte[] packed, byte[] codes) {
        int k = w.k();
        MemorySegment.copy(w.data(), ValueLayout.JAVA_BYTE, (long) r * (k / 4), packed, 0, k / 4);
        for (int c = 0; c < k / 128; c++) {
            for (int i = 0; i < 32; i++) {
                int v = packed[32 * c + i];
                codes[128 * c + i] = (byte) ((v >>> 6) & 3);
                codes[128 * c + 32 + i] = (byte) ((v >>> 4) & 3);
                codes[128 * c + 64 + i] = (byte) ((v >>> 2) & 3);
                codes[128 * c + 96 + i] = (byte) (v & 3);
            }
        }
        for (int i = 0; i < k; i++) {
            if (codes[i] == 3) {
                throw new IllegalArgumentException(w.describe() + ": element " + ((long) r * k + i)
                        + " holds I2_S code 3, which is no ternary weight (the file is damaged)");
            }
        }
    }

    /**
     * The TQ2_0 weight (-1, 0, +1) of element {@code j < 256} of the block at {@code block}: bytes
     * {@code 32g .. 32g+31} (g = j / 128) hold elements {@code 128g + 32l + m} in bits {@code 2l}.
     */
    static int tq2Weight(MemorySegment data, long block, int j) {
        int g = j / 128;
        int l = (j % 128) / 32;
        int m = j % 32;
        int b = data.get(ValueLayout.JAVA_BYTE, block + 32L * g + m) & 0xFF;
        return ((b >>> (2 * l)) & 3) - 1;
    }

    private static final int[] POW3 = {1, 3, 9, 27, 81, 243};

    /**
     * The TQ1_0 weight (-1, 0, +1) of element {@code j < 256} of the block at {@code block}. Bytes
     * hold 5 trits as a fixed-point fraction of 3^5 (4 trits for the last 4 bytes, {@code qh}):
     * trit {@code n} of byte {@code v} is {@code ((v · 3^n mod 256) · 3) >> 8}. Elements 0..159 are
     * trit {@code j / 32} of byte {@code j % 32}; 160..239 trit {@code (j-160) / 16} of byte
     * {@code 32 + (j-160) % 16}; 240..255 trit {@code (j-240) / 4} of {@code qh[(j-240) % 4]}.
     */
    static int tq1Weight(MemorySegment data, long block, int j) {
        int byteIndex;
        int trit;
        if (j < 160) {
            byteIndex = j % 32;
            trit = j / 32;
        } else if (j < 240) {
            byteIndex = 32 + (j - 160) % 16;
            trit = (j - 160) / 16;
        } else {
            byteIndex = 48 + (j - 240) % 4;
            trit = (j - 240) / 4;
        }
        int v = data.get(ValueLayout.JAVA_BYTE, block + byteIndex) & 0xFF;
        int q = (v * POW3[trit]) & 0xFF;
        return ((q * 3) >>> 8) - 1;
    }

    /** The F16 scale {@code d} of a TQ1_0, TQ2_0 or Q8_0 block. */
    static float blockScale(WeightFormat format, MemorySegment data, long block) {
        long offset = switch (format) {
            case TQ1_0 -> 52;
            case TQ2_0 -> 64;
            case Q8_0 -> 0;
            default -> throw new IllegalArgumentException(format + " has no block scale");
        };
        return Float.float16ToFloat(data.get(SHORT_LE, block + offset));
    }

    /** Weight {@code i} of row {@code r} of a float-format matrix, converted to float exactly. */
    static float floatWeight(WeightFormat format, MemorySegment data, int k, int r, int i) {
        long row = format.rowBytes(k) * r;
        return switch (format) {
            case F32 -> data.get(FLOAT_LE, row + 4L * i);
            case F16 -> Float.float16ToFloat(data.get(SHORT_LE, row + 2L * i));
            case BF16 -> Float.intBitsToFloat((data.get(SHORT_LE, row + 2L * i) & 0xFFFF) << 16);
            case Q8_0 -> {
                long block = row + 34L * (i / 32);
                yield blockScale(format, data, block) * data.get(ValueLayout.JAVA_BYTE, block + 2 + i % 32);
            }
            default -> throw new IllegalArgumentException(format + " is not a float format");
        };
    }
}
