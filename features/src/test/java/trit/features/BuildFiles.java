package trit.features;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads the files the build wrote or checks: bndrun bundle lists, Karaf features XML, the
 * runtime's Maven artifacts. Paths come from the system properties surefire sets (features/pom.xml).
 */
final class BuildFiles {

    /** A bundle by symbolic name and the version range a bndrun gives it ({@code [low,high)}). */
    record BundleRef(String symbolicName, String low, String high) {
    }

    /** A Karaf feature: its name, its {@code <feature>} dependencies, its bundle URLs, its configurations by PID. */
    record KarafFeature(String name, List<String> features, List<String> bundles, Map<String, String> configs) {
    }

    private static final Pattern BND_IDENTITY = Pattern.compile("(?:bnd\\.identity;id=)?'?([\\w.\\-]+)'?;version='\\[([^,]+),([^)]+)\\)'");

    private BuildFiles() {
    }

    static Path path(String systemProperty) {
        String value = System.getProperty(systemProperty);
        if (value == null || value.isBlank() || value.startsWith("${")) {
            throw new IllegalStateException("system property " + systemProperty + " is not set: run the tests through Maven (features/pom.xml)");
        }
        return Path.of(value);
    }

    /** The value of a bndrun/bnd property (backslash-continued lines joined), or "" when absent. */
    static String bndProperty(Path file, String name) {
        String text = read(file).replace("\\\n", " ");
        return text.lines().filter(l -> l.startsWith(name + ":")).findFirst()
                .map(l -> l.substring(name.length() + 1).trim()).orElse("");
    }

    /** The bundles named with version ranges in a bnd property, e.g. -runbundles. */
    static List<BundleRef> bundles(Path file, String property) {
        List<BundleRef> result = new ArrayList<>();
        Matcher m = BND_IDENTITY.matcher(bndProperty(file, property));
        while (m.find()) {
            result.add(new BundleRef(m.group(1), m.group(2), m.group(3)));
        }
        return result;
    }

    static Properties properties(Path file) {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** The features of a Karaf features repository, by name, in document order. */
    static Map<String, KarafFeature> features(Path xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            Document doc = factory.newDocumentBuilder().parse(xml.toFile());
            Map<String, KarafFeature> result = new LinkedHashMap<>();
            NodeList features = doc.getDocumentElement().getElementsByTagNameNS("*", "feature");
            for (int i = 0; i < features.getLength(); i++) {
                Element feature = (Element) features.item(i);
                if (!feature.getParentNode().isSameNode(doc.getDocumentElement())) {
                    continue; // a <feature> dependency inside a feature
                }
                List<String> dependencies = new ArrayList<>();
                List<String> bundles = new ArrayList<>();
                Map<String, String> configs = new LinkedHashMap<>();
                for (var child = feature.getFirstChild(); child != null; child = child.getNextSibling()) {
                    if (child instanceof Element e && "feature".equals(e.getLocalName())) {
                        dependencies.add(e.getTextContent().trim());
                    } else if (child instanceof Element e && "bundle".equals(e.getLocalName())) {
                        bundles.add(e.getTextContent().trim());
                    } else if (child instanceof Element e && "config".equals(e.getLocalName())) {
                        configs.put(e.getAttribute("name"), e.getTextContent());
                    }
                }
                result.put(feature.getAttribute("name"), new KarafFeature(feature.getAttribute("name"), dependencies, bundles, configs));
            }
            return result;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the features XML " + xml + ": " + e, e);
        }
    }

    /** The jar a {@code mvn:group/artifact/version} URL names, in a folder in Maven repository layout. */
    static Path jar(Path repository, String mvnUrl) {
        String[] gav = mvnUrl.substring("mvn:".length()).split("/");
        Path dir = repository.resolve(gav[0].replace('.', '/')).resolve(gav[1]).resolve(gav[2]);
        Path jar = dir.resolve(gav[1] + "-" + gav[2] + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(mvnUrl + " names no jar in " + repository + " (looked for " + jar + ")");
        }
        return jar;
    }

    /** {@code Bundle-SymbolicName} (without directives) and {@code Bundle-Version} of a jar. */
    static String[] identity(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            var main = file.getManifest().getMainAttributes();
            return new String[] {main.getValue("Bundle-SymbolicName").split(";", 2)[0].trim(), main.getValue("Bundle-Version").trim()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
