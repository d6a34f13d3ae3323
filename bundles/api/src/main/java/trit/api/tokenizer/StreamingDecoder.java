package trit.api.tokenizer;

/**
 * Decodes a token stream incrementally without ever emitting a broken character: bytes of a
 * UTF-8 sequence that a token leaves unfinished are held back until a later token completes it.
 *
 * <p>Not thread-safe: one decoder per generation, used by one thread at a time.
 */
public interface StreamingDecoder {

    /** Appends one token; returns the text that became complete (possibly empty, never {@code null}). */
    String next(int token);

    /**
     * Ends the stream: returns what is still held back, with any incomplete UTF-8 sequence
     * replaced by U+FFFD, and resets the decoder.
     */
    String flush();
}
