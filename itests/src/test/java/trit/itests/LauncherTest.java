package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

/**
 * The launcher users run ({@code trit.launcher.Main}, what {@code runtime/trit} executes) as a
 * real process: it starts the runtime's bundles, prints the URL once the API answers, serves,
 * and stops cleanly on SIGTERM; bad input gets one clear line and a non-zero exit.
 */
public class LauncherTest {

    /** What a usage error's one line ends with. */
    private static final String HELP = " (runtime/trit help lists the options)";

    private static final Path RUNTIME = Path.of(System.getProperty("trit.runtime.dir", "../runtime")).toAbsolutePath();

    @Test
    public void startsServesAndStopsCleanlyOnSigterm() throws Exception {
        int port = freePort();
        Path config = TritFramework.scratchDirectory("launcher-etc");
        Path missing = TritFramework.scratchDirectory("launcher-models").resolve("not-made");
        Process process = launch("serve", "--port", Integer.toString(port), "--config", config.toString(),
                "--data", TritFramework.scratchDirectory("launcher-data").toString(), "--models", missing.toString());
        BlockingQueue<String> output = drain(process);
        try {
            awaitLine(output, "trit: warning: the models folder " + missing + " does not exist; models placed there once "
                    + "it does are served", 30);
            String ready = awaitLine(output, "Trit is ready at ", 90);
            assertTrue(ready, ready.startsWith("Trit is ready at http://127.0.0.1:" + port + " "));

            Http.Reply models = new Http(port).get("/v1/models");
            assertEquals(200, models.status());
            assertEquals("list", models.json().path("object").asText());
            assertTrue("the launcher runs no child process", process.descendants().findAny().isEmpty());
        } finally {
            // SIGTERM, as an operator's kill or a service manager sends. Not Process.destroy(): it also
            // closes this side of the pipes, and the launcher's last lines would be lost.
            process.toHandle().destroy();
        }
        assertTrue("stops within 30 s", process.waitFor(30, TimeUnit.SECONDS));
        awaitLine(output, "Stopping Trit ...", 5);
        awaitLine(output, "Trit stopped.", 5);
        assertFalse(process.isAlive());
    }

    @Test
    public void aRestartReusesTheInstalledBundlesButTakesConfigurationOnlyFromTheFolder() throws Exception {
        Path config = TritFramework.scratchDirectory("restart-etc");
        Path data = TritFramework.scratchDirectory("restart-data");
        Files.writeString(config.resolve("trit.rest.cfg"), "base.path = /moved\n");
        int port = freePort();
        assertEquals(200, serveOnce(port, config, data, "/moved/v1/models"));
        assertTrue("the bundle set is recorded for the next start", Files.isRegularFile(data.resolve("cache.fingerprint")));

        Files.delete(config.resolve("trit.rest.cfg")); // while the server is down
        assertEquals("the removed file's base path is gone", 200, serveOnce(port, config, data, "/v1/models"));
    }

    /** Starts the server, GETs {@code path} once it is ready, stops it; returns the status. */
    private static int serveOnce(int port, Path config, Path data, String path) throws Exception {
        Process process = launch("serve", "--port", Integer.toString(port), "--config", config.toString(), "--data", data.toString());
        BlockingQueue<String> output = drain(process);
        try {
            awaitLine(output, "Trit is ready at ", 90);
            return new Http(port).get(path).status();
        } finally {
            process.toHandle().destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        }
    }

