package trit.api.routing;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A routing decision made without calling any provider (the dry run behind {@code POST /v1/route}
 * and {@code trit:route}).
 *
 * @param model     the model id the request would be sent to
 * @param provider  the provider that would be tried first
 * @param policy    the policy whose verdict decided, or {@code "default"}
 * @param reason    why, in an operator's words
 * @param scores    the numbers behind the decision, from every policy that gave any
 * @param fallbacks the providers that would be tried next, in order
 */
public record RouteDecision(String model, String provider, String policy, String reason,
                            Map<String, Double> scores, List<String> fallbacks) {

    public RouteDecision {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(policy, "policy");
        reason = reason == null ? "" : reason;
        scores = Map.copyOf(scores);
        fallbacks = List.copyOf(fallbacks);
    }
}
