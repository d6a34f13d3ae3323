package trit.router;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import trit.api.chat.ChatRequest;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;
import trit.api.routing.Candidate;
import trit.api.routing.RoutingPolicy;
import trit.api.routing.Verdict;

/**
 * Context length: a prompt that does not fit a local model's context with room for its answer,
 * or that is longer than a configured threshold, goes to the providers it fits, cloud first.
 * Prompt tokens are the {@link TokenEstimate} (no tokenizer here).
 */
@Component(service = RoutingPolicy.class, configurationPid = ContextLengthPolicy.PID,
        property = {RoutingPolicy.POLICY_NAME + "=" + ContextLengthPolicy.NAME, "service.ranking:Integer=800"})
@Designate(ocd = ContextLengthPolicy.Config.class)
public class ContextLengthPolicy implements RoutingPolicy {

    static final String NAME = "context-length";
    static final String PID = "trit.router." + NAME;

    @ObjectClassDefinition(name = "Trit router: context-length policy",
            description = "Sends prompts that do not fit the local model (estimated at 3 UTF-8 bytes per token, "
                    + "4 tokens per message) to the cloud.")
    public @interface Config {
        @AttributeDefinition(name = "Answer room",
                description = "Tokens reserved for the answer when the request sets no max_tokens.", min = "1")
        int default_max_tokens() default 512;

        @AttributeDefinition(name = "Local prompt threshold",
                description = "Estimated prompt tokens above which the cloud is preferred even when the prompt fits "
                        + "the local context (long documents); 0 means only the context decides.", min = "0")
        int local_max_prompt_tokens() default 3000;

        @AttributeDefinition(name = "Ranking", description = "Consultation order among policies, highest first.")
        int service_ranking() default 800;
    }

    /** The checked configuration. */
    record Settings(int defaultMaxTokens, int localMaxPromptTokens) {
        static final Settings DEFAULTS = new Settings(512, 3000);

        Settings {
            if (defaultMaxTokens < 1) {
                throw new IllegalArgumentException(PID + " default.max.tokens must be >= 1, was " + defaultMaxTokens);
            }
            if (localMaxPromptTokens < 0) {
                throw new IllegalArgumentException(PID + " local.max.prompt.tokens must be >= 0, was " + localMaxPromptTokens);
            }
        }
    }

    private volatile Settings settings = Settings.DEFAULTS;

    public ContextLengthPolicy() {
    }

    ContextLengthPolicy(Settings settings) {
        this.settings = settings;
    }

    @Activate
    @Modified
    void configure(Config config) {
        settings = new Settings(config.default_max_tokens(), config.local_max_prompt_tokens());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict evaluate(ChatRequest request, List<Candidate> candidates) {
        Settings s = settings;
        int prompt = TokenEstimate.promptTokens(request);
        int needed = prompt + (request.maxTokens() == null ? s.defaultMaxTokens() : request.maxTokens());
        Map<String, Double> scores = Map.of("prompt.tokens.estimate", (double) prompt, "tokens.needed", (double) needed);
        List<Candidate> local = candidates.stream().filter(c -> c.locality() == Locality.LOCAL).toList();
        boolean localFits = local.stream().anyMatch(c -> fits(c, needed));
        boolean overThreshold = s.localMaxPromptTokens() > 0 && prompt > s.localMaxPromptTokens();
        if (localFits && !overThreshold) {
            return new Verdict(Verdict.Type.ABSTAIN, List.of(), "fits the local context (" + needed + " tokens needed)", scores);
        }
        // Cloud first, largest context first; those it does not fit come last (they would refuse it).
        List<String> order = candidates.stream().sorted(Comparator
                        .comparing((Candidate c) -> !fits(c, needed))
                        .thenComparing(c -> c.locality() == Locality.LOCAL)
                        .thenComparing(c -> -context(c)))
                .map(Candidate::provider).toList();
        int largestLocal = local.stream().mapToInt(ContextLengthPolicy::context).max().orElse(0);
        String why = !localFits
                ? "about " + needed + " tokens (prompt estimate " + prompt + " + answer) do not fit the local context"
                        + (largestLocal > 0 ? " of " + largestLocal : "")
                : "prompt estimate " + prompt + " tokens exceeds the local threshold " + s.localMaxPromptTokens();
        if (candidates.stream().noneMatch(c -> fits(c, needed))) {
            // A dry run would otherwise name a provider without a hint that it is going to refuse.
            why += "; no provider's context fits them: expect context_length_exceeded (the estimate errs high)";
        }
        return Verdict.prefer(order, why, scores);
    }

    private static boolean fits(Candidate candidate, int needed) {
        int context = context(candidate);
        return context == 0 || needed <= context;
    }

    private static int context(Candidate candidate) {
        return candidate.models().stream().mapToInt(ModelInfo::contextLength).max().orElse(0);
    }
}
