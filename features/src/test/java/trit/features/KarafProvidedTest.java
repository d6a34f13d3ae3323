package trit.features;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import trit.features.BuildFiles.BundleRef;
import trit.features.BuildFiles.KarafFeature;

/**
 * What karaf-provided.properties and karaf.bndrun say Karaf provides is what Karaf's own feature
 * files (org.apache.karaf.features:framework and :standard, the version in features/pom.xml) install.
 */
class KarafProvidedTest {

    private final Map<String, KarafFeature> framework = BuildFiles.features(BuildFiles.path("karaf.framework.features"));
    private final Map<String, KarafFeature> standard = BuildFiles.features(BuildFiles.path("karaf.standard.features"));

    @Test
    void everyKarafFeatureNamedIsKarafsFrameworkOrAStandardFeature() {
        Properties provided = BuildFiles.properties(BuildFiles.path("trit.karaf.provided"));
        for (String bundle : provided.stringPropertyNames()) {
            String feature = provided.getProperty(bundle).trim();
            assertTrue(framework.containsKey(feature) || standard.containsKey(feature),
                    "karaf-provided.properties: " + bundle + " = " + feature + ", but Karaf has no feature " + feature
                            + " (framework: " + framework.keySet() + ")");
        }
    }

    @Test
    void everyKarafBundleOfTheResolverCheckIsInstalledByThoseFeatures() {
        List<String> installed = new java.util.ArrayList<>(framework.get("framework").bundles());
        installed.addAll(standard.get("scr").bundles());
        for (BundleRef bundle : BuildFiles.bundles(BuildFiles.path("trit.karaf.bndrun"), "karaf.provides")) {
            assertTrue(installed.stream().anyMatch(url -> names(url, bundle)),
                    "karaf.bndrun stands " + bundle.symbolicName() + " " + bundle.low()
                            + " in for Karaf, but Karaf's framework and scr features install none such: " + installed);
        }
    }

    /** Whether a mvn: URL is this bundle: its symbolic name is the artifactId or groupId.artifactId, same version. */
    private static boolean names(String mvnUrl, BundleRef bundle) {
        String[] gav = mvnUrl.substring("mvn:".length()).split("/");
        boolean name = bundle.symbolicName().equals(gav[1]) || bundle.symbolicName().equals(gav[0] + "." + gav[1]);
        return name && bundle.low().equals(gav[2]);
    }
}
