package trit.router;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.routing.Candidate;
import trit.api.routing.RoutingPolicy;
import trit.api.routing.Verdict;

/**
 * Consensus for critical requests: which requests are critical ({@code "route": "consensus"}, or
 * text matching a configured pattern) and how the router compares their answers. It restricts and
 * prefers nothing itself: the router asks the first eligible providers of the plan in parallel.
 */
@Component(service = {RoutingPolicy.class, ConsensusPolicy.class}, configurationPid = ConsensusPolicy.PID,
        property = {RoutingPolicy.POLICY_NAME + "=" + ConsensusPolicy.NAME, "service.ranking:Integer=50"})
@Designate(ocd = ConsensusPolicy.Config.class)
public class ConsensusPolicy implements RoutingPolicy {

    static final String NAME = "consensus";
    static final String PID = "trit.router." + NAME;

    @ObjectClassDefinition(name = "Trit router: consensus policy",
            description = "Asks several providers for critical requests and reports whether their answers agree.")
    public @interface Config {
        @AttributeDefinition(name = "Critical patterns",
                description = "Regular expressions (searched case-insensitively in every message) that make a request "
                        + "critical without it asking for route=consensus.")
        String[] critical_patterns() default {};

        @AttributeDefinition(name = "Providers", description = "How many eligible providers are asked.", min = "2")
        int providers() default 2;

        @AttributeDefinition(name = "Short answer length",
                description = "Answers of at most this many characters are compared by normalised exact match; longer "
                        + "ones by the judge.", min = "1")
        int short_answer_chars() default 200;

        @AttributeDefinition(name = "Judge",
                description = "Name of the provider that judges whether long answers agree; empty compares them by "
                        + "normalised exact match too. The judge must be eligible for the request (privacy applies).")
        String judge() default "";

        @AttributeDefinition(name = "Timeout (ms)", description = "How long each provider may take.", min = "1")
        long timeout_ms() default 120_000;

        @AttributeDefinition(name = "Ranking", description = "Consultation order among policies, highest first.")
        int service_ranking() default 50;
    }

    /** The checked configuration. */
    record Settings(List<Pattern> criticalPatterns, int providers, int shortAnswerChars, String judge, Duration timeout) {
        static final Settings DEFAULTS = new Settings(List.of(), 2, 200, "", Duration.ofMinutes(2));

        Settings {
            criticalPatterns = List.copyOf(criticalPatterns);
            if (providers < 2) {
                throw new IllegalArgumentException(PID + " providers must be >= 2, was " + providers);
            }
            if (shortAnswerChars < 1) {
                throw new IllegalArgumentException(PID + " short.answer.chars must be >= 1, was " + shortAnswerChars);
            }
            judge = judge == null ? "" : judge.trim();
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(PID + " timeout.ms must be >= 1, was " + timeout.toMillis());
            }
        }
    }

    private volatile Settings settings = Settings.DEFAULTS;

    public ConsensusPolicy() {
    }

    ConsensusPolicy(Settings settings) {
        this.settings = settings;
    }

    @Activate
    @Modified
    void configure(Config config) {
        settings = new Settings(PrivacyPolicy.compile(PID + " critical.patterns", config.critical_patterns()), config.providers(),
                config.short_answer_chars(), config.judge(), Duration.ofMillis(config.timeout_ms()));
    }

    Settings settings() {
        return settings;
    }

    /** Whether the configured patterns make this request critical. */
    boolean isCritical(ChatRequest request) {
        for (Pattern pattern : settings.criticalPatterns()) {
            for (ChatMessage message : request.messages()) {
                if (message.content() != null && pattern.matcher(message.content()).find()) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict evaluate(ChatRequest request, List<Candidate> candidates) {
        boolean critical = RequestMarks.asksConsensus(request) || isCritical(request);
        return new Verdict(Verdict.Type.ABSTAIN, List.of(), critical ? "critical: several providers answer" : "not critical",
                Map.of("critical", critical ? 1.0 : 0.0));
    }
}
