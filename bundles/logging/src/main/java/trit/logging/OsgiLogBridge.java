package trit.logging;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What bundles log through the OSGi log service (Felix SCR, ConfigAdmin, FileInstall, the
 * framework's own events) goes to SLF4J, so it reaches the same console and files as the rest.
 * The SLF4J logger is named after the bundle's symbolic name, so its level is set per bundle
 * (e.g. {@code org.apache.felix.scr=DEBUG} in {@code trit.logging}). The entries the log service
 * kept from before this bridge started are passed on first, oldest first.
 */
@Component(immediate = true, service = {})
public class OsgiLogBridge implements LogListener {

    /** The logger of entries no bundle is named for. */
    static final String FRAMEWORK_LOGGER = "org.osgi.framework";
    /** The prefix of the logger names the framework's events are logged under (OSGi Log 1.4, 101.6.5). */
    private static final String EVENTS = "Events.";

    private final LogReaderService reader;

    @Activate
    public OsgiLogBridge(@Reference LogReaderService reader) {
        this.reader = reader;
        List<LogEntry> kept = new ArrayList<>(Collections.list(reader.getLog()));
        Collections.reverse(kept); // getLog() gives the newest first
        kept.forEach(this::logged);
        reader.addLogListener(this);
    }

    @Deactivate
    void stop() {
        reader.removeLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        Logger logger = LoggerFactory.getLogger(loggerName(entry));
        String message = entry.getServiceReference() == null ? entry.getMessage()
                : entry.getMessage() + " (service " + entry.getServiceReference().getProperty("service.id") + ")";
        Throwable error = entry.getException();
        switch (entry.getLogLevel()) {
            case AUDIT, ERROR -> logger.error(message, error);
            case WARN -> logger.warn(message, error);
            case INFO -> logger.info(message, error);
            case DEBUG -> logger.debug(message, error);
            case TRACE -> logger.trace(message, error);
        }
    }

    /**
     * The bundle's symbolic name for what the bundle logged; {@code osgi.events.} and the name for
     * the framework's events about it (bundle started, service registered ...), which are many and
     * rarely wanted: they stay below the default levels unless asked for.
     */
    static String loggerName(LogEntry entry) {
        Bundle bundle = entry.getBundle();
        String name = bundle == null || bundle.getBundleId() == 0 || bundle.getSymbolicName() == null ? FRAMEWORK_LOGGER
                : bundle.getSymbolicName();
        return entry.getLoggerName() != null && entry.getLoggerName().startsWith(EVENTS) ? "osgi.events." + name : name;
    }
}
