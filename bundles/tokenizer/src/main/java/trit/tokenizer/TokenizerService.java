package trit.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Component;

import trit.api.tokenizer.Tokenizer;
import trit.api.tokenizer.TokenizerFactory;

/** The tokenizers of this bundle as a service. */
@Component
public class TokenizerService implements TokenizerFactory {

    @Override
    public Tokenizer open(Path vocabulary) throws IOException {
        return Tokenizers.open(vocabulary);
    }
}
