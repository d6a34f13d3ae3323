package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Assume;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import trit.api.provider.InferenceProvider;

/**
 * Clients as users run them, unchanged: curl, and the official OpenAI Node client pointed at the
 * API's base URL (list models, a whole and a streamed chat completion, a legacy completion, typed
 * errors, and an aborted stream). The Node client needs
 * {@code node} and the {@code openai} npm package (its {@code node_modules} folder given by
 * {@code -Dtrit.openai.modules}, default {@code $TMPDIR/trit-openai-client/node_modules}: run
 * {@code npm install openai} in {@code $TMPDIR/trit-openai-client}); skipped, visibly, without them.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class OpenAiClientTest {

    @Inject
    private BundleContext context;

    private Http http;
    private ScriptedProvider scripted;
    private ServiceRegistration<InferenceProvider> registration;

    @Configuration
    public Option[] configuration() {
        return TritFramework.options();
    }

    @Before
    public void start() throws Exception {
        http = Http.whenStarted(context);
        TritFramework.stopRealRouter(context);
        scripted = new ScriptedProvider("scripted", "tokens-3-10", "tokens-4-20", "tokens-2-10", "endless-50");
        registration = scripted.register(context);
        http.await("/v1/models", r -> r.raw().body().contains("endless-50"), "the scripted provider");
    }

    @After
    public void stop() {
        registration.unregister();
    }

    @Test
    public void theOfficialNodeClientWorksUnchanged() throws Exception {
        Path modules = Path.of(System.getProperty("trit.openai.modules",
                Path.of(System.getProperty("java.io.tmpdir"), "trit-openai-client", "node_modules").toString()));
        boolean present = Files.isRegularFile(modules.resolve("openai/package.json")) && nodeRuns();
        if (!present) {
            System.out.println("SKIPPED: OpenAiClientTest needs node and the openai npm package in " + modules);
        }
        Assume.assumeTrue("node and " + modules + "/openai are needed", present);

        Path script = Files.createTempFile(TritFramework.scratchDirectory("openai"), "openai-client", ".cjs");
        try (InputStream in = OpenAiClientTest.class.getResourceAsStream("/openai-client.cjs")) {
            Files.write(script, in.readAllBytes());
        }
        String baseUrl = "http://127.0.0.1:" + context.getProperty(TritFramework.HTTP_PORT) + "/v1";
        ProcessBuilder builder = new ProcessBuilder("node", script.toString(), baseUrl).redirectErrorStream(false);
        builder.environment().put("NODE_PATH", modules.toString());
        Process node = builder.start();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(node.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("node did not finish", node.waitFor(60, TimeUnit.SECONDS));
        assertEquals("node failed: " + err, 0, node.exitValue());
        System.out.println("openai client: " + out.trim());
        JsonNode result = new ObjectMapper().readTree(out);

        List<String> models = new ArrayList<>();
        result.path("models").forEach(m -> models.add(m.asText()));
        assertTrue(models.toString(), models.contains("tokens-3-10"));
        assertEquals("chat.completion", result.path("whole").path("object").asText());
        assertEquals("t1 t2 t3 ", result.path("whole").path("content").asText());
        assertEquals("length", result.path("whole").path("finish_reason").asText());
        assertEquals(3, result.path("whole").path("usage").path("completion_tokens").asInt());

        JsonNode stream = result.path("stream");
        assertEquals("assistant", stream.path("role").asText());
        assertEquals("[\"t1 \",\"t2 \",\"t3 \",\"t4 \"]", stream.path("deltas").toString());
        assertEquals("stop", stream.path("finish_reason").asText());
        assertEquals(4, stream.path("usage").path("completion_tokens").asInt());

        assertEquals("text_completion", result.path("completion").path("object").asText());
        assertEquals("t1 t2 ", result.path("completion").path("text").asText());

        JsonNode unknown = result.path("unknownModel");
        assertEquals(404, unknown.path("status").asInt());
        assertEquals("model_not_found", unknown.path("code").asText());
        assertTrue(unknown.path("isNotFound").asBoolean());
        assertEquals(400, result.path("badTemperature").path("status").asInt());
        assertEquals("temperature", result.path("badTemperature").path("param").asText());

        assertEquals(2, result.path("aborted").path("received").asInt());
        assertTrue("the server cancelled the aborted stream's generation", scripted.cancelled.await(5, TimeUnit.SECONDS));
    }

    @Test
    public void curlWorksUnchangedEvenWithoutAContentType() throws Exception {
        boolean present = runs("curl");
        if (!present) {
            System.out.println("SKIPPED: curlWorksUnchangedEvenWithoutAContentType needs curl");
        }
        Assume.assumeTrue("curl is needed", present);
        String url = "http://127.0.0.1:" + context.getProperty(TritFramework.HTTP_PORT) + "/v1/chat/completions";
        // curl -d without -H sends application/x-www-form-urlencoded: the body is read as JSON anyway.
        String whole = curl("-s", url, "-d", "{\"model\":\"tokens-3-10\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals("t1 t2 t3 ", new ObjectMapper().readTree(whole).path("choices").get(0).path("message")
                .path("content").asText());
        String streamed = curl("-sN", url, "-H", "Content-Type: application/json", "-d",
                "{\"model\":\"tokens-2-10\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        // The server's probes for a client that went away are SSE comments, which parsers skip.
        String[] events = Arrays.stream(streamed.split("\n\n")).filter(e -> !e.startsWith(":")).toArray(String[]::new);
        assertEquals(streamed, 5, events.length);
        assertTrue(events[0], events[0].startsWith("data: {") && events[0].contains("\"role\":\"assistant\""));
        assertTrue(events[1], events[1].contains("\"content\":\"t1 \""));
        assertTrue(events[3], events[3].contains("\"finish_reason\":\"stop\""));
        assertEquals("data: [DONE]", events[4]);
    }

    private static String curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl"));
        command.addAll(List.of(args));
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("curl did not finish", curl.waitFor(30, TimeUnit.SECONDS));
        assertEquals(out, 0, curl.exitValue());
        return out;
    }

    private static boolean nodeRuns() {
        return runs("node");
    }

    private static boolean runs(String program) {
        try {
            Process p = new ProcessBuilder(program, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
