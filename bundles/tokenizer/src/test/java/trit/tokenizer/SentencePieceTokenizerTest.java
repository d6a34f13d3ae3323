package trit.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import trit.api.tokenizer.StreamingDecoder;
import trit.api.tokenizer.Tokenizer;

/** LLaMA SentencePiece BPE against llama.cpp's llama-tokenize on the real vocabulary. */
class SentencePieceTokenizerTest {

    private static final Path SHARED = Path.of("../../../shared");
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        Path vocab = SHARED.resolve("vocab/llama-spm/ggml-vocab-llama-spm.gguf");
        if (!(Files.isRegularFile(vocab))) {
            System.out.println("SKIPPED: " + vocab.toAbsolutePath() + " is missing");
        }
        assumeTrue(Files.isRegularFile(vocab), "skipped: " + vocab.toAbsolutePath() + " is missing");
        tokenizer = Tokenizers.open(vocab);
    }

    @Test
    void matchesLlamaTokenizeOnEveryReferenceCase() throws IOException {
        Path reference = SHARED.resolve("reference/tiny/reference.json");
        if (!(Files.isRegularFile(reference))) {
            System.out.println("SKIPPED: " + reference.toAbsolutePath() + " is missing");
        }
        assumeTrue(Files.isRegularFile(reference), "skipped: " + reference.toAbsolutePath() + " is missing");
        JsonNode cases = new ObjectMapper().readTree(reference.toFile()).path("tokenizer_reference").path("cases");
        assertEquals(14, cases.size());
        for (JsonNode c : cases) {
            String text = c.path("text").asText();
            int[] expected = new int[c.path("ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.path("ids").get(i).asInt();
            }
            assertArrayEquals(expected, tokenizer.encode(text, true, false), "\"" + text + "\"");
            assertEquals(text, tokenizer.decode(expected), "decode of \"" + text + "\"");
        }
    }

    @Test
    void emptyTextIsNoTokenNotALoneSpace() {
        // llama.cpp makes no text fragment of an empty string (nor between two special tokens), so
        // the space prefix has nothing to attach to; HF's tokenizer gives [1] too.
        assertArrayEquals(new int[] {1}, tokenizer.encode("", true, false));
        assertArrayEquals(new int[0], tokenizer.encode("", false, false));
        assertArrayEquals(new int[] {1, 2}, tokenizer.encode("</s>", true, true));
    }

    @Test
    void specialTokenTextIsSpecialOnlyWhenAllowed() {
        assertArrayEquals(new int[] {2}, tokenizer.encode("</s>", false, true));
        assertArrayEquals(new int[] {1, 2}, tokenizer.encode("</s>", true, true), "BOS as the vocabulary says, then </s>");
        int[] plain = tokenizer.encode("</s>", false, false);
        assertTrue(plain.length > 1, "user text cannot inject </s>");
        assertEquals(1, tokenizer.specialTokens().bos());
        assertTrue(tokenizer.specialTokens().isEndOfGeneration(2));
    }

    @Test
    void roundTripsEveryKindOfText() {
        List<String> texts = List.of("", "a", " leading", "trailing ", "two  spaces", "tab\there", "line\nbreak\r\n",
                "x = f(y) * 2; // comment", "0 12 345 6789 01234", "don't won't I'm y'all", "Ünïcödé naïve café",
                "日本語のテキスト、中文，한국어", "Привет, мир", "مرحبا بالعالم", "សួស្តីពិភពលោក", "👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽",
                "nul\u0000byte", "\uD800 lone surrogate", "    indented\n\tcode");
        for (String text : texts) {
            String expected = text.replace("\uD800", "\uFFFD");
            assertEquals(expected, tokenizer.decode(tokenizer.encode(text, true, false)), "round trip of \"" + text + "\"");
        }
    }

    @Test
    void mergingWordByWordEqualsMergingTheWholeText() {
        StringBuilder text = new StringBuilder();
        java.util.Random random = new java.util.Random(3);
        String[] parts = {"The quick brown fox ", "  two  spaces ", "don't ", "x=f(y)*2;\n    ", "日本語 ", "🙂👍🏽 ", "naïve café ",
            "\t\ttabs ", "1234567 ", "<s> ", "Привет "};
        while (text.length() < 100_000) {
            text.append(parts[random.nextInt(parts.length)]).append(random.nextInt(100000));
        }
        SentencePieceTokenizer wordwise = (SentencePieceTokenizer) tokenizer;
        assertArrayEquals(wordwise.wholeText().encode(text.toString(), true, false), wordwise.encode(text.toString(), true, false));
    }

    @Test
    void streamingNeverEmitsABrokenCharacter() {
        String text = "emoji 🙂👍 and 日本";
        int[] ids = tokenizer.encode(text, false, false);
        StreamingDecoder stream = tokenizer.newStreamingDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            String part = stream.next(id);
            assertTrue(part.indexOf('\uFFFD') < 0, "no replacement character mid-stream: " + part);
            out.append(part);
        }
        out.append(stream.flush());
        assertEquals(" " + text, out.toString(), "the stream keeps the leading space the encoder added");
    }
}
