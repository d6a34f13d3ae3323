package trit.router;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import trit.api.chat.ChatRequest;
import trit.api.provider.ProviderException;
import trit.api.routing.Route;

/**
 * The router's own request fields: {@code privacy} ({@link Route#PRIVACY}) and {@code route}.
 *
 * <p>Both are read strictly: an unknown value is refused rather than guessed, because a misspelt
 * {@code "local-only"} silently read as "not private" would send private text to the cloud.
 */
public final class RequestMarks {

    /** Request extension asking for a routing mode: {@code "consensus"} or {@code "auto"}. */
    public static final String ROUTE = "route";
    /** The {@link #ROUTE} value that asks several providers and compares their answers. */
    public static final String CONSENSUS = "consensus";

    private RequestMarks() {
    }

    /**
     * Whether the request must stay on local providers.
     *
     * @throws ProviderException of kind {@code INVALID_REQUEST} for a value other than
     *                           {@code "local_only"}, {@code "none"} or absent
     */
    public static boolean isPrivate(ChatRequest request) {
        String value = text(request, Route.PRIVACY);
        if (value == null || value.equals("none")) {
            return false;
        }
        if (value.equals(Route.LOCAL_ONLY)) {
            return true;
        }
        throw invalid(Route.PRIVACY, request.extensions().get(Route.PRIVACY), "'local_only' or 'none'");
    }

    /**
     * Whether the request itself asks for consensus.
     *
     * @throws ProviderException of kind {@code INVALID_REQUEST} for a value other than
     *                           {@code "consensus"}, {@code "auto"} or absent
     */
    public static boolean asksConsensus(ChatRequest request) {
        String value = text(request, ROUTE);
        if (value == null || value.equals("auto")) {
            return false;
        }
        if (value.equals(CONSENSUS)) {
            return true;
        }
        throw invalid(ROUTE, request.extensions().get(ROUTE), "'consensus' or 'auto'");
    }

    /** The request without the router's own fields: providers (a cloud API above all) never see them. */
    static ChatRequest strip(ChatRequest request) {
        if (!request.extensions().containsKey(Route.PRIVACY) && !request.extensions().containsKey(ROUTE)) {
            return request;
        }
        Map<String, Object> extensions = new LinkedHashMap<>(request.extensions());
        extensions.remove(Route.PRIVACY);
        extensions.remove(ROUTE);
        return new ChatRequest(request.model(), request.messages(), request.sampling(), request.stop(),
                request.maxTokens(), request.stream(), extensions);
    }

    private static String text(ChatRequest request, String key) {
        Object value = request.extensions().get(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String s)) {
            throw invalid(key, value, "a string");
        }
        return s.trim().toLowerCase(Locale.ROOT);
    }

    private static ProviderException invalid(String key, Object value, String expected) {
        String shown = value instanceof String s ? "'" + s + "'" : String.valueOf(value);
        return new ProviderException(ProviderException.Kind.INVALID_REQUEST, "router",
                "'" + key + "' must be " + expected + ", was " + shown);
    }
}
