package trit.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Warmup;

import trit.api.tokenizer.Tokenizer;

/**
 * Encode and decode throughput on 1 MB of mixed text (English prose, code, CJK, emoji) with
 * random numbers and identifiers mixed in, so the word cache does not carry the measurement.
 * MB/s = {@link #MEGABYTE} / time per op. Reads the vocabularies from {@code -Dtrit.shared}
 * (default {@code ../shared}, i.e. run from the project root).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TokenizerBenchmark {

    static final int MEGABYTE = 1 << 20;

    @Param({"llama3", "llama-spm"})
    public String vocabulary;

    private Tokenizer tokenizer;
    private String text;
    private int[] tokens;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path shared = Path.of(System.getProperty("trit.shared", "../shared"));
        tokenizer = Tokenizers.open(vocabulary.equals("llama3")
                ? shared.resolve("vocab/llama3/tokenizer.json")
                : shared.resolve("vocab/llama-spm/ggml-vocab-llama-spm.gguf"));
        text = mixedText(MEGABYTE);
        tokens = tokenizer.encode(text, false, false);
    }

    static String mixedText(int bytes) {
        String[] prose = {"The quick brown fox jumps over the lazy dog. ", "Ternary weights take the values minus one, zero and one. ",
            "In 1969, 384 people watched the launch from the beach. ", "She didn't know whether they'd arrive before noon. "};
        String[] code = {"for (int i = 0; i < n; i++) {\n    sum += a[i] * b[i];\n}\n", "def f(x):\n    return x * x + 1\n",
            "if (err != nil) {\n\treturn fmt.Errorf(\"read %s: %w\", path, err)\n}\n"};
        Random random = new Random(1);
        StringBuilder s = new StringBuilder();
        while (s.toString().getBytes(StandardCharsets.UTF_8).length < bytes) {
            for (int block = 0; block < 64; block++) {
                switch (random.nextInt(5)) {
                    case 0, 1 -> s.append(prose[random.nextInt(prose.length)]).append("item ").append(random.nextInt(1_000_000)).append(". ");
                    case 2 -> s.append(code[random.nextInt(code.length)]).append("var_").append(Long.toString(random.nextLong() >>> 40, 36)).append(" = 0;\n");
                    case 3 -> {
                        for (int i = 0; i < 12; i++) {
                            s.appendCodePoint(0x4E00 + random.nextInt(0x5000));
                        }
                        s.append("。");
                    }
                    default -> s.append(" 🙂👍🏽 👩‍👩‍👧 ").appendCodePoint(0x1F600 + random.nextInt(64)).append('\n');
                }
            }
        }
        return s.toString();
    }

    @Benchmark
    public int[] encode() {
        return tokenizer.encode(text, false, false);
    }

    @Benchmark
    public String decode() {
        return tokenizer.decode(tokens);
    }
}
