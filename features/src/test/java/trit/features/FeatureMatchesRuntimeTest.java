package trit.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;

import trit.features.BuildFiles.BundleRef;
import trit.features.BuildFiles.KarafFeature;

/**
 * The feature "trit" (features/target/features.xml) and the Felix runtime's bundle list
 * (runtime/trit.bndrun) cannot drift: every run bundle is in the feature, in the version the runtime
 * resolved, or named in karaf-provided.properties, and nothing else is in the feature.
 */
class FeatureMatchesRuntimeTest {

    private final Path featuresDir = BuildFiles.path("trit.features.dir");
    private final List<BundleRef> runBundles = BuildFiles.bundles(BuildFiles.path("trit.runtime.bndrun"), "-runbundles");
    private final Properties karafProvided = BuildFiles.properties(BuildFiles.path("trit.karaf.provided"));
    private final KarafFeature trit = BuildFiles.features(featuresDir.resolve("features.xml")).get("trit");

    @Test
    void everyRunBundleIsInTheFeatureOrProvidedByKaraf() {
        assertTrue(runBundles.size() > 40, "runtime/trit.bndrun has too few -runbundles to be the resolved list: " + runBundles);
        List<String> inFeature = featureBundles().stream().map(BundleRef::symbolicName).toList();
        Set<String> runtime = new TreeSet<>(runBundles.stream().map(BundleRef::symbolicName).toList());

        Set<String> featureOrKaraf = new TreeSet<>(inFeature);
        featureOrKaraf.addAll(karafProvided.stringPropertyNames());
        assertEquals(runtime, featureOrKaraf, "feature bundles + karaf-provided.properties must be exactly the runtime's run bundles");

        assertEquals(inFeature.size(), new HashSet<>(inFeature).size(), "a bundle is listed twice in the feature: " + inFeature);
        Set<String> both = new TreeSet<>(inFeature);
        both.retainAll(karafProvided.stringPropertyNames());
        assertEquals(Set.of(), both, "bundles both in the feature and named as provided by Karaf");
    }

    @Test
    void everyFeatureBundleHasTheVersionTheRuntimeResolved() {
        for (BundleRef bundle : featureBundles()) {
            BundleRef run = runBundles.stream().filter(r -> r.symbolicName().equals(bundle.symbolicName())).findFirst().orElseThrow();
            assertTrue(new VersionRange("[" + run.low() + "," + run.high() + ")").includes(Version.parseVersion(bundle.low())),
                    bundle.symbolicName() + " " + bundle.low() + " in the feature, runtime resolved [" + run.low() + "," + run.high() + ")");
        }
    }

    @Test
    void theFeatureDependsOnEveryKarafFeatureThatProvidesARunBundle() {
        Set<String> needed = new TreeSet<>();
        karafProvided.stringPropertyNames().forEach(name -> needed.add(karafProvided.getProperty(name).trim()));
        needed.remove("framework");
        assertEquals(needed, new TreeSet<>(trit.features()));
        assertEquals(Set.of("scr"), needed, "Karaf 4.4's default boot features have no Declarative Services");
    }

    @Test
    void theFeatureCarriesTheRuntimesModelFolderConfigurationInKarafsFolders() throws Exception {
        Properties runtime = BuildFiles.properties(BuildFiles.path("trit.runtime.bndrun").resolveSibling("etc").resolve("trit.models.cfg"));
        Properties karaf = new Properties();
        karaf.load(new StringReader(trit.configs().get("trit.models")));
        runtime.setProperty("directory", "${karaf.base}/models");
        runtime.setProperty("demo.file", "${karaf.data}/trit-demo.gguf");
        assertEquals(new TreeMap<>(runtime), new TreeMap<>(karaf), "the feature's trit.models configuration");
    }

    @Test
    void theResolverCheckRequiresExactlyTheFeatureBundles() {
        List<BundleRef> required = BuildFiles.bundles(featuresDir.resolve("trit-feature.bnd"), "trit.feature.requires");
        assertEquals(new TreeSet<>(featureBundles().stream().map(BundleRef::symbolicName).toList()),
                new TreeSet<>(required.stream().map(BundleRef::symbolicName).toList()));
    }

    /** The feature's bundles, identified by the manifests of the jars their mvn: URLs name. */
    private List<BundleRef> featureBundles() {
        Path artifacts = featuresDir.resolve("runtime-artifacts");
        List<BundleRef> result = new ArrayList<>();
        for (String url : trit.bundles()) {
            String[] identity = BuildFiles.identity(BuildFiles.jar(artifacts, url));
            result.add(new BundleRef(identity[0], identity[1], identity[1]));
        }
        return result;
    }
}
