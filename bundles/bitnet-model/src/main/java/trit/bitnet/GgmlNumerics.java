package trit.bitnet;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float operations computed the way bitnet.cpp's CPU build (ggml on x86 with AVX-512, the
 * reference's build) computes them, where plain Java would give other bits: its vectorized
 * {@code exp} (softmax and SiLU) and the summation order of its F16 dot product (attention).
 *
 * <p>Why it matters: every linear layer rounds its input to int8. A value one ulp to the other side
 * of a rounding boundary changes one int8 activation, which moves the logits of that token by up
 * to ~0.1. Bit-for-bit equal intermediate values keep every rounding where bitnet.cpp puts it.
 *
 * <p>The results depend on nothing of the machine that runs them: lane-wise IEEE operations (fused
 * multiply-add included) give the same bits at any vector width, and every sum is added in a fixed
 * order written here.
 */
final class GgmlNumerics {

    private GgmlNumerics() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Eight lanes: half of one of ggml's 16-lane AVX-512 registers. */
    private static final VectorSpecies<Float> H = FloatVector.SPECIES_256;

    // exp(x) = 2^n · p(b), n = round(x / ln 2), b = x − n·ln 2 (ln 2 in two parts), p a degree-5
    // polynomial (ARM optimized-routines' coefficients, as ggml uses them).
    private static final float SHIFT = 0x1.8p23f;
    private static final float LOG2E = 0x1.715476p+0f;
    private static final float LN2_HI = 0x1.62e4p-1f;
    private static final float LN2_LO = 0x1.7f7d1cp-20f;
    private static final float C0 = 0x1.ffffecp-1f;
    private static final float C1 = 0x1.fffdb6p-2f;
    private static final float C2 = 0x1.555e66p-3f;
    private static final float C3 = 0x1.573e2ep-5f;
    private static final float C4 = 0x1.0e4020p-7f;
    /** Lanes ggml computes in vector registers: the last {@code n % 16} of a row go through the C library's expf. */
    private static final int GGML_LANES = 16;

    /** ggml's vectorized {@code expf} of one value. */
    static float exp(float x) {
        float z = Math.fma(x, LOG2E, SHIFT);
        float n = z - SHIFT;
        float b = Math.fma(-n, LN2_LO, Math.fma(-n, LN2_HI, x));
        float u = b * b;
        float j = Math.fma(Math.fma(Math.fma(C4, b, C3), u, Math.fma(C2, b, C1)), u, Math.fma(C0, b, 1.0f));
        if (Math.abs(n) > 192) {
            return n <= 0 ? 0f : Float.POSITIVE_INFINITY;
        }
        return Math.scalb(j, (int) n); // one rounding, as the vscalefps instruction
    }

    /**
     * {@code v[from + i] = exp(v[from + i] - max)} for {@code i < n}, all with ggml's vector exp:
     * softmax rows span the attended cache slots, a multiple of 32, so no value reaches its scalar
     * tail. Allocates nothing once compiled.
     */
    static void expMinus(float[] v, int from, int n, float max) {
        // in·1 + (−max) in one fused step is the subtraction in − max, rounded once.
        int i = expLanes(v, from, n, 1f, -max, false);
        for (; i < n; i++) {
            v[from + i] = exp(v[from + i] - max);
        }
    }

    /**
     * SiLU in place, {@code x / (1 + exp(0 - x))}, as ggml's vectorized {@code silu} over a row of
     * {@code n} values (the last {@code n % 16} with the C library's expf).
     */
    static void silu(float[] v, int from, int n) {
        int vectorEnd = n - n % GGML_LANES;
        // x·(−1) + 0 in one fused step is 0 − x exactly, signed zeros included.
        int i = expLanes(v, from, vectorEnd, -1f, 0f, true);
        for (; i < vectorEnd; i++) {
            float x = v[from + i];
            v[from + i] = x / (1f + exp(0f - x));
        }
        for (; i < n; i++) {
            float x = v[from + i];
            v[from + i] = x / (1f + CMath.exp(-x));
        }
    }

