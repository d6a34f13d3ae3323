package trit.tokenizer;

import java.util.Set;

import trit.api.tokenizer.ChatTemplate;

/** Which chat template a tokenizer gets: the model's own, or the built-in its vocabulary calls for. */
final class ChatTemplates {

    /** The GGUF architectures of BitNet-b1.58-2B-4T (microsoft's conversion and llama.cpp's). */
    private static final Set<String> BITNET_2B4T = Set.of("bitnet-b1.58", "bitnet-25");

    private ChatTemplates() {
    }

    /**
     * @param template     the model's Jinja template, or {@code null} / blank when it has none
     * @param source       where it comes from ({@code "gguf"}, {@code "tokenizer_config"})
     * @param vocab        the vocabulary (its BOS/EOS texts for the template, its tokens for the built-in)
     * @param architecture the GGUF {@code general.architecture}, or {@code null}
     * @param byteLevelBpe whether the vocabulary is byte-level BPE (LLaMA-3 style) rather than SentencePiece
     */
    static ChatTemplate choose(String template, String source, Vocabulary vocab, String architecture, boolean byteLevelBpe) {
        if (template != null && !template.isBlank()) {
            return new JinjaChatTemplate(source, template, text(vocab, vocab.special.bos()), text(vocab, vocab.special.eos()));
        }
        if (byteLevelBpe && vocab.id("<|eot_id|>") >= 0) {
            return architecture != null && BITNET_2B4T.contains(architecture) ? BuiltInChatTemplate.BITNET : BuiltInChatTemplate.LLAMA3;
        }
        return BuiltInChatTemplate.PLAIN;
    }

    private static String text(Vocabulary vocab, int token) {
        return token >= 0 ? vocab.tokens[token] : null;
    }
}
