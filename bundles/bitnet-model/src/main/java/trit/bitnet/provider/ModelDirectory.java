package trit.bitnet.provider;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.config.ConfigurationValues;
import trit.api.provider.InferenceProvider;
import trit.bitnet.SyntheticModel;

/**
 * Keeps one {@code trit.provider.bitnet} configuration per GGUF file in the models folder: a
 * file that appears (once its size stopped changing, so a copy in progress is not loaded) gets
 * one, with its SHA-256; a file that disappears loses it. While the folder holds no model, the
 * demo model is served instead. Configurations written by operators are left alone.
 */
@Component(configurationPid = ModelDirectoryConfiguration.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = ModelDirectoryConfiguration.class)
public class ModelDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(ModelDirectory.class);

    /** Configuration property marking the configurations this watcher owns. */
    static final String MANAGED = "trit.models.managed";
    static final String DEMO = "trit.models.demo";
    /** The size and modification time of the file as it was when last taken. */
    static final String SERVED_SIZE = "trit.models.size";
    static final String SERVED_MODIFIED = "trit.models.modified";
    private static final String SHA256 = "model.sha256";
    static final long DEMO_SEED = 20261123L;

    private final ConfigurationAdmin configurationAdmin;
    private final BundleContext context;
    private final ModelDirectoryConfiguration config;
    private final ScheduledExecutorService poller;
    /** Files as the previous poll saw them: a file is taken (or taken again) when it looks the same twice. */
    private final Map<Path, FileState> seen = new HashMap<>();

    /** What tells a file's content changed without reading it. */
    record FileState(long size, long modifiedMillis) {
        static FileState of(Path file) throws IOException {
            return new FileState(Files.size(file), Files.getLastModifiedTime(file).toMillis());
        }

        static FileState of(Dictionary<String, Object> served) {
            return served.get(SERVED_SIZE) instanceof Long size && served.get(SERVED_MODIFIED) instanceof Long modified
                    ? new FileState(size, modified) : null;
        }

        void into(Dictionary<String, Object> properties) {
            properties.put(SERVED_SIZE, size);
            properties.put(SERVED_MODIFIED, modifiedMillis);
        }
    }

    @Activate
    public ModelDirectory(@Reference ConfigurationAdmin configurationAdmin, BundleContext context,
                          ModelDirectoryConfiguration config, Map<String, Object> properties) {
        this.configurationAdmin = configurationAdmin;
        this.context = context;
        this.config = config;
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("trit-models-watcher").unstarted(r));
        Optional<String> problem = ConfigurationValues.unconvertible(ModelDirectoryConfiguration.class, config, properties);
        if (problem.isPresent()) {
            // A change of the configuration makes a new watcher: fixing the file starts watching.
            LOG.error("Invalid configuration {}: {}; the models folder is not watched until it is fixed",
                    ModelDirectoryConfiguration.PID, problem.get());
        } else if (config.enabled()) {
            LOG.info("Watching {} for GGUF models", Path.of(config.directory()).toAbsolutePath().normalize());
            poller.scheduleWithFixedDelay(this::pollSafely, 0, Math.max(1, config.poll_seconds()), TimeUnit.SECONDS);
        } else {
            poller.execute(this::pollSafely); // only to remove what an earlier, enabled watcher created
        }
    }

    @Deactivate
    void deactivate() {
        poller.shutdownNow();
    }

    private void pollSafely() {
        try {
            poll();
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            LOG.warn("Watching {} failed: {}", config.directory(), e.toString());
        }
    }

    void poll() throws IOException, InvalidSyntaxException {
        Map<Path, Configuration> managed = managedConfigurations();
        Map<Path, FileState> present = config.enabled() ? ggufFiles(Path.of(config.directory())) : Map.of();
        for (Map.Entry<Path, FileState> file : present.entrySet()) {
            FileState before = seen.put(file.getKey(), file.getValue());
            if (!file.getValue().equals(before)) {
                continue; // new, or still being written
            }
            Configuration served = managed.get(file.getKey());
            if (served == null) {
                create(file.getKey(), false);
            } else {
                refresh(file.getKey(), file.getValue(), served);
            }
        }
        seen.keySet().retainAll(present.keySet());
        Path demo = Path.of(config.demo_file()).toAbsolutePath().normalize();
        boolean wantDemo = config.enabled() && config.demo() && present.isEmpty();
        // A demo already serving stays until a model of the folder is ready (loaded and warmed up:
        // seconds for a real one), or for good if none can be loaded: never a gap with no model.
        boolean keepDemo = config.enabled() && config.demo() && (present.isEmpty() || !anyServes(present.keySet()));
        for (Map.Entry<Path, Configuration> entry : managed.entrySet()) {
            boolean isDemo = Boolean.TRUE.equals(entry.getValue().getProperties().get(DEMO));
            boolean keep = isDemo ? keepDemo && entry.getKey().equals(demo) : present.containsKey(entry.getKey());
            if (!keep) {
                LOG.info(isDemo ? "A model of the folder is ready: removing the demo model's provider ({})"
                        : "{} is gone: removing its provider", entry.getKey());
                entry.getValue().delete();
            }
        }
        if (wantDemo && !managed.containsKey(demo)) {
            if (!Files.isRegularFile(demo)) {
                LOG.info("No model in {}: writing the demo model (random weights, its answers are noise) to {}",
                        config.directory(), demo);
                SyntheticModel.DEMO.write(demo, DEMO_SEED);
            }
            create(demo, true);
        }
    }

    /** Whether a provider of one of {@code files} has loaded its model (its registration then names the model). */
    private boolean anyServes(Iterable<Path> files) throws InvalidSyntaxException {
        for (Path file : files) {
            String filter = "(&(" + BitnetProvider.MODEL_FILE + "=" + ldapValue(file.toString()) + ")("
                    + BitnetProvider.MODEL_ID + "=*))";
            if (!context.getServiceReferences(InferenceProvider.class, filter).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** {@code value} with the characters a filter gives meaning to escaped (RFC 4515). */
    private static String ldapValue(String value) {
        StringBuilder escaped = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }

    /**
     * A served file that changed since it was taken (copied over, or replaced under the same name)
     * gets its new digest into its configuration, which reloads the model; a file only touched
     * keeps its model.
     */
    private void refresh(Path file, FileState now, Configuration served) throws IOException {
        Dictionary<String, Object> p = served.getProperties();
        FileState then = FileState.of(p);
        if (now.equals(then)) {
            return;
        }
        String sha256 = FileDigests.sha256(file);
        boolean changed = then != null && !sha256.equals(p.get(SHA256));
        p.put(SHA256, sha256);
        now.into(p);
        served.update(p);
        if (changed) {
            LOG.info("{} changed (sha256 {}): reloading its model", file, sha256);
        }
    }

    private void create(Path file, boolean demo) throws IOException {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("model.file", file.toString());
        p.put(MANAGED, Boolean.TRUE);
        p.put(DEMO, demo);
        FileState.of(file).into(p);
        String sha256 = FileDigests.sha256(file);
        p.put(SHA256, sha256);
        Configuration c = configurationAdmin.createFactoryConfiguration(BitnetProviderConfiguration.FACTORY_PID, "?");
        c.update(p);
        LOG.info("Serving {} (sha256 {})", file, sha256);
    }

    private Map<Path, Configuration> managedConfigurations() throws IOException, InvalidSyntaxException {
        Configuration[] all = configurationAdmin.listConfigurations("(&(service.factoryPid="
                + BitnetProviderConfiguration.FACTORY_PID + ")(" + MANAGED + "=true))");
        Map<Path, Configuration> byFile = new TreeMap<>();
        if (all != null) {
            for (Configuration c : all) {
                Object file = c.getProperties().get("model.file");
                if (file != null) {
                    byFile.put(Path.of(file.toString()).toAbsolutePath().normalize(), c);
                }
            }
        }
        return byFile;
    }

    private static Map<Path, FileState> ggufFiles(Path directory) throws IOException {
        Map<Path, FileState> files = new TreeMap<>();
        if (!Files.isDirectory(directory)) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*.gguf")) {
            for (Path file : stream) {
                if (Files.isRegularFile(file)) {
                    files.put(file.toAbsolutePath().normalize(), FileState.of(file));
                }
            }
        }
        return files;
    }
}
