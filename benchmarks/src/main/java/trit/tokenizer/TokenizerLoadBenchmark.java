package trit.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import trit.api.tokenizer.Tokenizer;

/**
 * Cold load of the 128256-token LLaMA-3 {@code tokenizer.json} (9 MB, 280147 merges): one load
 * per fresh JVM, as {@code trit tokenize} or the first model load meets it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 10, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TokenizerLoadBenchmark {

    @Benchmark
    public Tokenizer coldLoad() throws IOException {
        return Tokenizers.open(Path.of(System.getProperty("trit.shared", "../shared")).resolve("vocab/llama3/tokenizer.json"));
    }
}
