package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The distribution archive the build makes ({@code runtime/target/trit-<version>.tar.gz} and
 * {@code .zip}, by {@code ./mvnw package -pl runtime -am}) as an operator gets it: unpacked into
 * an empty folder, started with {@code bin/trit} and nothing but the JDK running this build,
 * answering {@code GET /v1/models} with the demo model, stopped by SIGTERM without leaving a
 * process. The archive is the one the build made; this test never builds it again.
 */
public class DistributionTest {

    private static final Path RUNTIME = Path.of(System.getProperty("trit.runtime.dir", "../runtime")).toAbsolutePath();
    private static final String VERSION = System.getProperty("trit.version", "0.1.0-SNAPSHOT");
    private static final String FOLDER = "trit-" + VERSION;

    private static Path tarGz;
    private static Path zip;

    @BeforeClass
    public static void archives() {
        tarGz = RUNTIME.resolve("target/" + FOLDER + ".tar.gz");
        zip = RUNTIME.resolve("target/" + FOLDER + ".zip");
        assertTrue(tarGz + " is missing: build it with ./mvnw package -pl runtime -am", Files.isRegularFile(tarGz));
        assertTrue(zip + " is missing: build it with ./mvnw package -pl runtime -am", Files.isRegularFile(zip));
    }

    @Test
    public void theZipAndTheTarHoldTheSameSelfContainedFolderWithoutModels() throws Exception {
        // Files only: the two formats differ in which folders get entries of their own.
        TreeSet<String> tar = new TreeSet<>(run(RUNTIME, "tar", "-tzf", tarGz.toString()).stream()
                .filter(e -> !e.endsWith("/")).toList());
        TreeSet<String> zipped = new TreeSet<>();
        try (ZipFile file = new ZipFile(zip.toFile())) {
            Collections.list(file.entries()).stream().filter(e -> !e.isDirectory()).forEach(e -> zipped.add(e.getName()));
        }
        assertEquals("the zip holds what the tar holds", tar, zipped);
        for (String required : List.of("bin/trit", "etc/trit.rest.cfg", "etc/trit.models.cfg", "conf/logback.xml",
                "conf/logging.properties", "lib/org.apache.felix.framework.jar", "lib/trit-launcher.jar",
                "models/README.md", "LICENSE", "README.md")) {
            assertTrue(required + " is in the archive: " + tar, tar.contains(FOLDER + "/" + required));
        }
        assertTrue("every file is inside " + FOLDER + "/", tar.stream().allMatch(e -> e.startsWith(FOLDER + "/")));
        // Whatever else an operator keeps in runtime/etc (a cloud api.key, models by path) stays out.
        assertEquals("etc/ holds only the configuration the project ships",
                List.of("etc/trit.logging.cfg", "etc/trit.models.cfg", "etc/trit.rest.cfg"),
                tar.stream().map(e -> e.substring(FOLDER.length() + 1)).filter(e -> e.startsWith("etc/")).toList());
        assertTrue("no model file: " + tar, tar.stream().noneMatch(e -> e.endsWith(".gguf")));
        assertTrue("no sources, no build output: " + tar, tar.stream().noneMatch(e -> e.endsWith(".java")
                || e.contains("/target/") || e.endsWith("pom.xml") || e.endsWith("mvnw")));
        long bundles = tar.stream().filter(e -> e.startsWith(FOLDER + "/bundles/") && e.endsWith(".jar")).count();
        try (Stream<Path> exported = Files.list(RUNTIME.resolve("target/export/trit"))) {
            assertEquals("bundles/ holds the bundle set resolved from trit.bndrun", exported.filter(f -> f.toString().endsWith(".jar")).count(), bundles);
        }
    }

