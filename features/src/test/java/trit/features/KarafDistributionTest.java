package trit.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Boots the newest Apache Karaf distribution the build fetched from Central (features/pom.xml:
 * {@code karaf.distribution.version}), unpacked into target/, with the feature "trit" as a boot
 * feature; checks that every bundle of the feature is ACTIVE (fragments: RESOLVED) and that
 * {@code GET /v1/models} answers with the demo model.
 *
 * <p>Karaf 4.4.x does not run on Java 24+ (../shared/STACK.md section 5). The test starts the stock
 * distribution on the build's JDK and, when Karaf fails in one of the known ways, is skipped with
 * a message naming the failure and the Karaf version tried. Nothing else needs to change when a
 * Karaf that runs on Java 25 is released: the build fetches it and the test runs.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "starts Karaf with bin/karaf (the Windows scripts are .bat files)")
class KarafDistributionTest {

    /** Log text of the known ways Karaf 4.4 fails on Java 24+, and what each means. */
    private static final Map<String, String> KNOWN_FAILURES = Map.of(
            "Enabling a Security Manager is not supported",
            "its bin/inc starts Java with -Djava.security.manager=allow, which Java 24+ refuses",
            "getSubject is not supported",
            "its JAAS, shell and event admin code call Subject.getSubject, which Java 24+ no longer supports");

    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(3);
    private static final Pattern DISTRIBUTION_NAME = Pattern.compile("apache-karaf-(.+)\\.tar\\.gz");

    private final Path featuresDir = BuildFiles.path("trit.features.dir");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void tritRunsInKaraf() throws Exception {
        Path distribution = BuildFiles.path("karaf.distribution");
        Matcher name = DISTRIBUTION_NAME.matcher(distribution.getFileName().toString());
        assertTrue(name.matches(), "not a Karaf distribution archive: " + distribution);
        String version = name.group(1);

        Path home = unpack(distribution, featuresDir.resolve("karaf-distribution-test"), version);
        int httpPort = freePort();
        int sshPort = freePort();
        configure(home, httpPort, sshPort);

        Path console = home.resolve("console.log");
        Process karaf = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(console.toFile())
                .start();
        karaf.getOutputStream().close();
        try {
            long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
            String models = "(no answer)";
            // The demo model appears once the feature is installed and its configuration applied.
            while (!(models.startsWith("200 ") && models.contains("\"trit-demo\""))) {
                skipOnKnownFailure(version, console, home.resolve("data/log/karaf.log"));
                failOnBootFeatureError(version, home.resolve("data/log/karaf.log"));
                if (!karaf.isAlive()) {
                    fail("Karaf " + version + " exited with code " + karaf.exitValue() + ":\n" + tail(console) + tail(home.resolve("data/log/karaf.log")));
                }
                if (System.nanoTime() > deadline) {
                    fail("GET /v1/models did not list the demo model within " + BOOT_TIMEOUT + " of starting Karaf " + version
                            + "; last answer: " + models + "\n" + tail(home.resolve("data/log/karaf.log")));
                }
                Thread.sleep(500);
                models = models(httpPort).orElse(models);
            }
            assertEveryFeatureBundleActive(home, sshPort);
        } finally {
            stop(karaf);
        }
    }

