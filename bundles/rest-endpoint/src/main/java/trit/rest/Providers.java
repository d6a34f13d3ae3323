package trit.rest;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import trit.api.chat.ChatRequest;
import trit.api.provider.Availability;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;
import trit.api.routing.Route;

/**
 * The providers registered now, and which one answers a request: the router (provider
 * {@value #ROUTER}) whenever it runs, else the provider that lists the model id.
 */
@Component(service = Providers.class)
public class Providers {

    /** The router's provider name. */
    static final String ROUTER = "router";

    /** How long a client is told to wait for a provider that is loading its model. */
    private static final Duration LOADING_RETRY = Duration.ofSeconds(5);

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<InferenceProvider> providers = List.of();

    /** Every provider registered now. */
    public List<InferenceProvider> all() {
        return providers;
    }

    /**
     * The provider that answers {@code request}: the router whenever one runs (it keeps privacy,
     * the offline switch and the cloud budget, and sends a named model to its provider), else the
     * provider that lists the model.
     *
     * @throws ApiException 404 for an id nobody serves, 503 for {@code auto} without a router and
     *                      for a provider that is loading or unavailable, 400 for a private request
     *                      naming a cloud model when no router runs
     */
    public InferenceProvider forRequest(ChatRequest request) {
        String model = request.model();
        List<InferenceProvider> now = providers;
        InferenceProvider chosen = null;
        InferenceProvider router = null;
        for (InferenceProvider provider : now) {
            if (ROUTER.equals(provider.name())) {
                router = provider;
            }
        }
        // With a router, it decides (a named model included): no need to ask every provider for its models.
        for (int i = 0; router == null && chosen == null && i < now.size(); i++) {
            if (serves(now.get(i), model)) {
                chosen = now.get(i);
            }
        }
        if (chosen == null && router == null) {
            if (model.equals(RequestReader.AUTO)) {
                throw new ApiException(503, "No provider is available: model \"auto\" needs the router, and no "
                        + "router is running", "model", "no_provider_available");
            }
            throw new ApiException(404, "The model '" + model + "' does not exist; GET /v1/models lists the models "
                    + "served now", "model", "model_not_found");
        }
        if (router != null) {
            chosen = router;
        } else if (Route.LOCAL_ONLY.equals(request.extensions().get(Route.PRIVACY)) && chosen.locality() != Locality.LOCAL) {
            // Without a router nothing else stands between a private request and a cloud provider.
            throw new ApiException(400, "The model '" + model + "' is served by a cloud provider, and the request is "
                    + "private (privacy=local_only)", "model", "private_request_to_cloud");
        }
        Availability availability = chosen.availability();
        if (!availability.isAvailable()) {
            String message = "Provider " + chosen.name() + " cannot take requests now ("
                    + availability.state().name().toLowerCase(Locale.ROOT)
                    + (availability.reason().isEmpty() ? "" : ": " + availability.reason()) + ")";
            throw ApiException.retryLater(503, message, "no_provider_available",
                    availability.retryAfter().orElse(LOADING_RETRY));
        }
        return chosen;
    }

    private static boolean serves(InferenceProvider provider, String model) {
        try {
            for (ModelInfo info : provider.models()) {
                if (info.id().equals(model)) {
                    return true;
                }
            }
        } catch (RuntimeException e) {
            // A provider that cannot list its models serves none of them now.
        }
        return false;
    }
}
