/**
 * Routing policies: pluggable rules that decide which {@link trit.api.provider.InferenceProvider}
 * answers a request. The router service consults every {@link trit.api.routing.RoutingPolicy}
 * present, in service-ranking order. 1.1.0: the {@link trit.api.routing.Router} operator view and the {@link trit.api.routing.Route} of an answer.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package trit.api.routing;
