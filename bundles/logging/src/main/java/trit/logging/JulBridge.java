package trit.logging;

import java.util.List;
import java.util.logging.Handler;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * What is logged through {@code java.util.logging} (Jersey, the REST whiteboard, SPI Fly) goes to
 * SLF4J under the same logger names, in place of JUL's own console handler, which comes back when
 * this bundle stops. JUL's levels follow logback's (conf/logback.xml's LevelChangePropagator), so
 * records nobody keeps are not even made.
 */
@Component(immediate = true, service = {})
public class JulBridge {

    private final java.util.logging.Logger root = java.util.logging.LogManager.getLogManager().getLogger("");
    private final List<Handler> replaced;

    @Activate
    public JulBridge() {
        replaced = List.of(root.getHandlers());
        replaced.forEach(root::removeHandler);
        SLF4JBridgeHandler.install();
    }

    @Deactivate
    void stop() {
        SLF4JBridgeHandler.uninstall();
        replaced.forEach(root::addHandler);
    }
}
