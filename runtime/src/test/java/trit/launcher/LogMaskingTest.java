package trit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped logback configurations mask secrets in every message, whoever logs it: Felix
 * ConfigAdmin at DEBUG prints whole configurations, a cloud provider's api.key included. Each
 * configuration is loaded in a JVM of its own (logback reads it once), which logs through SLF4J.
 */
class LogMaskingTest {

    private static final String KEY = "sk-LOGMASK9f8e7d6c5b4a3210";

    @Test
    void theServersLogMasksKeysAndBearerTokens(@TempDir Path data) throws Exception {
        String console = log(Path.of("conf/logback.xml"), data);
        List<String> file = Files.readAllLines(data.resolve("logs/trit.log"));
        for (String out : List.of(console, String.join("\n", file))) {
            for (String secret : List.of(KEY, "tok-777", "tok-888", "sk-alice", "sk-bob", "sk-json", "sk-camel", "sk-trace")) {
                assertTrue(!out.contains(secret), secret + " leaked: " + out);
            }
            assertTrue(out.contains("Updating config trit.provider.kimi~x with {api.key=***"), out);
            assertTrue(out.contains("Updating config trit.rest with {api.keys=***"), out);
            assertTrue(out.contains("Authorization: Bearer ***, then"), out);
            assertTrue(out.contains("authorization: bearer\t***"), out);
            assertTrue(out.contains("api_key:***"), out);
            assertTrue(out.contains("an ordinary message"), out);
            assertTrue(out.contains("java.lang.IllegalStateException: refused {\"apiKey\":***"), "the stack trace is there: " + out);
            assertTrue(out.contains("\tat "), "with its frames: " + out);
        }
    }

    @Test
    void theToolsLogMasksThemToo(@TempDir Path data) throws Exception {
        String console = log(Path.of("conf/logback-tools.xml"), data);
        assertTrue(!console.contains(KEY) && console.contains("{api.key=***") && !console.contains("sk-alice"), console);
    }

    private static String log(Path configuration, Path data) throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dtrit.data.dir=" + data,
                "-Dlogback.configurationFile=" + configuration.toAbsolutePath(), Logs.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes());
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), out);
        assertTrue(!out.contains("ERROR in ch.qos.logback"), "logback accepts the configuration: " + out);
        return out;
    }

    /** The child: logs a few messages at WARN through SLF4J (on the runtime's class path, not the tests' compile path). */
    public static final class Logs {
        public static void main(String[] args) throws Exception {
            Object logger = Class.forName("org.slf4j.LoggerFactory").getMethod("getLogger", String.class)
                    .invoke(null, "org.apache.felix.configadmin");
            var warn = logger.getClass().getMethod("warn", String.class);
            warn.invoke(logger, "Updating config trit.provider.kimi~x with {api.key=" + KEY + ", base.url=http://h/v1}");
            warn.invoke(logger, "Authorization: Bearer tok-777, then");
            warn.invoke(logger, "api_key: " + KEY);
            warn.invoke(logger, "an ordinary message");
            warn.invoke(logger, "Updating config trit.rest with {api.keys=alice:sk-alice, bob:sk-bob, base.path=/}");
            warn.invoke(logger, "authorization: bearer\ttok-888");
            warn.invoke(logger, "{\"api_key\":\"sk-json\"}");
            logger.getClass().getMethod("warn", String.class, Throwable.class).invoke(logger, "failed",
                    new IllegalStateException("refused {\"apiKey\": \"sk-trace\"}"));
            warn.invoke(logger, "apiKey=sk-camel");
        }
    }
}
