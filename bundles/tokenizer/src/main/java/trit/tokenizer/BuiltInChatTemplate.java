package trit.tokenizer;

import java.util.List;
import java.util.Objects;

import trit.api.chat.ChatMessage;
import trit.api.chat.Role;
import trit.api.tokenizer.ChatTemplate;

/**
 * The formats used when a model carries no chat template of its own. Each renders the roles
 * system, user and assistant; {@link Role#DEVELOPER} (OpenAI's newer name for system
 * instructions) as system; any other role is refused with an {@link IllegalArgumentException}
 * naming it. None writes BOS: encoding adds it as the vocabulary says.
 */
abstract class BuiltInChatTemplate implements ChatTemplate {

    /**
     * microsoft/BitNet-b1.58-2B-4T as llama.cpp writes it ({@code LLM_CHAT_TEMPLATE_BITNET},
     * "bitnet-25"): {@code System: …}, then {@code User: …<|eot_id|>Assistant: } and the
     * assistant's text, contents untrimmed, nothing between turns. The prompt for the answer
     * ("Assistant: ") closes every user turn, so it is there whether or not a generation prompt
     * is asked for, exactly as llama.cpp does.
     */
    static final BuiltInChatTemplate BITNET = new BuiltInChatTemplate("bitnet-b1.58") {
        @Override
        void turn(StringBuilder out, Role role, String content) {
            switch (role) {
                case SYSTEM -> out.append("System: ").append(content);
                case USER -> out.append("User: ").append(content).append("<|eot_id|>Assistant: ");
                default -> out.append(content);
            }
        }

        @Override
        void generationPrompt(StringBuilder out) {
        }
    };

    /**
     * LLaMA-3 Instruct as llama.cpp writes it ({@code LLM_CHAT_TEMPLATE_LLAMA_3}): each turn
     * {@code <|start_header_id|>role<|end_header_id|>\n\n}, the content trimmed of ASCII
     * whitespace (C's {@code isspace}), {@code <|eot_id|>}.
     */
    static final BuiltInChatTemplate LLAMA3 = new BuiltInChatTemplate("llama3") {
        @Override
        void turn(StringBuilder out, Role role, String content) {
            out.append("<|start_header_id|>").append(role.wireName()).append("<|end_header_id|>\n\n")
                    .append(trimAscii(content)).append("<|eot_id|>");
        }

        @Override
        void generationPrompt(StringBuilder out) {
            out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
    };

    /**
     * For vocabularies with no chat tokens (e.g. the SentencePiece one of 1bitLLM's
     * bitnet_b1_58, a base model): {@code System: …\n}, {@code User: …\n},
     * {@code Assistant: …\n}, and {@code Assistant:} as the generation prompt. A plain-text
     * convention, not a format any such model was trained on.
     */
    static final BuiltInChatTemplate PLAIN = new BuiltInChatTemplate("plain") {
        @Override
        void turn(StringBuilder out, Role role, String content) {
            String speaker = switch (role) {
                case SYSTEM -> "System: ";
                case USER -> "User: ";
                default -> "Assistant: ";
            };
            out.append(speaker).append(content).append('\n');
        }

        @Override
        void generationPrompt(StringBuilder out) {
            out.append("Assistant:");
        }
    };

    private final String name;

    private BuiltInChatTemplate(String name) {
        this.name = name;
    }

    /** Appends one turn; {@code role} is SYSTEM, USER or ASSISTANT. */
    abstract void turn(StringBuilder out, Role role, String content);

    abstract void generationPrompt(StringBuilder out);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public String toString() {
        return "BuiltInChatTemplate[" + name + "]";
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        for (ChatMessage message : messages) {
            Role role = switch (message.role()) {
                case SYSTEM, DEVELOPER -> Role.SYSTEM;
                case USER -> Role.USER;
                case ASSISTANT -> Role.ASSISTANT;
                default -> throw new IllegalArgumentException("the " + name + " chat format has no role '"
                        + message.role().wireName() + "' (it renders system, developer as system, user and assistant)");
            };
            turn(out, role, Objects.requireNonNullElse(message.content(), ""));
        }
        if (addGenerationPrompt) {
            generationPrompt(out);
        }
        return out.toString();
    }

    /** llama.cpp's {@code trim}: C {@code isspace} on bytes, so ASCII whitespace only. */
    static String trimAscii(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isCSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isCSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isCSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
