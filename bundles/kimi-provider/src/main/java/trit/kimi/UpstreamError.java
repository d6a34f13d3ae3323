package trit.kimi;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import trit.api.provider.ProviderException;
import trit.api.provider.ProviderException.Kind;

/**
 * Turns an HTTP error answer of the remote into a typed {@link ProviderException} that carries
 * the remote's own message (redacted) and tells whether another attempt may succeed.
 */
final class UpstreamError {

    /** Longest remote message quoted in an error. */
    private static final int MAX_MESSAGE = 500;

    /** A remote error: its kind, whether to retry it here, and the client-safe exception. */
    record Classified(ProviderException exception, boolean retry, boolean healthFailure) {
    }

    private UpstreamError() {
    }

    /**
     * @param body       the error body (JSON in OpenAI's shape, or anything else)
     * @param retryAfter the wait the remote asked for, if any
     */
    static Classified classify(String provider, String endpoint, int status, String body, Optional<Duration> retryAfter,
                               Redactor redactor, ObjectMapper json) {
        Remote remote = Remote.parse(body, json, redactor);
        String described = remote.describe();
        String lower = (remote.type + " " + remote.code + " " + remote.message).toLowerCase(Locale.ROOT);
        boolean quota = lower.contains("quota") || lower.contains("balance") || lower.contains("billing")
                || lower.contains("suspended") || lower.contains("insufficient_funds");
        Kind kind;
        boolean retry = false;
        boolean health = false;
        if (status == 400 || status == 413 || status == 422) {
            if (lower.contains("token limit") || lower.contains("context length") || lower.contains("context_length")
                    || lower.contains("maximum context")) {
                kind = Kind.CONTEXT_LENGTH_EXCEEDED;
            } else if (mentionsMissingModel(lower)) {
                kind = Kind.MODEL_NOT_FOUND;
            } else {
                kind = Kind.INVALID_REQUEST;
            }
        } else if (status == 401) {
            kind = Kind.AUTHENTICATION;
            health = true;
        } else if (status == 402 || (status == 403 || status == 429) && quota) {
            kind = Kind.QUOTA_EXHAUSTED;
        } else if (status == 403) {
            kind = mentionsMissingModel(lower) ? Kind.MODEL_NOT_FOUND : Kind.PERMISSION_DENIED;
        } else if (status == 404) {
            kind = Kind.MODEL_NOT_FOUND;
        } else if (status == 408) {
            kind = Kind.TIMEOUT;
            retry = true;
            health = true;
        } else if (status == 429) {
            kind = Kind.RATE_LIMITED;
            retry = true;
        } else if (status >= 500) {
            kind = Kind.UPSTREAM_ERROR;
            retry = true;
            health = true;
        } else {
            kind = Kind.UPSTREAM_ERROR;
            health = true;
        }
        String message = endpoint + " answered HTTP " + status + (described.isEmpty() ? "" : ": " + described);
        return new Classified(new ProviderException(kind, provider, message, retryAfter.orElse(null), null), retry, health);
    }

    static boolean mentionsMissingModel(String lowerCaseText) {
        return lowerCaseText.contains("model") && (lowerCaseText.contains("not found") || lowerCaseText.contains("not_found")
                || lowerCaseText.contains("does not exist") || lowerCaseText.contains("not exist"));
    }

    /** The remote's error fields; {@code message} is the body's text when it is not OpenAI-shaped JSON. */
    private record Remote(String type, String code, String message) {

        static Remote parse(String body, ObjectMapper json, Redactor redactor) {
            String text = body == null ? "" : body.strip();
            try {
                JsonNode root = json.readTree(text);
                JsonNode error = root != null && root.path("error").isObject() ? root.path("error") : root;
                if (error != null && error.isObject() && (error.has("message") || error.has("type"))) {
                    return new Remote(redactor.redact(error.path("type").asText("")),
                            redactor.redact(error.path("code").asText("")),
                            shorten(redactor.redact(error.path("message").asText(""))));
                }
            } catch (Exception e) {
                // not JSON: quote the text itself
            }
            return new Remote("", "", shorten(redactor.redact(text)));
        }

        String describe() {
            String kind = type.isEmpty() ? code : type;
            return message.isEmpty() ? kind : kind.isEmpty() ? message : message + " (" + kind + ")";
        }

        private static String shorten(String s) {
            String oneLine = s.replaceAll("\\s+", " ");
            return oneLine.length() <= MAX_MESSAGE ? oneLine : oneLine.substring(0, MAX_MESSAGE) + "...";
        }
    }
}
