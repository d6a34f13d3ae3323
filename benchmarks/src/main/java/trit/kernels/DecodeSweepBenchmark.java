package trit.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import trit.api.kernel.QuantizedActivations;
import trit.api.kernel.WeightFormat;
import trit.api.kernel.Weights;

/**
 * One decoded token's ternary products: every I2_S matrix of every layer of a model shape, one
 * GEMV each, in the model's order. Unlike {@link TernaryGemvBenchmark} the weights (170 MB for
 * LARGE, 470 MB for B2) cannot stay in the caches, so this measures what generation sees: weights
 * streamed from memory, and the per-call cost of ~170 small products. No attention, norms or LM head.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class DecodeSweepBenchmark {

    /** large: n_embd 1536, n_ff 4096, 24 layers; b2: n_embd 2560, KV 640, n_ff 6912, 30 layers. */
    @Param({"large", "b2"})
    public String model;

    @Param({"1", "2"})
    public int threads;

    /** Whether I2_S products may use the native AVX2 code (only where 256 bits are the widest vectors). */
    @Param({"true"})
    public boolean nativeI2s;

    private Arena arena;
    private VectorKernel kernel;
    private Weights[] layer;
    private int layers;
    private QuantizedActivations[] inputs;
    private float[] y;

    @Setup(Level.Trial)
    public void setUp() {
        int e = model.equals("b2") ? 2560 : 1536;
        int kv = model.equals("b2") ? 640 : 1536;
        int ff = model.equals("b2") ? 6912 : 4096;
        layers = model.equals("b2") ? 30 : 24;
        int[][] shapes = {{e, e}, {e, kv}, {e, kv}, {e, e}, {e, ff}, {e, ff}, {ff, e}}; // K × M: q k v o gate up down
        arena = Arena.ofShared();
        kernel = new VectorKernel(threads, nativeI2s);
        Random random = new Random(42);
        byte[] valid = new byte[256]; // bytes whose four 2-bit codes are all 0..2
        for (int b = 0; b < 256; b++) {
            int v = b % 81;
            valid[b] = (byte) ((v % 3) | (v / 3 % 3) << 2 | (v / 9 % 3) << 4 | (v / 27 % 3) << 6);
        }
        layer = new Weights[layers * shapes.length];
        for (int i = 0; i < layer.length; i++) {
            int k = shapes[i % shapes.length][0];
            int m = shapes[i % shapes.length][1];
            try (Arena load = Arena.ofConfined()) {
                byte[] bytes = new byte[k * m / 4];
                random.nextBytes(bytes);
                for (int j = 0; j < bytes.length; j++) {
                    bytes[j] = valid[bytes[j] & 0xFF];
                }
                MemorySegment data = load.allocate(bytes.length + 32L, 64);
                MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
                data.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), bytes.length, 0.7f);
                Weights w = kernel.prepare(Weights.of("blk." + i / shapes.length, WeightFormat.I2_S, k, m, data), arena);
                if (w.data().scope() == load.scope()) { // not repacked: keep a copy beyond the load arena
                    MemorySegment copy = arena.allocate(data.byteSize(), 64).copyFrom(data);
                    w = Weights.of(w.name(), WeightFormat.I2_S, k, m, copy);
                }
                layer[i] = w;
            }
        }
        // As in the model: Q, K, V share their input, so do gate and up; O and down have their own.
        QuantizedActivations attention = activations(random, e);
        QuantizedActivations ffn = activations(random, e);
        inputs = new QuantizedActivations[] {attention, attention, attention, activations(random, e), ffn, ffn,
                activations(random, ff)};
        y = new float[Math.max(e, ff)];
    }

    private QuantizedActivations activations(Random random, int k) {
        float[] x = new float[k];
        for (int i = 0; i < k; i++) {
            x[i] = (float) random.nextGaussian();
        }
        QuantizedActivations q = new QuantizedActivations(k, 1);
        kernel.quantize(x, 1, k, q);
        return q;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernel.close();
        arena.close();
    }

    @Benchmark
    public float token() {
        for (int i = 0; i < layer.length; i++) {
            kernel.ternaryMatmul(layer[i], inputs[i % inputs.length], y);
        }
        return y[0];
    }
}
