/*
 * Writes the Karaf features repository of Trit from the bundle list of the runtime.
 *
 * Usage: java -cp trit-launcher.jar GenerateFeatures.java RUNTIME_BNDRUN ARTIFACT_DIR KARAF_PROVIDED OUTPUT_DIR VERSION
 *
 * RUNTIME_BNDRUN is runtime/trit.bndrun, whose -runbundles the build's resolver wrote;
 * ARTIFACT_DIR holds the runtime's Maven dependencies in repository layout (group/artifact/
 * version/file.jar), so each bundle's mvn: URL comes from where its jar lies. KARAF_PROVIDED
 * (features/karaf-provided.properties) names the run bundles Karaf itself provides and the Karaf
 * feature that provides each: those become <feature> dependencies instead of bundles. Every other
 * run bundle must be found in ARTIFACT_DIR: the feature and the runtime cannot differ.
 *
 * The feature also carries the runtime's default model-folder configuration (etc/trit.models.cfg
 * beside RUNTIME_BNDRUN), its folders moved into Karaf's (KARAF_FOLDERS): Karaf writes it to its
 * etc/ on install unless the operator has one there already.
 *
 * Writes OUTPUT_DIR/features.xml and OUTPUT_DIR/trit-feature.bnd (the feature's bundles as bnd
 * requirements, included by features/karaf.bndrun for the resolver check).
 */

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import trit.launcher.RunBundles;

public class GenerateFeatures {

    record RunBundle(String symbolicName, String low, String high) {
    }

    record Artifact(String symbolicName, String version, String mvnUrl, boolean early) {
    }

    /** The Karaf feature whose bundles are always installed: no dependency needed on it. */
    private static final String KARAF_FRAMEWORK = "framework";

    /** The runtime's configuration that the feature carries: without it the model folder is not watched. */
    private static final String MODELS_PID = "trit.models";

    /** The launcher's folder variables in the runtime's .cfg files, and Karaf's (system properties Karaf interpolates). */
    private static final Map<String, String> KARAF_FOLDERS = Map.of(
            "${trit.models.dir}", "${karaf.base}/models",
            "${trit.data.dir}", "${karaf.data}");

