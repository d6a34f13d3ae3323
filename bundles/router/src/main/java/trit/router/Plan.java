package trit.router;

import java.util.List;
import java.util.Map;

import trit.api.routing.RouteDecision;

/**
 * Where one request goes: the providers to try in order, and why.
 *
 * @param steps     the eligible providers, in the order they are tried
 * @param eligible  every provider the restrictions allow (available or not): the only ones that
 *                  may ever see the request, a consensus judge included
 * @param localOnly the request may only reach local providers (private, or the router is offline)
 * @param privateRequest the request is private: marked so by its client, or restricted by the
 *                  privacy policy (a private pattern matched); its answer says so, so that no
 *                  later stage (the audit log) records its content
 * @param policy    the deciding policy, or {@code "default"}
 * @param reason    why, for an operator
 * @param scores    the numbers every policy gave
 * @param consensus how to ask several providers, or {@code null} for one answer with fallback
 */
record Plan(List<Step> steps, List<ProviderEntry> eligible, boolean localOnly, boolean privateRequest, String policy, String reason,
            Map<String, Double> scores, ConsensusPolicy.Settings consensus) {

    /** One provider to try and the model to ask it for. */
    record Step(ProviderEntry entry, String model) {
    }

    Plan {
        steps = List.copyOf(steps);
        eligible = List.copyOf(eligible);
        scores = Map.copyOf(scores);
    }

    RouteDecision decision() {
        Step first = steps.get(0);
        return new RouteDecision(first.model(), first.entry().name(), policy, reason, scores,
                steps.stream().skip(1).map(s -> s.entry().name()).toList());
    }
}