    /**
     * {@link #exp(float)} lane by lane of {@code fma(v_i, scale, offset)}, over whole vectors of
     * {@code v[from .. from + n)}, in place: the exp itself, or with {@code silu} the SiLU
     * {@code v_i / (1 + exp)}. Returns where the vectors ended.
     *
     * <p>One loop with the exp written out in it, not a helper taking and returning vectors: C2
     * may compile such a helper on its own and then not inline it, and a vector that crosses a
     * call is boxed (1.3 MB per LARGE token when that happened). For the same reason the rare
     * lanes beyond the normal range are blended in every step rather than branched to.
     */
    private static int expLanes(float[] v, int from, int n, float scale, float offset, boolean silu) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            FloatVector in = FloatVector.fromArray(F, v, from + i);
            FloatVector x = in.fma(scale, offset);
            FloatVector z = x.fma(LOG2E, SHIFT);
            FloatVector nf = z.sub(SHIFT);
            FloatVector minusN = nf.neg();
            FloatVector b = minusN.fma(FloatVector.broadcast(F, LN2_LO), minusN.fma(FloatVector.broadcast(F, LN2_HI), x));
            FloatVector u = b.mul(b);
            FloatVector high = FloatVector.broadcast(F, C4).fma(b, FloatVector.broadcast(F, C3));
            FloatVector middle = FloatVector.broadcast(F, C2).fma(b, FloatVector.broadcast(F, C1));
            FloatVector low = FloatVector.broadcast(F, C0).fma(b, one);
            FloatVector j = high.fma(u, middle).fma(u, low);
            // j · 2^n rounded once. 2^e is built from its exponent bits, so it must stay a normal
            // float: beyond ±126, j · 2^(n ∓ 100) is exact and the multiply by 2^(±100) does the
            // one rounding; beyond ±192 the result is 0 or infinity.
            IntVector e = (IntVector) nf.convert(VectorOperators.F2I, 0);
            VectorMask<Float> tiny = nf.compare(VectorOperators.LT, -126f);
            VectorMask<Float> huge = nf.compare(VectorOperators.GT, 126f);
            FloatVector split = one.blend(0x1p-100f, tiny).blend(0x1p100f, huge);
            IntVector shift = IntVector.zero(I).blend(-100, tiny.cast(I)).blend(100, huge.cast(I));
            FloatVector twoToE = e.sub(shift).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector limit = FloatVector.zero(F).blend(Float.POSITIVE_INFINITY, nf.compare(VectorOperators.GT, 0f));
            FloatVector result = j.mul(twoToE).mul(split).blend(limit, nf.abs().compare(VectorOperators.GT, 192f));
            if (silu) {
                in.div(one.add(result)).intoArray(v, from + i);
            } else {
                result.intoArray(v, from + i);
            }
        }
        return i;
    }

    /**
     * The sum of 16 values as {@code _mm512_reduce_add_ps} adds one register's lanes: halves,
     * then quarters, eighths, and the last two.
     */
    static float sum16(float[] v, int from) {
        float s0 = v[from] + v[from + 8];
        float s1 = v[from + 1] + v[from + 9];
        float s2 = v[from + 2] + v[from + 10];
        float s3 = v[from + 3] + v[from + 11];
        float s4 = v[from + 4] + v[from + 12];
        float s5 = v[from + 5] + v[from + 13];
        float s6 = v[from + 6] + v[from + 14];
        float s7 = v[from + 7] + v[from + 15];
        s0 += s4;
        s1 += s5;
        s2 += s6;
        s3 += s7;
        return (s0 + s2) + (s1 + s3);
    }

    /**
     * ggml's {@code ggml_vec_dot_f16} on values that are already F16 (held as floats): the first
     * {@code n & ~63} products in 64 float partial sums (four 16-lane registers, fused multiply-add,
     * chunk after chunk), those partials reduced register by register and then lane by lane, the
     * remaining products added one by one in double, and the result rounded to float.
     */
    static float dotF16(float[] a, int aFrom, float[] b, int bFrom, int n, float[] partials) {
        int vectorEnd = n & ~63;
        double sum = vectorPart(a, aFrom, b, bFrom, vectorEnd, partials);
        for (int i = vectorEnd; i < n; i++) {
            sum += a[aFrom + i] * b[bFrom + i]; // F16 × F16 is exact in float
        }
        return (float) sum;
    }

    /**
     * {@link #dotF16} of {@code a} with four rows of {@code b} at {@code bFrom + r·stride}, into
     * {@code out[outFrom + r]}: the same operations per row, with the four one-by-one double sums
     * interleaved so that they do not wait on each other.
     */
    static void dotF16x4(float[] a, int aFrom, float[] b, int bFrom, int stride, int n, float[] partials,
                         float[] out, int outFrom) {
        int vectorEnd = n & ~63;
        double s0 = vectorPart(a, aFrom, b, bFrom, vectorEnd, partials);
        double s1 = vectorPart(a, aFrom, b, bFrom + stride, vectorEnd, partials);
        double s2 = vectorPart(a, aFrom, b, bFrom + 2 * stride, vectorEnd, partials);
        double s3 = vectorPart(a, aFrom, b, bFrom + 3 * stride, vectorEnd, partials);
        for (int i = vectorEnd; i < n; i++) {
            float x = a[aFrom + i];
            s0 += x * b[bFrom + i];
            s1 += x * b[bFrom + stride + i];
            s2 += x * b[bFrom + 2 * stride + i];
            s3 += x * b[bFrom + 3 * stride + i];
        }
        out[outFrom] = (float) s0;
        out[outFrom + 1] = (float) s1;
        out[outFrom + 2] = (float) s2;
        out[outFrom + 3] = (float) s3;
    }

    /** The first {@code vectorEnd} (a multiple of 64) products of {@link #dotF16}, reduced to one float. */
    private static float vectorPart(float[] a, int aFrom, float[] b, int bFrom, int vectorEnd, float[] partials) {
        if (vectorEnd == 0) {
            return 0f;
        }
        // partial m (0..63) of each chunk: register m / 16, lane m % 16; held as eight 8-lane halves.
        FloatVector p0 = FloatVector.zero(H);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        FloatVector p4 = p0;
        FloatVector p5 = p0;
        FloatVector p6 = p0;
        FloatVector p7 = p0;
        for (int i = 0; i < vectorEnd; i += 64) {
            p0 = FloatVector.fromArray(H, a, aFrom + i).fma(FloatVector.fromArray(H, b, bFrom + i), p0);
            p1 = FloatVector.fromArray(H, a, aFrom + i + 8).fma(FloatVector.fromArray(H, b, bFrom + i + 8), p1);
            p2 = FloatVector.fromArray(H, a, aFrom + i + 16).fma(FloatVector.fromArray(H, b, bFrom + i + 16), p2);
            p3 = FloatVector.fromArray(H, a, aFrom + i + 24).fma(FloatVector.fromArray(H, b, bFrom + i + 24), p3);
            p4 = FloatVector.fromArray(H, a, aFrom + i + 32).fma(FloatVector.fromArray(H, b, bFrom + i + 32), p4);
            p5 = FloatVector.fromArray(H, a, aFrom + i + 40).fma(FloatVector.fromArray(H, b, bFrom + i + 40), p5);
            p6 = FloatVector.fromArray(H, a, aFrom + i + 48).fma(FloatVector.fromArray(H, b, bFrom + i + 48), p6);
            p7 = FloatVector.fromArray(H, a, aFrom + i + 56).fma(FloatVector.fromArray(H, b, bFrom + i + 56), p7);
        }
        // registers: r0 += r2, r1 += r3, then r0 += r1; a register is its low and high half.
        FloatVector low = p0.add(p4).add(p2.add(p6));
        FloatVector high = p1.add(p5).add(p3.add(p7));
        low.add(high).intoArray(partials, 0);
        return sum8(partials);
    }

    /** Lanes 0..7 of {@code v} added as a register's last three reduction steps. */
    private static float sum8(float[] v) {
        float s0 = v[0] + v[4];
        float s1 = v[1] + v[5];
        float s2 = v[2] + v[6];
        float s3 = v[3] + v[7];
        return (s0 + s2) + (s1 + s3);
    }

    /**
     * The attention output of one head, {@code out[d] = Σ_j p_j · V_j[d]}, as ggml's
     * {@code ggml_vec_dot_f16} computes each output over the padded number of cache slots
     * {@code slots} (a multiple of 32): positions {@code j < slots & ~63} into 64 float partials
     * per output, the rest added in double. Positions after {@code last} have {@code p = 0}.
     *
     * @param p        F16-rounded probabilities of positions {@code 0..last}
     * @param values   {@code values[j * stride + from + d]}: F16 values held as floats
     * @param partials scratch of {@code 64 · headDim} floats
     * @param sums     scratch of {@code headDim} doubles
     */
    static void weightedSum(float[] p, int last, int slots, float[] values, int stride, int from, int headDim,
                            float[] out, int outFrom, float[] partials, double[] sums) {
        int vectorEnd = slots & ~63;
        int vectorLast = Math.min(last, vectorEnd - 1);
        if (vectorEnd > 0) {
            java.util.Arrays.fill(partials, 0, 64 * headDim, 0f);
            for (int j = 0; j <= vectorLast; j++) {
                int row = (j & 63) * headDim;
                float pj = p[j];
                int v = j * stride + from;
                int d = 0;
                for (; d <= headDim - F.length(); d += F.length()) {
                    FloatVector.broadcast(F, pj).fma(FloatVector.fromArray(F, values, v + d),
                            FloatVector.fromArray(F, partials, row + d)).intoArray(partials, row + d);
                }
                for (; d < headDim; d++) {
                    partials[row + d] = Math.fma(pj, values[v + d], partials[row + d]);
                }
            }
            // Partial m is lane m % 16 of register m / 16. Registers: r0 + r2 and r1 + r3, then their
            // sum, into rows 0..15; then the lanes by halving: 8, 4, 2, 1 (as sum16, for every output).
            for (int l = 0; l < 16; l++) {
                for (int d = 0; d < headDim; d++) {
                    partials[l * headDim + d] = (partials[l * headDim + d] + partials[(32 + l) * headDim + d])
                            + (partials[(16 + l) * headDim + d] + partials[(48 + l) * headDim + d]);
                }
            }
            for (int half = 8; half >= 2; half /= 2) {
                for (int l = 0; l < half; l++) {
                    for (int d = 0; d < headDim; d++) {
                        partials[l * headDim + d] += partials[(l + half) * headDim + d];
                    }
                }
            }
            for (int d = 0; d < headDim; d++) {
                sums[d] = partials[d] + partials[headDim + d];
            }
        } else {
            java.util.Arrays.fill(sums, 0, headDim, 0.0);
        }
        for (int j = vectorEnd; j <= last; j++) {
            float pj = p[j];
            int v = j * stride + from;
            for (int d = 0; d < headDim; d++) {
                sums[d] += pj * values[v + d];
            }
        }
        for (int d = 0; d < headDim; d++) {
            out[outFrom + d] = (float) sums[d];
        }
    }
}
