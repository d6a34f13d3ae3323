package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.ServiceRegistration;

import com.fasterxml.jackson.databind.JsonNode;

import trit.api.provider.Availability;
import trit.api.provider.InferenceProvider;

/**
 * The runtime's bundle set in a real Felix framework, checked over real HTTP on loopback:
 * everything starts, the API answers in JSON, providers and configuration change while it runs.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RuntimeTest {

    private static final Set<String> TRIT_BUNDLES = Set.of("trit.api", "trit.gguf", "trit.ternary.kernels", "trit.bitnet.model",
            "trit.tokenizer", "trit.kimi.provider", "trit.router", "trit.rest.endpoint", "trit.shell", "trit.logging");

    @Inject
    private BundleContext context;

    private Http http;

    @Configuration
    public Option[] configuration() {
        return TritFramework.options();
    }

    @Before
    public void connect() {
        http = Http.whenStarted(context);
    }

    @Test
    public void everyBundleOfTheRuntimeIsActive() {
        Set<String> trit = new TreeSet<>();
        List<String> notActive = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            boolean fragment = bundle.getHeaders().get("Fragment-Host") != null;
            int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            if (bundle.getState() != expected) {
                notActive.add(bundle.getSymbolicName() + " (state " + bundle.getState() + ")");
            }
            if (bundle.getSymbolicName().startsWith("trit.")) {
                trit.add(bundle.getSymbolicName());
            }
        }
        assertEquals("bundles not active: " + notActive, List.of(), notActive);
        assertEquals(new TreeSet<>(TRIT_BUNDLES), trit);
    }

    @Test
    public void modelsAreListedInOpenAiFormatAndFollowProvidersWithoutRestart() {
        Http.Reply empty = http.get("/v1/models");
        assertEquals(200, empty.status());
        JsonNode list = empty.json();
        assertEquals("list", list.path("object").asText());
        assertTrue(list.path("data").isArray());
        assertEquals("no provider is registered yet", 0, list.path("data").size());

        ServiceRegistration<InferenceProvider> first =
                new StaticProvider("itest-one", Availability.AVAILABLE, "zeta-model", "alpha-model").register(context);
        ServiceRegistration<InferenceProvider> second = null;
        try {
            // The router serves "auto" while any provider is registered.
            JsonNode models = http.await("/v1/models", r -> r.json().path("data").size() == 3,
                    "the first provider's models and the router's auto to appear").json();
            JsonNode alpha = models.path("data").get(0);
            assertEquals("alpha-model", alpha.path("id").asText());
            assertEquals("model", alpha.path("object").asText());
            assertEquals("itest", alpha.path("owned_by").asText());
            assertEquals(1_700_000_000L, alpha.path("created").asLong());
            assertEquals("auto", models.path("data").get(1).path("id").asText());
            assertEquals("trit", models.path("data").get(1).path("owned_by").asText());
            assertEquals("zeta-model", models.path("data").get(2).path("id").asText());

            second = new StaticProvider("itest-two", Availability.AVAILABLE, "beta-model").register(context);
            http.await("/v1/models", r -> ids(r).equals(List.of("alpha-model", "auto", "beta-model", "zeta-model")),
                    "the second provider's model to appear");

            first.unregister();
            first = null;
            http.await("/v1/models", r -> ids(r).equals(List.of("auto", "beta-model")), "the first provider's models to go");
        } finally {
            if (first != null) {
                first.unregister();
            }
            if (second != null) {
                second.unregister();
            }
        }
        http.await("/v1/models", r -> ids(r).isEmpty(), "every test provider to go");
    }

    @Test
    public void unknownPathsAndWrongMethodsGetJsonErrors() {
        String notFound = http.get("/nope").assertError(404, "not_found");
        assertEquals("Unknown path: GET /nope", notFound);
        http.get("/v1/models/extra/segments").assertError(404, "not_found");

        Http.Reply post = http.send("POST", "/v1/models", "{}".getBytes(StandardCharsets.UTF_8));
        String message = post.assertError(405, "method_not_allowed");
        assertTrue(message, message.startsWith("Method POST is not allowed on /v1/models"));
        assertTrue("Allow header kept: " + post.raw().headers().map(),
                post.raw().headers().firstValue("Allow").orElse("").contains("GET"));

        http.send("DELETE", "/health", new byte[0]).assertError(405, "method_not_allowed");
    }

    @Test
    public void serverSentEventsStreamThroughTheWhiteboard() {
        ServiceRegistration<SseProbeResource> sse = SseProbeResource.register(context);
        try {
            Http.Reply reply = http.await("/itest/sse?n=3", r -> r.status() == 200,
                    "the SSE resource to be served");
            assertTrue(reply.contentType(), reply.contentType().startsWith("text/event-stream"));
            assertEquals("data: event 1\n\ndata: event 2\n\ndata: event 3\n\ndata: [DONE]\n\n", reply.raw().body());
        } finally {
            sse.unregister();
        }
    }

    @Test
    public void healthIs503WhileAProviderIsLoading() {
        ServiceRegistration<InferenceProvider> loading = new StaticProvider("itest-loading",
                Availability.loading("loading itest.gguf"), "loading-model").register(context);
        try {
            JsonNode health = http.await("/health", r -> r.status() == 503, "health to report loading").json();
            assertEquals("loading", health.path("status").asText());
            JsonNode provider = health.path("providers").get(0);
            assertEquals("itest-loading", provider.path("name").asText());
            assertEquals("loading", provider.path("state").asText());
            assertEquals("loading itest.gguf", provider.path("reason").asText());
            assertEquals("local", provider.path("locality").asText());
        } finally {
            loading.unregister();
        }
        // No provider is left here: not loading any more, and with nothing to answer, unavailable.
        assertEquals("unavailable", http.await("/health", r -> !r.raw().body().contains("itest-loading"),
                "the loading provider to go").json().path("status").asText());
    }

    /** Not ready while nothing can answer: here the router refuses everything (its configuration is invalid). */
    @Test
    public void healthIs503WhileTheRouterRefuses() throws Exception {
        Path cfg = Path.of(context.getProperty(TritFramework.CONFIG_DIR)).resolve("trit.router.cfg");
        ServiceRegistration<InferenceProvider> ready = new StaticProvider("itest-ready", Availability.AVAILABLE,
                "ready-model").register(context);
        try {
            assertEquals("ok", http.await("/health", r -> r.status() == 200, "a provider to answer").json()
                    .path("status").asText());
            Files.writeString(cfg, "offline = ture\n");
            JsonNode health = http.await("/health", r -> r.status() == 503, "health to report the router refusing").json();
            assertEquals("unavailable", health.path("status").asText());
            JsonNode router = java.util.stream.StreamSupport.stream(health.path("providers").spliterator(), false)
                    .filter(p -> p.path("name").asText().equals("router")).findFirst().orElseThrow();
            assertEquals("not routing: its configuration is invalid: trit.router offline must be true or false, was 'ture'",
                    router.path("reason").asText());
            Files.delete(cfg);
            assertEquals("ok", http.await("/health", r -> r.status() == 200, "health to recover").json()
                    .path("status").asText());
        } finally {
            Files.deleteIfExists(cfg);
            ready.unregister();
        }
    }

    @Test
    public void restConfigurationChangesApplyWithoutRestart() throws Exception {
        Bundle rest = bundle("trit.rest.endpoint");
        List<BundleEvent> restEvents = new CopyOnWriteArrayList<>();
        BundleListener listener = event -> {
            if (event.getBundle().equals(rest)) {
                restEvents.add(event);
            }
        };
        context.addBundleListener(listener);
        Path cfg = Path.of(context.getProperty(TritFramework.CONFIG_DIR)).resolve("trit.rest.cfg");
        try {
            // A new base path: the API moves, the old paths answer JSON 404s.
            Files.writeString(cfg, "base.path = /itest\n");
            http.await("/itest/v1/models", r -> r.status() == 200, "the API to move to /itest");
            http.await("/v1/models", r -> r.status() == 404, "the old path to go").assertError(404, "not_found");
            assertTrue(http.get("/itest/health").json().has("status"));

            // A body limit: declared and chunked bodies above it are refused before any resource runs.
            Files.writeString(cfg, "base.path = /itest\nmax.request.bytes = 16\n");
            byte[] body = "{\"padding\":\"0123456789012345678901234567890123456789\"}".getBytes(StandardCharsets.UTF_8);
            http.await("/itest/health", r -> http.send("POST", "/itest/v1/models", body).status() == 413,
                    "the body limit to apply");
            Http.Reply tooLarge = http.send("POST", "/itest/v1/models", body);
            String message = tooLarge.assertError(413, "request_too_large");
            assertEquals("close", tooLarge.raw().headers().firstValue("Connection").orElse(""));
            assertEquals("The request body (" + body.length + " bytes) is larger than the limit of 16 bytes"
                    + " (max.request.bytes)", message);
            http.sendChunked("POST", "/itest/v1/models", body).assertError(413, "request_too_large");
            // Under the limit the request goes through to the resource (which allows only GET).
            http.send("POST", "/itest/v1/models", "{}".getBytes(StandardCharsets.UTF_8))
                    .assertError(405, "method_not_allowed");
        } finally {
            Files.deleteIfExists(cfg);
        }
        http.await("/v1/models", r -> r.status() == 200, "the defaults to return when the file is removed");
        context.removeBundleListener(listener);
        assertEquals(Bundle.ACTIVE, rest.getState());
        assertFalse("the REST bundle was not restarted: " + restEvents,
                restEvents.stream().anyMatch(e -> e.getType() == BundleEvent.STOPPED));
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle bundle : context.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    private static List<String> ids(Http.Reply reply) {
        List<String> ids = new ArrayList<>();
        reply.json().path("data").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }
}
