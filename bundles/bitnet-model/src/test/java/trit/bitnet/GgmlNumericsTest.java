package trit.bitnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link GgmlNumerics} against bits that bitnet.cpp's own ggml routines produced
 * ({@code ggml-vectors.txt}: its AVX-512 {@code ggml_v_expf} and {@code ggml_vec_dot_f16}), and its
 * attention sum against its dot product.
 */
class GgmlNumericsTest {

    private static final List<float[]> EXP = new ArrayList<>();
    private static final List<float[][]> DOTS = new ArrayList<>();

    @BeforeAll
    static void read() throws IOException {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                GgmlNumericsTest.class.getResourceAsStream("ggml-vectors.txt"), StandardCharsets.US_ASCII))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "exp" -> EXP.add(new float[] {hex(f[1]), hex(f[2])});
                    case "dot" -> {
                        float[] x = floats(in.readLine());
                        float[] y = floats(in.readLine());
                        DOTS.add(new float[][] {{hex(f[2])}, x, y});
                        assertEquals(Integer.parseInt(f[1]), x.length);
                    }
                    default -> { } // comments
                }
            }
        }
        assertFalse(EXP.isEmpty() || DOTS.isEmpty());
    }

    @Test
    void expGivesGgmlsBitsIncludingUnderflowAndOverflow() {
        for (float[] v : EXP) {
            assertEquals(Float.floatToIntBits(v[1]), Float.floatToIntBits(GgmlNumerics.exp(v[0])), "exp(" + Float.toHexString(v[0]) + ")");
        }
    }

    @Test
    void theVectorExpGivesTheSameBitsAsTheScalarOne() {
        float[] values = new float[EXP.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = EXP.get(i)[0];
        }
        GgmlNumerics.expMinus(values, 0, values.length, 0f);
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToIntBits(EXP.get(i)[1]), Float.floatToIntBits(values[i]), "exp(" + EXP.get(i)[0] + ")");
        }
        Random random = new Random(3);
        float[] many = new float[1000];
        for (int i = 0; i < many.length; i++) {
            many[i] = (float) (random.nextGaussian() * 30);
        }
        float[] vector = many.clone();
        GgmlNumerics.expMinus(vector, 0, vector.length, 1.5f);
        for (int i = 0; i < many.length; i++) {
            assertEquals(Float.floatToIntBits(GgmlNumerics.exp(many[i] - 1.5f)), Float.floatToIntBits(vector[i]), "exp(" + many[i] + " - 1.5)");
        }
    }

    @Test
    void siluIsXOverOnePlusExpOfMinusXWithTheCLibrarysExpOnTheTail() {
        Random random = new Random(4);
        float[] x = new float[16 * 5 + 7];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 4);
        }
        float[] y = x.clone();
        GgmlNumerics.silu(y, 0, y.length);
        for (int i = 0; i < x.length; i++) {
            float e = i < 80 ? GgmlNumerics.exp(0f - x[i]) : CMath.exp(-x[i]);
            assertEquals(Float.floatToIntBits(x[i] / (1f + e)), Float.floatToIntBits(y[i]), "silu(" + x[i] + ") at " + i);
        }
    }

    @Test
    void theF16DotProductSumsInGgmlsOrder() {
        for (float[][] dot : DOTS) {
            float[] x = dot[1];
            float[] y = dot[2];
            assertEquals(Float.floatToIntBits(dot[0][0]), Float.floatToIntBits(GgmlNumerics.dotF16(x, 0, y, 0, x.length, new float[8])),
                    "dot of " + x.length);
        }
    }

    @Test
    void fourDotProductsAtOnceGiveTheBitsOfOneAtATime() {
        Random random = new Random(6);
        for (int n : new int[] {32, 64, 96, 100, 128}) {
            float[] q = new float[n];
            float[] keys = new float[4 * (n + 8)];
            for (int i = 0; i < n; i++) {
                q[i] = ReferenceForward.half((float) random.nextGaussian());
            }
            for (int i = 0; i < keys.length; i++) {
                keys[i] = ReferenceForward.half((float) random.nextGaussian());
            }
            float[] four = new float[5];
            GgmlNumerics.dotF16x4(q, 0, keys, 3, n + 8, n, new float[8], four, 1);
            for (int r = 0; r < 4; r++) {
                assertEquals(Float.floatToIntBits(GgmlNumerics.dotF16(q, 0, keys, 3 + r * (n + 8), n, new float[8])),
                        Float.floatToIntBits(four[1 + r]), "n " + n + ", row " + r);
            }
        }
    }

    /** Attention's weighted sum is, per output, the F16 dot product over the attended slots (p = 0 after the last). */
    @Test
    void theWeightedSumIsTheDotProductOfEachValueColumn() {
        Random random = new Random(5);
        // 40: vectors and a scalar tail at 256 bits, scalar only at 512; 64 and 128 (the models'): vectors.
        for (int headDim : new int[] {40, 64, 128})
        for (int last : new int[] {0, 8, 31, 32, 63, 64, 100, 150, 300}) {
            int slots = Math.max(32, (last + 32) & ~31);
            float[] p = new float[slots];
            float[] values = new float[slots * 3 * headDim];
            for (int j = 0; j <= last; j++) {
                p[j] = ReferenceForward.half(random.nextFloat() / (last + 1));
            }
            for (int i = 0; i < values.length; i++) {
                values[i] = ReferenceForward.half((float) random.nextGaussian());
            }
            float[] out = new float[headDim + 3];
            GgmlNumerics.weightedSum(p, last, slots, values, 3 * headDim, headDim, headDim, out, 3,
                    new float[64 * headDim], new double[headDim]);
            for (int d = 0; d < headDim; d++) {
                float[] column = new float[slots];
                for (int j = 0; j < slots; j++) {
                    column[j] = values[j * 3 * headDim + headDim + d];
                }
                float expected = GgmlNumerics.dotF16(p, 0, column, 0, slots, new float[8]);
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(out[3 + d]),
                        "head_dim " + headDim + ", last " + last + ", output " + d);
            }
        }
    }

    private static float hex(String s) {
        return switch (s) {
            case "inf" -> Float.POSITIVE_INFINITY;
            case "-inf" -> Float.NEGATIVE_INFINITY;
            default -> Float.parseFloat(s);
        };
    }

    private static float[] floats(String line) {
        String[] f = line.split(" ");
        float[] v = new float[f.length - 1];
        for (int i = 1; i < f.length; i++) {
            v[i - 1] = hex(f[i]);
        }
        return v;
    }
}
