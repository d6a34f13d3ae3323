/**
 * Extension points of the router: {@link trit.router.spi.ComplexityEstimator}, so that a learned
 * classifier can replace the shipped heuristic without touching the router.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package trit.router.spi;
