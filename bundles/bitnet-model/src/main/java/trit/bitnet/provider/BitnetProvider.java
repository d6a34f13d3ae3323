package trit.bitnet.provider;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.config.ConfigurationValues;
import trit.api.kernel.TernaryKernel;
import trit.api.provider.Availability;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;
import trit.api.provider.ProviderException;
import trit.api.provider.ProviderException.Kind;
import trit.api.provider.ProviderLoad;
import trit.api.tokenizer.TokenizerFactory;
import trit.bitnet.sampling.SamplerSettings;

/**
 * A local BitNet model as an {@link InferenceProvider}, one per {@code trit.provider.bitnet}
 * configuration. It registers its service itself (the provider name and model id are known
 * only once the file is read) and at once, reporting {@code LOADING} until the model is ready.
 *
 * <p>The kernel is a dynamic, greedy reference: the best kernel matching {@code kernel.target}
 * computes each token, and when it goes away the next best takes over between two tokens. A
 * new configuration loads a new model beside the old one; requests switch when it is ready,
 * and the old one is freed once its generations finished.
 */
@Component(configurationPid = BitnetProviderConfiguration.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = BitnetProviderConfiguration.class, factory = true)
public class BitnetProvider implements InferenceProvider {

    private static final Logger LOG = LoggerFactory.getLogger(BitnetProvider.class);
    /**
     * Longer than loading or repacking a 2B model or one warm-up prompt takes (the steps a load
     * checks between); two of them still fit in the launcher's 20 s stop.
     */
    private static final Duration LOADER_STOP_WAIT = Duration.ofSeconds(8);
    /** How long a changed model file keeps its size and time before it is loaded again. */
    private static final Duration STABLE_FOR = Duration.ofSeconds(2);

    /** Service property: the model id served. */
    public static final String MODEL_ID = "trit.model.id";
    /** Service property: the model file. */
    public static final String MODEL_FILE = "trit.model.file";
    /** Service property: the model file's SHA-256, once known. */
    public static final String MODEL_SHA256 = "trit.model.sha256";
    /** Service property: the context each session holds, in tokens. */
    public static final String MODEL_CONTEXT = "trit.model.context";
    /** Service property: bytes of KV cache and scratch allocated for all sessions. */
    public static final String MODEL_SESSION_BYTES = "trit.model.session.bytes";

    /** The best kernel matching kernel.target; null while none does (then the provider says so). */
    private volatile TernaryKernel kernel;
    /** The last kernel bound, for the generations that finish after this provider is deactivated. */
    private volatile TernaryKernel lastKernel;
    /** A load found no kernel: the next one bound starts it again. Guarded by this. */
    private boolean waitingForKernel;

    private final TokenizerFactory tokenizers;
    private final BundleContext context;
    /** The configuration in force; null while the first one given was invalid. */
    private volatile BitnetProviderConfiguration config;
    private volatile String modelFile;
    private volatile LoadedModel current;
    private volatile Availability availability = Availability.loading("starting");
    private volatile String name;
    private volatile String sha256 = "";
    private ServiceRegistration<InferenceProvider> registration;
    /** Incremented by every configuration; a load that finishes after a newer one started is discarded. */
    private int loadTicket;
    /** Threads loading a model, waited for at deactivation. */
    private final Set<Thread> loaders = ConcurrentHashMap.newKeySet();
    private volatile boolean deactivated;

    @Activate
    public BitnetProvider(@Reference TokenizerFactory tokenizers, BundleContext context,
                          BitnetProviderConfiguration config, Map<String, Object> properties) {
        this.tokenizers = tokenizers;
        this.context = context;
        Optional<String> problem = problem(config, properties);
        if (problem.isPresent()) {
            // Registered all the same, unavailable with the reason, so /health shows what to fix.
            LOG.error("Invalid configuration of the model {}: {}", properties.get("model.file"), problem.get());
            this.config = null;
            this.modelFile = String.valueOf(properties.get("model.file"));
            this.name = "bitnet/" + String.valueOf(properties.getOrDefault("model.id", LoadedModel.fileStem(Path.of(modelFile))));
            this.availability = Availability.unavailable("invalid configuration: " + problem.get());
            registration = context.registerService(InferenceProvider.class, this, properties(null));
            return;
        }
        this.config = config;
        this.modelFile = config.model_file();
        this.name = providerName(config);
        this.availability = Availability.loading("loading " + config.model_file());
        this.sha256 = config.model_sha256();
        registration = context.registerService(InferenceProvider.class, this, properties(null));
        startLoading(config);
    }

