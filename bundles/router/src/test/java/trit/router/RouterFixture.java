package trit.router;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Constants;

import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.routing.RoutingPolicy;

/** A router wired as the framework would wire it: real policies, real estimator, the given providers. */
final class RouterFixture {

    static final String LOCAL_MODEL = "bitnet-b1.58-2b";
    static final String CLOUD_MODEL = "kimi-k2";

    final RoutingProvider router = new RoutingProvider();
    final CloudSpend spend = new CloudSpend();
    final List<Map.Entry<Map<String, Object>, InferenceProvider>> providers = new ArrayList<>();
    final List<Map.Entry<Map<String, Object>, RoutingPolicy>> policies = new ArrayList<>();
    private long serviceId = 1;

    RouterFixture() {
        this(RouterSettings.DEFAULTS);
    }

    RouterFixture(RouterSettings settings) {
        router.spend = spend;
        policy(new PrivacyPolicy(), 1000);
        policy(new ExplicitModelPolicy(), 900);
        policy(new ContextLengthPolicy(), 800);
        policy(new BudgetPolicy(spend, 0), 700);
        policy(new ComplexityPolicy(new HeuristicComplexityEstimator(), ComplexityPolicy.DEFAULT_THRESHOLD), 100);
        consensus(ConsensusPolicy.Settings.DEFAULTS);
        router.start(settings);
    }

    static RouterSettings settings(Duration firstOutputTimeout) {
        RouterSettings d = RouterSettings.DEFAULTS;
        return new RouterSettings(d.offline(), d.rejectUnknownModel(), d.fallbackKinds(), d.maxAttempts(), firstOutputTimeout);
    }

    /** A local BitNet-like and a cloud Kimi-like provider, both answering. */
    static RouterFixture standard() {
        RouterFixture fixture = new RouterFixture();
        fixture.provider(local());
        fixture.provider(cloud());
        return fixture;
    }

    static ScriptedProvider local() {
        return new ScriptedProvider("bitnet", Locality.LOCAL, LOCAL_MODEL, 4096);
    }

    static ScriptedProvider cloud() {
        return new ScriptedProvider("kimi", Locality.CLOUD, CLOUD_MODEL, 262_144);
    }

    RouterFixture provider(InferenceProvider provider) {
        Map<String, Object> properties = provider instanceof ScriptedProvider s ? s.properties()
                : Map.of(InferenceProvider.PROVIDER_NAME, provider.name(), InferenceProvider.LOCALITY, provider.locality().name());
        return provider(provider, properties);
    }

    RouterFixture provider(InferenceProvider provider, Map<String, Object> properties) {
        providers.add(Map.entry(properties, provider));
        router.providers = List.copyOf(providers);
        return this;
    }

    RouterFixture policy(RoutingPolicy policy, int ranking) {
        policies.removeIf(e -> e.getValue().name().equals(policy.name()));
        policies.add(Map.entry(Map.of(Constants.SERVICE_RANKING, ranking, Constants.SERVICE_ID, serviceId++,
                RoutingPolicy.POLICY_NAME, policy.name()), policy));
        router.policies = List.copyOf(policies);
        return this;
    }

    /** Streams {@code request} through the router into a new recording listener. */
    RecordingListener send(trit.api.chat.ChatRequest request) {
        RecordingListener listener = new RecordingListener();
        router.stream(request, listener);
        return listener;
    }

    /** Replaces the consensus policy, as a new configuration would. */
    void consensus(ConsensusPolicy.Settings settings) {
        ConsensusPolicy consensus = new ConsensusPolicy(settings);
        policy(consensus, 50);
        router.consensus = consensus;
    }

    void stop() {
        router.deactivate();
    }
}
