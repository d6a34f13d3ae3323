package trit.api.routing;

import java.util.List;

import trit.api.chat.ChatRequest;

/**
 * A rule that decides where a request goes. Registered as an OSGi service with
 * {@link #POLICY_NAME}; its {@code service.ranking} orders it against the others (highest first).
 *
 * <p>How the router combines verdicts: every {@link Verdict.Type#RESTRICT} verdict is applied
 * (they intersect; a restriction can never be undone by another policy, a fallback or an error
 * path); then the highest-ranked {@link Verdict.Type#PREFER} verdict orders the providers that
 * are still eligible; the remaining eligible providers follow it as fallbacks.
 *
 * <p>Threading: {@link #evaluate} is called concurrently for many requests and must be fast and
 * side-effect free (the dry run {@code POST /v1/route} calls it without sending anything). A
 * policy reads its thresholds from its own configuration and may see them change between calls.
 */
public interface RoutingPolicy {

    /** Service property: the policy's unique name, e.g. {@code "privacy"}. */
    String POLICY_NAME = "trit.policy.name";

    /** The policy's name (the same as its {@link #POLICY_NAME} property). */
    String name();

    /**
     * Judges one request.
     *
     * @param request    the request, including its extensions (e.g. {@code privacy}, {@code route})
     * @param candidates the providers registered now, in no particular order
     * @return the verdict; never {@code null} ({@link Verdict#abstain} when the policy does not apply)
     */
    Verdict evaluate(ChatRequest request, List<Candidate> candidates);
}
