package trit.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import trit.api.chat.ChatMessage;
import trit.api.tokenizer.Tokenizer;
import trit.gguf.GgufFile;
import trit.gguf.GgufValue;
import trit.gguf.GgufValueType;
import trit.gguf.GgufWriter;

/** Chat templates of GGUF files made with the project's GgufWriter: the model's own, or the built-in its vocabulary calls for. */
class GgufChatTemplateTest {

    private static final Path SPM = Path.of("../../../shared/vocab/llama-spm/ggml-vocab-llama-spm.gguf");

    /** A ChatML-style template as GGUF files carry them (multi-line, whitespace control, generation prompt). */
    private static final String CHATML = """
            {% for message in messages %}
            {{ '<|im_start|>' + message['role'] + '\\n' + message['content'] | trim + '<|im_end|>' + '\\n' }}
            {% endfor %}
            {% if add_generation_prompt %}
            {{ '<|im_start|>assistant\\n' }}
            {% endif %}
            """;

    @TempDir
    Path dir;

    /** The real SentencePiece vocabulary's metadata, plus {@code extra}. */
    private Path spmWith(Map<String, String> extra) throws IOException {
        assumeTrue(Files.isRegularFile(SPM), "skipped: " + SPM.toAbsolutePath() + " is missing");
        GgufWriter writer = new GgufWriter();
        try (GgufFile real = GgufFile.open(SPM)) {
            real.metadata().forEach((key, value) -> {
                if (!key.equals("general.alignment")) {
                    writer.put(key, value);
                }
            });
        }
        extra.forEach(writer::putString);
        Path file = dir.resolve("spm-" + extra.hashCode() + ".gguf");
        writer.write(file);
        return file;
    }

    @Test
    void rendersTheTemplateAGgufCarries() throws IOException {
        Tokenizer tokenizer = Tokenizers.open(spmWith(Map.of("tokenizer.chat_template", CHATML)));
        assertEquals("gguf", tokenizer.chatTemplate().name());
        List<ChatMessage> chat = List.of(ChatMessage.system(" Be brief. "), ChatMessage.user("Hi"));
        // As Jinja renders it (checked with jinja2 3.1 under transformers' settings): trim_blocks eats
        // the newline after each block tag, not the one after an expression, hence the blank lines.
        String expected = "<|im_start|>system\nBe brief.<|im_end|>\n\n<|im_start|>user\nHi<|im_end|>\n\n<|im_start|>assistant\n\n";
        assertEquals(expected, tokenizer.chatTemplate().render(chat, true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n\n<|im_start|>user\nHi<|im_end|>\n\n",
                tokenizer.chatTemplate().render(chat, false));
        int[] ids = tokenizer.encodeChat(chat);
        assertEquals(1, ids[0], "SentencePiece vocabularies add BOS, the template did not write it");
        assertArrayEquals(tokenizer.encode(expected, true, true), ids);
    }

    @Test
    void aMalformedGgufTemplateFailsWhenRenderedNamingTheError() throws IOException {
        Tokenizer tokenizer = Tokenizers.open(spmWith(Map.of("tokenizer.chat_template",
                "{% for message in messages %}\n{{ message.content }}\n")));
        assertArrayEquals(new int[] {15043, 3186}, tokenizer.encode("Hello world", false, false), "the tokenizer itself loads and works");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.encodeChat(List.of(ChatMessage.user("Hi"))));
        assertTrue(e.getMessage().startsWith("the chat template (gguf) fails at line 1: "), e.getMessage());
        assertTrue(e.getMessage().contains("endfor"), e.getMessage());
    }

    @Test
    void sentencePieceWithoutATemplateGetsThePlainFormat() throws IOException {
        Tokenizer tokenizer = Tokenizers.open(spmWith(Map.of("general.architecture", "bitnet")));
        assertEquals("plain", tokenizer.chatTemplate().name());
        int[] ids = tokenizer.encodeChat(List.of(ChatMessage.user("Hi")));
        assertArrayEquals(tokenizer.encode("User: Hi\nAssistant:", true, false), ids);
    }

    /** GPT-2's byte-to-character table: the 256 single-byte tokens of a byte-level BPE vocabulary. */
    private static List<String> byteTokens() {
        List<String> tokens = new ArrayList<>();
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            tokens.add(String.valueOf(printable ? (char) b : (char) (256 + extra++)));
        }
        return tokens;
    }

    /** A byte-level BPE vocabulary (no merges) with LLaMA-3's control tokens, as a GGUF of {@code architecture}. */
    private Path byteLevelBpe(String architecture) throws IOException {
        List<String> tokens = byteTokens();
        List<String> controls = List.of("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>");
        tokens.addAll(controls);
        long[] types = new long[tokens.size()];
        Arrays.fill(types, Vocabulary.NORMAL);
        Arrays.fill(types, 256, types.length, Vocabulary.CONTROL);
        Path file = dir.resolve(architecture + ".gguf");
        new GgufWriter()
                .putString("general.architecture", architecture)
                .putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "llama-bpe")
                .putStrings("tokenizer.ggml.tokens", tokens.toArray(String[]::new))
                .putIntegers("tokenizer.ggml.token_type", GgufValueType.INT32, types)
                .put("tokenizer.ggml.merges", new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, new String[0]))
                .putUInt32("tokenizer.ggml.bos_token_id", 256)
                .putUInt32("tokenizer.ggml.eos_token_id", 260)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .write(file);
        return file;
    }

    @Test
    void bitnetArchitecturesGetTheBitnetFormat() throws IOException {
        for (String architecture : List.of("bitnet-b1.58", "bitnet-25")) {
            Tokenizer tokenizer = Tokenizers.open(byteLevelBpe(architecture));
            assertEquals("bitnet-b1.58", tokenizer.chatTemplate().name(), architecture);
            int[] ids = tokenizer.encodeChat(List.of(ChatMessage.system("S"), ChatMessage.user("Hi")));
            // BOS, "System: S" + "User: Hi" byte by byte (no merges), <|eot_id|>, "Assistant: " byte by byte.
            int[] expected = ("\u0100System: SUser: Hi\u0101Assistant: ").chars().map(c -> switch (c) {
                case 0x100 -> 256;
                case 0x101 -> 260;
                default -> byteTokens().indexOf(String.valueOf((char) (c == ' ' ? 0x120 : c)));
            }).toArray();
            assertArrayEquals(expected, ids, architecture);
        }
    }

    @Test
    void otherByteLevelVocabulariesWithEotGetTheLlama3Format() throws IOException {
        Tokenizer tokenizer = Tokenizers.open(byteLevelBpe("llama"));
        assertEquals("llama3", tokenizer.chatTemplate().name());
        int[] ids = tokenizer.encodeChat(List.of(ChatMessage.user(" Hi ")));
        assertEquals(256, ids[0], "BOS as the vocabulary says");
        assertEquals(258, ids[1], "<|start_header_id|>");
        assertEquals(259, ids[ids.length - 3], "<|end_header_id|> of the assistant header, then \\n\\n");
        assertEquals("user\n\nHi" + "assistant\n\n", tokenizer.decode(ids), "control tokens decode to nothing; content trimmed");
    }
}
