package trit.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build's feature generator refuses inputs that would let the feature and the runtime drift, saying why. */
class GenerateFeaturesTest {

    private final Path featuresDir = BuildFiles.path("trit.features.dir");
    private final Path runtimeBndrun = BuildFiles.path("trit.runtime.bndrun");
    private final Path karafProvided = BuildFiles.path("trit.karaf.provided");

    @TempDir
    Path out;

    record Run(int exitCode, String output) {
    }

    @Test
    void aKarafProvidedBundleTheRuntimeDoesNotRunIsRefused() throws Exception {
        Path provided = out.resolve("karaf-provided.properties");
        Files.writeString(provided, Files.readString(karafProvided) + "\norg.example.gone = framework\n");
        Run run = generate(runtimeBndrun, featuresDir.resolve("runtime-artifacts"), provided);
        assertEquals(1, run.exitCode(), run.output());
        assertTrue(run.output().contains("names bundles that are not run bundles of") && run.output().contains("[org.example.gone]"), run.output());
        assertFalse(Files.exists(out.resolve("features.xml")), "no feature written");
    }

    @Test
    void aRunBundleWithoutAMavenArtifactIsRefused() throws Exception {
        Path noArtifacts = Files.createDirectories(out.resolve("empty"));
        Run run = generate(runtimeBndrun, noArtifacts, karafProvided);
        assertEquals(1, run.exitCode(), run.output());
        assertTrue(run.output().contains("no Maven artifact among the runtime's dependencies for: [") && run.output().contains("trit.api [0.1.0,0.1.1)"),
                run.output());
    }

    @Test
    void anUnresolvedBndrunIsRefused() throws Exception {
        Path bndrun = out.resolve("unresolved.bndrun");
        Files.writeString(bndrun, "-runrequires: bnd.identity;id='trit.api'\n");
        Run run = generate(bndrun, featuresDir.resolve("runtime-artifacts"), karafProvided);
        assertTrue(run.exitCode() != 0, run.output());
        assertTrue(run.output().contains("has no -runbundles: run the build's resolver first"), run.output());
    }

    @Test
    void aModelsConfigurationWithALauncherVariableKarafLacksIsRefused() throws Exception {
        Path runtime = Files.createDirectories(out.resolve("runtime"));
        Path bndrun = Files.copy(runtimeBndrun, runtime.resolve("trit.bndrun"));
        Files.createDirectories(runtime.resolve("etc"));
        Files.writeString(runtime.resolve("etc/trit.models.cfg"), "directory = ${trit.models.dir}\ncache = ${trit.cache.dir}/x\n");
        Run run = generate(bndrun, featuresDir.resolve("runtime-artifacts"), karafProvided);
        assertEquals(1, run.exitCode(), run.output());
        assertTrue(run.output().contains("uses a launcher variable with no Karaf equivalent (${trit.cache.dir}/x): add it to KARAF_FOLDERS"),
                run.output());
    }

    @Test
    void theUsageIsShownForMissingArguments() throws Exception {
        Run run = run(List.of(runtimeBndrun.toString()));
        assertEquals(2, run.exitCode(), run.output());
        assertTrue(run.output().contains("usage: GenerateFeatures RUNTIME_BNDRUN ARTIFACT_DIR KARAF_PROVIDED OUTPUT_DIR VERSION"), run.output());
    }

    private Run generate(Path bndrun, Path artifacts, Path provided) throws Exception {
        return run(List.of(bndrun.toString(), artifacts.toString(), provided.toString(), out.toString(), "1.0.0"));
    }

    /** Runs the generator in its own JVM (it exits with its status), compiled with the tests, the launcher jar beside it. */
    private static Run run(List<String> arguments) throws Exception {
        String classPath = BuildFiles.path("trit.features.generator.classes") + File.pathSeparator + BuildFiles.path("trit.launcher.jar");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, "GenerateFeatures"));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        return new Run(process.waitFor(), output);
    }
}
