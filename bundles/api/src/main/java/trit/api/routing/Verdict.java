package trit.api.routing;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one policy says about one request.
 *
 * @param type      how the router combines it with the other verdicts
 * @param providers for {@link Type#RESTRICT}, the providers that stay eligible; for
 *                  {@link Type#PREFER}, the providers in order of preference; empty for {@link Type#ABSTAIN}
 * @param reason    why, in words an operator reads in the route information
 * @param scores    the numbers behind the decision (e.g. {@code "complexity": 0.72}), for the dry run
 */
public record Verdict(Type type, List<String> providers, String reason, Map<String, Double> scores) {

    public enum Type {
        /** The policy has nothing to say about this request. */
        ABSTAIN,
        /**
         * A hard constraint: only {@code providers} may see this request, whatever later
         * policies or fallbacks say (privacy uses it). Several restrictions intersect.
         */
        RESTRICT,
        /** A preference: try {@code providers} in this order; the highest-ranked PREFER decides. */
        PREFER
    }

    public Verdict {
        Objects.requireNonNull(type, "type");
        providers = List.copyOf(providers);
        reason = reason == null ? "" : reason;
        scores = Map.copyOf(scores);
        if (type == Type.ABSTAIN && !providers.isEmpty()) {
            throw new IllegalArgumentException("an abstaining verdict names no providers");
        }
    }

    public static Verdict abstain(String reason) {
        return new Verdict(Type.ABSTAIN, List.of(), reason, Map.of());
    }

    public static Verdict restrict(List<String> providers, String reason) {
        return new Verdict(Type.RESTRICT, providers, reason, Map.of());
    }

    public static Verdict prefer(List<String> providers, String reason, Map<String, Double> scores) {
        return new Verdict(Type.PREFER, providers, reason, scores);
    }
}
