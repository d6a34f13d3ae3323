package trit.rest;

import java.util.List;
import java.util.Locale;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import trit.api.provider.Availability;
import trit.api.provider.InferenceProvider;
import trit.api.provider.ModelInfo;

/**
 * {@code GET /health}: 200 when the server can answer (no provider is still loading, one is
 * available, and the router is not refusing), 503 otherwise (a load balancer then waits), with
 * every provider's state in the body either way: status {@code loading} or {@code unavailable}.
 */
@Component(service = HealthResource.class)
@JakartarsResource
@JakartarsName("trit.health")
@JakartarsApplicationSelect(RestApplication.SELECT)
@Path("health")
public class HealthResource {

    public record Health(String status, List<ProviderHealth> providers) {
    }

    public record ProviderHealth(String name, String locality, String state, String reason, List<String> models) {
    }

    /** The router's provider name. */
    private static final String ROUTER = "router";

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    volatile List<InferenceProvider> providers = List.of();

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response health() {
        List<ProviderHealth> states = providers.stream().map(HealthResource::state).toList();
        boolean loading = states.stream().anyMatch(p -> p.state().equals(lower(Availability.State.LOADING)));
        // Ready means a request can be answered: some provider is available, and the router (which
        // every request goes through) is not refusing.
        boolean answering = states.stream().anyMatch(p -> p.state().equals(lower(Availability.State.AVAILABLE)))
                && states.stream().noneMatch(p -> p.name().equals(ROUTER) && p.state().equals(lower(Availability.State.UNAVAILABLE)));
        String status = loading ? "loading" : answering ? "ok" : "unavailable";
        return Response.status(status.equals("ok") ? 200 : 503).entity(new Health(status, states)).build();
    }

    private static ProviderHealth state(InferenceProvider provider) {
        Availability availability;
        List<String> models;
        try {
            availability = provider.availability();
            models = provider.models().stream().map(ModelInfo::id).sorted().toList();
        } catch (RuntimeException e) {
            availability = Availability.unavailable("failed to report its state: " + e.getClass().getSimpleName());
            models = List.of();
        }
        return new ProviderHealth(provider.name(), lower(provider.locality()), lower(availability.state()),
                availability.reason(), models);
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
