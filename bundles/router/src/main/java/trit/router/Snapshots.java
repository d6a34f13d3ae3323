package trit.router;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Immutable lists of services with their properties, replaced whole so that readers never lock. */
final class Snapshots {

    private Snapshots() {
    }

    /** The list with {@code service} (same instance) added, or its properties replaced. */
    static <S> List<Map.Entry<Map<String, Object>, S>> put(List<Map.Entry<Map<String, Object>, S>> list, S service,
                                                           Map<String, Object> properties) {
        return Stream.concat(remove(list, service).stream(), Stream.of(Map.entry(Map.copyOf(properties), service))).toList();
    }

    /** The list without {@code service} (same instance). */
    static <S> List<Map.Entry<Map<String, Object>, S>> remove(List<Map.Entry<Map<String, Object>, S>> list, S service) {
        return list.stream().filter(e -> e.getValue() != service).toList();
    }
}
