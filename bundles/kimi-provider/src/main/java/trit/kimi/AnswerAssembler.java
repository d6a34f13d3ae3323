package trit.kimi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.api.chat.ChatChoice;
import trit.api.chat.ChatDelta;
import trit.api.chat.ChatMessage;
import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;
import trit.api.chat.Role;
import trit.api.chat.Usage;

/**
 * Reads the remote's answers: a whole chat completion, or the chunks of a streamed one, which
 * it turns into {@link ChatDelta}s as they arrive and assembles into the final
 * {@link ChatResponse} (content, reasoning, tool calls merged from their fragments, usage
 * wherever the remote put it: top level or the last chunk's choice).
 *
 * <p>Anything not shaped like a chat completion throws {@link MalformedAnswerException}.
 */
final class AnswerAssembler {

    /** The remote's answer is not a chat completion. */
    static final class MalformedAnswerException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedAnswerException(String message) {
            super(message);
        }
    }

    private static final List<String> MESSAGE_FIELDS = List.of("role", "content", "reasoning_content");

    private final ObjectMapper json;
    private String id;
    private long created;
    private String model;
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
    private FinishReason finishReason;
    private Usage usage = Usage.NONE;
    private int deltas;

    AnswerAssembler(String model, ObjectMapper json) {
        this.model = model;
        this.json = json;
    }

    /** A whole (non-streamed) completion. */
    ChatResponse whole(JsonNode body) {
        JsonNode choice = header(body);
        if (choice == null) {
            throw new MalformedAnswerException("the answer has no choices");
        }
        JsonNode message = choice.path("message");
        if (!message.isObject()) {
            throw new MalformedAnswerException("the answer's choice has no message object");
        }
        Map<String, Object> extensions = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : message.properties()) {
            if (!MESSAGE_FIELDS.contains(field.getKey())) {
                extensions.put(field.getKey(), json.convertValue(field.getValue(), Object.class));
            }
        }
        ChatMessage assembled = new ChatMessage(Role.ASSISTANT, text(message, "content"), null,
                text(message, "reasoning_content"), null, extensions);
        finishReason = finishReason == null ? FinishReason.STOP : finishReason;
        return new ChatResponse(id, created, model, List.of(new ChatChoice(0, assembled, finishReason)), usage, null);
    }

    /**
     * One streamed chunk.
     *
     * @return what to pass on to the caller, or {@code null} when the chunk carries nothing for it
     *         (a role-only first chunk, a usage-only last chunk)
     */
    ChatDelta chunk(JsonNode chunk) {
        JsonNode choice = header(chunk);
        if (choice == null) {
            return null;
        }
        JsonNode delta = choice.path("delta");
        if (delta.isMissingNode() || delta.isNull()) {
            return null;
        }
        if (!delta.isObject()) {
            throw new MalformedAnswerException("a chunk's delta is not an object");
        }
        String text = text(delta, "content");
        String thought = text(delta, "reasoning_content");
        Map<String, Object> extensions = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : delta.properties()) {
            if (field.getKey().equals("tool_calls")) {
                mergeToolCalls(field.getValue());
            }
            if (!MESSAGE_FIELDS.contains(field.getKey()) && !field.getValue().isNull()) {
                extensions.put(field.getKey(), json.convertValue(field.getValue(), Object.class));
            }
        }
        if (text != null) {
            content.append(text);
        }
        if (thought != null) {
            reasoning.append(thought);
        }
        if ((text == null || text.isEmpty()) && (thought == null || thought.isEmpty()) && extensions.isEmpty()) {
            return null;
        }
        deltas++;
        return new ChatDelta(text, thought, extensions);
    }

    /** Whether the remote said why the answer ended. */
    boolean finished() {
        return finishReason != null;
    }

    /** Deltas passed on so far. */
    int deltas() {
        return deltas;
    }

    /** The streamed answer assembled; {@code reason} overrides the remote's (e.g. {@code CANCELLED}). */
    ChatResponse assembled(FinishReason reason) {
        Map<String, Object> extensions = new LinkedHashMap<>();
        if (!toolCalls.isEmpty()) {
            extensions.put("tool_calls", json.convertValue(new ArrayList<>(toolCalls.values()), Object.class));
        }
        ChatMessage message = new ChatMessage(Role.ASSISTANT, content.toString(), null,
                reasoning.isEmpty() ? null : reasoning.toString(), null, extensions);
        FinishReason finish = reason != null ? reason : finishReason != null ? finishReason : FinishReason.STOP;
        return new ChatResponse(id == null ? "chatcmpl-unknown" : id, created, model,
                List.of(new ChatChoice(0, message, finish)), usage, null);
    }

    /** Reads id, created, model, usage and finish reason; returns the first choice, or null when there is none. */
    private JsonNode header(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new MalformedAnswerException("the answer is not a JSON object");
        }
        if (node.hasNonNull("error")) {
            throw new MalformedAnswerException("the remote reported an error: " + node.path("error").path("message").asText(node.path("error").toString()));
        }
        if (id == null && node.hasNonNull("id")) {
            id = node.path("id").asText();
        }
        if (created == 0 && node.path("created").canConvertToLong()) {
            created = node.path("created").asLong();
        }
        if (node.hasNonNull("model")) {
            model = node.path("model").asText();
        }
        readUsage(node.path("usage"));
        JsonNode choices = node.path("choices");
        if (choices.isMissingNode() || choices.isNull()) {
            return null;
        }
        if (!choices.isArray()) {
            throw new MalformedAnswerException("choices is not an array");
        }
        if (choices.isEmpty()) {
            return null;
        }
        JsonNode choice = choices.get(0);
        if (!choice.isObject()) {
            throw new MalformedAnswerException("a choice is not an object");
        }
        // Moonshot reports a stream's usage inside the last chunk's choice.
        readUsage(choice.path("usage"));
        if (choice.hasNonNull("finish_reason")) {
            finishReason = finishReason(choice.path("finish_reason").asText());
        }
        return choice;
    }

    private void readUsage(JsonNode node) {
        if (node.isObject()) {
            usage = new Usage(Math.max(0, node.path("prompt_tokens").asInt(0)),
                    Math.max(0, node.path("completion_tokens").asInt(0)));
        }
    }

    private void mergeToolCalls(JsonNode fragments) {
        if (!fragments.isArray()) {
            throw new MalformedAnswerException("tool_calls is not an array");
        }
        int position = 0;
        for (JsonNode fragment : fragments) {
            int index = fragment.path("index").asInt(position++);
            ObjectNode call = toolCalls.computeIfAbsent(index, i -> json.createObjectNode().put("index", i));
            for (String field : List.of("id", "type")) {
                if (fragment.hasNonNull(field)) {
                    call.put(field, fragment.path(field).asText());
                }
            }
            JsonNode function = fragment.path("function");
            if (function.isObject()) {
                ObjectNode assembled = call.has("function") ? (ObjectNode) call.get("function") : call.putObject("function");
                if (function.hasNonNull("name")) {
                    assembled.put("name", assembled.path("name").asText("") + function.path("name").asText());
                }
                if (function.hasNonNull("arguments")) {
                    assembled.put("arguments", assembled.path("arguments").asText("") + function.path("arguments").asText());
                }
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new MalformedAnswerException(field + " is not a string");
        }
        return value.asText();
    }

    private static FinishReason finishReason(String wire) {
        return switch (wire) {
            case "length" -> FinishReason.LENGTH;
            case "tool_calls", "function_call" -> FinishReason.TOOL_CALLS;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.STOP;
        };
    }
}
