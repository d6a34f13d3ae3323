package trit.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.launcher.Main.LaunchException;

/**
 * {@code trit route}: asks a running server where the router would send a prompt ({@code POST
 * /v1/route}, a dry run: nothing is generated) and prints the decision.
 */
final class RouteCommand {

    static final String DEFAULT_URL = "http://127.0.0.1:8080";

    /** @param maxTokens the answer's room the router counts in the context, or {@code null} for its default */
    record Options(String text, boolean privateOnly, String url, String model, Integer maxTokens, String apiKey, boolean json) {

        static Options parse(String[] args, Map<String, String> env) {
            ToolArgs tool = new ToolArgs("route", args);
            String text = null;
            boolean privateOnly = false;
            String url = env.getOrDefault("TRIT_URL", DEFAULT_URL);
            String model = "auto";
            Integer maxTokens = null;
            boolean json = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--text" -> text = tool.value(++i);
                    case "--private" -> privateOnly = true;
                    case "--url" -> url = tool.value(++i);
                    case "--model" -> model = tool.value(++i);
                    case "--max-tokens" -> maxTokens = tool.number(++i, 1, Integer.MAX_VALUE);
                    case "--json" -> json = true;
                    default -> throw tool.usage("unknown option '" + a + "'");
                }
            }
            if (text == null) {
                throw tool.usage("--text TEXT is required");
            }
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw tool.usage("--url must be a URL such as " + DEFAULT_URL + ", was '" + url + "'");
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw tool.usage("--url must be an http(s) URL such as " + DEFAULT_URL + ", was '" + url + "'");
            }
            // The key comes from the environment only: a command line is visible to every local user.
            // The base URL OpenAI clients are given ends in /v1; the server's own ends before it.
            String base = url.replaceAll("/+$", "").replaceAll("/v1$", "");
            return new Options(text, privateOnly, base, model, maxTokens, env.get("TRIT_API_KEY"), json);
        }
    }

    private final Options options;
    private final PrintStream out;

    RouteCommand(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    int run() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode body = json.createObjectNode();
        body.put("model", options.model());
        body.putArray("messages").addObject().put("role", "user").put("content", options.text());
        if (options.privateOnly()) {
            body.put("privacy", "local_only");
        }
        if (options.maxTokens() != null) {
            body.put("max_tokens", options.maxTokens());
        }
        String endpoint = options.url() + "/v1/route";
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (options.apiKey() != null && !options.apiKey().isBlank()) {
            request.header("Authorization", "Bearer " + options.apiKey());
        }
        HttpResponse<String> response;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new LaunchException("route: no Trit server answers at " + options.url()
                    + " (start one with runtime/trit, or give --url)", e);
        } catch (IOException e) {
            throw new LaunchException("route: " + endpoint + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LaunchException("route: interrupted", e);
        }
        JsonNode answer;
        try {
            answer = json.readTree(response.body());
        } catch (IOException e) {
            throw new LaunchException("route: " + endpoint + " answered " + response.statusCode()
                    + " with a body that is not JSON", e);
        }
        if (response.statusCode() != 200) {
            throw new LaunchException("route: " + endpoint + " answered " + response.statusCode() + ": "
                    + answer.path("error").path("message").asText(response.body()), null);
        }
        if (options.json()) {
            out.println(answer);
        } else {
            print(answer);
        }
        return 0;
    }

    private void print(JsonNode decision) {
        out.println("model      " + decision.path("model").asText());
        out.println("provider   " + decision.path("provider").asText());
        out.println("policy     " + decision.path("policy").asText());
        out.println("reason     " + decision.path("reason").asText());
        StringBuilder scores = new StringBuilder();
        decision.path("scores").properties().forEach(e -> scores.append(scores.isEmpty() ? "" : ", ")
                .append(e.getKey()).append('=').append(e.getValue().asText()));
        out.println("scores     " + (scores.isEmpty() ? "-" : scores));
        StringBuilder fallbacks = new StringBuilder();
        decision.path("fallbacks").forEach(f -> fallbacks.append(fallbacks.isEmpty() ? "" : ", ").append(f.asText()));
        out.println("fallbacks  " + (fallbacks.isEmpty() ? "-" : fallbacks));
    }
}
