package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import javax.inject.Inject;

import org.junit.After;
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

import trit.api.provider.Availability;
import trit.api.provider.InferenceProvider;

/**
 * The audit trail in the running framework: one JSON line per API request in
 * {@code ${trit.data.dir}/logs/audit.jsonl} (the runtime's own conf/logback.xml), naming the
 * client by its key's name and never holding a key; no prompt or answer unless
 * {@code audit.content} is on, and never for a private request.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AuditLogTest {

    private static final String CHAT = "/v1/chat/completions";
    /** Keys made for this run: no key is committed. */
    private static final String ALICE_KEY = "alice-" + java.util.UUID.randomUUID();
    private static final String GUESSED_KEY = "guess-" + java.util.UUID.randomUUID();
    private static final String SECRET = "the launch code is PINEAPPLE-42";

    @Inject
    private BundleContext context;

    private Http http;
    private ServiceRegistration<InferenceProvider> provider;
    private static long lastWrite;

    @Configuration
    public Option[] configuration() {
        return TritFramework.options();
    }

    @Before
    public void keysAndAProvider() throws Exception {
        http = Http.whenStarted(context);
        provider = new StaticProvider("audit-local", Availability.AVAILABLE, "audit-model").register(context);
        configure(false);
    }

    @After
    public void unregister() throws IOException {
        provider.unregister();
        Files.deleteIfExists(configDir().resolve("trit.router.privacy.cfg"));
    }

    @Test
    public void aLineNamesTheClientAndTheRouteButHoldsNoContentByDefaultAndNeverAKey() throws Exception {
        JsonNode answer = http.post(CHAT, chat(""), "Authorization", "Bearer " + ALICE_KEY).json();
        JsonNode line = lineOf(answer.path("id").asText());
        assertTrue(line.toString(), line.path("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"));
        assertEquals("/v1/chat/completions", line.path("endpoint").asText());
        assertEquals("the key's name, never the key", "alice", line.path("client").asText());
        assertEquals("audit-model", line.path("model").asText());
        assertEquals("audit-local", line.path("provider").asText());
        assertEquals("audit-local", line.path("route").path("provider").asText());
        assertFalse("the route says why", line.path("route").path("policy").asText().isEmpty());
        assertEquals(1, line.path("tokens_in").asInt());
        assertEquals(1, line.path("tokens_out").asInt());
        assertTrue(line.path("latency_ms").isIntegralNumber());
        assertEquals(200, line.path("status").asInt());
        assertEquals("ok", line.path("outcome").asText());
        assertFalse(line.path("private").asBoolean());
        assertNoContent(line);

        Http.Reply refused = http.post(CHAT, chat(""), "Authorization", "Bearer " + GUESSED_KEY);
        assertEquals(401, refused.status());
        JsonNode denial = await(l -> l.path("status").asInt() == 401 && l.path("endpoint").asText().equals("POST /v1/chat/completions"));
        assertTrue("an unknown client has no name: " + denial, denial.path("client").isNull());
        assertEquals("error", denial.path("outcome").asText());

        assertEquals(200, http.request("GET", "/v1/models", "Authorization", "Bearer " + ALICE_KEY).status());
        JsonNode models = await(l -> l.path("endpoint").asText().equals("GET /v1/models") && l.path("client").asText().equals("alice"));
        assertEquals(200, models.path("status").asInt());

        String trail = Files.readString(auditFile());
        assertFalse("no key in the audit trail", trail.contains(ALICE_KEY) || trail.contains(GUESSED_KEY));
    }

    @Test
    public void withContentOnAnOrdinaryRequestIsWrittenWithPromptAndAnswerAPrivateOneNever() throws Exception {
        configure(true);
        JsonNode withContent = lineOf(http.post(CHAT, chat(""), "Authorization", "Bearer " + ALICE_KEY).json().path("id").asText());
        assertEquals(SECRET, withContent.path("prompt").get(0).path("content").asText());
        assertEquals("user", withContent.path("prompt").get(0).path("role").asText());
        assertEquals("ok", withContent.path("answer").asText());

        JsonNode byHeader = lineOf(http.post(CHAT, chat(""), "Authorization", "Bearer " + ALICE_KEY,
                "X-Trit-Privacy", "local_only").json().path("id").asText());
        assertTrue(byHeader.path("private").asBoolean());
        assertNoContent(byHeader);

        JsonNode byBody = lineOf(http.post(CHAT, chat(", \"privacy\": \"local_only\""), "Authorization", "Bearer " + ALICE_KEY)
                .json().path("id").asText());
        assertTrue(byBody.path("private").asBoolean());
        assertNoContent(byBody);

        Http.Streamed streamed = http.stream(CHAT, chat(", \"stream\": true, \"privacy\": \"local_only\""),
                "Authorization", "Bearer " + ALICE_KEY);
        assertEquals(200, streamed.status());
        String id = Http.parse(streamed.data().get(0)).path("id").asText();
        JsonNode privateStream = lineOf(id);
        assertTrue(privateStream.path("stream").asBoolean());
        assertTrue(privateStream.path("private").asBoolean());
        assertNoContent(privateStream);

        Http.Streamed ordinary = http.stream(CHAT, chat(", \"stream\": true"), "Authorization", "Bearer " + ALICE_KEY);
        JsonNode streamedLine = lineOf(Http.parse(ordinary.data().get(0)).path("id").asText());
        assertEquals("the streamed answer, whole", "ok", streamedLine.path("answer").asText());
    }

    @Test
    public void aRequestTheRoutersPrivacyPatternMatchesIsNeverWrittenWithContent() throws Exception {
        configure(true);
        // Only a local provider runs: the pattern excludes nobody, yet the request is private.
        Files.writeString(configDir().resolve("trit.router.privacy.cfg"), "private.patterns = launch code\n");
        JsonNode line = null;
        for (int i = 0; i < 100 && (line == null || !line.path("private").asBoolean()); i++) {
            Http.sleep(100);
            line = lineOf(http.post(CHAT, chat(""), "Authorization", "Bearer " + ALICE_KEY).json().path("id").asText());
        }
        assertTrue("the router's verdict reaches the audit: " + line, line.path("private").asBoolean());
        assertNoContent(line);
    }

    private static void assertNoContent(JsonNode line) {
        assertFalse("no prompt: " + line, line.has("prompt"));
        assertFalse("no answer: " + line, line.has("answer"));
        assertFalse("the prompt's text nowhere: " + line, line.toString().contains("PINEAPPLE"));
    }

    private static String chat(String extra) {
        return """
                {"model": "audit-model", "messages": [{"role": "user", "content": "%s"}]%s}""".formatted(SECRET, extra);
    }

    /** Writes trit.rest.cfg and waits until a request's audit line shows the setting applied. */
    private void configure(boolean content) throws IOException {
        Path cfg = configDir().resolve("trit.rest.cfg");
        // FileInstall can miss a second change within the same second (docs/stack-notes.md).
        Http.sleep(Math.max(0, lastWrite + 1100 - System.currentTimeMillis()));
        lastWrite = System.currentTimeMillis();
        Files.writeString(cfg, "api.keys = alice:" + ALICE_KEY + "\naudit.content = " + content + "\n");
        http.await("/v1/models", r -> r.status() == 401, "the keys to apply");
        for (int i = 0; i < 100; i++) {
            Http.Reply probe = http.post(CHAT, chat(""), "Authorization", "Bearer " + ALICE_KEY);
            if (probe.status() == 200 && lineOf(probe.json().path("id").asText()).has("prompt") == content) {
                return;
            }
            Http.sleep(100);
        }
        throw new AssertionError("audit.content = " + content + " did not apply within 10 s");
    }

    private Path configDir() {
        return Path.of(context.getProperty(TritFramework.CONFIG_DIR));
    }

    /** The audit line of the response with this id ({@code chatcmpl-<request id>}). */
    private static JsonNode lineOf(String responseId) {
        String requestId = responseId.substring(responseId.indexOf('-') + 1);
        return await(l -> l.path("request_id").asText().equals(requestId));
    }

    /** The last audit line that matches, waiting a little for it (a stream's line follows its last byte). */
    private static JsonNode await(java.util.function.Predicate<JsonNode> match) {
        for (int i = 0; i < 100; i++) {
            Optional<JsonNode> line = lines().reversed().stream().filter(match).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            Http.sleep(50);
        }
        throw new AssertionError("no matching audit line in " + auditFile() + ": " + lines());
    }

    private static List<JsonNode> lines() {
        try {
            Path file = auditFile();
            return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).map(Http::parse).toList()
                    : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path auditFile() {
        return Path.of(System.getProperty("trit.data.dir", "target/trit-data"), "logs", "audit.jsonl");
    }
}
