package trit.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * The real conversion (SCR's) runs in the itests (LocalProviderTest); here a proxy converts the way
 * it does, lazily, throwing from the method whose value does not convert.
 */
class ConfigurationValuesTest {

    @Retention(RetentionPolicy.RUNTIME)
    @interface Settings {
        int poll_seconds() default 2;

        String directory() default "models";

        long max__bytes() default 1;

        double top$_$p() default 0.5;
    }

    @Test
    void namesTheFirstPropertyThatDoesNotConvertWithItsValueAndType() {
        Map<String, Object> raw = Map.of("poll.seconds", "soon", "directory", "x", "max_bytes", "lots", "top-p", "0.9");
        assertEquals(Optional.of("max_bytes = 'lots' is not a valid long"),
                ConfigurationValues.unconvertible(Settings.class, converting(raw), raw));
    }

    @Test
    void isEmptyWhenEveryValueConverts() {
        Map<String, Object> raw = Map.of("poll.seconds", "5", "max_bytes", 10L, "top-p", 0.25);
        assertEquals(Optional.empty(), ConfigurationValues.unconvertible(Settings.class, converting(raw), raw));
    }

    @Test
    void mapsMethodNamesToPropertiesAsDeclarativeServicesDoes() {
        assertEquals("poll.seconds", ConfigurationValues.propertyName("poll_seconds"));
        assertEquals("max_bytes", ConfigurationValues.propertyName("max__bytes"));
        assertEquals("top-p", ConfigurationValues.propertyName("top$_$p"));
        assertEquals("price$", ConfigurationValues.propertyName("price$$"));
        assertEquals("ab", ConfigurationValues.propertyName("a$b"));
    }

    /** Like SCR: each call converts the raw value (or returns the default), and a bad value throws then. */
    private static Settings converting(Map<String, Object> raw) {
        return (Settings) Proxy.newProxyInstance(Settings.class.getClassLoader(), new Class<?>[] {Settings.class},
                (proxy, method, args) -> {
                    Object value = raw.get(ConfigurationValues.propertyName(method.getName()));
                    if (value == null) {
                        return method.getDefaultValue();
                    }
                    String text = value.toString();
                    return switch (method.getReturnType().getName()) {
                        case "int" -> Integer.valueOf(text);
                        case "long" -> Long.valueOf(text);
                        case "double" -> Double.valueOf(text);
                        default -> text;
                    };
                });
    }
}