    /**
     * Applies a new configuration: a model setting reloads the model, the others apply from the
     * next request (threads from the next token). One that cannot be used is refused with an
     * error in the log, and the previous one stays in force.
     */
    @Modified
    void modified(BitnetProviderConfiguration next, Map<String, Object> properties) {
        Optional<String> problem = problem(next, properties);
        if (problem.isPresent()) {
            LOG.error("Invalid configuration of {}: {}; {}", name, problem.get(), config == null
                    ? "the model stays unloaded" : "the previous configuration stays in force");
            return;
        }
        BitnetProviderConfiguration previous = this.config;
        this.config = next;
        this.modelFile = next.model_file();
        if (previous == null) {
            name = providerName(next);
            sha256 = next.model_sha256();
            availability = Availability.loading("loading " + next.model_file());
            startLoading(next);
        } else if (reloadNeeded(previous, next) || (current != null && current.broken() != null)) {
            LOG.info("The configuration of {} changed: reloading", name);
            if (!next.model_file().equals(previous.model_file()) || !next.model_sha256().equals(previous.model_sha256())) {
                sha256 = next.model_sha256();
            }
            startLoading(next);
        } else {
            updateRegistration();
        }
    }

    @Deactivate
    void deactivate() {
        LoadedModel model;
        synchronized (this) {
            deactivated = true;
            loadTicket++;
            model = current;
            current = null;
        }
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already gone with the bundle
        }
        if (model != null) {
            model.retire();
        }
        awaitLoaders();
        releaseIdsBut(null);
    }

    /**
     * Waits for loads under way to notice they are abandoned (between loading, repacking and each
     * warm-up prompt) and free what they allocated: a load left running would hold the model's
     * memory after the provider is gone and fail with the bundle's class loader.
     */
    private void awaitLoaders() {
        long deadline = System.nanoTime() + LOADER_STOP_WAIT.toNanos();
        for (Thread loader : List.copyOf(loaders)) {
            if (loader == Thread.currentThread()) {
                continue; // deactivated from within a load (a service event it caused): it ends on its own
            }
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !loader.join(Duration.ofNanos(left))) {
                    LOG.warn("{}: a model load did not stop within {} s; leaving it", name, LOADER_STOP_WAIT.toSeconds());
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Gives back the model ids this provider claimed, except the one {@code serving} has (null: all). */
    private void releaseIdsBut(LoadedModel serving) {
        ModelIds.releaseAllBut(this, serving == null ? null : serving.id);
    }

    /**
     * Optional, so that a kernel.target nothing matches leaves the provider listed, unavailable
     * with the reason, instead of unsatisfied and gone (and its model id routed elsewhere).
     */
    @Reference(name = "kernel", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindKernel(TernaryKernel k) {
        BitnetProviderConfiguration load;
        synchronized (this) {
            kernel = k;
            lastKernel = k;
            load = waitingForKernel && !deactivated ? config : null;
            waitingForKernel = false;
        }
        if (load != null) {
            startLoading(load);
        }
    }

    void unbindKernel(TernaryKernel k) {
        synchronized (this) {
            if (kernel == k) { // greedy: a better kernel is bound before the one it replaces goes
                kernel = null;
            }
            if (lastKernel == k && !deactivated) {
                lastKernel = null; // gone for good; only a deactivated provider's generations may finish on it
            }
        }
    }

    /**
     * The kernel the next token computes with: the best match of {@code kernel.target}, limited
     * to the configured threads (a change of {@code threads} applies from the next token on).
     */
    private TernaryKernel kernel() {
        TernaryKernel k = kernel;
        if (k == null) {
            // Deactivated (its configuration or file removed): the generations in flight finish
            // on the kernel they had, which is still registered. Else the kernel itself went.
            k = deactivated ? lastKernel : null;
            if (k == null) {
                throw new ProviderException(Kind.UNAVAILABLE, name, "no kernel service matches kernel.target "
                        + (config == null ? "" : config.kernel_target()) + " any more");
            }
        }
        BitnetProviderConfiguration c = config;
        int threads = c == null ? 0 : c.threads();
        return k == null || threads <= 0 ? k : k.limitedTo(threads);
    }

    /**
     * Why {@code c} cannot be used, or empty: a value that does not convert to its type (SCR would
     * throw that from every later read), or one out of range (the sampling defaults as the API
     * limits a request's).
     */
    static Optional<String> problem(BitnetProviderConfiguration c, Map<String, ?> properties) {
        Optional<String> unconvertible = ConfigurationValues.unconvertible(BitnetProviderConfiguration.class, c, properties);
        if (unconvertible.isPresent()) {
            return unconvertible;
        }
        try {
            FrameworkUtil.createFilter(c.kernel_target());
        } catch (InvalidSyntaxException e) {
            return Optional.of("kernel.target '" + c.kernel_target() + "' is not a filter: " + e.getMessage());
        }
        return Stream.of(
                        atLeast("threads", c.threads(), 0),
                        atLeast("context.size", c.context_size(), 0),
                        atLeast("max.concurrent", c.max_concurrent(), 1),
                        atLeast("queue.length", c.queue_length(), 0),
                        atLeast("memory.limit.mb", c.memory_limit_mb(), 0),
                        atLeast("max.tokens", c.max_tokens(), 1),
                        within("temperature", c.temperature(), 0, 2),
                        atLeast("top.k", c.top_k(), 0),
                        within("top.p", c.top_p(), 0, 1),
                        within("min.p", c.min_p(), 0, 1),
                        within("repetition.penalty", c.repetition_penalty(), Double.MIN_VALUE, Double.MAX_VALUE),
                        within("presence.penalty", c.presence_penalty(), -2, 2),
                        within("frequency.penalty", c.frequency_penalty(), -2, 2),
                        atLeast("penalty.window", c.penalty_window(), 1))
                .flatMap(Optional::stream).findFirst();
    }

    private static Optional<String> atLeast(String key, long value, long min) {
        return value >= min ? Optional.empty() : Optional.of(key + " must be >= " + min + ", was " + value);
    }

    private static Optional<String> within(String key, double value, double min, double max) {
        return value >= min && value <= max ? Optional.empty()
                : Optional.of(key + " must be " + (max == Double.MAX_VALUE ? "> 0" : "from " + min + " to " + max)
                        + ", was " + value);
    }

    /** Sampling defaults, limits, threads and the kernel filter apply as they are; the rest needs a new model. */
    private static boolean reloadNeeded(BitnetProviderConfiguration a, BitnetProviderConfiguration b) {
        // A new digest: the file was replaced under the same name (the models folder's watcher sets it).
        return !a.model_file().equals(b.model_file()) || !a.model_id().equals(b.model_id())
                || !a.model_sha256().equals(b.model_sha256())
                || a.context_size() != b.context_size() || a.max_concurrent() != b.max_concurrent()
                || a.queue_length() != b.queue_length() || a.memory_limit_mb() != b.memory_limit_mb();
    }

    private void startLoading(BitnetProviderConfiguration config) {
        Thread loader;
        synchronized (this) {
            if (deactivated) {
                return; // a kernel bound as the provider goes: deactivate already waited for its loads
            }
            int ticket = ++loadTicket;
            loader = Thread.ofPlatform().daemon().name("trit-load-" + providerName(config)).unstarted(() -> {
                try {
                    loadModel(config, ticket);
                } finally {
                    loaders.remove(Thread.currentThread());
                }
            });
            loaders.add(loader); // under the lock deactivate takes before it looks at the loads
        }
        loader.start();
    }

    /**
     * Reloads a model whose file changed under it once the file has kept its size and time for
     * {@link #STABLE_FOR} (a copy in progress is not loaded), unless something else replaced or
     * ended the model first.
     */
    private void reloadWhenStable(BitnetProviderConfiguration config, LoadedModel broken) {
        Thread.ofPlatform().daemon().name("trit-reload-" + providerName(config)).start(() -> {
            Path file = Path.of(config.model_file());
            ModelDirectory.FileState seen = null;
            long stableSince = System.nanoTime();
            while (current == broken && !deactivated) {
                ModelDirectory.FileState now = fileState(file);
                if (!java.util.Objects.equals(now, seen)) {
                    seen = now;
                    stableSince = System.nanoTime();
                } else if (now != null && System.nanoTime() - stableSince >= STABLE_FOR.toNanos()) {
                    LOG.info("{}: its file is stable again: reloading", name);
                    startLoading(config);
                    return;
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private static ModelDirectory.FileState fileState(Path file) {
        try {
            return ModelDirectory.FileState.of(file);
        } catch (IOException e) {
            return null; // gone for now: a copy may be on its way
        }
    }

    private boolean frameworkStopping() {
        try {
            return context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).getState() == Bundle.STOPPING;
        } catch (IllegalStateException e) {
            return true; // this bundle's context is no longer valid: it stopped
        }
    }

    /** Whether a load under {@code ticket} is no longer wanted: a newer configuration or the provider's end. */
    private synchronized boolean overtaken(int ticket) {
        return ticket != loadTicket || deactivated;
    }

    private void loadModel(BitnetProviderConfiguration config, int ticket) {
        LoadedModel loaded;
        try {
            loaded = LoadedModel.load(config, this::kernel, tokenizers, ModelIds.of(this), () -> overtaken(ticket));
        } catch (LoadedModel.AbandonedException e) {
            // Its ids: the newer load's success or failure, or deactivate, gives them back (releasing
            // them here could free an id the newer load has just claimed).
            LOG.debug("Stopped loading {}: no longer wanted", config.model_file());
            return;
        } catch (IOException | RuntimeException | Error e) {
            // An Error too (a model file truncated under the load, memory): the provider must not stay "loading".
            releaseIdsBut(current);
            if (e instanceof LoadedModel.NoKernelException) {
                synchronized (this) {
                    if (kernel != null && ticket == loadTicket) { // one was bound meanwhile
                        startLoading(config);
                        return;
                    }
                    waitingForKernel = ticket == loadTicket;
                }
            }
            if (frameworkStopping()) {
                // Its kernel or tokenizer went first: the load fails for the stop, not for the model.
                LOG.debug("Stopped loading {} as the framework stops: {}", config.model_file(), e.getMessage());
                return;
            }
            if (e instanceof LoadedModel.NoKernelException) {
                // Not an error yet: at start-up the kernels may register after the models; the
                // provider lists the reason as its availability meanwhile.
                LOG.info("Model {} waits for a kernel: {}", config.model_file(), e.getMessage());
            } else {
                LOG.error("Cannot load model {}: {}", config.model_file(), e.getMessage());
            }
            synchronized (this) {
                if (ticket == loadTicket && current == null) {
                    availability = Availability.unavailable("cannot load " + config.model_file() + ": " + e.getMessage());
                }
            }
            return;
        }
        LoadedModel old;
        synchronized (this) {
            if (ticket != loadTicket || deactivated) {
                loaded.retire(); // a newer configuration or a shutdown overtook this load
                if (deactivated) {
                    releaseIdsBut(null);
                }
                return;
            }
            old = current;
            current = loaded;
            name = "bitnet/" + loaded.id;
            availability = Availability.AVAILABLE;
        }
        loaded.whenBroken(() -> reloadWhenStable(config, loaded));
        updateRegistration();
        releaseIdsBut(loaded);
        if (old != null) {
            old.retire();
        }
        if (sha256.isEmpty()) {
            Thread.ofPlatform().daemon().name("trit-sha256-" + loaded.id).start(() -> digest(loaded));
        }
    }

    private void digest(LoadedModel loaded) {
        try {
            String digest = FileDigests.sha256(loaded.file);
            sha256 = digest;
            LOG.info("{}: sha256 {}", loaded.file.getFileName(), digest);
            updateRegistration();
        } catch (IOException e) {
            LOG.warn("Cannot compute the sha256 of {}: {}", loaded.file, e.getMessage());
        }
    }

    private synchronized void updateRegistration() {
        if (!deactivated) {
            try {
                registration.setProperties(properties(current));
            } catch (IllegalStateException e) {
                // unregistered meanwhile
            }
        }
    }

    private Dictionary<String, Object> properties(LoadedModel model) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(PROVIDER_NAME, name);
        p.put(LOCALITY, Locality.LOCAL.name());
        p.put(MODEL_FILE, modelFile);
        if (model != null) {
            p.put(MODEL_ID, model.id);
            p.put(MODEL_CONTEXT, model.contextLength);
            p.put(MODEL_SESSION_BYTES, model.sessionBytes * model.maxConcurrent);
        }
        if (!sha256.isEmpty()) {
            p.put(MODEL_SHA256, sha256);
        }
        return p;
    }

    /** Until the file is read, the provider is named after the configured id or the file. */
    private static String providerName(BitnetProviderConfiguration config) {
        if (!config.model_id().isBlank()) {
            return "bitnet/" + config.model_id().strip();
        }
        return "bitnet/" + LoadedModel.fileStem(java.nio.file.Path.of(config.model_file()));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Locality locality() {
        return Locality.LOCAL;
    }

    @Override
    public List<ModelInfo> models() {
        LoadedModel model = current;
        return model == null ? List.of() : List.of(new ModelInfo(model.id, "trit", model.createdSeconds, model.contextLength));
    }

    @Override
    public Availability availability() {
        BitnetProviderConfiguration c = config;
        LoadedModel model = current;
        if (model != null && kernel == null && c != null) {
            return Availability.unavailable("no kernel service matches kernel.target " + c.kernel_target());
        }
        String broken = model == null ? null : model.broken();
        return broken != null ? Availability.unavailable(broken) : availability;
    }

    @Override
    public ProviderLoad load() {
        LoadedModel model = current;
        return model == null ? ProviderLoad.IDLE : model.load();
    }

    @Override
    public Generation stream(ChatRequest request, ChatStreamListener listener) {
        LoadedModel model = current;
        if (model == null) {
            throw new ProviderException(Kind.UNAVAILABLE, name, "the local model is not ready: " + availability.reason());
        }
        if (model.broken() != null) {
            throw new ProviderException(Kind.UNAVAILABLE, name, model.broken());
        }
        BitnetProviderConfiguration settings = config;
        int[] prompt = prompt(model, request);
        int room = model.contextLength - prompt.length;
        if (request.maxTokens() != null ? request.maxTokens() > room : room < 1) {
            throw new ProviderException(Kind.CONTEXT_LENGTH_EXCEEDED, name, "the prompt's " + prompt.length
                    + " tokens " + (request.maxTokens() != null ? "plus max_tokens " + request.maxTokens() + " exceed"
                            : "leave no room for an answer in") + " the context of " + model.contextLength
                    + " tokens of " + model.id);
        }
        int maxTokens = request.maxTokens() != null ? request.maxTokens() : Math.min(settings.max_tokens(), room);
        SamplerSettings sampling;
        try {
            sampling = defaults(settings).with(request.sampling());
        } catch (IllegalArgumentException e) {
            throw new ProviderException(Kind.INVALID_REQUEST, name, e.getMessage());
        }
        LocalGeneration generation = new LocalGeneration(name, model, prompt, sampling, request.stop(), maxTokens,
                listener);
        try {
            model.submit(generation);
        } catch (RejectedExecutionException e) {
            throw new ProviderException(Kind.OVERLOADED, name, model.id + " is busy: " + model.maxConcurrent
                    + " generation(s) running and " + model.queueLength + " waiting; try again shortly",
                    java.time.Duration.ofSeconds(1), null);
        }
        return generation;
    }

    /** The prompt tokens: the chat template's rendering, or for a raw completion the text as it is. */
    private int[] prompt(LoadedModel model, ChatRequest request) {
        try {
            if (Boolean.TRUE.equals(request.extensions().get("raw_prompt"))) {
                StringBuilder text = new StringBuilder();
                for (ChatMessage m : request.messages()) {
                    text.append(m.content() == null ? "" : m.content());
                }
                return model.tokenizer.encode(text.toString(), true, false);
            }
            return model.tokenizer.encodeChat(request.messages());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new ProviderException(Kind.INVALID_REQUEST, name, "cannot build the prompt for " + model.id + ": "
                    + e.getMessage());
        }
    }

    private static SamplerSettings defaults(BitnetProviderConfiguration c) {
        return new SamplerSettings(c.temperature(), c.top_k(), c.top_p(), c.min_p(), c.repetition_penalty(),
                c.frequency_penalty(), c.presence_penalty(), c.penalty_window(), 0);
    }
}
