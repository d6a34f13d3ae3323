package trit.api.routing;

import java.util.List;
import java.util.Objects;

import trit.api.provider.Availability;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;

/**
 * A provider the router could send a request to, as a policy sees it: a snapshot taken for
 * one routing decision, so that a policy needs no reference to the provider service itself.
 *
 * @param provider     the provider's name
 * @param locality     where it computes
 * @param models       the models it serves
 * @param availability whether it can take a request now
 */
public record Candidate(String provider, Locality locality, List<ModelInfo> models, Availability availability) {

    public Candidate {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(locality, "locality");
        models = List.copyOf(models);
        Objects.requireNonNull(availability, "availability");
    }

    /** Whether it serves the model with this id. */
    public boolean serves(String modelId) {
        return models.stream().anyMatch(m -> m.id().equals(modelId));
    }
}
