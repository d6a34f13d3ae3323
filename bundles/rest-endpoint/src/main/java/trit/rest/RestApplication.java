package trit.rest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Hashtable;
import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.core.Application;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.jakartars.whiteboard.JakartarsWhiteboardConstants;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.config.ConfigurationValues;

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

    /** The framework property Felix HTTP reads its listening address from. */
    static final String HTTP_HOST = "org.apache.felix.http.host";

    private static final Logger LOG = LoggerFactory.getLogger(RestApplication.class);

    private BundleContext context;
    /** Null while the configuration given at activation is invalid (then nothing is served). */
    private ServiceRegistration<Application> registration;
    private volatile RestConfiguration config;
    private String host;

    @Activate
    void activate(BundleContext context, RestConfiguration config, Map<String, Object> properties) {
        this.context = context;
        this.host = context.getProperty(HTTP_HOST);
        Optional<String> problem = problem(config, properties);
        if (problem.isPresent()) {
            // Read on every request, such a value would fail each one with a 500 (or refuse all with 0).
            LOG.error("Invalid configuration {}: {}; the API is not served until it is fixed", RestConfiguration.PID,
                    problem.get());
            return;
        }
        this.config = config;
        warnIfExposedWithoutKeys();
        registration = context.registerService(Application.class, new TritApplication(), properties(config));
    }

    /** Applies a new configuration; one whose values do not convert is refused and the previous one stays. */
    @Modified
    void modified(RestConfiguration newConfig, Map<String, Object> properties) {
        Optional<String> problem = problem(newConfig, properties);
        if (problem.isPresent()) {
            LOG.error("Invalid configuration {}: {}; {}", RestConfiguration.PID, problem.get(), registration == null
                    ? "the API is not served until it is fixed" : "the previous configuration stays in force");
            return;
        }
        RestConfiguration old = this.config;
        this.config = newConfig;
        warnIfExposedWithoutKeys();
        if (registration == null) {
            registration = context.registerService(Application.class, new TritApplication(), properties(newConfig));
        } else if (!normalizeBasePath(old.base_path()).equals(normalizeBasePath(newConfig.base_path()))) {
            registration.setProperties(properties(newConfig));
        }
    }

    /** Why {@code c} cannot be used, or empty: a value that does not convert, or a limit below 1. */
    static Optional<String> problem(RestConfiguration c, Map<String, ?> properties) {
        Optional<String> unconvertible = ConfigurationValues.unconvertible(RestConfiguration.class, c, properties);
        if (unconvertible.isPresent()) {
            return unconvertible;
        }
        Map<String, Long> limits = new java.util.LinkedHashMap<>();
        limits.put("max.request.bytes", c.max_request_bytes());
        limits.put("max.tokens.cap", (long) c.max_tokens_cap());
        limits.put("max.prompt.chars", (long) c.max_prompt_chars());
        limits.put("max.concurrent.generations", (long) c.max_concurrent_generations());
        limits.put("retry.after.seconds", (long) c.retry_after_seconds());
        return limits.entrySet().stream().filter(e -> e.getValue() < 1).findFirst()
                .map(e -> e.getKey() + " must be >= 1, was " + e.getValue());
    }

    /** The current settings (read them once per request: they may change between two reads). */
    public RestConfiguration config() {
        return config;
    }

    /** The largest request body accepted, in bytes. */
    public long maxRequestBytes() {
        return config.max_request_bytes();
    }

    /**
     * Without keys the API answers loopback clients only (see {@link ApiAccessFilter}), so a
     * server listening on another address serves nobody there: say so loudly, once per change.
     */
    private void warnIfExposedWithoutKeys() {
        if (ApiAccessFilter.keys(config).isEmpty() && !isLoopback(host)) {
            LOG.warn("""

                    ************************************************************************
                    * The server listens on {} but no API key is configured (api.keys in
                    * trit.rest): /v1/... answers 401 to every client not on 127.0.0.1.
                    * Configure api.keys to serve other machines.
                    ************************************************************************""", host);
        }
    }

    /** Whether {@code host} (null: Felix HTTP's default, every address) is a loopback address only. */
    static boolean isLoopback(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        try {
            return InetAddress.getByName(host.trim()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
        }
    }

    /** Jersey's settings for the application (the whiteboard merges them into its own). */
    static final class TritApplication extends Application {
        @Override
        public Map<String, Object> getProperties() {
            // Jersey buffers the first 8 KiB of every answer to compute Content-Length, and a
            // flush() before that is a no-op: streamed tokens would wait for the buffer to fill.
            return Map.of("jersey.config.server.contentLength.buffer", 0);
        }
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
