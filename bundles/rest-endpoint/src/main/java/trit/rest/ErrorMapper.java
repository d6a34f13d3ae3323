package trit.rest;

import java.util.Locale;
import java.util.stream.Collectors;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Turns every exception that reaches Jakarta REST (unknown path, wrong method, bad JSON, a bug)
 * into an OpenAI-style JSON error with the right status. Registered for every application, so a
 * path outside the API's base path answers in JSON too.
 */
// Prototype: each application gets its own instance, so the @Context proxies below belong to the
// application whose request is being answered (one shared instance fails with "Not inside a request scope").
@Component(service = ExceptionMapper.class, scope = ServiceScope.PROTOTYPE)
@JakartarsExtension
@JakartarsName("trit.errors")
@JakartarsApplicationSelect(RestApplication.ALL_APPLICATIONS)
public class ErrorMapper implements ExceptionMapper<Throwable> {

    /** The code of a body that is not JSON. */
    static final String INVALID_JSON = "invalid_json";

    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

    @Context
    private UriInfo uriInfo;

    @Context
    private Request request;

    @Override
    public Response toResponse(Throwable failure) {
        if (failure instanceof WebApplicationException wae) {
            return fromWebApplicationException(wae);
        }
        if (failure instanceof JsonProcessingException json) {
            return ApiError.response(400, "The request body is not valid JSON: " + json.getOriginalMessage(),
                    null, INVALID_JSON);
        }
        LOG.error("Unexpected failure serving {} {}", method(), path(), failure);
        return ApiError.response(500, "Internal server error; the server log has the details.", null, "internal_error");
    }

    private Response fromWebApplicationException(WebApplicationException wae) {
        Response original = wae.getResponse();
        int status = original.getStatus();
        if (original.hasEntity() && original.getEntity() instanceof ApiError) {
            return original;
        }
        Response error = switch (status) {
            case 404 -> ApiError.response(404, "Unknown path: " + method() + " " + path(), null, "not_found");
            case 405 -> ApiError.response(405, "Method " + method() + " is not allowed on " + path()
                    + allowed(original), null, "method_not_allowed");
            case 406 -> ApiError.response(406, "This endpoint answers only application/json", null, "not_acceptable");
            case 413 -> ApiError.response(413, "The request body is too large", null, "request_too_large");
            case 415 -> ApiError.response(415, "Send the request body as application/json", null,
                    "unsupported_media_type");
            default -> ApiError.response(status, status >= 500 ? "Internal server error"
                    : messageOr(wae, original.getStatusInfo().getReasonPhrase()), null,
                    original.getStatusInfo().getReasonPhrase().toLowerCase(Locale.ROOT).replace(' ', '_'));
        };
        if (status >= 500) {
            LOG.error("Failure serving {} {}", method(), path(), wae);
        }
        // Keep protocol headers the client relies on (Allow on 405, Retry-After on 429/503).
        Response.ResponseBuilder builder = Response.fromResponse(error);
        for (String header : new String[] {HttpHeaders.ALLOW, HttpHeaders.RETRY_AFTER, ApiException.SHOULD_RETRY}) {
            Object value = original.getHeaders().getFirst(header);
            if (value != null) {
                builder.header(header, value);
            }
        }
        return builder.build();
    }

    private static String allowed(Response original) {
        if (original.getAllowedMethods().isEmpty()) {
            return "";
        }
        return "; allowed: " + original.getAllowedMethods().stream().sorted().collect(Collectors.joining(", "));
    }

    private static String messageOr(WebApplicationException wae, String fallback) {
        String message = wae.getMessage();
        // Jersey's default messages read "HTTP 400 Bad Request": the status line again, so say less.
        return message == null || message.startsWith("HTTP ") ? fallback : message;
    }

    private String method() {
        return request == null ? "?" : request.getMethod();
    }

    private String path() {
        return uriInfo == null ? "?" : uriInfo.getRequestUri().getRawPath();
    }
}
