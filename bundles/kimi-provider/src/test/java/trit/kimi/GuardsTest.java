package trit.kimi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static trit.kimi.Fixtures.MODEL;
import static trit.kimi.Fixtures.answer;
import static trit.kimi.Fixtures.content;
import static trit.kimi.Fixtures.error;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.SamplingParameters;
import trit.api.provider.Availability;
import trit.api.provider.Generation;
import trit.api.provider.ProviderException;
import trit.api.provider.ProviderException.Kind;

/** What stands before the remote: the circuit breaker, admission control and model constraints, end to end. */
class GuardsTest {

    @RegisterExtension
    static final MoonshotProcess server = new MoonshotProcess();

    @Test
    void repeatedFailuresOpenTheCircuitThenOneTrialClosesIt() {
        server.script(error(500, "server_error", "down", null), error(502, "server_error", "down", null), answer("back"));
        try (KimiProvider provider = Fixtures.provider(server, "max.retries", 0, "circuit.failure.threshold", 2,
                "circuit.open.ms", 1500L)) {
            assertEquals(Kind.UPSTREAM_ERROR, assertThrows(ProviderException.class, () -> provider.complete(Fixtures.hello())).kind());
            assertTrue(provider.availability().isAvailable(), "one failure is not enough");
            assertThrows(ProviderException.class, () -> provider.complete(Fixtures.hello()));

            Availability open = provider.availability();
            assertEquals(Availability.State.UNAVAILABLE, open.state());
            assertTrue(open.reason().startsWith("circuit open for "), open.reason());
            assertTrue(open.reason().contains(" s more after 2 consecutive failures (last: http://127.0.0.1:"), open.reason());
            long start = System.nanoTime();
            ProviderException fast = assertThrows(ProviderException.class, () -> provider.complete(Fixtures.hello()));
            assertEquals(Kind.UNAVAILABLE, fast.kind());
            assertTrue(fast.retryAfter().isPresent());
            assertTrue(System.nanoTime() - start < 500_000_000L, "refused at once");
            assertEquals(2, server.completions().size(), "nothing sent while open");

            MoonshotProcess.sleep(1600);
            assertTrue(provider.availability().isAvailable(), "half-open: ready for a trial");
            assertEquals("back", provider.complete(Fixtures.hello()).choice().message().content());
            assertTrue(provider.availability().isAvailable());
        }
    }

    @Test
    void aFailedTrialOpensTheCircuitAgainAndOnlyOneTrialRunsAtATime() throws Exception {
        server.script(error(500, "server_error", "down", null),
                "{\"status\":500,\"delayMs\":1500,\"body\":\"{}\"}");
        try (KimiProvider provider = Fixtures.provider(server, "max.retries", 0, "circuit.failure.threshold", 1,
                "circuit.open.ms", 300L)) {
            assertThrows(ProviderException.class, () -> provider.complete(Fixtures.hello()));
            MoonshotProcess.sleep(400);
            Fixtures.Recorder trial = new Fixtures.Recorder();
            provider.stream(Fixtures.hello(), trial);
            ProviderException second = assertThrows(ProviderException.class, () -> provider.complete(Fixtures.hello()));
            assertEquals("circuit half-open: a trial request is under way", second.getMessage());
            assertEquals(Kind.UPSTREAM_ERROR, trial.error().kind());
            assertEquals(Availability.State.UNAVAILABLE, provider.availability().state(), "the failed trial reopened it");
        }
        assertEquals(2, server.completions().size());
    }

    @Test
    void requestsBeyondTheConcurrencyLimitAreRefusedLocallyAtOnce() throws Exception {
        server.script("{\"status\":200,\"holdMs\":20000,\"events\":[" + content("busy") + "]}", answer("next"));
        try (KimiProvider provider = Fixtures.provider(server, "max.concurrent.requests", 1)) {
            Fixtures.Recorder first = new Fixtures.Recorder();
            Generation running = provider.stream(Fixtures.hello(), first);
            first.awaitDelta();
            assertEquals(1, provider.load().active());
            assertEquals(1, provider.load().capacity());
            assertEquals("rate limited locally: all 1 request slots busy", provider.availability().reason());
            assertEquals(Optional.of(Duration.ofSeconds(1)), provider.availability().retryAfter());

            ProviderException refused = assertThrows(ProviderException.class, () -> provider.complete(Fixtures.hello()));
            assertEquals(Kind.RATE_LIMITED, refused.kind());
            assertEquals("rate limited locally: 1 of 1 concurrent requests already in flight (max.concurrent.requests)",
                    refused.getMessage());

            running.cancel();
            first.response();
            assertEquals("next", provider.complete(Fixtures.hello()).choice().message().content());
        }
        assertEquals(2, server.completions().size());
    }

