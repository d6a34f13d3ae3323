package trit.router;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.chat.Usage;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.ProviderException;
import trit.api.routing.Route;

/** What the fallback and consensus paths share: the last privacy check before a call, and stamping the route. */
final class Dispatch {

    /** Told once per request how it ended, for the counters and the cloud budget. */
    @FunctionalInterface
    interface Outcome {
        /**
         * @param route   the final route
         * @param outcome {@code "ok"}, {@code "fallback_ok"}, or the failure's kind name
         * @param cloud   cloud providers that answered, with what they used
         */
        void finished(Route route, String outcome, Map<ProviderEntry, Usage> cloud);
    }

    private Dispatch() {
    }

    /**
     * Starts {@code entry} on the request, after checking once more that a local-only request only
     * reaches a local provider. The plan never contains anything else; this check makes that an
     * invariant that no future change of the planner or fallback order can break silently.
     */
    static Generation start(Plan plan, ProviderEntry entry, ChatRequest request, ChatStreamListener listener) {
        if (plan.localOnly() && !entry.isLocal()) {
            throw new ProviderException(ProviderException.Kind.INTERNAL, "router",
                    "refused to send a local-only request to " + entry.name() + " (" + entry.locality() + ")");
        }
        if (plan.eligible().stream().noneMatch(e -> e.name().equals(entry.name()))) {
            throw new ProviderException(ProviderException.Kind.INTERNAL, "router",
                    "refused to send the request to " + entry.name() + ", which its routing excluded");
        }
        return entry.provider().stream(request, listener);
    }

    static ChatDelta withRoute(ChatDelta delta, Route route) {
        return new ChatDelta(delta.content(), delta.reasoningContent(), with(delta.extensions(), Route.EXTENSION, route));
    }

    /**
     * The final response with its route, and {@code privacy: local_only} when the request was
     * private (for the REST layer's audit, which never records a private request's content).
     */
    static ChatResponse withRoute(ChatResponse response, Route route, Plan plan, Map<String, Object> more) {
        Map<String, Object> extensions = with(response.extensions(), Route.EXTENSION, route);
        if (plan.privateRequest()) {
            extensions.put(Route.PRIVACY, Route.LOCAL_ONLY);
        }
        extensions.putAll(more);
        return new ChatResponse(response.id(), response.created(), response.model(), response.choices(),
                response.usage(), extensions);
    }

    private static Map<String, Object> with(Map<String, Object> extensions, String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(extensions);
        copy.put(key, value);
        return copy;
    }

    /** Usage as reported, or estimated from the texts when the provider could not tell. */
    static Usage usageOf(ChatRequest request, ChatResponse response) {
        if (!response.usage().equals(Usage.NONE)) {
            return response.usage();
        }
        return new Usage(TokenEstimate.promptTokens(request), TokenEstimate.of(response.choice().message().content()));
    }

    static String kindOf(Throwable failure) {
        return failure instanceof ProviderException pe ? pe.kind().name() : ProviderException.Kind.INTERNAL.name();
    }

    static List<Route.Attempt> plus(List<Route.Attempt> attempts, Route.Attempt attempt) {
        return java.util.stream.Stream.concat(attempts.stream(), java.util.stream.Stream.of(attempt)).toList();
    }
}
