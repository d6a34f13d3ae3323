package trit.bitnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import trit.gguf.GgufFile;
import trit.kernels.VectorKernel;

/**
 * The engine against bitnet.cpp on {@code ../shared/reference/tiny}: prompt 0 evaluated token by
 * token (the reference's {@code seq} mode), then 32 greedy tokens.
 */
class ReferenceLogitsTest {

    private static final Path TINY = Path.of("../../../shared/reference/tiny");
    private static VectorKernel kernel;
    private static JsonNode reference;

    @BeforeAll
    static void load() throws IOException {
        if (!(Files.isRegularFile(TINY.resolve("reference.json")) && Files.isRegularFile(TINY.resolve("tiny-i2s.gguf")))) {
            System.out.println("SKIPPED: bitnet.cpp's reference files are missing under " + TINY.toAbsolutePath());
        }
        assumeTrue(Files.isRegularFile(TINY.resolve("reference.json")) && Files.isRegularFile(TINY.resolve("tiny-i2s.gguf")),
                "skipped: bitnet.cpp's reference files are missing under " + TINY.toAbsolutePath());
        reference = new ObjectMapper().readTree(TINY.resolve("reference.json").toFile());
        kernel = new VectorKernel(2);
    }

    @AfterAll
    static void close() {
        if (kernel != null) {
            kernel.close();
        }
    }

    @Test
    void tinyI2sMatchesBitnetCppTokenByToken() throws IOException {
        JsonNode run = reference.path("runs").path("tiny-i2s").path("seq").path("prompts").get(0);
        try (GgufFile gguf = GgufFile.open(TINY.resolve("tiny-i2s.gguf")); BitnetModel model = BitnetModel.load(gguf)) {
            ForwardPass pass = new ForwardPass(model, () -> kernel);
            Session session = new Session(model.config(), 256);
            int[] prompt = ints(run.path("prompt_ids"));
            Stats stats = new Stats();
            float[] logits = null;
            for (int i = 0; i < prompt.length; i++) {
                logits = pass.step(session, prompt[i]);
                stats.compareTop10(logits, run.path("prompt_positions_top10").get(i), "prompt position " + i);
            }
            stats.compareTop10(logits, run.path("final_prompt_logits_top10"), "final prompt logits");

            // The full logits are raw float32: they must be bitnet.cpp's bits, all 32000 of them.
            float[] full = readLogits(TINY.resolve("logits/tiny-i2s-seq-p0.f32"));
            double maxDiff = 0;
            for (int t = 0; t < full.length; t++) {
                maxDiff = Math.max(maxDiff, Math.abs(full[t] - logits[t]));
                assertEquals(Float.floatToIntBits(full[t]), Float.floatToIntBits(logits[t]),
                        "final prompt logit of token " + t + ": " + logits[t] + ", bitnet.cpp " + full[t]);
            }

            // Greedy generation. The issue allows stopping at the first step whose reference top-1/top-2
            // margin is below 0.02 (summation order could decide there); the engine follows bitnet.cpp's
            // order, so all 32 tokens must match, and every top-10 logit of every step.
            int[] expectedIds = ints(run.path("generated_ids"));
            int next = argmax(logits);
            for (int step = 0; step < expectedIds.length; step++) {
                assertEquals(expectedIds[step], next, "generated token " + step);
                if (step == expectedIds.length - 1) {
                    break;
                }
                logits = pass.step(session, next);
                stats.compareTop10(logits, run.path("generation_steps_top10").get(step), "generation step " + step);
                next = argmax(logits);
            }
            System.out.printf("tiny-i2s seq: %d top-10 logits (6 prompt positions, 31 generation steps), max |Δ| %.2e;"
                    + " full final prompt logits max |Δ| %.2e; 32 greedy ids equal%n", stats.total, stats.maxDiff, maxDiff);
        }
    }