    private static final Pattern RUN_BUNDLE = Pattern.compile("([\\w.\\-]+);version='\\[([^,]+),([^)]+)\\)'");

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: GenerateFeatures RUNTIME_BNDRUN ARTIFACT_DIR KARAF_PROVIDED OUTPUT_DIR VERSION");
            System.exit(2);
        }
        List<RunBundle> runBundles = runBundles(Path.of(args[0]));
        List<Artifact> artifacts = artifacts(Path.of(args[1]));
        Properties karafProvided = new Properties();
        try (var in = Files.newBufferedReader(Path.of(args[2]))) {
            karafProvided.load(in);
        }
        List<String> stale = karafProvided.stringPropertyNames().stream()
                .filter(name -> runBundles.stream().noneMatch(rb -> rb.symbolicName().equals(name))).sorted().toList();
        if (!stale.isEmpty()) {
            System.err.println("GenerateFeatures: " + args[2] + " names bundles that are not run bundles of " + args[0]
                    + ": " + stale + " (remove them)");
            System.exit(1);
        }
        List<Artifact> feature = new ArrayList<>();
        List<RunBundle> featureRunBundles = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (RunBundle rb : runBundles) {
            if (karafProvided.containsKey(rb.symbolicName())) {
                continue;
            }
            featureRunBundles.add(rb);
            artifacts.stream()
                    .filter(a -> a.symbolicName().equals(rb.symbolicName())
                            && compare(a.version(), rb.low()) >= 0 && compare(a.version(), rb.high()) < 0)
                    .findFirst()
                    .ifPresentOrElse(feature::add, () -> missing.add(rb.symbolicName() + " [" + rb.low() + "," + rb.high() + ")"));
        }
        if (!missing.isEmpty()) {
            System.err.println("GenerateFeatures: no Maven artifact among the runtime's dependencies for: " + missing);
            System.exit(1);
        }
        TreeSet<String> karafFeatures = new TreeSet<>();
        karafProvided.stringPropertyNames().forEach(name -> karafFeatures.add(karafProvided.getProperty(name).trim()));
        karafFeatures.remove(KARAF_FRAMEWORK);
        String modelsConfig = karafConfig(Path.of(args[0]).resolveSibling("etc").resolve(MODELS_PID + ".cfg"));
        Path out = Path.of(args[3]);
        Files.createDirectories(out);
        Files.writeString(out.resolve("features.xml"), xml(karafFeatures, feature, modelsConfig, args[4]));
        Files.writeString(out.resolve("trit-feature.bnd"), requirements(featureRunBundles));
        System.out.println("GenerateFeatures: feature 'trit' with " + feature.size() + " bundles and the Karaf features "
                + karafFeatures + " -> " + out.resolve("features.xml"));
    }

    /** The -runbundles entries of a bndrun file (a backslash-continued list). */
    static List<RunBundle> runBundles(Path bndrun) throws IOException {
        String text = Files.readString(bndrun).replace("\\\n", " ");
        String line = text.lines().filter(l -> l.startsWith("-runbundles:")).findFirst()
                .orElseThrow(() -> new IllegalStateException(bndrun + " has no -runbundles: run the build's resolver first"));
        List<RunBundle> result = new ArrayList<>();
        Matcher m = RUN_BUNDLE.matcher(line);
        while (m.find()) {
            result.add(new RunBundle(m.group(1), m.group(2), m.group(3)));
        }
        return result;
    }

    static List<Artifact> artifacts(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            List<Artifact> result = new ArrayList<>();
            for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).toList()) {
                try (JarFile file = new JarFile(jar.toFile())) {
                    Attributes main = file.getManifest() == null ? null : file.getManifest().getMainAttributes();
                    if (main == null || main.getValue("Bundle-SymbolicName") == null) {
                        continue;
                    }
                    String name = main.getValue("Bundle-SymbolicName").split(";", 2)[0].trim();
                    String version = main.getValue("Bundle-Version") == null ? "0.0.0" : main.getValue("Bundle-Version").trim();
                    // repository layout: group/as/path/artifact/version/artifact-version[-classifier].jar
                    Path rel = root.relativize(jar);
                    int n = rel.getNameCount();
                    String artifactId = rel.getName(n - 3).toString();
                    String mavenVersion = rel.getName(n - 2).toString();
                    String groupId = rel.subpath(0, n - 3).toString().replace(rel.getFileSystem().getSeparator(), ".");
                    String url = "mvn:" + groupId + "/" + artifactId + "/" + mavenVersion;
                    boolean early = RunBundles.startLevel(name) < RunBundles.START_LEVEL;
                    result.add(new Artifact(name, version, url, early));
                }
            }
            return result;
        }
    }

    /** A runtime .cfg file with the launcher's folder variables replaced by Karaf's. */
    static String karafConfig(Path cfg) throws IOException {
        String text = Files.readString(cfg);
        for (var folder : KARAF_FOLDERS.entrySet()) {
            text = text.replace(folder.getKey(), folder.getValue());
        }
        if (text.contains("${trit.")) {
            System.err.println("GenerateFeatures: " + cfg + " uses a launcher variable with no Karaf equivalent ("
                    + text.substring(text.indexOf("${trit.")).lines().findFirst().orElseThrow() + "): add it to KARAF_FOLDERS");
            System.exit(1);
        }
        return text;
    }

    /** The feature's bundles as a bnd property of bnd.identity requirements, each with its resolved version range. */
    static String requirements(List<RunBundle> bundles) {
        StringBuilder out = new StringBuilder("# Generated by features/src/build/GenerateFeatures.java: the bundles of the feature \"trit\".\n");
        out.append("trit.feature.requires: \\\n");
        for (int i = 0; i < bundles.size(); i++) {
            RunBundle rb = bundles.get(i);
            out.append("\tbnd.identity;id='").append(rb.symbolicName()).append("';version='[").append(rb.low()).append(',')
                    .append(rb.high()).append(")'").append(i < bundles.size() - 1 ? ",\\\n" : "\n");
        }
        return out.toString();
    }

    static String xml(TreeSet<String> karafFeatures, List<Artifact> bundles, String modelsConfig, String version) {
        StringBuilder out = new StringBuilder();
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.append("<!-- Generated from runtime/trit.bndrun and features/karaf-provided.properties by features/src/build/GenerateFeatures.java: do not edit. -->\n");
        out.append("<features name=\"trit-").append(version).append("\" xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">\n");
        out.append("  <feature name=\"trit\" version=\"").append(version.replace('-', '.'))
                .append("\" description=\"Trit: local BitNet inference, Kimi K2, routing and an OpenAI-compatible REST API\">\n");
        // What Karaf provides itself (features/karaf-provided.properties) beyond its framework feature.
        for (String karafFeature : karafFeatures) {
            out.append("    <feature>").append(karafFeature).append("</feature>\n");
        }
        out.append("    <config name=\"").append(MODELS_PID).append("\">\n").append(escape(modelsConfig)).append("    </config>\n");
        for (Artifact a : bundles) {
            // The ServiceLoader mediator must weave the bundles that use ServiceLoader, so it starts first.
            out.append("    <bundle").append(a.early() ? " start-level=\"20\"" : "").append(">")
                    .append(a.mvnUrl()).append("</bundle>\n");
        }
        out.append("  </feature>\n</features>\n");
        return out.toString();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** OSGi version order: major.minor.micro numerically, then the qualifier as a string. */
    static int compare(String a, String b) {
        String[] x = a.split("\\.", 4);
        String[] y = b.split("\\.", 4);
        for (int i = 0; i < 3; i++) {
            int c = Integer.compare(i < x.length ? Integer.parseInt(x[i]) : 0, i < y.length ? Integer.parseInt(y[i]) : 0);
            if (c != 0) {
                return c;
            }
        }
        return (x.length > 3 ? x[3] : "").compareTo(y.length > 3 ? y[3] : "");
    }
}
