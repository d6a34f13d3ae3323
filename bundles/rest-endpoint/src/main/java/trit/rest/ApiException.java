package trit.rest;

import java.time.Duration;
import java.util.Locale;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import trit.api.provider.ProviderException;

/** A request this API refuses, carrying its OpenAI-style answer ({@link ErrorMapper} passes it through). */
public final class ApiException extends WebApplicationException {

    private static final long serialVersionUID = 1L;

    public ApiException(int status, String message, String param, String code) {
        super(message, ApiError.response(status, message, param, code));
    }

    private ApiException(String message, Response response) {
        super(message, response);
    }

    /** 400 for a request field at fault: the message names it. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, message, param, "invalid_value");
    }

    /** With a Retry-After header (429 and 503). */
    public static ApiException retryLater(int status, String message, String code, Duration retryAfter) {
        Response error = ApiError.response(status, message, null, code);
        return new ApiException(message, Response.fromResponse(error)
                .header(HttpHeaders.RETRY_AFTER, Math.max(1, (retryAfter.toMillis() + 999) / 1000)).build());
    }

    /** A provider's failure, with the status its kind names and its client-safe message. */
    public static ApiException from(ProviderException e) {
        int status = e.kind().httpStatus();
        String code = e.kind().name().toLowerCase(Locale.ROOT);
        String message = e.getMessage() == null ? e.kind().name() : e.getMessage();
        if (e.retryAfter().isPresent()) {
            return retryLater(status, message, code, e.retryAfter().get());
        }
        if (status >= 500 && !e.kind().isRetryable()) {
            // OpenAI's SDKs retry every 5xx twice unless told not to: a refused cloud key stays refused.
            Response error = ApiError.response(status, message, null, code);
            return new ApiException(message, Response.fromResponse(error).header(SHOULD_RETRY, "false").build());
        }
        return new ApiException(status, message, null, code);
    }

    /** The header OpenAI's SDKs read to decide whether to retry an error response. */
    static final String SHOULD_RETRY = "x-should-retry";

    /** The OpenAI error body of this exception. */
    public ApiError error() {
        return (ApiError) getResponse().getEntity();
    }
}
