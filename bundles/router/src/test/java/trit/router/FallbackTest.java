package trit.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.provider.Availability;
import trit.api.provider.Generation;
import trit.api.provider.Locality;
import trit.api.provider.ProviderException;
import trit.api.provider.ProviderException.Kind;
import trit.api.routing.Route;
import trit.api.routing.Router;

/**
 * Fault injection: every way the chosen provider can fail before output reaches the caller makes
 * the router try the next eligible provider, quickly; failures after output, and failures of
 * kinds that another provider cannot fix, reach the caller instead.
 */
class FallbackTest {

    private static final ChatRequest SIMPLE = ChatRequest.of("auto", List.of(ChatMessage.user("What is the capital of France?")));

    private RouterFixture fixture;

    @AfterEach
    void stop() {
        fixture.stop();
    }

    private ScriptedProvider[] start(RouterSettings settings) {
        fixture = new RouterFixture(settings);
        ScriptedProvider local = RouterFixture.local();
        ScriptedProvider cloud = RouterFixture.cloud();
        fixture.provider(local).provider(cloud);
        return new ScriptedProvider[] {local, cloud};
    }

    private ScriptedProvider[] start() {
        return start(RouterSettings.DEFAULTS);
    }

    @ParameterizedTest(name = "{0} called back before any output")
    @EnumSource(value = Kind.class, names = {"OVERLOADED", "RATE_LIMITED", "UNAVAILABLE", "TIMEOUT", "UPSTREAM_ERROR",
            "QUOTA_EXHAUSTED", "CONTEXT_LENGTH_EXCEEDED", "AUTHENTICATION", "INTERNAL"})
    void aFailureCalledBackBeforeOutputFallsBackToTheNextProvider(Kind kind) throws Exception {
        ScriptedProvider[] p = start();
        p[0].failing(ScriptedProvider.Mode.ERROR_CALLBACK, kind);

        RecordingListener listener = fixture.send(SIMPLE);
        ChatResponse response = listener.completed();

        assertEquals("answer from kimi", response.choice().message().content());
        Route route = listener.finalRoute();
        assertEquals("kimi", route.provider());
        assertEquals(RouterFixture.CLOUD_MODEL, route.model());
        assertEquals(List.of("bitnet", "kimi"), route.attempts().stream().map(Route.Attempt::provider).toList());
        assertEquals(List.of(kind.name(), "ok"), route.attempts().stream().map(Route.Attempt::outcome).toList());
        assertTrue(route.reason().contains("fell back after bitnet " + kind.name()), route.reason());
        // The first delta carries the route too; its attempts' times are measured earlier, so they may differ.
        Route first = listener.firstDeltaRoute();
        assertEquals(List.of(route.provider(), route.model(), route.policy(), route.reason()),
                List.of(first.provider(), first.model(), first.policy(), first.reason()), "the first delta carries the route too");
        assertEquals(route.attempts().stream().map(a -> a.provider() + ":" + a.outcome()).toList(),
                first.attempts().stream().map(a -> a.provider() + ":" + a.outcome()).toList());
        assertTrue(fixture.router.counts().contains(new Router.RouteCount("kimi", "complexity", "fallback_ok", 1)),
                fixture.router.counts().toString());
    }

    @Test
    void aConnectionErrorThrownByStreamFallsBack() throws Exception {
        ScriptedProvider[] p = start();
        p[0].failing(ScriptedProvider.Mode.THROW, Kind.UNAVAILABLE);
        RecordingListener listener = fixture.send(SIMPLE);
        listener.completed();
        assertEquals("kimi", listener.finalRoute().provider());
    }

    @Test
    void aProviderCrashingWithAnUntypedExceptionFallsBackAsInternal() throws Exception {
        fixture = new RouterFixture();
        ScriptedProvider cloud = RouterFixture.cloud();
        fixture.provider(new ScriptedProvider("bitnet", Locality.LOCAL, RouterFixture.LOCAL_MODEL, 4096) {
            @Override
            public Generation stream(ChatRequest request, trit.api.provider.ChatStreamListener listener) {
                throw new IllegalStateException("bug");
            }
        }).provider(cloud);
        RecordingListener listener = fixture.send(SIMPLE);
        listener.completed();
        assertEquals(List.of("INTERNAL", "ok"), listener.finalRoute().attempts().stream().map(Route.Attempt::outcome).toList());
    }

