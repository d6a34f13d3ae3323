package trit.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.provider.Locality;
import trit.api.provider.ProviderException.Kind;
import trit.api.routing.Route;
import trit.api.routing.Router;

/** Critical requests: several providers answer, agreement and disagreement are both reported. */
class ConsensusTest {

    private final RouterFixture fixture = new RouterFixture();
    private final ScriptedProvider local = RouterFixture.local();
    private final ScriptedProvider cloud = RouterFixture.cloud();

    @AfterEach
    void stop() {
        fixture.stop();
    }

    private static ChatRequest critical(String text, Map<String, Object> more) {
        Map<String, Object> extensions = new java.util.HashMap<>(more);
        extensions.put(RequestMarks.ROUTE, RequestMarks.CONSENSUS);
        return new ChatRequest("auto", List.of(ChatMessage.user(text)), null, null, null, true, extensions);
    }

    private RecordingListener run(ChatRequest request) throws InterruptedException {
        RecordingListener listener = fixture.send(request);
        listener.await();
        return listener;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> report(ChatResponse response) {
        return (Map<String, Object>) response.extensions().get(ConsensusRun.EXTENSION);
    }

    @Test
    void shortAnswersThatMatchAfterNormalisingAgree() throws Exception {
        local.answer = "Paris.";
        cloud.answer = "  paris ";
        fixture.provider(local).provider(cloud);
        RecordingListener listener = run(critical("What is the capital of France?", Map.of()));
        ChatResponse response = listener.completed();

        Route route = listener.finalRoute();
        assertEquals("consensus", route.policy());
        assertTrue(route.reason().endsWith("agreed 2/2 (normalised exact match)"), route.reason());
        assertEquals(List.of("bitnet", "kimi"), route.attempts().stream().map(Route.Attempt::provider).toList());
        assertEquals("Paris.", response.choice().message().content());
        assertEquals(true, report(response).get("agreed"));
        assertEquals("2/2", report(response).get("agreement"));
        assertEquals(2, ((List<?>) report(response).get("answers")).size());
        assertEquals(route, listener.firstDeltaRoute());
        assertTrue(fixture.router.counts().contains(new Router.RouteCount("bitnet", "consensus", "ok", 1)));
        assertEquals(15, fixture.spend.spentToday(), "the cloud member's tokens count against the budget");
    }

    @Test
    void disagreementIsReportedNotHidden() throws Exception {
        local.answer = "Lyon";
        cloud.answer = "Paris";
        fixture.provider(local).provider(cloud);
        RecordingListener listener = run(critical("What is the capital of France?", Map.of()));
        ChatResponse response = listener.completed();

        assertTrue(listener.finalRoute().reason().endsWith("DISAGREED: no majority among 2 answers (normalised exact match)"),
                listener.finalRoute().reason());
        assertEquals(false, report(response).get("agreed"));
        assertEquals(List.of("Lyon", "Paris"), ((List<Map<String, Object>>) report(response).get("answers")).stream()
                .map(a -> a.get("content")).toList());
        assertTrue(fixture.router.counts().contains(new Router.RouteCount("bitnet", "consensus", "disagreed", 1)));
    }

    @Test
    void longAnswersAreComparedByTheJudge() throws Exception {
        ScriptedProvider referee = new ScriptedProvider("referee", Locality.CLOUD, "judge-model", 8192);
        referee.answer = "AGREE";
        local.answer = "The capital of France is Paris, a city on the Seine.";
        cloud.answer = "France's capital city is Paris.";
        fixture.consensus(new ConsensusPolicy.Settings(List.of(), 2, 10, "referee", Duration.ofSeconds(5)));
        fixture.provider(local).provider(cloud).provider(referee);

        ChatResponse response = run(critical("What is the capital of France?", Map.of())).completed();
        assertEquals(true, report(response).get("agreed"));
        assertEquals("judge referee", report(response).get("method"));
        assertEquals(1, referee.received.size());
        assertTrue(referee.received.get(0).messages().get(1).content().contains("Answer 2:\nFrance's capital city is Paris."));
    }

    @Test
    void aPrivateRequestIsNeverShownToACloudJudge() throws Exception {
        ScriptedProvider referee = new ScriptedProvider("referee", Locality.CLOUD, "judge-model", 8192);
        ScriptedProvider local2 = new ScriptedProvider("bitnet-b", Locality.LOCAL, "bitnet-other", 4096);
        local.answer = "A long answer number one.";
        local2.answer = "A long answer number two.";
        fixture.consensus(new ConsensusPolicy.Settings(List.of(), 2, 10, "referee", Duration.ofSeconds(5)));
        fixture.provider(local).provider(local2).provider(referee).provider(cloud);

        ChatResponse response = run(critical("Summarize my notes", Map.of(Route.PRIVACY, Route.LOCAL_ONLY))).completed();
        assertEquals(false, report(response).get("agreed"));
        assertEquals("normalised exact match; judge referee is not eligible for this request or not available",
                report(response).get("method"));
        assertTrue(referee.received.isEmpty());
        assertTrue(cloud.received.isEmpty());
    }

    @Test
    void aMemberThatFailsLeavesNoConsensusAndSaysSo() throws Exception {
        cloud.failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.UPSTREAM_ERROR);
        fixture.provider(local).provider(cloud);
        RecordingListener listener = run(critical("What is 2 + 2?", Map.of()));
        ChatResponse response = listener.completed();
        assertTrue(listener.finalRoute().reason().endsWith("NO CONSENSUS: only 1 of 2 providers answered"),
                listener.finalRoute().reason());
        assertEquals(List.of("ok", "UPSTREAM_ERROR"), listener.finalRoute().attempts().stream().map(Route.Attempt::outcome).toList());
        assertEquals(List.of(Map.of("provider", "kimi", "error", "UPSTREAM_ERROR")), report(response).get("failures"));
    }