    /**
     * The criterion 3, second half: the independent test reference ({@link ReferenceForward}),
     * run in float mode on {@code tiny-f32} (linear weights as stored, no int8 activations), against
     * bitnet.cpp's F32 run: every top-10 logit within 0.002 at every prompt position and
     * generation step (the reference sums in double where ggml sums in float).
     */
    @Test
    void theTestReferenceInFloatModeAgreesWithBitnetCppsF32Run() throws IOException {
        JsonNode run = reference.path("runs").path("tiny-f32").path("seq").path("prompts").get(0);
        try (GgufFile gguf = GgufFile.open(unpackedTinyF32())) {
            ReferenceForward forward = ReferenceForward.read(gguf, false);
            int[] prompt = ints(run.path("prompt_ids"));
            int[] generated = ints(run.path("generated_ids"));
            ReferenceForward.State state = forward.new State(prompt.length + generated.length);
            double max = 0;
            for (int i = 0; i < prompt.length; i++) {
                max = Math.max(max, maxTop10Diff(forward.step(state, prompt[i]), run.path("prompt_positions_top10").get(i),
                        "prompt position " + i));
            }
            for (int step = 0; step < generated.length - 1; step++) {
                max = Math.max(max, maxTop10Diff(forward.step(state, generated[step]),
                        run.path("generation_steps_top10").get(step), "generation step " + step));
            }
            System.out.printf("test reference, float mode, tiny-f32: top-10 logits max |Δ| %.2e over %d positions%n",
                    max, prompt.length + generated.length - 1);
        }
    }

    private static double maxTop10Diff(float[] logits, JsonNode top10, String where) {
        double max = 0;
        for (JsonNode entry : top10) {
            double diff = Math.abs(logits[entry.get(0).asInt()] - entry.get(1).asDouble());
            assertTrue(diff <= 0.002, where + ": token " + entry.get(0).asInt() + " logit " + logits[entry.get(0).asInt()]
                    + ", bitnet.cpp " + entry.get(1).asDouble());
            max = Math.max(max, diff);
        }
        return max;
    }

    private static Path unpackedTinyF32() throws IOException {
        Path gz = TINY.resolve("tiny-f32.gguf.gz");
        if (!(Files.isRegularFile(gz))) {
            System.out.println("SKIPPED: " + gz + " is missing");
        }
        assumeTrue(Files.isRegularFile(gz), "skipped: " + gz + " is missing");
        Path f32 = Path.of("target/tiny-f32.gguf");
        if (!Files.isRegularFile(f32)) {
            Files.createDirectories(f32.getParent());
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                Files.copy(in, f32, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return f32;
    }

    @Test
    void floatWeightsPackedAtLoadGiveTheSameLogitsBitForBit() throws IOException {
        Path f32 = unpackedTinyF32();
        int[] prompt = ints(reference.path("runs").path("tiny-i2s").path("seq").path("prompts").get(0).path("prompt_ids"));
        try (GgufFile i2sFile = GgufFile.open(TINY.resolve("tiny-i2s.gguf")); GgufFile f32File = GgufFile.open(f32);
             BitnetModel i2s = BitnetModel.load(i2sFile); BitnetModel packed = BitnetModel.load(f32File)) {
            Session a = new Session(i2s.config(), 64);
            Session b = new Session(packed.config(), 64);
            ForwardPass passA = new ForwardPass(i2s, () -> kernel);
            ForwardPass passB = new ForwardPass(packed, () -> kernel);
            for (int i = 0; i < prompt.length; i++) {
                float[] la = passA.step(a, prompt[i]);
                float[] lb = passB.step(b, prompt[i]);
                for (int t = 0; t < la.length; t++) {
                    if (Float.floatToIntBits(la[t]) != Float.floatToIntBits(lb[t])) {
                        throw new AssertionError("position " + i + " token " + t + ": I2_S " + la[t] + ", packed F32 " + lb[t]);
                    }
                }
            }
        }
    }

    /**
     * Compares the engine's logits with the reference's top-10 entries: the same top-1, every
     * entry within 1e-4 (the issue asks for 0.01 everywhere and 1e-4 at most entries; the engine
     * computes bitnet.cpp's float operations in its order, so the logits are its bits, but the
     * reference prints them as decimals).
     */
    private static final class Stats {
        int total;
        double maxDiff;

        void compareTop10(float[] logits, JsonNode top10, String where) {
            assertEquals(top10.get(0).get(0).asInt(), argmax(logits), where + ": top-1 token");
            for (JsonNode entry : top10) {
                double diff = Math.abs(logits[entry.get(0).asInt()] - entry.get(1).asDouble());
                assertTrue(diff <= 1e-4, where + ": token " + entry.get(0).asInt() + " logit " + logits[entry.get(0).asInt()]
                        + ", reference " + entry.get(1).asDouble());
                total++;
                maxDiff = Math.max(maxDiff, diff);
            }
        }
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i; // the first index wins a tie, as in the reference
            }
        }
        return best;
    }

    private static int[] ints(JsonNode array) {
        int[] v = new int[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asInt();
        }
        return v;
    }

    private static float[] readLogits(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(v);
        return v;
    }
}
