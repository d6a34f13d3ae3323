/**
 * Help for components configured through ConfigAdmin with a Declarative Services configuration
 * annotation: {@link trit.api.config.ConfigurationValues} finds a property whose value does not
 * convert to its method's type before the component relies on it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package trit.api.config;
