package trit.router;

import java.util.Comparator;
import java.util.Map;

import org.osgi.framework.Constants;

import trit.api.routing.RoutingPolicy;

/** A policy service with the ranking it is consulted by (highest first, then oldest first). */
record RankedPolicy(RoutingPolicy policy, int ranking, long serviceId) {

    static final Comparator<RankedPolicy> CONSULTATION_ORDER = Comparator.comparingInt(RankedPolicy::ranking).reversed()
            .thenComparingLong(RankedPolicy::serviceId);

    static RankedPolicy of(RoutingPolicy policy, Map<String, ?> properties) {
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        Object id = properties.get(Constants.SERVICE_ID);
        return new RankedPolicy(policy, ranking instanceof Integer r ? r : 0, id instanceof Long l ? l : 0L);
    }
}
