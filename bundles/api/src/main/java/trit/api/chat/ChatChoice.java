package trit.api.chat;

import java.util.Objects;

/** One answer of a response (Trit generates one per request: {@code n = 1}). */
public record ChatChoice(int index, ChatMessage message, FinishReason finishReason) {

    public ChatChoice {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(finishReason, "finishReason");
    }
}
