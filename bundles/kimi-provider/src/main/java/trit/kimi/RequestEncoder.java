package trit.kimi;

import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.SamplingParameters;

/** Writes a {@link ChatRequest} as an OpenAI / Moonshot chat-completions request body. */
final class RequestEncoder {

    /**
     * Request extensions that are Trit's own routing hints, never the remote's business: a
     * {@code privacy} marker in particular must not leave the machine.
     */
    static final Set<String> TRIT_ONLY = Set.of("privacy", "route", "raw_prompt");

    private final ObjectMapper json;
    private final boolean streamIncludeUsage;

    RequestEncoder(ObjectMapper json, boolean streamIncludeUsage) {
        this.json = json;
        this.streamIncludeUsage = streamIncludeUsage;
    }

    /**
     * @param model    the model id the remote knows
     * @param sampling the request's sampling after the model's constraints
     */
    ObjectNode encode(ChatRequest request, String model, SamplingParameters sampling, boolean stream) {
        ObjectNode body = json.createObjectNode();
        body.put("model", model);
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage message : request.messages()) {
            messages.add(message(message));
        }
        putIfSet(body, "temperature", sampling.temperature());
        putIfSet(body, "top_p", sampling.topP());
        putIfSet(body, "presence_penalty", sampling.presencePenalty());
        putIfSet(body, "frequency_penalty", sampling.frequencyPenalty());
        // Not OpenAI's, but what the caller asked for: OpenAI-compatible local servers (vLLM, llama.cpp) take them.
        if (sampling.topK() != null) {
            body.put("top_k", sampling.topK());
        }
        putIfSet(body, "min_p", sampling.minP());
        putIfSet(body, "repetition_penalty", sampling.repetitionPenalty());
        if (sampling.seed() != null) {
            body.put("seed", sampling.seed());
        }
        if (!request.stop().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            request.stop().forEach(stop::add);
        }
        if (request.maxTokens() != null) {
            body.put("max_tokens", request.maxTokens());
        }
        body.put("stream", stream);
        for (Map.Entry<String, Object> extension : request.extensions().entrySet()) {
            if (!TRIT_ONLY.contains(extension.getKey()) && !body.has(extension.getKey())) {
                body.set(extension.getKey(), json.valueToTree(extension.getValue()));
            }
        }
        if (!stream) {
            body.remove("stream_options");
        } else if (streamIncludeUsage && !body.has("stream_options")) {
            body.putObject("stream_options").put("include_usage", true);
        }
        return body;
    }

    private ObjectNode message(ChatMessage message) {
        ObjectNode node = json.createObjectNode();
        node.put("role", message.role().wireName());
        node.put("content", message.content());
        if (message.name() != null) {
            node.put("name", message.name());
        }
        if (message.reasoningContent() != null) {
            node.put("reasoning_content", message.reasoningContent());
        }
        if (message.toolCallId() != null) {
            node.put("tool_call_id", message.toolCallId());
        }
        // tool_calls, partial (Kimi's assistant prefill) and anything else, unchanged.
        message.extensions().forEach((key, value) -> {
            if (!node.has(key)) {
                node.set(key, json.valueToTree(value));
            }
        });
        return node;
    }

    private static void putIfSet(ObjectNode body, String field, Double value) {
        if (value != null) {
            body.put(field, value);
        }
    }
}
