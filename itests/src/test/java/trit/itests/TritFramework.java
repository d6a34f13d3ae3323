package trit.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemPackage;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

import trit.launcher.RunBundles;

/**
 * The Pax Exam configuration: a Felix framework running exactly the bundles the runtime runs
 * (the folder exported from {@code runtime/trit.bndrun}), on a free loopback port, with
 * FileInstall watching a fresh configuration folder of the test's own.
 */
final class TritFramework {

    static final String CONFIG_DIR = "felix.fileinstall.dir";
    static final String HTTP_PORT = "org.osgi.service.http.port";

    private TritFramework() {
    }

    static Option[] options(Option... extra) {
        Path bundleDir = Path.of(System.getProperty("trit.bundle.dir", "../runtime/target/export/trit"));
        List<RunBundles.RunBundle> runBundles = RunBundles.in(bundleDir);
        if (runBundles.isEmpty()) {
            throw new IllegalStateException("no bundles in " + bundleDir.toAbsolutePath()
                    + ": build the runtime first (./mvnw verify builds it before the itests)");
        }
        List<Option> options = new ArrayList<>();
        for (RunBundles.RunBundle b : runBundles) {
            options.add(bundle(b.jar().toUri().toString()).startLevel(b.startLevel()).start(!b.fragment()));
        }
        // systemPackage appends to Pax Exam's own system packages; frameworkProperty would replace them.
        options.add(systemPackage("jdk.incubator.vector"));
        options.add(frameworkProperty(HTTP_PORT).value(Integer.toString(freePort())));
        options.add(frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"));
        options.add(frameworkProperty(CONFIG_DIR).value(newConfigDir()));
        options.add(frameworkProperty("felix.fileinstall.filter").value(".*\\.cfg"));
        options.add(frameworkProperty("felix.fileinstall.poll").value("200"));
        options.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
        // As the launcher does (ServeCommand): no write-back, which would undo a .cfg file deleted or
        // fixed right after its configuration was applied.
        options.add(frameworkProperty("felix.fileinstall.enableConfigSave").value("false"));
        // Pax Exam's own logging would print every framework event at DEBUG.
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(junitBundles());
        options.add(cleanCaches());
        options.addAll(List.of(extra));
        return options.toArray(Option[]::new);
    }

    /**
     * Stops the runtime's router bundle, for tests that drive the REST layer with a scripted
     * router: the real one would otherwise also answer {@code auto} and {@code POST /v1/route}.
     */
    static void stopRealRouter(BundleContext context) throws BundleException {
        for (Bundle bundle : context.getBundles()) {
            if ("trit.router".equals(bundle.getSymbolicName()) && bundle.getState() == Bundle.ACTIVE) {
                bundle.stop();
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String newConfigDir() {
        try {
            return scratchDirectory("etc").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A new folder under the module's {@code target/} for files a test makes (model folders, demo
     * models, scripts): the next clean build removes them, and nothing piles up in /tmp.
     */
    static Path scratchDirectory(String prefix) throws IOException {
        Path target = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target/itest-files");
        Files.createDirectories(target);
        return Files.createTempDirectory(target, prefix);
    }
}
