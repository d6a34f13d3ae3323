package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

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
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;
import trit.api.chat.SamplingParameters;
import trit.api.kernel.QuantizedActivations;
import trit.api.kernel.TernaryKernel;
import trit.api.kernel.Weights;
import trit.api.provider.Availability;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.InferenceProvider;
import trit.api.provider.ProviderException;

/**
 * The local BitNet provider in the real framework: the models folder and its demo model, a
 * configured model streaming, cancelled, overloaded, computing through a kernel swapped in and
 * out while it generates, and reloaded by a configuration change.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LocalProviderTest {

    private static final String FACTORY = "trit.provider.bitnet";

    @Inject
    private BundleContext context;
    @Inject
    private ConfigurationAdmin configurationAdmin;

    private static Path folder;
    private static Path demo;
    private final List<org.osgi.service.cm.Configuration> owned = new CopyOnWriteArrayList<>();

    @Configuration
    public Option[] configuration() {
        return TritFramework.options();
    }

    /** A watched empty folder: the watcher writes the demo model, whose file the tests then configure. */
    @Before
    public void demoModel() throws Exception {
        if (demo != null) {
            return;
        }
        folder = TritFramework.scratchDirectory("models");
        demo = folder.resolveSibling(folder.getFileName() + "-demo.gguf");
        org.osgi.service.cm.Configuration watcher = configurationAdmin.getConfiguration("trit.models", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("directory", folder.toString());
        p.put("poll.seconds", 1);
        p.put("demo.file", demo.toString());
        watcher.update(p);
        awaitProvider("(trit.model.file=" + demo + ")");
    }

    @After
    public void cleanUp() throws Exception {
        for (org.osgi.service.cm.Configuration c : owned) {
            c.delete();
        }
    }

    @Test
    public void theWatcherServesTheDemoUntilARealModelArrivesAndRemovesWhatIsGone() throws Exception {
        // The other tests configure the same file under other ids: the watcher's provider is the one named after the demo.
        String demoFilter = "(&(trit.model.file=" + demo + ")(trit.provider.name=bitnet/trit-demo))";
        InferenceProvider demoProvider = awaitProvider(demoFilter);
        assertEquals("trit-demo", demoProvider.models().get(0).id());
        ServiceReference<InferenceProvider> ref = context.getServiceReferences(InferenceProvider.class, demoFilter)
                .iterator().next();
        assertEquals("LOCAL", ref.getProperty(InferenceProvider.LOCALITY));
        assertEquals(64, ref.getProperty("trit.model.sha256").toString().length());

        Path copy = folder.resolve("copy.gguf");
        Files.copy(demo, copy);
        // Never a moment without a model: the demo serves until the new model is ready.
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (context.getServiceReferences(InferenceProvider.class, "(trit.model.file=" + copy + ")").stream()
                .map(context::getService).noneMatch(p -> p != null && p.availability().isAvailable())) {
            assertFalse("the demo was removed before the new model was ready",
                    context.getServiceReferences(InferenceProvider.class, demoFilter).isEmpty());
            assertTrue("the new model is ready within 60 s", System.nanoTime() < deadline);
            Thread.sleep(10);
        }
        awaitGone(demoFilter);

        // Written over under the same name (as cp does): the watcher notices and the model reloads.
        byte[] bytes = Files.readAllBytes(copy);
        byte[] name = "trit-demo".getBytes(StandardCharsets.UTF_8);
        int at = indexOf(bytes, name);
        assertTrue("the demo file names itself", at > 0);
        bytes[at + name.length - 1] = '2'; // general.name trit-dem2: the same length, another model id
        Files.write(copy, bytes);
        awaitProvider("(&(trit.model.file=" + copy + ")(trit.model.id=trit-dem2))");

        Files.delete(copy);
        awaitGone("(trit.model.file=" + copy + ")");
        awaitProvider(demoFilter);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Model ids are unique among the local models: a second file of the same general.name serves under its file name. */
    @Test
    public void aSecondFileOfTheSameNameServesUnderItsFileName() throws Exception {
        awaitProvider("(&(trit.model.file=" + demo + ")(trit.provider.name=bitnet/trit-demo))");
        Path twin = TritFramework.scratchDirectory("twin").resolve("twin.gguf");
        Files.copy(demo, twin);
        org.osgi.service.cm.Configuration c = configurationAdmin.createFactoryConfiguration(FACTORY, "?");
        owned.add(c);
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("model.file", twin.toString());
        c.update(p);
        InferenceProvider provider = awaitProvider("(trit.model.file=" + twin + ")");
        assertEquals("twin", provider.models().get(0).id());
        assertEquals("bitnet/twin", provider.name());

        // A configured model.id is that or nothing.
        InferenceProvider clash = configure("twin", Map.of(), a -> !a.isAvailable() && a.reason().contains("model.id"));
        assertEquals("cannot load " + demo + ": model.id 'twin' is already the id of " + twin, clash.availability().reason());
    }

    @Test
    public void aGenerationStreamsItsTextAndReportsUsage() throws Exception {
        InferenceProvider provider = configure("tiny", Map.of("max.tokens", 12));
        Collector collector = new Collector();
        provider.stream(raw("the river is"), collector);
        ChatResponse response = collector.response.get(60, TimeUnit.SECONDS);
        assertEquals("tiny", response.model());
        assertEquals(collector.text.toString(), response.choice().message().content());
        assertTrue(response.usage().promptTokens() >= 4);
        assertTrue(response.usage().completionTokens() >= 1 && response.usage().completionTokens() <= 12);
        FinishReason reason = response.choice().finishReason();
        assertTrue(reason.toString(), reason == FinishReason.LENGTH || reason == FinishReason.STOP);
        assertEquals(response.usage().completionTokens() == 12, reason == FinishReason.LENGTH);
    }

    @Test
    public void aCancelledGenerationStopsWithinATokenAndFreesItsSlot() throws Exception {
        InferenceProvider provider = configure("cancel", Map.of("max.concurrent", 1, "queue.length", 0));
        Collector collector = new Collector();
        collector.cancelAfter = 3;
        collector.generation = provider.stream(withMax(raw("open the north"), 1500, 1.0), collector);
        ChatResponse response = collector.response.get(60, TimeUnit.SECONDS);
        assertEquals(FinishReason.CANCELLED, response.choice().finishReason());
        assertTrue("deltas after the cancel: " + collector.deltas.get(), collector.deltas.get() <= 4);
        assertTrue(collector.generation.isDone());
        // The only slot is free again: a new generation starts at once.
        Collector next = new Collector();
        provider.stream(withMax(raw("again"), 2, 0.0), next);
        assertNotNull(next.response.get(60, TimeUnit.SECONDS));
    }

    @Test
    public void aFullQueueGivesTheOverloadedError() throws Exception {
        InferenceProvider provider = configure("busy", Map.of("max.concurrent", 1, "queue.length", 1));
        Collector running = new Collector();
        Collector queued = new Collector();
        running.generation = provider.stream(withMax(raw("long"), 1500, 1.0), running);
        queued.generation = provider.stream(withMax(raw("long"), 1500, 1.0), queued);
        try {
            provider.stream(withMax(raw("one more"), 5, 1.0), new Collector());
            fail("a third request must be refused");
        } catch (ProviderException e) {
            assertEquals(ProviderException.Kind.OVERLOADED, e.kind());
            assertEquals("busy is busy: 1 generation(s) running and 1 waiting; try again shortly", e.getMessage());
            assertTrue(e.retryAfter().isPresent());
        } finally {
            queued.generation.cancel();
            running.generation.cancel();
        }
        assertEquals(FinishReason.CANCELLED, queued.response.get(60, TimeUnit.SECONDS).choice().finishReason());
        assertEquals(FinishReason.CANCELLED, running.response.get(60, TimeUnit.SECONDS).choice().finishReason());
    }

    @Test
    public void aPromptThatCannotFitIsRefusedWithBothNumbers() throws Exception {
        InferenceProvider provider = configure("short", Map.of("context.size", 64));
        try {
            provider.stream(withMax(raw("the river"), 100, 0.0), new Collector());
            fail("max_tokens beyond the context must be refused");
        } catch (ProviderException e) {
            assertEquals(ProviderException.Kind.CONTEXT_LENGTH_EXCEEDED, e.kind());
            assertTrue(e.getMessage(), e.getMessage().matches("the prompt's \\d+ tokens plus max_tokens 100 exceed the "
                    + "context of 64 tokens of short"));
        }
        try {
            provider.stream(raw("the river ".repeat(200)), new Collector());
            fail("a prompt filling the context must be refused");
        } catch (ProviderException e) {
            assertEquals(ProviderException.Kind.CONTEXT_LENGTH_EXCEEDED, e.kind());
            assertTrue(e.getMessage(), e.getMessage().matches("the prompt's \\d+ tokens leave no room for an answer in the "
                    + "context of 64 tokens of short"));
        }
    }

    @Test
    public void aConfigurationThatCannotFitInMemoryFailsWithAMessage() throws Exception {
        Dictionary<String, Object> p = properties("huge", Map.of("max.concurrent", 64, "memory.limit.mb", 1));
        org.osgi.service.cm.Configuration c = configurationAdmin.createFactoryConfiguration(FACTORY, "?");
        owned.add(c);
        c.update(p);
        InferenceProvider provider = awaitProvider("(trit.provider.name=bitnet/huge)",
                a -> a.state() == Availability.State.UNAVAILABLE);
        assertTrue(provider.availability().reason(), provider.availability().reason().contains(
                "64 session(s) of 2048 positions need") && provider.availability().reason().contains("lower max.concurrent"));
    }

    /**
     * A kernel registered with a higher ranking takes over between two tokens, and when it goes away
     * the vector kernel takes over again; kernels are bit-exact, so greedy text is unchanged.
     */
    @Test
    public void aKernelSwappedWhileGeneratingChangesNoToken() throws Exception {
        InferenceProvider provider = configure("swap", Map.of());
        ChatRequest request = withMax(raw("the quiet stone"), 400, 0.0);
        String expected = provider.complete(request).choice().message().content();
        assertEquals("greedy generation is reproducible", expected, provider.complete(request).choice().message().content());

        TernaryKernel scalar = context.getService(context.getServiceReferences(TernaryKernel.class,
                "(trit.kernel.name=scalar)").iterator().next());
        CountingKernel counting = new CountingKernel(scalar);
        Collector collector = new Collector();
        CountDownLatch started = new CountDownLatch(1);
        collector.onFirstDelta = started::countDown;
        ServiceRegistration<TernaryKernel> registration = null;
        try {
            provider.stream(request, collector);
            assertTrue(started.await(60, TimeUnit.SECONDS));
            registration = context.registerService(TernaryKernel.class, counting, new Hashtable<>(Map.of(
                    TernaryKernel.KERNEL_NAME, "itest-counting", "service.ranking", 1000)));
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (counting.calls.get() == 0 && !collector.response.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertFalse("still generating when the kernel goes away", collector.response.isDone());
            registration.unregister();
            registration = null;
            int atUnregister = counting.calls.get();
            ChatResponse response = collector.response.get(60, TimeUnit.SECONDS);
            assertEquals(expected, response.choice().message().content());
            assertTrue("the swapped-in kernel computed some tokens", atUnregister > 0);
            // 7 ternary products per layer, 4 layers: at most the token in flight finishes on the kernel that went away.
            assertTrue("the vector kernel took over: " + (counting.calls.get() - atUnregister) + " products after",
                    counting.calls.get() - atUnregister <= 7 * 4);
        } finally {
            if (registration != null) {
                registration.unregister();
            }
        }
        assertEquals(expected, provider.complete(request).choice().message().content());
    }

    /**
     * A model file written over while it is mapped makes the next read of it fail with an
     * InternalError: the generation ends with a precise error, its session and slot are free, the
     * model refuses at once instead of failing again, and it reloads once its file is stable.
     */
    @Test
    public void aGenerationThatFaultsEndsWithAnErrorFreesItsSlotAndReloadsOnceItsFileIsStable() throws Exception {
        TernaryKernel scalar = context.getService(context.getServiceReferences(TernaryKernel.class,
                "(trit.kernel.name=scalar)").iterator().next());
        CountingKernel faulty = new CountingKernel(scalar);
        faulty.faultAt = 40; // in the second token
        ServiceRegistration<TernaryKernel> registration = context.registerService(TernaryKernel.class, faulty,
                new Hashtable<>(Map.of(TernaryKernel.KERNEL_NAME, "itest-faulty", "service.ranking", -100)));
        try {
            Map<String, Object> settings = Map.of("kernel.target", "(trit.kernel.name=itest-faulty)", "max.concurrent", 1,
                    "queue.length", 0);
            InferenceProvider provider = configure("faulty", settings);
            Collector collector = new Collector();
            provider.stream(withMax(raw("the river"), 200, 0.0), collector);
            ExecutionException failed = assertThrows(ExecutionException.class, () -> collector.response.get(60, TimeUnit.SECONDS));
            ProviderException error = (ProviderException) failed.getCause();
            assertEquals(ProviderException.Kind.UNAVAILABLE, error.kind());
            assertTrue(error.getMessage(), error.getMessage().contains("changed while it was in use"));
            assertTrue(provider.availability().reason(), provider.availability().reason().contains("changed while it was in use"));
            ProviderException refused = assertThrows(ProviderException.class,
                    () -> provider.stream(withMax(raw("the river"), 5, 0.0), new Collector()));
            assertEquals("refused at once, not queued behind a dead worker", error.getMessage(), refused.getMessage());

            faulty.faultAt = -1;
            // The file keeps its size and time (here it never changed): the model reloads by itself.
            awaitProvider("(trit.provider.name=bitnet/faulty)");
            ChatResponse answer = provider.complete(withMax(raw("the river"), 5, 0.0));
            assertEquals("the slot is free again (one slot, no queue)", FinishReason.LENGTH, answer.choice().finishReason());
        } finally {
            registration.unregister();
        }
    }

    @Test
    public void aConfigurationChangeReloadsTheModelAndTheGenerationInFlightFinishes() throws Exception {
        InferenceProvider provider = configure("before", Map.of());
        org.osgi.service.cm.Configuration c = owned.getLast();
        Collector inFlight = new Collector();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch reloadedLatch = new CountDownLatch(1);
        // The generation waits in its first delta until the new model serves: it is surely in flight across the reload.
        inFlight.onFirstDelta = () -> {
            started.countDown();
            try {
                reloadedLatch.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        provider.stream(withMax(raw("the green river"), 300, 1.0), inFlight);
        assertTrue(started.await(60, TimeUnit.SECONDS));
        c.update(properties("after", Map.of()));
        InferenceProvider reloaded = awaitProvider("(trit.model.id=after)");
        assertEquals("after", reloaded.models().get(0).id());
        assertFalse("the old generation is still in flight", inFlight.response.isDone());
        reloadedLatch.countDown();
        ChatResponse old = inFlight.response.get(120, TimeUnit.SECONDS);
        assertEquals("before", old.model());
        assertFalse(old.choice().finishReason() == FinishReason.CANCELLED);
        assertEquals("after", reloaded.complete(withMax(raw("now"), 3, 0.0)).model());
    }

    /**
     * A value that does not convert ({@code threads = two} in a .cfg file) or is out of range is
     * refused where the configuration arrives: the model keeps serving with the previous one, and
     * a valid change after it still applies (SCR would otherwise throw from every later read).
     */
    @Test
    public void anInvalidConfigurationChangeIsRefusedAndTheModelKeepsServing() throws Exception {
        InferenceProvider provider = configure("steady", Map.of("threads", 1));
        org.osgi.service.cm.Configuration c = owned.getLast();
        c.update(properties("steady", Map.of("threads", "two")));
        c.update(properties("steady", Map.of("temperature", 7.0)));
        Thread.sleep(500); // configuration events are asynchronous
        assertTrue(provider.availability().isAvailable());
        assertEquals("steady", provider.complete(withMax(raw("still here"), 3, 0.0)).model());

        c.update(properties("steady", Map.of("context.size", 1024)));
        awaitProvider("(&(trit.model.id=steady)(trit.model.context=1024))");
    }

    /** A kernel.target nothing matches: the provider stays listed, unavailable with the reason, and loads once one does. */
    @Test
    public void aKernelTargetNothingMatchesLeavesTheProviderUnavailableUntilOneDoes() throws Exception {
        InferenceProvider provider = configure("no-kernel", Map.of("kernel.target", "(trit.kernel.name=nonexistent)"),
                a -> !a.isAvailable() && a.reason().contains("kernel"));
        assertEquals("cannot load " + demo + ": no kernel service matches kernel.target (trit.kernel.name=nonexistent); "
                + "the model loads when one is registered", provider.availability().reason());
        owned.getLast().update(properties("no-kernel", Map.of("kernel.target", "(trit.kernel.name=vector)")));
        awaitProvider("(trit.model.id=no-kernel)");

        InferenceProvider malformed = configure("bad-filter", Map.of("kernel.target", "(((bad"), a -> !a.isAvailable());
        assertTrue(malformed.availability().reason(), malformed.availability().reason()
                .startsWith("invalid configuration: kernel.target '(((bad' is not a filter: "));
    }

    /** A configuration that cannot be used from the start: the provider is listed, unavailable, saying why. */
    @Test
    public void anInvalidConfigurationLeavesTheProviderUnavailableWithTheReasonUntilItIsFixed() throws Exception {
        org.osgi.service.cm.Configuration c = configurationAdmin.createFactoryConfiguration(FACTORY, "?");
        owned.add(c);
        c.update(properties("broken", Map.of("max.concurrent", "several")));
        InferenceProvider provider = awaitProvider("(trit.provider.name=bitnet/broken)", a -> !a.isAvailable());
        assertEquals("invalid configuration: max.concurrent = 'several' is not a valid int",
                provider.availability().reason());

        c.update(properties("broken", Map.of("max.concurrent", 1)));
        awaitProvider("(trit.model.id=broken)");
    }

    /**
     * {@code threads} bounds the kernel threads a model's products use, and a change applies to the
     * running model: with 1, the kernel's worker thread does no work (its CPU time stays put);
     * with 0 (all), it does its share.
     */
    @Test
    public void theThreadsSettingBoundsTheKernelThreadsTheModelUses() throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Thread worker = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("trit-kernel-vector-1")).findFirst().orElse(null);
        org.junit.Assume.assumeTrue("the vector kernel has a worker thread (2 or more processors)", worker != null);
        InferenceProvider provider = configure("threads", Map.of("threads", 1));
        org.osgi.service.cm.Configuration c = owned.getLast();
        provider.complete(withMax(raw("warm up"), 8, 0.0));
        long before = mx.getThreadCpuTime(worker.threadId());
        String oneThread = provider.complete(withMax(raw("the long river"), 48, 0.0)).choice().message().content();
        long withOne = mx.getThreadCpuTime(worker.threadId()) - before;

        c.update(properties("threads", Map.of("threads", 0)));
        long deadline = System.nanoTime() + 30_000_000_000L;
        long withAll = 0;
        String allThreads = null;
        while (withAll <= 5_000_000 && System.nanoTime() < deadline) { // the change arrives asynchronously
            before = mx.getThreadCpuTime(worker.threadId());
            allThreads = provider.complete(withMax(raw("the long river"), 48, 0.0)).choice().message().content();
            withAll = mx.getThreadCpuTime(worker.threadId()) - before;
        }
        assertTrue("the worker computed " + withOne / 1e6 + " ms for a model limited to 1 thread", withOne < 2_000_000);
        assertTrue("the worker computed only " + withAll / 1e6 + " ms with all threads", withAll > 5_000_000);
        assertEquals("the same greedy text on 1 or 2 threads", oneThread, allThreads);
        assertTrue("no reload: the same provider serves", provider.availability().isAvailable());
    }

    // --- helpers

    private InferenceProvider configure(String id, Map<String, Object> extra) throws Exception {
        return configure(id, extra, Availability::isAvailable);
    }

    /** A provider of {@code id} whose availability meets {@code condition} (it may have no model loaded). */
    private InferenceProvider configure(String id, Map<String, Object> extra, Predicate<Availability> condition)
            throws Exception {
        org.osgi.service.cm.Configuration c = configurationAdmin.createFactoryConfiguration(FACTORY, "?");
        owned.add(c);
        c.update(properties(id, extra));
        return awaitProvider("(trit.provider.name=bitnet/" + id + ")", condition);
    }

    private Dictionary<String, Object> properties(String id, Map<String, Object> extra) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("model.file", demo.toString());
        p.put("model.id", id);
        p.put("context.size", 2048);
        extra.forEach(p::put);
        return p;
    }

    private static ChatRequest raw(String text) {
        return new ChatRequest("any", List.of(ChatMessage.user(text)), null, null, null, false, Map.of("raw_prompt", true));
    }

    private static ChatRequest withMax(ChatRequest r, int maxTokens, double temperature) {
        return new ChatRequest(r.model(), r.messages(), new SamplingParameters(temperature, null, null, null, null, null,
                null, 7L), r.stop(), maxTokens, false, r.extensions());
    }

    /** The provider matching {@code filter} once it is available. */
    private InferenceProvider awaitProvider(String filter) throws Exception {
        return awaitProvider(filter, Availability::isAvailable);
    }

    private InferenceProvider awaitProvider(String filter, Predicate<Availability> condition) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (ServiceReference<InferenceProvider> ref : context.getServiceReferences(InferenceProvider.class, filter)) {
                InferenceProvider p = context.getService(ref);
                if (p != null && condition.test(p.availability())) {
                    return p;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no provider matching " + filter + " within 60 s");
    }

    private void awaitGone(String filter) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (context.getServiceReferences(InferenceProvider.class, filter).isEmpty()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("a provider matching " + filter + " is still there after 60 s");
    }

    /** Collects a stream; may cancel after some deltas, like a client that went away. */
    private static final class Collector implements ChatStreamListener {
        final CompletableFuture<ChatResponse> response = new CompletableFuture<>();
        final StringBuilder text = new StringBuilder();
        final AtomicInteger deltas = new AtomicInteger();
        volatile Generation generation;
        volatile int cancelAfter = -1;
        volatile Runnable onFirstDelta = () -> { };

        @Override
        public void onDelta(ChatDelta delta) {
            text.append(delta.content());
            int n = deltas.incrementAndGet();
            if (n == 1) {
                onFirstDelta.run();
            }
            if (n == cancelAfter) {
                generation.cancel();
            }
        }

        @Override
        public void onComplete(ChatResponse r) {
            response.complete(r);
        }

        @Override
        public void onError(ProviderException error) {
            response.completeExceptionally(error);
        }
    }

    /** Another kernel implementation as far as the model can tell: the scalar one, counted. */
    private static final class CountingKernel implements TernaryKernel {
        final TernaryKernel delegate;
        final AtomicInteger calls = new AtomicInteger();
        /** The call that fails as a read of a changed mapped file does, or -1. */
        volatile int faultAt = -1;

        CountingKernel(TernaryKernel delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return "itest-counting";
        }

        @Override
        public int simdBits() {
            return delegate.simdBits();
        }

        @Override
        public int threads() {
            return delegate.threads();
        }

        @Override
        public void quantize(float[] x, int rows, int k, QuantizedActivations out) {
            delegate.quantize(x, rows, k, out);
        }

        @Override
        public void ternaryMatmul(Weights w, QuantizedActivations x, float[] y) {
            if (calls.incrementAndGet() == faultAt) {
                // What the JVM throws when a mapped model file is truncated under a read (SIGBUS).
                throw new InternalError("a fault occurred in an unsafe memory access operation");
            }
            delegate.ternaryMatmul(w, x, y);
        }

        @Override
        public void floatMatmul(Weights w, float[] x, int rows, float[] y) {
            delegate.floatMatmul(w, x, rows, y);
        }

        @Override
        public Weights prepare(Weights w, Arena arena) {
            return delegate.prepare(w, arena);
        }
    }
}