    @Test
    void theSwitchHappensWellUnderOneSecondAfterTheFailureIsKnown() throws Exception {
        ScriptedProvider[] p = start();
        p[0].failing(ScriptedProvider.Mode.ERROR_AFTER_DELAY, Kind.UPSTREAM_ERROR).delay = Duration.ofMillis(300);
        TimedProvider cloud = new TimedProvider(p[1]);
        fixture.providers.removeIf(e -> e.getValue() == p[1]);
        fixture.provider(cloud, p[1].properties());

        RecordingListener listener = fixture.send(SIMPLE);
        listener.completed();
        long switchMillis = (cloud.firstCall - p[0].failedAt) / 1_000_000;
        System.out.println("Fallback switch after the failure was known: " + switchMillis + " ms");
        assertTrue(switchMillis < 1000, "switched after " + switchMillis + " ms");
        assertTrue(switchMillis >= 0, "the cloud was asked only after the failure: " + switchMillis + " ms");
    }

    @Test
    void aSilentProviderIsCancelledAfterTheFirstOutputTimeoutAndTheNextAnswers() throws Exception {
        ScriptedProvider[] p = start(RouterFixture.settings(Duration.ofMillis(200)));
        p[0].mode = ScriptedProvider.Mode.SILENT;

        long start = System.nanoTime();
        RecordingListener listener = fixture.send(SIMPLE);
        listener.completed();
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertTrue(p[0].cancelled.get(), "the silent provider's generation was cancelled");
        assertEquals(List.of("TIMEOUT", "ok"), listener.finalRoute().attempts().stream().map(Route.Attempt::outcome).toList());
        assertTrue(millis < 1200, "timeout 200 ms + switch took " + millis + " ms");
    }

    @Test
    void aFailureAfterOutputStartedEndsTheStreamWithAnErrorAndNeverSwitches() throws Exception {
        ScriptedProvider[] p = start();
        p[0].failing(ScriptedProvider.Mode.ERROR_AFTER_DELTA, Kind.UPSTREAM_ERROR);

        RecordingListener listener = fixture.send(SIMPLE);
        ProviderException error = listener.failed();

        assertEquals(Kind.UPSTREAM_ERROR, error.kind());
        assertTrue(error.getMessage().contains("after its answer had started (not switched to another provider)"), error.getMessage());
        assertEquals(List.of("partial "), listener.deltas.stream().map(d -> d.content()).toList());
        assertEquals("bitnet", listener.firstDeltaRoute().provider());
        assertTrue(p[1].received.isEmpty(), "the cloud was never asked");
        assertTrue(fixture.router.counts().contains(new Router.RouteCount("bitnet", "complexity", "UPSTREAM_ERROR", 1)));
    }

