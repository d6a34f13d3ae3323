package trit.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.provider.Availability;
import trit.api.provider.ModelInfo;
import trit.api.provider.ProviderException;
import trit.api.provider.ProviderException.Kind;
import trit.api.routing.Route;
import trit.api.routing.RouteDecision;
import trit.api.routing.Router;
import trit.api.routing.Verdict;
import trit.router.spi.ComplexityEstimator;

/** Dry-run decisions: which policy decides, why, and what the operator is told. */
class RouterDecisionTest {

    private RouterFixture fixture = RouterFixture.standard();

    @AfterEach
    void stop() {
        fixture.stop();
    }

    private static ChatRequest ask(String text) {
        return ChatRequest.of("auto", List.of(ChatMessage.user(text)));
    }

    @Test
    void aSimpleRequestGoesLocalWithTheCloudAsFallback() {
        RouteDecision decision = fixture.router.decide(ask("What is the capital of France?"));
        assertEquals("bitnet", decision.provider());
        assertEquals(RouterFixture.LOCAL_MODEL, decision.model());
        assertEquals("complexity", decision.policy());
        assertEquals("complexity 0.00 < threshold 0.50: local first", decision.reason());
        assertEquals(List.of("kimi"), decision.fallbacks());
        assertEquals(0.0, decision.scores().get("complexity"));
        assertTrue(decision.scores().containsKey("prompt.tokens.estimate"), decision.scores().toString());
    }

    @Test
    void aProofGoesToTheCloudWithLocalAsFallback() {
        RouteDecision decision = fixture.router.decide(ask("Prove that there are infinitely many primes."));
        assertEquals("kimi", decision.provider());
        assertEquals(RouterFixture.CLOUD_MODEL, decision.model());
        assertEquals(List.of("bitnet"), decision.fallbacks());
        assertTrue(decision.scores().get("complexity") >= 0.5);
        assertEquals(0.55, decision.scores().get("complexity.reasoning"));
    }

    @Test
    void aNamedModelGoesOnlyToItsProvider() {
        RouteDecision decision = fixture.router.decide(ChatRequest.of(RouterFixture.CLOUD_MODEL,
                List.of(ChatMessage.user("Hi"))));
        assertEquals("kimi", decision.provider());
        assertEquals(List.of(), decision.fallbacks(), "no other model answers for an explicit choice");
        assertEquals("explicit", decision.policy(), "the explicit choice overrides complexity's preference for local");
        assertTrue(decision.reason().endsWith("but bitnet is excluded by explicit: model 'kimi-k2' was asked for by name; "
                + "served by kimi"), decision.reason());
    }

    @Test
    void aPrivateRequestIsRoutedByPrivacyEvenWhenTheOtherPoliciesAlsoChoseLocal() {
        ChatRequest simple = new ChatRequest("auto", List.of(ChatMessage.user("What is the capital of France?")), null, null,
                null, false, Map.of(Route.PRIVACY, Route.LOCAL_ONLY));
        RouteDecision decision = fixture.router.decide(simple);
        assertEquals(List.of("bitnet", "privacy", List.of()), List.of(decision.provider(), decision.policy(), decision.fallbacks()));
        assertEquals("the request is private (privacy=local_only): local providers only; among them complexity: "
                + "complexity 0.00 < threshold 0.50: local first", decision.reason());

        RouterFixture localOnly = new RouterFixture().provider(RouterFixture.local());
        try {
            RouteDecision alone = localOnly.router.decide(simple);
            assertEquals("privacy", alone.policy(), "nothing to exclude, and still the reason it stays local");
            assertEquals(decision.reason(), alone.reason());
        } finally {
            localOnly.stop();
        }
    }

    @Test
    void aPrivateRequestNamingACloudModelIsRefusedSayingWhy() {
        ChatRequest request = new ChatRequest(RouterFixture.CLOUD_MODEL, List.of(ChatMessage.user("Hi")), null, null, null,
                false, Map.of(Route.PRIVACY, Route.LOCAL_ONLY));
        ProviderException e = assertThrows(ProviderException.class, () -> fixture.router.decide(request));
        assertEquals(Kind.INVALID_REQUEST, e.kind(), "no retry can help: a client error");
        assertEquals("model 'kimi-k2' is served only by cloud providers, and the request is private (privacy=local_only)",
                e.getMessage());
    }

