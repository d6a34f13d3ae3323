package trit.api.config;

import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * Checks that every property of a configuration converts to its annotation method's type.
 *
 * <p>Why: SCR converts a value ({@code threads = two} in a {@code .cfg} file) only when the
 * method is called, and then throws a {@code ComponentException} from wherever the component
 * reads it: from a request (every request failing while the component looks healthy), or from a
 * {@code @Modified} method that compares against the stored configuration (every later change,
 * the fix included, failing the same way). A component calls this where a configuration arrives
 * and refuses it there, with a message naming the property.
 */
public final class ConfigurationValues {

    private ConfigurationValues() {
    }

    /**
     * The first property (in the order of the methods' names) whose value does not convert, as
     * {@code "key = 'value' is not a valid type"}; empty when all do.
     *
     * @param type   the configuration annotation
     * @param config the component's instance of it
     * @param raw    the component's properties, for the value as written
     */
    public static <A extends Annotation> Optional<String> unconvertible(Class<A> type, A config, Map<String, ?> raw) {
        Method[] methods = type.getDeclaredMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        for (Method m : methods) {
            if (m.getParameterCount() != 0) {
                continue;
            }
            try {
                m.invoke(config);
            } catch (InvocationTargetException e) {
                String key = propertyName(m.getName());
                Object value = raw.get(key);
                Object shown = value instanceof Object[] values ? Arrays.toString(values) : value;
                return Optional.of(key + " = '" + shown + "' is not a valid " + m.getReturnType().getSimpleName());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(type.getName() + "." + m.getName() + " cannot be called", e);
            }
        }
        return Optional.empty();
    }

    /**
     * The property a method stands for, as Declarative Services maps it (Compendium 112.8.2.1):
     * {@code $_$} is a dash, {@code __} an underscore, a single {@code _} a dot, {@code $$} a dollar.
     */
    static String propertyName(String method) {
        StringBuilder key = new StringBuilder(method.length());
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (method.startsWith("$_$", i)) {
                key.append('-');
                i += 2;
            } else if (c == '$') {
                if (i + 1 < method.length() && method.charAt(i + 1) == '$') {
                    key.append('$');
                    i++;
                }
            } else if (c == '_') {
                if (i + 1 < method.length() && method.charAt(i + 1) == '_') {
                    key.append('_');
                    i++;
                } else {
                    key.append('.');
                }
            } else {
                key.append(c);
            }
        }
        return key.toString();
    }
}
