package trit.router;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.chat.ChatRequest;
import trit.api.chat.Usage;
import trit.api.provider.Availability;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;
import trit.api.provider.ProviderException;
import trit.api.routing.Route;
import trit.api.routing.RouteDecision;
import trit.api.routing.Router;
import trit.api.routing.RoutingPolicy;

/**
 * The router: an {@link InferenceProvider} named {@code router} serving the model {@code auto},
 * which sends each request to the provider its policies choose and falls back on failure; and the
 * {@link Router} operator view (dry-run decisions, counters).
 *
 * <p>It declares itself {@code CLOUD}: it may forward content to cloud providers, so nothing that
 * reads locality may take it for a private path.
 */
@Component(service = {InferenceProvider.class, Router.class}, configurationPid = RouterConfiguration.PID,
        property = {InferenceProvider.PROVIDER_NAME + "=" + RoutingProvider.NAME, InferenceProvider.LOCALITY + "=CLOUD"})
@Designate(ocd = RouterConfiguration.class)
public class RoutingProvider implements InferenceProvider, Router {

    static final String NAME = "router";
    private static final long CREATED = 1_700_000_000L;

    /** The providers and their service properties, as one snapshot (replaced on every change). */
    volatile List<Map.Entry<Map<String, Object>, InferenceProvider>> providers = List.of();

    /** The policies and their service properties (ranking), as one snapshot (replaced on every change). */
    volatile List<Map.Entry<Map<String, Object>, RoutingPolicy>> policies = List.of();

    // Bind, updated and unbind methods rather than injected fields: a policy re-ranked while it is
    // registered must be re-ordered, and Felix SCR does not replace a field on a property change.
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(!(" + InferenceProvider.PROVIDER_NAME + "=" + NAME + "))")
    synchronized void bindProvider(InferenceProvider provider, Map<String, Object> properties) {
        providers = Snapshots.put(providers, provider, properties);
    }

    synchronized void updatedProvider(InferenceProvider provider, Map<String, Object> properties) {
        providers = Snapshots.put(providers, provider, properties);
    }

