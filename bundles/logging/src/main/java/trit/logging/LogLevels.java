package trit.logging;

import java.util.HashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;

/**
 * Applies {@code trit.logging}'s levels to logback's loggers while the server runs. A logger
 * the configuration stops naming gets back the level it had before (conf/logback.xml's), and
 * all do when the configuration goes away. Entries that cannot be read are reported in one
 * error line and skipped; the others still apply.
 */
@Component(immediate = true, configurationPid = LoggingConfiguration.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = {})
@Designate(ocd = LoggingConfiguration.class)
public class LogLevels {

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(LogLevels.class);

    /** The level each logger had before this component first changed it (null: inherited). */
    private final Map<String, Level> original = new HashMap<>();

    @Activate
    @Modified
    void apply(LoggingConfiguration config) {
        LoggerContext context = logback();
        if (context == null) {
            return;
        }
        LevelSettings settings = LevelSettings.parse(config.levels());
        if (!settings.errors().isEmpty()) {
            LOG.error("{} levels: {}", LoggingConfiguration.PID, String.join("; ", settings.errors()));
        }
        synchronized (original) {
            original.forEach((name, level) -> {
                if (!settings.levels().containsKey(name)) {
                    context.getLogger(name).setLevel(level);
                }
            });
            original.keySet().retainAll(settings.levels().keySet());
            settings.levels().forEach((name, level) -> {
                Logger logger = context.getLogger(name);
                original.putIfAbsent(name, logger.getLevel());
                logger.setLevel(Level.toLevel(level));
            });
        }
        LOG.info("{} levels applied: {}", LoggingConfiguration.PID,
                settings.levels().isEmpty() ? "none (conf/logback.xml's)" : settings.levels());
    }

    @Deactivate
    void restore() {
        LoggerContext context = logback();
        synchronized (original) {
            if (context != null) {
                original.forEach((name, level) -> context.getLogger(name).setLevel(level));
            }
            original.clear();
        }
    }

    /** Logback's context, or null (with a warning) when SLF4J logs to another backend. */
    private static LoggerContext logback() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context) {
            return context;
        }
        LOG.warn("SLF4J logs to {}, not logback: {} cannot set levels; configure that backend instead",
                factory.getClass().getName(), LoggingConfiguration.PID);
        return null;
    }
}
