package trit.gguf;

import java.io.IOException;

/** A GGUF file that does not follow the format, or that holds what the reader refuses (with the reason). */
public class GgufFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public GgufFormatException(String message) {
        super(message);
    }
}
