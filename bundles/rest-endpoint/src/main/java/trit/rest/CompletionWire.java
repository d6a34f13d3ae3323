package trit.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;

/** {@code POST /v1/completions}: text in, text out ({@code text_completion}, whole or in chunks). */
final class CompletionWire implements Wire {

    static final CompletionWire INSTANCE = new CompletionWire();

    @Override
    public String idPrefix() {
        return "cmpl-";
    }

    @Override
    public String object() {
        return "text_completion";
    }

    @Override
    public String chunkObject() {
        return "text_completion";
    }

    @Override
    public ObjectNode choice(ChatResponse response) {
        String text = response.choice().message().content();
        return choice(text == null ? "" : text, response.choice().finishReason());
    }

    @Override
    public ObjectNode openingChoice() {
        return null;
    }

    @Override
    public ObjectNode deltaChoice(ChatDelta delta) {
        return delta.content().isEmpty() ? null : choice(delta.content(), null);
    }

    @Override
    public ObjectNode finishChoice(FinishReason reason) {
        return choice("", reason);
    }

    private static ObjectNode choice(String text, FinishReason reason) {
        ObjectNode choice = JsonProvider.MAPPER.createObjectNode();
        choice.put("text", text);
        choice.put("index", 0);
        choice.putNull("logprobs");
        if (reason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", reason.wireName());
        }
        return choice;
    }
}
