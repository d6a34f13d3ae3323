package trit.api.routing;

import java.util.List;

import trit.api.chat.ChatRequest;
import trit.api.provider.ProviderException;

/**
 * The router's operator view, registered as a service by the bundle that also publishes the
 * routing {@link trit.api.provider.InferenceProvider} (provider name {@code "router"}, model {@code "auto"}).
 * Thread-safe.
 */
public interface Router {

    /**
     * Decides where a request would go, without sending it anywhere.
     *
     * @throws ProviderException of kind {@code UNAVAILABLE} when no provider is eligible (the
     *                           message says which policy excluded which providers)
     */
    RouteDecision decide(ChatRequest request);

    /** How many requests ended how, per provider and deciding policy, since the router started. */
    List<RouteCount> counts();

    /**
     * One counter of {@link #counts()}.
     *
     * @param provider the provider that answered or failed last
     * @param policy   the deciding policy
     * @param outcome  {@code "ok"}, {@code "fallback_ok"}, or the failure's kind name
     * @param count    how many requests
     */
    record RouteCount(String provider, String policy, String outcome, long count) {
    }
}
