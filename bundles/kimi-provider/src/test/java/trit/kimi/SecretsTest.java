package trit.kimi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static trit.kimi.Fixtures.KEY;
import static trit.kimi.Fixtures.answer;
import static trit.kimi.Fixtures.content;
import static trit.kimi.Fixtures.error;
import static trit.kimi.Fixtures.hello;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import trit.api.provider.ProviderException;

/**
 * The API key never appears in a log line (at any level, with stack traces) nor in an error,
 * even when the remote echoes it back; it does reach the remote, which is the point of it.
 */
class SecretsTest {

    @RegisterExtension
    static final MoonshotProcess server = new MoonshotProcess();

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final List<String> errors = new ArrayList<>();
    private Logger root;

    @BeforeEach
    void captureLogs() {
        root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.TRACE);
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void stopCapturing() {
        root.detachAppender(logs);
        root.setLevel(Level.WARN);
    }

    @Test
    void theKeyAppearsInNoLogLineAndNoErrorWhateverHappens() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        server.models("kimi-k2.6");
        server.script(
                error(401, "invalid_authentication_error", "Incorrect API key provided: " + KEY, null),
                error(500, "server_error", "upstream failed for Bearer " + KEY, null), answer("ok"),
                "{\"status\":200,\"body\":\"not json " + KEY + "\"}",
                error(404, "resource_not_found_error", "Not found the model x for key " + KEY, null),
                "{\"status\":200,\"events\":[" + content("a") + ",\"{bad " + KEY + "\"]}",
                error(429, "exceeded_current_quota_error", "quota of " + KEY + " exhausted", null));
        try (KimiProvider provider = Fixtures.provider(server, "circuit.failure.threshold", 100)) {
            collect(() -> provider.complete(hello()));
            assertEquals("ok", provider.complete(hello()).choice().message().content(), "500, logged retry, then ok");
            collect(() -> provider.complete(hello()));
            collect(() -> provider.complete(hello()));
            Fixtures.Recorder recorder = new Fixtures.Recorder();
            provider.stream(hello(), recorder);
            errors.add(recorder.error().getMessage());
            collect(() -> provider.complete(hello()));
            assertFalse(provider.toString().contains(KEY));
        }
        KimiSettings unreachable = KimiSettings.from(Configs.kimi("base.url", "http://127.0.0.1:" + closedPort + "/v1",
                "max.retries", 1, "retry.initial.backoff.ms", 5L), Map.of("MOONSHOT_API_KEY", KEY));
        assertFalse(unreachable.toString().contains(KEY), unreachable.toString());
        try (KimiProvider provider = new KimiProvider(unreachable)) {
            collect(() -> provider.complete(hello()));
        }

        assertEquals(6, errors.size(), "every scripted failure produced an error: " + errors);
        assertTrue(errors.get(0).contains("Incorrect API key provided: ***"), errors.get(0));
        for (String message : errors) {
            assertFalse(message.contains(KEY), "an error shows the key: " + message);
            assertFalse(message.contains(KEY.substring(KEY.length() - 12)), "an error shows part of the key: " + message);
        }
        assertTrue(logs.list.size() >= 10, "the provider logged at every level: " + logs.list.size() + " lines");
        for (ILoggingEvent event : logs.list) {
            String line = event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                    : event.getThrowableProxy().getMessage());
            assertFalse(line.contains(KEY) || line.contains(KEY.substring(KEY.length() - 12)), "a log line shows the key: " + line);
        }
        String authorization = server.completions().get(0).path("headers").path("authorization").asText();
        assertEquals("Bearer " + KEY, authorization, "the key does reach the remote");
    }

    @Test
    void keyLikeTextIsMaskedWhereverItComesFrom() {
        Redactor redactor = new Redactor(KEY);
        assertEquals("key *** refused", redactor.redact("key " + KEY + " refused"));
        assertEquals("Authorization: Bearer ***", redactor.redact("Authorization: Bearer abc.def"));
        String otherKey = "sk-" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        assertEquals("other key sk-*** refused", redactor.redact("other key " + otherKey + " refused"));
        assertEquals("", redactor.redact(null));
    }

    private void collect(Runnable call) {
        errors.add(assertThrows(ProviderException.class, call::run).getMessage());
    }
}
