package trit.api.chat;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A complete chat-completion answer.
 *
 * @param id         unique id of this completion ({@code chatcmpl-...})
 * @param created    creation time, seconds since the epoch
 * @param model      the model id that actually answered
 * @param choices    the answers, at least one
 * @param usage      token counts; {@link Usage#NONE} when a provider cannot tell
 * @param extensions response fields the model does not name (e.g. the router's {@code route})
 */
public record ChatResponse(String id, long created, String model, List<ChatChoice> choices,
                           Usage usage, Map<String, Object> extensions) {

    public ChatResponse {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        choices = List.copyOf(choices);
        if (choices.isEmpty()) {
            throw new IllegalArgumentException("a response has at least one choice");
        }
        usage = usage == null ? Usage.NONE : usage;
        extensions = Extensions.copy(extensions);
    }

    /** The first (for Trit: the only) choice. */
    public ChatChoice choice() {
        return choices.get(0);
    }
}
