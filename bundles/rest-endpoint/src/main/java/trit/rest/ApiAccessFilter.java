package trit.rest;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import jakarta.annotation.Priority;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;

/**
 * Who may call the API. With {@code api.keys} configured, every {@code /v1/...} request needs
 * {@code Authorization: Bearer KEY} with one of them; without keys, only clients on the loopback
 * address are served. {@code /health} and {@code /metrics} stay open (probes and scrapers carry
 * no key). Browsers get CORS headers only for the origins in {@code cors.allowed.origins}.
 */
@Component(service = {ContainerRequestFilter.class, ContainerResponseFilter.class})
@JakartarsExtension
@JakartarsName("trit.access")
@JakartarsApplicationSelect(RestApplication.SELECT)
@PreMatching
// After the body limit (priority USER): an answer over an unread body could reach the client as a reset.
@Priority(Priorities.USER + 100)
public class ApiAccessFilter implements ContainerRequestFilter, ContainerResponseFilter {

    private static final String EXPOSED = "X-Trit-Route, Retry-After";
    private static final String ALLOWED_HEADERS = "Authorization, Content-Type, X-Trit-Privacy";
    /** A comma-separated list of HTTP header names (RFC 9110 tokens). */
    private static final Pattern HEADER_NAMES = Pattern.compile("[ \\t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+([ \\t]*,[ \\t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*[ \\t]*");

    private final RestApplication application;
    private final ApiMetrics metrics;
    private final AuditLog audit;

    @Context
    private HttpServletRequest servletRequest;

    @Activate
    public ApiAccessFilter(@Reference RestApplication application, @Reference ApiMetrics metrics,
                           @Reference AuditLog audit) {
        this.application = application;
        this.metrics = metrics;
        this.audit = audit;
    }

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        RestConfiguration config = application.config();
        String origin = request.getHeaderString("Origin");
        if (request.getMethod().equals("OPTIONS") && origin != null
                && request.getHeaderString("Access-Control-Request-Method") != null
                && originAllowed(origin, config)) {
            // A browser's preflight carries no credentials: answer it before the key check.
            request.abortWith(Response.noContent()
                    .header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
                    .header("Access-Control-Allow-Headers", allowedHeaders(request.getHeaderString("Access-Control-Request-Headers")))
                    .header("Access-Control-Max-Age", "600")
                    .build());
            return;
        }
        if (!request.getUriInfo().getPath().startsWith("v1/")) {
            return;
        }
        List<ApiKey> keys = keys(config);
        Access access = keys.isEmpty() ? loopbackOnly() : bearer(request.getHeaderString(HttpHeaders.AUTHORIZATION), keys);
        if (servletRequest != null) {
            // For the audit line: who asked, and since when.
            servletRequest.setAttribute(AuditLog.START_ATTRIBUTE, System.nanoTime());
            servletRequest.setAttribute(AuditLog.CLIENT_ATTRIBUTE, access.client());
        }
        String denial = access.denial();
        if (denial != null) {
            RequestLimitFilter.drain(request, application.maxRequestBytes());
            metrics.error("/" + request.getUriInfo().getPath(), "", 401, "invalid_api_key");
            request.abortWith(Response.fromResponse(ApiError.response(401, denial, null, "invalid_api_key"))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"trit\"").build());
        }
    }

    /**
     * The headers an allowed origin's preflight asked for, as asked: OpenAI's SDKs send headers of
     * their own ({@code X-Stainless-OS}, {@code X-Stainless-Retry-Count}, …) that no fixed list
     * keeps up with, and the origin is trusted already. Anything that is not a list of header
     * names gets the API's own.
     */
    static String allowedHeaders(String requested) {
        if (requested == null || !HEADER_NAMES.matcher(requested).matches()) {
            return ALLOWED_HEADERS;
        }
        return ALLOWED_HEADERS + ", " + requested.strip();
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        String path = request.getUriInfo().getPath();
        if (path.startsWith("v1/") && servletRequest != null) {
            // Generation requests write their own, fuller line when they end (a stream ends later).
            audit.access(request.getMethod() + " /" + path, servletRequest, response.getStatus());
        }
        String origin = request.getHeaderString("Origin");
        if (origin != null && originAllowed(origin, application.config())) {
            MultivaluedMap<String, Object> headers = response.getHeaders();
            headers.putSingle("Access-Control-Allow-Origin", origin);
            headers.add("Vary", "Origin");
            headers.putSingle("Access-Control-Expose-Headers", EXPOSED);
        }
    }

    /**
     * The outcome of the access check.
     *
     * @param client the client's name for the logs (a key's name, {@link #LOOPBACK_CLIENT}), or null when unknown
     * @param denial why the request is refused, or null when it may proceed
     */
    record Access(String client, String denial) {
        static Access denied(String denial) {
            return new Access(null, denial);
        }
    }

    /** The client name of requests served without keys (only loopback clients are, then). */
    static final String LOOPBACK_CLIENT = "loopback";

    /** Who a request without configured keys is: a loopback client, or refused. */
    private Access loopbackOnly() {
        String remote = servletRequest == null ? null : servletRequest.getRemoteAddr();
        if (isLoopbackAddress(remote)) {
            return new Access(LOOPBACK_CLIENT, null);
        }
        return Access.denied("No API key is configured on this server, so it answers only clients on 127.0.0.1; "
                + "configure api.keys in trit.rest to serve others");
    }

    /** Whose key this Authorization header carries, or why it is refused. */
    static Access bearer(String authorization, List<ApiKey> keys) {
        if (authorization == null || authorization.isBlank()) {
            return Access.denied("Missing API key: send it as 'Authorization: Bearer YOUR_KEY'");
        }
        String[] parts = authorization.trim().split("\\s+", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
            return Access.denied("The Authorization header must be 'Bearer YOUR_KEY'");
        }
        byte[] given = parts[1].trim().getBytes(StandardCharsets.UTF_8);
        String client = null;
        for (ApiKey key : keys) {
            // Constant time, and every key compared: how long the check takes tells nothing about a key.
            if (MessageDigest.isEqual(given, key.key().getBytes(StandardCharsets.UTF_8)) && client == null) {
                client = key.name();
            }
        }
        return client != null ? new Access(client, null) : Access.denied("Incorrect API key provided");
    }

    /**
     * The configured keys; a {@code .cfg} line {@code api.keys = alice:k1, k2} arrives as one
     * string, split here.
     */
    static List<ApiKey> keys(RestConfiguration config) {
        return ApiKey.parse(split(config.api_keys()));
    }

    static boolean originAllowed(String origin, RestConfiguration config) {
        List<String> allowed = split(config.cors_allowed_origins());
        return allowed.contains("*") || allowed.contains(origin);
    }

    static List<String> split(String[] values) {
        return values == null ? List.of() : Arrays.stream(values)
                .flatMap(v -> Arrays.stream(v.split(",")))
                .map(String::trim)
                .filter(v -> !v.isEmpty())
                .toList();
    }

    static boolean isLoopbackAddress(String address) {
        if (address == null || address.isBlank()) {
            return false;
        }
        try {
            // A literal address is parsed, never looked up.
            return InetAddress.ofLiteral(address).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
