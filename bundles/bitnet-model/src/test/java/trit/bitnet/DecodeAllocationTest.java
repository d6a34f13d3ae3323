package trit.bitnet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import trit.gguf.GgmlType;
import trit.gguf.GgufFile;
import trit.kernels.VectorKernel;

/**
 * Decoding allocates nothing once C2 has compiled it. A Vector API value that reaches a call C2
 * does not inline is boxed, one object per call, and that is invisible in every other test: the
 * numbers stay right, only the speed drops (it happened to ggml's exp, 1.3 MB per LARGE token, to
 * the ternary kernel's lane-shift helper, 222 kB per token of this model, and to its widening
 * helper, ~26 MB per B2 token).
 * Rounds of tokens run until one allocates (almost) nothing; boxing never gets there.
 */
class DecodeAllocationTest {

    private static final int TOKENS_PER_ROUND = 100;
    /** What a round may allocate per token: a stray object or two, never a vector per call. */
    private static final double BYTES_PER_TOKEN = 64;
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(90);

    @TempDir
    Path dir;

    @Test
    void aDecodedTokenAllocatesNothingOnceCompiled() throws IOException {
        // SiLU (exp), positions past 64 (attention's partial sums), I2_S (the triplet kernel where
        // the CPU has it), an F16 LM head: every per-token path of the decode.
        RandomModel reference = new RandomModel(11, "bitnet", 256, 2, 4, 4, 512, 384, 64, GgmlType.I2_S, GgmlType.F16,
                false);
        Path file = dir.resolve("alloc.gguf");
        reference.write(file);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        VectorKernel kernel = new VectorKernel(1); // one thread: the products run on this thread, whose allocations are counted
        try (GgufFile gguf = GgufFile.open(file); BitnetModel model = BitnetModel.load(gguf);
             Session session = new Session(model.config(), TOKENS_PER_ROUND + 1)) {
            ForwardPass pass = new ForwardPass(model, () -> kernel);
            long deadline = System.nanoTime() + PATIENCE_NANOS;
            double perToken;
            int rounds = 0;
            do {
                session.reset();
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < TOKENS_PER_ROUND; i++) {
                    pass.step(session, (7 * i + rounds) % 384);
                }
                perToken = (double) (threads.getCurrentThreadAllocatedBytes() - before) / TOKENS_PER_ROUND;
                rounds++;
            } while (perToken > BYTES_PER_TOKEN && System.nanoTime() < deadline);
            System.out.printf("decode allocation: %.1f bytes per token after %d rounds of %d tokens%n", perToken,
                    rounds, TOKENS_PER_ROUND);
            assertTrue(perToken <= BYTES_PER_TOKEN, "a decoded token still allocates " + perToken + " bytes after "
                    + rounds + " rounds of " + TOKENS_PER_ROUND + " tokens: some vector is boxed");
        } finally {
            kernel.close();
        }
    }
}
