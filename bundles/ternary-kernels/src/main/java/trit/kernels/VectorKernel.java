package trit.kernels;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.F2I;
import static jdk.incubator.vector.VectorOperators.I2B;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.S2I;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2S;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import trit.api.kernel.QuantizedActivations;
import trit.api.kernel.TernaryKernel;
import trit.api.kernel.WeightFormat;
import trit.api.kernel.Weights;

/**
 * The SIMD kernel: {@code jdk.incubator.vector} at the CPU's preferred width, chosen when the
 * class loads (512 bits on AVX-512, 256 on AVX2), reading weights straight from their memory
 * segments. Bit-identical to {@link ScalarKernel}.
 *
 * <p>I2_S on AVX-512BW: {@link #prepare} repacks the weights into {@link #PAIR_LAYOUT} and each
 * product looks up, for 32 rows at once, the precomputed value of every pair of inputs (the
 * idea of bitnet.cpp's TL1 kernels). I2_S elsewhere and TQ2_0: 2-bit codes are widened to
 * 16-bit lanes and multiplied with the int8 activations widened once per call; the 16-bit sums are flushed into int32 lanes before any
 * input could overflow them (at most {@value #CODE_MAX}·128 per product). Float weights: each
 * row converted to floats, then the SPI's 64 partial sums as 4 vectors of 16 lanes or 8 of 8. TQ1_0 and CPUs narrower than 256
 * bits use the scalar definition.
 */
@Component(service = TernaryKernel.class, configurationPid = "trit.kernel.vector",
        property = {TernaryKernel.KERNEL_NAME + "=vector", "service.ranking:Integer=100"})