    @Test
    void requestsBeyondThePerMinuteBudgetAreRefusedLocally() {
        server.script(answer("1"), answer("2"), answer("3"), answer("never"));
        try (KimiProvider provider = Fixtures.provider(server, "requests.per.minute", 3)) {
            for (int i = 1; i <= 3; i++) {
                assertEquals(Integer.toString(i), provider.complete(Fixtures.hello()).choice().message().content());
            }
            assertFalse(provider.availability().isAvailable());
            ProviderException refused = assertThrows(ProviderException.class, () -> provider.complete(Fixtures.hello()));
            assertEquals(Kind.RATE_LIMITED, refused.kind());
            assertTrue(refused.getMessage().startsWith("rate limited locally: 3 requests in the last minute "
                    + "(requests.per.minute); the next one is possible in "), refused.getMessage());
            long seconds = refused.retryAfter().orElseThrow().toSeconds();
            assertTrue(seconds >= 58 && seconds <= 60, "retry after " + seconds + " s");
        }
        assertEquals(3, server.completions().size());
    }

    @Test
    void retriesSpendThePerMinuteBudgetToo() {
        server.script(error(500, "server_error", "down", null), error(500, "server_error", "still down", null), answer("never"));
        try (KimiProvider provider = Fixtures.provider(server, "requests.per.minute", 2, "max.retries", 5)) {
            ProviderException e = assertThrows(ProviderException.class, () -> provider.complete(Fixtures.hello()));
            assertEquals(Kind.UPSTREAM_ERROR, e.kind());
            assertTrue(e.getMessage().endsWith("still down (server_error) (after 2 attempts; no retry left within "
                    + "requests.per.minute)"), e.getMessage());
        }
        assertEquals(2, server.completions().size());
    }

    @Test
    void aTemperatureTheModelRefusesIsLeftOutWhenAdapting() throws Exception {
        server.script(answer("a"), answer("b"));
        try (KimiProvider provider = Fixtures.provider(server)) {
            provider.complete(withTemperature(0.3));
            provider.complete(withTemperature(1.0));
        }
        List<JsonNode> sent = server.completions();
        JsonNode adapted = MoonshotProcess.JSON.readTree(sent.get(0).path("body").asText());
        assertFalse(adapted.has("temperature"), "left out, so the model's fixed value applies: " + adapted);
        assertEquals(0.5, adapted.path("top_p").asDouble(), "other parameters untouched");
        assertEquals(1.0, MoonshotProcess.JSON.readTree(sent.get(1).path("body").asText()).path("temperature").asDouble());
    }

    @Test
    void aTemperatureTheModelRefusesIsRejectedBeforeSendingWhenConfiguredSo() {
        try (KimiProvider provider = Fixtures.provider(server, "model.constraints.policy", "reject")) {
            ProviderException e = assertThrows(ProviderException.class, () -> provider.complete(withTemperature(0.3)));
            assertEquals(Kind.INVALID_REQUEST, e.kind());
            assertEquals("model kimi-k2.6 accepts only temperature = 1; the request asked for 0.3 "
                    + "(leave temperature out or set it to 1)", e.getMessage());
        }
        assertTrue(server.completions().isEmpty());
    }

    @Test
    void modelsWithoutConstraintsGetTheTemperatureAsAsked() throws Exception {
        server.script(answer("a"));
        try (KimiProvider provider = Fixtures.provider(server, "model", "moonshot-v1-8k")) {
            provider.complete(withTemperature(0.3).withModel("moonshot-v1-8k"));
        }
        assertEquals(0.3, MoonshotProcess.JSON.readTree(server.completions().get(0).path("body").asText())
                .path("temperature").asDouble());
    }

    private static ChatRequest withTemperature(double temperature) {
        return new ChatRequest(MODEL, List.of(ChatMessage.user("hi")),
                new SamplingParameters(temperature, 0.5, null, null, null, null, null, null), null, null, false, null);
    }
}
