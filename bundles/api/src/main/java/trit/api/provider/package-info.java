/**
 * The inference provider contract: anything that answers chat requests (the local BitNet engine,
 * a cloud API, the router itself) is an {@link trit.api.provider.InferenceProvider} service.
 *
 * <p>Providers come and go at runtime; consumers track them dynamically (Declarative Services
 * {@code policy = DYNAMIC}) and never cache one past its unregistration.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package trit.api.provider;
