package trit.kimi;

import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;

/**
 * One {@link KimiProvider} per {@code trit.provider.kimi} factory configuration.
 *
 * <p>The provider is registered by hand rather than as the component's service: Declarative
 * Services would publish every configuration property as a service property, {@code api.key}
 * included, for anyone to read from the service registry. Registered here, the service carries
 * only {@code trit.provider.name} and {@code trit.provider.locality}.
 */
@Component(configurationPid = KimiConfiguration.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
@Designate(ocd = KimiConfiguration.class, factory = true)
public class KimiProviderComponent {

    private final KimiProvider provider;
    private final ServiceRegistration<InferenceProvider> registration;

    private static final Logger LOG = LoggerFactory.getLogger(KimiProviderComponent.class);

    @Activate
    public KimiProviderComponent(KimiConfiguration config, BundleContext context) {
        KimiSettings settings;
        try {
            settings = KimiSettings.from(config, System.getenv());
        } catch (IllegalArgumentException e) {
            // One clear line for the operator; SCR's own report of the failed activation is a stack trace.
            LOG.error("{} configuration '{}' is invalid: {}", KimiConfiguration.PID, config.name(), e.getMessage());
            throw e;
        }
        provider = new KimiProvider(settings);
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(InferenceProvider.PROVIDER_NAME, provider.name());
        properties.put(InferenceProvider.LOCALITY, Locality.CLOUD.name());
        registration = context.registerService(InferenceProvider.class, provider, properties);
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping and the framework unregistered it first
        }
        provider.close();
    }
}
