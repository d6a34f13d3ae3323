package trit.api.chat;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Copies extension maps so records stay immutable while keeping JSON's {@code null} values. */
final class Extensions {
    private Extensions() {
    }

    static Map<String, Object> copy(Map<String, Object> extensions) {
        if (extensions == null || extensions.isEmpty()) {
            return Map.of();
        }
        // LinkedHashMap, not Map.copyOf: JSON objects may carry null values and their order matters to readers.
        return Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    }
}
