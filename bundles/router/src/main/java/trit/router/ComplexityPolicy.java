package trit.router;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import trit.api.chat.ChatRequest;
import trit.api.provider.Locality;
import trit.api.routing.Candidate;
import trit.api.routing.RoutingPolicy;
import trit.api.routing.Verdict;
import trit.router.spi.ComplexityEstimator;

/**
 * Task complexity: requests the {@link ComplexityEstimator} scores at or above the threshold
 * prefer cloud providers, the others local ones. The estimator is a service: the highest-ranked
 * one is used, so a learned classifier replaces the shipped heuristic by registering itself.
 */
@Component(service = RoutingPolicy.class, configurationPid = ComplexityPolicy.PID,
        property = {RoutingPolicy.POLICY_NAME + "=" + ComplexityPolicy.NAME, "service.ranking:Integer=100"})
@Designate(ocd = ComplexityPolicy.Config.class)
public class ComplexityPolicy implements RoutingPolicy {

    static final String NAME = "complexity";
    static final String PID = "trit.router." + NAME;
    static final double DEFAULT_THRESHOLD = 0.5;

    @ObjectClassDefinition(name = "Trit router: complexity policy",
            description = "Sends demanding requests (proofs, analysis, substantial code, long or structured "
                    + "prompts) to the cloud and simple ones to local providers.")
    public @interface Config {
        @AttributeDefinition(name = "Threshold",
                description = "Complexity score (0..1) from which the cloud is preferred.", min = "0", max = "1")
        double threshold() default DEFAULT_THRESHOLD;

        @AttributeDefinition(name = "Ranking", description = "Consultation order among policies, highest first.")
        int service_ranking() default 100;
    }

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile ComplexityEstimator estimator;

    private volatile double threshold = DEFAULT_THRESHOLD;

    public ComplexityPolicy() {
    }

    ComplexityPolicy(ComplexityEstimator estimator, double threshold) {
        this.estimator = estimator;
        this.threshold = checked(threshold);
    }

    @Activate
    @Modified
    void configure(Config config) {
        threshold = checked(config.threshold());
    }

    private static double checked(double threshold) {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException(PID + " threshold must be in [0, 1], was " + threshold);
        }
        return threshold;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict evaluate(ChatRequest request, List<Candidate> candidates) {
        double limit = threshold;
        ComplexityEstimator.Estimate estimate = estimator.estimate(request);
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("complexity", estimate.score());
        scores.put("complexity.threshold", limit);
        estimate.features().forEach((k, v) -> scores.put("complexity." + k, v));
        boolean demanding = estimate.score() >= limit;
        Comparator<Candidate> order = Comparator.comparing(c -> (c.locality() == Locality.LOCAL) == demanding);
        List<String> providers = candidates.stream().sorted(order.thenComparing(Candidate::provider))
                .map(Candidate::provider).toList();
        String why = String.format(java.util.Locale.ROOT, "complexity %.2f %s threshold %.2f: %s first", estimate.score(),
                demanding ? ">=" : "<", limit, demanding ? "cloud" : "local");
        return Verdict.prefer(providers, why, scores);
    }
}
