package trit.rest;

import java.util.Hashtable;

import jakarta.ws.rs.core.Application;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.jakartars.whiteboard.JakartarsWhiteboardConstants;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The Trit API as a whiteboard application, mounted at the configured base path, and the holder
 * of the current {@code trit.rest} settings.
 *
 * <p>The application is registered by hand rather than as a DS service so that a new base path
 * only updates the registration's properties: the whiteboard moves the application while the
 * framework keeps running. Filters and resources read the other settings from here instead of
 * taking the configuration themselves: a configuration change would otherwise change their
 * service properties and make the whiteboard re-register them, leaving a moment without them.
 */
@Component(service = RestApplication.class, immediate = true, configurationPid = RestConfiguration.PID)
@Designate(ocd = RestConfiguration.class)
public class RestApplication {

    /** The name resources and extensions select to join this application. */
    public static final String NAME = "trit";
    /** Selects this application. */
    public static final String SELECT = "(" + JakartarsWhiteboardConstants.JAKARTA_RS_NAME + "=" + NAME + ")";
    /** Selects every application, the whiteboard's default one included (for paths outside the base). */
    public static final String ALL_APPLICATIONS = "(" + JakartarsWhiteboardConstants.JAKARTA_RS_NAME + "=*)";

    private ServiceRegistration<Application> registration;
    private volatile RestConfiguration config;

    @Activate
    void activate(BundleContext context, RestConfiguration config) {
        this.config = config;
        registration = context.registerService(Application.class, new Application(), properties(config));
    }

    @Modified
    void modified(RestConfiguration newConfig) {
        RestConfiguration old = this.config;
        this.config = newConfig;
        if (!normalizeBasePath(old.base_path()).equals(normalizeBasePath(newConfig.base_path()))) {
            registration.setProperties(properties(newConfig));
        }
    }

    /** The largest request body accepted, in bytes. */
    public long maxRequestBytes() {
        return config.max_request_bytes();
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }

    static Hashtable<String, Object> properties(RestConfiguration config) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(JakartarsWhiteboardConstants.JAKARTA_RS_NAME, NAME);
        properties.put(JakartarsWhiteboardConstants.JAKARTA_RS_APPLICATION_BASE, normalizeBasePath(config.base_path()));
        return properties;
    }

    /** "/" for blank input; otherwise one leading slash and no trailing one, e.g. "trit/" becomes "/trit". */
    static String normalizeBasePath(String basePath) {
        String path = basePath == null ? "" : basePath.trim();
        path = path.replaceAll("/+", "/").replaceAll("^/|/$", "");
        if (!path.matches("[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")) {
            throw new IllegalArgumentException("base.path '" + basePath + "' is not a URL path");
        }
        return "/" + path;
    }
}
