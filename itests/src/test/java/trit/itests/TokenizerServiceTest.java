package trit.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.nio.file.Path;
import java.util.List;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.exam.util.Filter;

import trit.api.chat.ChatMessage;
import trit.api.tokenizer.Tokenizer;
import trit.api.tokenizer.TokenizerFactory;

/** The tokenizer factory service in the runtime, on the real vocabularies (GGUF and tokenizer.json). */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TokenizerServiceTest {


    @Inject
    @Filter(timeout = 15000)
    private TokenizerFactory tokenizers;

    @Configuration
    public Option[] configuration() {
        return TritFramework.options(
                org.ops4j.pax.exam.CoreOptions.systemProperty("trit.shared.dir").value(Shared.dir().toString()));
    }

    @Test
    public void loadsTheLlamaSentencePieceVocabularyFromGguf() throws Exception {
        Path vocab = Shared.require("vocab/llama-spm/ggml-vocab-llama-spm.gguf");
        Tokenizer tokenizer = tokenizers.open(vocab);
        assertArrayEquals(new int[] {1, 450, 7483, 310, 3444, 338}, tokenizer.encode("The capital of France is", true, false));
    }

    @Test
    public void loadsTheLlama3TokenizerJsonWithJacksonInTheFramework() throws Exception {
        Path vocab = Shared.require("vocab/llama3/tokenizer.json");
        Tokenizer tokenizer = tokenizers.open(vocab);
        assertEquals(128256, tokenizer.vocabularySize());
        assertArrayEquals(new int[] {9906, 1917}, tokenizer.encode("Hello world", false, false));
    }

    @Test
    public void rendersTheModelsJinjaChatTemplateWithTheEmbeddedJinjava() throws Exception {
        Path vocab = Shared.require("vocab/llama3/tokenizer.json");
        Tokenizer tokenizer = tokenizers.open(vocab);
        List<ChatMessage> chat = List.of(ChatMessage.system(" Be brief. "), ChatMessage.user("Hi"));
        long start = System.nanoTime();
        String prompt = tokenizer.chatTemplate().render(chat, true);
        long first = System.nanoTime() - start;
        start = System.nanoTime();
        tokenizer.chatTemplate().render(chat, true);
        long second = System.nanoTime() - start;
        System.out.printf("chat template in the framework: first render %.0f ms (Jinjava made), next %.1f ms%n", first / 1e6, second / 1e6);
        assertEquals("tokenizer_config", tokenizer.chatTemplate().name());
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", prompt);
        int[] ids = tokenizer.encodeChat(chat);
        assertEquals(128000, ids[0]);
        assertEquals(128006, ids[1]);
    }
}
