package trit.router;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import trit.api.routing.Router;

/** How many requests ended how, per provider, deciding policy and outcome. Thread-safe. */
final class RouteCounters {

    private record Key(String provider, String policy, String outcome) {
    }

    private final ConcurrentHashMap<Key, LongAdder> counts = new ConcurrentHashMap<>();

    void count(String provider, String policy, String outcome) {
        counts.computeIfAbsent(new Key(provider, policy, outcome), k -> new LongAdder()).increment();
    }

    List<Router.RouteCount> snapshot() {
        return counts.entrySet().stream()
                .map(e -> new Router.RouteCount(e.getKey().provider(), e.getKey().policy(), e.getKey().outcome(), e.getValue().sum()))
                .sorted(Comparator.comparing(Router.RouteCount::provider).thenComparing(Router.RouteCount::policy)
                        .thenComparing(Router.RouteCount::outcome))
                .toList();
    }
}
