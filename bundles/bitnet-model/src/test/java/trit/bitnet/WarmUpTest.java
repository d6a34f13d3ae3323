package trit.bitnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import trit.gguf.GgufFile;
import trit.gguf.GgufFormatException;
import trit.kernels.VectorKernel;

/** The warm-up runs the model until the compiler is done and leaves its session as it found it. */
class WarmUpTest {

    @TempDir
    static Path dir;
    private static VectorKernel kernel;
    private static GgufFile gguf;
    private static BitnetModel model;

    @BeforeAll
    static void load() throws IOException {
        kernel = new VectorKernel(2);
        Path file = dir.resolve("warm.gguf");
        new SyntheticModel("warm", "bitnet-b1.58", 256, 2, 4, 2, 512, 1024, 512).write(file, 5);
        gguf = GgufFile.open(file);
        model = BitnetModel.load(gguf);
    }

    @AfterAll
    static void close() {
        model.close();
        gguf.close();
        kernel.close();
    }

    @Test
    void runsUntilTheCompilerIsDoneAndLeavesTheSessionAsNew() {
        int[] prompt = {1, 17, 300, 42, 999, 5};
        float[] fresh;
        try (Session s = new Session(model.config(), 128)) {
            fresh = new ForwardPass(model, () -> kernel).prefill(s, prompt);
        }
        try (Session s = new Session(model.config(), 128)) {
            ForwardPass pass = new ForwardPass(model, () -> kernel);
            WarmUp.Result result = WarmUp.run(pass, s, model.config().vocabulary(), Duration.ofSeconds(60), () -> false);
            assertTrue(result.settled(), "the compiler should go quiet on a small model within a minute: " + result);
            assertTrue(result.rounds() >= 4, "at least four prompts: " + result);
            assertEquals(0, s.position(), "the session is reset after the warm-up");
            assertArrayEquals(fresh, pass.prefill(s, prompt), "the warm-up leaves nothing behind in the session");
        }
    }

    @Test
    void stopsAtItsTimeLimit() {
        try (Session s = new Session(model.config(), 128)) {
            WarmUp.Result result = WarmUp.run(new ForwardPass(model, () -> kernel), s, model.config().vocabulary(),
                    Duration.ZERO, () -> false);
            assertFalse(result.settled());
            assertEquals(0, result.rounds());
            assertEquals(0, s.position());
        }
    }

    @Test
    void endsAtOnceWhenTheModelIsNoLongerWanted() {
        try (Session s = new Session(model.config(), 128)) {
            int[] asked = {0};
            WarmUp.Result result = WarmUp.run(new ForwardPass(model, () -> kernel), s, model.config().vocabulary(),
                    Duration.ofSeconds(60), () -> ++asked[0] > 2);
            assertFalse(result.settled());
            assertEquals(2, result.rounds(), "two prompts, then abandoned: " + result);
            assertEquals(0, s.position());
        }
    }

    @Test
    void refusesASessionTooShortForItsPrompts() {
        try (Session s = new Session(model.config(), WarmUp.CONTEXT - 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> WarmUp.run(new ForwardPass(model, () -> kernel), s, model.config().vocabulary(), Duration.ZERO, () -> false));
            assertEquals("a warm-up needs a context of " + WarmUp.CONTEXT + " positions, the session holds "
                    + (WarmUp.CONTEXT - 1), e.getMessage());
        }
    }

    @Test
    void paysForRealModelSizesOnly() throws GgufFormatException {
        assertTrue(WarmUp.worthwhile(config(SyntheticModel.LARGE)), "bitnet_b1_58-large");
        assertTrue(WarmUp.worthwhile(config(SyntheticModel.B2)), "the 2B-4T body");
        assertFalse(WarmUp.worthwhile(config(SyntheticModel.DEMO)), "the demo model");
        assertFalse(WarmUp.worthwhile(model.config()), "this test's model");
    }

    private static ModelConfig config(SyntheticModel shape) throws GgufFormatException {
        return new ModelConfig(Architecture.of(shape.architecture()), shape.embedding(), shape.layers(), shape.heads(),
                shape.kvHeads(), shape.feedForward(), shape.contextLength(), shape.vocabulary(), 1e-5f, 10000f,
                shape.embedding() / shape.heads());
    }
}