    /** A fresh copy of the distribution: the test edits its etc/ and Karaf writes data/. */
    private static Path unpack(Path distribution, Path parent, String version) throws Exception {
        if (Files.exists(parent)) {
            try (Stream<Path> old = Files.walk(parent)) {
                old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(parent);
        Process tar = new ProcessBuilder("tar", "xzf", distribution.toString(), "-C", parent.toString()).inheritIO().start();
        assertEquals(0, tar.waitFor(), "tar xzf " + distribution);
        Path home = parent.resolve("apache-karaf-" + version);
        assertTrue(Files.isExecutable(home.resolve("bin/karaf")), "no bin/karaf in " + home);
        return home;
    }

    /**
     * What a Karaf user does (README, section Karaf), plus free ports and a shell user for the test:
     * the feature as a boot feature, the JVM and framework options Trit needs. The model folder's
     * configuration comes with the feature (the demo model, checked through GET /v1/models).
     */
    private void configure(Path home, int httpPort, int sshPort) throws IOException {
        Path etc = home.resolve("etc");
        // The feature and the build's bundles (mvn: URLs resolve against the runtime's artifacts first).
        edit(etc.resolve("org.apache.karaf.features.cfg"), text -> text
                .replace("featuresRepositories = \\\n", "featuresRepositories = \\\n    " + featuresDir.resolve("features.xml").toUri() + ", \\\n")
                .replace("featuresBoot = \\\n", "featuresBoot = \\\n    trit, \\\n"));
        edit(etc.resolve("org.ops4j.pax.url.mvn.cfg"), text -> text.replace("org.ops4j.pax.url.mvn.defaultRepositories=\\\n",
                "org.ops4j.pax.url.mvn.defaultRepositories=\\\n    " + featuresDir.resolve("runtime-artifacts").toUri() + "@id=trit.build@snapshots, \\\n"));
        // The Vector API module: on the JVM (bin/setenv) and exported by the system bundle.
        Files.writeString(home.resolve("bin/setenv"), "export EXTRA_JAVA_OPTS=\"--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dorg.osgi.service.http.port="
                + httpPort + "\"\nexport JAVA_HOME=\"" + System.getProperty("java.home") + "\"\n");
        Properties config = new Properties();
        try (var in = Files.newBufferedReader(etc.resolve("config.properties"))) {
            config.load(in);
        }
        try (var out = Files.newBufferedWriter(etc.resolve("custom.properties"), StandardOpenOption.APPEND)) {
            Properties custom = new Properties();
            custom.setProperty("org.osgi.framework.system.packages.extra",
                    config.getProperty("org.osgi.framework.system.packages.extra") + ", jdk.incubator.vector");
            custom.store(out, "Trit: the Vector API (jdk.incubator.vector) for the kernels");
        }
        // Free ports for SSH and JMX, so that parallel builds do not collide; a user for bin/client.
        edit(etc.resolve("org.apache.karaf.shell.cfg"), text -> text.replace("sshPort = 8101", "sshPort = " + sshPort));
        int rmiRegistryPort = freePort();
        int rmiServerPort = freePort();
        edit(etc.resolve("org.apache.karaf.management.cfg"), text -> text
                .replace("rmiRegistryPort = 1099", "rmiRegistryPort = " + rmiRegistryPort)
                .replace("rmiServerPort = 44444", "rmiServerPort = " + rmiServerPort));
        edit(etc.resolve("users.properties"), text -> text.replace("#karaf = karaf,", "karaf = karaf,")
                .replace("#_g_\\:admingroup", "_g_\\:admingroup"));
    }

    private static void skipOnKnownFailure(String version, Path... logs) {
        for (Path log : logs) {
            if (!Files.exists(log)) {
                continue;
            }
            for (String line : read(log).lines().toList()) {
                for (var failure : KNOWN_FAILURES.entrySet()) {
                    if (line.contains(failure.getKey())) {
                        Assumptions.abort("Apache Karaf " + version + " (the newest org.apache.karaf:apache-karaf 4.x the build can fetch) "
                                + "does not run on Java " + Runtime.version().feature() + ": " + failure.getValue() + " (" + log.getFileName()
                                + ": " + line.strip() + "). Trit needs Java 25, so Felix is its runtime; the feature is checked by "
                                + "KarafFeatureResolveTest instead. This test runs by itself once a Karaf that runs on Java 25 is on Central.");
                    }
                }
            }
        }
    }

    /** Karaf logs it when a boot feature (here: trit) does not resolve or install; it does not retry. */
    private static void failOnBootFeatureError(String version, Path karafLog) {
        if (Files.exists(karafLog) && read(karafLog).contains("Error installing boot features")) {
            fail("Karaf " + version + " could not install the feature trit:\n" + tail(karafLog));
        }
    }

    /** The status and body of the answer to GET /v1/models, or empty while nothing answers yet. */
    private Optional<String> models(int port) throws InterruptedException {
        try {
            HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return Optional.of(reply.statusCode() + " " + reply.body());
        } catch (IOException notYet) {
            return Optional.empty();
        }
    }

    /** Every bundle of the feature, by symbolic name, is Active (a fragment: Resolved) in Karaf's bundle:list. */
    private void assertEveryFeatureBundleActive(Path home, int sshPort) throws Exception {
        Process client = new ProcessBuilder(home.resolve("bin/client").toString(), "-a", String.valueOf(sshPort),
                "-u", "karaf", "-p", "karaf", "-r", "10", "-d", "2", "-b")
                .directory(home.toFile()).redirectErrorStream(true).start();
        client.getOutputStream().write("bundle:list -t 0 -s --no-format\n".getBytes());
        client.getOutputStream().close();
        String listing = new String(client.getInputStream().readAllBytes());
        assertTrue(client.waitFor(60, TimeUnit.SECONDS), "bin/client did not end");
        Map<String, String> states = new TreeMap<>();
        for (String line : listing.lines().toList()) {
            String[] columns = line.split("\t");
            if (columns.length == 5) {
                states.put(columns[4].trim(), columns[1].trim());
            }
        }
        List<String> wrong = new ArrayList<>();
        for (String url : BuildFiles.features(featuresDir.resolve("features.xml")).get("trit").bundles()) {
            Path jar = BuildFiles.jar(featuresDir.resolve("runtime-artifacts"), url);
            String symbolicName = BuildFiles.identity(jar)[0];
            String expected = isFragment(jar) ? "Resolved" : "Active";
            if (!expected.equals(states.get(symbolicName))) {
                wrong.add(symbolicName + " is " + states.get(symbolicName) + ", expected " + expected);
            }
        }
        assertEquals(List.of(), wrong, "bundle:list in Karaf:\n" + listing);
    }

    private static boolean isFragment(Path jar) throws IOException {
        try (var file = new JarFile(jar.toFile())) {
            return file.getManifest().getMainAttributes().getValue("Fragment-Host") != null;
        }
    }

    private static void stop(Process karaf) throws InterruptedException {
        karaf.descendants().forEach(ProcessHandle::destroy);
        karaf.destroy();
        if (!karaf.waitFor(30, TimeUnit.SECONDS)) {
            karaf.descendants().forEach(ProcessHandle::destroyForcibly);
            karaf.destroyForcibly().waitFor();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void edit(Path file, UnaryOperator<String> change) throws IOException {
        String before = Files.readString(file);
        String after = change.apply(before);
        if (after.equals(before)) {
            throw new IllegalStateException("the Karaf distribution's " + file.getFileName()
                    + " does not have the layout this test edits (Karaf 4.4's); adapt KarafDistributionTest.configure");
        }
        Files.writeString(file, after);
    }

    private static String tail(Path log) {
        if (!Files.exists(log)) {
            return "(no " + log + ")\n";
        }
        List<String> lines = read(log).lines().toList();
        return "--- " + log + " (last 40 lines)\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())) + "\n";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
