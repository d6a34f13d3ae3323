package trit.kimi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static trit.kimi.Fixtures.MODEL;
import static trit.kimi.Fixtures.chunk;
import static trit.kimi.Fixtures.content;
import static trit.kimi.Fixtures.events;
import static trit.kimi.Fixtures.hello;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;
import trit.api.chat.Role;
import trit.api.chat.SamplingParameters;
import trit.api.chat.Usage;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;
import trit.api.provider.ProviderException;

/** What users rely on, against a real HTTP server in another process speaking Moonshot's API. */
class ChatCompletionsTest {

    @RegisterExtension
    static final MoonshotProcess server = new MoonshotProcess();

    private KimiProvider provider;

    @BeforeEach
    void setUp() {
        provider = Fixtures.provider(server);
    }

    @AfterEach
    void tearDown() {
        provider.close();
    }

    @Test
    void aWholeAnswerWithItsUsageAndTheRequestAsMoonshotExpectsIt() throws Exception {
        server.script(Fixtures.answer("Hi there"));
        ChatResponse response = provider.complete(hello());

        assertEquals("Hi there", response.choice().message().content());
        assertEquals(Role.ASSISTANT, response.choice().message().role());
        assertEquals(FinishReason.STOP, response.choice().finishReason());
        assertEquals(new Usage(5, 2), response.usage());
        assertEquals("chatcmpl-1", response.id());
        assertEquals(MODEL, response.model());

        JsonNode sent = server.completions().get(0);
        assertEquals("POST", sent.path("method").asText());
        assertEquals("/v1/chat/completions", sent.path("path").asText());
        assertEquals("Bearer " + Fixtures.KEY, sent.path("headers").path("authorization").asText());
        JsonNode body = MoonshotProcess.JSON.readTree(sent.path("body").asText());
        assertEquals(MODEL, body.path("model").asText());
        assertFalse(body.path("stream").asBoolean(true));
        assertFalse(body.has("stream_options"), "stream_options only with stream=true");
        assertEquals("user", body.path("messages").get(0).path("role").asText());
        assertEquals("Hello", body.path("messages").get(0).path("content").asText());
    }

    @Test
    void toolsResponseFormatAndPrefillPassThroughWhileTritHintsStayHome() throws Exception {
        server.script(Fixtures.answer("{\"ok\":true}"));
        Map<String, Object> extensions = new LinkedHashMap<>();
        extensions.put("tools", List.of(Map.of("type", "function", "function", Map.of("name", "get_weather",
                "parameters", Map.of("type", "object")))));
        extensions.put("response_format", Map.of("type", "json_object"));
        extensions.put("privacy", "private");
        extensions.put("route", "cloud");
        extensions.put("raw_prompt", true);
        extensions.put("user", "u-1");
        ChatMessage call = new ChatMessage(Role.ASSISTANT, null, null, null, null, Map.of("tool_calls",
                List.of(Map.of("id", "call_1", "type", "function", "function", Map.of("name", "get_weather", "arguments", "{}")))));
        ChatMessage toolAnswer = new ChatMessage(Role.TOOL, "sunny", null, null, "call_1", null);
        ChatMessage prefill = new ChatMessage(Role.ASSISTANT, "{", "Kimi", null, null, Map.of("partial", true));
        ChatRequest request = new ChatRequest(MODEL, List.of(ChatMessage.user("Weather?"), call, toolAnswer, prefill),
                new SamplingParameters(1.0, 0.9, null, null, null, null, null, 7L), List.of("END"), 100, false, extensions);

        provider.complete(request);

        JsonNode body = MoonshotProcess.JSON.readTree(server.completions().get(0).path("body").asText());
        assertEquals(MoonshotProcess.JSON.valueToTree(extensions.get("tools")), body.path("tools"));
        assertEquals("json_object", body.path("response_format").path("type").asText());
        assertEquals("u-1", body.path("user").asText());
        for (String hint : List.of("privacy", "route", "raw_prompt")) {
            assertFalse(body.has(hint), hint + " must not leave the machine: " + body);
        }
        JsonNode messages = body.path("messages");
        assertEquals("call_1", messages.get(1).path("tool_calls").get(0).path("id").asText());
        assertTrue(messages.get(1).path("content").isNull());
        assertEquals("call_1", messages.get(2).path("tool_call_id").asText());
        assertTrue(messages.get(3).path("partial").asBoolean(), "partial prefill passed on");
        assertEquals("Kimi", messages.get(3).path("name").asText());
        assertEquals(1.0, body.path("temperature").asDouble());
        assertEquals(0.9, body.path("top_p").asDouble());
        assertEquals(7, body.path("seed").asLong());
        assertEquals("END", body.path("stop").get(0).asText());
        assertEquals(100, body.path("max_tokens").asInt());
    }

    @Test
    void streamedDeltasArriveAsTheRemoteSendsThemAndUsageComesFromTheLastChunksChoice() throws Exception {
        server.script(events(400, content("Hel"), content("lo"),
                chunk("{}", "stop", "{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}")));
        Fixtures.Recorder recorder = new Fixtures.Recorder();
        long start = System.nanoTime();
        provider.stream(hello(), recorder);
        ChatResponse response = recorder.response();
        long end = System.nanoTime();

        assertEquals(List.of("Hel", "lo"), recorder.deltas.stream().map(d -> d.content()).toList());
        assertTrue(end - recorder.arrivals.get(0) >= 500_000_000L,
                "the first delta reached the caller before the rest was sent (" + (recorder.arrivals.get(0) - start) / 1_000_000
                        + " ms after the start, " + (end - start) / 1_000_000 + " ms in all)");
        assertEquals("Hello", response.choice().message().content());
        assertEquals(FinishReason.STOP, response.choice().finishReason());
        assertEquals(new Usage(9, 2), response.usage());
        JsonNode body = MoonshotProcess.JSON.readTree(server.completions().get(0).path("body").asText());
        assertTrue(body.path("stream").asBoolean());
        assertTrue(body.path("stream_options").path("include_usage").asBoolean());
        assertEquals("text/event-stream", server.completions().get(0).path("headers").path("accept").asText());
    }

