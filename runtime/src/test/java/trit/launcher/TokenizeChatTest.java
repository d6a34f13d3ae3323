package trit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import trit.launcher.Main.LaunchException;
import trit.launcher.Main.UsageException;

/** {@code trit tokenize --chat}: a conversation file rendered with the model's template, on the real LLaMA-3 vocabulary. */
class TokenizeChatTest {

    private static final Path LLAMA3 = Path.of("../../shared/vocab/llama3/tokenizer.json");

    @TempDir
    Path dir;

    private String run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        assertEquals(0, new TokenizeCommand(TokenizeCommand.Options.parse(args), InputStream.nullInputStream(), out).run());
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private Path chat(String json) throws IOException {
        Path file = dir.resolve("chat.json");
        Files.writeString(file, json);
        return file;
    }

    @Test
    void printsThePromptAndItsIds() throws IOException {
        assumeTrue(Files.isRegularFile(LLAMA3), "skipped: " + LLAMA3.toAbsolutePath() + " is missing");
        Path file = chat("[{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]");
        String prompt = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        String out = run("--vocab", LLAMA3.toString(), "--chat", file.toString());
        assertTrue(out.startsWith(prompt + "\n128000,128006,9125,128007,271,"), out);

        JsonNode json = new ObjectMapper().readTree(run("--vocab", LLAMA3.toString(), "--chat", file.toString(), "--json"));
        assertEquals("tokenizer_config", json.path("template").asText());
        assertEquals(prompt, json.path("prompt").asText());
        assertEquals(128000, json.path("ids").get(0).asInt());
        assertEquals("<|begin_of_text|>", json.path("pieces").get(0).asText());
        assertEquals(json.path("ids").size(), json.path("pieces").size());
    }

    @Test
    void badChatFilesNameWhatIsWrong() throws IOException {
        assumeTrue(Files.isRegularFile(LLAMA3), "skipped: " + LLAMA3.toAbsolutePath() + " is missing");
        String vocab = LLAMA3.toString();
        assertEquals("tokenize: chat.json: messages[1].role: unknown role 'robot': expected one of system, developer, user, assistant, tool",
                assertThrows(LaunchException.class, () -> run("--vocab", vocab, "--chat",
                        chat("[{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"robot\", \"content\": \"b\"}]").toString())).getMessage());
        assertEquals("tokenize: chat.json: messages[0].content is not a string",
                assertThrows(LaunchException.class, () -> run("--vocab", vocab, "--chat",
                        chat("[{\"role\": \"user\", \"content\": 3}]").toString())).getMessage());
        assertEquals("tokenize: chat.json: expected a JSON array of messages",
                assertThrows(LaunchException.class, () -> run("--vocab", vocab, "--chat", chat("{\"role\": \"user\"}").toString())).getMessage());
        assertTrue(assertThrows(LaunchException.class, () -> run("--vocab", vocab, "--chat", chat("[{").toString()))
                .getMessage().startsWith("tokenize: chat.json: not JSON: "));
        assertEquals("tokenize: no chat file at " + dir.resolve("none.json"),
                assertThrows(LaunchException.class, () -> run("--vocab", vocab, "--chat", dir.resolve("none.json").toString())).getMessage());
        assertEquals("tokenize: --chat encodes as the server does: --special, --add-bos and --no-bos do not apply",
                assertThrows(UsageException.class, () -> run("--vocab", vocab, "--chat", "x.json", "--no-bos")).getMessage());
        assertEquals("tokenize: --add-bos and --no-bos contradict each other",
                assertThrows(UsageException.class, () -> run("--vocab", vocab, "--text", "t", "--add-bos", "--no-bos")).getMessage());
        assertEquals("tokenize: give exactly one of --text, --file, --jsonl and --chat",
                assertThrows(UsageException.class, () -> run("--vocab", vocab, "--chat", "x.json", "--text", "t")).getMessage());
    }
}
