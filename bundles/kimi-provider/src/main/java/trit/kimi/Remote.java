package trit.kimi;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What every exchange with one remote shares: its settings, the HTTP client, the JSON mapper,
 * the redactor of its key and the watchdog that enforces timeouts.
 */
record Remote(KimiSettings settings, HttpClient client, ObjectMapper json, Redactor redactor,
              ScheduledExecutorService watchdog) {

    /** A request to {@code path} under the base URL, with the key (when there is one) as bearer token. */
    HttpRequest.Builder request(String path, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(settings.endpoint(path)).timeout(timeout)
                .header("User-Agent", "trit-kimi-provider");
        if (settings.hasApiKey()) {
            builder.header("Authorization", "Bearer " + settings.apiKey());
        }
        return builder;
    }

    /** The remote's name in messages: scheme, host, port and path of the base URL (it never holds a secret). */
    String endpointName() {
        URI base = settings.baseUrl();
        return base.getScheme() + "://" + base.getHost() + (base.getPort() < 0 ? "" : ":" + base.getPort())
                + (base.getRawPath() == null ? "" : base.getRawPath());
    }

    /** An exception as a short, key-free phrase. */
    String describe(Throwable error) {
        String message = error.getMessage();
        String text = message == null || message.isBlank() ? error.getClass().getSimpleName()
                : error.getClass().getSimpleName() + ": " + message;
        return redactor.redact(text);
    }
}