    @Test
    void aCloudModelAskedForPrivatelyByPatternIsTheClientsErrorButOfflineItIsAnOutage() {
        fixture.policy(new PrivacyPolicy("payroll"), 1000);
        ChatRequest matched = ChatRequest.of(RouterFixture.CLOUD_MODEL, List.of(ChatMessage.user("the payroll file")));
        ProviderException refused = assertThrows(ProviderException.class, () -> fixture.router.decide(matched));
        assertEquals(Kind.INVALID_REQUEST, refused.kind(), refused.getMessage());
        assertTrue(refused.getMessage().startsWith("model 'kimi-k2' is served only by cloud providers, and "), refused.getMessage());

        fixture.router.modified(Configs.of(RouterConfiguration.class, Map.of("offline", true)), Map.of("offline", "true"));
        ChatRequest plain = ChatRequest.of(RouterFixture.CLOUD_MODEL, List.of(ChatMessage.user("Hi")));
        assertEquals(Kind.UNAVAILABLE, assertThrows(ProviderException.class, () -> fixture.router.decide(plain)).kind(),
                "offline ends when the router is back online: worth a retry");
    }

    @Test
    void anUnknownModelIsRoutedAsAutoOrRefusedAsConfigured() {
        RouteDecision decision = fixture.router.decide(ChatRequest.of("gpt-4o", List.of(ChatMessage.user("Hi"))));
        assertEquals("bitnet", decision.provider());
        assertTrue(decision.reason().startsWith("model 'gpt-4o' is served by no provider, routed as auto; "), decision.reason());

        fixture.stop();
        RouterSettings d = RouterSettings.DEFAULTS;
        fixture = new RouterFixture(new RouterSettings(false, true, d.fallbackKinds(), d.maxAttempts(), d.firstOutputTimeout()));
        fixture.provider(RouterFixture.local()).provider(RouterFixture.cloud());
        ProviderException e = assertThrows(ProviderException.class,
                () -> fixture.router.decide(ChatRequest.of("gpt-4o", List.of(ChatMessage.user("Hi")))));
        assertEquals(Kind.MODEL_NOT_FOUND, e.kind());
        assertEquals("no provider serves model 'gpt-4o'; available: bitnet-b1.58-2b, kimi-k2, or 'auto'", e.getMessage());
    }

    @Test
    void withNoProviderTheDecisionSaysSo() {
        fixture.stop();
        fixture = new RouterFixture();
        ProviderException e = assertThrows(ProviderException.class, () -> fixture.router.decide(ask("Hi")));
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertEquals("no provider is registered", e.getMessage());
        assertEquals(List.of(), fixture.router.models(), "no 'auto' model while nothing can answer it");
        assertEquals(Availability.State.UNAVAILABLE, fixture.router.availability().state());
    }

    @Test
    void theRouterServesAutoWithTheLargestContextAndFollowsAvailability() {
        assertEquals(List.of(new ModelInfo("auto", "trit", 1_700_000_000L, 262_144)), fixture.router.models());
        assertTrue(fixture.router.availability().isAvailable());
        fixture.stop();
        fixture = new RouterFixture();
        ScriptedProvider loading = RouterFixture.local();
        loading.availability = Availability.loading("loading");
        fixture.provider(loading);
        assertEquals(Availability.State.LOADING, fixture.router.availability().state());
    }

    @Test
    void aLongDocumentGoesToTheCloudByContextLength() {
        RouteDecision decision = fixture.router.decide(ask("Summarize: " + "The quarterly report covers sales. ".repeat(600)));
        assertEquals("kimi", decision.provider());
        assertEquals("context-length", decision.policy());
        assertTrue(decision.reason().endsWith("do not fit the local context of 4096"), decision.reason());
    }

    @Test
    void aDryRunSaysWhenNoProviderCanHoldTheRequest() {
        fixture.stop();
        fixture = new RouterFixture().provider(RouterFixture.local());
        RouteDecision decision = fixture.router.decide(ask("Summarize: " + "The quarterly report covers sales. ".repeat(600)));
        assertEquals(List.of("bitnet", "context-length"), List.of(decision.provider(), decision.policy()));
        assertTrue(decision.reason().endsWith("do not fit the local context of 4096; no provider's context fits them: "
                + "expect context_length_exceeded (the estimate errs high)"), decision.reason());
    }

    @Test
    void roomForTheAnswerCountsInTheContext() {
        ChatRequest request = new ChatRequest("auto", List.of(ChatMessage.user("Hi")), null, null, 8000, false, null);
        RouteDecision decision = fixture.router.decide(request);
        assertEquals("kimi", decision.provider());
        assertEquals(8000 + 1 + 4, decision.scores().get("tokens.needed").intValue());
    }

    @Test
    void aSpentCloudBudgetRoutesLocalAndSaysWhy() throws Exception {
        fixture.policy(new BudgetPolicy(fixture.spend, 20), 700);
        ScriptedProvider cloud = (ScriptedProvider) fixture.providers.get(1).getValue();
        RecordingListener first = fixture.send(ask("Prove that there are infinitely many primes."));
        first.completed();
        assertEquals(15, fixture.spend.spentToday(), "the cloud answer's usage (10 + 5) is counted");
        RecordingListener second = fixture.send(ask("Prove that sqrt 2 is irrational."));
        second.completed();
        assertEquals(30, fixture.spend.spentToday());

        RouteDecision decision = fixture.router.decide(ask("Prove that e is irrational."));
        assertEquals("bitnet", decision.provider());
        assertEquals("budget", decision.policy());
        assertEquals("complexity 0.55 >= threshold 0.50: cloud first; but kimi is excluded by budget: "
                + "today's cloud budget is spent (30 of 20 tokens)", decision.reason());
        assertEquals(List.of(), decision.fallbacks());
        assertEquals(2, cloud.received.size());
    }

