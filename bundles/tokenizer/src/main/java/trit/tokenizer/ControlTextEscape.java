package trit.tokenizer;

import java.util.List;

import trit.api.chat.ChatMessage;

/**
 * Keeps control-token text that users write (a message saying {@code <|eot_id|>}) from becoming
 * the control token when the prompt a chat template renders is encoded with control tokens
 * recognised. Before rendering, each such text in a message is broken by a private-use mark
 * after its first character (and a mark the user wrote is doubled); after the prompt is split
 * at the template's control tokens, the marks are taken out again, so the user's text is
 * encoded exactly as written, as plain text.
 */
final class ControlTextEscape {

    /** U+E000 (private use): not part of any control token's text. */
    static final char MARK = '\uE000';
    private static final String SINGLE = String.valueOf(MARK);
    private static final String DOUBLE = SINGLE + MARK;

    private final List<String> controlTexts;

    ControlTextEscape(List<String> controlTexts) {
        this.controlTexts = controlTexts;
    }

    /** The message with its content, name and reasoning escaped. */
    ChatMessage escape(ChatMessage message) {
        return new ChatMessage(message.role(), escape(message.content()), escape(message.name()),
                escape(message.reasoningContent()), message.toolCallId(), message.extensions());
    }

    String escape(String text) {
        if (text == null) {
            return null;
        }
        String escaped = text.replace(SINGLE, DOUBLE);
        for (String control : controlTexts) {
            if (escaped.contains(control)) {
                escaped = escaped.replace(control, control.charAt(0) + SINGLE + control.substring(1));
            }
        }
        return escaped;
    }

    /** Takes the marks out: a doubled mark is the user's own, a single one goes. */
    static String unescape(String text) {
        if (text.indexOf(MARK) < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != MARK) {
                out.append(c);
            } else if (i + 1 < text.length() && text.charAt(i + 1) == MARK) {
                out.append(MARK);
                i++;
            }
        }
        return out.toString();
    }
}
