package trit.api.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Makes tokenizers from the files users have: a GGUF model or vocabulary file
 * ({@code tokenizer.ggml.*} metadata) or a Hugging Face {@code tokenizer.json} (with the
 * {@code tokenizer_config.json} beside it). Registered as an OSGi service; thread-safe.
 */
public interface TokenizerFactory {

    /**
     * Loads the tokenizer a file describes.
     *
     * @throws IOException when the file cannot be read, or is malformed (the message names the
     *                     field that is wrong)
     */
    Tokenizer open(Path vocabulary) throws IOException;
}
