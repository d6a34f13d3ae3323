package trit.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The bundles to run, read from the folder the build exports from {@code runtime/trit.bndrun},
 * with how each is started. The launcher and the in-framework tests both start bundles this way.
 */
public final class RunBundles {

    /** Start level of the ServiceLoader mediator and its ASM: it must weave bundles as they first load. */
    public static final int EARLY_START_LEVEL = 1;
    /** Start level of every other bundle. */
    public static final int START_LEVEL = 2;

    private static final List<String> EARLY = List.of("org.apache.aries.spifly", "org.objectweb.asm");

    /**
     * @param jar          the bundle file
     * @param symbolicName its {@code Bundle-SymbolicName}, without directives
     * @param fragment     whether it is a fragment (attached to its host, never started)
     * @param startLevel   the start level to give it
     */
    public record RunBundle(Path jar, String symbolicName, boolean fragment, int startLevel) {
    }

    private RunBundles() {
    }

    /** The bundles in {@code dir}, sorted by file name; empty when the folder is missing or empty. */
    public static List<RunBundle> in(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().map(RunBundles::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The start level of the bundle with this symbolic name. */
    public static int startLevel(String symbolicName) {
        return EARLY.stream().anyMatch(symbolicName::startsWith) ? EARLY_START_LEVEL : START_LEVEL;
    }

    private static RunBundle read(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            Attributes main = file.getManifest().getMainAttributes();
            String name = main.getValue("Bundle-SymbolicName");
            if (name == null) {
                throw new IllegalStateException(jar + " is not an OSGi bundle (no Bundle-SymbolicName)");
            }
            name = name.split(";", 2)[0].trim();
            return new RunBundle(jar, name, main.getValue("Fragment-Host") != null, startLevel(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the manifest of " + jar, e);
        }
    }
}
