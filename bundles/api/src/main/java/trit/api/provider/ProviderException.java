package trit.api.provider;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A request a provider could not answer, typed so that callers can react without parsing
 * messages: the router falls back on {@link Kind#isRetryable() retryable} kinds, the REST layer
 * maps {@link Kind#httpStatus()} to the response status.
 *
 * <p>The message is safe to show to a client: it never contains a secret such as an API key,
 * and never the content of the request.
 */
public class ProviderException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** The request is invalid for this provider (bad field, unsupported parameter). */
        INVALID_REQUEST(400, false),
        /** Prompt plus {@code max_tokens} do not fit the model's context. */
        CONTEXT_LENGTH_EXCEEDED(400, false),
        /**
         * The provider's own credentials (a cloud API key) were refused. 502, not 401: the API's
         * caller authenticated fine, and a 401 makes OpenAI's SDKs blame the caller's key.
         */
        AUTHENTICATION(502, false),
        /** The provider's credentials are valid but not allowed this model or operation; 502 as above. */
        PERMISSION_DENIED(502, false),
        /** No such model at this provider. */
        MODEL_NOT_FOUND(404, false),
        /** Local capacity is exhausted: all slots busy and the queue full. */
        OVERLOADED(429, true),
        /** A rate limit (remote, or local admission control) refused the request. */
        RATE_LIMITED(429, true),
        /** The account's quota or balance is exhausted; retrying does not help. */
        QUOTA_EXHAUSTED(429, false),
        /** The provider cannot be used now: unreachable, circuit open, model loading. */
        UNAVAILABLE(503, true),
        /** No answer in time. */
        TIMEOUT(504, true),
        /** The remote service failed (5xx, malformed answer, stream cut). */
        UPSTREAM_ERROR(502, true),
        /** The caller cancelled. */
        CANCELLED(499, false),
        /** A fault inside the provider. */
        INTERNAL(500, false);

        private final int httpStatus;
        private final boolean retryable;

        Kind(int httpStatus, boolean retryable) {
            this.httpStatus = httpStatus;
            this.retryable = retryable;
        }

        /** The HTTP status the REST layer answers with. */
        public int httpStatus() {
            return httpStatus;
        }

        /** Whether another attempt, here later or at another provider, may succeed. */
        public boolean isRetryable() {
            return retryable;
        }
    }

    private final Kind kind;
    private final String provider;
    private final Duration retryAfter;

    public ProviderException(Kind kind, String provider, String message) {
        this(kind, provider, message, null, null);
    }

    /**
     * @param kind       what went wrong
     * @param provider   the name of the provider that failed
     * @param message    a client-safe description
     * @param retryAfter how long to wait before trying this provider again, or {@code null}
     * @param cause      the underlying fault, or {@code null}
     */
    public ProviderException(Kind kind, String provider, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    public String provider() {
        return provider;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
