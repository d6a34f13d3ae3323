package trit.router;

import java.nio.charset.StandardCharsets;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;

/**
 * How many tokens a prompt takes, estimated without a tokenizer (the router has none: each
 * provider tokenizes with its own vocabulary).
 *
 * <p>The estimate is one token per 3 UTF-8 bytes, plus 4 tokens per message for the chat
 * template's role markers. It is deliberately conservative, i.e. it over-counts typical text:
 * English BPE vocabularies average about 4 characters (bytes) per token, so English is
 * over-estimated by about a third; CJK text (3 bytes per character, often one token per
 * character) comes out about right. Over-counting errs towards the bigger context, which costs
 * a cloud call instead of a failed local one.
 */
public final class TokenEstimate {

    /** UTF-8 bytes counted as one token. */
    public static final int BYTES_PER_TOKEN = 3;
    /** Tokens counted per message for the template's markers. */
    public static final int TOKENS_PER_MESSAGE = 4;

    private TokenEstimate() {
    }

    /** Estimated prompt tokens of the whole conversation. */
    public static int promptTokens(ChatRequest request) {
        long tokens = 0;
        for (ChatMessage message : request.messages()) {
            tokens += TOKENS_PER_MESSAGE + of(message.content());
        }
        return (int) Math.min(Integer.MAX_VALUE, tokens);
    }

    /** Estimated tokens of one text; 0 for {@code null}. */
    public static int of(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        return (bytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN;
    }
}
