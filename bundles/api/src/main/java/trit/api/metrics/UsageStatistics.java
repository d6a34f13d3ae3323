package trit.api.metrics;

import java.util.List;

/**
 * Requests and tokens the API has served, per answering provider, since the service started.
 * Registered by the REST endpoint; thread-safe, cheap to call (a snapshot of counters).
 */
public interface UsageStatistics {

    /** One entry per provider that answered or failed at least one request, sorted by provider name. */
    List<ProviderUsage> byProvider();
}
