package trit.router;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.chat.ChatRequest;
import trit.api.provider.Availability;
import trit.api.provider.ProviderException;
import trit.api.routing.Candidate;
import trit.api.routing.Verdict;

/**
 * Turns a request, the providers and the policies into a {@link Plan}, without calling any provider.
 *
 * <p>The order of work: the built-in privacy guard (private requests and offline mode keep only
 * local providers, whether or not a privacy policy service is present), then every policy's
 * verdict, highest ranking first: restrictions intersect, the first preference orders; then
 * providers that cannot take a request now drop out; the rest follow the preference as fallbacks.
 */
final class Planner {

    static final String AUTO = "auto";
    static final String DEFAULT_POLICY = "default";
    static final String PRIVACY_POLICY = "privacy";

    private static final Logger LOG = LoggerFactory.getLogger(Planner.class);
    /** The wait suggested for a provider that is loading. */
    static final Duration LOADING_RETRY = Duration.ofSeconds(5);

    /** Local before cloud, then by name: the order when no policy prefers anything. */
    private static final Comparator<ProviderEntry> DEFAULT_ORDER =
            Comparator.comparing((ProviderEntry e) -> !e.isLocal()).thenComparing(ProviderEntry::name);

    private Planner() {
    }

    /**
     * @throws ProviderException {@code INVALID_REQUEST} for a bad {@code privacy} or {@code route}
     *                           field, {@code MODEL_NOT_FOUND} for an unknown model when configured to
     *                           refuse it, {@code UNAVAILABLE} when no provider is eligible (saying who
     *                           excluded whom)
     */
    static Plan plan(ChatRequest request, List<ProviderEntry> providers, List<RankedPolicy> policies,
                     ConsensusPolicy consensusPolicy, RouterSettings settings) {
        boolean requestPrivate = RequestMarks.isPrivate(request);
        boolean asksConsensus = RequestMarks.asksConsensus(request);
        boolean localOnly = requestPrivate || settings.offline();

        List<ProviderEntry> sorted = providers.stream().sorted(DEFAULT_ORDER).toList();
        Map<String, ProviderEntry> byName = new LinkedHashMap<>();
        sorted.forEach(p -> byName.putIfAbsent(p.name(), p));
        if (byName.isEmpty()) {
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE, "router", "no provider is registered");
        }
        String model = request.model();
        boolean served = byName.values().stream().anyMatch(p -> p.models().stream().anyMatch(m -> m.id().equals(model)));
        if (!model.equals(AUTO) && !served && settings.rejectUnknownModel()) {
            throw new ProviderException(ProviderException.Kind.MODEL_NOT_FOUND, "router", "no provider serves model '"
                    + model + "'; available: " + byName.values().stream().flatMap(p -> p.models().stream())
                    .map(m -> m.id()).sorted().distinct().collect(Collectors.joining(", ")) + ", or 'auto'");
        }

        Exclusions exclusions = new Exclusions(byName.keySet());
        // Why the request may only go to local providers, if it may: that decides where it goes,
        // whatever the other policies prefer among the local ones.
        String localOnlyWhy = null;
        if (localOnly) {
            String why = requestPrivate ? "the request is private (privacy=local_only)" : "the router is offline";
            localOnlyWhy = why;
            byName.values().stream().filter(p -> !p.isLocal()).forEach(p -> exclusions.exclude(p.name(), PRIVACY_POLICY, why));
        }
        byName.values().stream().filter(p -> p.models().isEmpty())
                .forEach(p -> exclusions.exclude(p.name(), DEFAULT_POLICY, "serves no model"));

        List<Candidate> candidates = byName.values().stream().map(ProviderEntry::candidate).toList();
        Map<String, Double> scores = new LinkedHashMap<>();
        Verdict preference = null;
        String preferringPolicy = null;
        boolean privateRequest = requestPrivate;
        for (RankedPolicy ranked : policies) {
            String name = ranked.policy().name();
            Verdict verdict;
            try {
                verdict = ranked.policy().evaluate(request, candidates);
            } catch (ProviderException e) {
                throw e;
            } catch (RuntimeException e) {
                // A broken policy must not break routing; restrictions already applied (privacy) stay applied.
                LOG.warn("Routing policy {} failed; ignoring its verdict", name, e);
                continue;
            }
            verdict.scores().forEach(scores::putIfAbsent);
            if (verdict.type() == Verdict.Type.RESTRICT && name.equals(PRIVACY_POLICY)) {
                privateRequest = true; // even when every provider is local and nothing was excluded
                if (localOnlyWhy == null) {
                    localOnlyWhy = verdict.reason();
                }
            }
            switch (verdict.type()) {
                case RESTRICT -> byName.keySet().stream().filter(p -> !verdict.providers().contains(p)).toList()
                        .forEach(p -> exclusions.exclude(p, name, verdict.reason()));
                case PREFER -> {
                    if (preference == null) {
                        preference = verdict;
                        preferringPolicy = name;
                    }
                }
                case ABSTAIN -> {
                }
            }
        }
        List<ProviderEntry> eligible = byName.values().stream().filter(p -> exclusions.allows(p.name())).toList();
        Duration soonestBack = null;
        for (ProviderEntry entry : eligible) {
            if (!entry.availability().isAvailable()) {
                exclusions.exclude(entry.name(), DEFAULT_POLICY, entry.availability().state().name().toLowerCase(Locale.ROOT)
                        + (entry.availability().reason().isEmpty() ? "" : " (" + entry.availability().reason() + ")"));
                // A loading model gives no time; a few seconds is the usual answer (as the API's own).
                Duration back = entry.availability().retryAfter().orElse(
                        entry.availability().state() == Availability.State.LOADING ? LOADING_RETRY : null);
                if (back != null && (soonestBack == null || back.compareTo(soonestBack) < 0)) {
                    soonestBack = back;
                }
            }
        }

