package trit.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.provider.Availability;
import trit.api.provider.Locality;
import trit.api.provider.ProviderException.Kind;
import trit.api.routing.Candidate;
import trit.api.routing.Verdict;

/** Every configuration value is checked, and a bad one is refused with the key, the value and what is accepted. */
class ConfigurationTest {

    private static void refused(String message, Executable configure) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, configure).getMessage());
    }

    private static RouterSettings settings(Map<String, Object> typed) {
        return RouterSettings.from(Configs.of(RouterConfiguration.class, typed), typed);
    }

    @Test
    void theRouterDefaultsAreTheDocumentedOnes() {
        RouterSettings settings = settings(Map.of());
        assertEquals(RouterSettings.DEFAULTS, settings);
        assertEquals(true, RouterSettings.from(Configs.of(RouterConfiguration.class, Map.of("offline", true)),
                Map.of("offline", "TRUE")).offline());
        assertEquals(Duration.ofSeconds(60), settings.firstOutputTimeout());
    }

    @Test
    void fallbackKindsAreParsedCaseInsensitively() {
        RouterSettings settings = settings(Map.of("fallback_kinds", new String[] {"overloaded", " Timeout ", ""}));
        assertEquals(java.util.Set.of(Kind.OVERLOADED, Kind.TIMEOUT), settings.fallbackKinds());
        RouterSettings fromCfgFile = settings(Map.of("fallback_kinds", new String[] {"UNAVAILABLE, upstream_error"}));
        assertEquals(java.util.Set.of(Kind.UNAVAILABLE, Kind.UPSTREAM_ERROR), fromCfgFile.fallbackKinds());
    }

    @Test
    void aValueThatDoesNotConvertIsRefusedWhereTheConfigurationArrivesNotOnARequest() {
        refused("trit.router max.attempts = 'many' is not a valid int", () -> RouterSettings.from(
                Configs.of(RouterConfiguration.class, Map.of("max_attempts", "many")), Map.of("max.attempts", "many")));
    }

    @Test
    void badRouterValuesAreRefused() {
        refused("trit.router fallback.kinds: unknown kind 'BROKEN'; expected names of [INVALID_REQUEST, "
                + "CONTEXT_LENGTH_EXCEEDED, AUTHENTICATION, PERMISSION_DENIED, MODEL_NOT_FOUND, OVERLOADED, RATE_LIMITED, "
                + "QUOTA_EXHAUSTED, UNAVAILABLE, TIMEOUT, UPSTREAM_ERROR, CANCELLED, INTERNAL]",
                () -> settings(Map.of("fallback_kinds", new String[] {"BROKEN"})));
        refused("trit.router fallback.kinds must not contain CANCELLED: a cancelled request is never sent elsewhere",
                () -> settings(Map.of("fallback_kinds", new String[] {"CANCELLED"})));
        refused("trit.router offline must be true or false, was 'ture'", () -> settings(Map.of("offline", "ture")));
        refused("trit.router max.attempts must be >= 1, was 0",
                () -> settings(Map.of("max_attempts", 0)));
        refused("trit.router first.output.timeout.ms must be >= 0, was -1",
                () -> settings(Map.of("first_output_timeout_ms", -1L)));
        refused("trit.router unknown.model must be 'auto' or 'reject', was 'maybe'",
                () -> settings(Map.of("unknown_model", "maybe")));
    }

    @Test
    void badPolicyValuesAreRefused() {
        refused("trit.router.complexity threshold must be in [0, 1], was 1.5",
                () -> new ComplexityPolicy().configure(Configs.of(ComplexityPolicy.Config.class, Map.of("threshold", 1.5))));
        refused("trit.router.context-length default.max.tokens must be >= 1, was 0",
                () -> new ContextLengthPolicy().configure(Configs.of(ContextLengthPolicy.Config.class, Map.of("default_max_tokens", 0))));
        refused("trit.router.context-length local.max.prompt.tokens must be >= 0, was -3",
                () -> new ContextLengthPolicy().configure(Configs.of(ContextLengthPolicy.Config.class, Map.of("local_max_prompt_tokens", -3))));
        refused("trit.router.budget daily.cloud.tokens must be >= 0, was -1",
                () -> new BudgetPolicy().configure(Configs.of(BudgetPolicy.Config.class, Map.of("daily_cloud_tokens", -1L))));
        refused("trit.router.consensus providers must be >= 2, was 1",
                () -> new ConsensusPolicy().configure(Configs.of(ConsensusPolicy.Config.class, Map.of("providers", 1))));
        refused("trit.router.consensus critical.patterns: '*x' is not a regular expression: Dangling meta character '*'",
                () -> new ConsensusPolicy().configure(Configs.of(ConsensusPolicy.Config.class, Map.of("critical_patterns", new String[] {"*x"}))));
    }

    @Test
    void anInvalidPrivatePatternKeepsEveryRequestLocalUntilFixed() {
        PrivacyPolicy privacy = new PrivacyPolicy();
        privacy.configure(Configs.of(PrivacyPolicy.Config.class, Map.of("private_patterns", new String[] {"(["})));
        List<Candidate> candidates = List.of(
                new Candidate("bitnet", Locality.LOCAL, List.of(), Availability.AVAILABLE),
                new Candidate("kimi", Locality.CLOUD, List.of(), Availability.AVAILABLE));
        Verdict verdict = privacy.evaluate(ChatRequest.of("auto", List.of(ChatMessage.user("Hi"))), candidates);
        assertEquals(Verdict.Type.RESTRICT, verdict.type());
        assertEquals(List.of("bitnet"), verdict.providers());
        assertEquals("the privacy configuration is invalid, every request stays local: trit.router.privacy "
                + "private.patterns: '([' is not a regular expression: Unclosed character class", verdict.reason());

        privacy.configure(Configs.of(PrivacyPolicy.Config.class, Map.of("private_patterns", new String[] {"secret"})));
        assertEquals(Verdict.Type.ABSTAIN,
                privacy.evaluate(ChatRequest.of("auto", List.of(ChatMessage.user("Hi"))), candidates).type());
    }

    @Test
    void theCloudBudgetStartsAgainEachUtcDay() {
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
                new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.parse("2026-11-23T23:59:00Z"));
        CloudSpend spend = new CloudSpend(new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return now.get();
            }
        });
        spend.add(500);
        assertEquals(500, spend.spentToday());
        now.set(java.time.Instant.parse("2026-11-24T00:00:01Z"));
        assertEquals(0, spend.spentToday());
    }
}
