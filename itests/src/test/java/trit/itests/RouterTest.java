package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.provider.Availability;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.routing.Route;
import trit.api.routing.Router;
import trit.api.routing.RoutingPolicy;
import trit.api.routing.Verdict;

/**
 * The router bundle in the runtime: it routes between providers registered in the framework, and
 * its policies and their configuration change while requests flow, without a failed request.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RouterTest {

    private static final ChatRequest SIMPLE = ChatRequest.of("auto", List.of(ChatMessage.user("What is the capital of France?")));
    private static final ChatRequest PROOF = ChatRequest.of("auto", List.of(ChatMessage.user("Prove that there are infinitely many primes.")));

    @Inject
    private BundleContext context;

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private InferenceProvider router;
    private Router operatorView;

    @Configuration
    public Option[] configuration() {
        return TritFramework.options();
    }

    @Before
    public void registerProviders() throws Exception {
        registrations.add(new StaticProvider("itest-local", Locality.LOCAL, Availability.AVAILABLE, "itest-bitnet").register(context));
        registrations.add(new StaticProvider("itest-cloud", Locality.CLOUD, Availability.AVAILABLE, "itest-kimi").register(context));
        router = await(InferenceProvider.class, "(trit.provider.name=router)");
        operatorView = await(Router.class, null);
    }

    @After
    public void unregister() throws Exception {
        registrations.forEach(ServiceRegistration::unregister);
        for (String pid : List.of("trit.router", "trit.router.complexity", "trit.logging")) {
            Files.deleteIfExists(configFile(pid));
        }
    }

    @Test
    public void theRouterSendsSimpleRequestsLocalAndProofsToTheCloudWithTheirRoute() {
        ChatResponse simple = router.complete(SIMPLE);
        Route route = (Route) simple.extensions().get(Route.EXTENSION);
        assertEquals("itest-local", route.provider());
        assertEquals("itest-bitnet", route.model());
        assertEquals("complexity", route.policy());
        assertEquals(List.of(new Route.Attempt("itest-local", "ok", route.attempts().get(0).millis())), route.attempts());

        assertEquals("itest-cloud", ((Route) router.complete(PROOF).extensions().get(Route.EXTENSION)).provider());
        ChatRequest privateProof = new ChatRequest("auto", PROOF.messages(), null, null, null, false,
                Map.of(Route.PRIVACY, Route.LOCAL_ONLY));
        Route privateRoute = (Route) router.complete(privateProof).extensions().get(Route.EXTENSION);
        assertEquals("itest-local", privateRoute.provider());
        assertEquals("privacy", privateRoute.policy());

        assertEquals("itest-cloud", operatorView.decide(PROOF).provider());
        assertTrue(operatorView.counts().toString(),
                operatorView.counts().stream().anyMatch(c -> c.provider().equals("itest-local") && c.outcome().equals("ok")));
        assertEquals("auto", router.models().get(0).id());
    }

    @Test
    public void policiesAndTheirConfigurationAreSwappedWhileRequestsFlow() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger answered = new AtomicInteger();
        ConcurrentLinkedQueue<String> lastProviders = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            workers.add(Thread.ofPlatform().name("itest-router-client-" + i).start(() -> {
                while (running.get()) {
                    try {
                        Route route = (Route) router.complete(SIMPLE).extensions().get(Route.EXTENSION);
                        lastProviders.add(route.provider());
                        while (lastProviders.size() > 40) {
                            lastProviders.poll();
                        }
                        answered.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
            }));
        }
        Supplier<String> recent = () -> String.join(",", lastProviders);
        try {
            awaitTrue(() -> answered.get() > 50 && lastProviders.stream().allMatch("itest-local"::equals),
                    "simple requests to go local", recent);

            // A new policy, ranked above all, prefers the cloud.
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put(RoutingPolicy.POLICY_NAME, "itest-cloud-first");
            properties.put(Constants.SERVICE_RANKING, 5000);
            ServiceRegistration<RoutingPolicy> cloudFirst = context.registerService(RoutingPolicy.class,
                    new FixedPolicy("itest-cloud-first", Verdict.prefer(List.of("itest-cloud"), "itest: cloud first", Map.of())),
                    properties);
            awaitTrue(() -> recentlyAll(lastProviders, "itest-cloud"), "the new policy to send requests to the cloud", recent);

            // Ranked below complexity, it no longer decides.
            properties.put(Constants.SERVICE_RANKING, -5000);
            cloudFirst.setProperties(properties);
            awaitTrue(() -> recentlyAll(lastProviders, "itest-local"), "the re-ranked policy to stop deciding", recent);

            cloudFirst.setProperties(new Hashtable<>(Map.of(RoutingPolicy.POLICY_NAME, "itest-cloud-first",
                    Constants.SERVICE_RANKING, 5000)));
            awaitTrue(() -> recentlyAll(lastProviders, "itest-cloud"), "the policy ranked up again to decide", recent);
            cloudFirst.unregister();
            awaitTrue(() -> recentlyAll(lastProviders, "itest-local"), "the removed policy to stop deciding", recent);

            // The complexity threshold changed in its .cfg file: everything is "complex" at 0.
            Files.writeString(configFile("trit.router.complexity"), "threshold = 0.0\n");
            awaitTrue(() -> recentlyAll(lastProviders, "itest-cloud"), "threshold 0 to send everything to the cloud", recent);
            Files.delete(configFile("trit.router.complexity"));
            awaitTrue(() -> recentlyAll(lastProviders, "itest-local"), "the default threshold to come back", recent);
        } finally {
            running.set(false);
            for (Thread worker : workers) {
                worker.join(10_000);
            }
        }
        System.out.println("Requests answered while policies were swapped: " + answered.get() + ", failed: " + failures.size());
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " requests failed while policies were swapped; first: "
                    + failures.peek(), failures.peek());
        }
    }

    /** The README's example: levels = trit.router=DEBUG logs every decision with its reason. */
    @Test
    public void debugLevelLogsEveryDecision() throws Exception {
        Path log = Path.of(System.getProperty("trit.data.dir", "target/trit-data"), "logs", "trit.log");
        Files.writeString(configFile("trit.logging"), "levels = trit.router=DEBUG\n");
        awaitTrue(() -> {
            operatorView.decide(PROOF);
            return contains(log, "Route for model 'auto': ");
        }, "the decision in " + log, () -> "");
        String line = Files.readAllLines(log).stream().filter(l -> l.contains("Route for model 'auto': ")).findFirst()
                .orElseThrow();
        assertTrue(line, line.contains(" DEBUG ") && line.contains(" on itest-cloud by "));
    }

    @Test
    public void theOfflineSwitchInTheRouterConfigurationKeepsEverythingLocal() throws Exception {
        assertEquals("itest-cloud", operatorView.decide(PROOF).provider());
        Files.writeString(configFile("trit.router"), "offline = true\n");
        awaitTrue(() -> operatorView.decide(PROOF).provider().equals("itest-local"), "offline to apply", () -> "");
        assertEquals("privacy", operatorView.decide(PROOF).policy());
        String reason = operatorView.decide(PROOF).reason();
        assertTrue(reason, reason.endsWith("but itest-cloud is excluded by privacy: the router is offline"));
        Files.delete(configFile("trit.router"));
        awaitTrue(() -> operatorView.decide(PROOF).provider().equals("itest-cloud"), "online again", () -> "");
    }

    @Test
    public void aMistypedOfflineValueStopsAllRoutingRatherThanRoutingToTheCloud() throws Exception {
        Files.writeString(configFile("trit.router"), "offline = ture\n");
        awaitTrue(() -> refusal(PROOF).equals("the router is not routing: its configuration is invalid: "
                + "trit.router offline must be true or false, was 'ture'"), "the router to stop routing", () -> refusal(PROOF));
        Files.delete(configFile("trit.router"));
        awaitTrue(() -> refusal(PROOF).isEmpty(), "routing to resume once the bad file is removed", () -> refusal(PROOF));
        assertEquals("itest-cloud", operatorView.decide(PROOF).provider());
    }

    @Test
    public void aMistypedOfflineValueFixedInPlaceTakesEffect() throws Exception {
        Files.writeString(configFile("trit.router"), "offline = ture\n");
        awaitTrue(() -> !refusal(PROOF).isEmpty(), "the router to stop routing", () -> refusal(PROOF));
        // The operator corrects the typo in the same file (same length), the moment it was applied.
        Files.writeString(configFile("trit.router"), "offline = true\n");
        awaitTrue(() -> provider(PROOF).equals("itest-local"), "the corrected value to apply", () -> provider(PROOF));
        String reason = operatorView.decide(PROOF).reason();
        assertTrue(reason, reason.endsWith("but itest-cloud is excluded by privacy: the router is offline"));
        Files.delete(configFile("trit.router"));
        awaitTrue(() -> provider(PROOF).equals("itest-cloud"), "online again", () -> provider(PROOF));
    }

    /** The provider the router would send {@code request} to, or why it refuses to route it. */
    private String provider(ChatRequest request) {
        String refusal = refusal(request);
        return refusal.isEmpty() ? operatorView.decide(request).provider() : refusal;
    }

    /** Why the router refuses to route {@code request}, or "" when it routes it. */
    private String refusal(ChatRequest request) {
        try {
            operatorView.decide(request);
            return "";
        } catch (trit.api.provider.ProviderException e) {
            return e.getMessage();
        }
    }

    private static boolean recentlyAll(ConcurrentLinkedQueue<String> providers, String expected) {
        List<String> last = new ArrayList<>(providers);
        return last.size() >= 20 && last.subList(last.size() - 20, last.size()).stream().allMatch(expected::equals);
    }

    private Path configFile(String pid) {
        return Path.of(context.getProperty(TritFramework.CONFIG_DIR)).resolve(pid + ".cfg");
    }

    /**
     * Polls every millisecond: a script that deletes or fixes a .cfg file the moment its
     * configuration applies is what raced FileInstall's write-back (now off), which undid it.
     */
    private static boolean contains(Path file, String text) {
        try {
            return Files.exists(file) && Files.readString(file).contains(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void awaitTrue(Supplier<Boolean> condition, String what, Supplier<String> state) {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return;
            }
            Http.sleep(1);
        }
        fail("timed out waiting for " + what + "; last: " + state.get());
    }

    private <S> S await(Class<S> type, String filter) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (ServiceReference<S> ref : context.getServiceReferences(type, filter)) {
                return context.getService(ref);
            }
            Http.sleep(50);
        }
        throw new AssertionError("no " + type.getSimpleName() + " service " + (filter == null ? "" : filter) + " within 15 s");
    }

    /** A policy that always gives the same verdict. */
    record FixedPolicy(String name, Verdict verdict) implements RoutingPolicy {
        @Override
        public Verdict evaluate(ChatRequest request, List<trit.api.routing.Candidate> candidates) {
            return verdict;
        }
    }
}
