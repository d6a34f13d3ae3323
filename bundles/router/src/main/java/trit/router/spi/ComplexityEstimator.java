package trit.router.spi;

import java.util.Map;

import trit.api.chat.ChatRequest;

/**
 * Judges how demanding a request is, for the {@code complexity} routing policy. The router ships a
 * deterministic heuristic; a learned classifier replaces it by registering a service of this type
 * with a higher {@code service.ranking} (the policy always uses the highest-ranked one).
 *
 * <p>Threading: called concurrently, must be fast (it runs on every routing decision and dry run)
 * and side-effect free.
 */
public interface ComplexityEstimator {

    /** Service property: the estimator's name, shown in the route's scores. */
    String ESTIMATOR_NAME = "trit.complexity.estimator";

    /** Scores one request. */
    Estimate estimate(ChatRequest request);

    /**
     * @param score    0 (trivial: a greeting, a fact) to 1 (a proof, a multi-step analysis)
     * @param features the contributions behind the score, by name, for the dry run
     */
    record Estimate(double score, Map<String, Double> features) {
        public Estimate {
            if (!(score >= 0 && score <= 1)) {
                throw new IllegalArgumentException("complexity score must be in [0, 1], was " + score);
            }
            features = Map.copyOf(features);
        }
    }
}
