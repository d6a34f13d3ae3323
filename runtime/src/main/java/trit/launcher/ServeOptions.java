package trit.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import trit.launcher.Main.UsageException;

/**
 * Options of {@code trit serve}. Precedence: command line, then environment
 * ({@code TRIT_HOST}, {@code TRIT_PORT}), then defaults.
 *
 * @param host      the address to listen on
 * @param port      the port to listen on
 * @param configDir the folder of {@code .cfg} files
 * @param bundleDir the folder of the bundles to run
 * @param dataDir   the folder for the framework's cache and other state
 * @param modelsDir the folder watched for GGUF models
 * @param shell     whether the Gogo shell runs on the console ({@code --shell})
 */
record ServeOptions(String host, int port, Path configDir, Path bundleDir, Path dataDir, Path modelsDir,
                    boolean shell) {

    static final String DEFAULT_HOST = "127.0.0.1";
    static final int DEFAULT_PORT = 8080;
    /** The bundle folder of the distribution archive's layout, relative to trit.home. */
    static final String DISTRIBUTION_BUNDLES = "bundles";

    static ServeOptions parse(String[] args, Map<String, String> env) {
        String host = env.getOrDefault("TRIT_HOST", DEFAULT_HOST);
        String port = env.getOrDefault("TRIT_PORT", Integer.toString(DEFAULT_PORT));
        String portSource = env.containsKey("TRIT_PORT") ? "TRIT_PORT" : "--port";
        // The launcher script passes trit.home: runtime/ in the source tree, or the unpacked
        // distribution folder, which has its bundles in bundles/ and its models/ inside it.
        Path home = Path.of(System.getProperty("trit.home", "runtime"));
        boolean distribution = Files.isDirectory(home.resolve(DISTRIBUTION_BUNDLES));
        Path config = home.resolve("etc");
        Path bundles = distribution ? home.resolve(DISTRIBUTION_BUNDLES) : home.resolve("target/export/trit");
        Path data = home.resolve("data");
        Path models = distribution ? home.resolve("models") : home.toAbsolutePath().normalize().resolveSibling("models");
        boolean shell = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--host" -> host = value(args, ++i, arg);
                case "--port" -> {
                    port = value(args, ++i, arg);
                    portSource = "--port";
                }
                case "--config" -> config = Path.of(value(args, ++i, arg));
                case "--bundles" -> bundles = Path.of(value(args, ++i, arg));
                case "--data" -> data = Path.of(value(args, ++i, arg));
                case "--models" -> models = Path.of(value(args, ++i, arg));
                case "--shell" -> shell = true;
                default -> throw new UsageException("unknown option '" + arg + "'");
            }
        }
        if (host.isBlank()) {
            throw new UsageException("--host must not be empty");
        }
        if (!Files.isDirectory(config)) {
            throw new UsageException("--config " + config + " is not a folder");
        }
        return new ServeOptions(host, parsePort(port, portSource), config.toAbsolutePath().normalize(),
                bundles.toAbsolutePath().normalize(), data.toAbsolutePath().normalize(), models.toAbsolutePath().normalize(),
                shell);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static int parsePort(String value, String source) {
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(source + " must be a port number from 1 to 65535, was '" + value + "'");
    }

    /**
     * The folder exported from {@code runtime/shell.bndrun} (beside the bundle folder): the server's
     * bundles plus the Gogo shell. {@code --shell} installs from it the bundles the server's folder lacks.
     */
    Path shellBundleDir() {
        return bundleDir.resolveSibling("shell");
    }

    /** The URL clients use; a wildcard bind address is reached through loopback. */
    String baseUrl() {
        String reachable = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return "http://" + (reachable.contains(":") ? "[" + reachable + "]" : reachable) + ":" + port;
    }
}