    @Test
    void whenNoMemberAnswersTheRequestFails() throws Exception {
        local.failing(ScriptedProvider.Mode.THROW, Kind.OVERLOADED);
        cloud.failing(ScriptedProvider.Mode.ERROR_CALLBACK, Kind.RATE_LIMITED);
        fixture.provider(local).provider(cloud);
        RecordingListener listener = run(critical("What is 2 + 2?", Map.of()));
        assertEquals("consensus: no provider answered: bitnet OVERLOADED, kimi RATE_LIMITED", listener.failed().getMessage());
    }

    @Test
    void aConfiguredPatternMakesARequestCriticalWithoutAskingForIt() throws Exception {
        fixture.consensus(new ConsensusPolicy.Settings(List.of(Pattern.compile("dosage", Pattern.CASE_INSENSITIVE)),
                2, 200, "", Duration.ofSeconds(5)));
        fixture.provider(local).provider(cloud);
        ChatRequest request = ChatRequest.of("auto", List.of(ChatMessage.user("What is the maximum dosage of ibuprofen?")));
        assertEquals("consensus", fixture.router.decide(request).policy());
        assertEquals(2.0, fixture.router.decide(request).scores().get("consensus.providers"));
        assertEquals("consensus", run(request).finalRoute().policy());
    }

    @Test
    void withOneEligibleProviderThereIsNoConsensusAndTheAnswerSaysSo() throws Exception {
        fixture.provider(local).provider(cloud);
        RecordingListener listener = run(critical("What is 2 + 2?", Map.of(Route.PRIVACY, Route.LOCAL_ONLY)));
        ChatResponse response = listener.completed();
        assertTrue(listener.finalRoute().reason().endsWith("NO CONSENSUS: only one provider is eligible for this request"),
                listener.finalRoute().reason());
        assertEquals("1/1", report(response).get("agreement"));
        assertEquals(false, report(response).get("agreed"));
        assertTrue(cloud.received.isEmpty());
    }

    @Test
    void normalisingIgnoresCasePunctuationAndSpacingButKeepsDecimals() {
        assertEquals("paris", ConsensusRun.normalise("  Paris. "));
        assertEquals("3.14", ConsensusRun.normalise("3,14"));
        assertEquals("the answer is 42", ConsensusRun.normalise("The answer is: **42**!"));
    }
}
