package trit.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import trit.api.tokenizer.StreamingDecoder;
import trit.api.tokenizer.Tokenizer;

/** LLaMA-3 byte-level BPE on the real 128256-token vocabulary (BitNet-b1.58-2B-4T's). */
class Llama3TokenizerTest {

    private static final Path VOCAB = Path.of("../../../shared/vocab/llama3/tokenizer.json");
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        if (!(Files.isRegularFile(VOCAB))) {
            System.out.println("SKIPPED: " + VOCAB.toAbsolutePath() + " is missing");
        }
        assumeTrue(Files.isRegularFile(VOCAB), "skipped: " + VOCAB.toAbsolutePath() + " is missing");
        long start = System.nanoTime();
        tokenizer = Tokenizers.open(VOCAB);
        System.out.printf("LLaMA-3 tokenizer.json loaded in %.0f ms%n", (System.nanoTime() - start) / 1e6);
    }

    private int id(String piece) {
        for (int i = 0; i < tokenizer.vocabularySize(); i++) {
            if (tokenizer.piece(i).equals(piece)) {
                return i;
            }
        }
        throw new AssertionError("no piece " + piece);
    }

    @Test
    void knownIdsAndPreTokenization() {
        assertEquals(128256, tokenizer.vocabularySize());
        assertArrayEquals(new int[] {9906, 1917}, tokenizer.encode("Hello world", false, false));
        // Numbers split into groups of at most three digits, contractions apart, spaces attach to the next word.
        assertArrayEquals(new int[] {id("123"), id("45")}, tokenizer.encode("12345", false, false));
        assertArrayEquals(new int[] {id("don"), id("'t")}, tokenizer.encode("don't", false, false));
        assertArrayEquals(new int[] {id("ĠHello"), id("Ċ"), id("Ġworld")}, tokenizer.encode(" Hello\n world", false, false));
        assertFalse(tokenizer.specialTokens().addBos(), "tokenizer.json's ByteLevel post-processor adds no BOS");
        assertEquals(128000, tokenizer.specialTokens().bos());
        assertEquals(128009, tokenizer.specialTokens().eot());
        assertTrue(tokenizer.specialTokens().isEndOfGeneration(128009));
    }

    @Test
    void controlTokensComeOnlyWhenAllowed() {
        String text = "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>";
        int[] allowed = tokenizer.encode(text, false, true);
        assertEquals(128006, allowed[0]);
        assertEquals(128009, allowed[allowed.length - 1]);
        int[] user = tokenizer.encode(text, false, false);
        for (int t : user) {
            assertTrue(t < 128000, "user text produced control token " + t);
        }
        assertEquals(text, tokenizer.decode(user));
        assertEquals("user\n\nHi", tokenizer.decode(allowed), "control tokens decode to nothing");
    }

    @Test
    void roundTripsEveryKindOfText() {
        List<String> texts = List.of("", "a", " leading", "trailing ", "two  spaces", "tab\there", "line\nbreak\r\n\n\n",
                "x = f(y) * 2; // comment\n    return x", "0 12 345 6789 01234 3.14159", "don't WON'T I'm y'all",
                "Ünïcödé naïve café", "日本語のテキスト、中文，한국어", "Привет, мир", "مرحبا بالعالم", "សួស្តីពិភពលោក",
                "👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽", "nul\u0000byte", "\uDC00 lone low surrogate", "    \n\t  \r\n");
        for (String text : texts) {
            String expected = text.replace("\uDC00", "\uFFFD");
            assertEquals(expected, tokenizer.decode(tokenizer.encode(text, false, false)), "round trip of \"" + text + "\"");
        }
    }

    @Test
    void streamingHoldsBackUnfinishedCharacters() {
        String text = "emoji 👩‍👩‍👧 and 日本語 and Ж";
        StreamingDecoder stream = tokenizer.newStreamingDecoder();
        StringBuilder out = new StringBuilder();
        boolean heldBack = false;
        for (int id : tokenizer.encode(text, false, false)) {
            String part = stream.next(id);
            assertFalse(part.contains("\uFFFD"), "no broken character mid-stream");
            heldBack |= part.isEmpty();
            out.append(part);
        }
        out.append(stream.flush());
        assertEquals(text, out.toString());
        assertTrue(heldBack, "some token ended inside a character and was held back");
    }
}
