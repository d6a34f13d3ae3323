package trit.api.chat;

/** Why generation ended, with the OpenAI wire names. */
public enum FinishReason {
    /** A stop string, an end-of-turn token, or the model's natural end. */
    STOP("stop"),
    /** {@code max_tokens} or the context size was reached. */
    LENGTH("length"),
    TOOL_CALLS("tool_calls"),
    CONTENT_FILTER("content_filter"),
    /** The caller cancelled; not an OpenAI value, never sent to a client that went away anyway. */
    CANCELLED("cancelled");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
