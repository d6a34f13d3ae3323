package trit.logging;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;

/**
 * Applies {@code trit.logging}'s levels to logback's loggers while the server runs, and to the
 * OSGi log service's {@link LoggerAdmin} (a name there is both a logger name and a bundle's
 * symbolic name), so that a bundle logging through OSGi Loggers makes the entries asked for
 * before the bridge passes them on. A logger
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
    /** The names this component gave a level in the LoggerAdmin. */
    private final Set<String> osgiNamed = new HashSet<>();
    private volatile LevelSettings current = LevelSettings.parse(null);
    private volatile LoggerAdmin loggerAdmin;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, unbind = "unsetLoggerAdmin")
    void setLoggerAdmin(LoggerAdmin admin) {
        loggerAdmin = admin;
        applyOsgi(admin, current);
    }

    void unsetLoggerAdmin(LoggerAdmin admin) {
        if (loggerAdmin == admin) {
            loggerAdmin = null;
        }
    }

    @Activate
    @Modified
    void apply(LoggingConfiguration config) {
        LevelSettings settings = LevelSettings.parse(config.levels());
        current = settings;
        applyOsgi(loggerAdmin, settings);
        LoggerContext context = logback();
        if (context == null) {
            return;
        }
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

    /** Sets the levels in the OSGi LoggerAdmin: the root context by logger name, and each name's bundle context. */
    private void applyOsgi(LoggerAdmin admin, LevelSettings settings) {
        if (admin == null) {
            return;
        }
        synchronized (osgiNamed) {
            org.osgi.service.log.admin.LoggerContext root = admin.getLoggerContext(null);
            Map<String, LogLevel> rootLevels = new HashMap<>(root.getLogLevels());
            for (String name : osgiNamed) {
                rootLevels.remove(name);
                if (!name.equals(org.osgi.service.log.Logger.ROOT_LOGGER_NAME)) {
                    admin.getLoggerContext(name).clear();
                }
            }
            osgiNamed.clear();
            settings.levels().forEach((name, level) -> {
                // OSGi has no OFF: ERROR is the quietest level a logger can be given.
                LogLevel osgiLevel = level.equals("OFF") ? LogLevel.ERROR : LogLevel.valueOf(level);
                rootLevels.put(name, osgiLevel);
                if (!name.equals(org.osgi.service.log.Logger.ROOT_LOGGER_NAME)) {
                    admin.getLoggerContext(name).setLogLevels(Map.of(org.osgi.service.log.Logger.ROOT_LOGGER_NAME, osgiLevel));
                }
                osgiNamed.add(name);
            });
            root.setLogLevels(rootLevels);
        }
    }

    @Deactivate
    void restore() {
        applyOsgi(loggerAdmin, LevelSettings.parse(null));
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
