package trit.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;


import trit.api.kernel.QuantizedActivations;
import trit.api.kernel.TernaryKernel;
import trit.api.kernel.WeightFormat;
import trit.api.kernel.Weights;

/**
 * The scalar kernel against an independent reference written here, and every other kernel
 * against the scalar one, bit for bit, over random shapes and adversarial activations.
 */
class KernelTest {

    private static ScalarKernel scalar;
    private static VectorKernel vector;
    private static VectorKernel vectorOneThread;
    /** The vector kernel without the native I2_S product (which it uses where 256 bits are the widest). */
    private static VectorKernel vectorJava;
    private static final Arena ARENA = Arena.ofShared();

    @BeforeAll
    static void start() {
        scalar = new ScalarKernel(2);
        vector = new VectorKernel(2);
        vectorOneThread = new VectorKernel(1);
        vectorJava = new VectorKernel(2, false);
    }

    @AfterAll
    static void stop() {
        scalar.close();
        vector.close();
        vectorOneThread.close();
        vectorJava.close();
        ARENA.close();
    }

    // ---- activations --------------------------------------------------------------------------

    @Test
    void quantizationRoundsHalfToEvenWithBitnetsScale() {
        // max|x| = 127/128 makes s exactly 128, so x·s lands on exact halves.
        float[] x = {127f / 128, 2.5f / 128, 3.5f / 128, -2.5f / 128, 0f, -127f / 128};
        QuantizedActivations q = new QuantizedActivations(x.length, 1);
        scalar.quantize(x, 1, x.length, q);
        assertEquals(128f, q.scales()[0]);
        assertArrayEquals(new byte[] {127, 2, 4, -2, 0, -127}, q.values());
        assertEquals(127 + 2 + 4 - 2 - 127, q.sums()[0]);
    }

    @Test
    void quantizationOfZerosUsesTheFloorOfTheMaximum() {
        QuantizedActivations q = new QuantizedActivations(128, 1);
        scalar.quantize(new float[128], 1, 128, q);
        assertEquals((float) (127 / 1e-5), q.scales()[0]);
        assertEquals(0, q.sums()[0]);
    }