    synchronized void unbindProvider(InferenceProvider provider) {
        providers = Snapshots.remove(providers, provider);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void bindPolicy(RoutingPolicy policy, Map<String, Object> properties) {
        policies = Snapshots.put(policies, policy, properties);
    }

    synchronized void updatedPolicy(RoutingPolicy policy, Map<String, Object> properties) {
        policies = Snapshots.put(policies, policy, properties);
    }

    synchronized void unbindPolicy(RoutingPolicy policy) {
        policies = Snapshots.remove(policies, policy);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ConsensusPolicy consensus;

    @Reference
    CloudSpend spend;

    private static final Logger LOG = LoggerFactory.getLogger(RoutingProvider.class);

    private final RouteCounters counters = new RouteCounters();
    /** The settings, or {@code null} while the configuration is invalid (then nothing is routed). */
    private volatile RouterSettings settings = RouterSettings.DEFAULTS;
    private volatile String configurationError = "";
    private volatile ExecutorService executor;
    private volatile ScheduledExecutorService timer;

    @Activate
    void activate(RouterConfiguration config, Map<String, Object> properties) {
        start(RouterSettings.DEFAULTS);
        modified(config, properties);
    }

    /** Starts with checked settings (what activation does; tests call it directly). */
    void start(RouterSettings checked) {
        settings = checked;
        executor = Executors.newVirtualThreadPerTaskExecutor();
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("trit-router-timer").factory());
    }

    /**
     * Applies a new configuration. An invalid one stops all routing until it is fixed (fail
     * closed): keeping the previous settings would, for instance, keep routing to the cloud after
     * an operator mistyped {@code offline = true}. (SCR only logs an exception thrown here.)
     */
    @Modified
    void modified(RouterConfiguration config, Map<String, Object> properties) {
        try {
            RouterSettings checked = RouterSettings.from(config, properties);
            configurationError = "";
            settings = checked;
        } catch (IllegalArgumentException e) {
            configurationError = e.getMessage();
            settings = null;
            LOG.error("Invalid router configuration; no request is routed until it is fixed: {}", e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        executor.shutdown();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Locality locality() {
        return Locality.CLOUD;
    }

    /** {@code auto}, while any provider is registered; its context is the largest among them. */
    @Override
    public List<ModelInfo> models() {
        List<ProviderEntry> entries = entries();
        if (entries.isEmpty()) {
            return List.of();
        }
        int context = entries.stream().mapToInt(ProviderEntry::contextLength).max().orElse(0);
        return List.of(new ModelInfo(Planner.AUTO, "trit", CREATED, context));
    }

    /** Available when any provider is; loading when one is loading and none is available. */
    @Override
    public Availability availability() {
        if (settings == null) {
            return Availability.unavailable("not routing: its configuration is invalid: " + configurationError);
        }
        List<ProviderEntry> entries = entries();
        if (entries.stream().anyMatch(e -> e.availability().isAvailable())) {
            return Availability.AVAILABLE;
        }
        if (entries.stream().anyMatch(e -> e.availability().state() == Availability.State.LOADING)) {
            return Availability.loading("no provider is available yet; some are loading");
        }
        String reason = entries.isEmpty() ? "no provider is registered" : "no provider is available";
        return entries.stream().map(e -> e.availability().retryAfter()).flatMap(Optional::stream).min(Comparator.naturalOrder())
                .map(soonest -> Availability.unavailable(reason, soonest)).orElse(Availability.unavailable(reason));
    }

    @Override
    public RouteDecision decide(ChatRequest request) {
        return plan(request, settings()).decision();
    }

    @Override
    public List<RouteCount> counts() {
        return counters.snapshot();
    }

    @Override
    public Generation stream(ChatRequest request, ChatStreamListener listener) {
        if (executor.isShutdown()) {
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE, NAME, "the router is stopping");
        }
        RouterSettings current = settings();
        Plan plan;
        try {
            plan = plan(request, current);
        } catch (ProviderException e) {
            counters.count(NAME, "none", e.kind().name());
            throw e;
        }
        ChatRequest forwarded = RequestMarks.strip(request);
        if (plan.consensus() != null) {
            return new ConsensusRun(plan, forwarded, listener, executor, this::finished).start();
        }
        return new FallbackStream(plan, forwarded, listener, current, executor, timer, this::finished).start();
    }

    /** The current settings; while the configuration is invalid, the reason nothing is routed. */
    private RouterSettings settings() {
        RouterSettings current = settings;
        if (current == null) {
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE, NAME,
                    "the router is not routing: its configuration is invalid: " + configurationError);
        }
        return current;
    }

    private Plan plan(ChatRequest request, RouterSettings current) {
        List<RankedPolicy> ranked = policies.stream().map(e -> RankedPolicy.of(e.getValue(), e.getKey()))
                .sorted(RankedPolicy.CONSULTATION_ORDER).toList();
        Plan plan = Planner.plan(request, entries(), ranked, consensus, current);
        if (LOG.isDebugEnabled()) {
            // What an operator turns on with levels = trit.router=DEBUG: every decision, with why.
            RouteDecision d = plan.decision();
            LOG.debug("Route for model '{}': {} on {} by {} ({}); fallbacks {}; scores {}", request.model(), d.model(),
                    d.provider(), d.policy(), d.reason(), d.fallbacks(), d.scores());
        }
        return plan;
    }

    private List<ProviderEntry> entries() {
        return providers.stream().map(e -> ProviderEntry.of(e.getValue(), e.getKey())).toList();
    }

    private void finished(Route route, String outcome, Map<ProviderEntry, Usage> cloud) {
        counters.count(route.provider(), route.policy(), outcome);
        long tokens = cloud.values().stream().mapToLong(Usage::totalTokens).sum();
        if (tokens > 0) {
            spend.add(tokens);
        }
    }
}