        Set<String> order = new LinkedHashSet<>();
        if (preference != null) {
            preference.providers().stream().filter(exclusions::allows).forEach(order::add);
        }
        byName.keySet().stream().filter(exclusions::allows).forEach(order::add);
        List<Plan.Step> steps = order.stream().map(byName::get)
                .map(p -> new Plan.Step(p, p.modelFor(model))).toList();
        if (steps.isEmpty()) {
            if (privateRequest && !model.equals(AUTO) && served && byName.values().stream()
                    .filter(p -> p.models().stream().anyMatch(m -> m.id().equals(model))).noneMatch(ProviderEntry::isLocal)) {
                // A private request (marked, or matched by a private pattern) for a cloud-only model:
                // no retry can help, a client error, not an outage (a 503 would make clients retry).
                // Offline is not here: that ends when the router is back online.
                throw new ProviderException(ProviderException.Kind.INVALID_REQUEST, "router", "model '" + model
                        + "' is served only by cloud providers, and " + localOnlyWhy);
            }
            // The soonest an eligible provider said it is back: the client's Retry-After.
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE, "router",
                    "no provider is eligible: " + exclusions.describe(), soonestBack, null);
        }

        String policy;
        String reason;
        String top = preference == null ? null
                : preference.providers().stream().filter(byName::containsKey).findFirst().orElse(null);
        if (preference != null && (top == null || exclusions.allows(top))) {
            policy = preferringPolicy;
            reason = preference.reason();
        } else if (top != null) {
            Exclusions.Exclusion why = exclusions.of(top);
            policy = why.policy();
            reason = preference.reason() + "; but " + top + " is excluded by " + why.policy() + ": " + why.reason();
        } else if (exclusions.any()) {
            Exclusions.Exclusion first = exclusions.first();
            policy = first.policy();
            reason = first.provider() + " excluded by " + first.policy() + ": " + first.reason();
        } else {
            policy = DEFAULT_POLICY;
            reason = "no policy expressed a preference; local providers first";
        }
        if (localOnlyWhy != null && !policy.equals(PRIVACY_POLICY)) {
            reason = localOnlyWhy + ": local providers only; among them " + policy + ": " + reason;
            policy = PRIVACY_POLICY;
        }
        if (!model.equals(AUTO) && !served) {
            reason = "model '" + model + "' is served by no provider, routed as auto; " + reason;
        }

        ConsensusPolicy.Settings consensus = null;
        if (asksConsensus && consensusPolicy == null) {
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE, "router",
                    "consensus was asked for but the consensus policy is not active");
        }
        if (consensusPolicy != null && (asksConsensus || consensusPolicy.isCritical(request))) {
            consensus = consensusPolicy.settings();
            policy = consensusPolicy.name();
            reason = "consensus of up to " + consensus.providers() + " providers ("
                    + (asksConsensus ? "route=consensus" : "matches the configured critical pattern") + "): "
                    + steps.stream().limit(consensus.providers()).map(s -> s.entry().name()).collect(Collectors.joining(", "));
            scores.put("consensus.providers", (double) Math.min(consensus.providers(), steps.size()));
        }
        return new Plan(steps, eligible, localOnly, privateRequest, policy, reason, scores, consensus);
    }

    /** Which provider was excluded by which policy, first exclusion kept. */
    private static final class Exclusions {

        record Exclusion(String provider, String policy, String reason) {
        }

        private final Map<String, Exclusion> excluded = new LinkedHashMap<>();
        private final Set<String> all;

        Exclusions(Set<String> all) {
            this.all = all;
        }

        void exclude(String provider, String policy, String reason) {
            excluded.putIfAbsent(provider, new Exclusion(provider, policy, reason));
        }

        boolean allows(String provider) {
            return all.contains(provider) && !excluded.containsKey(provider);
        }

        Exclusion of(String provider) {
            return excluded.get(provider);
        }

        boolean any() {
            return !excluded.isEmpty();
        }

        Exclusion first() {
            return excluded.values().iterator().next();
        }

        String describe() {
            List<String> parts = new ArrayList<>();
            excluded.values().forEach(e -> parts.add(e.provider() + " excluded by " + e.policy() + " (" + e.reason() + ")"));
            return String.join("; ", parts);
        }
    }
}
