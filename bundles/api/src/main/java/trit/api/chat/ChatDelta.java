package trit.api.chat;

import java.util.Map;

/**
 * One increment of a streamed answer: new text, new reasoning text, or both.
 *
 * @param content          text to append to the answer; may be empty, never {@code null}
 * @param reasoningContent text to append to the reasoning of a thinking model; {@code null} if none
 * @param extensions       incremental fields the model does not name (e.g. {@code tool_calls}
 *                         fragments), passed through unchanged
 */
public record ChatDelta(String content, String reasoningContent, Map<String, Object> extensions) {

    public ChatDelta {
        content = content == null ? "" : content;
        extensions = Extensions.copy(extensions);
    }

    public static ChatDelta text(String content) {
        return new ChatDelta(content, null, Map.of());
    }
}
