package trit.api.chat;

/**
 * How the next token is chosen. Every field is optional: {@code null} means "the provider's
 * configured default". Ranges follow the OpenAI API where it defines them; {@code topK},
 * {@code minP} and {@code repetitionPenalty} are the llama.cpp extensions local engines offer.
 *
 * @param temperature       0 means greedy; 0..2
 * @param topP              nucleus sampling mass, (0, 1]
 * @param topK              keep the k most likely tokens; 0 disables
 * @param minP              drop tokens below minP × p(most likely), [0, 1]
 * @param presencePenalty   -2..2
 * @param frequencyPenalty  -2..2
 * @param repetitionPenalty multiplicative, 1 disables; &gt; 0
 * @param seed              makes sampling reproducible for the same request and model
 */
public record SamplingParameters(Double temperature, Double topP, Integer topK, Double minP,
                                 Double presencePenalty, Double frequencyPenalty,
                                 Double repetitionPenalty, Long seed) {

    /** No preference at all: every provider default applies. */
    public static final SamplingParameters DEFAULTS =
            new SamplingParameters(null, null, null, null, null, null, null, null);

    public SamplingParameters {
        check("temperature", temperature, 0, 2);
        check("top_p", topP, Double.MIN_VALUE, 1);
        if (topK != null && topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, was " + topK);
        }
        check("min_p", minP, 0, 1);
        check("presence_penalty", presencePenalty, -2, 2);
        check("frequency_penalty", frequencyPenalty, -2, 2);
        check("repetition_penalty", repetitionPenalty, Double.MIN_VALUE, Double.MAX_VALUE);
    }

    private static void check(String field, Double value, double min, double max) {
        if (value != null && !(value >= min && value <= max)) {
            throw new IllegalArgumentException(field + " must be in [" + (min == Double.MIN_VALUE ? "0 (exclusive)" : min)
                    + ", " + (max == Double.MAX_VALUE ? "inf" : max) + "], was " + value);
        }
    }
}
