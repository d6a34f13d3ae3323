package trit.kimi;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zero-configuration start: when {@code MOONSHOT_API_KEY} or {@code KIMI_API_KEY} is set and no
 * {@code trit.provider.kimi} configuration exists, creates one with every default (the key stays
 * in the environment; the configuration never holds it). As soon as an operator's own
 * configuration appears (a {@code .cfg} file read after this ran), the default one is deleted.
 */
@Component(immediate = true, service = ConfigurationListener.class)
public class DefaultInstance implements ConfigurationListener {

    /** Marks the configuration this component made, so it deletes only its own. */
    static final String MARKER = "trit.kimi.default.instance";
    static final String NAME = "default";

    private static final Logger LOG = LoggerFactory.getLogger(DefaultInstance.class);

    private final ConfigurationAdmin configAdmin;

    @Activate
    public DefaultInstance(@Reference ConfigurationAdmin configAdmin) throws IOException, InvalidSyntaxException {
        this(configAdmin, System.getenv());
    }

    DefaultInstance(ConfigurationAdmin configAdmin, Map<String, String> environment) throws IOException, InvalidSyntaxException {
        this.configAdmin = configAdmin;
        String variable = keyVariable(environment);
        if (variable != null && !hasOperatorConfiguration()) {
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put(MARKER, true);
            // "?": a multi-location binding, valid for whichever bundle version runs the provider.
            Configuration created = configAdmin.getFactoryConfiguration(KimiConfiguration.PID, NAME, "?");
            if (created.getProperties() == null) {
                created.update(properties);
                LOG.info("{} is set and no {} configuration exists: created the default Kimi provider", variable,
                        KimiConfiguration.PID);
            }
        }
    }

    /** The first environment variable that holds an API key, or {@code null}. */
    static String keyVariable(Map<String, String> environment) {
        for (String variable : KimiSettings.KEY_VARIABLES) {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                return variable;
            }
        }
        return null;
    }

    /** Whether the default configuration should give way to these configurations of the factory. */
    static boolean isOperatorConfiguration(Dictionary<String, Object> properties) {
        return properties != null && properties.get(MARKER) == null;
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getType() != ConfigurationEvent.CM_UPDATED || !KimiConfiguration.PID.equals(event.getFactoryPid())) {
            return;
        }
        try {
            if (hasOperatorConfiguration()) {
                deleteDefault();
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.warn("Could not check the {} configurations: {}", KimiConfiguration.PID, e.toString());
        }
    }

    private boolean hasOperatorConfiguration() throws IOException, InvalidSyntaxException {
        Configuration[] all = configAdmin.listConfigurations("(service.factoryPid=" + KimiConfiguration.PID + ")");
        if (all != null) {
            for (Configuration configuration : all) {
                if (isOperatorConfiguration(configuration.getProperties())) {
                    return true;
                }
            }
        }
        return false;
    }

    private void deleteDefault() throws IOException, InvalidSyntaxException {
        Configuration[] own = configAdmin.listConfigurations("(&(service.factoryPid=" + KimiConfiguration.PID + ")("
                + MARKER + "=true))");
        if (own != null) {
            for (Configuration configuration : own) {
                configuration.delete();
                LOG.info("An operator's {} configuration exists: removed the default Kimi provider", KimiConfiguration.PID);
            }
        }
    }
}
