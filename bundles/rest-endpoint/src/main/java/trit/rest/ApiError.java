package trit.rest;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * An error in OpenAI's shape: {@code {"error":{"message","type","param","code"}}}. Clients of the
 * OpenAI API read {@code error.message} and switch on {@code error.code}, so every failure of
 * this API, whatever raised it, leaves as one of these and never as HTML or a stack trace.
 */
public record ApiError(Body error) {

    /**
     * @param message what went wrong, for a human
     * @param type    OpenAI's error class: {@code invalid_request_error} for 4xx, {@code server_error} for 5xx
     * @param param   the request field at fault, or {@code null}
     * @param code    a stable machine-readable code, e.g. {@code not_found}, or {@code null}
     */
    public record Body(String message, String type, String param, String code) {
    }

    public static ApiError of(int status, String message, String param, String code) {
        return new ApiError(new Body(message, status >= 500 ? "server_error" : "invalid_request_error", param, code));
    }

    /** A JSON response with this status and an error body. */
    public static Response response(int status, String message, String param, String code) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(of(status, message, param, code)).build();
    }
}
