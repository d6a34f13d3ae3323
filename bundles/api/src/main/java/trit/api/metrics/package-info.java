/**
 * Usage figures for operators: what the API has answered per provider since it started (the
 * data behind {@code GET /metrics} and the shell's {@code trit:stats}), read through a service so
 * that tools need no HTTP round trip or text parsing.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package trit.api.metrics;
