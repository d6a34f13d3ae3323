package trit.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.exam.util.Filter;

import trit.api.tokenizer.Tokenizer;
import trit.api.tokenizer.TokenizerFactory;

/** The tokenizer factory service in the runtime, on the real vocabularies (GGUF and tokenizer.json). */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TokenizerServiceTest {

    private static final Path SHARED = Path.of(System.getProperty("trit.shared.dir", "../../shared")).toAbsolutePath();

    @Inject
    @Filter(timeout = 15000)
    private TokenizerFactory tokenizers;

    @Configuration
    public Option[] configuration() {
        return TritFramework.options(
                org.ops4j.pax.exam.CoreOptions.systemProperty("trit.shared.dir").value(SHARED.toString()));
    }

    @Test
    public void loadsTheLlamaSentencePieceVocabularyFromGguf() throws Exception {
        Path vocab = SHARED.resolve("vocab/llama-spm/ggml-vocab-llama-spm.gguf");
        if (!(Files.isRegularFile(vocab))) {
            System.out.println("SKIPPED: " + vocab + " is missing");
        }
        assumeTrue("skipped: " + vocab + " is missing", Files.isRegularFile(vocab));
        Tokenizer tokenizer = tokenizers.open(vocab);
        assertArrayEquals(new int[] {1, 450, 7483, 310, 3444, 338}, tokenizer.encode("The capital of France is", true, false));
    }

    @Test
    public void loadsTheLlama3TokenizerJsonWithJacksonInTheFramework() throws Exception {
        Path vocab = SHARED.resolve("vocab/llama3/tokenizer.json");
        if (!(Files.isRegularFile(vocab))) {
            System.out.println("SKIPPED: " + vocab + " is missing");
        }
        assumeTrue("skipped: " + vocab + " is missing", Files.isRegularFile(vocab));
        Tokenizer tokenizer = tokenizers.open(vocab);
        assertEquals(128256, tokenizer.vocabularySize());
        assertArrayEquals(new int[] {9906, 1917}, tokenizer.encode("Hello world", false, false));
    }
}
