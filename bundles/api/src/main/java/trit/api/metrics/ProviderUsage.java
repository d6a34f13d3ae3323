package trit.api.metrics;

import java.util.Objects;

/**
 * One provider's totals in {@link UsageStatistics#byProvider()}.
 *
 * @param provider          the provider that answered (as the route says when the router chose)
 * @param requests          requests it answered or failed
 * @param errors            of those, the ones that failed
 * @param promptTokens      prompt tokens processed
 * @param completionTokens  tokens generated
 * @param timedTokens       generated tokens after the first one of each answer (the first one's
 *                          time is the prompt's)
 * @param generationSeconds time from the first to the last token, summed over the answers
 */
public record ProviderUsage(String provider, long requests, long errors, long promptTokens, long completionTokens,
                            long timedTokens, double generationSeconds) {

    public ProviderUsage {
        Objects.requireNonNull(provider, "provider");
        if (requests < 0 || errors < 0 || promptTokens < 0 || completionTokens < 0 || timedTokens < 0
                || !(generationSeconds >= 0)) {
            throw new IllegalArgumentException("usage figures must be >= 0");
        }
    }

    /** Mean generation speed after the first token, or 0 when nothing was timed. */
    public double tokensPerSecond() {
        return generationSeconds > 0 ? timedTokens / generationSeconds : 0;
    }
}
