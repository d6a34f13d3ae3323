package trit.kimi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Hashtable;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * When the default instance is made and when it gives way, decided from an injected environment
 * (the ConfigurationAdmin side runs in the framework: {@code KimiProviderTest} in itests).
 */
class DefaultInstanceTest {

    @Test
    void eitherKeyVariableAsksForTheDefaultInstance() {
        assertEquals("MOONSHOT_API_KEY", DefaultInstance.keyVariable(Map.of("MOONSHOT_API_KEY", "key-1", "KIMI_API_KEY", "key-2")));
        assertEquals("KIMI_API_KEY", DefaultInstance.keyVariable(Map.of("KIMI_API_KEY", "key-2")));
        assertEquals("KIMI_API_KEY", DefaultInstance.keyVariable(Map.of("MOONSHOT_API_KEY", "", "KIMI_API_KEY", "key-2")));
        assertNull(DefaultInstance.keyVariable(Map.of("PATH", "/bin")));
        assertNull(DefaultInstance.keyVariable(Map.of("MOONSHOT_API_KEY", "  ")));
    }

    @Test
    void onlyConfigurationsWithoutTheMarkerAreAnOperatorsOwn() {
        Hashtable<String, Object> own = new Hashtable<>(Map.of(DefaultInstance.MARKER, true));
        Hashtable<String, Object> operator = new Hashtable<>(Map.of("base.url", "https://api.moonshot.cn/v1"));
        assertFalse(DefaultInstance.isOperatorConfiguration(own));
        assertTrue(DefaultInstance.isOperatorConfiguration(operator));
        assertFalse(DefaultInstance.isOperatorConfiguration(null), "a configuration not yet written is nobody's");
    }

    @Test
    void theDefaultInstanceTakesTheKeyFromTheEnvironmentAndEveryOtherDefault() {
        KimiSettings settings = KimiSettings.from(Configs.kimi(), Map.of("KIMI_API_KEY", "key-from-env"));
        assertEquals("key-from-env", settings.apiKey());
        assertEquals("KIMI_API_KEY", settings.apiKeySource());
        assertEquals("kimi", settings.name());
    }
}