    @Test
    void aPolicyThatThrowsIsIgnoredAndTheOthersStillDecide() {
        fixture.policy(new PrivacyTripwireTest.FixedPolicy("broken", null), 10_000);
        assertEquals("bitnet", fixture.router.decide(ask("Hi")).provider());
    }

    @Test
    void theHighestRankedPreferenceDecidesAndPoliciesCanBeSwappedAtRuntime() {
        fixture.policy(new PrivacyTripwireTest.FixedPolicy("always-cloud",
                Verdict.prefer(List.of("kimi"), "operator wants cloud", Map.of())), 500);
        assertEquals("kimi", fixture.router.decide(ask("Hi")).provider());
        assertEquals("always-cloud", fixture.router.decide(ask("Hi")).policy());
        fixture.policies.removeIf(e -> e.getValue().name().equals("always-cloud"));
        fixture.router.policies = List.copyOf(fixture.policies);
        assertEquals("bitnet", fixture.router.decide(ask("Hi")).provider());
    }

    @Test
    void aDifferentComplexityEstimatorReplacesTheHeuristic() {
        ComplexityEstimator learned = request -> new ComplexityEstimator.Estimate(0.93, Map.of("learned", 0.93));
        fixture.policy(new ComplexityPolicy(learned, 0.5), 100);
        RouteDecision decision = fixture.router.decide(ask("Hi"));
        assertEquals("kimi", decision.provider());
        assertEquals(0.93, decision.scores().get("complexity.learned"));
    }

    @Test
    void badRouterFieldsAreRefusedPrecisely() {
        ProviderException route = assertThrows(ProviderException.class, () -> fixture.router.decide(new ChatRequest("auto",
                List.of(ChatMessage.user("Hi")), null, null, null, false, Map.of(RequestMarks.ROUTE, "fastest"))));
        assertEquals(Kind.INVALID_REQUEST, route.kind());
        assertEquals("'route' must be 'consensus' or 'auto', was 'fastest'", route.getMessage());
        ProviderException privacy = assertThrows(ProviderException.class, () -> fixture.router.decide(new ChatRequest("auto",
                List.of(ChatMessage.user("Hi")), null, null, null, false, Map.of(Route.PRIVACY, true))));
        assertEquals("'privacy' must be a string, was true", privacy.getMessage());
    }

    @Test
    void consensusAskedForWithoutTheConsensusPolicyIsRefused() {
        fixture.router.consensus = null;
        ProviderException e = assertThrows(ProviderException.class, () -> fixture.router.decide(new ChatRequest("auto",
                List.of(ChatMessage.user("Hi")), null, null, null, false, Map.of(RequestMarks.ROUTE, "consensus"))));
        assertEquals("consensus was asked for but the consensus policy is not active", e.getMessage());
    }

    @Test
    void anInvalidConfigurationStopsAllRoutingUntilItIsFixed() {
        Map<String, Object> typo = Map.of("offline", "ture");
        fixture.router.modified(Configs.of(RouterConfiguration.class, typo), typo);
        ProviderException e = assertThrows(ProviderException.class, () -> fixture.router.decide(ask("Hi")));
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertEquals("the router is not routing: its configuration is invalid: trit.router offline must be true or false, "
                + "was 'ture'", e.getMessage());
        assertThrows(ProviderException.class, () -> fixture.send(ask("Hi")));

        Map<String, Object> fixed = Map.of("offline", "true");
        fixture.router.modified(Configs.of(RouterConfiguration.class, Map.of("offline", true)), fixed);
        RouteDecision decision = fixture.router.decide(ask("Prove that there are infinitely many primes."));
        assertEquals("bitnet", decision.provider(), "offline now");
    }

    @Test
    void countersAddUpPerProviderPolicyAndOutcome() throws Exception {
        for (int i = 0; i < 3; i++) {
            RecordingListener l = fixture.send(ask("Hi"));
            l.completed();
        }
        assertThrows(ProviderException.class, () -> fixture.router.stream(new ChatRequest("auto",
                List.of(ChatMessage.user("Hi")), null, null, null, false, Map.of(Route.PRIVACY, "x")), new RecordingListener()));
        assertEquals(List.of(new Router.RouteCount("bitnet", "complexity", "ok", 3),
                new Router.RouteCount("router", "none", "INVALID_REQUEST", 1)), fixture.router.counts());
    }
}
