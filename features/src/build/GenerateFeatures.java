/*
 * Writes the Karaf features repository of Trit from the bundle list of the runtime.
 *
 * Usage: java -cp trit-launcher.jar GenerateFeatures.java RUNTIME_BNDRUN ARTIFACT_DIR OUTPUT_XML VERSION
 *
 * RUNTIME_BNDRUN is runtime/trit.bndrun, whose -runbundles the build's resolver wrote;
 * ARTIFACT_DIR holds the runtime's Maven dependencies in repository layout (group/artifact/
 * version/file.jar), so each bundle's mvn: URL comes from where its jar lies. Every run bundle
 * must be found there: the feature and the runtime cannot differ.
 */

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    private static final Pattern RUN_BUNDLE = Pattern.compile("([\\w.\\-]+);version='\\[([^,]+),([^)]+)\\)'");

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: GenerateFeatures RUNTIME_BNDRUN ARTIFACT_DIR OUTPUT_XML VERSION");
            System.exit(2);
        }
        List<RunBundle> runBundles = runBundles(Path.of(args[0]));
        List<Artifact> artifacts = artifacts(Path.of(args[1]));
        List<Artifact> feature = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (RunBundle rb : runBundles) {
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
        Files.writeString(Path.of(args[2]), xml(feature, args[3]));
        System.out.println("GenerateFeatures: feature 'trit' with " + feature.size() + " bundles -> " + args[2]);
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

    static String xml(List<Artifact> bundles, String version) {
        StringBuilder out = new StringBuilder();
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.append("<!-- Generated from runtime/trit.bndrun by features/src/build/GenerateFeatures.java: do not edit. -->\n");
        out.append("<features name=\"trit-").append(version).append("\" xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">\n");
        out.append("  <feature name=\"trit\" version=\"").append(version.replace('-', '.'))
                .append("\" description=\"Trit: local BitNet inference, Kimi K2, routing and an OpenAI-compatible REST API\">\n");
        for (Artifact a : bundles) {
            // The ServiceLoader mediator must weave the bundles that use ServiceLoader, so it starts first.
            out.append("    <bundle").append(a.early() ? " start-level=\"20\"" : "").append(">")
                    .append(a.mvnUrl()).append("</bundle>\n");
        }
        out.append("  </feature>\n</features>\n");
        return out.toString();
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
