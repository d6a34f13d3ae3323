package trit.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.provider.Availability;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.provider.ProviderException;
import trit.api.provider.ProviderException.Kind;
import trit.api.routing.Candidate;
import trit.api.routing.Route;
import trit.api.routing.RoutingPolicy;
import trit.api.routing.Verdict;

/**
 * The privacy guarantee, tested against a tripwire: the cloud provider here really sends what it
 * gets over HTTP to a loopback server, and every test of a private request fails if that server
 * sees a single connection or byte, whatever goes wrong locally, whatever the policies say.
 */
class PrivacyTripwireTest {

    private static final String SECRET = "my diagnosis is confidential";

    private Tripwire tripwire;
    private RouterFixture fixture;
    private ScriptedProvider local;

    @BeforeEach
    void startTripwire() throws IOException {
        tripwire = new Tripwire();
    }

    @AfterEach
    void checkTripwire() throws IOException {
        try {
            assertEquals(0, tripwire.connections(), "connections reached the cloud tripwire");
            assertEquals(0, tripwire.bytes(), "bytes reached the cloud tripwire");
        } finally {
            tripwire.close();
            if (fixture != null) {
                fixture.stop();
            }
        }
    }

    /** What goes wrong, or what tempts the router towards the cloud, while a private request is routed. */
    enum Fault {
        NONE(f -> {}),
        LOCAL_OVERLOADED(f -> f.local.failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.OVERLOADED)),
        LOCAL_THROWS_UNAVAILABLE(f -> f.local.failing(ScriptedProvider.Mode.THROW, Kind.UNAVAILABLE)),
        LOCAL_RATE_LIMITED(f -> f.local.failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.RATE_LIMITED)),
        LOCAL_UPSTREAM_ERROR_LATE(f -> {
            f.local.failing(ScriptedProvider.Mode.ERROR_AFTER_DELAY, Kind.UPSTREAM_ERROR).delay = Duration.ofMillis(100);
        }),
        LOCAL_SILENT_UNTIL_TIMEOUT(f -> f.local.mode = ScriptedProvider.Mode.SILENT),
        LOCAL_FAILS_AFTER_OUTPUT(f -> f.local.failing(ScriptedProvider.Mode.ERROR_AFTER_DELTA, Kind.UPSTREAM_ERROR)),
        LOCAL_CONTEXT_EXCEEDED(f -> f.local.failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.CONTEXT_LENGTH_EXCEEDED)),
        LOCAL_LOADING(f -> f.local.availability = Availability.loading("loading")),
        LOCAL_UNAVAILABLE(f -> f.local.availability = Availability.unavailable("down")),
        NO_LOCAL_PROVIDER(f -> f.fixture.providers.removeIf(e -> e.getValue() == f.local)),
        POLICY_PREFERS_CLOUD_ABOVE_PRIVACY(f -> f.fixture.policy(new FixedPolicy("greedy",
                Verdict.prefer(List.of("kimi", "bitnet"), "cloud is better", Map.of())), 5000)),
        POLICY_RESTRICTS_TO_CLOUD(f -> f.fixture.policy(new FixedPolicy("cloud-only",
                Verdict.restrict(List.of("kimi"), "cloud only")), 5000)),
        PRIVACY_POLICY_REMOVED(f -> f.fixture.policies.removeIf(e -> e.getValue().name().equals("privacy"))),
        PRIVACY_POLICY_BROKEN(f -> f.fixture.policy(new FixedPolicy("privacy", null), 1000)),
        CONSENSUS_ASKED(f -> {}),
        EXPLICIT_CLOUD_MODEL(f -> {}),
        PROMPT_TOO_LONG_FOR_LOCAL(f -> {});

        final Consumer<PrivacyTripwireTest> setup;

        Fault(Consumer<PrivacyTripwireTest> setup) {
            this.setup = setup;
        }
    }

    private void start(RouterSettings settings) {
        fixture = new RouterFixture(settings);
        local = RouterFixture.local();
        fixture.provider(local).provider(new ForwardingCloudProvider("kimi", tripwire.url(), Locality.CLOUD));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void aPrivateRequestNeverReachesTheCloud(Fault fault) throws Exception {
        start(RouterFixture.settings(Duration.ofMillis(200)));
        fault.setup.accept(this);
        fixture.router.providers = List.copyOf(fixture.providers);
        fixture.router.policies = List.copyOf(fixture.policies);

        String text = "Prove, step by step, the implications of this analysis: " + SECRET
                + (fault == Fault.PROMPT_TOO_LONG_FOR_LOCAL ? " lorem ipsum".repeat(5000) : "");
        Map<String, Object> extensions = fault == Fault.CONSENSUS_ASKED
                ? Map.of(Route.PRIVACY, Route.LOCAL_ONLY, RequestMarks.ROUTE, RequestMarks.CONSENSUS)
                : Map.of(Route.PRIVACY, Route.LOCAL_ONLY);
        String model = fault == Fault.EXPLICIT_CLOUD_MODEL ? "kimi-k2" : "auto";
        ChatRequest request = new ChatRequest(model, List.of(ChatMessage.user(text)), null, null, null, true, extensions);

        RecordingListener listener = new RecordingListener();
        try {
            fixture.router.decide(request);
            fixture.router.stream(request, listener);
            listener.await();
        } catch (ProviderException refused) {
            // A cloud model asked for by name can never be served privately: refused as the client's error.
            assertEquals(fault == Fault.EXPLICIT_CLOUD_MODEL ? Kind.INVALID_REQUEST : Kind.UNAVAILABLE, refused.kind(),
                    refused.getMessage());
        }
        Thread.sleep(200); // room for a stray call to arrive
    }

    @Test
    void theOfflineSwitchKeepsEveryRequestLocal() throws Exception {
        RouterSettings d = RouterSettings.DEFAULTS;
        start(new RouterSettings(true, false, d.fallbackKinds(), d.maxAttempts(), d.firstOutputTimeout()));
        local.failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.OVERLOADED);
        ChatRequest open = ChatRequest.of("auto", List.of(ChatMessage.user("Analyze the trade-offs of " + SECRET)));
        assertEquals("bitnet", fixture.router.decide(open).provider());
        RecordingListener listener = fixture.send(open);
        assertEquals(Kind.OVERLOADED, listener.failed().kind());
    }

    @Test
    void aConfiguredPrivatePatternKeepsAMatchingRequestLocal() throws Exception {
        start(RouterSettings.DEFAULTS);
        fixture.policy(new PrivacyPolicy("\\bconfidential\\b"), 1000);
        local.failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.OVERLOADED);
        ChatRequest open = ChatRequest.of("auto", List.of(ChatMessage.user("Analyze the trade-offs of " + SECRET)));
        assertEquals("privacy", fixture.router.decide(open).policy());
        RecordingListener listener = fixture.send(open);
        assertEquals(Kind.OVERLOADED, listener.failed().kind());
    }

    @Test
    void aProviderWhoseLocalityPropertyAndCodeDisagreeIsTreatedAsCloud() throws Exception {
        fixture = new RouterFixture();
        // Claims LOCAL in code but its service property says CLOUD, and one with no property at all.
        fixture.provider(new ForwardingCloudProvider("sneaky", tripwire.url(), Locality.LOCAL),
                Map.of(InferenceProvider.PROVIDER_NAME, "sneaky", InferenceProvider.LOCALITY, "CLOUD"));
        fixture.provider(new ForwardingCloudProvider("unlabelled", tripwire.url(), Locality.LOCAL),
                Map.of(InferenceProvider.PROVIDER_NAME, "unlabelled"));
        ChatRequest request = new ChatRequest("auto", List.of(ChatMessage.user(SECRET)), null, null, null, false,
                Map.of(Route.PRIVACY, Route.LOCAL_ONLY));
        ProviderException refused = assertThrows(ProviderException.class,
                () -> fixture.router.stream(request, new RecordingListener()));
        assertEquals(Kind.UNAVAILABLE, refused.kind());
        assertEquals("no provider is eligible: sneaky excluded by privacy (the request is private (privacy=local_only)); "
                + "unlabelled excluded by privacy (the request is private (privacy=local_only))", refused.getMessage());
    }

    @Test
    void aMisspeltPrivacyValueIsRefusedRatherThanReadAsNotPrivate() {
        start(RouterSettings.DEFAULTS);
        ChatRequest request = new ChatRequest("auto", List.of(ChatMessage.user(SECRET)), null, null, null, false,
                Map.of(Route.PRIVACY, "local-only"));
        ProviderException refused = assertThrows(ProviderException.class,
                () -> fixture.router.stream(request, new RecordingListener()));
        assertEquals(Kind.INVALID_REQUEST, refused.kind());
        assertEquals("'privacy' must be 'local_only' or 'none', was 'local-only'", refused.getMessage());
        assertTrue(local.received.isEmpty());
    }

    /** The control: the same wiring does reach the tripwire when the request is not private. */
    @Test
    void theTripwireDoesSeeANonPrivateRequestThatFallsBackToTheCloud() throws Exception {
        start(RouterSettings.DEFAULTS);
        local.failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.OVERLOADED);
        RecordingListener listener = fixture.send(ChatRequest.of("auto", List.of(ChatMessage.user("hello"))));
        assertEquals("cloud answer", listener.completed().choice().message().content());
        assertTrue(tripwire.bytes() > 0, "the tripwire saw the request");
        tripwire.close();
        tripwire = new Tripwire(); // a fresh, untouched one for the after-check
    }

    /** A policy that always says the same, or throws when it has nothing to say. */
    record FixedPolicy(String name, Verdict verdict) implements RoutingPolicy {
        @Override
        public Verdict evaluate(ChatRequest request, List<Candidate> candidates) {
            if (verdict == null) {
                throw new IllegalStateException("broken policy");
            }
            return verdict;
        }
    }
}
