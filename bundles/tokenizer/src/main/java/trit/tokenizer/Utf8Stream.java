package trit.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import trit.api.tokenizer.StreamingDecoder;

/**
 * Turns the bytes of a token stream into text without ever emitting a broken character: the
 * bytes of a UTF-8 sequence that is not finished yet are held back; a byte that can never start
 * or continue a valid sequence becomes U+FFFD at once, so nothing is held forever.
 */
final class Utf8Stream implements StreamingDecoder {

    /** The bytes of one token (what each tokenizer knows how to produce). */
    interface TokenBytes {
        byte[] bytes(int token);
    }

    private final TokenBytes tokens;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    Utf8Stream(TokenBytes tokens) {
        this.tokens = tokens;
    }

    @Override
    public String next(int token) {
        pending.writeBytes(tokens.bytes(token));
        byte[] bytes = pending.toByteArray();
        int complete = completePrefix(bytes);
        pending.reset();
        pending.write(bytes, complete, bytes.length - complete);
        return new String(bytes, 0, complete, StandardCharsets.UTF_8);
    }

    @Override
    public String flush() {
        String rest = new String(pending.toByteArray(), StandardCharsets.UTF_8);
        pending.reset();
        return rest;
    }

    /** Length of the longest prefix that ends on a character boundary (invalid bytes count as done). */
    static int completePrefix(byte[] b) {
        int i = 0;
        while (i < b.length) {
            int lead = b[i] & 0xFF;
            int length = lead < 0x80 ? 1 : lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
                    : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
            if (length == 0) {
                i++; // can never be valid: decoded as U+FFFD right away
                continue;
            }
            int j = 1;
            while (j < length && i + j < b.length && (b[i + j] & 0xC0) == 0x80) {
                j++;
            }
            if (j < length) {
                if (i + j == b.length) {
                    return i; // unfinished at the end: hold it back
                }
                i += j; // broken: decoded as U+FFFD
                continue;
            }
            i += length;
        }
        return i;
    }
}
