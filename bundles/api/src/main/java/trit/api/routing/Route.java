package trit.api.routing;

import java.util.List;
import java.util.Objects;

/**
 * How an answer was routed. The router puts it, as this record, under {@link #EXTENSION} in the
 * extensions of the first streamed delta and of the final response; the REST layer shows it as
 * the response body's {@code route} field and the {@code X-Trit-Route} header.
 *
 * @param provider the provider that answered (or failed last)
 * @param model    the model id that answered
 * @param policy   the policy whose verdict decided, or {@code "default"}
 * @param reason   why, in an operator's words
 * @param attempts every provider tried, in order, the last one being the one that answered
 */
public record Route(String provider, String model, String policy, String reason, List<Attempt> attempts) {

    /** The extension key of the route, in deltas and responses. */
    public static final String EXTENSION = "route";

    /** Request extension: {@code "local_only"} keeps the request on local providers, whatever else applies. */
    public static final String PRIVACY = "privacy";

    /** The {@link #PRIVACY} value that makes a request private. */
    public static final String LOCAL_ONLY = "local_only";

    public Route {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(policy, "policy");
        reason = reason == null ? "" : reason;
        attempts = List.copyOf(attempts);
    }

    /**
     * One try at one provider.
     *
     * @param provider the provider tried
     * @param outcome  {@code "ok"}, or the {@link trit.api.provider.ProviderException.Kind} name of its failure
     * @param millis   how long the try took until it answered or failed
     */
    public record Attempt(String provider, String outcome, long millis) {
        public Attempt {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(outcome, "outcome");
        }
    }
}