    @Test
    public void unpackedItStartsOnAFreePortServesTheDemoModelAndStopsWithoutLeavingAProcess() throws Exception {
        Path dir = TritFramework.scratchDirectory("dist");
        run(dir, "tar", "-xzf", tarGz.toString());
        Path home = dir.resolve(FOLDER);
        Path launcher = home.resolve("bin/trit");
        assertTrue("bin/trit is executable", Files.getPosixFilePermissions(launcher).contains(PosixFilePermission.OWNER_EXECUTE));

        Process help = launch(dir, launcher, "help");
        ProcessOutput helpText = ProcessOutput.of(help);
        assertTrue(help.waitFor(30, TimeUnit.SECONDS));
        assertEquals("the usage names the command as typed here", "Usage: bin/trit [serve] [--host HOST] [--port PORT] "
                + "[--config DIR] [--models DIR] [--shell]", helpText.await("Usage: ", 5));
        assertTrue("help runs without the incubator module and its warning: " + helpText.all(),
                helpText.all().stream().noneMatch(l -> l.startsWith("WARNING")));

        int port = freePort();
        Process process = launch(dir, launcher, "serve", "--port", Integer.toString(port));
        ProcessOutput output = ProcessOutput.of(process);
        try {
            String ready = output.await("Trit is ready at ", 120);
            assertTrue(ready, ready.startsWith("Trit is ready at http://127.0.0.1:" + port + " "));
            Http.Reply models = new Http(port).await("/v1/models",
                    r -> r.status() == 200 && r.raw().body().contains("\"trit-demo\""), "the demo model to be listed");
            assertEquals("list", models.json().path("object").asText());

            String commandLine = process.info().commandLine().orElse("");
            assertTrue("the JVM runs from the unpacked folder: " + commandLine,
                    commandLine.contains(home.resolve("lib/trit-launcher.jar").toString()));
            assertTrue("bin/trit became the JVM (exec): no child process", process.descendants().findAny().isEmpty());
            assertTrue("the demo model was written under the folder's data/", Files.isRegularFile(home.resolve("data/trit-demo.gguf")));
            assertFalse("nothing was built", Files.exists(home.resolve("target")));
            assertTrue("the server log is under data/logs/", Files.readString(home.resolve("data/logs/trit.log"))
                    .contains("Watching " + home.resolve("models") + " for GGUF models"));
        } finally {
            // SIGTERM, as an operator's kill or a service manager sends.
            process.toHandle().destroy();
        }
        assertTrue("stops within 30 s of SIGTERM", process.waitFor(30, TimeUnit.SECONDS));
        output.await("Trit stopped.", 10);
        assertTrue("no process still runs from " + home, ProcessHandle.allProcesses()
                .noneMatch(p -> p.info().commandLine().orElse("").contains(home.toString())));
        assertTrue(output.all().toString(), output.all().stream().noneMatch(l -> l.startsWith("Building Trit")));
        assertEquals("a clean stop logs no error or warning", List.of(), problems(afterStopping(output.all())));

        // Stopped while the model loads: the load is abandoned and waited for, nothing fails on the way out.
        Process early = launch(dir, launcher, "serve", "--port", Integer.toString(freePort()));
        ProcessOutput earlyOutput = ProcessOutput.of(early);
        try {
            earlyOutput.awaitContaining("ModelDirectory - Serving ", 120);
        } finally {
            early.toHandle().destroy();
        }
        assertTrue("stops within 30 s of SIGTERM", early.waitFor(30, TimeUnit.SECONDS));
        earlyOutput.await("Trit stopped.", 10);
        assertEquals("a stop during the load logs no error", List.of(), problems(afterStopping(earlyOutput.all())));

        // A tool runs from wherever its user is, and leaves nothing there (the server's log folder is the server's).
        Process eval = launch(dir, launcher, "eval", "--model", home.resolve("data/trit-demo.gguf").toString(), "--tokens", "1,5");
        ProcessOutput evalOutput = ProcessOutput.of(eval);
        assertTrue(eval.waitFor(60, TimeUnit.SECONDS));
        assertEquals(evalOutput.all().toString(), 0, eval.exitValue());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals("bin/trit eval left nothing in its working folder", List.of(home), left.toList());
        }
    }

    private static List<String> afterStopping(List<String> lines) {
        int stopping = lines.indexOf("Stopping Trit ...");
        assertTrue("the stop was announced: " + lines, stopping >= 0);
        return lines.subList(stopping, lines.size());
    }

    /** Lines of a log level above INFO, of a stack trace, or of an exception. */
    private static List<String> problems(List<String> lines) {
        return lines.stream().filter(l -> l.matches(".*\\b(WARN|WARNING|ERROR|SEVERE)\\b.*")
                || l.contains("Exception") || l.contains("Error:") || l.startsWith("\tat ")).toList();
    }

    /** Starts the unpacked {@code bin/trit} with only the JDK of this build: no Maven, no source tree within its reach. */
    private static Process launch(Path dir, Path launcher, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("TRIT_") || k.equals("JAVA_HOME") || k.startsWith("MAVEN"));
        env.put("TRIT_JAVA_HOME", System.getProperty("java.home"));
        env.put("PATH", "/usr/bin:/bin");
        return builder.start();
    }

    /** Runs a command to its end and returns its output lines; a failure fails the test with them. */
    private static List<String> run(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        ProcessOutput output = ProcessOutput.of(process);
        assertTrue(String.join(" ", command) + " finishes", process.waitFor(60, TimeUnit.SECONDS));
        Thread.sleep(100); // the reader takes the last lines
        assertEquals(String.join(" ", command) + ": " + output.all(), 0, process.exitValue());
        return output.all();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
