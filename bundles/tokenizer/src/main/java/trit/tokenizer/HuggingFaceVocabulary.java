package trit.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import trit.api.tokenizer.SpecialTokens;
import trit.api.tokenizer.Tokenizer;
import trit.gguf.GgufFormatException;

/**
 * Reads a Hugging Face {@code tokenizer.json} (what safetensors checkpoints ship) with the
 * {@code tokenizer_config.json} beside it: a byte-level BPE model, its merges, its added tokens
 * and its pre-tokenizer.
 */
final class HuggingFaceVocabulary {

    private HuggingFaceVocabulary() {
    }

    static Tokenizer load(Path tokenizerJson) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode root = json.readTree(tokenizerJson.toFile());
        String where = tokenizerJson.getFileName() + ": ";
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new GgufFormatException(where + "model.type '" + model.path("type").asText() + "' is not supported (BPE)");
        }
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) {
            throw new GgufFormatException(where + "model.vocab is missing or empty");
        }
        int size = 0;
        for (Iterator<JsonNode> ids = vocabNode.elements(); ids.hasNext(); ) {
            size = Math.max(size, ids.next().asInt() + 1);
        }
        for (JsonNode added : root.path("added_tokens")) {
            size = Math.max(size, added.path("id").asInt() + 1);
        }
        String[] tokens = new String[size];
        int[] types = new int[size];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt(-1);
            if (id < 0) {
                throw new GgufFormatException(where + "model.vocab['" + e.getKey() + "'] is not a token id");
            }
            tokens[id] = e.getKey();
            types[id] = Vocabulary.NORMAL;
        }
        for (JsonNode added : root.path("added_tokens")) {
            int id = added.path("id").asInt();
            tokens[id] = added.path("content").asText();
            types[id] = added.path("special").asBoolean() ? Vocabulary.CONTROL : Vocabulary.USER_DEFINED;
        }
        for (int i = 0; i < size; i++) {
            if (tokens[i] == null) {
                tokens[i] = "<unused" + i + ">";
                types[i] = Vocabulary.UNUSED;
            }
        }
        JsonNode mergeNode = model.path("merges");
        String[] merges = new String[mergeNode.size()];
        for (int i = 0; i < merges.length; i++) {
            JsonNode m = mergeNode.get(i);
            merges[i] = m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText();
        }
        String pattern = Tokenizers.GPT2_PATTERN;
        for (JsonNode pre : root.path("pre_tokenizer").path("pretokenizers")) {
            if ("Split".equals(pre.path("type").asText()) && pre.path("pattern").has("Regex")) {
                pattern = pre.path("pattern").path("Regex").asText();
            }
        }

        Path configPath = tokenizerJson.resolveSibling("tokenizer_config.json");
        JsonNode config = Files.isRegularFile(configPath) ? json.readTree(configPath.toFile()) : json.createObjectNode();
        Vocabulary lookup = new Vocabulary(tokens, types, new SpecialTokens(-1, -1, -1, -1, false, false));
        int bos = tokenId(lookup, config.path("bos_token"));
        int eos = tokenId(lookup, config.path("eos_token"));
        int eot = lookup.id("<|eot_id|>");
        int pad = tokenId(lookup, config.path("pad_token"));
        // BOS is added where the post-processor's template adds it (LLaMA-3's ByteLevel one does not).
        boolean addBos = config.has("add_bos_token") ? config.path("add_bos_token").asBoolean()
                : root.path("post_processor").toString().contains("\"SpecialToken\"")
                && bos >= 0 && root.path("post_processor").toString().contains(tokens[bos]);
        SpecialTokens special = new SpecialTokens(bos, eos, eot, pad, addBos, config.path("add_eos_token").asBoolean(false));
        try {
            return new ByteLevelBpeTokenizer(new Vocabulary(tokens, types, special), merges, pattern,
                    model.path("ignore_merges").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(where + "model." + e.getMessage());
        }
    }

    /** A token named by a config entry (a string, or an object with "content"); -1 when absent. */
    private static int tokenId(Vocabulary vocab, JsonNode entry) {
        String text = entry.isTextual() ? entry.asText() : entry.path("content").asText(null);
        return text == null ? -1 : vocab.id(text);
    }
}
