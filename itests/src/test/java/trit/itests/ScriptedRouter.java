package trit.itests;

import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import trit.api.chat.ChatRequest;
import trit.api.provider.ProviderException;
import trit.api.routing.Route;
import trit.api.routing.RouteDecision;
import trit.api.routing.Router;

/**
 * A {@link Router} service standing in for the router bundle: private requests go to "local",
 * others to "cloud"; model "nowhere" has no eligible provider.
 */
final class ScriptedRouter implements Router {

    volatile ChatRequest lastRequest;

    ServiceRegistration<Router> register(BundleContext context) {
        return context.registerService(Router.class, this, null);
    }

    @Override
    public RouteDecision decide(ChatRequest request) {
        lastRequest = request;
        if (request.model().equals("nowhere")) {
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE, "router",
                    "no eligible provider: privacy excluded cloud, local is not loaded");
        }
        boolean local = Route.LOCAL_ONLY.equals(request.extensions().get(Route.PRIVACY));
        return local
                ? new RouteDecision("bitnet-2b", "local", "privacy", "privacy=local_only keeps it here",
                        Map.of(), List.of())
                : new RouteDecision("kimi-k2", "cloud", "complexity", "long reasoning prompt",
                        Map.of("complexity", 0.75), List.of("local"));
    }

    @Override
    public List<RouteCount> counts() {
        return List.of(new RouteCount("local", "privacy", "ok", 4), new RouteCount("cloud", "complexity", "fallback_ok", 1));
    }
}
