package trit.api.tokenizer;

/**
 * A model's tokenizer. Immutable once loaded and safe to use from many threads at once; every
 * method is pure computation (no I/O).
 */
public interface Tokenizer {

    /** The number of token ids (the model's vocabulary size). */
    int vocabularySize();

    /** The vocabulary's control tokens and default BOS/EOS handling. */
    SpecialTokens specialTokens();

    /**
     * Encodes text.
     *
     * @param text          the text; every string is valid input (invalid surrogates are
     *                      encoded as U+FFFD)
     * @param addSpecial    whether to add BOS/EOS as the vocabulary's defaults say
     * @param parseSpecial  whether control-token text in {@code text} (e.g. {@code <|eot_id|>})
     *                      becomes the control token; {@code false} for user content, so users
     *                      cannot inject control tokens
     * @return the token ids
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** Decodes ids to text; incomplete UTF-8 at the end becomes U+FFFD. */
    String decode(int[] tokens);

    /** The raw piece of one token as the vocabulary spells it (for diagnostics). */
    String piece(int token);

    /** A new decoder for one streamed generation. */
    StreamingDecoder newStreamingDecoder();

    /** The chat template of the model (its own, or the built-in for its vocabulary). */
    ChatTemplate chatTemplate();

    /**
     * The prompt tokens of a conversation: rendered with {@link #chatTemplate()} (with the
     * generation prompt), encoded with control tokens recognised, BOS added as the vocabulary says
     * unless the template already wrote it.
     *
     * @throws IllegalArgumentException when the template cannot render the conversation
     */
    int[] encodeChat(java.util.List<trit.api.chat.ChatMessage> messages);
}
