package trit.api.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ChatModelTest {

    @Test
    void rolesParseTheirWireNamesAndRejectOthersByName() {
        for (Role role : Role.values()) {
            assertSame(role, Role.fromWireName(role.wireName()));
        }
        assertSame(Role.USER, Role.fromWireName("User"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Role.fromWireName("robot"));
        assertEquals("unknown role 'robot': expected one of system, developer, user, assistant, tool", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Role.fromWireName(null));
    }

    @Test
    void requestAppliesDefaultsAndCopiesItsCollections() {
        List<ChatMessage> messages = new ArrayList<>(List.of(ChatMessage.user("hi")));
        Map<String, Object> extensions = new HashMap<>();
        extensions.put("privacy", "local_only");
        extensions.put("user", null);
        ChatRequest request = new ChatRequest("auto", messages, null, null, null, false, extensions);

        messages.add(ChatMessage.assistant("changed later"));
        extensions.put("later", 1);

        assertEquals(1, request.messages().size());
        assertEquals(Map.of("privacy", "local_only"), Map.of("privacy", request.extensions().get("privacy")));
        assertTrue(request.extensions().containsKey("user"), "JSON null values are kept");
        assertEquals(2, request.extensions().size());
        assertSame(SamplingParameters.DEFAULTS, request.sampling());
        assertEquals(List.of(), request.stop());
        assertNull(request.maxTokens());
        assertThrows(UnsupportedOperationException.class, () -> request.extensions().put("x", 1));
    }

    @Test
    void requestRejectsWhatNoProviderCouldAnswer() {
        assertEquals("messages must not be empty", assertThrows(IllegalArgumentException.class,
                () -> ChatRequest.of("m", List.of())).getMessage());
        assertEquals("max_tokens must be >= 1, was 0", assertThrows(IllegalArgumentException.class,
                () -> new ChatRequest("m", List.of(ChatMessage.user("x")), null, null, 0, false, null)).getMessage());
        assertThrows(NullPointerException.class, () -> ChatRequest.of(null, List.of(ChatMessage.user("x"))));
    }

    @Test
    void withModelKeepsEverythingElse() {
        ChatRequest request = new ChatRequest("auto", List.of(ChatMessage.user("x")),
                new SamplingParameters(0.5, null, 40, null, null, null, null, 7L), List.of("\n"), 12, true,
                Map.of("privacy", "local_only"));
        ChatRequest routed = request.withModel("bitnet-2b");
        assertEquals("bitnet-2b", routed.model());
        assertEquals(request, routed.withModel("auto"));
    }

    @Test
    void samplingParametersNameTheFieldOutOfRange() {
        assertEquals("temperature must be in [0.0, 2.0], was 2.5", assertThrows(IllegalArgumentException.class,
                () -> new SamplingParameters(2.5, null, null, null, null, null, null, null)).getMessage());
        assertEquals("top_p must be in [0 (exclusive), 1.0], was 0.0", assertThrows(IllegalArgumentException.class,
                () -> new SamplingParameters(null, 0.0, null, null, null, null, null, null)).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new SamplingParameters(Double.NaN, null, null, null, null, null, null, null));
        assertThrows(IllegalArgumentException.class,
                () -> new SamplingParameters(null, null, -1, null, null, null, null, null));
        assertThrows(IllegalArgumentException.class,
                () -> new SamplingParameters(null, null, null, null, null, null, 0.0, null));
        new SamplingParameters(0.0, 1.0, 0, 0.0, -2.0, 2.0, 1.1, 42L);
    }

    @Test
    void usageTotalsAndResponseDefaults() {
        assertEquals(7, new Usage(3, 4).totalTokens());
        assertThrows(IllegalArgumentException.class, () -> new Usage(-1, 0));
        ChatResponse response = new ChatResponse("chatcmpl-1", 1L, "m",
                List.of(new ChatChoice(0, ChatMessage.assistant("ok"), FinishReason.STOP)), null, null);
        assertSame(Usage.NONE, response.usage());
        assertEquals("ok", response.choice().message().content());
        assertThrows(IllegalArgumentException.class,
                () -> new ChatResponse("id", 1L, "m", List.of(), Usage.NONE, Map.of()));
    }
}
