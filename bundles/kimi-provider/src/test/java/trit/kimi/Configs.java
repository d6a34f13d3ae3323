package trit.kimi;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link KimiConfiguration} instances as Declarative Services makes them: the given properties
 * (by their configuration names, e.g. {@code base.url}), every other attribute at its default.
 */
final class Configs {

    private Configs() {
    }

    /** @param keyValues property names and values, alternating */
    static KimiConfiguration kimi(Object... keyValues) {
        Map<String, Object> properties = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.put((String) keyValues[i], keyValues[i + 1]);
        }
        return (KimiConfiguration) Proxy.newProxyInstance(KimiConfiguration.class.getClassLoader(),
                new Class<?>[] {KimiConfiguration.class}, (proxy, method, args) -> value(method, properties));
    }

    private static Object value(Method method, Map<String, Object> properties) {
        String property = method.getName().replace('_', '.');
        if (properties.containsKey(property)) {
            return properties.get(property);
        }
        if (method.getDefaultValue() != null) {
            return method.getDefaultValue();
        }
        return switch (method.getName()) {
            case "toString" -> "KimiConfiguration" + properties.keySet();
            case "hashCode" -> properties.hashCode();
            default -> throw new UnsupportedOperationException(method.getName());
        };
    }
}
