package trit.rest;

import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatMessage;
import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;
import trit.api.chat.Role;
import trit.api.routing.Route;

/** {@code POST /v1/chat/completions}: messages in whole answers, deltas in chunks (the first with the role). */
final class ChatWire implements Wire {

    static final ChatWire INSTANCE = new ChatWire();

    @Override
    public String idPrefix() {
        return "chatcmpl-";
    }

    @Override
    public String object() {
        return "chat.completion";
    }

    @Override
    public String chunkObject() {
        return "chat.completion.chunk";
    }

    @Override
    public ObjectNode choice(ChatResponse response) {
        ChatMessage message = response.choice().message();
        ObjectNode json = JsonProvider.MAPPER.createObjectNode();
        json.put("role", Role.ASSISTANT.wireName());
        json.put("content", message.content());
        if (message.reasoningContent() != null) {
            json.put("reasoning_content", message.reasoningContent());
        }
        putExtensions(json, message.extensions());
        ObjectNode choice = choiceNode();
        choice.set("message", json);
        choice.putNull("logprobs");
        choice.put("finish_reason", response.choice().finishReason().wireName());
        return choice;
    }

    @Override
    public ObjectNode openingChoice() {
        ObjectNode delta = JsonProvider.MAPPER.createObjectNode();
        delta.put("role", Role.ASSISTANT.wireName());
        delta.put("content", "");
        return deltaChoice(delta);
    }

    @Override
    public ObjectNode deltaChoice(ChatDelta delta) {
        ObjectNode json = JsonProvider.MAPPER.createObjectNode();
        if (!delta.content().isEmpty()) {
            json.put("content", delta.content());
        }
        if (delta.reasoningContent() != null && !delta.reasoningContent().isEmpty()) {
            json.put("reasoning_content", delta.reasoningContent());
        }
        putExtensions(json, delta.extensions());
        return json.isEmpty() ? null : deltaChoice(json);
    }

    @Override
    public ObjectNode finishChoice(FinishReason reason) {
        ObjectNode choice = deltaChoice(JsonProvider.MAPPER.createObjectNode());
        choice.put("finish_reason", reason.wireName());
        return choice;
    }

    private static ObjectNode deltaChoice(ObjectNode delta) {
        ObjectNode choice = choiceNode();
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return choice;
    }

    private static ObjectNode choiceNode() {
        ObjectNode choice = JsonProvider.MAPPER.createObjectNode();
        choice.put("index", 0);
        return choice;
    }

    /** Fields the model does not name (tool_calls ...) go out as they came; the route has its own place. */
    private static void putExtensions(ObjectNode json, Map<String, Object> extensions) {
        extensions.forEach((key, value) -> {
            if (!key.equals(Route.EXTENSION) && !json.has(key)) {
                json.set(key, JsonProvider.MAPPER.valueToTree(value));
            }
        });
    }
}
