package trit.bitnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import trit.gguf.GgufFile;
import trit.kernels.ScalarKernel;
import trit.kernels.VectorKernel;

/** A prompt evaluated in batches gives the very bits that token-by-token evaluation gives. */
class PrefillTest {

    @TempDir
    static Path dir;
    private static VectorKernel vector;
    private static ScalarKernel scalar;

    @BeforeAll
    static void kernels() {
        vector = new VectorKernel(2);
        scalar = new ScalarKernel(1);
    }

    @AfterAll
    static void close() {
        vector.close();
        scalar.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bitnet", "bitnet-b1.58"})
    void batchesGiveTheBitsOfSingleSteps(String arch) throws IOException {
        // bitnet: SiLU, no GQA; bitnet-b1.58: ReLU², 2 KV heads for 4 heads.
        SyntheticModel shape = new SyntheticModel("prefill-" + arch, arch, 256, 2, 4, arch.equals("bitnet") ? 4 : 2, 512,
                1024, 512);
        Path file = dir.resolve(arch + ".gguf");
        shape.write(file, 3);
        assertPrefillGivesTheBitsOfSteps(file, 1024);
    }

    @Test
    void batchesOfAPaddedFfnWidthGiveTheBitsOfSingleSteps() throws IOException {
        // bitnet_b1_58-3B-style: an FFN width (320) that is not a multiple of 128, F16 weights padded at load.
        RandomModel model = new RandomModel(9, "bitnet", 256, 2, 4, 4, 320, 384, 64, trit.gguf.GgmlType.F16,
                trit.gguf.GgmlType.F16, false);
        Path file = dir.resolve("padded.gguf");
        model.write(file);
        assertPrefillGivesTheBitsOfSteps(file, 384);
    }

    private static void assertPrefillGivesTheBitsOfSteps(Path file, int vocabulary) throws IOException {
        int[] prompt = new SplittableRandom(4).ints(77, 3, vocabulary).toArray(); // two full batches and a partial one
        try (GgufFile gguf = GgufFile.open(file); BitnetModel model = BitnetModel.load(gguf)) {
            for (var kernel : new trit.api.kernel.TernaryKernel[] {vector, scalar}) {
                ForwardPass pass = new ForwardPass(model, () -> kernel);
                try (Session stepped = new Session(model.config(), 128); Session batched = new Session(model.config(), 128)) {
                    float[] expected = null;
                    for (int t : prompt) {
                        expected = pass.step(stepped, t).clone();
                    }
                    float[] actual = pass.prefill(batched, prompt);
                    assertArrayEquals(expected, actual, kernel.name() + ": logits after the prompt");
                    assertEquals(prompt.length, batched.position());
                    // The KV caches are the same too: the next steps agree.
                    for (int t = 0; t < 5; t++) {
                        assertArrayEquals(pass.step(stepped, 7 + t), pass.step(batched, 7 + t).clone(), "step " + t);
                    }
                }
            }
        }
    }

    @Test
    void aPromptBeyondTheContextIsRefusedBeforeAnyWork() throws IOException {
        Path file = dir.resolve("demo.gguf");
        SyntheticModel.DEMO.write(file, 1);
        try (GgufFile gguf = GgufFile.open(file); BitnetModel model = BitnetModel.load(gguf);
             Session session = new Session(model.config(), 16)) {
            ForwardPass pass = new ForwardPass(model, () -> vector);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pass.prefill(session, new int[17]));
            assertEquals("the context of 16 tokens is full", e.getMessage());
            assertEquals(0, session.position());
        }
    }
}
