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
 * One token (GEMV), or a prompt batch with {@code -p tokens=32}, through one I2_S matrix, warm caches: the full op (activation quantization +
 * product, what bitnet.cpp's full-op figures measure) and the bare product. Weights go through
 * {@code prepare} first, as the model loads them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TernaryGemvBenchmark {

    /** K × M: input features × output rows. */
    @Param({"1536x1536", "1536x4096", "4096x1536", "2560x2560", "2560x6912", "6912x2560"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    /** Whether I2_S products may use the native AVX2 code (only where 256 bits are the widest vectors). */
    @Param({"true"})
    public boolean nativeI2s;

    /** Tokens per product: 1 is a decoded token (GEMV); the model's prompt batches are 32 (GEMM). */
    @Param({"1"})
    public int tokens;

    private Arena arena;
    private VectorKernel kernel;
    private Weights weights;
    private float[][] x;
    private QuantizedActivations[] q;
    private int call;
    private float[] y;

    @Setup(Level.Trial)
    public void setUp() {
        int k = Integer.parseInt(shape.split("x")[0]);
        int m = Integer.parseInt(shape.split("x")[1]);
        arena = Arena.ofShared();
        Random random = new Random(42);
        MemorySegment data = arena.allocate((long) k * m / 4 + 32, 64);
        for (long i = 0; i < (long) k * m / 4; i++) {
            // codes 0..2 only, as the I2_S quantizer writes them
            int b = 0;
            for (int c = 0; c < 4; c++) {
                b = (b << 2) | random.nextInt(3);
            }
            data.set(ValueLayout.JAVA_BYTE, i, (byte) b);
        }
        data.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), (long) k * m / 4, 0.7f);
        kernel = new VectorKernel(threads, nativeI2s);
        // As the model does at load: the kernel may repack into a layout of its own.
        weights = kernel.prepare(Weights.of("bench", WeightFormat.I2_S, k, m, data), arena);
        // Two inputs in turn: a kernel may keep what it derives from the activations for the next
        // product on the same ones (Q, K, V), which a single input would hide from the measurement.
        x = new float[2][tokens * k];
        q = new QuantizedActivations[2];
        for (int j = 0; j < 2; j++) {
            for (int i = 0; i < tokens * k; i++) {
                x[j][i] = (float) random.nextGaussian();
            }
            q[j] = new QuantizedActivations(k, tokens);
            kernel.quantize(x[j], tokens, k, q[j]);
        }
        y = new float[tokens * m];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernel.close();
        arena.close();
    }

    @Benchmark
    public float fullOp() {
        int j = call++ & 1;
        kernel.quantize(x[j], tokens, x[j].length / tokens, q[j]);
        kernel.ternaryMatmul(weights, q[j], y);
        return y[0];
    }

    @Benchmark
    public float kernelOnly() {
        kernel.ternaryMatmul(weights, q[call++ & 1], y);
        return y[0];
    }
}
