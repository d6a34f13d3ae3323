package trit.itests;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.function.Predicate;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.LogService;
import org.osgi.service.log.Logger;

/**
 * One logging path in the running framework: what a bundle logs through the OSGi log service and
 * what Jersey-style code logs through java.util.logging end up in the runtime's server log
 * ({@code ${trit.data.dir}/logs/trit.log}, the runtime's own conf/logback.xml), and levels follow
 * {@code trit.logging} from the configuration folder while the framework runs.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LoggingTest {

    @Inject
    private BundleContext context;
    @Inject
    private LogService logService;

    @Configuration
    public Option[] configuration() {
        return TritFramework.options();
    }

    @After
    public void removeLevels() throws IOException {
        Files.deleteIfExists(cfg());
    }

    @Test
    public void theOsgiLogServiceAndJavaUtilLoggingReachTheServerLog() {
        String osgi = "osgi-" + UUID.randomUUID();
        Logger logger = logService.getLogger("itest");
        logger.warn(osgi);
        String line = awaitLine(l -> l.contains(osgi), "the OSGi log entry");
        assertTrue("level and the bundle's name as logger: " + line,
                line.contains(" WARN ") && line.contains(context.getBundle().getSymbolicName() + " - " + osgi));

        String jul = "jul-" + UUID.randomUUID();
        java.util.logging.Logger.getLogger("trit.itest.jul").warning(jul);
        line = awaitLine(l -> l.contains(jul), "the java.util.logging record");
        assertTrue(line, line.contains(" WARN ") && line.contains("trit.itest.jul - " + jul));
    }

    @Test
    public void levelsFollowTritLoggingWhileTheServerRunsAndComeBackWhenTheEntryGoes() throws Exception {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("trit.itest.levels");
        String before = "before-" + UUID.randomUUID();
        jul.fine(before); // DEBUG: below conf/logback.xml's INFO for trit

        Files.writeString(cfg(), "levels = trit.itest.levels=DEBUG\n");
        String during = "during-" + UUID.randomUUID();
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!log().contains(during) && System.nanoTime() < deadline) {
            jul.fine(during); // until the level applies
            Http.sleep(100);
        }
        assertTrue("DEBUG is written once trit.logging says so", log().contains(during));
        assertFalse("and was not before", log().contains(before));

        Http.sleep(1100); // a change within the same second as the last one may go unnoticed by FileInstall
        String loud = "LOUD" + UUID.randomUUID().toString().substring(0, 8); // this run's, not a line of an earlier run
        Files.writeString(cfg(), "levels = trit.itest.levels=" + loud + ", trit.itest.other=INFO\n");
        awaitLine(l -> l.contains("ERROR") && l.contains("trit.logging levels: 'trit.itest.levels=" + loud + "': the level must "
                + "be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, was '" + loud + "'"), "the bad entry to be reported");
        String after = "after-" + UUID.randomUUID();
        jul.fine(after);
        Http.sleep(500);
        assertFalse("the bad entry is not applied; the logger is back at its own level", log().contains(after));
    }

    @Test
    public void aBundlesOsgiLoggersFollowItsLevelInTritLogging() throws Exception {
        Logger logger = logService.getLogger("itest");
        String before = "osgi-before-" + UUID.randomUUID();
        logger.debug(before);
        Http.sleep(1100); // apart from the last test's change of the file (FileInstall)
        Files.writeString(cfg(), "levels = " + context.getBundle().getSymbolicName() + "=DEBUG\n");
        String during = "osgi-during-" + UUID.randomUUID();
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!log().contains(during) && System.nanoTime() < deadline) {
            logger.debug(during);
            Http.sleep(100);
        }
        String line = awaitLine(l -> l.contains(during), "the bundle's DEBUG entry");
        assertTrue(line, line.contains(" DEBUG ") && line.contains(context.getBundle().getSymbolicName() + " - " + during));
        assertFalse("not before", log().contains(before));
    }

    private Path cfg() {
        return Path.of(context.getProperty(TritFramework.CONFIG_DIR)).resolve("trit.logging.cfg");
    }

    private static String awaitLine(Predicate<String> match, String what) {
        for (int i = 0; i < 150; i++) {
            var line = log().lines().filter(match).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            Http.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + " in " + logFile());
    }

    private static String log() {
        try {
            return Files.exists(logFile()) ? Files.readString(logFile()) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path logFile() {
        return Path.of(System.getProperty("trit.data.dir", "target/trit-data"), "logs", "trit.log");
    }
}
