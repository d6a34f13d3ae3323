package trit.rest;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import trit.api.provider.InferenceProvider;
import trit.api.provider.ProviderLoad;
import trit.api.routing.Router;

/**
 * {@code GET /metrics}: Prometheus text format: the API's counters and histograms, generations
 * running against the limit, each provider's load (running and queued), and the router's counts.
 */
@Component(service = MetricsResource.class)
@JakartarsResource
@JakartarsName("trit.metrics")
@JakartarsApplicationSelect(RestApplication.SELECT)
@Path("metrics")
public class MetricsResource {

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final ApiMetrics metrics;
    private final Inference inference;
    private final Providers providers;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Router router;

    @Activate
    public MetricsResource(@Reference ApiMetrics metrics, @Reference Inference inference,
                           @Reference Providers providers) {
        this.metrics = metrics;
        this.inference = inference;
        this.providers = providers;
    }

    @GET
    @Produces(PROMETHEUS_TEXT)
    public String scrape() {
        StringBuilder out = new StringBuilder();
        metrics.write(out);
        ApiMetrics.header(out, "trit_active_generations", "Generations running now.", "gauge");
        ApiMetrics.sample(out, "trit_active_generations", "", inference.active());
        ApiMetrics.header(out, "trit_generation_limit", "Generations allowed at once (max.concurrent.generations).",
                "gauge");
        ApiMetrics.sample(out, "trit_generation_limit", "", inference.limit());
        List<InferenceProvider> all = providers.all();
        ApiMetrics.header(out, "trit_provider_active", "Generations a provider runs now.", "gauge");
        all.forEach(p -> ApiMetrics.sample(out, "trit_provider_active", ApiMetrics.labels("provider", p.name()),
                load(p).active()));
        ApiMetrics.header(out, "trit_provider_queue_depth", "Requests waiting at a provider for a slot.", "gauge");
        all.forEach(p -> ApiMetrics.sample(out, "trit_provider_queue_depth", ApiMetrics.labels("provider", p.name()),
                load(p).queued()));
        Router current = router;
        if (current != null) {
            ApiMetrics.header(out, "trit_router_requests_total",
                    "Routed requests by answering provider, deciding policy and outcome.", "counter");
            current.counts().forEach(c -> ApiMetrics.sample(out, "trit_router_requests_total",
                    ApiMetrics.labels("provider", c.provider(), "policy", c.policy(), "outcome", c.outcome()),
                    c.count()));
        }
        return out.toString();
    }

    private static ProviderLoad load(InferenceProvider provider) {
        try {
            return provider.load();
        } catch (RuntimeException e) {
            return ProviderLoad.IDLE;
        }
    }
}
