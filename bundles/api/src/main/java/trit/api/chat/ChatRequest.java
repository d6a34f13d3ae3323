package trit.api.chat;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A chat-completion request, as a provider receives it.
 *
 * @param model      the model id asked for ({@code "auto"} lets the router choose); never {@code null}
 * @param messages   the conversation, oldest first; at least one message
 * @param sampling   sampling parameters; {@link SamplingParameters#DEFAULTS} when none were given
 * @param stop       strings that end the answer when generated (not included in it); may be empty
 * @param maxTokens  upper bound of generated tokens, or {@code null} for the provider's limit
 * @param stream     whether the caller asked for a streamed answer (the REST layer's concern;
 *                   providers stream whenever {@link trit.api.provider.InferenceProvider#stream} is called)
 * @param extensions request fields the model does not name ({@code tools}, {@code response_format},
 *                   {@code privacy}, {@code user} ...), passed through unchanged
 */
public record ChatRequest(String model, List<ChatMessage> messages, SamplingParameters sampling,
                          List<String> stop, Integer maxTokens, boolean stream,
                          Map<String, Object> extensions) {

    public ChatRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(messages, "messages");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages must not be empty");
        }
        messages = List.copyOf(messages);
        sampling = sampling == null ? SamplingParameters.DEFAULTS : sampling;
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be >= 1, was " + maxTokens);
        }
        extensions = Extensions.copy(extensions);
    }

    /** A plain request: these messages, every default. */
    public static ChatRequest of(String model, List<ChatMessage> messages) {
        return new ChatRequest(model, messages, null, null, null, false, null);
    }

    /** The same request addressed to another model id (what a router does before delegating). */
    public ChatRequest withModel(String otherModel) {
        return new ChatRequest(otherModel, messages, sampling, stop, maxTokens, stream, extensions);
    }
}