    @Test
    void anInvalidRequestIsNotRetriedElsewhere() throws Exception {
        ScriptedProvider[] p = start();
        p[0].failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.INVALID_REQUEST);
        RecordingListener listener = fixture.send(SIMPLE);
        assertEquals(Kind.INVALID_REQUEST, listener.failed().kind());
        assertTrue(p[1].received.isEmpty());
    }

    @Test
    void localOverloadFallsBackToTheCloudUnlessTheRequestIsPrivate() throws Exception {
        ScriptedProvider[] p = start();
        p[0].failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.OVERLOADED);

        RecordingListener open = fixture.send(SIMPLE);
        assertEquals(RouterFixture.CLOUD_MODEL, open.completed().model());

        RecordingListener privateOne = fixture.send(new ChatRequest("auto", SIMPLE.messages(), null, null, null, true,
                Map.of(Route.PRIVACY, Route.LOCAL_ONLY)));
        ProviderException error = privateOne.failed();
        assertEquals(Kind.OVERLOADED, error.kind());
        assertEquals(1, p[1].received.size(), "only the open request reached the cloud");
    }

    @Test
    void whenEveryProviderFailsTheErrorListsEachAttempt() throws Exception {
        ScriptedProvider[] p = start();
        p[0].failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.OVERLOADED);
        p[1].failing(ScriptedProvider.Mode.THROW, Kind.RATE_LIMITED);
        RecordingListener listener = fixture.send(SIMPLE);
        ProviderException error = listener.failed();
        assertEquals(Kind.RATE_LIMITED, error.kind());
        assertEquals("every provider tried failed: bitnet OVERLOADED, kimi RATE_LIMITED; last: kimi failed: RATE_LIMITED",
                error.getMessage());
    }

    @Test
    void maxAttemptsBoundsTheProvidersTried() throws Exception {
        RouterSettings d = RouterSettings.DEFAULTS;
        ScriptedProvider[] p = start(new RouterSettings(false, false, d.fallbackKinds(), 1, d.firstOutputTimeout()));
        p[0].failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.UNAVAILABLE);
        RecordingListener listener = fixture.send(SIMPLE);
        assertEquals(Kind.UNAVAILABLE, listener.failed().kind());
        assertTrue(p[1].received.isEmpty());
    }

    @Test
    void aProviderThatIsNotAvailableIsSkippedWithoutBeingCalled() throws Exception {
        ScriptedProvider[] p = start();
        p[0].availability = Availability.loading("loading model.gguf");
        RecordingListener listener = fixture.send(SIMPLE);
        listener.completed();
        assertTrue(p[0].received.isEmpty());
        assertEquals(List.of("kimi"), listener.finalRoute().attempts().stream().map(Route.Attempt::provider).toList());
    }

    @Test
    void whenNoProviderCanTakeTheRequestTheSoonestKnownWaitIsPassedOn() throws Exception {
        ScriptedProvider[] p = start();
        p[0].availability = Availability.unavailable("rate limited", Duration.ofSeconds(20));
        p[1].availability = Availability.unavailable("circuit open for 7 s more", Duration.ofSeconds(7));
        ProviderException refused = assertThrows(ProviderException.class,
                () -> fixture.send(SIMPLE));
        assertEquals(Kind.UNAVAILABLE, refused.kind());
        assertEquals(Duration.ofSeconds(7), refused.retryAfter().orElseThrow(), refused.getMessage());
        assertEquals(Availability.unavailable("no provider is available", Duration.ofSeconds(7)), fixture.router.availability());

        p[1].availability = Availability.unavailable("misconfigured");
        assertEquals(Duration.ofSeconds(20), assertThrows(ProviderException.class,
                () -> fixture.send(SIMPLE)).retryAfter().orElseThrow(), "a provider that gives no wait is not waited for");
        p[1].availability = Availability.loading("loading model.gguf");
        assertEquals(Duration.ofSeconds(5), assertThrows(ProviderException.class,
                () -> fixture.send(SIMPLE)).retryAfter().orElseThrow(), "a loading model: a few seconds");
    }

    @Test
    void cancellingEndsTheRequestWithoutTryingAnotherProvider() throws Exception {
        ScriptedProvider[] p = start();
        p[0].mode = ScriptedProvider.Mode.SILENT;
        RecordingListener listener = new RecordingListener();
        Generation generation = fixture.router.stream(SIMPLE, listener);
        generation.cancel();
        assertEquals(Kind.CANCELLED, listener.failed().kind());
        assertTrue(generation.isDone());
        assertTrue(p[1].received.isEmpty());
    }

    @Test
    void theRoutersOwnFieldsAreNotForwardedToProviders() throws Exception {
        ScriptedProvider[] p = start();
        RecordingListener listener = fixture.send(new ChatRequest("auto", SIMPLE.messages(), null, null, null, true,
                Map.of(Route.PRIVACY, "none", RequestMarks.ROUTE, "auto", "user", "u-1")));
        listener.completed();
        assertEquals(Map.of("user", "u-1"), p[0].received.get(0).extensions());
        assertEquals(RouterFixture.LOCAL_MODEL, p[0].received.get(0).model(), "the provider is asked for its own model");
        assertNull(listener.response.extensions().get(ConsensusRun.EXTENSION));
        assertFalse(listener.deltas.isEmpty());
    }

    @Test
    void aStoppedRouterRefusesNewRequestsAndEndsTheOnesWaitingForAFallback() throws Exception {
        ScriptedProvider[] p = start();
        p[0].failing(ScriptedProvider.Mode.ERROR_AFTER_DELAY, Kind.UPSTREAM_ERROR).delay = Duration.ofMillis(200);
        RecordingListener waiting = fixture.send(SIMPLE);
        fixture.stop();
        ProviderException ended = waiting.failed();
        assertEquals(Kind.UNAVAILABLE, ended.kind());
        assertEquals("the router stopped before trying the next provider after bitnet failed: UPSTREAM_ERROR", ended.getMessage());
        assertTrue(p[1].received.isEmpty());
        ProviderException refused = assertThrows(ProviderException.class,
                () -> fixture.send(SIMPLE));
        assertEquals("the router is stopping", refused.getMessage());
    }

    /** Notes when it is first asked. */
    private static final class TimedProvider extends ScriptedProvider {
        private final ScriptedProvider delegate;
        volatile long firstCall;

        TimedProvider(ScriptedProvider delegate) {
            super(delegate.name, delegate.locality, delegate.models.get(0).id(), delegate.models.get(0).contextLength());
            this.delegate = delegate;
        }

        @Override
        public Generation stream(ChatRequest request, trit.api.provider.ChatStreamListener listener) {
            if (firstCall == 0) {
                firstCall = System.nanoTime();
            }
            return delegate.stream(request, listener);
        }
    }
}
