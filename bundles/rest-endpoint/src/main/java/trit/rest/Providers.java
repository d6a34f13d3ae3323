package trit.rest;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import trit.api.provider.Availability;
import trit.api.provider.InferenceProvider;
import trit.api.provider.ModelInfo;

/**
 * The providers registered now, and which one answers a model id: the provider that lists it,
 * else the router (provider {@value #ROUTER}) for {@code auto} and for ids no single provider serves.
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
     * The provider that answers {@code model}.
     *
     * @throws ApiException 404 for an id nobody serves, 503 for {@code auto} without a router and
     *                      for a provider that is loading or unavailable
     */
    public InferenceProvider forModel(String model) {
        List<InferenceProvider> now = providers;
        InferenceProvider chosen = null;
        InferenceProvider router = null;
        for (InferenceProvider provider : now) {
            if (ROUTER.equals(provider.name())) {
                router = provider;
            } else if (chosen == null && serves(provider, model)) {
                chosen = provider;
            }
        }
        if (chosen == null) {
            chosen = router;
        }
        if (chosen == null) {
            if (model.equals(RequestReader.AUTO)) {
                throw new ApiException(503, "No provider is available: model \"auto\" needs the router, and no "
                        + "router is running", "model", "no_provider_available");
            }
            throw new ApiException(404, "The model '" + model + "' does not exist; GET /v1/models lists the models "
                    + "served now", "model", "model_not_found");
        }
        Availability availability = chosen.availability();
        if (!availability.isAvailable()) {
            String message = "Provider " + chosen.name() + " cannot take requests now ("
                    + availability.state().name().toLowerCase(Locale.ROOT)
                    + (availability.reason().isEmpty() ? "" : ": " + availability.reason()) + ")";
            throw ApiException.retryLater(503, message, "no_provider_available", LOADING_RETRY);
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
