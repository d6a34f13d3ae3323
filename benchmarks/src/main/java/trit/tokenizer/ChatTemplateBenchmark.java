package trit.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import trit.api.chat.ChatMessage;
import trit.api.tokenizer.ChatTemplate;

/**
 * Rendering a four-message conversation: the real LLaMA-3 Jinja template of
 * {@code tokenizer_config.json} (Jinjava) against the built-in llama3 format (plain Java).
 * {@link #firstRender} runs once per fresh JVM: what the first chat request after start pays
 * (Jinjava's classes loaded, its engine made, the template parsed).
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class ChatTemplateBenchmark {

    static final List<ChatMessage> CONVERSATION = List.of(ChatMessage.system("You are terse."),
            ChatMessage.user("What is 2+2?"), ChatMessage.assistant("4"), ChatMessage.user("And 3+3?"));

    @Param({"tokenizer_config", "llama3"})
    public String template;

    private ChatTemplate chat;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path shared = Path.of(System.getProperty("trit.shared", "../shared"));
        ChatTemplate model = Tokenizers.open(shared.resolve("vocab/llama3/tokenizer.json")).chatTemplate();
        chat = template.equals("llama3") ? BuiltInChatTemplate.LLAMA3 : model;
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public String render() {
        return chat.render(CONVERSATION, true);
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 0)
    @Measurement(iterations = 1)
    @Fork(value = 5, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
    public String firstRender() {
        return chat.render(CONVERSATION, true);
    }
}
