package trit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import trit.api.chat.ChatRequest;
import trit.api.chat.Role;
import trit.api.routing.Route;

/** Reading OpenAI bodies into provider requests: defaults, aliases, pass-through and refusals. */
class RequestReaderTest {

    private static final RequestReader.Limits LIMITS = new RequestReader.Limits(100, 1000);

    private static JsonNode json(String text) throws Exception {
        return JsonProvider.MAPPER.readTree(text);
    }

    private static ChatRequest chat(String body) throws Exception {
        return RequestReader.chat(json(body), null, LIMITS).request();
    }

    @Test
    void anOmittedModelIsAutoAndDefaultsStayUnset() throws Exception {
        ChatRequest request = chat("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals("auto", request.model());
        assertNull(request.maxTokens());
        assertNull(request.sampling().temperature());
        assertEquals(List.of(), request.stop());
        assertFalse(request.stream());
        assertEquals(Map.of(), request.extensions());
    }

    @Test
    void newerAndLlamaCppNamesAreRead() throws Exception {
        ChatRequest request = chat("""
                {"messages":[{"role":"developer","content":"rules"},{"role":"user","content":"hi"}],
                 "max_tokens":10,"max_completion_tokens":20,"stop":"END","top_k":40,"min_p":0.05,
                 "repeat_penalty":1.1,"stream":true,"stream_options":{"include_usage":true}}""");
        assertEquals(20, request.maxTokens(), "max_completion_tokens wins over max_tokens");
        assertEquals(List.of("END"), request.stop());
        assertEquals(40, request.sampling().topK());
        assertEquals(0.05, request.sampling().minP());
        assertEquals(1.1, request.sampling().repetitionPenalty());
        assertEquals(Role.DEVELOPER, request.messages().get(0).role());
        assertTrue(RequestReader.chat(json("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}"), null, LIMITS).includeUsage());
    }

    @Test
    void toolConversationsPassThrough() throws Exception {
        ChatRequest request = chat("""
                {"model":"m","messages":[{"role":"user","content":"weather?"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
                   "function":{"name":"weather","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"c1","content":"sunny","name":"weather"}],
                 "tools":[{"type":"function","function":{"name":"weather"}}],"tool_choice":"auto",
                 "response_format":{"type":"json_object"}}""");
        assertNull(request.messages().get(1).content());
        assertTrue(request.messages().get(1).extensions().get("tool_calls") instanceof List<?>);
        assertEquals("c1", request.messages().get(2).toolCallId());
        assertEquals("weather", request.messages().get(2).name());
        assertEquals(List.of("tools", "tool_choice", "response_format"), List.copyOf(request.extensions().keySet()));
    }

    @Test
    void privacyComesFromTheFieldOrTheHeader() throws Exception {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        assertEquals(Route.LOCAL_ONLY, RequestReader.chat(json(body), "local_only", LIMITS).request()
                .extensions().get(Route.PRIVACY));
        assertEquals(Route.LOCAL_ONLY, chat("{\"privacy\":\"local_only\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .extensions().get(Route.PRIVACY));
    }

    @Test
    void aCompletionIsOneRawUserMessage() throws Exception {
        ChatRequest request = RequestReader.completion(json("{\"model\":\"m\",\"prompt\":\"Once\",\"echo\":false,"
                + "\"best_of\":1,\"suffix\":null}"), null, LIMITS).request();
        assertEquals(1, request.messages().size());
        assertEquals(Role.USER, request.messages().get(0).role());
        assertEquals("Once", request.messages().get(0).content());
        assertEquals(Map.of(RequestReader.RAW_PROMPT, true), request.extensions());
    }

    @Test
    void limitsAndTypesAreRefusedWithTheFieldNamed() {
        ApiException cap = assertThrows(ApiException.class, () -> chat(
                "{\"max_tokens\":101,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
        assertEquals("max_tokens", cap.error().error().param());
        assertEquals("max_tokens must be at most 100 on this server (max.tokens.cap), was 101", cap.getMessage());
        ApiException prompt = assertThrows(ApiException.class, () -> RequestReader.completion(
                json("{\"prompt\":\"" + "p".repeat(1001) + "\"}"), null, LIMITS));
        assertEquals("context_length_exceeded", prompt.error().error().code());
        ApiException penalty = assertThrows(ApiException.class, () -> chat(
                "{\"repeat_penalty\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
        assertEquals("repeat_penalty must be a number > 0, was 0", penalty.getMessage());
        ApiException longValue = assertThrows(ApiException.class, () -> chat(
                "{\"model\":[\"" + "m".repeat(100) + "\"],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
        assertTrue(longValue.getMessage().endsWith("..."), "a long value is cut short: " + longValue.getMessage());
    }
}
