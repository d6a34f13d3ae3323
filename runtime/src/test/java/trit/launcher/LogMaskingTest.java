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

    /** Stand-ins for secrets, made per run (no key-like text is committed): a key, a list's two, a token each. */
    private static final List<String> SECRETS = java.util.stream.IntStream.range(0, 8)
            .mapToObj(i -> "masked" + i + "-" + java.util.UUID.randomUUID()).toList();

    /** What the masked lines must still say, in the order the child logs them. */
    private static final List<String> MASKED = List.of(
            "Updating config trit.provider.kimi~x with {api.key=***",
            "Authorization: Bearer ***, then",
            "api_key:***",
            "an ordinary message",
            "Updating config trit.rest with {api.keys=***",
            "authorization: bearer\t***",
            "{\"api_key\":***",
            "java.lang.IllegalStateException: refused {\"apiKey\":***",
            "\tat ",
            "apiKey=***");

    @Test
    void theServersLogMasksKeysAndBearerTokens(@TempDir Path data) throws Exception {
        String console = log(Path.of("conf/logback.xml"), data);
        String file = Files.readString(data.resolve("logs/trit.log"));
        for (String out : List.of(console, file)) {
            assertMasked(out);
        }
    }

    @Test
    void theToolsLogMasksThemToo(@TempDir Path data) throws Exception {
        assertMasked(log(Path.of("conf/logback-tools.xml"), data));
    }

    private static void assertMasked(String out) {
        for (String secret : SECRETS) {
            assertTrue(!out.contains(secret), secret + " leaked: " + out);
        }
        for (String line : MASKED) {
            assertTrue(out.contains(line), "missing: " + line + " in " + out);
        }
    }

    private static String log(Path configuration, Path data) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), "-Dtrit.data.dir=" + data,
                "-Dlogback.configurationFile=" + configuration.toAbsolutePath(), Logs.class.getName()));
        command.addAll(SECRETS);
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes());
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), out);
        assertTrue(!out.contains("ERROR in ch.qos.logback"), "logback accepts the configuration: " + out);
        return out;
    }

    /**
     * The child: logs messages holding the secrets given as arguments, at WARN through SLF4J (on
     * the runtime's class path, not the tests' compile path).
     */
    public static final class Logs {
        public static void main(String[] s) throws Exception {
            Object logger = Class.forName("org.slf4j.LoggerFactory").getMethod("getLogger", String.class)
                    .invoke(null, "org.apache.felix.configadmin");
            var warn = logger.getClass().getMethod("warn", String.class);
            warn.invoke(logger, "Updating config trit.provider.kimi~x with {api.key=" + s[0] + ", base.url=http://h/v1}");
            warn.invoke(logger, "Authorization: Bearer " + s[1] + ", then");
            warn.invoke(logger, "api_key: " + s[0]);
            warn.invoke(logger, "an ordinary message");
            warn.invoke(logger, "Updating config trit.rest with {api.keys=alice:" + s[2] + ", bob:" + s[3] + ", base.path=/}");
            warn.invoke(logger, "authorization: bearer\t" + s[4]);
            warn.invoke(logger, "{\"api_key\":\"" + s[5] + "\"}");
            logger.getClass().getMethod("warn", String.class, Throwable.class).invoke(logger, "failed",
                    new IllegalStateException("refused {\"apiKey\": \"" + s[6] + "\"}"));
            warn.invoke(logger, "apiKey=" + s[7]);
        }
    }
}
