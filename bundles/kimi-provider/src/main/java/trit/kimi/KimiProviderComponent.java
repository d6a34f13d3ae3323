package trit.kimi;

import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

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

    @Activate
    public KimiProviderComponent(KimiConfiguration config, BundleContext context) {
        provider = new KimiProvider(KimiSettings.from(config, System.getenv()));
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
