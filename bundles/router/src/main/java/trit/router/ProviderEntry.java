package trit.router;

import java.util.List;
import java.util.Map;

import trit.api.provider.Availability;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;
import trit.api.routing.Candidate;

/**
 * One registered provider as the router sees it for one request.
 *
 * <p>Its locality is {@code LOCAL} only when both its service property and its
 * {@link InferenceProvider#locality()} say so: a provider that forgot the property, or whose
 * property disagrees with its code, is treated as cloud, so that a private request never reaches it.
 */
record ProviderEntry(String name, InferenceProvider provider, Locality locality, List<ModelInfo> models,
                     Availability availability) {

    static ProviderEntry of(InferenceProvider provider, Map<String, ?> properties) {
        Object property = properties.get(InferenceProvider.LOCALITY);
        Locality declared;
        List<ModelInfo> models;
        Availability availability;
        try {
            declared = provider.locality();
            models = List.copyOf(provider.models());
            availability = provider.availability();
        } catch (RuntimeException e) {
            declared = Locality.CLOUD;
            models = List.of();
            availability = Availability.unavailable("failed to report its state: " + e.getClass().getSimpleName());
        }
        boolean local = declared == Locality.LOCAL && Locality.LOCAL.name().equals(property);
        Object name = properties.get(InferenceProvider.PROVIDER_NAME);
        return new ProviderEntry(name instanceof String s ? s : provider.name(), provider,
                local ? Locality.LOCAL : Locality.CLOUD, models, availability);
    }

    Candidate candidate() {
        return new Candidate(name, locality, models, availability);
    }

    boolean isLocal() {
        return locality == Locality.LOCAL;
    }

    /** The model to ask this provider for: the one requested when it serves it, else its first. */
    String modelFor(String requested) {
        for (ModelInfo model : models) {
            if (model.id().equals(requested)) {
                return requested;
            }
        }
        return models.get(0).id();
    }

    /** The largest context among its models, 0 when none is known. */
    int contextLength() {
        return models.stream().mapToInt(ModelInfo::contextLength).max().orElse(0);
    }
}
