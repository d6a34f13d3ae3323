package trit.bitnet.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import trit.api.chat.FinishReason;
import trit.api.tokenizer.Tokenizer;
import trit.bitnet.BitnetModel;
import trit.bitnet.ForwardPass;
import trit.bitnet.Session;
import trit.bitnet.SyntheticModel;
import trit.bitnet.sampling.Sampler;
import trit.bitnet.sampling.SamplerSettings;
import trit.gguf.GgufFile;
import trit.kernels.VectorKernel;
import trit.tokenizer.Tokenizers;

/** The generation loop on the demo model, against a plain loop of forward steps and argmax. */
class TokenGeneratorTest {

    @TempDir
    static Path dir;
    private static VectorKernel kernel;
    private static GgufFile gguf;
    private static BitnetModel model;
    private static Tokenizer tokenizer;
    private static ForwardPass forward;

    @BeforeAll
    static void load() throws IOException {
        Path file = dir.resolve("demo.gguf");
        SyntheticModel.DEMO.write(file, 5);
        kernel = new VectorKernel(1);
        gguf = GgufFile.open(file);
        model = BitnetModel.load(gguf);
        tokenizer = Tokenizers.fromGguf(gguf);
        forward = new ForwardPass(model, () -> kernel);
    }

    @AfterAll
    static void close() {
        model.close();
        gguf.close();
        kernel.close();
    }

    private static Sampler greedy() {
        return Sampler.create(new SamplerSettings(0, 0, 1, 0, 1, 0, 0, 64, 0), model.config().vocabulary());
    }

    /** Greedy tokens computed step by step, stopping at EOS like the generator. */
    private static List<Integer> reference(int[] prompt, int max) {
        List<Integer> out = new ArrayList<>();
        try (Session s = new Session(model.config(), 256)) {
            float[] logits = null;
            for (int t : prompt) {
                logits = forward.step(s, t);
            }
            for (int i = 0; i < max; i++) {
                int best = 0;
                for (int v = 1; v < logits.length; v++) {
                    if (logits[v] > logits[best]) {
                        best = v;
                    }
                }
                out.add(best);
                if (tokenizer.specialTokens().isEndOfGeneration(best)) {
                    break;
                }
                logits = forward.step(s, best);
            }
        }
        return out;
    }

    @Test
    void theDemoVocabularySpellsItsWordsAsWholePieces() {
        int[] ids = tokenizer.encode("the quiet river", true, false);
        assertEquals(4, ids.length, java.util.Arrays.toString(ids));
        assertEquals("\u2581river", tokenizer.piece(ids[3]));
        assertEquals("the quiet river", tokenizer.decode(ids));
    }

    @Test
    void greedyGenerationIsTheArgmaxOfEachStepAndStreamsItsText() {
        int[] prompt = tokenizer.encode("the river is quiet", true, false);
        List<Integer> expected = reference(prompt, 24);
        StringBuilder streamed = new StringBuilder();
        TokenGenerator.Outcome outcome;
        try (Session s = new Session(model.config(), 256)) {
            outcome = new TokenGenerator(forward, tokenizer).generate(s, prompt, greedy(), new StopStrings(List.of()), 24,
                    () -> false, streamed::append);
        }
        // A continuation keeps the space its first piece begins with (decode() would drop it at a text's start).
        trit.api.tokenizer.StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        StringBuilder text = new StringBuilder();
        expected.stream().filter(t -> !tokenizer.specialTokens().isEndOfGeneration(t)).forEach(t -> text.append(decoder.next(t)));
        text.append(decoder.flush());
        assertEquals(text.toString(), outcome.text());
        assertEquals(outcome.text(), streamed.toString());
        assertEquals(prompt.length, outcome.promptTokens());
        assertEquals(expected.size(), outcome.completionTokens());
        boolean endedByEos = tokenizer.specialTokens().isEndOfGeneration(expected.getLast());
        assertEquals(endedByEos ? FinishReason.STOP : FinishReason.LENGTH, outcome.finishReason());
    }

    @Test
    void aStopStringEndsTheAnswerBeforeIt() {
        int[] prompt = tokenizer.encode("the river is quiet", true, false);
        String full;
        try (Session s = new Session(model.config(), 256)) {
            full = new TokenGenerator(forward, tokenizer).generate(s, prompt, greedy(), new StopStrings(List.of()), 24,
                    () -> false, t -> { }).text();
        }
        assertTrue(full.length() > 10, "the demo model says something: " + full);
        String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
        StringBuilder streamed = new StringBuilder();
        TokenGenerator.Outcome outcome;
        try (Session s = new Session(model.config(), 256)) {
            outcome = new TokenGenerator(forward, tokenizer).generate(s, prompt, greedy(), new StopStrings(List.of(stop)), 24,
                    () -> false, streamed::append);
        }
        assertEquals(FinishReason.STOP, outcome.finishReason());
        assertEquals(full.substring(0, full.indexOf(stop)), outcome.text());
        assertEquals(outcome.text(), streamed.toString());
    }

    @Test
    void aCancelStopsWithinOneToken() {
        int[] prompt = tokenizer.encode("open the north stone", true, false);
        AtomicInteger pieces = new AtomicInteger();
        TokenGenerator.Outcome outcome;
        try (Session s = new Session(model.config(), 256)) {
            outcome = new TokenGenerator(forward, tokenizer).generate(s, prompt,
                    Sampler.create(new SamplerSettings(1.0, 0, 1, 0, 1, 0, 0, 64, 9), model.config().vocabulary()),
                    new StopStrings(List.of()), 200, () -> pieces.get() >= 3, t -> pieces.incrementAndGet());
        }
        assertEquals(FinishReason.CANCELLED, outcome.finishReason());
        assertEquals(3, pieces.get());
        assertTrue(outcome.completionTokens() <= 3 + 4, "a few tokens may be held for UTF-8: " + outcome.completionTokens());
    }

    @Test
    void aPromptThatDoesNotFitFailsBeforeAnyWork() {
        int[] prompt = new int[100];
        java.util.Arrays.fill(prompt, 5);
        try (Session s = new Session(model.config(), 128)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TokenGenerator(forward,
                    tokenizer).generate(s, prompt, greedy(), new StopStrings(List.of()), 40, () -> false, t -> { }));
            assertEquals("the prompt's 100 tokens plus max_tokens 40 exceed the context of 128 tokens", e.getMessage());
            assertEquals(0, s.position());
        }
    }
}
