package trit.api.chat;

import java.util.Map;
import java.util.Objects;

/**
 * One message of a conversation.
 *
 * @param role             who wrote it
 * @param content          its text; may be {@code null} for an assistant message that only calls tools
 * @param name             optional participant name ({@code name} on the wire)
 * @param reasoningContent the hidden reasoning of a thinking model ({@code reasoning_content}),
 *                         kept apart from {@code content}; {@code null} when there is none
 * @param toolCallId       for a {@link Role#TOOL} message, the call it answers ({@code tool_call_id})
 * @param extensions       fields the model does not name (e.g. {@code tool_calls}, {@code partial}),
 *                         passed through unchanged
 */
public record ChatMessage(Role role, String content, String name, String reasoningContent,
                          String toolCallId, Map<String, Object> extensions) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        extensions = Extensions.copy(extensions);
    }

    public static ChatMessage system(String content) {
        return of(Role.SYSTEM, content);
    }

    public static ChatMessage user(String content) {
        return of(Role.USER, content);
    }

    public static ChatMessage assistant(String content) {
        return of(Role.ASSISTANT, content);
    }

    public static ChatMessage of(Role role, String content) {
        return new ChatMessage(role, content, null, null, null, Map.of());
    }
}
