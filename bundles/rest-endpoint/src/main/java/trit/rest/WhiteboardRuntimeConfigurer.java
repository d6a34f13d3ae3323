package trit.rest;

import java.io.IOException;
import java.util.Hashtable;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the Jakarta REST whiteboard's servlet adapter the configuration it requires before it
 * serves anything (its component has {@code configuration-policy=require}), so that operators do
 * not have to know its PID. A configuration an operator provides for that PID (e.g. a
 * {@code JakartarsServletWhiteboardRuntimeComponent.cfg} in {@code etc/}) is left alone.
 */
@Component(immediate = true, service = {})
public class WhiteboardRuntimeConfigurer {

    static final String ADAPTER_PID = "JakartarsServletWhiteboardRuntimeComponent";

    private static final Logger LOG = LoggerFactory.getLogger(WhiteboardRuntimeConfigurer.class);

    @Activate
    public WhiteboardRuntimeConfigurer(@Reference ConfigurationAdmin configAdmin)
            throws IOException, InvalidSyntaxException {
        Configuration[] existing = configAdmin.listConfigurations("(service.pid=" + ADAPTER_PID + ")");
        if (existing != null && existing.length > 0) {
            return;
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("jersey.jakartars.whiteboard.name", RestApplication.NAME);
        properties.put("jersey.context.path", "/");
        // "?": a multi-location binding, so the adapter bundle (not this one) may receive it.
        configAdmin.getConfiguration(ADAPTER_PID, "?").update(properties);
        LOG.debug("Configured the Jakarta REST servlet whiteboard at context path /");
    }
}
