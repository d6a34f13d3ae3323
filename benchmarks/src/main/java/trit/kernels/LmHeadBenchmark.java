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

import trit.api.kernel.WeightFormat;
import trit.api.kernel.Weights;

/** The tied F16 LM head for one token: vocabulary × n_embd, bandwidth-bound. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class LmHeadBenchmark {

    /** vocabulary (M) × n_embd (K). */
    @Param({"32000x1536", "128256x2560"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private VectorKernel kernel;
    private Weights weights;
    private float[] x;
    private float[] y;

    @Setup(Level.Trial)
    public void setUp() {
        int m = Integer.parseInt(shape.split("x")[0]);
        int k = Integer.parseInt(shape.split("x")[1]);
        arena = Arena.ofShared();
        Random random = new Random(42);
        MemorySegment data = arena.allocate(2L * k * m, 64);
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        long state = 42;
        for (long i = 0; i < (long) k * m; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L; // fast: 328 M values for the big head
            data.set(half, 2 * i, (short) ((state >>> 48) & 0xABFF)); // finite halves of either sign below 1
        }
        weights = Weights.of("token_embd.weight", WeightFormat.F16, k, m, data);
        kernel = new VectorKernel(threads);
        x = new float[k];
        for (int i = 0; i < k; i++) {
            x[i] = (float) random.nextGaussian();
        }
        y = new float[m];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernel.close();
        arena.close();
    }

    @Benchmark
    public float logits() {
        kernel.floatMatmul(weights, x, 1, y);
        return y[0];
    }
}