    @Test
    void usageReportedTopLevelInAFinalChunkWithoutChoices() throws Exception {
        server.script(events(0, content("ok"), chunk("{}", "length", null),
                "{\"id\":\"chatcmpl-s\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}"));
        Fixtures.Recorder recorder = new Fixtures.Recorder();
        provider.stream(hello(), recorder);
        ChatResponse response = recorder.response();
        assertEquals(new Usage(3, 1), response.usage());
        assertEquals(FinishReason.LENGTH, response.choice().finishReason());
    }

    @Test
    void reasoningOfAThinkingModelStaysApartFromTheAnswer() throws Exception {
        server.script(events(0, chunk("{\"role\":\"assistant\"}"), chunk("{\"reasoning_content\":\"Let me \"}"),
                chunk("{\"reasoning_content\":\"think.\"}"), content("42"), chunk("{}", "stop", null)));
        Fixtures.Recorder recorder = new Fixtures.Recorder();
        provider.stream(hello(), recorder);
        ChatResponse response = recorder.response();

        assertEquals(3, recorder.deltas.size(), "the role-only chunk carries nothing for the caller");
        assertEquals("Let me ", recorder.deltas.get(0).reasoningContent());
        assertEquals("", recorder.deltas.get(0).content());
        assertEquals("42", recorder.deltas.get(2).content());
        assertNull(recorder.deltas.get(2).reasoningContent());
        assertEquals("42", response.choice().message().content());
        assertEquals("Let me think.", response.choice().message().reasoningContent());
    }

    @Test
    void toolCallFragmentsArePassedOnAndAssembledIntoTheAnswer() throws Exception {
        server.script(events(0,
                chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_7\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}"),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}"),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}"),
                chunk("{}", "tool_calls", null)));
        Fixtures.Recorder recorder = new Fixtures.Recorder();
        provider.stream(hello(), recorder);
        ChatResponse response = recorder.response();

        assertEquals(3, recorder.deltas.size());
        assertTrue(recorder.deltas.get(1).extensions().containsKey("tool_calls"), "fragments passed on unchanged");
        assertEquals(FinishReason.TOOL_CALLS, response.choice().finishReason());
        JsonNode calls = MoonshotProcess.JSON.valueToTree(response.choice().message().extensions().get("tool_calls"));
        assertEquals(1, calls.size());
        assertEquals("call_7", calls.get(0).path("id").asText());
        assertEquals("get_weather", calls.get(0).path("function").path("name").asText());
        assertEquals("{\"city\":\"Paris\"}", calls.get(0).path("function").path("arguments").asText());
    }

    @Test
    void aWholeAnswerKeepsReasoningAndToolCalls() throws Exception {
        String body = "{\"id\":\"c\",\"created\":1,\"model\":\"" + MODEL + "\",\"choices\":[{\"index\":0,\"message\":{"
                + "\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"hmm\",\"tool_calls\":[{\"id\":\"call_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\","
                + "\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":6}}]}";
        server.script("{\"status\":200,\"body\":" + Fixtures.json(body) + "}");
        ChatResponse response = provider.complete(hello());
        assertNull(response.choice().message().content());
        assertEquals("hmm", response.choice().message().reasoningContent());
        assertEquals(FinishReason.TOOL_CALLS, response.choice().finishReason());
        assertEquals(new Usage(4, 6), response.usage(), "usage inside the choice, as Moonshot puts it");
        assertTrue(response.choice().message().extensions().containsKey("tool_calls"));
    }

    @Test
    void aServerThatAnswersAStreamRequestWholeIsPassedOnAsOneDelta() throws Exception {
        server.script(Fixtures.answer("all at once"));
        Fixtures.Recorder recorder = new Fixtures.Recorder();
        provider.stream(hello(), recorder);
        ChatResponse response = recorder.response();
        assertEquals("all at once", recorder.text());
        assertEquals(1, recorder.deltas.size());
        assertEquals(new Usage(5, 2), response.usage());
    }

    @Test
    void describesItselfAsACloudProviderOfItsConfiguredModel() {
        assertEquals("kimi", provider.name());
        assertEquals(Locality.CLOUD, provider.locality());
        ModelInfo model = provider.models().get(0);
        assertEquals(List.of(MODEL), provider.models().stream().map(ModelInfo::id).toList());
        assertEquals("moonshot", model.ownedBy());
        assertEquals(262_144, model.contextLength());
        assertTrue(provider.availability().isAvailable());
        assertEquals(8, provider.load().capacity());
    }

    @Test
    void anotherModelIdIsRefusedBeforeAnythingIsSent() {
        ProviderException e = assertThrows(ProviderException.class,
                () -> provider.complete(ChatRequest.of("gpt-4o", List.of(ChatMessage.user("hi")))));
        assertEquals(ProviderException.Kind.MODEL_NOT_FOUND, e.kind());
        assertEquals("provider kimi serves model kimi-k2.6, not 'gpt-4o'", e.getMessage());
        assertTrue(server.completions().isEmpty());
    }
}
