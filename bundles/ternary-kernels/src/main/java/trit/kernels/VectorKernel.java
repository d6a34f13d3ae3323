package trit.kernels;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.AND;
import static jdk.incubator.vector.VectorOperators.F2I;
import static jdk.incubator.vector.VectorOperators.I2B;
import static jdk.incubator.vector.VectorOperators.LSHL;
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
 * <p>I2_S on AVX-512BW: {@link #prepare} repacks the weights into {@link #TRIPLET_LAYOUT} and each
 * product looks up, for 32 rows at once, the precomputed value of every triplet of inputs (the
 * idea of bitnet.cpp's TL kernels, with 27-entry tables that fit one 512-bit register). I2_S
 * where 256 bits are the widest (AVX2): {@link I2sLaneDots}, in the file's layout. TQ2_0 (and
 * I2_S not prepared on AVX-512): 2-bit codes are widened to 16-bit lanes and multiplied with the
 * int8 activations widened once per call; the 16-bit sums are flushed into int32 lanes before any
 * input could overflow them (at most {@value #CODE_MAX}·128 per product). F16 weights are
 * decoded in registers ({@link #f16Rows}); other float weights: each row converted to floats; then
 * the SPI's 64 partial sums as 4 vectors of 16 lanes or 8 of 8. TQ1_0 and CPUs narrower than 256
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

    /** {@link #f16Rows} computes with halves scaled by 2^-112, and inputs by this. */
    private static final float F16_UNSCALE = 0x1p112f;
    /** FL halves: half the width of the float species. */
    private static final VectorSpecies<Short> FH = VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 2)));

    /**
     * The layout {@link #prepare} makes of I2_S weights where 16-bit table lookups are single
     * instructions (AVX-512BW's vpermw): rows in blocks of {@value #BLOCK_GROUPS} groups of 32
     * (the last block padded with zero rows); inputs in steps of {@value #STEP} (the last one
     * padded with zero weights), each three triplets. Per block, step after step, per group, 32
     * little-endian shorts: lane {@code j} holds for row {@code j} of the group the index
     * {@code 9·(w₀+1) + 3·(w₁+1) + (w₂+1)} of the step's triplet {@code n} in bits {@code 5n .. 5n+4}.
     * 1.78 bits per weight, read strictly in memory order by one token's product.
     */
    static final String TRIPLET_LAYOUT = "vector.i2s-triplets";
    private static final boolean TRIPLET_LOOKUP = S.vectorBitSize() >= 512;
    private static final VectorSpecies<Short> TS = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> TI = IntVector.SPECIES_512;
    private static final int STEP = 9;
    private static final int BLOCK_GROUPS = 4;
    private static final int BLOCK_ROWS = 32 * BLOCK_GROUPS;
    private static final int STEP_BYTES = 64 * BLOCK_GROUPS;
    /** A step of three zero triplets (index 13 each): what padding rows hold. */
    private static final short ZERO_STEP = 13 | 13 << 5 | 13 << 10;
    /** Steps summed in 16-bit lanes before flushing: each adds at most 3·3·128 (32767 / 1152 = 28.4). */
    private static final int TRIPLET_FLUSH = 28;
    /** The weights w₀, w₁, w₂ of table index 0..26 (lanes 27..31 unused), as three rows of 32. */
    private static final short[] TRIPLET_W = new short[96];

    static {
        for (int e = 0; e < 27; e++) {
            TRIPLET_W[e] = (short) (e / 9 - 1);
            TRIPLET_W[32 + e] = (short) (e / 3 % 3 - 1);
            TRIPLET_W[64 + e] = (short) (e % 3 - 1);
        }
    }

    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    /** Weight bytes a batched product keeps in L2 while every token of the batch uses them. */
    private static final int GEMM_BLOCK_BYTES = 256 * 1024;

    private final float[][] partials;
    private final float[][] rowBuffers;
    private final float[][] scaledInputs;
    private final int[][] rowDots;
    private short[] activations = new short[0];
    /** I2_S products where 256 bits are the widest go to {@link NativeI2sDots}, which reads the activations as they are. */
    private final boolean nativeI2s;
    /** The int8 activations of the product under way, for {@link NativeI2sDots}. */
    private byte[] nativeInput = new byte[0];
    /** Off-heap and 64-byte aligned, so no table load straddles two cache lines (a heap array's alignment is the GC's choice). */
    private MemorySegment tripletTables = MemorySegment.NULL;
    /** The activations {@link #tripletTables} were made from ({@link #tableRows} rows of {@link #tableK}). */
    private byte[] tableInput = new byte[0];
    private int tableK = -1;
    private int tableRows;
    private int[] blockSums = new int[0];
    private final TableTask tableTask = new TableTask();

    @Activate
    public VectorKernel(KernelConfiguration config) {
        this(config.threads(), config.native_i2s());
    }

    /** A kernel outside the framework (tests, tools): {@code threads} ≤ 0 means available processors. */
    public VectorKernel(int threads) {
        this(threads, true);
    }

    /**
     * @param nativeI2s whether I2_S products where 256 bits are the widest vectors (AVX2) use the
     *                  bundled native code ({@link NativeI2sDots}) when it loads; false keeps them in Java
     */
    public VectorKernel(int threads, boolean nativeI2s) {
        super("vector", threads);
        this.nativeI2s = nativeI2s && I2sLaneDots.APPLIES && NativeI2sDots.AVAILABLE;
        this.partials = new float[threads()][ScalarKernel.PARTIALS];
        this.rowBuffers = new float[threads()][0];
        this.scaledInputs = new float[threads()][0];
        this.rowDots = new int[threads()][0];
    }

    /** Whether this kernel's I2_S products run in the bundled native code ({@link NativeI2sDots}). */
    public boolean nativeI2s() {
        return nativeI2s;
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
    void beforeTernary(Weights w, QuantizedActivations x, int threads) {
        if (TRIPLET_LAYOUT.equals(w.layout())) {
            buildTripletTables(x, threads);
            return;
        }
        if (nativeI2s && inLanes(w)) {
            nativeInput = x.values();
            return;
        }
        int n = x.rows() * x.k();
        if (activations.length < n) {
            activations = new short[n];
        }
        byte[] q = x.values();
        if (inLanes(w)) {
            I2sLaneDots.permute(q, n, activations);
            return;
        }
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
        if (TRIPLET_LAYOUT.equals(w.layout()) || inLanes(w)) {
            blockedRows(w, x, y, part, from, to);
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

    // ---- I2_S by table lookup over input triplets (AVX-512BW) -----------------------------------

    @Override
    public Weights prepare(Weights w, Arena arena) {
        if (inLanes(w) && w.data().isMapped()) {
            // The file's layout is the one computed with, but out of the mapping: a file mapping
            // streams slower than anonymous memory (LARGE tg64 at 256 bits: 22.6 -> 31.6 tok/s).
            MemorySegment copy = arena.allocate(w.data().byteSize(), 64);
            copy.copyFrom(w.data());
            Weights copied = new Weights(w.name(), w.format(), w.k(), w.m(), copy, w.scale(), Weights.GGML);
            refuseCode3(copied);
            return copied;
        }
        if (!TRIPLET_LOOKUP || w.format() != WeightFormat.I2_S || !Weights.GGML.equals(w.layout())) {
            return w;
        }
        int k = w.k();
        int m = w.m();
        int steps = steps(k);
        int blocks = (m + BLOCK_ROWS - 1) / BLOCK_ROWS;
        MemorySegment out = arena.allocate((long) blocks * steps * STEP_BYTES, 64);
        // Whole rows in, whole blocks out: bulk copies, not a segment access per weight.
        byte[] packed = new byte[k / 4];
        byte[] codes = new byte[steps * STEP];
        short[] block = new short[steps * STEP_BYTES / 2];
        for (int b = 0; b < blocks; b++) {
            java.util.Arrays.fill(block, ZERO_STEP); // rows past m (the last block) compute zeros
            for (int r = b * BLOCK_ROWS; r < Math.min(m, (b + 1) * BLOCK_ROWS); r++) {
                java.util.Arrays.fill(codes, k, codes.length, (byte) 1); // inputs past k: weight 0
                Formats.i2sRowCodes(w, r, packed, codes);
                int lane = (r - b * BLOCK_ROWS) % 32;
                int group = (r - b * BLOCK_ROWS) / 32;
                for (int s = 0; s < steps; s++) {
                    int v = 0;
                    for (int j = 0; j < 3; j++) {
                        int i = STEP * s + 3 * j;
                        v |= (9 * codes[i] + 3 * codes[i + 1] + codes[i + 2]) << (5 * j);
                    }
                    block[(s * BLOCK_GROUPS + group) * 32 + lane] = (short) v;
                }
            }
            MemorySegment.copy(block, 0, out, SHORT_LE, (long) b * steps * STEP_BYTES, block.length);
        }
        return new Weights(w.name(), WeightFormat.I2_S, k, m, out, w.scale(), TRIPLET_LAYOUT);
    }

    /**
     * Throws, naming the element, if GGML-layout I2_S {@code w} holds code 3 (no ternary weight:
     * the file is damaged), as repacking does: eight bytes at a time (rows are whole words), a row
     * unpacked only where a word holds one.
     */
    private static void refuseCode3(Weights w) {
        long rowBytes = w.k() / 4;
        for (long at = 0; at < rowBytes * w.m(); at += 8) {
            long v = w.data().get(LONG_LE, at);
            if ((v & (v >>> 1) & 0x5555555555555555L) != 0) {
                Formats.i2sRowCodes(w, (int) (at / rowBytes), new byte[w.k() / 4], new byte[w.k()]);
            }
        }
    }

    /** Steps of {@value #STEP} inputs that cover {@code k} (the last one padded with zero weights). */
    private static int steps(int k) {
        return (k + STEP - 1) / STEP;
    }

    @Override
    boolean computesWith(Weights w) {
        return TRIPLET_LAYOUT.equals(w.layout()) && TRIPLET_LOOKUP
                && w.data().byteSize() >= (long) (w.m() + BLOCK_ROWS - 1) / BLOCK_ROWS * steps(w.k()) * STEP_BYTES;
    }

    @Override
    int rowGrain(Weights w) {
        // Pairs of blocks, so a thread's share of one token's product is two streams, not one block alone.
        return TRIPLET_LAYOUT.equals(w.layout()) ? 2 * BLOCK_ROWS : 1;
    }

    /**
     * Per token and triplet of inputs: the 27 values w₀·q₀ + w₁·q₁ + w₂·q₂ at index
     * 9·(w₀+1) + 3·(w₁+1) + (w₂+1), in 32 lanes; inputs past k count as 0.
     */
    private void buildTripletTables(QuantizedActivations x, int threads) {
        int k = x.k();
        int triplets = 3 * steps(k);
        int n = x.rows() * triplets * 32;
        byte[] q = x.values();
        int inputs = x.rows() * k;
        // Q, K and V (and gate and up) multiply the same activations: their tables are made once.
        if (tableK == k && tableRows == x.rows() && java.util.Arrays.equals(q, 0, inputs, tableInput, 0, inputs)) {
            return;
        }
        if (tripletTables.byteSize() < 2L * n) {
            tripletTables = Arena.ofAuto().allocate(2L * n, 64);
        }
        if (tableInput.length < inputs) {
            tableInput = new byte[inputs];
        }
        tableK = -1; // until the tables below are complete
        System.arraycopy(q, 0, tableInput, 0, inputs);
        // A prompt batch's tables are a few per cent of its products: made on the pool's threads too,
        // token by token. Work as the pool weighs it (to decide whether waking threads pays): ~11
        // operations per input, so one token's tables stay on the caller.
        tableTask.set(x);
        try {
            runOnPool(tableTask, x.rows(), 11L * x.rows() * k, threads);
        } finally {
            tableTask.set(null);
        }
        tableK = k;
        tableRows = x.rows();
    }

    /** The tables of tokens {@code [from, to)} of {@code x} into {@link #tripletTables}. */
    private void buildTripletTables(QuantizedActivations x, int from, int to) {
        int k = x.k();
        int triplets = 3 * steps(k);
        byte[] q = x.values();
        MemorySegment t = tripletTables;
        ShortVector wa = ShortVector.fromArray(TS, TRIPLET_W, 0);
        ShortVector wb = ShortVector.fromArray(TS, TRIPLET_W, 32);
        ShortVector wc = ShortVector.fromArray(TS, TRIPLET_W, 64);
        for (int row = from; row < to; row++) {
            int base = row * k;
            for (int i = 0; i < triplets; i++) {
                int j = 3 * i;
                short q0 = j < k ? q[base + j] : 0;
                short q1 = j + 1 < k ? q[base + j + 1] : 0;
                short q2 = j + 2 < k ? q[base + j + 2] : 0;
                wa.mul(q0).add(wb.mul(q1)).add(wc.mul(q2)).intoMemorySegment(t, 64L * (row * triplets + i), LE);
            }
        }
    }

    /**
     * {@link #buildTripletTables(QuantizedActivations, int, int)} as the pool's task: its argument
     * in a field, nothing allocated per call.
     */
    private final class TableTask implements RowPool.RowTask {
        private QuantizedActivations x;

        void set(QuantizedActivations x) {
            this.x = x;
        }

        @Override
        public void rows(int part, int from, int to) {
            buildTripletTables(x, from, to);
        }
    }

    /** Whether {@code w} is I2_S in the file's layout and this JVM computes it in 16-bit lanes ({@link I2sLaneDots}). */
    private static boolean inLanes(Weights w) {
        return I2sLaneDots.APPLIES && w.format() == WeightFormat.I2_S && Weights.GGML.equals(w.layout());
    }

    /**
     * Rows {@code [from, to)} of a product in blocks of rows: {@link #TRIPLET_LAYOUT}'s blocks of
     * {@value #BLOCK_ROWS} where 512-bit short lookups exist; where 256 bits are the widest, the
     * file's I2_S rows one by one ({@link I2sLaneDots}). One of the two per JVM, fixed when the
     * class loads.
     */
    private void blockedRows(Weights w, QuantizedActivations x, float[] y, int part, int from, int to) {
        boolean lanes = !TRIPLET_LOOKUP;
        int m = w.m();
        int k = w.k();
        int steps = lanes ? k / 128 : steps(k);
        int blockRows = lanes ? 1 : BLOCK_ROWS;
        long blockBytes = lanes ? k / 4 : (long) steps * STEP_BYTES;
        // Where token t's inputs start: its tables, or its activations widened to shorts.
        int inputStride = lanes ? k : 3 * steps * 32;
        int firstBlock = from / blockRows;
        int endBlock = (to + blockRows - 1) / blockRows;
        int blocks = endBlock - firstBlock;
        // One token: every block once, weights streamed in memory order.
        // Several tokens: runs of blocks small enough to stay in L2 while every token uses them,
        // so the weights come from memory once per batch, not once per token.
        int run = x.rows() == 1 ? blocks : (int) Math.min(blocks, Math.max(1, GEMM_BLOCK_BYTES / blockBytes));
        int[] dots = rowDots(part, 2 * run * blockRows);
        MemorySegment data = w.data();
        if (x.rows() == 1) {
            // Two streams, the first and the second half of the blocks (an odd last block alone,
            // paired with itself): one core keeps more weight lines in flight than with one.
            int pairs = blocks / 2;
            long at = firstBlock * blockBytes;
            if (pairs > 0) {
                blockDots(data, at, at + pairs * blockBytes, pairs, steps, 0, 0, dots, 0, pairs * blockRows);
            }
            if (blocks % 2 != 0) {
                long last = at + 2L * pairs * blockBytes;
                blockDots(data, last, last, 1, steps, 0, 0, dots, (blocks - 1) * blockRows, blocks * blockRows);
            }
            scaleDots(dots, 0, firstBlock * blockRows, inputOffset(x, 0), x.scales()[0], w.scale(), y, 0, from, to);
            return;
        }
        for (int b0 = firstBlock; b0 < endBlock; b0 += run) {
            int n = Math.min(endBlock - b0, run);
            int lo = Math.max(from, b0 * blockRows);
            int hi = Math.min(to, (b0 + n) * blockRows);
            // Two tokens at a time over the same weights (the second stream's loads hit L1); an
            // odd last token is paired with itself.
            for (int t = 0; t < x.rows(); t += 2) {
                int u = Math.min(t + 1, x.rows() - 1);
                blockDots(data, b0 * blockBytes, b0 * blockBytes, n, steps, t * inputStride, u * inputStride,
                        dots, 0, run * blockRows);
                scaleDots(dots, 0, b0 * blockRows, inputOffset(x, t), x.scales()[t], w.scale(), y, t * m, lo, hi);
                if (u != t) {
                    scaleDots(dots, run * blockRows, b0 * blockRows, inputOffset(x, u), x.scales()[u], w.scale(), y, u * m,
                            lo, hi);
                }
            }
        }
    }

    /** The two-stream product of {@link #blockedRows}: {@link #pairDots} or {@link I2sLaneDots#dots}. */
    private void blockDots(MemorySegment data, long atA, long atB, int blocks, int steps, int inA, int inB,
                           int[] dots, int dotsA, int dotsB) {
        if (TRIPLET_LOOKUP) {
            pairDots(data, atA, atB, blocks, steps, tripletTables, inA, inB, dots, dotsA, dotsB);
        } else if (nativeI2s) {
            NativeI2sDots.dots(data, atA, atB, blocks, steps, nativeInput, inA, inB, dots, dotsA, dotsB);
        } else if (atA == atB) {
            I2sLaneDots.sharedDots(data, atA, blocks, steps, activations, inA, inB, dots, dotsA, dotsB);
        } else {
            I2sLaneDots.dots(data, atA, atB, blocks, steps, activations, inA, inB, dots, dotsA, dotsB);
        }
    }

    /** What token {@code t}'s dots hold beyond Σ w·q: the lanes' codes are weights + 1, so Σ q more. */
    private static int inputOffset(QuantizedActivations x, int t) {
        return TRIPLET_LOOKUP ? 0 : x.sums()[t];
    }

    private int[] rowDots(int part, int n) {
        if (rowDots[part].length < n) {
            rowDots[part] = new int[n]; // grows once per matrix height; only this part's thread uses it
        }
        return rowDots[part];
    }

    /** {@code y[yBase + r] = (dots[at + r - firstRow] − offset) / s · scale} for rows {@code [from, to)}. */
    private static void scaleDots(int[] dots, int at, int firstRow, int offset, float s, float scale, float[] y, int yBase,
                                  int from, int to) {
        for (int r = from; r < to; r++) {
            y[yBase + r] = (float) (dots[at + r - firstRow] - offset) / s * scale;
        }
    }

    /**
     * Two streams of {@code blocks} blocks each, side by side in one loop: {@code dots[dotsA + i]}
     * = Σ w·q of row {@code i} of the blocks from byte {@code atA} with the tables at
     * {@code tableA}, and the same for B. Each block is four groups of 32 rows interleaved step by
     * step, so the weights are read in memory order and each table load serves all four. One
     * flat loop over every step of every block: a loop per block or per piece paid a stall at each
     * start when the weights stream from memory. The 16-bit sums are widened and added to
     * {@code dots} after at most {@value #TRIPLET_FLUSH} steps and at each block's end. A 16-bit
     * lane holds three 5-bit triplet indices; vpermw reads only an index's low 5 bits. One method
     * serves one token (two halves of the rows) and batches (two tokens over the same rows), so
     * the JIT compiles the one loop both use, warmed by whichever runs first.
     */
    private static void pairDots(MemorySegment data, long atA, long atB, int blocks, int steps, MemorySegment tables,
                                 int tableA, int tableB, int[] dots, int dotsA, int dotsB) {
        java.util.Arrays.fill(dots, dotsA, dotsA + blocks * BLOCK_ROWS, 0);
        java.util.Arrays.fill(dots, dotsB, dotsB + blocks * BLOCK_ROWS, 0);
        ShortVector a0 = ShortVector.zero(TS), a1 = a0, a2 = a0, a3 = a0;
        ShortVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int total = blocks * steps;
        int step = 0;
        int piece = 0;
        int d = 0;
        for (int g = 0; g < total; g++) {
            long ta = 2L * (tableA + 96 * step);
            long tb = 2L * (tableB + 96 * step);
            long wa = atA + (long) STEP_BYTES * g;
            long wb = atB + (long) STEP_BYTES * g;
            IntVector v0 = IntVector.fromMemorySegment(TI, data, wa, LE);
            IntVector v1 = IntVector.fromMemorySegment(TI, data, wa + 64, LE);
            IntVector v2 = IntVector.fromMemorySegment(TI, data, wa + 128, LE);
            IntVector v3 = IntVector.fromMemorySegment(TI, data, wa + 192, LE);
            IntVector w0 = IntVector.fromMemorySegment(TI, data, wb, LE);
            IntVector w1 = IntVector.fromMemorySegment(TI, data, wb + 64, LE);
            IntVector w2 = IntVector.fromMemorySegment(TI, data, wb + 128, LE);
            IntVector w3 = IntVector.fromMemorySegment(TI, data, wb + 192, LE);
            // The step's three triplets in a loop C2 unrolls, not written out: copies' nodes cost
            // the compiler's arena ~67 MB per compile (peak RSS). A lane pair read as one int and
            // shifted right by 5 or 10 as ints: the upper short's bits land at bit 6 or above of the
            // lower one, which the lookup's index wrap (low 5 bits) drops.
            for (int j = 0; j < 3; j++) {
                ShortVector s = ShortVector.fromMemorySegment(TS, tables, ta + 64 * j, LE);
                ShortVector u = ShortVector.fromMemorySegment(TS, tables, tb + 64 * j, LE);
                a0 = a0.add(v0.reinterpretAsShorts().selectFrom(s));
                a1 = a1.add(v1.reinterpretAsShorts().selectFrom(s));
                a2 = a2.add(v2.reinterpretAsShorts().selectFrom(s));
                a3 = a3.add(v3.reinterpretAsShorts().selectFrom(s));
                b0 = b0.add(w0.reinterpretAsShorts().selectFrom(u));
                b1 = b1.add(w1.reinterpretAsShorts().selectFrom(u));
                b2 = b2.add(w2.reinterpretAsShorts().selectFrom(u));
                b3 = b3.add(w3.reinterpretAsShorts().selectFrom(u));
                v0 = v0.lanewise(LSHR, 5);
                v1 = v1.lanewise(LSHR, 5);
                v2 = v2.lanewise(LSHR, 5);
                v3 = v3.lanewise(LSHR, 5);
                w0 = w0.lanewise(LSHR, 5);
                w1 = w1.lanewise(LSHR, 5);
                w2 = w2.lanewise(LSHR, 5);
                w3 = w3.lanewise(LSHR, 5);
            }
            step++;
            piece++;
            if (piece == TRIPLET_FLUSH || step == steps) {
                // Widened by hand, not in a helper: a vector passed to a call C2 does not inline is
                // boxed, and that allocation per piece (~26 MB per B2 token) cost more than the GC made up for.
                int da = dotsA + d;
                int db = dotsB + d;
                ((IntVector) a0.convertShape(S2I, TI, 0)).add(IntVector.fromArray(TI, dots, da)).intoArray(dots, da);
                ((IntVector) a0.convertShape(S2I, TI, 1)).add(IntVector.fromArray(TI, dots, da + 16)).intoArray(dots, da + 16);
                ((IntVector) a1.convertShape(S2I, TI, 0)).add(IntVector.fromArray(TI, dots, da + 32)).intoArray(dots, da + 32);
                ((IntVector) a1.convertShape(S2I, TI, 1)).add(IntVector.fromArray(TI, dots, da + 48)).intoArray(dots, da + 48);
                ((IntVector) a2.convertShape(S2I, TI, 0)).add(IntVector.fromArray(TI, dots, da + 64)).intoArray(dots, da + 64);
                ((IntVector) a2.convertShape(S2I, TI, 1)).add(IntVector.fromArray(TI, dots, da + 80)).intoArray(dots, da + 80);
                ((IntVector) a3.convertShape(S2I, TI, 0)).add(IntVector.fromArray(TI, dots, da + 96)).intoArray(dots, da + 96);
                ((IntVector) a3.convertShape(S2I, TI, 1)).add(IntVector.fromArray(TI, dots, da + 112)).intoArray(dots, da + 112);
                ((IntVector) b0.convertShape(S2I, TI, 0)).add(IntVector.fromArray(TI, dots, db)).intoArray(dots, db);
                ((IntVector) b0.convertShape(S2I, TI, 1)).add(IntVector.fromArray(TI, dots, db + 16)).intoArray(dots, db + 16);
                ((IntVector) b1.convertShape(S2I, TI, 0)).add(IntVector.fromArray(TI, dots, db + 32)).intoArray(dots, db + 32);
                ((IntVector) b1.convertShape(S2I, TI, 1)).add(IntVector.fromArray(TI, dots, db + 48)).intoArray(dots, db + 48);
                ((IntVector) b2.convertShape(S2I, TI, 0)).add(IntVector.fromArray(TI, dots, db + 64)).intoArray(dots, db + 64);
                ((IntVector) b2.convertShape(S2I, TI, 1)).add(IntVector.fromArray(TI, dots, db + 80)).intoArray(dots, db + 80);
                ((IntVector) b3.convertShape(S2I, TI, 0)).add(IntVector.fromArray(TI, dots, db + 96)).intoArray(dots, db + 96);
                ((IntVector) b3.convertShape(S2I, TI, 1)).add(IntVector.fromArray(TI, dots, db + 112)).intoArray(dots, db + 112);
                a0 = ShortVector.zero(TS);
                a1 = a0;
                a2 = a0;
                a3 = a0;
                b0 = a0;
                b1 = a0;
                b2 = a0;
                b3 = a0;
                piece = 0;
                if (step == steps) {
                    step = 0;
                    d += BLOCK_ROWS;
                }
            }
        }
    }

    // ---- float products ----------------------------------------------------------------------

    @Override
    void floatRows(Weights w, float[] x, int rows, float[] y, int part, int from, int to) {
        float[] p = partials[part];
        int k = w.k();
        if (FLOAT_SIMD && w.format() == WeightFormat.F16 && k % 64 == 0 && scaleInput(x, rows * k, part)) {
            f16Rows(w, x, rows, y, part, from, to);
            return;
        }
        float[] row = rowBuffer(part, k);
        for (int r = from; r < to; r++) {
            w.readRow(r, row);
            for (int t = 0; t < rows; t++) {
                y[t * w.m() + r] = FLOAT_SIMD ? floatDot(row, k, x, t * k, p) : scalarFloatDot(row, k, x, t * k, p);
            }
        }
    }

    private float[] rowBuffer(int part, int k) {
        if (rowBuffers[part].length < k) {
            rowBuffers[part] = new float[k]; // grows once per width; only this part's thread uses it
        }
        return rowBuffers[part];
    }

    /**
     * {@code scaledInputs[part] = x · 2^112}, exact unless some {@code |x_i| ≥ 2^16} would
     * overflow (then false, and the caller takes the general path). NaN and infinities stay what
     * they are, and give the products they would have given.
     */
    private boolean scaleInput(float[] x, int n, int part) {
        if (scaledInputs[part].length < n) {
            scaledInputs[part] = new float[n]; // grows once per shape; only this part's thread uses it
        }
        float[] xs = scaledInputs[part];
        for (int i = 0; i < n; i++) {
            float v = x[i] * F16_UNSCALE;
            if (Float.isInfinite(v) && !Float.isInfinite(x[i])) {
                return false;
            }
            xs[i] = v;
        }
        return true;
    }

    /**
     * F16 rows decoded in registers, without a row buffer: the half's bits moved into a float's
     * place ({@code sign-extend, << 13, & 0x8FFFE000}) make a float equal to {@code w · 2^-112}
     * for every finite half, subnormals included, so {@code fma(w·2^-112, x·2^112, p)} rounds the
     * same exact value as {@code fma(w, x, p)}: the SPI's sums, bit for bit, at memory speed.
     * Infinities and NaN (exponent 31) would turn into finite numbers, so the dot reports a row
     * holding one as NaN, and such a row (or a NaN the input made) is computed the general way.
     */
    private void f16Rows(Weights w, float[] x, int rows, float[] y, int part, int from, int to) {
        float[] xs = scaledInputs[part];
        float[] p = partials[part];
        int k = w.k();
        int m = w.m();
        MemorySegment data = w.data();
        for (int t = 0; t < rows; t++) {
            if (FL == 16) {
                int half = (to - from) / 2;
                if (half > 0) {
                    f16Pair16(data, 2L * k * from, 2L * k * (from + half), k, half, xs, t * k, y, t * m + from,
                            t * m + from + half, p);
                }
                if ((to - from) % 2 != 0) { // the last row paired with itself
                    long last = 2L * k * (to - 1);
                    f16Pair16(data, last, last, k, 1, xs, t * k, y, t * m + to - 1, t * m + to - 1, p);
                }
            } else {
                f16Span8(data, 2L * k * from, k, to - from, xs, t * k, y, t * m + from, p);
            }
            for (int r = from; r < to; r++) {
                if (Float.isNaN(y[t * m + r])) {
                    y[t * m + r] = generalDot(w, r, x, t, part);
                }
            }
        }
    }

    /** Row {@code r} times token row {@code t}, the row converted into a buffer first. */
    private float generalDot(Weights w, int r, float[] x, int t, int part) {
        float[] row = rowBuffer(part, w.k());
        w.readRow(r, row);
        return floatDot(row, w.k(), x, t * w.k(), partials[part]);
    }

    /**
     * A half's bits moved into a float's place (after sign extension to 32 bits): {@code (h << 13) &}
     * this is a float equal to {@code w · 2^-112}, see {@link #f16Rows}.
     */
    private static final int HALF_TO_SCALED_FLOAT = 0x8FFFE000;
    /** Magnitude bits of a half at or above an infinity's: the lane max says whether a row holds one. */
    private static final int HALF_INFINITY = 0x7C00;
    private static final int HALF_MAGNITUDE = 0x7FFF;

    // f16Pair16 and f16Span8 run one flat loop over all steps of 64 weights of their rows, and a
    // row's last step ends the row inside the loop: a loop per row paid ~130 ns per row when the
    // rows stream from memory (the loop's set-up stalled the stream), a third of a small head's
    // time. They spell out the conversion in every lane group instead of calling small helpers:
    // C2 may compile such a helper on its own first and then refuse to inline it, and a vector
    // handed to a call is boxed, one allocation per 16 weights.

    /**
     * {@link #floatDot} of two streams of {@code count} F16 rows each, from bytes {@code startA} and
     * {@code startB} into {@code y[yA ..]} and {@code y[yB ..]}, as 4 accumulators of 16 lanes per
     * row; NaN for a row holding a non-finite half. A step of each stream in turn: twice the reads
     * in flight of one stream (LARGE's head at one thread, Zen 5: 5.8-6.3 -> 4.1-4.5 ms).
     */
    private static void f16Pair16(MemorySegment data, long startA, long startB, int k, int count, float[] xs,
            int xBase, float[] y, int yA, int yB, float[] p) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        IntVector magnitudeA = IntVector.zero(FI);
        IntVector magnitudeB = magnitudeA;
        int steps = count * (k / 64);
        int i = 0;
        int row = 0;
        for (int s = 0; s < steps; s++) {
            long at = startA + 128L * s;
            long bt = startB + 128L * s;
            FloatVector x0 = FloatVector.fromArray(F, xs, xBase + i);
            FloatVector x1 = FloatVector.fromArray(F, xs, xBase + i + 16);
            FloatVector x2 = FloatVector.fromArray(F, xs, xBase + i + 32);
            FloatVector x3 = FloatVector.fromArray(F, xs, xBase + i + 48);
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(FH, data, at, LE).convertShape(S2I, FI, 0);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(FH, data, at + 32, LE).convertShape(S2I, FI, 0);
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(FH, data, at + 64, LE).convertShape(S2I, FI, 0);
            IntVector h3 = (IntVector) ShortVector.fromMemorySegment(FH, data, at + 96, LE).convertShape(S2I, FI, 0);
            a0 = h0.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats().fma(x0, a0);
            a1 = h1.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats().fma(x1, a1);
            a2 = h2.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats().fma(x2, a2);
            a3 = h3.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats().fma(x3, a3);
            magnitudeA = magnitudeA.max(h0.lanewise(AND, HALF_MAGNITUDE).max(h1.lanewise(AND, HALF_MAGNITUDE)))
                    .max(h2.lanewise(AND, HALF_MAGNITUDE).max(h3.lanewise(AND, HALF_MAGNITUDE)));
            h0 = (IntVector) ShortVector.fromMemorySegment(FH, data, bt, LE).convertShape(S2I, FI, 0);
            h1 = (IntVector) ShortVector.fromMemorySegment(FH, data, bt + 32, LE).convertShape(S2I, FI, 0);
            h2 = (IntVector) ShortVector.fromMemorySegment(FH, data, bt + 64, LE).convertShape(S2I, FI, 0);
            h3 = (IntVector) ShortVector.fromMemorySegment(FH, data, bt + 96, LE).convertShape(S2I, FI, 0);
            b0 = h0.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats().fma(x0, b0);
            b1 = h1.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats().fma(x1, b1);
            b2 = h2.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats().fma(x2, b2);
            b3 = h3.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats().fma(x3, b3);
            magnitudeB = magnitudeB.max(h0.lanewise(AND, HALF_MAGNITUDE).max(h1.lanewise(AND, HALF_MAGNITUDE)))
                    .max(h2.lanewise(AND, HALF_MAGNITUDE).max(h3.lanewise(AND, HALF_MAGNITUDE)));
            i += 64;
            if (i == k) {
                a0.add(a2).add(a1.add(a3)).intoArray(p, 0); // h = 32, then 16
                float dot = reduceLanes(p, 16);
                y[yA + row] = magnitudeA.reduceLanes(MAX) >= HALF_INFINITY ? Float.NaN : dot;
                b0.add(b2).add(b1.add(b3)).intoArray(p, 0);
                dot = reduceLanes(p, 16);
                y[yB + row] = magnitudeB.reduceLanes(MAX) >= HALF_INFINITY ? Float.NaN : dot;
                row++;
                i = 0;
                a0 = FloatVector.zero(F);
                a1 = a0;
                a2 = a0;
                a3 = a0;
                b0 = a0;
                b1 = a0;
                b2 = a0;
                b3 = a0;
                magnitudeA = IntVector.zero(FI);
                magnitudeB = magnitudeA;
            }
        }
    }

    /**
     * {@link #f16Pair16}'s sums for {@code count} rows of one stream from byte {@code start} into
     * {@code y[yBase ..]}, as 8 accumulators of 8 lanes (256-bit vectors), two groups of four per
     * step. One stream: two streams' 16 accumulators fill all 16 registers and were no faster.
     */
    private static void f16Span8(MemorySegment data, long start, int k, int count, float[] xs, int xBase,
            float[] y, int yBase, float[] p) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        IntVector magnitude = IntVector.zero(FI);
        int steps = count * (k / 64);
        int i = 0;
        int row = yBase;
        for (int s = 0; s < steps; s++) {
            long at = start + 128L * s;
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(FH, data, at, LE).convertShape(S2I, FI, 0);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(FH, data, at + 16, LE).convertShape(S2I, FI, 0);
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(FH, data, at + 32, LE).convertShape(S2I, FI, 0);
            IntVector h3 = (IntVector) ShortVector.fromMemorySegment(FH, data, at + 48, LE).convertShape(S2I, FI, 0);
            a0 = h0.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, xs, xBase + i), a0);
            a1 = h1.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, xs, xBase + i + 8), a1);
            a2 = h2.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, xs, xBase + i + 16), a2);
            a3 = h3.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, xs, xBase + i + 24), a3);
            magnitude = magnitude.max(h0.lanewise(AND, HALF_MAGNITUDE).max(h1.lanewise(AND, HALF_MAGNITUDE)))
                    .max(h2.lanewise(AND, HALF_MAGNITUDE).max(h3.lanewise(AND, HALF_MAGNITUDE)));
            h0 = (IntVector) ShortVector.fromMemorySegment(FH, data, at + 64, LE).convertShape(S2I, FI, 0);
            h1 = (IntVector) ShortVector.fromMemorySegment(FH, data, at + 80, LE).convertShape(S2I, FI, 0);
            h2 = (IntVector) ShortVector.fromMemorySegment(FH, data, at + 96, LE).convertShape(S2I, FI, 0);
            h3 = (IntVector) ShortVector.fromMemorySegment(FH, data, at + 112, LE).convertShape(S2I, FI, 0);
            a4 = h0.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, xs, xBase + i + 32), a4);
            a5 = h1.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, xs, xBase + i + 40), a5);
            a6 = h2.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, xs, xBase + i + 48), a6);
            a7 = h3.lanewise(LSHL, 13).lanewise(AND, HALF_TO_SCALED_FLOAT).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, xs, xBase + i + 56), a7);
            magnitude = magnitude.max(h0.lanewise(AND, HALF_MAGNITUDE).max(h1.lanewise(AND, HALF_MAGNITUDE)))
                    .max(h2.lanewise(AND, HALF_MAGNITUDE).max(h3.lanewise(AND, HALF_MAGNITUDE)));
            i += 64;
            if (i == k) {
                FloatVector b0 = a0.add(a4), b1 = a1.add(a5), b2 = a2.add(a6), b3 = a3.add(a7); // h = 32
                b0.add(b2).add(b1.add(b3)).intoArray(p, 0); // h = 16, then 8
                float dot = reduceLanes(p, 8);
                y[row++] = magnitude.reduceLanes(MAX) >= HALF_INFINITY ? Float.NaN : dot;
                i = 0;
                a0 = FloatVector.zero(F);
                a1 = a0;
                a2 = a0;
                a3 = a0;
                a4 = a0;
                a5 = a0;
                a6 = a0;
                a7 = a0;
                magnitude = IntVector.zero(FI);
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
