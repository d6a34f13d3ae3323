package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.InferenceProvider;
import trit.api.provider.ProviderException;

/**
 * The Kimi provider in the runtime: a {@code trit.provider.kimi} factory configuration made
 * through ConfigurationAdmin registers a cloud provider that answers over real HTTP (a loopback
 * server stands in for Moonshot), its model appears in {@code /v1/models}, its key stays out of
 * the service registry, and deleting the configuration removes it all.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KimiProviderTest {

    /** Shaped like a Moonshot key, made for this run: no key is committed. */
    private static final String KEY = "sk-" + java.util.UUID.randomUUID().toString().replace("-", "");
    private static final String FILTER = "(" + InferenceProvider.PROVIDER_NAME + "=kimi-itest)";

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configAdmin;

    private Http http;

    @Configuration
    public Option[] configuration() {
        return TritFramework.options();
    }

    @Before
    public void connect() {
        http = new Http(Integer.parseInt(context.getProperty(TritFramework.HTTP_PORT)));
        http.await("/health", Http::healthAnswers, "the REST API to start");
    }

    @Test
    public void aFactoryConfigurationBecomesACloudProviderThatAnswers() throws Exception {
        try (LoopbackChatServer remote = new LoopbackChatServer()) {
            org.osgi.service.cm.Configuration config = configAdmin.getFactoryConfiguration("trit.provider.kimi", "itest", "?");
            org.osgi.service.cm.Configuration second = configAdmin.getFactoryConfiguration("trit.provider.kimi", "itest2", "?");
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put("name", "kimi-itest");
            properties.put("base.url", remote.baseUrl());
            properties.put("model", "kimi-itest-model");
            properties.put("api.key", KEY);
            properties.put("requests.per.minute", 0);
            properties.put("max.concurrent.requests", 4);
            config.update(properties);
            try {
                ServiceReference<InferenceProvider> reference = awaitProvider();
                assertEquals("CLOUD", reference.getProperty(InferenceProvider.LOCALITY));
                for (String key : reference.getPropertyKeys()) {
                    assertFalse("the key is in the service registry as " + key, String.valueOf(reference.getProperty(key)).contains("SECRET"));
                }
                InferenceProvider provider = context.getService(reference);
                assertEquals(List.of("kimi-itest-model"), provider.models().stream().map(m -> m.id()).toList());

                ChatRequest request = ChatRequest.of("kimi-itest-model", List.of(ChatMessage.user("ping")));
                ChatResponse whole = provider.complete(request);
                assertEquals("pong", whole.choice().message().content());

                StringBuilder streamed = new StringBuilder();
                CompletableFuture<ChatResponse> done = new CompletableFuture<>();
                provider.stream(request, new ChatStreamListener() {
                    @Override
                    public void onDelta(ChatDelta delta) {
                        streamed.append(delta.content());
                    }

                    @Override
                    public void onComplete(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(ProviderException error) {
                        done.completeExceptionally(error);
                    }
                });
                assertEquals("pong", done.get(10, TimeUnit.SECONDS).choice().message().content());
                assertEquals("pong", streamed.toString());
                assertEquals(2, remote.received().size());
                assertEquals("Bearer " + KEY, remote.received().get(0).authorization());
                assertTrue(remote.received().get(1).body().contains("\"stream\":true"));

                http.await("/v1/models", r -> r.raw().body().contains("\"kimi-itest-model\""), "the Kimi model in /v1/models");
                context.ungetService(reference);

                // A second instance of the factory beside the first, e.g. another OpenAI-compatible server.
                second.update(new Hashtable<>(java.util.Map.of("name", "kimi-itest-2", "base.url", remote.baseUrl(),
                        "model", "other-itest-model")));
                http.await("/v1/models", r -> r.raw().body().contains("\"other-itest-model\"")
                        && r.raw().body().contains("\"kimi-itest-model\""), "both instances' models in /v1/models");
            } finally {
                config.delete();
                second.delete();
            }
            awaitGone();
            http.await("/v1/models", r -> !r.raw().body().contains("itest-model"), "the Kimi models to leave /v1/models");
        }
    }

    @Test
    public void theDefaultInstanceGivesWayToAnOperatorsConfiguration() throws Exception {
        try (LoopbackChatServer remote = new LoopbackChatServer()) {
            // What the provider bundle creates when MOONSHOT_API_KEY is set and nothing is configured:
            // a factory configuration carrying its marker (the environment of this JVM has no key to trigger it).
            org.osgi.service.cm.Configuration preset = configAdmin.getFactoryConfiguration("trit.provider.kimi", "default", "?");
            preset.update(new Hashtable<>(java.util.Map.of("trit.kimi.default.instance", true, "name", "kimi-default-itest",
                    "base.url", remote.baseUrl())));
            http.await("/health", r -> r.raw().body().contains("\"kimi-default-itest\""), "the default instance");

            org.osgi.service.cm.Configuration operator = configAdmin.getFactoryConfiguration("trit.provider.kimi", "mine", "?");
            operator.update(new Hashtable<>(java.util.Map.of("name", "kimi-mine-itest", "base.url", remote.baseUrl())));
            try {
                http.await("/health", r -> r.raw().body().contains("\"kimi-mine-itest\"")
                        && !r.raw().body().contains("\"kimi-default-itest\""), "the default instance to give way");
                assertEquals(1, configAdmin.listConfigurations("(service.factoryPid=trit.provider.kimi)").length);
            } finally {
                operator.delete();
            }
        }
    }

    @Test
    public void withoutAKeyInTheEnvironmentNoDefaultInstanceIsMade() throws Exception {
        // The itests run without MOONSHOT_API_KEY and KIMI_API_KEY (itests/pom.xml): nothing may reach Moonshot.
        assertNull(System.getenv("MOONSHOT_API_KEY"));
        Http.sleep(500);
        assertTrue(context.getServiceReferences(InferenceProvider.class, "(" + InferenceProvider.PROVIDER_NAME + "=kimi)").isEmpty());
        assertNull(configAdmin.listConfigurations("(service.factoryPid=trit.provider.kimi)"));
    }

    private ServiceReference<InferenceProvider> awaitProvider() throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            var references = context.getServiceReferences(InferenceProvider.class, FILTER);
            if (!references.isEmpty()) {
                return references.iterator().next();
            }
            Http.sleep(50);
        }
        throw new AssertionError("no InferenceProvider " + FILTER + " within 15 s");
    }

    private void awaitGone() throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!context.getServiceReferences(InferenceProvider.class, FILTER).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the provider is still registered 15 s after its configuration was deleted");
            }
            Http.sleep(50);
        }
    }
}
