package trit.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleWiring;

import trit.launcher.Main.LaunchException;

/**
 * Starts the OSGi framework with Trit's bundles, waits until the HTTP API answers, prints its
 * URL and runs until the JVM is asked to stop (Ctrl-C, SIGTERM), then stops the framework.
 * With {@code --shell} it adds the Gogo shell and starts it on the console once the API answers;
 * leaving the shell ({@code exit}, Ctrl-D) stops the framework.
 */
final class ServeCommand {

    /** The bundle that runs the Gogo shell on the console; it starts after the ready line. */
    static final String CONSOLE_BUNDLE = "org.apache.felix.gogo.jline";
    /** JLine, the console's terminal library. */
    static final String JLINE_BUNDLE = "org.jline";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    /** The symbolic names of the Jakarta REST whiteboard implementation's bundles. */
    private static final String REST_WHITEBOARD = "org.eclipse.osgitech.rest";

    private final ServeOptions options;

    ServeCommand(ServeOptions options) {
        this.options = options;
    }

    int run() {
        long started = System.nanoTime();
        checkPortFree();
        if (!Files.isDirectory(options.modelsDir())) {
            // A mistyped --models would otherwise only show as the demo model answering.
            System.err.printf("trit: warning: the models folder %s does not exist; models placed there once it does are "
                    + "served%n", options.modelsDir());
        }
        List<RunBundles.RunBundle> bundles = RunBundles.in(options.bundleDir());
        if (bundles.isEmpty()) {
            throw new LaunchException("no bundles in " + options.bundleDir()
                    + "; build them with: ./mvnw package -DskipTests -pl runtime -am", null);
        }
        if (options.shell()) {
            bundles = withShell(bundles, RunBundles.in(options.shellBundleDir()));
        }
        String fingerprint = fingerprint(bundles);
        Path stamp = options.dataDir().resolve("cache.fingerprint");
        boolean reuse = fingerprint.equals(read(stamp)) && Files.isDirectory(options.dataDir().resolve("cache"));
        // conf/logback.xml writes data/logs/ under it; logback reads only system properties.
        System.setProperty("trit.data.dir", options.dataDir().toString());
        Framework framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new LaunchException("no OSGi framework on the class path", null))
                .newFramework(frameworkProperties(reuse));
        try {
            framework.init();
            install(framework, bundles);
            forgetConfigurationState(framework);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(framework), "trit-shutdown"));
            framework.start();
            write(stamp, fingerprint);
        } catch (BundleException e) {
            throw new LaunchException("the framework failed to start: " + e.getMessage(), e);
        }

        String url = options.baseUrl() + basePath();
        if (awaitReady(framework, url)) {
            System.out.printf("Trit is ready at %s  (%d bundles, started in %.1f s; Ctrl-C stops it)%n",
                    url, bundles.size(), (System.nanoTime() - started) / 1e9);
        } else if (framework.getState() == Bundle.ACTIVE) {
            System.err.printf("trit: %s/health did not answer within %d s; the server keeps running, see the log above%n",
                    url, READY_TIMEOUT.toSeconds());
        }
        if (options.shell()) {
            startConsole(framework);
        }
        try {
            framework.waitForStop(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The server's bundles plus those of the shell folder it lacks (the Gogo runtime, commands and console). */
    private List<RunBundles.RunBundle> withShell(List<RunBundles.RunBundle> server, List<RunBundles.RunBundle> shell) {
        if (shell.stream().noneMatch(b -> b.symbolicName().equals(CONSOLE_BUNDLE))) {
            throw new LaunchException("--shell: no Gogo shell in " + options.shellBundleDir()
                    + "; build it with: ./mvnw package -DskipTests -pl runtime -am", null);
        }
        java.util.Set<String> present = new java.util.HashSet<>();
        server.forEach(b -> present.add(b.jar().getFileName().toString()));
        List<RunBundles.RunBundle> all = new java.util.ArrayList<>(server);
        shell.stream().filter(b -> !present.contains(b.jar().getFileName().toString())).forEach(all::add);
        return all;
    }

    /**
     * Starts the console after the ready line, so the prompt comes last. Transient: a kept
     * framework cache never starts it by itself on a later run without {@code --shell}.
     */
    private static void startConsole(Framework framework) {
        Bundle console = null;
        ClassLoader jline = null;
        for (Bundle bundle : framework.getBundleContext().getBundles()) {
            if (CONSOLE_BUNDLE.equals(bundle.getSymbolicName())) {
                console = bundle;
            } else if (JLINE_BUNDLE.equals(bundle.getSymbolicName())) {
                BundleWiring wiring = bundle.adapt(BundleWiring.class);
                jline = wiring == null ? null : wiring.getClassLoader();
            }
        }
        if (console == null) {
            return;
        }
        // JLine finds its terminal providers (FFM, JNI, exec) as resources of the thread's context
        // class loader; the launcher's own would only give it a dumb terminal without line editing.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try {
            if (jline != null) {
                thread.setContextClassLoader(jline);
            }
            System.out.println("Gogo shell: try trit:providers, trit:models, help; Ctrl-D (or exit 0) stops Trit.");
            console.start(Bundle.START_TRANSIENT);
        } catch (BundleException e) {
            throw new LaunchException("--shell: the Gogo shell failed to start: " + e.getMessage(), e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private void checkPortFree() {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(options.host(), options.port()));
        } catch (IOException e) {
            throw new LaunchException("cannot listen on " + options.host() + ":" + options.port() + " (" + e.getMessage()
                    + "); choose another with --port/--host or TRIT_PORT/TRIT_HOST", e);
        }
    }

    /**
     * @param reuseCache whether the framework may start from the bundles it installed last time
     *                   (they are unchanged): about 0.8 s faster than installing all again
     */
    private Map<String, String> frameworkProperties(boolean reuseCache) {
        Map<String, String> p = new HashMap<>();
        p.put(Constants.FRAMEWORK_STORAGE, options.dataDir().resolve("cache").toString());
        if (!reuseCache) {
            p.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        }
        p.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "jdk.incubator.vector");
        p.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(RunBundles.START_LEVEL));
        p.put("org.osgi.service.http.port", Integer.toString(options.port()));
        p.put("org.apache.felix.http.host", options.host());
        // The shipped .cfg files refer to these (FileInstall substitutes ${...} from framework properties).
        p.put("trit.data.dir", options.dataDir().toString());
        p.put("trit.models.dir", options.modelsDir().toString());
        p.put("felix.fileinstall.dir", options.configDir().toString());
        p.put("felix.fileinstall.filter", ".*\\.cfg");
        p.put("felix.fileinstall.poll", "1000");
        p.put("felix.fileinstall.noInitialDelay", "true");
        p.put("felix.fileinstall.log.level", "2");
        // The folder is the only truth: FileInstall's write-back (on by default) rewrites a .cfg file
        // after its configuration changes, racing the operator: a file deleted or fixed just then is
        // written back with the old content, and the deletion or fix is never seen.
        p.put("felix.fileinstall.enableConfigSave", "false");
        return p;
    }

    private static void install(Framework framework, List<RunBundles.RunBundle> runBundles) throws BundleException {
        BundleContext context = framework.getBundleContext();
        for (RunBundles.RunBundle runBundle : runBundles) {
            Bundle bundle = context.installBundle(runBundle.jar().toUri().toString());
            bundle.adapt(BundleStartLevel.class).setStartLevel(runBundle.startLevel());
            if (!runBundle.fragment() && !CONSOLE_BUNDLE.equals(runBundle.symbolicName())) {
                bundle.start();
            }
        }
    }

    /**
     * The configuration folder is the truth at every start: what ConfigAdmin and FileInstall kept
     * from the last run (a kept framework cache holds it) is deleted before they start, so a file
     * removed while the server was down takes its configuration with it.
     */
    private static void forgetConfigurationState(Framework framework) {
        for (Bundle bundle : framework.getBundleContext().getBundles()) {
            String name = bundle.getSymbolicName();
            if ("org.apache.felix.configadmin".equals(name) || "org.apache.felix.fileinstall".equals(name)) {
                java.io.File data = bundle.getDataFile("");
                if (data != null && data.exists()) {
                    try (Stream<Path> files = Files.walk(data.toPath())) {
                        files.sorted(java.util.Comparator.reverseOrder()).filter(f -> !f.equals(data.toPath()))
                                .forEach(f -> f.toFile().delete());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
    }

    /** Names, sizes and modification times of the bundle files: any rebuild changes it. */
    private static String fingerprint(List<RunBundles.RunBundle> bundles) {
        StringBuilder s = new StringBuilder();
        for (RunBundles.RunBundle b : bundles) {
            try {
                s.append(b.jar().getFileName()).append(' ').append(Files.size(b.jar())).append(' ')
                        .append(Files.getLastModifiedTime(b.jar()).toMillis()).append('\n');
            } catch (IOException e) {
                return "unreadable " + e;
            }
        }
        return s.toString();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            System.err.println("trit: cannot record the bundle set in " + file + " (" + e.getMessage()
                    + "); the next start installs every bundle again");
        }
    }

    /** The REST API's base path from {@code trit.rest.cfg}, so the ready check asks the right URL. */
    private String basePath() {
        Path cfg = options.configDir().resolve("trit.rest.cfg");
        if (!Files.isRegularFile(cfg)) {
            return "";
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(cfg)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String base = properties.getProperty("base.path", "/").trim().replaceAll("^/+|/+$", "");
        return base.isEmpty() ? "" : "/" + base;
    }

    private static boolean awaitReady(Framework framework, String url) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create(url + "/health")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && framework.getState() == Bundle.ACTIVE) {
            try {
                int status = client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200 || status == 503) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /**
     * The Jakarta REST whiteboard rebuilds its application each time one of its services or Jersey's
     * bundles goes away, and logs every rebuild as an error or a warning; stopped in reverse start
     * order, the framework takes the API's extensions and Jersey away before the whiteboard. Stopped
     * first (transiently, so the next start starts it again), it has nothing to rebuild and the stop
     * logs nothing.
     */
    private static void stopRestWhiteboardFirst(Framework framework) {
        for (Bundle bundle : framework.getBundleContext().getBundles()) {
            if (bundle.getSymbolicName() != null && bundle.getSymbolicName().startsWith(REST_WHITEBOARD)
                    && bundle.getState() == Bundle.ACTIVE) {
                try {
                    bundle.stop(Bundle.STOP_TRANSIENT);
                } catch (BundleException | IllegalStateException e) {
                    // The framework's own stop takes care of it.
                }
            }
        }
    }

    private static void stop(Framework framework) {
        if (framework.getState() != Bundle.ACTIVE && framework.getState() != Bundle.STARTING) {
            return;
        }
        System.out.println("Stopping Trit ...");
        try {
            stopRestWhiteboardFirst(framework);
            framework.stop();
            if (framework.waitForStop(STOP_TIMEOUT.toMillis()).getType() == org.osgi.framework.FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("trit: the framework did not stop within " + STOP_TIMEOUT.toSeconds() + " s; exiting anyway");
            } else {
                System.out.println("Trit stopped.");
            }
        } catch (BundleException | InterruptedException e) {
            System.err.println("trit: error while stopping: " + e.getMessage());
        }
    }
}