@Designate(ocd = KernelConfiguration.class, factory = false)
public class VectorKernel extends PooledKernel {

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** The largest 2-bit code (3 is never written, but a damaged file may hold it). */
    private static final int CODE_MAX = 3;

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> FI = F.withLanes(int.class);
    private static final int FL = F.length();
    private static final boolean FLOAT_SIMD = FL == 8 || FL == 16;
    /** FL bytes (quantized activations): species are fixed at class load, as the Vector API needs
     *  constants to compile to single instructions. */
    private static final VectorSpecies<Byte> FB = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));

    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final int SL = S.length();
    private static final VectorSpecies<Byte> SB = VectorSpecies.of(byte.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> SI = VectorSpecies.of(int.class, S.vectorShape());
    private static final boolean TERNARY_SIMD = SL >= 16;
    /**
     * Blocks summed in 16-bit lanes before flushing to int32: a 128-weight block adds
     * 4·(32/SL) products of at most 3·128 to each lane, and 16 bits hold 32767.
     */
    private static final int FLUSH_BLOCKS = Math.max(1, 32767 / (4 * (32 / Math.max(SL, 1)) * CODE_MAX * 128));

    private static final float ROUND_MAGIC = 0x1.8p23f;

    /**
     * The layout {@link #prepare} makes of I2_S weights where 16-bit table lookups are single
     * instructions (AVX-512BW's vpermw): rows in groups of 32 (the last one padded); per group
     * and pair of inputs {@code (2p, 2p+1)}, 16 bytes whose byte {@code j} holds the pair's index
     * {@code 3·(w₀+1) + (w₁+1)} for row {@code j} in its low nibble and for row {@code j+16} in
     * its high nibble. Still 2 bits per weight.
     */
    static final String PAIR_LAYOUT = "vector.i2s-pairs";
    private static final boolean PAIR_LOOKUP = S.vectorBitSize() >= 512;
    private static final VectorSpecies<Short> PS = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> PB = ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> PI = IntVector.SPECIES_512;
    /** Pairs summed in 16-bit lanes before flushing: each adds at most 2·128. */
    private static final int PAIR_FLUSH = 64;
    /** Pairs whose tables (32 bytes each) are applied to every row group before the next: 16 KiB stays in L1. */
    private static final int PAIR_CHUNK = 512;
    /** Weight bytes a batched product keeps in L2 while every token of the batch uses them. */
    private static final int GEMM_BLOCK_BYTES = 256 * 1024;

    private final float[][] partials;
    private final float[][] rowBuffers;
    private final int[][] rowDots;
    private short[] activations = new short[0];
    private short[] pairTables = new short[0];
    private int[] blockSums = new int[0];

    @Activate
    public VectorKernel(KernelConfiguration config) {
        this(config.threads());
    }

    /** A kernel outside the framework (tests, tools): {@code threads} ≤ 0 means available processors. */
    public VectorKernel(int threads) {
        super("vector", threads);
        this.partials = new float[threads()][ScalarKernel.PARTIALS];
        this.rowBuffers = new float[threads()][0];
        this.rowDots = new int[threads()][0];
    }

    @Deactivate
    void deactivate() {
        close();
    }

    @Override
    public int simdBits() {
        return Math.max(F.vectorBitSize(), S.vectorBitSize());
    }

    // ---- activation quantization -------------------------------------------------------------

    @Override
    void quantizeRow(float[] x, int offset, int k, QuantizedActivations out, int r) {
        int i = 0;
        float amax = 0f;
        if (FLOAT_SIMD) {
            FloatVector m = FloatVector.zero(F);
            for (; i <= k - FL; i += FL) {
                m = m.max(FloatVector.fromArray(F, x, offset + i).abs());
            }
            amax = m.reduceLanes(MAX);
        }
        for (int j = i; j < k; j++) {
            amax = Math.max(amax, Math.abs(x[offset + j]));
        }
        float s = (float) (127 / Math.max(1e-5, (double) amax));
        byte[] q = out.values();
        int base = r * k;
        int sum = 0;
        i = 0;
        if (FLOAT_SIMD) {
            IntVector sums = IntVector.zero(FI);
            for (; i <= k - FL; i += FL) {
                // (v + 1.5·2^23) − 1.5·2^23 rounds half to even for |v| ≤ 2^22; here |v| ≤ 127.
                FloatVector v = FloatVector.fromArray(F, x, offset + i).mul(s).add(ROUND_MAGIC).sub(ROUND_MAGIC);
                IntVector qi = ((IntVector) v.convert(F2I, 0)).max(-128).min(127);
                sums = sums.add(qi);
                ((ByteVector) qi.convertShape(I2B, FB, 0)).intoArray(q, base + i);
            }
            sum = sums.reduceLanes(ADD);
        }
        for (; i < k; i++) {
            int v = Math.clamp((int) Math.rint(x[offset + i] * s), -128, 127);
            q[base + i] = (byte) v;
            sum += v;
        }
        out.scales()[r] = s;
        out.sums()[r] = sum;
    }

    // ---- ternary products --------------------------------------------------------------------

    @Override
    void beforeTernary(Weights w, QuantizedActivations x) {
        if (PAIR_LAYOUT.equals(w.layout())) {
            buildPairTables(x);
            return;
        }
        int n = x.rows() * x.k();
        if (activations.length < n) {
            activations = new short[n];
        }
        byte[] q = x.values();
        for (int i = 0; i < n; i++) {
            activations[i] = q[i];
        }
        if (w.format() == WeightFormat.TQ2_0) {
            int blocks = x.k() / 256;
            if (blockSums.length < x.rows() * blocks) {
                blockSums = new int[x.rows() * blocks];
            }
            for (int b = 0; b < x.rows() * blocks; b++) {
                int sum = 0;
                for (int j = 0; j < 256; j++) {
                    sum += q[256 * b + j];
                }
                blockSums[b] = sum;
            }
        }
    }

    @Override
    void ternaryRows(Weights w, QuantizedActivations x, float[] y, int part, int from, int to) {
        if (PAIR_LAYOUT.equals(w.layout())) {
            pairRows(w, x, y, part, from, to);
            return;
        }
        int m = w.m();
        int k = w.k();
        for (int r = from; r < to; r++) {
            for (int t = 0; t < x.rows(); t++) {
                float s = x.scales()[t];
                y[t * m + r] = switch (TERNARY_SIMD ? w.format() : WeightFormat.TQ1_0) {
                    case I2_S -> ((float) i2sDot(w.data(), (long) r * (k / 4), k / 128, activations, t * k)
                            - (float) x.sums()[t]) / s * w.scale();
                    case TQ2_0 -> tq2Dot(w.data(), w.format().rowBytes(k) * r, k / 256, activations, t * k,
                            blockSums, t * (k / 256)) / s;
                    default -> ScalarKernel.ternaryDot(w, r, x, t);
                };
            }
        }
    }

    /** Σ code_i · q_i over {@code blocks} I2_S blocks of one row, in int32. */
    private static int i2sDot(MemorySegment data, long rowByte, int blocks, short[] q, int qBase) {
        IntVector total = IntVector.zero(SI);
        int b = 0;
        while (b < blocks) {
            int end = Math.min(blocks, b + FLUSH_BLOCKS);
            ShortVector acc = ShortVector.zero(S);
            for (; b < end; b++) {
                long off = rowByte + 32L * b;
                int qb = qBase + 128 * b;
                for (int c = 0; c < 32; c += SL) {
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(SB, data, off + c, LE)
                            .convertShape(ZERO_EXTEND_B2S, S, 0);
                    acc = acc.add(w.lanewise(LSHR, 6).mul(ShortVector.fromArray(S, q, qb + c)))
                            .add(w.lanewise(LSHR, 4).and((short) 3).mul(ShortVector.fromArray(S, q, qb + 32 + c)))
                            .add(w.lanewise(LSHR, 2).and((short) 3).mul(ShortVector.fromArray(S, q, qb + 64 + c)))
                            .add(w.and((short) 3).mul(ShortVector.fromArray(S, q, qb + 96 + c)));
                }
            }
            total = total.add(acc.convertShape(S2I, SI, 0)).add(acc.convertShape(S2I, SI, 1));
        }
        return total.reduceLanes(ADD);
    }

    /** Σ_b d_b · (float) Σ_{i∈b} w_i·q_i over the TQ2_0 blocks of one row, in block order. */
    private static float tq2Dot(MemorySegment data, long rowByte, int blocks, short[] q, int qBase,
                                int[] sums, int sumBase) {
        float acc = 0f;
        for (int b = 0; b < blocks; b++) {
            long block = rowByte + 66L * b;
            int qb = qBase + 256 * b;
            ShortVector codeDot = ShortVector.zero(S); // ≤ 8·(32/SL)·3·128 per lane: fits 16 bits
            for (int g = 0; g < 2; g++) {
                for (int c = 0; c < 32; c += SL) {
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(SB, data, block + 32L * g + c, LE)
                            .convertShape(ZERO_EXTEND_B2S, S, 0);
                    int qg = qb + 128 * g + c;
                    codeDot = codeDot.add(w.and((short) 3).mul(ShortVector.fromArray(S, q, qg)))
                            .add(w.lanewise(LSHR, 2).and((short) 3).mul(ShortVector.fromArray(S, q, qg + 32)))
                            .add(w.lanewise(LSHR, 4).and((short) 3).mul(ShortVector.fromArray(S, q, qg + 64)))
                            .add(w.lanewise(LSHR, 6).mul(ShortVector.fromArray(S, q, qg + 96)));
                }
            }
            int dot = ((IntVector) codeDot.convertShape(S2I, SI, 0)).add(codeDot.convertShape(S2I, SI, 1)).reduceLanes(ADD)
                    - sums[sumBase + b];
            acc += Formats.blockScale(WeightFormat.TQ2_0, data, block) * (float) dot;
        }
        return acc;
    }

    // ---- I2_S by table lookup over input pairs (AVX-512BW) --------------------------------------

    @Override
    public Weights prepare(Weights w, Arena arena) {
        if (!PAIR_LOOKUP || w.format() != WeightFormat.I2_S || !Weights.GGML.equals(w.layout())) {
            return w;
        }
        int k = w.k();
        int m = w.m();
        int pairs = k / 2;
        MemorySegment out = arena.allocate((long) (m + 31) / 32 * pairs * 16, 64);
        // Whole rows in, whole 32-row groups out: bulk copies, not a segment access per weight.
        byte[] packed = new byte[k / 4];
        byte[] codes = new byte[k];
        byte[] group = new byte[pairs * 16];
        for (int r = 0; r < m; r++) {
            MemorySegment.copy(w.data(), ValueLayout.JAVA_BYTE, (long) r * (k / 4), packed, 0, k / 4);
            for (int b = 0; b < k / 128; b++) {
                for (int i = 0; i < 32; i++) {
                    int v = packed[32 * b + i];
                    codes[128 * b + i] = (byte) ((v >>> 6) & 3);
                    codes[128 * b + 32 + i] = (byte) ((v >>> 4) & 3);
                    codes[128 * b + 64 + i] = (byte) ((v >>> 2) & 3);
                    codes[128 * b + 96 + i] = (byte) (v & 3);
                }
            }
            for (int i = 0; i < k; i++) {
                if (codes[i] == 3) {
                    throw new IllegalArgumentException(w.describe() + ": element " + ((long) r * k + i)
                            + " holds I2_S code 3, which is no ternary weight (the file is damaged)");
                }
            }
            int lane = r % 16;
            int shift = (r % 32) < 16 ? 0 : 4;
            for (int p = 0; p < pairs; p++) {
                group[16 * p + lane] |= (byte) ((3 * codes[2 * p] + codes[2 * p + 1]) << shift);
            }
            if (r % 32 == 31 || r == m - 1) {
                MemorySegment.copy(group, 0, out, ValueLayout.JAVA_BYTE, (long) (r / 32) * pairs * 16, group.length);
                java.util.Arrays.fill(group, (byte) 0);
            }
        }
        return new Weights(w.name(), WeightFormat.I2_S, k, m, out, w.scale(), PAIR_LAYOUT);
    }

    @Override
    boolean computesWith(Weights w) {
        return PAIR_LAYOUT.equals(w.layout()) && PAIR_LOOKUP
                && w.data().byteSize() >= (long) (w.m() + 31) / 32 * (w.k() / 2) * 16;
    }

    @Override
    int rowGrain(Weights w) {
        return PAIR_LAYOUT.equals(w.layout()) ? 32 : 1;
    }

    /** Per token and input pair: the 9 values w₀·q₀ + w₁·q₁, at index 3·(w₀+1) + (w₁+1). */
    private void buildPairTables(QuantizedActivations x) {
        int pairs = x.k() / 2;
        int n = x.rows() * pairs * 16;
        if (pairTables.length < n) {
            pairTables = new short[n];
        }
        byte[] q = x.values();
        short[] t = pairTables;
        for (int i = 0; i < x.rows() * pairs; i++) {
            int q0 = q[2 * i];
            int q1 = q[2 * i + 1];
            int o = 16 * i;
            t[o] = (short) (-q0 - q1);
            t[o + 1] = (short) -q0;
            t[o + 2] = (short) (-q0 + q1);
            t[o + 3] = (short) -q1;
            t[o + 4] = 0;
            t[o + 5] = (short) q1;
            t[o + 6] = (short) (q0 - q1);
            t[o + 7] = (short) q0;
            t[o + 8] = (short) (q0 + q1);
        }
    }

    private void pairRows(Weights w, QuantizedActivations x, float[] y, int part, int from, int to) {
        int m = w.m();
        int pairs = w.k() / 2;
        int firstGroup = from / 32;
        int endGroup = (to + 31) / 32;
        int rows = (endGroup - firstGroup) * 32;
        if (rowDots[part].length < rows) {
            rowDots[part] = new int[rows]; // grows once per matrix height; only this part's thread uses it
        }
        int[] dots = rowDots[part];
        // One token: all groups at once, so a chunk's tables stay in L1 while every group uses them.
        // Several tokens: blocks of groups small enough to stay in L2 while every token uses them,
        // so the weights come from memory once per batch, not once per token.
        int block = x.rows() == 1 ? endGroup - firstGroup : Math.max(2, GEMM_BLOCK_BYTES / (pairs * 16) & ~1);
        for (int b0 = firstGroup; b0 < endGroup; b0 += block) {
            int b1 = Math.min(endGroup, b0 + block);
            for (int t = 0; t < x.rows(); t++) {
                java.util.Arrays.fill(dots, 0, (b1 - b0) * 32, 0);
                for (int c = 0; c < pairs; c += PAIR_CHUNK) {
                    int chunkEnd = Math.min(pairs, c + PAIR_CHUNK);
                    for (int g = b0; g < b1; g += 2) {
                        boolean two = g + 1 < b1; // two groups share each table load
                        pairGroupDots(w.data(), (long) g * pairs * 16, two ? (long) (g + 1) * pairs * 16 : -1, c, chunkEnd,
                                pairTables, t * pairs * 16, dots, (g - b0) * 32);
                    }
                }
                float s = x.scales()[t];
                for (int r = Math.max(from, b0 * 32); r < Math.min(to, b1 * 32); r++) {
                    y[t * m + r] = (float) dots[r - b0 * 32] / s * w.scale();
                }
            }
        }
    }

    /**
     * Adds Σ_{p ∈ [from, to)} (w_{2p}·q_{2p} + w_{2p+1}·q_{2p+1}) for the 32 rows of the group at
     * {@code groupA} to {@code dots[at .. at+32)}, and for the group at {@code groupB} (unless
     * negative) to {@code dots[at+32 .. at+64)}, looking each pair up in its table.
     */
    private static void pairGroupDots(MemorySegment data, long groupA, long groupB, int from, int to, short[] tables,
                                      int tableBase, int[] dots, int at) {
        IntVector lowA = IntVector.fromArray(PI, dots, at), highA = IntVector.fromArray(PI, dots, at + 16);
        IntVector lowB = IntVector.zero(PI), highB = lowB;
        int p = from;
        while (p < to) {
            int end = Math.min(to, p + PAIR_FLUSH);
            ShortVector la = ShortVector.zero(PS), ha = la, lb = la, hb = la;
            for (; p < end; p++) {
                ShortVector table = ShortVector.fromArray(PS, tables, tableBase + 16 * p);
                ShortVector a = (ShortVector) ByteVector.fromMemorySegment(PB, data, groupA + 16L * p, LE)
                        .convertShape(ZERO_EXTEND_B2S, PS, 0);
                la = la.add(a.and((short) 15).selectFrom(table));
                ha = ha.add(a.lanewise(LSHR, 4).selectFrom(table));
                if (groupB >= 0) {
                    ShortVector b = (ShortVector) ByteVector.fromMemorySegment(PB, data, groupB + 16L * p, LE)
                            .convertShape(ZERO_EXTEND_B2S, PS, 0);
                    lb = lb.add(b.and((short) 15).selectFrom(table));
                    hb = hb.add(b.lanewise(LSHR, 4).selectFrom(table));
                }
            }
            lowA = lowA.add(la.convertShape(S2I, PI, 0));
            highA = highA.add(ha.convertShape(S2I, PI, 0));
            lowB = lowB.add(lb.convertShape(S2I, PI, 0));
            highB = highB.add(hb.convertShape(S2I, PI, 0));
        }
        lowA.intoArray(dots, at);
        highA.intoArray(dots, at + 16);
        if (groupB >= 0) {
            IntVector.fromArray(PI, dots, at + 32).add(lowB).intoArray(dots, at + 32);
            IntVector.fromArray(PI, dots, at + 48).add(highB).intoArray(dots, at + 48);
        }
    }

    // ---- float products ----------------------------------------------------------------------

    @Override
    void floatRows(Weights w, float[] x, int rows, float[] y, int part, int from, int to) {
        float[] p = partials[part];
        int k = w.k();
        if (rowBuffers[part].length < k) {
            rowBuffers[part] = new float[k]; // grows once per width; only this part's thread uses it
        }
        float[] row = rowBuffers[part];
        for (int r = from; r < to; r++) {
            w.readRow(r, row);
            for (int t = 0; t < rows; t++) {
                y[t * w.m() + r] = FLOAT_SIMD ? floatDot(row, k, x, t * k, p) : scalarFloatDot(row, k, x, t * k, p);
            }
        }
    }

    private static float scalarFloatDot(float[] w, int k, float[] x, int xBase, float[] p) {
        java.util.Arrays.fill(p, 0f);
        for (int i = 0; i < k; i++) {
            p[i % 64] = Math.fma(w[i], x[xBase + i], p[i % 64]);
        }
        return ScalarKernel.reduce(p);
    }

    /** The SPI's 64 partial sums: accumulator {@code a} lane {@code l} is partial {@code a·FL + l}. */
    private static float floatDot(float[] w, int k, float[] x, int xBase, float[] p) {
        int main = k - k % 64;
        if (FL == 16) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < main; i += 64) {
                a0 = FloatVector.fromArray(F, w, i).fma(FloatVector.fromArray(F, x, xBase + i), a0);
                a1 = FloatVector.fromArray(F, w, i + 16).fma(FloatVector.fromArray(F, x, xBase + i + 16), a1);
                a2 = FloatVector.fromArray(F, w, i + 32).fma(FloatVector.fromArray(F, x, xBase + i + 32), a2);
                a3 = FloatVector.fromArray(F, w, i + 48).fma(FloatVector.fromArray(F, x, xBase + i + 48), a3);
            }
            if (main == k) {
                a0.add(a2).add(a1.add(a3)).intoArray(p, 0); // h = 32, then 16
                return reduceLanes(p, 16);
            }
            a0.intoArray(p, 0);
            a1.intoArray(p, 16);
            a2.intoArray(p, 32);
            a3.intoArray(p, 48);
        } else {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int i = 0; i < main; i += 64) {
                a0 = FloatVector.fromArray(F, w, i).fma(FloatVector.fromArray(F, x, xBase + i), a0);
                a1 = FloatVector.fromArray(F, w, i + 8).fma(FloatVector.fromArray(F, x, xBase + i + 8), a1);
                a2 = FloatVector.fromArray(F, w, i + 16).fma(FloatVector.fromArray(F, x, xBase + i + 16), a2);
                a3 = FloatVector.fromArray(F, w, i + 24).fma(FloatVector.fromArray(F, x, xBase + i + 24), a3);
                a4 = FloatVector.fromArray(F, w, i + 32).fma(FloatVector.fromArray(F, x, xBase + i + 32), a4);
                a5 = FloatVector.fromArray(F, w, i + 40).fma(FloatVector.fromArray(F, x, xBase + i + 40), a5);
                a6 = FloatVector.fromArray(F, w, i + 48).fma(FloatVector.fromArray(F, x, xBase + i + 48), a6);
                a7 = FloatVector.fromArray(F, w, i + 56).fma(FloatVector.fromArray(F, x, xBase + i + 56), a7);
            }
            if (main == k) {
                FloatVector b0 = a0.add(a4), b1 = a1.add(a5), b2 = a2.add(a6), b3 = a3.add(a7); // h = 32
                b0.add(b2).add(b1.add(b3)).intoArray(p, 0); // h = 16, then 8
                return reduceLanes(p, 8);
            }
            a0.intoArray(p, 0);
            a1.intoArray(p, 8);
            a2.intoArray(p, 16);
            a3.intoArray(p, 24);
            a4.intoArray(p, 32);
            a5.intoArray(p, 40);
            a6.intoArray(p, 48);
            a7.intoArray(p, 56);
        }
        // A tail shorter than 64: finish the partials one weight at a time, then the whole reduction.
        for (int i = main; i < k; i++) {
            p[i % 64] = Math.fma(w[i], x[xBase + i], p[i % 64]);
        }
        return ScalarKernel.reduce(p);
    }

    /** The SPI's reduction of the lanes {@code p[0 .. width)} that are left after the vector steps. */
    private static float reduceLanes(float[] p, int width) {
        for (int h = width / 2; h >= 1; h /= 2) {
            for (int j = 0; j < h; j++) {
                p[j] += p[j + h];
            }
        }
        return p[0];
    }

}
