/**
 * Routing policies: pluggable rules that decide which {@link trit.api.provider.InferenceProvider}
 * answers a request. The router service consults every {@link trit.api.routing.RoutingPolicy}
 * present, in service-ranking order.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package trit.api.routing;
