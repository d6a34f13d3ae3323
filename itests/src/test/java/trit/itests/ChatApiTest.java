package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.api.chat.ChatRequest;
import trit.api.chat.Role;
import trit.api.provider.Availability;
import trit.api.provider.InferenceProvider;
import trit.api.provider.ProviderException;
import trit.api.routing.Route;
import trit.api.routing.Router;

/**
 * The OpenAI-compatible API over real HTTP on loopback, in the runtime's framework, against
 * scripted providers: whole and streamed answers in OpenAI's exact shapes, every error status,
 * limits, keys, CORS, routes, metrics, and a disconnecting client cancelling its generation.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ChatApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "/v1/chat/completions";

    @Inject
    private BundleContext context;

    private Http http;
    private ScriptedProvider scripted;
    private ServiceRegistration<InferenceProvider> registration;
    private final List<ServiceRegistration<?>> extra = new ArrayList<>();

    @Configuration
    public Option[] configuration() {
        return TritFramework.options();
    }

    @Before
    public void start() throws Exception {
        http = Http.whenStarted(context);
        TritFramework.stopRealRouter(context);
        List<String> models = new ArrayList<>(List.of("tokens-3-10", "tokens-4-150", "tokens-2-10", "tokens-2-21",
                "tokens-1-1", "endless-100", "endless-20", "hold", "midfail"));
        for (ProviderException.Kind kind : ProviderException.Kind.values()) {
            models.add("fail-" + kind.name().toLowerCase());
            models.add("throw-" + kind.name().toLowerCase());
        }
        scripted = new ScriptedProvider("scripted", models.toArray(String[]::new));
        registration = scripted.register(context);
        http.await("/v1/models", r -> r.raw().body().contains("tokens-3-10"), "the scripted provider");
    }

    @After
    public void stop() throws Exception {
        registration.unregister();
        extra.forEach(ServiceRegistration::unregister);
        Path cfg = config();
        if (Files.exists(cfg)) {
            // A sentinel first: once it shows, the test's settings are gone; then the defaults.
            Files.writeString(cfg, "max.concurrent.generations = 7\n");
            http.await("/metrics", r -> r.raw().body().contains("trit_generation_limit 7"), "the test's settings to go");
            Files.delete(cfg);
            http.await("/metrics", r -> r.raw().body().contains("trit_generation_limit 8"), "the default settings");
        }
    }

    @Test
    public void chatCompletionAnswersInOpenAiShapeAndPassesEveryFieldOn() {
        JsonNode answer = http.post(CHAT, """
                {"model":"tokens-3-10","messages":[{"role":"system","content":"be brief"},
                 {"role":"user","content":[{"type":"text","text":"hi "},{"type":"text","text":"there"}]}],
                 "temperature":0.5,"top_p":0.9,"max_tokens":3,"stop":["\\n\\n","END"],"seed":42,"n":1,
                 "presence_penalty":0.1,"frequency_penalty":-0.2,"user":"u-1",
                 "tools":[{"type":"function","function":{"name":"f"}}]}""").json();
        assertTrue(answer.toString(), answer.path("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", answer.path("object").asText());
        assertTrue(answer.path("created").asLong() > 1_600_000_000L);
        assertEquals("tokens-3-10", answer.path("model").asText());
        JsonNode choice = answer.path("choices").get(0);
        assertEquals(0, choice.path("index").asInt());
        assertEquals("assistant", choice.path("message").path("role").asText());
        assertEquals("t1 t2 t3 ", choice.path("message").path("content").asText());
        assertEquals("length", choice.path("finish_reason").asText());
        assertEquals(10, answer.path("usage").path("prompt_tokens").asInt());
        assertEquals(3, answer.path("usage").path("completion_tokens").asInt());
        assertEquals(13, answer.path("usage").path("total_tokens").asInt());
        assertFalse("no route without the router", answer.has("route"));

        ChatRequest seen = scripted.lastRequest;
        assertEquals(0.5, seen.sampling().temperature(), 0);
        assertEquals(0.9, seen.sampling().topP(), 0);
        assertEquals(42L, (long) seen.sampling().seed());
        assertEquals(0.1, seen.sampling().presencePenalty(), 0);
        assertEquals(-0.2, seen.sampling().frequencyPenalty(), 0);
        assertEquals(List.of("\n\n", "END"), seen.stop());
        assertEquals(3, (int) seen.maxTokens());
        assertEquals(Role.SYSTEM, seen.messages().get(0).role());
        assertEquals("hi there", seen.messages().get(1).content());
        assertEquals("u-1", seen.extensions().get("user"));
        assertTrue(seen.extensions().get("tools") instanceof List<?>);
        assertFalse(seen.extensions().containsKey(Route.PRIVACY));
        assertFalse("the REST layer's own fields are not passed as extensions", seen.extensions().containsKey("n"));
    }

    @Test
    public void privacyFromTheBodyOrTheHeaderReachesTheProvider() {
        http.post(CHAT, chat("tokens-1-1", "{\"privacy\":\"local_only\"}")).json();
        assertEquals(Route.LOCAL_ONLY, scripted.lastRequest.extensions().get(Route.PRIVACY));
        http.post(CHAT, chat("tokens-1-1", "{}"), "X-Trit-Privacy", "local_only").json();
        assertEquals(Route.LOCAL_ONLY, scripted.lastRequest.extensions().get(Route.PRIVACY));
        http.post(CHAT, chat("tokens-1-1", "{}")).json();
        assertNull(scripted.lastRequest.extensions().get(Route.PRIVACY));
    }

    @Test
    public void streamingIsOpenAisServerSentEventsFlushedPerToken() throws Exception {
        Http.Streamed reply = http.stream(CHAT, chat("tokens-4-150",
                "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));
        assertEquals(200, reply.status());
        assertEquals("text/event-stream;charset=utf-8",
                reply.headers().firstValue("Content-Type").orElse("").replace(" ", ""));
        List<String> data = reply.data();
        assertEquals(data.toString(), 8, data.size());
        assertEquals("[DONE]", data.get(7));
        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, 7)) {
            chunks.add(JSON.readTree(d));
        }
        String id = chunks.get(0).path("id").asText();
        assertTrue(id, id.startsWith("chatcmpl-"));
        for (JsonNode chunk : chunks) {
            assertEquals(id, chunk.path("id").asText());
            assertEquals("chat.completion.chunk", chunk.path("object").asText());
            assertEquals("tokens-4-150", chunk.path("model").asText());
            assertTrue("usage is in every chunk with include_usage", chunk.has("usage"));
        }
        JsonNode opening = chunks.get(0).path("choices").get(0);
        assertEquals("assistant", opening.path("delta").path("role").asText());
        assertEquals("", opening.path("delta").path("content").asText());
        assertTrue(opening.path("finish_reason").isNull());
        for (int i = 1; i <= 4; i++) {
            JsonNode choice = chunks.get(i).path("choices").get(0);
            assertEquals("t" + i + " ", choice.path("delta").path("content").asText());
            assertFalse(choice.path("delta").has("role"));
            assertTrue(chunks.get(i).path("usage").isNull());
        }
        JsonNode finish = chunks.get(5).path("choices").get(0);
        assertEquals("stop", finish.path("finish_reason").asText());
        assertEquals(0, finish.path("delta").size());
        JsonNode usage = chunks.get(6);
        assertEquals(0, usage.path("choices").size());
        assertEquals(4, usage.path("usage").path("completion_tokens").asInt());
        assertEquals(9, usage.path("usage").path("total_tokens").asInt());

        // Flushed per token: the tokens arrive 150 ms apart, not together at the end.
        List<Long> arrivals = reply.lines().stream().filter(l -> l.line().contains("\"content\":\"t"))
                .map(Http.TimedLine::millis).toList();
        assertEquals(4, arrivals.size());
        assertTrue("tokens arrived at " + arrivals, arrivals.get(3) - arrivals.get(0) >= 300);

        // Without include_usage: no usage field anywhere, no usage chunk.
        List<String> plain = http.stream(CHAT, chat("tokens-2-10", "{\"stream\":true}")).data();
        assertEquals(plain.toString(), 5, plain.size());
        assertFalse(plain.get(1).contains("usage"));
    }

    @Test
    public void legacyCompletionsWholeAndStreamed() throws Exception {
        JsonNode whole = http.post("/v1/completions", "{\"model\":\"tokens-2-10\",\"prompt\":\"Once upon\",\"max_tokens\":5}").json();
        assertTrue(whole.path("id").asText().startsWith("cmpl-"));
        assertEquals("text_completion", whole.path("object").asText());
        JsonNode choice = whole.path("choices").get(0);
        assertEquals("t1 t2 ", choice.path("text").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        assertTrue(choice.has("logprobs"));
        assertEquals(2, whole.path("usage").path("completion_tokens").asInt());
        assertEquals(Boolean.TRUE, scripted.lastRequest.extensions().get("raw_prompt"));
        assertEquals(1, scripted.lastRequest.messages().size());
        assertEquals("Once upon", scripted.lastRequest.messages().get(0).content());

        List<String> data = http.stream("/v1/completions",
                "{\"model\":\"tokens-2-10\",\"prompt\":[\"Once upon\"],\"stream\":true}").data();
        assertEquals(data.toString(), 4, data.size());
        assertEquals("t1 ", JSON.readTree(data.get(0)).path("choices").get(0).path("text").asText());
        assertEquals("text_completion", JSON.readTree(data.get(0)).path("object").asText());
        assertEquals("t2 ", JSON.readTree(data.get(1)).path("choices").get(0).path("text").asText());
        assertEquals("stop", JSON.readTree(data.get(2)).path("choices").get(0).path("finish_reason").asText());
        assertEquals("[DONE]", data.get(3));
    }

    @Test
    public void invalidFieldsAre400sThatNameTheField() {
        String[][] cases = {
                // body, param, message
                {"{}", "messages", "messages is required: a list of {role, content} objects"},
                {"{\"messages\":[]}", "messages", "messages must be a non-empty list of {role, content} objects"},
                {"{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}", "messages[0].role",
                        "messages[0].role: unknown role 'wizard': expected one of system, developer, user, assistant, tool"},
                {"{\"messages\":[{\"role\":\"user\"}]}", "messages[0].content",
                        "messages[0].content is required for a user message"},
                {"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}]}",
                        "messages[0].content[0]", "messages[0].content[0] must be a {\"type\": \"text\", \"text\": ...} "
                        + "part (only text is supported), was {\"type\":\"image_url\",\"image_url\":{}}"},
                {"{\"messages\":[{\"role\":\"tool\",\"content\":\"42\"}]}", "messages[0].tool_call_id",
                        "messages[0].tool_call_id is required for a tool message"},
                {chat("tokens-1-1", "{\"model\":5}"), "model", "model must be a model id from /v1/models or \"auto\", was 5"},
                {chat("tokens-1-1", "{\"temperature\":3}"), "temperature", "temperature must be a number in [0, 2], was 3"},
                {chat("tokens-1-1", "{\"temperature\":\"hot\"}"), "temperature",
                        "temperature must be a number in [0, 2], was \"hot\""},
                {chat("tokens-1-1", "{\"top_p\":0}"), "top_p", "top_p must be a number in (0, 1], was 0"},
                {chat("tokens-1-1", "{\"max_tokens\":0}"), "max_tokens", "max_tokens must be an integer >= 1, was 0"},
                {chat("tokens-1-1", "{\"max_tokens\":1.5}"), "max_tokens", "max_tokens must be an integer >= 1, was 1.5"},
                {chat("tokens-1-1", "{\"max_completion_tokens\":100000}"), "max_completion_tokens",
                        "max_completion_tokens must be at most 32768 on this server (max.tokens.cap), was 100000"},
                {chat("tokens-1-1", "{\"stop\":5}"), "stop", "stop must be a string or a list of strings, was 5"},
                {chat("tokens-1-1", "{\"stop\":[\"\"]}"), "stop", "stop must be a string or a list of non-empty strings, had \"\""},
                {chat("tokens-1-1", "{\"n\":2}"), "n", "n must be 1 (one choice per request), was 2"},
                {chat("tokens-1-1", "{\"seed\":\"x\"}"), "seed", "seed must be an integer, was \"x\""},
                {chat("tokens-1-1", "{\"presence_penalty\":3}"), "presence_penalty",
                        "presence_penalty must be a number in [-2, 2], was 3"},
                {chat("tokens-1-1", "{\"frequency_penalty\":-2.5}"), "frequency_penalty",
                        "frequency_penalty must be a number in [-2, 2], was -2.5"},
                {chat("tokens-1-1", "{\"stream\":\"yes\"}"), "stream", "stream must be true or false, was \"yes\""},
                {chat("tokens-1-1", "{\"stream_options\":{\"include_usage\":true}}"), "stream_options",
                        "stream_options is only allowed when stream is true"},
                {chat("tokens-1-1", "{\"stream\":true,\"stream_options\":{\"include_usage\":1}}"),
                        "stream_options.include_usage", "stream_options.include_usage must be true or false, was 1"},
                {chat("tokens-1-1", "{\"privacy\":\"public\"}"), "privacy",
                        "privacy must be \"local_only\" (or absent), was \"public\""},
        };
        for (String[] c : cases) {
            Http.Reply reply = http.post(CHAT, c[0]);
            assertEquals(c[0], c[2], reply.assertError(400, "invalid_value"));
            assertEquals(c[0], c[1], reply.json().path("error").path("param").asText());
        }
        Http.Reply header = http.post(CHAT, chat("tokens-1-1", "{}"), "X-Trit-Privacy", "anyone");
        assertEquals("the X-Trit-Privacy header must be \"local_only\" (or absent), was \"anyone\"",
                header.assertError(400, "invalid_value"));
        assertEquals("X-Trit-Privacy", header.json().path("error").path("param").asText());

        assertEquals("The request body must be a JSON object, was [1,2]", http.post(CHAT, "[1,2]").assertError(400, "invalid_json"));
        assertTrue(http.post(CHAT, "{bad").assertError(400, "invalid_json").startsWith("The request body is not valid JSON"));
        assertTrue(http.post(CHAT, chat("tokens-1-1", "{}") + " trailing").assertError(400, "invalid_json")
                .startsWith("The request body is not valid JSON: Unrecognized token 'trailing'"));
        assertTrue(http.post(CHAT, "{\"model\":\"tokens-1-1\",\"model\":\"other\",\"messages\":[]}")
                .assertError(400, "invalid_json").startsWith("The request body is not valid JSON: Duplicate field 'model'"));
        assertEquals("max_tokens must be at most 2147483647, was 99999999999",
                http.post(CHAT, chat("tokens-1-1", "{\"max_tokens\":99999999999}")).assertError(400, "invalid_value"));
        assertTrue(http.post(CHAT, "").assertError(400, "invalid_json").startsWith("The request body must be a JSON object"));

        String[][] completions = {
                {"{\"model\":\"tokens-1-1\"}", "prompt", "prompt is required: a string"},
                {"{\"model\":\"tokens-1-1\",\"prompt\":5}", "prompt", "prompt must be a string (or a list of exactly one "
                        + "string; token-id prompts and batches are not supported), was 5"},
                {"{\"model\":\"tokens-1-1\",\"prompt\":\"x\",\"echo\":true}", "echo", "echo is not supported"},
                {"{\"model\":\"tokens-1-1\",\"prompt\":\"x\",\"logprobs\":2}", "logprobs", "logprobs are not supported"},
                {"{\"model\":\"tokens-1-1\",\"prompt\":\"x\",\"best_of\":3}", "best_of",
                        "best_of must be 1 (one completion per request), was 3"},
        };
        for (String[] c : completions) {
            Http.Reply reply = http.post("/v1/completions", c[0]);
            assertEquals(c[0], c[2], reply.assertError(400, "invalid_value"));
            assertEquals(c[0], c[1], reply.json().path("error").path("param").asText());
        }
    }

    @Test
    public void unknownModelsAre404AndNoProviderIs503() {
        Http.Reply unknown = http.post(CHAT, chat("no-such-model", "{}"));
        assertEquals("The model 'no-such-model' does not exist; GET /v1/models lists the models served now",
                unknown.assertError(404, "model_not_found"));
        assertEquals("model", unknown.json().path("error").path("param").asText());
        assertEquals("No provider is available: model \"auto\" needs the router, and no router is running",
                http.post(CHAT, chat("auto", "{}")).assertError(503, "no_provider_available"));
        assertEquals("omitted model means auto", 503,
                http.post(CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").status());

        ServiceRegistration<InferenceProvider> loading = new StaticProvider("itest-loading",
                Availability.loading("loading big.gguf"), "big-model").register(context);
        extra.add(loading);
        http.await("/v1/models", r -> r.raw().body().contains("big-model"), "the loading provider");
        Http.Reply busy = http.post(CHAT, chat("big-model", "{}"));
        assertEquals("Provider itest-loading cannot take requests now (loading: loading big.gguf)",
                busy.assertError(503, "no_provider_available"));
        assertEquals("5", busy.raw().headers().firstValue("Retry-After").orElse(""));

        // A provider that knows when it is back (a rate limit's window, an open circuit) says so.
        ServiceRegistration<InferenceProvider> limited = new StaticProvider("itest-limited",
                Availability.unavailable("rate limited locally: 3 requests in the last minute", Duration.ofSeconds(42)),
                "limited-model").register(context);
        extra.add(limited);
        http.await("/v1/models", r -> r.raw().body().contains("limited-model"), "the rate-limited provider");
        Http.Reply limitedReply = http.post(CHAT, chat("limited-model", "{}"));
        assertEquals("Provider itest-limited cannot take requests now (unavailable: rate limited locally: 3 requests in "
                + "the last minute)", limitedReply.assertError(503, "no_provider_available"));
        assertEquals("42", limitedReply.raw().headers().firstValue("Retry-After").orElse(""));
    }

    @Test
    public void aCloudProvidersRefusedKeyIsABadGatewayNotTheCallersAuthenticationError() {
        // Pinned, not read from the kinds: a 401/403 makes OpenAI's SDKs blame the caller's own key.
        assertEquals(502, ProviderException.Kind.AUTHENTICATION.httpStatus());
        assertEquals(502, ProviderException.Kind.PERMISSION_DENIED.httpStatus());
        Http.Reply reply = http.post(CHAT, chat("fail-authentication", "{}"));
        assertEquals(502, reply.status());
        assertEquals("false", reply.raw().headers().firstValue("x-should-retry").orElse(""));
    }

    @Test
    public void providerFailuresKeepTheirKindsStatus() {
        for (ProviderException.Kind kind : ProviderException.Kind.values()) {
            for (String how : List.of("fail-", "throw-")) {
                for (boolean stream : List.of(false, true)) {
                    String model = how + kind.name().toLowerCase();
                    Http.Reply reply = http.post(CHAT, chat(model, "{\"stream\":" + stream + "}"));
                    String what = model + (stream ? " streamed" : "");
                    assertEquals(what, kind.httpStatus(), reply.status());
                    assertEquals(what, "scripted failure: " + kind,
                            reply.assertError(kind.httpStatus(), kind.name().toLowerCase()));
                    assertEquals(what, kind.isRetryable() ? "7" : "",
                            reply.raw().headers().firstValue("Retry-After").orElse(""));
                    assertEquals(what, kind.httpStatus() >= 500 && !kind.isRetryable() ? "false" : "",
                            reply.raw().headers().firstValue("x-should-retry").orElse(""));
                }
            }
        }
    }

    @Test
    public void aFailureAfterTheFirstTokenEndsTheStreamWithAnErrorEvent() throws Exception {
        List<String> data = http.stream(CHAT, chat("midfail", "{\"stream\":true}")).data();
        assertEquals(data.toString(), 4, data.size());
        assertEquals("a ", JSON.readTree(data.get(1)).path("choices").get(0).path("delta").path("content").asText());
        JsonNode error = JSON.readTree(data.get(3)).path("error");
        assertEquals("upstream_error", error.path("code").asText());
        assertEquals("server_error", error.path("type").asText());
        assertEquals("scripted cut", error.path("message").asText());
        assertFalse("no [DONE] after an error", data.contains("[DONE]"));
    }

    @Test
    public void aClientThatDisconnectsFromAStreamCancelsItsGenerationWithinOneToken() throws Exception {
        for (String model : List.of("endless-100", "endless-20")) {
            Disconnect d = disconnect(CHAT, chat(model, "{\"stream\":true}"), true, in -> {
                int tokens = 0;
                for (String line; tokens < 3 && (line = in.readLine()) != null; ) {
                    if (line.contains("\"content\":\"x \"")) {
                        tokens++;
                    }
                }
                assertEquals("the client read three tokens", 3, tokens);
            });
            d.assertWithinOneToken(model + " streamed");
        }
    }

    @Test
    public void aClientThatDisconnectsFromAWholeAnswerCancelsItsGenerationWithinOneToken() throws Exception {
        for (String model : List.of("endless-100", "endless-20")) {
            disconnect(CHAT, chat(model, "{}"), false, this::committedJsonAfterThreeTokens)
                    .assertWithinOneToken(model + " whole");
        }
    }

    @Test
    public void aClientThatDisconnectsFromAWholeCompletionCancelsItsGenerationWithinOneToken() throws Exception {
        disconnect("/v1/completions", "{\"model\":\"endless-100\",\"prompt\":\"go on\"}", false,
                this::committedJsonAfterThreeTokens).assertWithinOneToken("endless-100 completion");
    }

    @Test
    public void aFailureAfterTheFirstTokenOfAWholeAnswerIsOpenAisErrorObjectAfterStatus200() throws Exception {
        Http.Reply reply = http.post(CHAT, chat("midfail", "{}"));
        assertEquals("the status left with the first token", 200, reply.status());
        assertTrue("whitespace went first: " + reply.raw().body(), reply.raw().body().startsWith(" "));
        JsonNode error = reply.json().path("error");
        assertEquals("upstream_error", error.path("code").asText());
        assertEquals("server_error", error.path("type").asText());
        assertEquals("scripted cut", error.path("message").asText());
        assertFalse(reply.json().has("choices"));
        http.await("/metrics", r -> r.raw().body().contains("trit_active_generations 0"), "the slot to be given back");
    }

    /** A whole answer's status and headers arrive with its first token; the client then waits for three. */
    private void committedJsonAfterThreeTokens(BufferedReader in) throws IOException {
        String status = in.readLine();
        assertEquals("HTTP/1.1 200 OK", status);
        boolean json = false;
        for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
            json |= line.toLowerCase(java.util.Locale.ROOT).startsWith("content-type: application/json");
        }
        assertTrue("a JSON answer", json);
        for (int i = 0; i < 500 && scripted.tokensSent.get() < 3; i++) {
            Http.sleep(2);
        }
        assertTrue("three tokens generated", scripted.tokensSent.get() >= 3);
    }

    private interface ClientSide {
        void readUntilClose(BufferedReader in) throws IOException;
    }

    /** What the provider did around a client's close. */
    private record Disconnect(int atClose, int atCancel, int generated) {
        void assertWithinOneToken(String what) {
            System.out.println("disconnect (" + what + "): " + atClose + " token(s) at the client's close, "
                    + atCancel + " when cancel() came, " + generated + " generated in all");
            assertTrue(what + ": cancelled " + (atCancel - atClose) + " tokens after the close", atCancel - atClose <= 1);
            assertTrue(what + ": generated " + (generated - atClose) + " tokens after the close", generated - atClose <= 1);
        }
    }

    /**
     * Sends the request over a raw socket, lets the client side read, closes the connection, and
     * watches the provider: its cancel, its last token, the audit line and the freed slot.
     */
    private Disconnect disconnect(String path, String body, boolean stream, ClientSide client) throws Exception {
        scripted.cancelled = new CountDownLatch(1);
        long cancelledBefore = cancelledAuditLines(stream);
        int atClose;
        try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(context.getProperty(TritFramework.HTTP_PORT)))) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            client.readUntilClose(new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)));
            atClose = scripted.tokensSent.get();
        }
        assertTrue("the generation was cancelled", scripted.cancelled.await(5, TimeUnit.SECONDS));
        int atCancel = scripted.tokensAtCancel.get();
        for (int i = 0; i < 250 && scripted.load().active() > 0; i++) {
            Http.sleep(20);
        }
        assertEquals("the provider stopped generating", 0, scripted.load().active());
        int generated = scripted.tokensSent.get();
        for (int i = 0; i < 100 && cancelledAuditLines(stream) == cancelledBefore; i++) {
            Http.sleep(50);
        }
        assertEquals("the audit trail says cancelled", cancelledBefore + 1, cancelledAuditLines(stream));
        http.await("/metrics", r -> r.raw().body().contains("trit_active_generations 0"), "the slot to be given back");
        return new Disconnect(atClose, atCancel, generated);
    }

    private static long cancelledAuditLines(boolean stream) throws IOException {
        Path file = Path.of(System.getProperty("trit.data.dir", "target/trit-data"), "logs", "audit.jsonl");
        if (!Files.exists(file)) {
            return 0;
        }
        return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).map(Http::parse)
                .filter(l -> l.path("outcome").asText().equals("cancelled") && l.path("stream").asBoolean() == stream)
                .count();
    }

    @Test
    public void aBurstBeyondTheLimitGets429WithRetryAfter() throws Exception {
        Files.writeString(config(), "max.concurrent.generations = 2\nretry.after.seconds = 3\n");
        http.await("/metrics", r -> r.raw().body().contains("trit_generation_limit 2"), "the limit to apply");
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            burst.add(http.postAsync(CHAT, chat("hold", i % 2 == 0 ? "{}" : "{\"stream\":true}")));
        }
        http.await("/metrics", r -> r.raw().body().contains("trit_active_generations 2")
                && burst.stream().filter(CompletableFuture::isDone).count() == 4, "four requests refused, two running");
        for (CompletableFuture<HttpResponse<String>> f : burst) {
            if (f.isDone()) {
                HttpResponse<String> refused = f.get();
                assertEquals(refused.body(), 429, refused.statusCode());
                assertEquals("3", refused.headers().firstValue("Retry-After").orElse(""));
                JsonNode error = JSON.readTree(refused.body()).path("error");
                assertEquals("server_busy", error.path("code").asText());
                assertEquals("The server is busy: 2 generations are running (max.concurrent.generations); retry shortly",
                        error.path("message").asText());
            }
        }
        scripted.release();
        int ok = 0;
        for (CompletableFuture<HttpResponse<String>> f : burst) {
            HttpResponse<String> response = f.get(10, TimeUnit.SECONDS);
            if (response.statusCode() == 200) {
                ok++;
                assertTrue(response.body(), response.body().contains("held"));
            }
        }
        assertEquals(2, ok);
        http.await("/metrics", r -> r.raw().body().contains("trit_active_generations 0"), "the slots to be given back");
        assertEquals(200, http.post(CHAT, chat("tokens-1-1", "{}")).status());
    }

    @Test
    public void bodiesAndPromptsBeyondTheLimitsAreRefused() throws Exception {
        Files.writeString(config(), "max.request.bytes = 2000\nmax.prompt.chars = 100\nmax.tokens.cap = 50\n");
        http.await("/health", r -> http.post(CHAT, chat("tokens-1-1", "{\"max_tokens\":51}")).status() == 400,
                "the limits to apply");
        String big = "x".repeat(3000);
        Http.Reply tooLarge = http.post(CHAT, chat("tokens-1-1", "{\"user\":\"" + big + "\"}"));
        tooLarge.assertError(413, "request_too_large");
        Http.Reply prompt = http.post(CHAT, "{\"model\":\"tokens-1-1\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "y".repeat(101) + "\"}]}");
        assertEquals("The prompt has 101 characters; this server accepts at most 100 (max.prompt.chars)",
                prompt.assertError(400, "context_length_exceeded"));
        assertEquals("max_tokens must be at most 50 on this server (max.tokens.cap), was 51",
                http.post(CHAT, chat("tokens-1-1", "{\"max_tokens\":51}")).assertError(400, "invalid_value"));
        assertEquals(200, http.post(CHAT, chat("tokens-1-1", "{\"max_tokens\":50}")).status());
    }

    @Test
    public void aValueThatDoesNotConvertIsRefusedAndThePreviousConfigurationServes() throws Exception {
        Files.writeString(config(), "max.tokens.cap = 50\n");
        http.await("/health", r -> http.post(CHAT, chat("tokens-1-1", "{\"max_tokens\":51}")).status() == 400,
                "the cap to apply");
        Files.writeString(config(), "max.tokens.cap = 40\nmax.request.bytes = lots\n");
        Thread.sleep(2500); // FileInstall reads the file within a second; the refusal leaves nothing to wait for
        Files.writeString(config(), "max.tokens.cap = 40\nmax.concurrent.generations = 0\n"); // would refuse everything
        Thread.sleep(2500);
        assertEquals(200, http.get("/v1/models").status());
        assertEquals("max_tokens must be at most 50 on this server (max.tokens.cap), was 51",
                http.post(CHAT, chat("tokens-1-1", "{\"max_tokens\":51}")).assertError(400, "invalid_value"));
        Files.writeString(config(), "max.tokens.cap = 45\n");
        http.await("/health", r -> http.post(CHAT, chat("tokens-1-1", "{\"max_tokens\":46}")).status() == 400,
                "a valid change after the refused one to apply");
    }

    @Test
    public void apiKeysAreRequiredOnceConfigured() throws Exception {
        Files.writeString(config(), "api.keys = first-key, second-key\n");
        http.await("/v1/models", r -> r.status() == 401, "keys to apply");
        Http.Reply missing = http.post(CHAT, chat("tokens-1-1", "{}"));
        assertEquals("Missing API key: send it as 'Authorization: Bearer YOUR_KEY'",
                missing.assertError(401, "invalid_api_key"));
        assertEquals("Bearer realm=\"trit\"", missing.raw().headers().firstValue("WWW-Authenticate").orElse(""));
        Http.Reply wrong = http.post(CHAT, chat("tokens-1-1", "{}"), "Authorization", "Bearer first-keyX");
        assertEquals("Incorrect API key provided", wrong.assertError(401, "invalid_api_key"));
        assertFalse("a key is never echoed", wrong.raw().body().contains("first-key"));
        assertEquals("The Authorization header must be 'Bearer YOUR_KEY'",
                http.post(CHAT, chat("tokens-1-1", "{}"), "Authorization", "Basic Zm9vOmJhcg==").assertError(401, "invalid_api_key"));
        assertEquals(200, http.post(CHAT, chat("tokens-1-1", "{}"), "Authorization", "Bearer second-key").status());
        assertEquals(200, http.request("GET", "/v1/models", "Authorization", "Bearer first-key").status());
        assertEquals("probes need no key", 200, http.get("/health").status());
        assertEquals("scrapers need no key", 200, http.get("/metrics").status());
    }

    @Test
    public void corsIsOffByDefaultAndFollowsTheAllowList() throws Exception {
        Http.Reply off = http.request("GET", "/v1/models", "Origin", "http://app.example");
        assertEquals(200, off.status());
        assertTrue(off.raw().headers().firstValue("Access-Control-Allow-Origin").isEmpty());

        Files.writeString(config(), "cors.allowed.origins = http://app.example, http://other.example\n");
        http.await("/v1/models", r -> http.request("GET", "/v1/models", "Origin", "http://app.example").raw().headers()
                .firstValue("Access-Control-Allow-Origin").isPresent(), "the allow-list to apply");
        Http.Reply allowed = http.request("GET", "/v1/models", "Origin", "http://other.example");
        assertEquals("http://other.example", allowed.raw().headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        assertTrue(allowed.raw().headers().firstValue("Access-Control-Expose-Headers").orElse("").contains("X-Trit-Route"));
        Http.Reply stranger = http.request("GET", "/v1/models", "Origin", "http://evil.example");
        assertTrue(stranger.raw().headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        Http.Reply preflight = http.request("OPTIONS", CHAT, "Origin", "http://app.example",
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type");
        assertEquals(204, preflight.status());
        assertEquals("http://app.example", preflight.raw().headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        assertTrue(preflight.raw().headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("Authorization"));
        assertTrue(preflight.raw().headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("POST"));
        // OpenAI's JavaScript SDK sends headers of its own; a browser refuses the call unless all are allowed.
        Http.Reply sdk = http.request("OPTIONS", CHAT, "Origin", "http://app.example", "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "authorization,content-type,x-stainless-os,x-stainless-retry-count");
        assertTrue(sdk.raw().headers().firstValue("Access-Control-Allow-Headers").orElse("")
                .endsWith(", authorization,content-type,x-stainless-os,x-stainless-retry-count"));
        Http.Reply odd = http.request("OPTIONS", CHAT, "Origin", "http://app.example", "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "x-a; evil=1");
        assertEquals("not a list of header names: the API's own", "Authorization, Content-Type, X-Trit-Privacy",
                odd.raw().headers().firstValue("Access-Control-Allow-Headers").orElse(""));
    }

    @Test
    public void routedAnswersCarryTheirRouteInTheBodyAndTheHeader() throws Exception {
        ScriptedProvider router = new ScriptedProvider("router", "auto");
        extra.add(router.register(context));
        http.await("/v1/models", r -> r.raw().body().contains("\"auto\""), "the router provider");
        String header = "provider=scripted; model=tokens-3-10; policy=itest-policy";

        Http.Reply whole = http.post(CHAT, chat("auto", "{}"));
        assertEquals(header, whole.raw().headers().firstValue("X-Trit-Route").orElse(""));
        JsonNode answer = whole.json();
        assertEquals("tokens-3-10", answer.path("model").asText());
        JsonNode route = answer.path("route");
        assertEquals("scripted", route.path("provider").asText());
        assertEquals("itest-policy", route.path("policy").asText());
        assertEquals("scripted route", route.path("reason").asText());
        assertEquals("ok", route.path("attempts").get(0).path("outcome").asText());

        Http.Streamed streamed = http.stream(CHAT, chat("auto", "{\"stream\":true}"));
        assertEquals(header, streamed.headers().firstValue("X-Trit-Route").orElse(""));
        JsonNode first = JSON.readTree(streamed.data().get(0));
        assertEquals("scripted", first.path("route").path("provider").asText());
        assertEquals("tokens-3-10", first.path("model").asText());
        // Completions open with no role chunk: their first text chunk carries the route, and only it.
        List<String> completion = http.stream("/v1/completions", "{\"model\":\"auto\",\"prompt\":\"Once\",\"stream\":true}")
                .data();
        assertEquals("scripted", JSON.readTree(completion.get(0)).path("route").path("provider").asText());
        assertTrue(completion.stream().skip(1).noneMatch(d -> d.contains("\"route\"")));

        // An id no single provider serves goes to the router too.
        assertEquals(header, http.post(CHAT, chat("somewhere-else", "{}")).raw().headers()
                .firstValue("X-Trit-Route").orElse(""));
    }

    @Test
    public void routeDryRunAnswersTheRoutersDecision() {
        Http.Reply none = http.post("/v1/route", chat("auto", "{}"));
        assertEquals("No router is running: routing decisions need the trit.router bundle",
                none.assertError(503, "no_router"));

        ScriptedRouter router = new ScriptedRouter();
        ServiceRegistration<Router> registered = router.register(context);
        extra.add(registered);
        http.await("/health", r -> http.post("/v1/route", chat("auto", "{}")).status() == 200, "the router service");
        JsonNode cloud = http.post("/v1/route", chat("auto", "{}")).json();
        assertEquals("kimi-k2", cloud.path("model").asText());
        assertEquals("cloud", cloud.path("provider").asText());
        assertEquals("complexity", cloud.path("policy").asText());
        assertEquals("long reasoning prompt", cloud.path("reason").asText());
        assertEquals(0.75, cloud.path("scores").path("complexity").asDouble(), 0);
        assertEquals("local", cloud.path("fallbacks").get(0).asText());

        assertEquals("local", http.post("/v1/route", chat("auto", "{\"privacy\":\"local_only\"}")).json()
                .path("provider").asText());
        assertEquals("local", http.post("/v1/route", chat("auto", "{}"), "X-Trit-Privacy", "local_only").json()
                .path("provider").asText());
        assertEquals("no eligible provider: privacy excluded cloud, local is not loaded",
                http.post("/v1/route", chat("nowhere", "{}")).assertError(503, "unavailable"));
        assertEquals("messages", http.post("/v1/route", "{}").json().path("error").path("param").asText());
    }

    @Test
    public void metricsArePrometheusTextPerRoute() {
        scripted.setQueued(3);
        assertEquals(200, http.post(CHAT, chat("tokens-2-21", "{}")).status());
        http.post(CHAT, chat("no-such-model", "{}"));
        http.post(CHAT, chat("fail-overloaded", "{}"));
        extra.add(new ScriptedRouter().register(context));
        Http.Reply metrics = http.await("/metrics", r -> r.raw().body().contains("trit_router_requests_total"),
                "the router's counts");
        assertTrue(metrics.contentType(), metrics.contentType().startsWith("text/plain"));
        assertTrue(metrics.contentType(), metrics.contentType().contains("version=0.0.4"));
        String text = metrics.raw().body();
        for (String expected : List.of(
                "# TYPE trit_requests_total counter",
                "trit_requests_total{endpoint=\"/v1/chat/completions\",provider=\"scripted\",model=\"tokens-2-21\",status=\"200\"} 1",
                "trit_errors_total{endpoint=\"/v1/chat/completions\",provider=\"\",status=\"404\",code=\"model_not_found\"}",
                "trit_errors_total{endpoint=\"/v1/chat/completions\",provider=\"scripted\",status=\"429\",code=\"overloaded\"}",
                "trit_prompt_tokens_total{provider=\"scripted\",model=\"tokens-2-21\"} 5",
                "trit_completion_tokens_total{provider=\"scripted\",model=\"tokens-2-21\"} 2",
                "# TYPE trit_time_to_first_token_seconds histogram",
                "trit_time_to_first_token_seconds_count{provider=\"scripted\",model=\"tokens-2-21\"} 1",
                "trit_time_to_first_token_seconds_bucket{provider=\"scripted\",model=\"tokens-2-21\",le=\"+Inf\"} 1",
                "trit_tokens_per_second_count{provider=\"scripted\",model=\"tokens-2-21\"} 1",
                "trit_provider_queue_depth{provider=\"scripted\"} 3",
                "trit_generation_limit 8",
                "trit_router_requests_total{provider=\"local\",policy=\"privacy\",outcome=\"ok\"} 4")) {
            assertTrue("missing: " + expected + "\n" + text, text.contains(expected));
        }
    }

    /** A one-message chat request to {@code model}, with the fields of {@code extraJson} added. */
    private static String chat(String model, String extraJson) {
        try {
            ObjectNode body = JSON.createObjectNode();
            body.put("model", model);
            body.putArray("messages").addObject().put("role", "user").put("content", "hello");
            JsonNode extra = JSON.readTree(extraJson);
            extra.properties().forEach(e -> body.set(e.getKey(), e.getValue()));
            return body.toString();
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private Path config() {
        return Path.of(context.getProperty(TritFramework.CONFIG_DIR)).resolve("trit.rest.cfg");
    }
}
