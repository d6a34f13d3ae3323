package trit.kimi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import trit.api.chat.SamplingParameters;
import trit.api.provider.Availability;
import trit.api.provider.ProviderException;

/** The circuit breaker, admission control, backoff and model constraints on their own, with a clock the test moves. */
class GuardUnitsTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Test
    void theBreakerOpensAtTheThresholdAndLetsOneTrialThroughAfterTheCoolDown() {
        CircuitBreaker breaker = new CircuitBreaker("kimi", 3, Duration.ofSeconds(30), nanos::get);
        for (int i = 0; i < 2; i++) {
            breaker.admit();
            breaker.failure("HTTP 500");
        }
        breaker.admit();
        breaker.success();
        for (int i = 0; i < 3; i++) {
            breaker.admit();
            breaker.failure("HTTP 503");
        }
        assertEquals(CircuitBreaker.State.OPEN, breaker.currentState());
        assertEquals("circuit open for 30 s more after 3 consecutive failures (last: HTTP 503)", breaker.availability().reason());
        assertEquals(Optional.of(Duration.ofSeconds(30)), breaker.availability().retryAfter());
        ProviderException open = assertThrows(ProviderException.class, breaker::admit);
        assertEquals(ProviderException.Kind.UNAVAILABLE, open.kind());
        assertEquals(Duration.ofSeconds(30), open.retryAfter().orElseThrow());

        nanos.addAndGet(Duration.ofSeconds(29).toNanos());
        assertEquals("circuit open for 1 s more after 3 consecutive failures (last: HTTP 503)", breaker.availability().reason());
        assertEquals(Optional.of(Duration.ofSeconds(1)), breaker.availability().retryAfter(), "the rest of the cool-down");
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.currentState());
        assertEquals(Availability.AVAILABLE, breaker.availability());
        breaker.admit();
        assertEquals("circuit half-open: a trial request is under way", assertThrows(ProviderException.class, breaker::admit).getMessage());
        breaker.abandon();
        breaker.admit();
        breaker.failure("timeout");
        assertEquals(CircuitBreaker.State.OPEN, breaker.currentState(), "a failed trial opens it again at once");
        nanos.addAndGet(Duration.ofSeconds(30).toNanos());
        breaker.admit();
        breaker.success();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.currentState());
    }

    @Test
    void admissionBoundsConcurrencyAndASlidingMinute() {
        AdmissionControl admission = new AdmissionControl("kimi", 1, 3, nanos::get);
        AdmissionControl.Permit first = admission.admit();
        assertEquals("rate limited locally: 1 of 1 concurrent requests already in flight (max.concurrent.requests)",
                assertThrows(ProviderException.class, admission::admit).getMessage());
        first.close();
        first.close();
        assertEquals(0, admission.load().active(), "a permit is released once");
        nanos.addAndGet(Duration.ofSeconds(20).toNanos());
        admission.admit().close();
        nanos.addAndGet(Duration.ofSeconds(20).toNanos());
        admission.admit().close();
        ProviderException perMinute = assertThrows(ProviderException.class, admission::admit);
        assertEquals("rate limited locally: 3 requests in the last minute (requests.per.minute); the next one is possible in 20 s",
                perMinute.getMessage());
        assertEquals(Duration.ofSeconds(20), perMinute.retryAfter().orElseThrow());
        assertEquals(ProviderException.Kind.RATE_LIMITED, perMinute.kind());
        assertEquals(Availability.unavailable("rate limited locally: 3 requests in the last minute", Duration.ofSeconds(20)),
                admission.availability(), "the router learns the same wait before it tries");
        nanos.addAndGet(Duration.ofSeconds(20).toNanos());
        admission.admit().close();
    }

    @Test
    void retriesCountAgainstThePerMinuteBudget() {
        AdmissionControl admission = new AdmissionControl("kimi", 1, 2, nanos::get);
        try (AdmissionControl.Permit permit = admission.admit()) {
            assertTrue(permit.retryWithinBudget());
            assertEquals(false, permit.retryWithinBudget(), "two attempts in the minute already");
        }
        assertEquals(ProviderException.Kind.RATE_LIMITED, assertThrows(ProviderException.class, admission::admit).kind());
        nanos.addAndGet(Duration.ofMinutes(1).toNanos());
        admission.admit().close();
    }

    @Test
    void noPerMinuteLimitWhenZero() {
        AdmissionControl admission = new AdmissionControl("kimi", 2, 0, nanos::get);
        for (int i = 0; i < 100; i++) {
            admission.admit().close();
        }
        assertEquals(Availability.AVAILABLE, admission.availability());
    }

    @Test
    void backoffDoublesWithJitterUpToItsMaximum() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
        for (int i = 0; i < 50; i++) {
            long first = backoff.delay(0).toMillis();
            long third = backoff.delay(2).toMillis();
            long late = backoff.delay(40).toMillis();
            assertTrue(first >= 50 && first <= 100, "first " + first);
            assertTrue(third >= 200 && third <= 400, "third " + third);
            assertTrue(late >= 500 && late <= 1000, "late " + late);
        }
    }

    @Test
    void theRemotesRequestedWaitIsReadFromEveryHeaderItMayUse() {
        Instant now = Instant.parse("2026-11-23T06:00:00Z");
        assertEquals(Optional.of(Duration.ofSeconds(7)), Backoff.requested(headers(Map.of("Retry-After", "7")), now));
        assertEquals(Optional.of(Duration.ofMillis(1500)), Backoff.requested(headers(Map.of("Retry-After", "1.5")), now));
        assertEquals(Optional.of(Duration.ofSeconds(30)),
                Backoff.requested(headers(Map.of("Retry-After", "Mon, 23 Nov 2026 06:00:30 GMT")), now));
        assertEquals(Optional.of(Duration.ofMillis(250)), Backoff.requested(headers(Map.of("retry-after-ms", "250")), now));
        assertEquals(Optional.of(Duration.ofSeconds(366)), Backoff.requested(headers(Map.of(
                "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "6m6s")), now));
        assertEquals(Optional.of(Duration.ofSeconds(12)), Backoff.requested(headers(Map.of(
                "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", Long.toString(now.getEpochSecond() + 12))), now));
        assertEquals(Optional.empty(), Backoff.requested(headers(Map.of(
                "X-RateLimit-Remaining", "5", "X-RateLimit-Reset", "12")), now), "not exhausted: no wait");
        assertEquals(Optional.empty(), Backoff.requested(headers(Map.of("Retry-After", "soon")), now));
    }

    @Test
    void constraintsAdaptOrRejectOnlyTheParametersTheyName() {
        ModelConstraints constraints = ModelConstraints.parse(new String[] {"kimi-k2.6 temperature=1 top_p=0.95", " "});
        SamplingParameters asked = new SamplingParameters(0.2, 0.95, 40, null, 0.5, null, null, 3L);
        ModelConstraints.Adapted adapted = constraints.apply("kimi-k2.6", asked, true);
        assertEquals(List.of("temperature"), adapted.omitted());
        assertEquals(null, adapted.sampling().temperature());
        assertEquals(0.95, adapted.sampling().topP());
        assertEquals(40, adapted.sampling().topK());
        assertEquals(0.5, adapted.sampling().presencePenalty());
        assertEquals(3L, adapted.sampling().seed());
        assertEquals(asked, constraints.apply("other-model", asked, false).sampling());
        assertEquals(SamplingParameters.DEFAULTS, constraints.apply("kimi-k2.6", SamplingParameters.DEFAULTS, false).sampling());
        assertEquals("model kimi-k2.6 accepts only top_p = 0.95; the request asked for 0.5 (leave top_p out or set it to 0.95)",
                assertThrows(IllegalArgumentException.class, () -> constraints.apply("kimi-k2.6",
                        new SamplingParameters(1.0, 0.5, null, null, null, null, null, null), false)).getMessage());
    }

    private static HttpHeaders headers(Map<String, String> values) {
        Map<String, List<String>> map = new java.util.HashMap<>();
        values.forEach((k, v) -> map.put(k, List.of(v)));
        return HttpHeaders.of(map, (k, v) -> true);
    }
}
