package trit.kimi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Configuration checks: defaults, the key from the environment, and a precise message for every bad value. */
class KimiSettingsTest {

    @Test
    void defaultsAreMoonshotsGlobalEndpointWithTheEntryTiersLimits() {
        KimiSettings settings = KimiSettings.from(Configs.kimi(), Map.of());
        assertEquals("kimi", settings.name());
        assertEquals(URI.create("https://api.moonshot.ai/v1"), settings.baseUrl());
        assertEquals("kimi-k2.6", settings.model());
        assertFalse(settings.hasApiKey());
        assertEquals(1, settings.maxConcurrentRequests());
        assertEquals(3, settings.requestsPerMinute());
        assertEquals(Duration.ofSeconds(10), settings.connectTimeout());
        assertTrue(settings.adaptToConstraints());
        assertEquals(URI.create("https://api.moonshot.ai/v1/chat/completions"), settings.endpoint("chat/completions"));
    }

    @Test
    void theKeyComesFromTheConfigurationElseMoonshotApiKeyElseKimiApiKey() {
        Map<String, String> both = Map.of("MOONSHOT_API_KEY", "key-moonshot", "KIMI_API_KEY", "key-kimi");
        assertEquals("key-config", KimiSettings.from(Configs.kimi("api.key", " key-config "), both).apiKey());
        assertEquals("key-moonshot", KimiSettings.from(Configs.kimi(), both).apiKey());
        assertEquals("MOONSHOT_API_KEY", KimiSettings.from(Configs.kimi(), both).apiKeySource());
        assertEquals("key-kimi", KimiSettings.from(Configs.kimi(), Map.of("MOONSHOT_API_KEY", " ", "KIMI_API_KEY", "key-kimi")).apiKey());
        assertFalse(KimiSettings.from(Configs.kimi(), Map.of("OTHER", "x")).hasApiKey());
    }

    @Test
    void theKeyIsNeverPartOfItsTextualForm() {
        String key = "key-configured-" + java.util.UUID.randomUUID();
        KimiSettings settings = KimiSettings.from(Configs.kimi("api.key", key), Map.of());
        assertFalse(settings.toString().contains(key.substring(15)), settings.toString());
        assertTrue(settings.toString().contains("apiKey=<from api.key>"), settings.toString());
    }

    @Test
    void aBaseUrlWithATrailingSlashStillJoinsPathsOnce() {
        assertEquals(URI.create("http://127.0.0.1:9/v1/models"),
                KimiSettings.from(Configs.kimi("base.url", "http://127.0.0.1:9/v1/"), Map.of()).endpoint("models"));
    }

    @Test
    void everyBadValueIsRefusedNamingItsProperty() {
        assertRefused("base.url must not be empty", "base.url", " ");
        assertRefused("base.url must be an absolute http or https URL such as https://api.moonshot.ai/v1, was 'api.moonshot.ai/v1'",
                "base.url", "api.moonshot.ai/v1");
        assertRefused("base.url must be an absolute http or https URL such as https://api.moonshot.ai/v1, was 'ftp://host/v1'",
                "base.url", "ftp://host/v1");
        assertRefused("base.url is not a URL: 'http://exa mple/v1' (Illegal character in authority)", "base.url", "http://exa mple/v1");
        assertRefused("base.url must not carry a query, fragment or user info, was 'https://api.moonshot.ai...'",
                "base.url", "https://user:pw@api.moonshot.ai/v1");
        assertRefused("model must not be empty", "model", "");
        assertRefused("name must not be empty", "name", "");
        assertRefused("connect.timeout.ms must be >= 1, was 0", "connect.timeout.ms", 0L);
        assertRefused("max.retries must be >= 0, was -1", "max.retries", -1);
        assertRefused("max.concurrent.requests must be >= 1, was 0", "max.concurrent.requests", 0);
        assertRefused("requests.per.minute must be >= 0, was -3", "requests.per.minute", -3);
        assertRefused("circuit.failure.threshold must be >= 1, was 0", "circuit.failure.threshold", 0);
        assertRefused("model.constraints.policy must be 'adapt' or 'reject', was 'ignore'", "model.constraints.policy", "ignore");
        assertRefused("model.constraints entry 'kimi-k2.6': expected 'MODEL_ID PARAM=VALUE ...'",
                "model.constraints", new String[] {"kimi-k2.6"});
        assertRefused("model.constraints entry 'kimi-k2.6 temp=1': 'temp=1' is not PARAM=VALUE with PARAM one of "
                + "frequency_penalty, presence_penalty, temperature, top_p", "model.constraints", new String[] {"kimi-k2.6 temp=1"});
        assertRefused("model.constraints entry 'kimi-k2.6 temperature=one': 'one' is not a number",
                "model.constraints", new String[] {"kimi-k2.6 temperature=one"});
        assertRefused("model.constraints entry 'm top_p=1': model m is listed twice",
                "model.constraints", new String[] {"m temperature=1", "m top_p=1"});
    }

    private static void assertRefused(String message, String property, Object value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KimiSettings.from(Configs.kimi(property, value), Map.of()));
        assertEquals(message, e.getMessage());
    }
}
