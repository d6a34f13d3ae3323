package trit.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import trit.api.tokenizer.ChatTemplate;
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
        // 128k vocabulary keys are field names: interning them would cost more than it could save.
        ObjectMapper json = new ObjectMapper(JsonFactory.builder()
                .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .build());
        String where = tokenizerJson.getFileName() + ": ";
        // Streamed: a tree of the 9 MB LLaMA-3 file alone takes longer than the whole load should.
        List<String> vocabTokens = new ArrayList<>(1 << 18);
        VocabularyTokenizer.IntList vocabIds = new VocabularyTokenizer.IntList();
        List<String> mergeList = new ArrayList<>(1 << 19);
        JsonNode addedTokens = json.createArrayNode();
        JsonNode preTokenizer = json.createObjectNode();
        JsonNode postProcessor = json.createObjectNode();
        String modelType = null;
        boolean ignoreMerges = false;
        try (JsonParser in = json.getFactory().createParser(tokenizerJson.toFile())) {
            expect(in.nextToken() == JsonToken.START_OBJECT, where + "not a JSON object");
            while (in.nextToken() == JsonToken.FIELD_NAME) {
                String field = in.currentName();
                in.nextToken();
                switch (field) {
                    case "added_tokens" -> addedTokens = json.readTree(in);
                    case "pre_tokenizer" -> preTokenizer = json.readTree(in);
                    case "post_processor" -> postProcessor = json.readTree(in);
                    case "model" -> {
                        expect(in.currentToken() == JsonToken.START_OBJECT, where + "model is not an object");
                        while (in.nextToken() == JsonToken.FIELD_NAME) {
                            String key = in.currentName();
                            in.nextToken();
                            switch (key) {
                                case "type" -> modelType = in.getValueAsString();
                                case "ignore_merges" -> ignoreMerges = in.getValueAsBoolean();
                                case "vocab" -> {
                                    expect(in.currentToken() == JsonToken.START_OBJECT, where + "model.vocab is not an object");
                                    while (in.nextToken() == JsonToken.FIELD_NAME) {
                                        String token = in.currentName();
                                        expect(in.nextToken() == JsonToken.VALUE_NUMBER_INT,
                                                where + "model.vocab['" + token + "'] is not a token id");
                                        vocabTokens.add(token);
                                        vocabIds.add(in.getIntValue());
                                    }
                                }
                                case "merges" -> {
                                    expect(in.currentToken() == JsonToken.START_ARRAY, where + "model.merges is not an array");
                                    for (JsonToken t = in.nextToken(); t != JsonToken.END_ARRAY; t = in.nextToken()) {
                                        if (t == JsonToken.START_ARRAY) { // newer files: ["left", "right"]
                                            in.nextToken();
                                            String left = in.getText();
                                            in.nextToken();
                                            mergeList.add(left + " " + in.getText());
                                            expect(in.nextToken() == JsonToken.END_ARRAY, where + "model.merges holds a pair of more than two");
                                        } else {
                                            mergeList.add(in.getText());
                                        }
                                    }
                                }
                                default -> in.skipChildren();
                            }
                        }
                    }
                    default -> in.skipChildren();
                }
            }
        }
        if (!"BPE".equals(modelType)) {
            throw new GgufFormatException(where + "model.type '" + modelType + "' is not supported (BPE)");
        }
        if (vocabTokens.isEmpty()) {
            throw new GgufFormatException(where + "model.vocab is missing or empty");
        }
        int[] ids = vocabIds.toArray();
        int size = 0;
        for (int id : ids) {
            if (id < 0) {
                throw new GgufFormatException(where + "model.vocab holds a negative token id " + id);
            }
            size = Math.max(size, id + 1);
        }
        for (JsonNode added : addedTokens) {
            size = Math.max(size, added.path("id").asInt() + 1);
        }
        String[] tokens = new String[size];
        int[] types = new int[size];
        for (int i = 0; i < ids.length; i++) {
            tokens[ids[i]] = vocabTokens.get(i);
            types[ids[i]] = Vocabulary.NORMAL;
        }
        for (JsonNode added : addedTokens) {
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
        String[] merges = mergeList.toArray(String[]::new);
        String pattern = Tokenizers.GPT2_PATTERN;
        for (JsonNode pre : preTokenizer.path("pretokenizers")) {
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
                : postProcessor.toString().contains("\"SpecialToken\"")
                && bos >= 0 && postProcessor.toString().contains(tokens[bos]);
        SpecialTokens special = new SpecialTokens(bos, eos, eot, pad, addBos, config.path("add_eos_token").asBoolean(false));
        Vocabulary vocab = lookup.withSpecial(special);
        ChatTemplate chat = ChatTemplates.choose(chatTemplate(config, configPath.getFileName() + ": "), "tokenizer_config", vocab, null, true);
        try {
            return new ByteLevelBpeTokenizer(vocab, merges, pattern, ignoreMerges, chat);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(where + "model." + e.getMessage());
        }
    }

    /**
     * The config's {@code chat_template}: a string, or a list of {@code {"name", "template"}}
     * of which transformers uses the one named {@code default}; {@code null} when there is none.
     */
    static String chatTemplate(JsonNode config, String where) throws GgufFormatException {
        JsonNode template = config.path("chat_template");
        if (template.isMissingNode() || template.isNull()) {
            return null;
        }
        if (template.isTextual()) {
            return template.asText();
        }
        if (template.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode named : template) {
                expect(named.path("name").isTextual() && named.path("template").isTextual(),
                        where + "chat_template[" + names.size() + "] is not a {\"name\", \"template\"} pair of strings");
                if (named.path("name").asText().equals("default")) {
                    return named.path("template").asText();
                }
                names.add(named.path("name").asText());
            }
            throw new GgufFormatException(where + "chat_template has no template named 'default' (it has " + names + ")");
        }
        throw new GgufFormatException(where + "chat_template is neither a string nor a list of named templates");
    }

    private static void expect(boolean condition, String message) throws GgufFormatException {
        if (!condition) {
            throw new GgufFormatException(message);
        }
    }

    /** A token named by a config entry (a string, or an object with "content"); -1 when absent. */
    private static int tokenId(Vocabulary vocab, JsonNode entry) {
        String text = entry.isTextual() ? entry.asText() : entry.path("content").asText(null);
        return text == null ? -1 : vocab.id(text);
    }
}
