package trit.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import trit.api.tokenizer.Tokenizer;
import trit.gguf.GgufFormatException;

/** A small byte-level BPE {@code tokenizer.json}: merges by rank, and the first bad merge named. */
class HuggingFaceVocabularyTest {

    @TempDir
    Path dir;

    /** The 256 byte tokens (GPT-2's table), then "ab" and "abc". */
    private Path tokenizerJson(List<String> merges) throws IOException {
        StringBuilder vocab = new StringBuilder();
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            vocab.append(new ObjectMapper().writeValueAsString(String.valueOf(c))).append(": ").append(b).append(", ");
        }
        vocab.append("\"ab\": 256, \"abc\": 257");
        String mergeList = merges.stream().map(m -> "\"" + m + "\"").collect(Collectors.joining(", "));
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"added_tokens\": [], \"model\": {\"type\": \"BPE\", \"vocab\": {" + vocab + "}, \"merges\": ["
                + mergeList + "]}}");
        return file;
    }

    @Test
    void mergesApplyByRank() throws IOException {
        Tokenizer tokenizer = Tokenizers.open(tokenizerJson(List.of("a b", "ab c")));
        assertArrayEquals(new int[] {257, 'd'}, tokenizer.encode("abcd", false, false));
        assertEquals(258, tokenizer.vocabularySize());
    }

    @Test
    void theFirstBadMergeIsNamed() throws IOException {
        Path file = tokenizerJson(List.of("a b", "x yz", "abc"));
        assertEquals("tokenizer.json: model.merges[1]: 'x yz' names a piece that is not in the vocabulary",
                assertThrows(GgufFormatException.class, () -> Tokenizers.open(file)).getMessage());
        Path noSpace = tokenizerJson(List.of("a b", "abc", "x yz"));
        assertEquals("tokenizer.json: model.merges[1]: 'abc' is not two pieces separated by a space",
                assertThrows(GgufFormatException.class, () -> Tokenizers.open(noSpace)).getMessage());
    }
}
