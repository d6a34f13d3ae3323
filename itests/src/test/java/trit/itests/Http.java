package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Real HTTP over loopback to the framework's server, and JSON parsing of the answers. */
final class Http {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String base;

    Http(int port) {
        this("127.0.0.1", port);
    }

    Http(String host, int port) {
        this.base = "http://" + host + ":" + port;
    }

    /** Parses one JSON document (e.g. a streamed chunk). */
    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /** A client of the framework's server, once the REST API answers. */
    static Http whenStarted(BundleContext context) {
        Http http = new Http(Integer.parseInt(context.getProperty(TritFramework.HTTP_PORT)));
        http.await("/health", Http::healthAnswers, "the REST API to start");
        return http;
    }

    /** Whether /health is the API's own answer: 200, or 503 while nothing can answer (no provider yet, say). */
    static boolean healthAnswers(Reply r) {
        return (r.status() == 200 || r.status() == 503) && r.raw().body().contains("\"status\"");
    }

    record Reply(int status, String contentType, HttpResponse<String> raw) {
        JsonNode json() {
            assertTrue("expected a JSON body, got Content-Type " + contentType + ": " + raw.body(),
                    contentType != null && contentType.startsWith("application/json"));
            try {
                return JSON.readTree(raw.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + raw.body(), e);
            }
        }

        /** Asserts an OpenAI-style error body with this status and code, and returns its message. */
        String assertError(int expectedStatus, String expectedCode) {
            assertEquals(raw.body(), expectedStatus, status);
            JsonNode error = json().path("error");
            assertTrue("no error object: " + raw.body(), error.isObject());
            assertEquals(expectedCode, error.path("code").asText());
            assertEquals(expectedStatus >= 500 ? "server_error" : "invalid_request_error", error.path("type").asText());
            assertTrue("param is present (null when no field is at fault)", error.has("param"));
            return error.path("message").asText();
        }
    }

    Reply get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Reply send(String method, String path, byte[] body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** POSTs a JSON body with extra headers (name, value, name, value ...). */
    Reply post(String path, String json, String... headers) {
        return send(postRequest(path, json, headers));
    }

    /** POSTs without waiting for the answer. */
    CompletableFuture<HttpResponse<String>> postAsync(String path, String json) {
        return client.sendAsync(postRequest(path, json).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** One line of a streamed answer and when it arrived, in milliseconds after the request was sent. */
    record TimedLine(long millis, String line) {
    }

    record Streamed(int status, HttpHeaders headers, List<TimedLine> lines) {
        /** The {@code data:} payloads, in order. */
        List<String> data() {
            return lines.stream().map(TimedLine::line).filter(l -> l.startsWith("data: "))
                    .map(l -> l.substring("data: ".length())).toList();
        }
    }

    /** POSTs and reads the answer line by line as it arrives, noting when each line came. */
    Streamed stream(String path, String json, String... headers) {
        try {
            long start = System.nanoTime();
            HttpResponse<Stream<String>> response = client.send(
                    postRequest(path, json, headers).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofLines());
            List<TimedLine> lines = new ArrayList<>();
            response.body().forEach(line -> lines.add(new TimedLine((System.nanoTime() - start) / 1_000_000, line)));
            return new Streamed(response.statusCode(), response.headers(), lines);
        } catch (IOException e) {
            throw new IllegalStateException("HTTP request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpRequest.Builder postRequest(String path, String json, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request;
    }

    /** A request with any method and headers, no body. */
    Reply request(String method, String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    /** A body of unknown length: sent chunked, without Content-Length. */
    Reply sendChunked(String method, String path, byte[] body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
    }

    /** Polls GET {@code path} until {@code condition} holds (config and services apply asynchronously). */
    Reply await(String path, Predicate<Reply> condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Reply last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = get(path);
                if (condition.test(last)) {
                    return last;
                }
            } catch (AssertionError | RuntimeException e) {
                // not there yet
            }
            sleep(50);
        }
        fail("timed out waiting for " + what + "; last answer to GET " + path + ": "
                + (last == null ? "none" : last.status() + " " + last.raw().body()));
        return null;
    }

    private Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null), response);
        } catch (IOException e) {
            throw new IllegalStateException("HTTP request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
