package trit.kimi;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link KimiConfiguration} checked and resolved: the API key taken from the environment when
 * the configuration has none. Every bad value fails here with a message naming its property.
 *
 * <p>{@link #toString()} never shows the key.
 */
record KimiSettings(String name, URI baseUrl, String model, String apiKey, String apiKeySource, int contextLength,
                    Duration connectTimeout, Duration firstByteTimeout, Duration requestTimeout,
                    int maxRetries, Duration initialBackoff, Duration maxBackoff,
                    int maxConcurrentRequests, int requestsPerMinute,
                    int circuitFailureThreshold, Duration circuitOpenDuration,
                    ModelConstraints constraints, boolean adaptToConstraints, boolean streamIncludeUsage) {

    /** Environment variables holding the API key, in the order they are consulted. */
    static final String[] KEY_VARIABLES = {"MOONSHOT_API_KEY", "KIMI_API_KEY"};

    static KimiSettings from(KimiConfiguration config, Map<String, String> environment) {
        String name = required("name", config.name());
        URI baseUrl = baseUrl(config.base_url());
        String model = required("model", config.model());
        String key = config.api_key() == null ? "" : config.api_key().strip();
        String source = "api.key";
        if (key.isEmpty()) {
            source = "none";
            for (String variable : KEY_VARIABLES) {
                String value = environment.get(variable);
                if (value != null && !value.isBlank()) {
                    key = value.strip();
                    source = variable;
                    break;
                }
            }
        }
        String policy = config.model_constraints_policy() == null ? "" : config.model_constraints_policy().strip().toLowerCase(Locale.ROOT);
        if (!policy.equals("adapt") && !policy.equals("reject")) {
            throw new IllegalArgumentException("model.constraints.policy must be 'adapt' or 'reject', was '"
                    + config.model_constraints_policy() + "'");
        }
        return new KimiSettings(name, baseUrl, model, key, source, atLeast("context.length", config.context_length(), 0),
                millis("connect.timeout.ms", config.connect_timeout_ms()),
                millis("first.byte.timeout.ms", config.first_byte_timeout_ms()),
                millis("request.timeout.ms", config.request_timeout_ms()),
                atLeast("max.retries", config.max_retries(), 0),
                millis("retry.initial.backoff.ms", config.retry_initial_backoff_ms()),
                millis("retry.max.backoff.ms", config.retry_max_backoff_ms()),
                atLeast("max.concurrent.requests", config.max_concurrent_requests(), 1),
                atLeast("requests.per.minute", config.requests_per_minute(), 0),
                atLeast("circuit.failure.threshold", config.circuit_failure_threshold(), 1),
                millis("circuit.open.ms", config.circuit_open_ms()),
                ModelConstraints.parse(config.model_constraints()), policy.equals("adapt"),
                config.stream_include_usage());
    }

    boolean hasApiKey() {
        return !apiKey.isEmpty();
    }

    /** The endpoint {@code path} under the base URL, e.g. {@code chat/completions}. */
    URI endpoint(String path) {
        String base = baseUrl.toString();
        return URI.create(base.endsWith("/") ? base + path : base + "/" + path);
    }

    @Override
    public String toString() {
        return "KimiSettings[name=" + name + ", baseUrl=" + baseUrl + ", model=" + model
                + ", apiKey=" + (hasApiKey() ? "<from " + apiKeySource + ">" : "<none>")
                + ", maxConcurrentRequests=" + maxConcurrentRequests + ", requestsPerMinute=" + requestsPerMinute + "]";
    }

    private static String required(String property, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(property + " must not be empty");
        }
        return value.strip();
    }

    private static URI baseUrl(String value) {
        String text = required("base.url", value);
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("base.url is not a URL: '" + text + "' (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("base.url must be an absolute http or https URL such as "
                    + "https://api.moonshot.ai/v1, was '" + text + "'");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("base.url must not carry a query, fragment or user info, was '"
                    + uri.getScheme() + "://" + uri.getHost() + "...'");
        }
        return uri;
    }

    private static Duration millis(String property, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(property + " must be >= 1, was " + value);
        }
        return Duration.ofMillis(value);
    }

    private static int atLeast(String property, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(property + " must be >= " + min + ", was " + value);
        }
        return value;
    }
}
