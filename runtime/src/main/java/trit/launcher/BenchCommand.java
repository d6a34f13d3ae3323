package trit.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

import trit.api.kernel.TernaryKernel;
import trit.bitnet.BitnetModel;
import trit.bitnet.ForwardPass;
import trit.bitnet.Session;
import trit.bitnet.SyntheticModel;
import trit.gguf.GgufFile;
import trit.kernels.VectorKernel;
import trit.launcher.Main.LaunchException;

/**
 * {@code trit bench}: llama-bench's measurements for a model file: prompt processing (ppN, the
 * prompt evaluated from an empty context) and generation (tgN, tokens generated one at a time)
 * in tokens/s, per thread count, after a warm-up, as the median (and range) of repetitions; the
 * peak RSS, the CPU, and the weight bytes each decoded token reads with the bandwidth that
 * achieves beside the machine's own read bandwidth. {@code --make-model} writes the synthetic
 * models the benchmark is recorded on.
 */
final class BenchCommand {

    static final String USAGE = """
            Usage: runtime/trit bench --model FILE [--threads 1,2] [--pp 128,512] [--tg 64] [--reps 3] [--no-native] [--json]
                   runtime/trit bench --make-model large|b2|demo --out FILE [--seed N]
            """;

    /** @param nativeI2s whether the vector kernel may use its native I2_S product (AVX2 CPUs only) */
    record Options(Path model, int[] threads, int[] pp, int tg, int reps, boolean nativeI2s, boolean json, String makeModel,
                   Path out, long seed) {

        static Options parse(String[] args) {
            ToolArgs tool = new ToolArgs("bench", args);
            Path model = null;
            Path out = null;
            String make = null;
            int[] threads = {1, 2};
            int[] pp = {128, 512};
            int tg = 64;
            int reps = 3;
            boolean json = false;
            boolean nativeI2s = true;
            long seed = 1;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--model" -> model = Path.of(tool.value(++i));
                    case "--threads" -> threads = list(tool, ++i, 1, 256);
                    case "--pp" -> pp = list(tool, ++i, 1, 1 << 16);
                    case "--tg" -> tg = tool.number(++i, 1, 1 << 16);
                    case "--reps" -> reps = tool.number(++i, 1, 100);
                    case "--json" -> json = true;
                    case "--no-native" -> nativeI2s = false;
                    case "--make-model" -> make = tool.value(++i);
                    case "--out" -> out = Path.of(tool.value(++i));
                    case "--seed" -> seed = tool.number(++i, 0, Integer.MAX_VALUE);
                    default -> throw tool.usage("unknown option '" + a + "'");
                }
            }
            if (make != null) {
                if (out == null) {
                    throw tool.usage("--make-model needs --out FILE");
                }
                try {
                    SyntheticModel.named(make);
                } catch (IllegalArgumentException e) {
                    throw tool.usage(e.getMessage());
                }
            } else if (model == null) {
                throw tool.usage("--model FILE (or --make-model SHAPE --out FILE) is required");
            }
            return new Options(model, threads, pp, tg, reps, nativeI2s, json, make, out, seed);
        }

        private static int[] list(ToolArgs tool, int i, int min, int max) {
            String text = tool.value(i);
            try {
                int[] values = Arrays.stream(text.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
                if (values.length > 0 && Arrays.stream(values).allMatch(v -> v >= min && v <= max)) {
                    return values;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw tool.usage("expected comma-separated numbers from " + min + " to " + max + ", was '" + text + "'");
        }
    }

    /** One measurement: tokens/s of each repetition. */
    record Result(String test, int threads, double[] tokensPerSecond) {
        double median() {
            double[] s = tokensPerSecond.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }

        double min() {
            return Arrays.stream(tokensPerSecond).min().orElse(0);
        }

        double max() {
            return Arrays.stream(tokensPerSecond).max().orElse(0);
        }
    }

    private final Options options;
    private final PrintStream out;

    BenchCommand(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    int run() {
        try {
            if (options.makeModel() != null) {
                SyntheticModel shape = SyntheticModel.named(options.makeModel());
                long start = System.nanoTime();
                shape.write(options.out(), options.seed());
                System.err.printf("wrote %s (%s: n_embd %d, %d layers, n_ff %d, vocabulary %d) in %.1f s, %d MiB%n",
                        options.out(), shape.name(), shape.embedding(), shape.layers(), shape.feedForward(),
                        shape.vocabulary(), (System.nanoTime() - start) / 1e9, Files.size(options.out()) >> 20);
                return 0;
            }
            if (!Files.isRegularFile(options.model())) {
                throw new LaunchException("bench: no model file at " + options.model(), null);
            }
            return bench();
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new LaunchException("bench: " + e.getMessage(), e);
        }
    }

    private int bench() throws IOException {
        List<Result> results = new ArrayList<>();
        List<double[]> bandwidth = new ArrayList<>();
        long bytesPerToken;
        String cpu = cpuModel();
        int simd;
        boolean nativeI2s = false;
        try (GgufFile gguf = GgufFile.open(options.model()); BitnetModel model = BitnetModel.load(gguf)) {
            int maxPp = Arrays.stream(options.pp()).max().orElse(0);
            int context = Math.max(maxPp, options.tg() + 1);
            ToolArgs.warnBeyondTrainedContext("bench", model.config(), context);
            try (Session session = new Session(model.config(), context)) {
                bytesPerToken = 0;
                simd = 0;
                for (int threads : options.threads()) {
                    VectorKernel kernel = new VectorKernel(threads, options.nativeI2s());
                    try {
                        simd = kernel.simdBits();
                        nativeI2s = kernel.nativeI2s();
                        bytesPerToken = model.weightBytesPerToken(kernel);
                        ForwardPass pass = new ForwardPass(model, () -> kernel);
                        for (int n : options.pp()) {
                            results.add(measure("pp" + n, threads, () -> prompt(pass, session, n, model.config().vocabulary())));
                        }
                        results.add(measure("tg" + options.tg(), threads, () -> generate(pass, session, options.tg())));
                    } finally {
                        kernel.close();
                    }
                }
            }
        }
        String peak = EvalCommand.memory(); // before the bandwidth test's gigabyte
        for (int threads : options.threads()) {
            bandwidth.add(new double[] {threads, readBandwidth(threads)});
        }
        print(results, bandwidth, bytesPerToken, cpu, simd, nativeI2s, peak);
        return 0;
    }

    private interface Timed {
        /** Runs once; returns the nanoseconds of the measured part. */
        long run();
    }

    /** One warm-up, then the repetitions; tokens/s from each. */
    private Result measure(String test, int threads, Timed body) {
        int tokens = Integer.parseInt(test.substring(2));
        body.run();
        double[] rates = new double[options.reps()];
        for (int r = 0; r < rates.length; r++) {
            rates[r] = tokens / (body.run() / 1e9);
        }
        Result result = new Result(test, threads, rates);
        System.err.printf(Locale.ROOT, "%-6s t%-2d %8.2f tok/s (%.2f .. %.2f)%n", test, threads, result.median(),
                result.min(), result.max());
        return result;
    }

    /** Evaluates n prompt tokens from an empty context, in batches as a generation's prompt is. */
    private static long prompt(ForwardPass pass, Session session, int n, int vocabulary) {
        SplittableRandom random = new SplittableRandom(n);
        int[] tokens = random.ints(n, 3, vocabulary).toArray();
        session.reset();
        long start = System.nanoTime();
        pass.prefill(session, tokens);
        return System.nanoTime() - start;
    }

    /** Generates n tokens greedily after one prompt token, as llama-bench's tg does. */
    private static long generate(ForwardPass pass, Session session, int n) {
        session.reset();
        float[] logits = pass.step(session, 1);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            logits = pass.step(session, EvalCommand.argmax(logits));
        }
        return System.nanoTime() - start;
    }

    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    private static volatile long sink;

    /** Read bandwidth of this machine, GB/s: threads summing disjoint parts of 1 GiB, best of 3. */
    static double readBandwidth(int threads) {
        long size = 1L << 30;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(size, 64);
            data.fill((byte) 1);
            double best = 0;
            for (int rep = 0; rep < 3; rep++) {
                long[] sinks = new long[threads];
                CountDownLatch done = new CountDownLatch(threads);
                long start = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    Thread.ofPlatform().start(() -> {
                        long part = size / threads;
                        sinks[id] = sum(data, id * part, part);
                        done.countDown();
                    });
                }
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return best;
                }
                best = Math.max(best, size / ((System.nanoTime() - start) / 1e9) / 1e9);
                sink += Arrays.stream(sinks).sum(); // a published result: the JIT cannot drop the reads
            }
            return best;
        }
    }

    private static long sum(MemorySegment data, long from, long bytes) {
        LongVector acc = LongVector.zero(L);
        long step = L.vectorByteSize();
        for (long off = from; off < from + bytes; off += step) {
            acc = acc.add(LongVector.fromMemorySegment(L, data, off, ByteOrder.LITTLE_ENDIAN));
        }
        return acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    private void print(List<Result> results, List<double[]> bandwidth, long bytesPerToken, String cpu, int simd,
                       boolean nativeI2s, String peak) {
        if (options.json()) {
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            root.put("model", options.model().toString());
            root.put("cpu", cpu);
            root.put("simd_bits", simd);
            root.put("native_i2s", nativeI2s);
            root.put("weight_bytes_per_token", bytesPerToken);
            root.put("memory", peak);
            ArrayNode list = root.putArray("results");
            for (Result r : results) {
                ObjectNode o = list.addObject();
                o.put("test", r.test()).put("threads", r.threads()).put("tokens_per_second", r.median())
                        .put("min", r.min()).put("max", r.max());
                ArrayNode reps = o.putArray("repetitions");
                Arrays.stream(r.tokensPerSecond()).forEach(reps::add);
            }
            ArrayNode bw = root.putArray("read_bandwidth_gbps");
            for (double[] b : bandwidth) {
                bw.addObject().put("threads", (int) b[0]).put("gbps", b[1]);
            }
            out.println(root);
            return;
        }
        out.printf(Locale.ROOT, "model: %s%ncpu: %s (%d-bit SIMD%s)%nweights read per token: %.1f MiB%n",
                options.model().getFileName(), cpu, simd, nativeI2s ? ", I2_S products in native AVX2 code" : "",
                bytesPerToken / 1048576.0);
        out.printf(Locale.ROOT, "| %-6s | %7s | %12s | %17s |%n", "test", "threads", "tokens/s", "range");
        out.println("|--------|---------|--------------|-------------------|");
        for (Result r : results) {
            out.printf(Locale.ROOT, "| %-6s | %7d | %12.2f | %7.2f .. %7.2f |%n", r.test(), r.threads(), r.median(),
                    r.min(), r.max());
        }
        for (Result r : results) {
            if (r.test().startsWith("tg")) {
                double achieved = bytesPerToken * r.median() / 1e9;
                double machine = bandwidth.stream().filter(b -> b[0] == r.threads()).mapToDouble(b -> b[1]).findFirst()
                        .orElse(0);
                out.printf(Locale.ROOT, "%s t%d reads %.1f GB/s of weights; this machine reads %.1f GB/s with %d thread(s)%n",
                        r.test(), r.threads(), achieved, machine, r.threads());
            }
        }
        out.println(peak);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(System.getProperty("os.arch"));
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }
}
