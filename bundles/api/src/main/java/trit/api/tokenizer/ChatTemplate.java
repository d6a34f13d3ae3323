package trit.api.tokenizer;

import java.util.List;

import trit.api.chat.ChatMessage;

/**
 * Turns a conversation into the prompt text a model was trained on: the model's own Jinja
 * {@code tokenizer.chat_template}, or a built-in format when the model has none. Immutable and
 * thread-safe.
 */
public interface ChatTemplate {

    /**
     * What renders: {@code "gguf"} / {@code "tokenizer_config"} for the model's own template, or
     * the name of a built-in ({@code "bitnet-b1.58"}, {@code "llama3"}).
     */
    String name();

    /**
     * Renders a conversation.
     *
     * @param messages            the conversation, oldest first
     * @param addGenerationPrompt whether to end with the header that makes the model answer as the assistant
     * @return the prompt text; control tokens appear as their text (e.g. {@code <|eot_id|>})
     * @throws IllegalArgumentException for a role the template cannot render, or a template that
     *                                  fails (the message says which and why)
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);
}
