package trit.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

import trit.api.tokenizer.ChatTemplate;
import trit.api.tokenizer.SpecialTokens;
import trit.api.tokenizer.Tokenizer;
import trit.gguf.GgufFile;
import trit.gguf.GgufFormatException;

/** Builds the tokenizer a vocabulary file describes. */
public final class Tokenizers {

    private Tokenizers() {
    }

    /** GPT-2's pre-tokenizer ({@code tokenizer.ggml.pre = gpt2} or {@code default}). */
    static final String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /**
     * The tokenizer of a GGUF model or vocabulary file, or of a Hugging Face {@code tokenizer.json}
     * (with the {@code tokenizer_config.json} beside it, when there is one).
     */
    public static Tokenizer open(Path file) throws IOException {
        if (file.getFileName().toString().endsWith(".json")) {
            return HuggingFaceVocabulary.load(file);
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            return fromGguf(gguf);
        }
    }

    /** The tokenizer described by a GGUF file's {@code tokenizer.ggml.*} metadata. */
    public static Tokenizer fromGguf(GgufFile gguf) throws GgufFormatException {
        String model = gguf.string("tokenizer.ggml.model");
        String[] tokens = gguf.stringArray("tokenizer.ggml.tokens");
        int n = tokens.length;
        if (n == 0) {
            throw new GgufFormatException("tokenizer.ggml.tokens: the vocabulary is empty");
        }
        int[] types = new int[n];
        java.util.Arrays.fill(types, Vocabulary.NORMAL);
        if (gguf.has("tokenizer.ggml.token_type")) {
            long[] t = gguf.integerArray("tokenizer.ggml.token_type");
            if (t.length != n) {
                throw new GgufFormatException("tokenizer.ggml.token_type: " + t.length + " entries for " + n + " tokens");
            }
            for (int i = 0; i < n; i++) {
                if (t[i] < 0 || t[i] > Vocabulary.BYTE) {
                    throw new GgufFormatException("tokenizer.ggml.token_type[" + i + "]: unknown token type " + t[i]);
                }
                types[i] = (int) t[i];
            }
        }
        boolean spm = model.equals("llama");
        SpecialTokens special = new SpecialTokens(
                id(gguf, "tokenizer.ggml.bos_token_id", spm ? 1 : -1, n),
                id(gguf, "tokenizer.ggml.eos_token_id", spm ? 2 : -1, n),
                id(gguf, "tokenizer.ggml.eot_token_id", -1, n),
                id(gguf, "tokenizer.ggml.padding_token_id", -1, n),
                gguf.bool("tokenizer.ggml.add_bos_token", spm),
                gguf.bool("tokenizer.ggml.add_eos_token", false));
        Vocabulary vocab = new Vocabulary(tokens, types, special);
        ChatTemplate chat = ChatTemplates.choose(gguf.optionalString("tokenizer.chat_template").orElse(null), "gguf", vocab,
                gguf.optionalString("general.architecture").orElse(null), model.equals("gpt2"));
        return switch (model) {
            case "llama" -> {
                float[] scores = gguf.float32Array("tokenizer.ggml.scores");
                if (scores.length != n) {
                    throw new GgufFormatException("tokenizer.ggml.scores: " + scores.length + " scores for " + n + " tokens");
                }
                yield new SentencePieceTokenizer(vocab, scores, gguf.bool("tokenizer.ggml.add_space_prefix", true), chat);
            }
            case "gpt2" -> {
                String pre = gguf.optionalString("tokenizer.ggml.pre").orElse("default");
                String pattern = switch (pre) {
                    case "llama-bpe", "llama3", "llama-v3" -> ByteLevelBpeTokenizer.LLAMA3_PATTERN;
                    case "default", "gpt2", "gpt-2" -> GPT2_PATTERN;
                    default -> throw new GgufFormatException("tokenizer.ggml.pre: unsupported pre-tokenizer '" + pre
                            + "' (supported: llama-bpe, gpt2)");
                };
                try {
                    yield new ByteLevelBpeTokenizer(vocab, gguf.stringArray("tokenizer.ggml.merges"), pattern,
                            pattern.equals(ByteLevelBpeTokenizer.LLAMA3_PATTERN), chat);
                } catch (IllegalArgumentException e) {
                    throw new GgufFormatException("tokenizer.ggml." + e.getMessage());
                }
            }
            default -> throw new GgufFormatException("tokenizer.ggml.model: unsupported tokenizer '" + model
                    + "' (supported: llama, gpt2)");
        };
    }

    private static int id(GgufFile gguf, String key, int otherwise, int vocabSize) throws GgufFormatException {
        long id = gguf.integer(key, otherwise);
        if (id < -1 || id >= vocabSize) {
            throw new GgufFormatException(key + ": token id " + id + " is outside the vocabulary of " + vocabSize);
        }
        return (int) id;
    }
}
