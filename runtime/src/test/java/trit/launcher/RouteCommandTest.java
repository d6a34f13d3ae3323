package trit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import trit.launcher.Main.LaunchException;
import trit.launcher.Main.UsageException;

/** {@code trit route} against a real HTTP server on loopback that answers like {@code POST /v1/route}. */
class RouteCommandTest {

    private HttpServer server;
    private final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String answer = """
            {"model":"kimi-k2","provider":"kimi","policy":"complexity","reason":"long prompt",\
            "scores":{"complexity":0.75},"fallbacks":["bitnet"]}""";

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/route", exchange -> {
            bodies.add(new ObjectMapper().readTree(exchange.getRequestBody()));
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private String run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, new RouteCommand(RouteCommand.Options.parse(args, env), new PrintStream(out, true,
                StandardCharsets.UTF_8)).run());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsTheDecisionForAPrivatePrompt() {
        String printed = run(Map.of(), "--text", "Summarize my notes", "--private", "--url", url() + "/");
        assertEquals("""
                model      kimi-k2
                provider   kimi
                policy     complexity
                reason     long prompt
                scores     complexity=0.75
                fallbacks  bitnet
                """, printed);
        JsonNode sent = bodies.get(0);
        assertEquals("auto", sent.path("model").asText());
        assertEquals("Summarize my notes", sent.path("messages").get(0).path("content").asText());
        assertEquals("user", sent.path("messages").get(0).path("role").asText());
        assertEquals("local_only", sent.path("privacy").asText());
        assertEquals("null", authorizations.get(0), "no key, no header");
        assertTrue(sent.path("max_tokens").isMissingNode(), "the router's default room for the answer");

        run(Map.of(), "--text", "Summarize my notes", "--max-tokens", "3000", "--url", url());
        assertEquals(3000, bodies.get(1).path("max_tokens").asInt(), "counted in the context as a real request's");
    }

    @Test
    void jsonOutputAndTheKeyFromTheEnvironment() throws IOException {
        // The base URL an OpenAI client is given (…/v1) works as well as the server's own.
        String printed = run(Map.of("TRIT_API_KEY", "secret", "TRIT_URL", url() + "/v1/"), "--text", "hi", "--json");
        assertEquals("kimi", new ObjectMapper().readTree(printed).path("provider").asText());
        assertEquals("Bearer secret", authorizations.get(0));
        assertTrue(bodies.get(0).path("privacy").isMissingNode());
    }

    @Test
    void serverErrorsAndAbsentServersAreOneClearLine() throws IOException {
        status = 503;
        answer = "{\"error\":{\"message\":\"No router is running\",\"type\":\"server_error\",\"param\":null,\"code\":\"no_router\"}}";
        LaunchException refused = assertThrows(LaunchException.class, () -> run(Map.of(), "--text", "hi", "--url", url()));
        assertEquals("route: " + url() + "/v1/route answered 503: No router is running", refused.getMessage());

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        LaunchException absent = assertThrows(LaunchException.class,
                () -> run(Map.of(), "--text", "hi", "--url", "http://127.0.0.1:" + closedPort));
        assertEquals("route: no Trit server answers at http://127.0.0.1:" + closedPort
                + " (start one with runtime/trit, or give --url)", absent.getMessage());
    }

    @Test
    void badArgumentsSayWhich() {
        assertEquals("route: --text TEXT is required",
                assertThrows(UsageException.class, () -> RouteCommand.Options.parse(new String[] {"--private"}, Map.of()))
                        .getMessage());
        assertEquals("route: --url must be an http(s) URL such as http://127.0.0.1:8080, was 'ftp://x'",
                assertThrows(UsageException.class, () -> RouteCommand.Options.parse(
                        new String[] {"--text", "a", "--url", "ftp://x"}, Map.of())).getMessage());
        assertEquals("route: unknown option '--fast'",
                assertThrows(UsageException.class, () -> RouteCommand.Options.parse(
                        new String[] {"--text", "a", "--fast"}, Map.of())).getMessage());
        assertEquals("route: --text needs a value",
                assertThrows(UsageException.class, () -> RouteCommand.Options.parse(new String[] {"--text"}, Map.of()))
                        .getMessage());
    }
}
