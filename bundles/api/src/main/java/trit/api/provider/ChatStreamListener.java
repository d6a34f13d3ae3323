package trit.api.provider;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatResponse;

/**
 * Receives a streamed answer.
 *
 * <p>Threading: the provider calls these methods one at a time (each call happens-before the
 * next), usually on a thread of its own, possibly on the caller's thread before
 * {@link InferenceProvider#stream} returns (e.g. for an immediate error). A listener must not
 * block for long: a slow listener slows the generation that feeds it.
 *
 * <p>Protocol: zero or more {@link #onDelta} calls, then exactly one of {@link #onComplete} or
 * {@link #onError}; nothing after that. After {@link Generation#cancel()} the provider still
 * ends with exactly one terminal call (normally {@code onComplete} with finish reason
 * {@code CANCELLED}, or {@code onError} of kind {@code CANCELLED}).
 */
public interface ChatStreamListener {

    /** New text of the answer. */
    void onDelta(ChatDelta delta);

    /**
     * The answer is finished.
     *
     * @param response the whole answer: its assembled message, finish reason and usage
     */
    void onComplete(ChatResponse response);

    /** The answer failed; deltas already delivered stay delivered. */
    void onError(ProviderException error);
}