    @Test
    public void refusesAPortInUseBeforeStartingAnything() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process process = launch("--port", Integer.toString(taken.getLocalPort()));
            List<String> lines = finish(process);
            assertEquals(1, process.exitValue());
            assertTrue(lines.toString(), lines.stream().anyMatch(l -> l.startsWith(
                    "trit: cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (")));
        }
    }

    @Test
    public void badOptionsAreUsageErrors() throws Exception {
        Process badPort = launch("serve", "--port", "70000");
        List<String> lines = finish(badPort);
        assertEquals(2, badPort.exitValue());
        assertTrue(lines.toString(), lines.contains("trit: --port must be a port number from 1 to 65535, was '70000'" + HELP));

        Process unknown = launch("serve", "--colour", "blue");
        assertTrue(finish(unknown).contains("trit: unknown option '--colour'" + HELP));
        assertEquals(2, unknown.exitValue());

        Process missingConfig = launch("--config", "/nonexistent/trit-etc");
        assertTrue(finish(missingConfig).contains("trit: --config /nonexistent/trit-etc is not a folder" + HELP));
        assertEquals(2, missingConfig.exitValue());
    }

    @Test
    public void helpIsAnOptionOfEveryCommandToo() throws Exception {
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"-h"}, new String[] {"eval", "--help"},
                new String[] {"bench", "-h"})) {
            Process process = launch(args);
            List<String> lines = finish(process);
            assertEquals(List.of(args) + ": " + lines, 0, process.exitValue());
            assertTrue(List.of(args) + ": " + lines, lines.stream().anyMatch(l -> l.startsWith("Usage: runtime/trit [serve]")));
        }
    }

    @Test
    public void shellRunsTheTritCommandsOnTheConsoleAndItsEndStopsTheServer() throws Exception {
        int port = freePort();
        Process process = launch("serve", "--shell", "--port", Integer.toString(port),
                "--config", TritFramework.scratchDirectory("shell-etc").toString(),
                "--data", TritFramework.scratchDirectory("shell-data").toString());
        BlockingQueue<String> output = drain(process);
        try {
            awaitLine(output, "Trit is ready at ", 90);
            awaitLine(output, "Gogo shell: ", 10);
            process.getOutputStream().write("trit:providers\n".getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
            String header = awaitLine(output, l -> l.contains("PROVIDER  WHERE  STATE"), "the providers table", 30);
            assertTrue(header, header.length() <= 80 + "g! trit:providers".length());
            // End of input (Ctrl-D on a terminal) ends the shell, and the shell stops the framework.
            process.getOutputStream().close();
            assertTrue("the server stops when the shell ends", process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue());
        } finally {
            process.toHandle().destroy();
        }
    }

    @Test
    public void evalReproducesBitnetCppsLogitsAsJson() throws Exception {
        Path tiny = Shared.require("reference/tiny/tiny-i2s.gguf").getParent();
        Shared.require("reference/tiny/reference.json");
        Process process = launch("eval", "--model", tiny.resolve("tiny-i2s.gguf").toString(),
                "--tokens", "1,450,7483,310,3444,338", "--n-predict", "3", "--top-logits", "5", "--json");
        List<String> lines = finish(process);
        assertEquals(lines.toString(), 0, process.exitValue());
        String json = lines.stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(lines));
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode result = mapper.readTree(json);
        com.fasterxml.jackson.databind.JsonNode reference = mapper.readTree(tiny.resolve("reference.json").toFile())
                .path("runs").path("tiny-i2s").path("seq").path("prompts").get(0);
        assertEquals(reference.path("prompt_ids"), result.path("prompt_ids"));
        for (int pos = 0; pos < 6; pos++) {
            com.fasterxml.jackson.databind.JsonNode ours = result.path("prompt_positions_top").get(pos);
            com.fasterxml.jackson.databind.JsonNode theirs = reference.path("prompt_positions_top10").get(pos);
            assertEquals(5, ours.size());
            for (int i = 0; i < 5; i++) {
                assertEquals("position " + pos + " rank " + i, theirs.get(i).get(0).asInt(), ours.get(i).get(0).asInt());
                assertEquals(theirs.get(i).get(1).asDouble(), ours.get(i).get(1).asDouble(), 0.01);
            }
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(reference.path("generated_ids").get(i).asInt(), result.path("generated_ids").get(i).asInt());
        }
        assertEquals(2, result.path("generation_steps_top").size());
    }

    @Test
    public void evalBeyondTheTrainedContextRunsWithAWarning() throws Exception {
        Path tiny = Shared.require("reference/tiny/tiny-i2s.gguf");
        Process process = launch("eval", "--model", tiny.toString(), "--tokens", "1,450", "--n-predict", "300");
        List<String> lines = finish(process);
        assertEquals(lines.toString(), 0, process.exitValue());
        assertTrue(lines.toString(), lines.contains(
                "eval: warning: 302 positions exceed the 256 the model was trained with; past them the results are extrapolation"));
    }

    @Test
    public void tokenizeMatchesLlamaTokenizeOnTheSharedVocabulary() throws Exception {
        Path vocab = Shared.require("vocab/llama-spm/ggml-vocab-llama-spm.gguf");
        Process process = launch("tokenize", "--vocab", vocab.toString(), "--text", "The capital of France is", "--json");
        List<String> lines = finish(process);
        assertEquals(lines.toString(), 0, process.exitValue());
        assertTrue(lines.toString(), lines.contains(
                "{\"ids\":[1,450,7483,310,3444,338],\"pieces\":[\"<s>\",\"▁The\",\"▁capital\",\"▁of\",\"▁France\",\"▁is\"]}"));
    }

    @Test
    public void tokenizeChatPrintsThePromptTheModelsTemplateRendersAndItsIds() throws Exception {
        Path vocab = Shared.require("vocab/llama3/tokenizer.json");
        Path chat = Files.createTempFile(TritFramework.scratchDirectory("launcher"), "chat", ".json");
        Files.writeString(chat, "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        Process process = launch("tokenize", "--vocab", vocab.toString(), "--chat", chat.toString(), "--json");
        List<String> lines = finish(process);
        assertEquals(lines.toString(), 0, process.exitValue());
        assertTrue(lines.toString(), lines.contains("{\"template\":\"tokenizer_config\",\"prompt\":\"<|begin_of_text|>"
                + "<|start_header_id|>user<|end_header_id|>\\n\\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\n\","
                + "\"ids\":[128000,128006,882,128007,271,13347,128009,128006,78191,128007,271],"
                + "\"pieces\":[\"<|begin_of_text|>\",\"<|start_header_id|>\",\"user\",\"<|end_header_id|>\",\"ĊĊ\",\"Hi\","
                + "\"<|eot_id|>\",\"<|start_header_id|>\",\"assistant\",\"<|end_header_id|>\",\"ĊĊ\"]}"));
    }

    @Test
    public void perplexityPrintsTheRunningValueAfterEachChunkAndTheFinalEstimate() throws Exception {
        Path tiny = Shared.require("reference/tiny/tiny-i2s.gguf");
        Path text = Files.createTempFile(TritFramework.scratchDirectory("launcher"), "ppl", ".txt");
        Files.writeString(text, "The capital of France is Paris. The capital of Italy is Rome. ".repeat(12));
        Process process = launch("perplexity", "--model", tiny.toString(), "--file", text.toString(), "--ctx", "32",
                "--chunks", "2");
        List<String> lines = finish(process);
        assertEquals(lines.toString(), 0, process.exitValue());
        assertTrue(lines.toString(), lines.stream().anyMatch(l -> l.matches("\\[1]\\d+\\.\\d{4},")));
        assertTrue(lines.toString(), lines.stream().anyMatch(l -> l.matches("\\[1]\\d+\\.\\d{4},\\[2]\\d+\\.\\d{4},")));
        String last = lines.stream().filter(l -> l.startsWith("Final estimate: PPL = ")).findFirst()
                .orElseThrow(() -> new AssertionError(lines));
        double ppl = Double.parseDouble(last.split(" ")[4]);
        assertTrue(last, ppl > 1 && Double.isFinite(ppl));
    }

    @Test
    public void evalRefusesAMalformedModelInOneLine() throws Exception {
        Path bad = Files.createTempFile(TritFramework.scratchDirectory("launcher"), "bad", ".gguf");
        Files.writeString(bad, "GGUF but not really");
        Process process = launch("eval", "--model", bad.toString(), "--tokens", "1");
        List<String> lines = finish(process);
        assertEquals(1, process.exitValue());
        List<String> errors = lines.stream().filter(l -> l.startsWith("trit:")).toList();
        assertEquals(lines.toString(), 1, errors.size());
        assertTrue(errors.get(0), errors.get(0).startsWith("trit: eval: " + bad.getFileName() + " at byte 4: unsupported GGUF version"));
        assertTrue("no stack trace without --verbose: " + lines, lines.stream().noneMatch(l -> l.startsWith("\tat ")));
    }

    private static Process launch(String... args) throws IOException {
        boolean tool = args.length > 0 && List.of("eval", "tokenize", "perplexity").contains(args[0]);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dlogback.configurationFile=" + RUNTIME.resolve(tool ? "conf/logback-tools.xml" : "conf/logback.xml"),
                "-Djava.util.logging.config.file=" + RUNTIME.resolve("conf/logging.properties"),
                "-Dtrit.home=" + RUNTIME,
                "-cp", RUNTIME.resolve("target/lib/org.apache.felix.framework.jar") + java.io.File.pathSeparator
                        + RUNTIME.resolve("target/trit-launcher.jar")
                        // as runtime/trit does for its tools: the bundles as plain jars
                        + (tool ? java.io.File.pathSeparator + RUNTIME.resolve("target/export/trit/*") : ""),
                "trit.launcher.Main"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static BlockingQueue<String> drain(Process process) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                reader.lines().forEach(lines::add);
            } catch (IOException e) {
                lines.add("(output failed: " + e + ")");
            }
        });
        return lines;
    }

    private static String awaitLine(BlockingQueue<String> lines, String prefix, int seconds) throws InterruptedException {
        return awaitLine(lines, l -> l.startsWith(prefix), "starting with '" + prefix + "'", seconds);
    }

    private static String awaitLine(BlockingQueue<String> lines, java.util.function.Predicate<String> wanted, String what,
                                    int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                if (wanted.test(line)) {
                    return line;
                }
                seen.add(line);
            }
        }
        throw new AssertionError("no line " + what + " within " + seconds + " s; output: " + seen);
    }

    private static List<String> finish(Process process) throws InterruptedException {
        BlockingQueue<String> output = drain(process);
        assertTrue("exits by itself", process.waitFor(30, TimeUnit.SECONDS));
        Thread.sleep(100); // let the reader take the last lines
        return new ArrayList<>(output);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
