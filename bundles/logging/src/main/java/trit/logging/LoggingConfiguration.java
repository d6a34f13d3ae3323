package trit.logging;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Logger levels, PID {@code trit.logging} (file {@code etc/trit.logging.cfg}). */
@ObjectClassDefinition(name = "Trit logging",
        description = "Levels of loggers, applied while the server runs on top of conf/logback.xml.")
public @interface LoggingConfiguration {

    String PID = "trit.logging";

    @AttributeDefinition(name = "Levels", required = false,
            description = "LOGGER=LEVEL entries (comma-separated in a .cfg file). LOGGER is a logger name: a "
                    + "package or class (trit.router, org.eclipse.jetty), a bundle's symbolic name for what the "
                    + "bundle logs through the OSGi log service (org.apache.felix.scr), or ROOT for every logger. "
                    + "LEVEL is TRACE, DEBUG, INFO, WARN, ERROR or OFF. Loggers not listed keep their level from "
                    + "conf/logback.xml; removing an entry gives it back.")
    String[] levels() default {};
}
