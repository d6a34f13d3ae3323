package trit.kimi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static trit.kimi.Fixtures.answer;
import static trit.kimi.Fixtures.content;
import static trit.kimi.Fixtures.error;
import static trit.kimi.Fixtures.events;
import static trit.kimi.Fixtures.hello;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;
import trit.api.provider.Generation;
import trit.api.provider.ProviderException;
import trit.api.provider.ProviderException.Kind;

/** Retries, timeouts, cut streams, malformed answers and typed errors, against the scripted server process. */
class ResilienceTest {

    @RegisterExtension
    static final MoonshotProcess server = new MoonshotProcess();

    @Test
    void aServerErrorIsRetriedAndTheNextAnswerReturned() {
        server.script(error(500, "server_error", "internal error", null), answer("recovered"));
        try (KimiProvider provider = Fixtures.provider(server)) {
            assertEquals("recovered", provider.complete(hello()).choice().message().content());
        }
        assertEquals(2, server.completions().size());
    }

    @Test
    void tooManyRequestsWaitsAsLongAsRetryAfterSays() {
        server.script(error(429, "rate_limit_reached_error", "max RPM reached", "{\"Retry-After\":\"1\"}"), answer("ok"));
        try (KimiProvider provider = Fixtures.provider(server)) {
            long start = System.nanoTime();
            assertEquals("ok", provider.complete(hello()).choice().message().content());
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waited >= 1000, "retried after " + waited + " ms, Retry-After said 1 s (backoff alone: 20 ms)");
        }
        assertEquals(2, server.completions().size());
    }

    @Test
    void anExhaustedRateLimitWaitsForItsResetHeader() {
        server.script(error(429, "rate_limit_reached_error", "max RPM reached",
                "{\"x-ratelimit-remaining-requests\":\"0\",\"x-ratelimit-reset-requests\":\"1.2s\"}"), answer("ok"));
        try (KimiProvider provider = Fixtures.provider(server)) {
            long start = System.nanoTime();
            provider.complete(hello());
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waited >= 1200, "retried after " + waited + " ms, the reset header said 1.2 s");
        }
    }

    @Test
    void aRetryAfterLongerThanTheMaximumBackoffFailsAtOnceWithThatWait() {
        server.script(error(429, "rate_limit_reached_error", "max TPD reached", "{\"Retry-After\":\"120\"}"));
        try (KimiProvider provider = Fixtures.provider(server)) {
            ProviderException e = assertThrows(ProviderException.class, () -> provider.complete(hello()));
            assertEquals(Kind.RATE_LIMITED, e.kind());
            assertEquals(Duration.ofSeconds(120), e.retryAfter().orElseThrow());
            assertTrue(e.getMessage().contains("max TPD reached"), e.getMessage());
        }
        assertEquals(1, server.completions().size());
    }

    @Test
    void unauthorizedIsNotRetriedAndCarriesTheRemoteMessage() {
        server.script(error(401, "invalid_authentication_error", "Invalid Authentication", null), answer("never"));
        try (KimiProvider provider = Fixtures.provider(server)) {
            ProviderException e = assertThrows(ProviderException.class, () -> provider.complete(hello()));
            assertEquals(Kind.AUTHENTICATION, e.kind());
            assertEquals("http://127.0.0.1:" + server.port() + "/v1 answered HTTP 401: Invalid Authentication "
                    + "(invalid_authentication_error)", e.getMessage());
        }
        assertEquals(1, server.completions().size());
    }

    @Test
    void withoutAnyKeyTheAuthenticationErrorSaysWhereToSetOne() {
        server.script(error(401, "invalid_authentication_error", "Invalid Authentication", null));
        try (KimiProvider provider = Fixtures.provider(server, "api.key", "")) {
            ProviderException e = assertThrows(ProviderException.class, () -> provider.complete(hello()));
            assertTrue(e.getMessage().endsWith("no API key is configured (set api.key of trit.provider.kimi or the "
                    + "environment variable MOONSHOT_API_KEY)"), e.getMessage());
        }
        assertFalse(server.completions().get(0).path("headers").has("authorization"), "no empty bearer token sent");
    }

    @Test
    void quotaExhaustionIsNotRetried() {
        server.script(error(429, "exceeded_current_quota_error",
                "Your account is suspended, please check your plan and billing details", "{\"Retry-After\":\"1\"}"),
                answer("never"));
        try (KimiProvider provider = Fixtures.provider(server)) {
            ProviderException e = assertThrows(ProviderException.class, () -> provider.complete(hello()));
            assertEquals(Kind.QUOTA_EXHAUSTED, e.kind());
            assertFalse(e.kind().isRetryable());
        }
        assertEquals(1, server.completions().size());
    }

    @Test
    void badRequestAndForbiddenAreNotRetried() {
        server.script(error(400, "invalid_request_error", "Invalid request: messages is empty", null),
                error(403, "permission_denied_error", "The API you are accessing is not open", null),
                error(400, "invalid_request_error", "Invalid request: Your request exceeded model token limit: 262144", null));
        try (KimiProvider provider = Fixtures.provider(server)) {
            assertEquals(Kind.INVALID_REQUEST, assertThrows(ProviderException.class, () -> provider.complete(hello())).kind());
            assertEquals(Kind.PERMISSION_DENIED, assertThrows(ProviderException.class, () -> provider.complete(hello())).kind());
            assertEquals(Kind.CONTEXT_LENGTH_EXCEEDED, assertThrows(ProviderException.class, () -> provider.complete(hello())).kind());
        }
        assertEquals(3, server.completions().size());
    }

    @Test
    void aSlowFirstByteTimesOut() throws Exception {
        server.script(events(0, content("late")).replace("{\"status\":200", "{\"status\":200,\"delayMs\":3000"));
        try (KimiProvider provider = Fixtures.provider(server, "first.byte.timeout.ms", 300L, "max.retries", 0)) {
            Fixtures.Recorder recorder = new Fixtures.Recorder();
            long start = System.nanoTime();
            provider.stream(hello(), recorder);
            ProviderException e = recorder.error();
            long took = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Kind.TIMEOUT, e.kind());
            assertEquals("no answer within first.byte.timeout.ms = 300 ms", e.getMessage());
            assertTrue(took < 2000, "gave up after " + took + " ms");
        }
    }

    @Test
    void aSlowFirstByteIsRetriedSinceNothingReachedTheCaller() throws Exception {
        server.script(events(0, content("late")).replace("{\"status\":200", "{\"status\":200,\"delayMs\":3000"),
                events(0, content("fast")));
        try (KimiProvider provider = Fixtures.provider(server, "first.byte.timeout.ms", 300L, "max.retries", 1)) {
            Fixtures.Recorder recorder = new Fixtures.Recorder();
            provider.stream(hello(), recorder);
            assertEquals("fast", recorder.response().choice().message().content());
            assertEquals("fast", recorder.text());
        }
    }

    @Test
    void aStreamCutAfterTheFirstDeltaIsNotRetried() throws Exception {
        server.script("{\"status\":200,\"events\":[" + content("Hel") + "," + content("lo") + "],\"cutAfter\":1}", answer("never"));
        try (KimiProvider provider = Fixtures.provider(server)) {
            Fixtures.Recorder recorder = new Fixtures.Recorder();
            provider.stream(hello(), recorder);
            ProviderException e = recorder.error();
            assertEquals(Kind.UPSTREAM_ERROR, e.kind());
            assertTrue(e.getMessage().startsWith("reading the answer from http://127.0.0.1:" + server.port() + "/v1 failed"),
                    e.getMessage());
            assertEquals("Hel", recorder.text(), "what was delivered stays delivered");
            assertEquals(1, recorder.terminalCalls);
        }
        assertEquals(1, server.completions().size(), "never retried after a byte reached the caller");
        assertEquals("cut after 1 events", server.completions().get(0).path("outcome").asText());
    }

    @Test
    void aStreamCutBeforeAnyDeltaIsRetried() throws Exception {
        server.script("{\"status\":200,\"events\":[" + content("x") + "],\"cutAfter\":0}", events(0, content("whole")));
        try (KimiProvider provider = Fixtures.provider(server)) {
            Fixtures.Recorder recorder = new Fixtures.Recorder();
            provider.stream(hello(), recorder);
            assertEquals("whole", recorder.response().choice().message().content());
        }
        assertEquals(2, server.completions().size());
    }

    @Test
    void aStreamEndingWithoutDoneOrFinishReasonIsAnError() throws Exception {
        server.script("{\"status\":200,\"done\":false,\"events\":[" + content("half") + "]}");
        try (KimiProvider provider = Fixtures.provider(server)) {
            Fixtures.Recorder recorder = new Fixtures.Recorder();
            provider.stream(hello(), recorder);
            ProviderException e = recorder.error();
            assertEquals(Kind.UPSTREAM_ERROR, e.kind());
            assertTrue(e.getMessage().endsWith("ended before [DONE] after 1 deltas"), e.getMessage());
        }
    }

    @Test
    void malformedJsonIsAnUpstreamErrorAndNotRetried() throws Exception {
        server.script("{\"status\":200,\"body\":\"{\\\"choices\\\": [oops\"}", answer("never"),
                "{\"status\":200,\"events\":[\"{not json\"]}");
        try (KimiProvider provider = Fixtures.provider(server)) {
            ProviderException whole = assertThrows(ProviderException.class, () -> provider.complete(hello()));
            assertEquals(Kind.UPSTREAM_ERROR, whole.kind());
            assertTrue(whole.getMessage().startsWith("malformed answer from http://127.0.0.1:" + server.port()
                    + "/v1: the answer is not valid JSON"), whole.getMessage());
            assertEquals("never", provider.complete(hello()).choice().message().content(), "the next request goes on");

            Fixtures.Recorder recorder = new Fixtures.Recorder();
            provider.stream(hello(), recorder);
            ProviderException streamed = recorder.error();
            assertEquals(Kind.UPSTREAM_ERROR, streamed.kind());
            assertTrue(streamed.getMessage().contains("an event of the stream is not valid JSON"), streamed.getMessage());
        }
        assertEquals(3, server.completions().size());
    }

    @Test
    void anUnreachableRemoteIsRetriedThenReportedUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (KimiProvider provider = new KimiProvider(KimiSettings.from(Configs.kimi("base.url",
                "http://127.0.0.1:" + closedPort + "/v1", "max.retries", 2, "retry.initial.backoff.ms", 10L), java.util.Map.of()))) {
            ProviderException e = assertThrows(ProviderException.class, () -> provider.complete(hello()));
            assertEquals(Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().startsWith("cannot connect to http://127.0.0.1:" + closedPort + "/v1"), e.getMessage());
            assertTrue(e.getMessage().endsWith("(after 3 attempts)"), e.getMessage());
        }
    }

    @Test
    void cancellingAbortsTheHttpExchange() throws Exception {
        server.script("{\"status\":200,\"holdMs\":20000,\"events\":[" + content("first") + "]}");
        try (KimiProvider provider = Fixtures.provider(server)) {
            Fixtures.Recorder recorder = new Fixtures.Recorder();
            Generation generation = provider.stream(hello(), recorder);
            recorder.awaitDelta();
            long start = System.nanoTime();
            generation.cancel();
            generation.cancel();
            ChatResponse response = recorder.response();
            assertTrue((System.nanoTime() - start) < 2_000_000_000L, "the cancel took effect at once");
            assertEquals(FinishReason.CANCELLED, response.choice().finishReason());
            assertEquals("first", response.choice().message().content());
            assertEquals(1, recorder.terminalCalls);
            long until = System.nanoTime() + 2_000_000_000L;
            while (!generation.isDone() && System.nanoTime() < until) {
                MoonshotProcess.sleep(5);
            }
            assertTrue(generation.isDone());
            assertEquals(0, provider.load().active(), "the slot is free again");
        }
        server.awaitRequests(requests -> requests.get(0).path("outcome").asText().startsWith("client disconnected"),
                "the server to see the client go away (not after its 20 s hold)");
    }

    @Test
    void interruptingAWholeAnswerCancelsItAndKeepsTheInterruptFlag() throws Exception {
        server.script(answer("late").replace("{\"status\":200", "{\"status\":200,\"delayMs\":5000"));
        try (KimiProvider provider = Fixtures.provider(server)) {
            java.util.concurrent.CompletableFuture<String> outcome = new java.util.concurrent.CompletableFuture<>();
            Thread caller = Thread.ofPlatform().start(() -> {
                try {
                    provider.complete(hello());
                    outcome.complete("answered");
                } catch (ProviderException e) {
                    outcome.complete(e.kind() + " " + e.getMessage() + " interrupted=" + Thread.currentThread().isInterrupted());
                }
            });
            server.awaitRequests(r -> r.size() == 1, "the request to arrive");
            long start = System.nanoTime();
            caller.interrupt();
            assertEquals("CANCELLED the caller was interrupted interrupted=true", outcome.get(2, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - start < 1_000_000_000L);
            assertEquals(0, provider.load().active());
            assertTrue(provider.availability().isAvailable(), "a cancel says nothing about the remote's health");
        }
        assertEquals(1, server.completions().size());
    }

    @Test
    void stoppingTheProviderEndsItsRequestsAsUnavailable() throws Exception {
        server.script("{\"status\":200,\"holdMs\":20000,\"events\":[" + content("first") + "]}");
        KimiProvider provider = Fixtures.provider(server);
        Fixtures.Recorder recorder = new Fixtures.Recorder();
        provider.stream(hello(), recorder);
        recorder.awaitDelta();
        provider.close();
        ProviderException e = recorder.error();
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertEquals("provider kimi was stopped (configuration changed or bundle stopped)", e.getMessage());
        assertEquals("the provider is stopped", assertThrows(ProviderException.class, () -> provider.complete(hello())).getMessage());
        assertEquals("stopped", provider.availability().reason());
        server.awaitRequests(requests -> requests.get(0).path("outcome").asText().startsWith("client disconnected"),
                "the server to see the exchange end");
    }

    @Test
    void cancellingDuringABackoffEndsTheRequest() throws Exception {
        server.script(error(500, "server_error", "boom", "{\"Retry-After\":\"1\"}"), answer("never"));
        try (KimiProvider provider = Fixtures.provider(server)) {
            Fixtures.Recorder recorder = new Fixtures.Recorder();
            Generation generation = provider.stream(hello(), recorder);
            server.awaitRequests(r -> r.size() == 1, "the first attempt");
            MoonshotProcess.sleep(100);
            generation.cancel();
            assertEquals(FinishReason.CANCELLED, recorder.response().choice().finishReason());
        }
        MoonshotProcess.sleep(1200);
        assertEquals(1, server.completions().size(), "no retry after the cancel");
    }

    @Test
    void aRetiredModelIdFailsNamingTheAvailableOnes() {
        server.models("kimi-k2.6", "kimi-k2.5", "moonshot-v1-8k");
        server.script(error(404, "resource_not_found_error", "Not found the model kimi-k2-0711-preview or Permission denied", null));
        try (KimiProvider provider = Fixtures.provider(server, "model", "kimi-k2-0711-preview")) {
            ProviderException e = assertThrows(ProviderException.class,
                    () -> provider.complete(hello().withModel("kimi-k2-0711-preview")));
            assertEquals(Kind.MODEL_NOT_FOUND, e.kind());
            assertTrue(e.getMessage().startsWith("model 'kimi-k2-0711-preview' is not available at http://127.0.0.1:"
                    + server.port() + "/v1 (set 'model' of trit.provider.kimi to one the key may use; available: "
                    + "kimi-k2.6, kimi-k2.5, moonshot-v1-8k)"), e.getMessage());
            assertTrue(e.getMessage().contains("Not found the model kimi-k2-0711-preview"), e.getMessage());
        }
        List<String> paths = server.requests().stream().map(r -> r.path("method").asText() + " " + r.path("path").asText()).toList();
        assertEquals(List.of("POST /v1/chat/completions", "GET /v1/models"), paths);
        assertEquals("Bearer " + Fixtures.KEY, server.requests().get(1).path("headers").path("authorization").asText());
    }
}
