package trit.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import trit.features.BuildFiles.BundleRef;

/**
 * The check karaf-maven-plugin's verify cannot make on Java 25: the build resolved features/karaf.bndrun
 * (the feature's bundles plus the Karaf 4.4.10 bundles for what Karaf provides) against JavaSE-25,
 * failing when they do not resolve. Here: the resolver needed nothing beyond those, so the feature
 * is complete on Karaf, and it did not fall back on the Felix runtime's own logging stack.
 */
class KarafFeatureResolveTest {

    private final Path karafBndrun = BuildFiles.path("trit.karaf.bndrun");
    private final List<BundleRef> resolved = BuildFiles.bundles(karafBndrun, "-runbundles");
    private final List<BundleRef> feature = BuildFiles.bundles(BuildFiles.path("trit.features.dir").resolve("trit-feature.bnd"), "trit.feature.requires");
    private final List<BundleRef> karaf = BuildFiles.bundles(karafBndrun, "karaf.provides");

    @Test
    void theFeatureAndKarafsBundlesResolveWithNothingElse() {
        assertTrue(feature.size() > 40, "trit-feature.bnd lists too few bundles: " + feature);
        assertEquals(9, karaf.size(), "karaf.provides in karaf.bndrun: " + karaf);
        Set<String> expected = new TreeSet<>();
        feature.forEach(b -> expected.add(b.symbolicName() + " " + b.low()));
        karaf.forEach(b -> expected.add(b.symbolicName() + " " + b.low()));
        Set<String> actual = new TreeSet<>();
        resolved.forEach(b -> actual.add(b.symbolicName() + " " + b.low()));
        Set<String> missingFromFeature = new TreeSet<>(actual);
        missingFromFeature.removeAll(expected);
        Set<String> notResolved = new TreeSet<>(expected);
        notResolved.removeAll(actual);
        assertEquals(expected, actual, "-runbundles of " + karafBndrun + " (rewritten by the build's resolver) must be exactly "
                + "the feature's bundles and Karaf's; resolved but in neither (missing from the feature, or wrongly named in "
                + "karaf-provided.properties): " + missingFromFeature + "; required but not resolved: " + notResolved);
    }

    @Test
    void loggingGoesToPaxLoggingNotToTheFelixRuntimesLogback() {
        Set<String> names = new TreeSet<>(resolved.stream().map(BundleRef::symbolicName).toList());
        assertTrue(names.contains("org.ops4j.pax.logging.pax-logging-api"), names.toString());
        for (String felixOnly : List.of("org.apache.felix.log", "slf4j.api", "ch.qos.logback.classic", "ch.qos.logback.core")) {
            assertTrue(!names.contains(felixOnly), felixOnly + " resolved into the Karaf check: " + names);
        }
    }

    @Test
    void declarativeServicesIsKarafsScr() {
        BundleRef scr = resolved.stream().filter(b -> b.symbolicName().equals("org.apache.felix.scr")).findFirst().orElseThrow();
        assertEquals("2.2.6", scr.low(), "Karaf 4.4.10's scr feature installs Felix SCR 2.2.6");
    }
}