    @Test
    void vectorQuantizationEqualsScalarOnEveryKindOfRow() {
        Random random = new Random(1);
        for (float[] row : adversarialRows(random, 1000)) {
            assertSameQuantization(row);
        }
        for (int trial = 0; trial < 200; trial++) {
            int k = 1 + random.nextInt(3000);
            float[] row = new float[k];
            for (int i = 0; i < k; i++) {
                row[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 4));
            }
            assertSameQuantization(row);
        }
    }

    private static void assertSameQuantization(float[] row) {
        QuantizedActivations a = new QuantizedActivations(row.length, 1);
        QuantizedActivations b = new QuantizedActivations(row.length, 1);
        scalar.quantize(row, 1, row.length, a);
        vector.quantize(row, 1, row.length, b);
        assertArrayEquals(a.values(), b.values());
        assertEquals(Float.floatToRawIntBits(a.scales()[0]), Float.floatToRawIntBits(b.scales()[0]));
        assertEquals(a.sums()[0], b.sums()[0]);
    }

    // ---- ternary products ---------------------------------------------------------------------

    @Test
    void i2sMatchesTheReferenceAndEveryKernelMatchesScalar() {
        Random random = new Random(2);
        for (int trial = 0; trial < 40; trial++) {
            int k = 128 * (1 + random.nextInt(24));
            int m = 1 + random.nextInt(300);
            int rows = 1 + random.nextInt(4);
            int[] w = Packing.randomTernary(random, k, m);
            float scale = 0.01f + random.nextFloat();
            Weights weights = Weights.of("t" + trial, WeightFormat.I2_S, k, m, Packing.i2s(ARENA, w, k, m, scale));
            assertEquals(scale, weights.scale());
            checkTernary(weights, w, null, rows, random);
        }
    }

    /**
     * Products that share activations (Q, K, V) reuse what the kernel derived from them; the same
     * activations object requantized in place, or another object with equal values, must not.
     */
    @Test
    void i2sProductsInTurnWithReusedAndRewrittenActivationsMatchScalar() {
        Random random = new Random(6);
        int k = 1536;
        List<Weights[]> matrices = new ArrayList<>(); // {GGML original, prepared}
        for (int m : new int[] {256, 640, 128}) {
            int[] w = Packing.randomTernary(random, k, m);
            Weights original = Weights.of("w" + m, WeightFormat.I2_S, k, m, Packing.i2s(ARENA, w, k, m, 0.5f));
            matrices.add(new Weights[] {original, vector.prepare(original, ARENA)});
        }
        QuantizedActivations shared = new QuantizedActivations(k, 2);
        float[] x = new float[2 * k];
        for (int round = 0; round < 8; round++) {
            int rows = 1 + round / 4;
            if (round % 2 == 0) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
            } else {
                x[7 + k * (rows - 1)] += 0.25f; // the previous round's input with one value changed
            }
            vector.quantize(x, rows, k, shared);
            QuantizedActivations copy = new QuantizedActivations(k, 2);
            vector.quantize(x, rows, k, copy);
            for (Weights[] w : matrices) {
                float[] expected = new float[rows * w[0].m()];
                scalar.ternaryMatmul(w[0], shared, expected);
                for (QuantizedActivations q : List.of(shared, copy, shared)) {
                    float[] actual = new float[rows * w[0].m()];
                    vector.ternaryMatmul(w[1], q, actual);
                    assertBitsEqual(expected, actual, w[0].describe() + " round " + round);
                }
            }
        }
    }

    /** Batched products wide and tall enough that the vector kernel splits the rows into several L2 blocks. */
    @Test
    void i2sBatchesOverSeveralWeightBlocksMatchScalar() {
        Random random = new Random(5);
        for (int[] shape : new int[][] {{4096, 700, 5}, {6912, 2560, 3}, {1536, 4096, 2}}) {
            int k = shape[0];
            int m = shape[1];
            int[] w = Packing.randomTernary(random, k, m);
            Weights weights = Weights.of("blocks-" + k + "x" + m, WeightFormat.I2_S, k, m, Packing.i2s(ARENA, w, k, m, 0.25f));
            checkTernary(weights, w, null, shape[2], random);
        }
    }

    /**
     * One token over 1 to 9 blocks of 128 rows, whole and with a short last block, at one thread
     * and at two (where the parts' block ranges differ): the vector kernel reads the two halves of
     * a part's blocks as two streams (an odd last block alone, paired with itself), and its loop
     * ends pieces at both the flush limit and each block's end.
     */
    @Test
    void i2sOneTokenOverEveryBlockCountMatchesScalar() {
        Random random = new Random(8);
        int k = 384;
        for (int blocks = 1; blocks <= 9; blocks++) {
            for (int m : new int[] {128 * blocks, 128 * blocks - 37}) {
                int[] w = Packing.randomTernary(random, k, m);
                Weights weights = Weights.of("blocks-" + blocks + "-" + m, WeightFormat.I2_S, k, m, Packing.i2s(ARENA, w, k, m, 0.5f));
                checkTernary(weights, w, null, 1, random);
            }
        }
    }

    @Test
    void tq2AndTq1MatchTheReferenceAndEveryKernelMatchesScalar() {
        Random random = new Random(3);
        for (WeightFormat format : List.of(WeightFormat.TQ2_0, WeightFormat.TQ1_0)) {
            for (int trial = 0; trial < 25; trial++) {
                int k = 256 * (1 + random.nextInt(12));
                int m = 1 + random.nextInt(200);
                int[] w = Packing.randomTernary(random, k, m);
                float[] d = new float[k / 256 * m];
                for (int b = 0; b < d.length; b++) {
                    d[b] = Float.float16ToFloat(Float.floatToFloat16(0.01f + random.nextFloat()));
                }
                MemorySegment data = format == WeightFormat.TQ2_0
                        ? Packing.tq2(ARENA, w, d, k, m) : Packing.tq1(ARENA, w, d, k, m);
                checkTernary(Weights.of(format + "-" + trial, format, k, m, data), w, d, 1 + random.nextInt(3), random);
            }
        }
    }

    @Test
    void packedTernaryRoundTripsThroughTheDecoders() {
        Random random = new Random(4);
        int k = 512;
        int m = 3;
        int[] w = Packing.randomTernary(random, k, m);
        float[] d = {0.5f, 0.25f, 1f, 2f, 0.125f, 4f};
        MemorySegment i2s = Packing.i2s(ARENA, w, k, m, 1f);
        MemorySegment tq2 = Packing.tq2(ARENA, w, d, k, m);
        MemorySegment tq1 = Packing.tq1(ARENA, w, d, k, m);
        for (int r = 0; r < m; r++) {
            for (int b = 0; b < k / 256; b++) {
                int block = r * (k / 256) + b;
                assertEquals(d[block], Formats.blockScale(WeightFormat.TQ2_0, tq2, 66L * block));
                assertEquals(d[block], Formats.blockScale(WeightFormat.TQ1_0, tq1, 54L * block));
                for (int j = 0; j < 256; j++) {
                    int e = r * k + 256 * b + j;
                    assertEquals(w[e], Formats.i2sCode(i2s, e) - 1, "I2_S element " + e);
                    assertEquals(w[e], Formats.tq2Weight(tq2, 66L * block, j), "TQ2_0 element " + e);
                    assertEquals(w[e], Formats.tq1Weight(tq1, 54L * block, j), "TQ1_0 element " + e);
                }
            }
        }
    }

    /** Reference: plain int dot products over the unpacked weights, then the SPI's float formula. */
    private static void checkTernary(Weights weights, int[] w, float[] d, int rows, Random random) {
        int k = weights.k();
        int m = weights.m();
        Weights prepared = vector.prepare(weights, ARENA);
        assertTrue(prepared == weights || prepared.layout().equals(VectorKernel.TRIPLET_LAYOUT), prepared.layout());
        assertEquals(weights.format() == WeightFormat.I2_S && jdk.incubator.vector.ShortVector.SPECIES_PREFERRED.vectorBitSize() >= 512,
                prepared != weights, "I2_S is repacked exactly where 512-bit short lookups exist");
        List<float[]> inputs = new ArrayList<>();
        float[] gaussian = new float[rows * k];
        for (int i = 0; i < gaussian.length; i++) {
            gaussian[i] = (float) random.nextGaussian();
        }
        inputs.add(gaussian);
        for (float[] row : adversarialRows(random, k)) {
            float[] x = new float[rows * k];
            for (int t = 0; t < rows; t++) {
                System.arraycopy(row, 0, x, t * k, k);
            }
            inputs.add(x);
        }
        for (float[] x : inputs) {
            QuantizedActivations q = new QuantizedActivations(k, rows);
            scalar.quantize(x, rows, k, q);
            float[] expected = new float[rows * m];
            for (int t = 0; t < rows; t++) {
                for (int r = 0; r < m; r++) {
                    expected[t * m + r] = reference(weights, w, d, q, t, r);
                }
            }
            float[] fromScalar = new float[rows * m];
            float[] fromVector = new float[rows * m];
            float[] fromVectorOne = new float[rows * m];
            float[] fromPrepared = new float[rows * m];
            float[] fromLimited = new float[rows * m];
            float[] fromJava = new float[rows * m];
            vectorJava.ternaryMatmul(weights, q, fromJava);
            scalar.ternaryMatmul(weights, q, fromScalar);
            vector.limitedTo(1).ternaryMatmul(prepared, q, fromLimited);
            vector.ternaryMatmul(weights, q, fromVector);
            vectorOneThread.ternaryMatmul(weights, q, fromVectorOne);
            vector.ternaryMatmul(prepared, q, fromPrepared);
            assertBitsEqual(expected, fromScalar, weights.describe() + " scalar vs reference");
            assertBitsEqual(fromScalar, fromVector, weights.describe() + " vector vs scalar");
            assertBitsEqual(fromScalar, fromVectorOne, weights.describe() + " vector (1 thread) vs scalar");
            assertBitsEqual(fromScalar, fromPrepared, weights.describe() + " vector in layout " + prepared.layout() + " vs scalar");
            assertBitsEqual(fromScalar, fromLimited, weights.describe() + " vector limited to 1 thread vs scalar");
            assertBitsEqual(fromScalar, fromJava, weights.describe() + " vector without native code vs scalar");
        }
    }

    /**
     * The build puts the native product in the jar for Linux on x86-64 wherever a C compiler is
     * (CI installs one); where it is, it must load.
     */
    @Test
    void theNativeI2sProductLoadsOnLinuxX86() {
        boolean linuxX86 = System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64");
        boolean built = KernelTest.class.getClassLoader().getResource("native/linux-x86_64/libtrit_i2s_avx2.so") != null;
        boolean compiler = java.util.stream.Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "cc")));
        assertEquals(linuxX86 && compiler, built, "built with the bundle where a C compiler is");
        assertEquals(linuxX86 && built, NativeI2sDots.AVAILABLE);
    }

    @Test
    void aKernelLimitedToFewerThreadsIsAViewOfItself() {
        TernaryKernel one = vector.limitedTo(1);
        assertEquals(1, one.threads());
        assertEquals(vector.name(), one.name());
        assertEquals(vector.simdBits(), one.simdBits());
        assertSame(one, vector.limitedTo(1), "asking again allocates nothing");
        assertSame(vector, vector.limitedTo(2));
        assertSame(vector, vector.limitedTo(64));
        assertSame(vector, one.limitedTo(5));
        assertEquals("threads must be >= 1, was 0", assertThrows(IllegalArgumentException.class, () -> vector.limitedTo(0)).getMessage());
        // The same layout: weights prepared by the kernel are accepted by the view.
        Weights weights = Weights.of("view", WeightFormat.I2_S, 256, 64, Packing.i2s(ARENA, Packing.randomTernary(new Random(1), 256, 64), 256, 64, 0.5f));
        assertSame(vector.prepare(weights, ARENA).layout(), one.prepare(weights, ARENA).layout());
    }

    private static float reference(Weights weights, int[] w, float[] d, QuantizedActivations q, int t, int r) {
        int k = weights.k();
        float s = q.scales()[t];
        if (weights.format() == WeightFormat.I2_S) {
            long dot = 0;
            for (int i = 0; i < k; i++) {
                dot += (long) w[r * k + i] * q.values()[t * k + i];
            }
            return (float) dot / s * weights.scale();
        }
        float acc = 0f;
        for (int b = 0; b < k / 256; b++) {
            long dot = 0;
            for (int j = 0; j < 256; j++) {
                dot += (long) w[r * k + 256 * b + j] * q.values()[t * k + 256 * b + j];
            }
            acc += d[r * (k / 256) + b] * (float) dot;
        }
        return acc / s;
    }

    /** All at +max, all at -max, alternating ±max, one spike, zeros, tiny values, NaN, +Inf, -Inf. */
    private static List<float[]> adversarialRows(Random random, int k) {
        List<float[]> rows = new ArrayList<>();
        rows.add(filled(k, 1e30f));
        rows.add(filled(k, -3.4e38f));
        float[] alternating = new float[k];
        for (int i = 0; i < k; i++) {
            alternating[i] = i % 2 == 0 ? 7f : -7f;
        }
        rows.add(alternating);
        float[] spike = new float[k];
        spike[random.nextInt(k)] = 1e6f;
        rows.add(spike);
        rows.add(new float[k]);
        rows.add(filled(k, 1e-9f));
        float[] nan = filled(k, 1f);
        nan[random.nextInt(k)] = Float.NaN;
        rows.add(nan);
        float[] inf = filled(k, 1f);
        inf[random.nextInt(k)] = Float.POSITIVE_INFINITY;
        rows.add(inf);
        float[] negInf = filled(k, -1f);
        negInf[random.nextInt(k)] = Float.NEGATIVE_INFINITY;
        rows.add(negInf);
        return rows;
    }

    @Test
    void nonFiniteActivationsGiveNaNOutputs() {
        int k = 128;
        int[] w = Packing.randomTernary(new Random(5), k, 2);
        Weights weights = Weights.of("nan", WeightFormat.I2_S, k, 2, Packing.i2s(ARENA, w, k, 2, 1f));
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] x = filled(k, 0.5f);
            x[7] = bad;
            QuantizedActivations q = new QuantizedActivations(k, 1);
            vector.quantize(x, 1, k, q);
            float[] y = new float[2];
            vector.ternaryMatmul(weights, q, y);
            assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[1]), "x containing " + bad + " gave " + y[0] + ", " + y[1]);
        }
    }

    // ---- float products -----------------------------------------------------------------------

    @Test
    void floatFormatsMatchScalarBitForBitAndDoubleWithinRounding() {
        Random random = new Random(6);
        for (WeightFormat format : List.of(WeightFormat.F32, WeightFormat.F16, WeightFormat.BF16, WeightFormat.Q8_0)) {
            for (int trial = 0; trial < 20; trial++) {
                int k = format == WeightFormat.Q8_0 ? 32 * (1 + random.nextInt(40)) : 1 + random.nextInt(1200);
                if (trial < 4) {
                    k = 64 * (1 + random.nextInt(20)); // the no-tail path
                }
                int m = 1 + random.nextInt(70);
                int rows = 1 + random.nextInt(3);
                Weights weights = Weights.of(format + "-" + trial, format, k, m, randomFloatWeights(random, format, k, m));
                float[] x = new float[rows * k];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                float[] a = new float[rows * m];
                float[] b = new float[rows * m];
                scalar.floatMatmul(weights, x, rows, a);
                vector.floatMatmul(weights, x, rows, b);
                assertBitsEqual(a, b, weights.describe());
                for (int t = 0; t < rows; t++) {
                    for (int r = 0; r < m; r++) {
                        double exact = 0;
                        double magnitude = 0;
                        for (int i = 0; i < k; i++) {
                            double p = (double) Formats.floatWeight(format, weights.data(), k, r, i) * x[t * k + i];
                            exact += p;
                            magnitude += Math.abs(p);
                        }
                        assertEquals(exact, a[t * m + r], 1e-5 * magnitude + 1e-30, weights.describe() + " row " + r);
                    }
                }
            }
        }
    }

    /**
     * The vector kernel decodes F16 rows in registers with inputs scaled by 2^112: rows holding an
     * infinity or NaN, inputs that scaling would overflow, subnormal halves and NaN inputs must
     * still give the scalar definition's bits.
     */
    @Test
    void f16EdgeCasesMatchScalarBitForBit() {
        Random random = new Random(16);
        ValueLayout.OfShort shortLe = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        int k = 256;
        int m = 15; // odd: the rows are read as two streams, and an odd last row paired with itself
        MemorySegment data = randomFloatWeights(random, WeightFormat.F16, k, m);
        data.set(shortLe, 2L * (k + 5), (short) 0x7C00); // row 1: +Inf
        data.set(shortLe, 2L * (2 * k + 200), (short) 0xFC00); // row 2: -Inf
        data.set(shortLe, 2L * (3 * k + 77), (short) 0x7E01); // row 3: NaN
        data.set(shortLe, 2L * (4 * k + 255), (short) 0xFFFF); // row 4: negative NaN, in the last lane
        for (int i = 0; i < k; i++) {
            data.set(shortLe, 2L * (5 * k + i), (short) (random.nextInt(0x400) | (i % 2) << 15)); // row 5: subnormals
            data.set(shortLe, 2L * (6 * k + i), (short) (0x7BFF | (i % 3 == 0 ? 0x8000 : 0))); // row 6: ±65504
        }
        data.set(shortLe, 2L * (12 * k + 64), (short) 0x7C00); // row 12: +Inf, in the second stream beside a finite row
        data.set(shortLe, 2L * (14 * k + 130), (short) 0xFE00); // row 14, the last: NaN
        Weights weights = Weights.of("f16-edges", WeightFormat.F16, k, m, data);
        List<float[]> inputs = new ArrayList<>(adversarialRows(random, k));
        float[] large = new float[k];
        float[] tiny = new float[k];
        for (int i = 0; i < k; i++) {
            large[i] = (float) random.nextGaussian();
            tiny[i] = Float.MIN_VALUE * (1 + random.nextInt(1000));
        }
        large[random.nextInt(k)] = 70000f; // 2^16 and above overflow when scaled by 2^112
        inputs.add(large);
        inputs.add(tiny);
        for (float[] x : inputs) {
            for (int rows : new int[] {1, 2}) {
                float[] xs = new float[rows * k];
                for (int t = 0; t < rows; t++) {
                    System.arraycopy(x, 0, xs, t * k, k);
                }
                float[] a = new float[rows * m];
                float[] b = new float[rows * m];
                scalar.floatMatmul(weights, xs, rows, a);
                vector.floatMatmul(weights, xs, rows, b);
                assertBitsEqual(a, b, "F16 edge rows with x[0] = " + x[0]);
            }
        }
    }

    private static MemorySegment randomFloatWeights(Random random, WeightFormat format, int k, int m) {
        MemorySegment data = ARENA.allocate(format.tensorBytes(k, m));
        ValueLayout.OfShort shortLe = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < m; r++) {
            long row = format.rowBytes(k) * r;
            for (int i = 0; i < k; i++) {
                float v = (float) random.nextGaussian() * 0.1f;
                switch (format) {
                    case F32 -> data.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), row + 4L * i, v);
                    case F16 -> data.set(shortLe, row + 2L * i, Float.floatToFloat16(v));
                    case BF16 -> data.set(shortLe, row + 2L * i, (short) (Float.floatToRawIntBits(v) >>> 16));
                    case Q8_0 -> {
                        long block = row + 34L * (i / 32);
                        if (i % 32 == 0) {
                            data.set(shortLe, block, Float.floatToFloat16(0.001f + random.nextFloat() * 0.01f));
                        }
                        data.set(ValueLayout.JAVA_BYTE, block + 2 + i % 32, (byte) (random.nextInt(256) - 128));
                    }
                    default -> throw new AssertionError(format);
                }
            }
        }
        return data;
    }

    // ---- threads ------------------------------------------------------------------------------

    @Test
    void concurrentCallersGetTheirOwnCorrectResults() throws Exception {
        Random random = new Random(7);
        int k = 1024;
        int m = 512;
        int[] w = Packing.randomTernary(random, k, m);
        Weights weights = Weights.of("shared", WeightFormat.I2_S, k, m, Packing.i2s(ARENA, w, k, m, 0.5f));
        List<float[]> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            float[] x = new float[k];
            for (int i = 0; i < k; i++) {
                x[i] = (float) random.nextGaussian();
            }
            QuantizedActivations q = new QuantizedActivations(k, 1);
            scalar.quantize(x, 1, k, q);
            float[] y = new float[m];
            scalar.ternaryMatmul(weights, q, y);
            inputs.add(x);
            expected.add(y);
        }
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int caller = c;
                done.add(callers.submit(() -> {
                    QuantizedActivations q = new QuantizedActivations(k, 1);
                    float[] y = new float[m];
                    for (int repeat = 0; repeat < 50; repeat++) {
                        vector.quantize(inputs.get(caller), 1, k, q);
                        vector.ternaryMatmul(weights, q, y);
                        assertBitsEqual(expected.get(caller), y, "caller " + caller);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void closingAKernelWhileAnotherThreadMultipliesLosesNoCall() throws Exception {
        Random random = new Random(12);
        int k = 2048;
        int m = 2048;
        Weights weights = Weights.of("closing", WeightFormat.I2_S, k, m,
                Packing.i2s(ARENA, Packing.randomTernary(random, k, m), k, m, 0.5f));
        float[] x = new float[k];
        for (int i = 0; i < k; i++) {
            x[i] = (float) random.nextGaussian();
        }
        QuantizedActivations q = new QuantizedActivations(k, 1);
        scalar.quantize(x, 1, k, q);
        float[] expected = new float[m];
        scalar.ternaryMatmul(weights, q, expected);
        VectorKernel closing = new VectorKernel(2);
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<?> products = caller.submit(() -> {
                float[] y = new float[m];
                for (int repeat = 0; repeat < 200; repeat++) {
                    closing.ternaryMatmul(weights, q, y);
                    assertBitsEqual(expected, y, "product " + repeat);
                }
                return null;
            });
            Thread.sleep(5);
            closing.close(); // as DS does when the kernel's service goes away mid-generation
            products.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            caller.shutdownNow();
        }
    }

    // ---- bad input ----------------------------------------------------------------------------

    @Test
    void badShapesAndFormatsAreRefusedWithTheTensorNamed() throws IOException {
        MemorySegment small = ARENA.allocate(64);
        assertEquals("blk.0.ffn_down.weight (I2_S, K=200 × M=4): K = 200 is not a multiple of the I2_S block size 128",
                assertThrows(IllegalArgumentException.class,
                        () -> Weights.of("blk.0.ffn_down.weight", WeightFormat.I2_S, 200, 4, small)).getMessage());
        assertEquals("blk.0.attn_q.weight (I2_S, K=256 × M=256): needs 16416 bytes of data, the segment has 64",
                assertThrows(IllegalArgumentException.class,
                        () -> Weights.of("blk.0.attn_q.weight", WeightFormat.I2_S, 256, 256, small)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Weights.of("t", WeightFormat.TQ2_0, 128, 1, small));

        int[] w = Packing.randomTernary(new Random(8), 256, 2);
        Weights ok = Weights.of("blk.1.attn_k.weight", WeightFormat.I2_S, 256, 2, Packing.i2s(ARENA, w, 256, 2, 1f));
        QuantizedActivations wrongK = new QuantizedActivations(128, 1);
        scalar.quantize(new float[128], 1, 128, wrongK);
        assertEquals("blk.1.attn_k.weight (I2_S, K=256 × M=2) multiplied with activations of K = 128",
                assertThrows(IllegalArgumentException.class, () -> vector.ternaryMatmul(ok, wrongK, new float[2])).getMessage());
        QuantizedActivations q = new QuantizedActivations(256, 1);
        vector.quantize(new float[256], 1, 256, q);
        assertEquals("blk.1.attn_k.weight (I2_S, K=256 × M=2): y has 1 floats, 1 rows of M need 2",
                assertThrows(IllegalArgumentException.class, () -> vector.ternaryMatmul(ok, q, new float[1])).getMessage());
        assertThrows(IllegalArgumentException.class, () -> vector.floatMatmul(ok, new float[256], 1, new float[2]));
        Weights repacked = new Weights("blk.1.attn_k.weight", WeightFormat.I2_S, 256, 2, ok.data(), 1f, "other-layout");
        assertEquals("blk.1.attn_k.weight (I2_S, K=256 × M=2) is in layout 'other-layout', which the vector kernel does not compute with",
                assertThrows(IllegalArgumentException.class, () -> vector.ternaryMatmul(repacked, q, new float[2])).getMessage());
        Weights repackedByVector = vector.prepare(ok, ARENA);
        if (repackedByVector != ok) {
            assertThrows(IllegalArgumentException.class, () -> scalar.ternaryMatmul(repackedByVector, q, new float[2]),
                    "the scalar kernel refuses a layout it did not make");
        }
        MemorySegment damaged = Packing.i2s(ARENA, w, 256, 2, 1f);
        damaged.set(ValueLayout.JAVA_BYTE, 5, (byte) 0xC0); // element 5 gets code 3
        Weights bad = Weights.of("blk.2.ffn_up.weight", WeightFormat.I2_S, 256, 2, damaged);
        if (jdk.incubator.vector.ShortVector.SPECIES_PREFERRED.vectorBitSize() >= 512) {
            assertEquals("blk.2.ffn_up.weight (I2_S, K=256 × M=2): element 5 holds I2_S code 3, which is no ternary weight (the file is damaged)",
                    assertThrows(IllegalArgumentException.class, () -> vector.prepare(bad, ARENA)).getMessage());
        }
        // Weights prepared from a file mapping are checked as they are made: copied out of it at 256
        // bits (the file's layout is computed with), repacked at 512; at 128 bits prepare keeps them.
        Path file = Files.createTempFile("damaged", ".i2s");
        try (Arena mapping = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file,
                     StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, damaged.byteSize(), mapping);
            mapped.copyFrom(damaged);
            mapped.set(ValueLayout.JAVA_BYTE, 64 + 33, (byte) 0x03); // row 1, element 128 + 96 + 1 gets code 3
            Weights badFile = Weights.of("blk.3.ffn_up.weight", WeightFormat.I2_S, 256, 2, mapped);
            if (jdk.incubator.vector.ShortVector.SPECIES_PREFERRED.vectorBitSize() < 256) {
                assertSame(badFile, vector.prepare(badFile, ARENA));
            } else {
                assertEquals("blk.3.ffn_up.weight (I2_S, K=256 × M=2): element 5 holds I2_S code 3, which is no ternary weight (the file is damaged)",
                        assertThrows(IllegalArgumentException.class, () -> vector.prepare(badFile, ARENA)).getMessage());
                mapped.set(ValueLayout.JAVA_BYTE, 5, (byte) 0x80);
                assertEquals("blk.3.ffn_up.weight (I2_S, K=256 × M=2): element 481 holds I2_S code 3, which is no ternary weight (the file is damaged)",
                        assertThrows(IllegalArgumentException.class, () -> vector.prepare(badFile, ARENA)).getMessage());
            }
        } finally {
            Files.delete(file);
        }
        Weights f16 = Weights.of("token_embd.weight", WeightFormat.F16, 64, 2, ARENA.allocate(256));
        assertThrows(IllegalArgumentException.class, () -> scalar.ternaryMatmul(f16, q, new float[2]));
        assertEquals("token_embd.weight (F16, K=64 × M=2): x has 10 floats, 1 rows of K need 64",
                assertThrows(IllegalArgumentException.class, () -> vector.floatMatmul(f16, new float[10], 1, new float[2])).getMessage());
        assertThrows(IllegalArgumentException.class, () -> vector.quantize(new float[10], 1, 256, q));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static void assertBitsEqual(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }
}
