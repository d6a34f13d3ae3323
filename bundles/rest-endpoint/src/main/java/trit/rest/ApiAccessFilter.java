package trit.rest;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

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

    private final RestApplication application;
    private final ApiMetrics metrics;

    @Context
    private HttpServletRequest servletRequest;

    @Activate
    public ApiAccessFilter(@Reference RestApplication application, @Reference ApiMetrics metrics) {
        this.application = application;
        this.metrics = metrics;
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
                    .header("Access-Control-Allow-Headers", ALLOWED_HEADERS)
                    .header("Access-Control-Max-Age", "600")
                    .build());
            return;
        }
        if (!request.getUriInfo().getPath().startsWith("v1/")) {
            return;
        }
        List<String> keys = keys(config);
        String denial = keys.isEmpty() ? loopbackOnly() : bearer(request.getHeaderString(HttpHeaders.AUTHORIZATION), keys);
        if (denial != null) {
            RequestLimitFilter.drain(request, application.maxRequestBytes());
            metrics.error("/" + request.getUriInfo().getPath(), "", 401, "invalid_api_key");
            request.abortWith(Response.fromResponse(ApiError.response(401, denial, null, "invalid_api_key"))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"trit\"").build());
        }
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        String origin = request.getHeaderString("Origin");
        if (origin != null && originAllowed(origin, application.config())) {
            MultivaluedMap<String, Object> headers = response.getHeaders();
            headers.putSingle("Access-Control-Allow-Origin", origin);
            headers.add("Vary", "Origin");
            headers.putSingle("Access-Control-Expose-Headers", EXPOSED);
        }
    }

    /** Why a request without configured keys is refused, or null when its client is on loopback. */
    private String loopbackOnly() {
        String remote = servletRequest == null ? null : servletRequest.getRemoteAddr();
        if (isLoopbackAddress(remote)) {
            return null;
        }
        return "No API key is configured on this server, so it answers only clients on 127.0.0.1; "
                + "configure api.keys in trit.rest to serve others";
    }

    /** Why this Authorization header is refused, or null when it carries one of the keys. */
    static String bearer(String authorization, List<String> keys) {
        if (authorization == null || authorization.isBlank()) {
            return "Missing API key: send it as 'Authorization: Bearer YOUR_KEY'";
        }
        String[] parts = authorization.trim().split("\\s+", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
            return "The Authorization header must be 'Bearer YOUR_KEY'";
        }
        byte[] given = parts[1].trim().getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (String key : keys) {
            // Constant time, and every key compared: how long the check takes tells nothing about a key.
            match |= MessageDigest.isEqual(given, key.getBytes(StandardCharsets.UTF_8));
        }
        return match ? null : "Incorrect API key provided";
    }

    /** The configured keys; a {@code .cfg} line {@code api.keys = a, b} arrives as one string, split here. */
    static List<String> keys(RestConfiguration config) {
        return split(config.api_keys());
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
