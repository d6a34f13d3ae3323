package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * The official OpenAI Node client, unchanged, pointed at the API's base URL: list models, a whole
 * and a streamed chat completion, a legacy completion, typed errors, and an aborted stream. Needs
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
    public void start() {
        http = Http.whenStarted(context);
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

        Path script = Files.createTempFile("openai-client", ".cjs");
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

    private static boolean nodeRuns() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
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
