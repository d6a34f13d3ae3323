package trit.kimi;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs {@link ScriptedMoonshot} as a separate process (the test JVM's own {@code java} and class
 * path) and scripts it over loopback HTTP: the provider under test talks to a real server in
 * another process, exactly as it would to Moonshot.
 *
 * <p>As a JUnit extension ({@code @RegisterExtension static}): one process per test class,
 * stopped after it, with its script and records reset before each test.
 */
final class MoonshotProcess implements AutoCloseable, BeforeEachCallback, AfterAllCallback {

    static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final HttpClient control = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    MoonshotProcess() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ScriptedMoonshot.class.getName())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("PORT ")) {
                throw new IllegalStateException("the scripted server did not start: " + line);
            }
            port = Integer.parseInt(line.substring(5).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL the provider is configured with. */
    String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    int port() {
        return port;
    }

    /** Appends answers (JSON objects, see {@link ScriptedMoonshot}) for the next chat completions. */
    void script(String... steps) {
        post("/__script", "[" + String.join(",", steps) + "]");
    }

    void models(String... ids) {
        StringBuilder data = new StringBuilder();
        for (String id : ids) {
            data.append(data.isEmpty() ? "" : ",").append("{\"id\":\"").append(id).append("\",\"object\":\"model\",\"owned_by\":\"moonshot\"}");
        }
        post("/__models", "{\"object\":\"list\",\"data\":[" + data + "]}");
    }

    void reset() {
        post("/__reset", "{}");
    }

    /** Everything the server received since the last reset (control calls excluded), oldest first. */
    List<JsonNode> requests() {
        try {
            HttpResponse<String> response = control.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/__requests"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body()).valueStream().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The chat completion requests received so far. */
    List<JsonNode> completions() {
        return requests().stream().filter(r -> r.path("path").asText().endsWith("/chat/completions")).toList();
    }

    /** Waits until the received requests satisfy {@code condition}; returns them. */
    List<JsonNode> awaitRequests(Predicate<List<JsonNode>> condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<JsonNode> last = List.of();
        while (System.nanoTime() < deadline) {
            last = requests();
            if (condition.test(last)) {
                return last;
            }
            sleep(20);
        }
        fail("timed out waiting for " + what + "; the server saw " + last);
        return last;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void post(String path, String body) {
        try {
            HttpResponse<String> response = control.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("scripting failed: " + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        reset();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
