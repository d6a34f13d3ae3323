package trit.bitnet.provider;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.kernel.TernaryKernel;
import trit.api.provider.ProviderException;
import trit.api.provider.ProviderLoad;
import trit.api.tokenizer.Tokenizer;
import trit.api.tokenizer.TokenizerFactory;
import trit.bitnet.BitnetModel;
import trit.bitnet.ForwardPass;
import trit.bitnet.ModelConfig;
import trit.bitnet.Session;
import trit.bitnet.WarmUp;
import trit.gguf.GgufFile;

/**
 * One configuration's model, ready to generate: the mapped file, the weights, the tokenizer,
 * one {@link Session} per generation slot (all allocated here, so a configuration that cannot
 * fit fails now and not later), and the worker threads with their bounded queue.
 *
 * <p>Retiring it (a reload, or the component going away) refuses new work, lets queued and
 * running generations finish, then frees everything.
 */
final class LoadedModel {

    private static final Logger LOG = LoggerFactory.getLogger(LoadedModel.class);
    private static final Duration WARM_UP_LIMIT = Duration.ofSeconds(60);

    final String id;
    final Path file;
    final int contextLength;
    private volatile String broken;
    private Runnable whenBroken = () -> { };
    final int maxConcurrent;
    final int queueLength;
    final long sessionBytes;
    final long createdSeconds;
    private final GgufFile gguf;
    final BitnetModel model;
    final Tokenizer tokenizer;
    final ForwardPass forward;
    private final BlockingQueue<Session> sessions;
    private final ThreadPoolExecutor workers;
    private final Semaphore admission;

    private LoadedModel(String id, Path file, int contextLength, int maxConcurrent, int queueLength, long sessionBytes,
                        GgufFile gguf, BitnetModel model, Tokenizer tokenizer, ForwardPass forward, List<Session> sessions) {
        this.id = id;
        this.file = file;
        this.contextLength = contextLength;
        this.maxConcurrent = maxConcurrent;
        this.queueLength = queueLength;
        this.sessionBytes = sessionBytes;
        this.createdSeconds = System.currentTimeMillis() / 1000;
        this.gguf = gguf;
        this.model = model;
        this.tokenizer = tokenizer;
        this.forward = forward;
        this.sessions = new ArrayBlockingQueue<>(sessions.size(), false, sessions);
        this.admission = new Semaphore(maxConcurrent + queueLength);
        AtomicInteger n = new AtomicInteger();
        // The queue itself is unbounded: admission bounds it, and frees a place before the terminal
        // callback, so a caller that sends its next request from onComplete finds room.
        this.workers = new ThreadPoolExecutor(maxConcurrent, maxConcurrent, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "trit-generate-" + id + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Loads the configured model and allocates its sessions. The configuration's own values were
     * checked where it arrived ({@link BitnetProvider#problem}); what depends on the file is checked here.
     *
     * @throws IOException              when the file cannot be read or is not a usable model (the message says why)
     * @param ids                     grants the model its id, unique among the local models
     * @throws IllegalArgumentException when the configuration does not fit the model or the memory limit, or its
     *                                  model.id is another model's
     */
    static LoadedModel load(BitnetProviderConfiguration config, Supplier<TernaryKernel> kernels,
                            TokenizerFactory tokenizers, ModelIds.Claim ids, BooleanSupplier abandoned) throws IOException {
        Path file = Path.of(config.model_file()).toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new IOException("model file " + file + " does not exist");
        }
        TernaryKernel kernel; // before the weights: without a kernel they would be loaded for nothing
        try {
            kernel = kernels.get();
        } catch (ProviderException none) {
            kernel = null;
        }
        if (kernel == null) {
            throw new NoKernelException("no kernel service matches kernel.target " + config.kernel_target()
                    + "; the model loads when one is registered");
        }
        GgufFile gguf = GgufFile.open(file);
        BitnetModel model = null;
        List<Session> sessions = new ArrayList<>();
        try {
            model = BitnetModel.load(gguf);
            checkWanted(abandoned);
            ModelConfig mc = model.config();
            Tokenizer tokenizer = tokenizers.open(file);
            if (tokenizer.vocabularySize() != mc.vocabulary()) {
                throw new IOException(file.getFileName() + ": the tokenizer has " + tokenizer.vocabularySize()
                        + " tokens, the model's embedding " + mc.vocabulary());
            }
            int context = contextLength(config, mc);
            // A prompt's attention runs on the kernel's threads, each with scratch of its own.
            long perSession = Session.kvCacheBytes(mc, context) + Session.scratchBytes(mc, context, kernel.threads());
            checkMemory(config, perSession, context);
            String id = ids.claim(modelId(config, gguf, file), !config.model_id().isBlank(), file);
            model.prepare(kernel); // repack for the kernel now, not during the first request
            checkWanted(abandoned);
            for (int i = 0; i < config.max_concurrent(); i++) {
                sessions.add(new Session(mc, context));
            }
            LOG.info("Loaded {} from {}: {} layers, n_embd {}, vocabulary {}, context {} x {} session(s), KV cache {} MiB each, "
                            + "kernel {}", id, file, mc.layers(), mc.embedding(), mc.vocabulary(), context,
                    config.max_concurrent(), Session.kvCacheBytes(mc, context) >> 20, kernel.name());
            ForwardPass forward = new ForwardPass(model, kernels);
            if (config.warm_up() && WarmUp.worthwhile(mc) && context >= WarmUp.CONTEXT) {
                WarmUp.Result warm = WarmUp.run(forward, sessions.get(0), mc.vocabulary(), WARM_UP_LIMIT, abandoned);
                checkWanted(abandoned);
                LOG.info("Warmed up {} in {} ms ({} prompts{})", id, warm.time().toMillis(), warm.rounds(),
                        warm.settled() ? "" : "; stopped at the time limit with the compiler still busy");
            }
            return new LoadedModel(id, file, context, config.max_concurrent(), config.queue_length(), perSession, gguf,
                    model, tokenizer, forward, sessions);
        } catch (IOException | RuntimeException | Error e) {
            sessions.forEach(Session::close);
            if (model != null) {
                model.close();
            }
            gguf.close();
            throw e;
        }
    }

    private static void checkWanted(BooleanSupplier abandoned) throws AbandonedException {
        if (abandoned.getAsBoolean()) {
            throw new AbandonedException();
        }
    }

    /** The provider stopped, or a newer configuration replaced this one, while the model loaded. */
    static final class AbandonedException extends IOException {
        private static final long serialVersionUID = 1L;

        AbandonedException() {
            super("abandoned: no longer wanted");
        }
    }

    /** No kernel service matches the configuration's kernel.target (yet). */
    static final class NoKernelException extends IOException {
        private static final long serialVersionUID = 1L;

        NoKernelException(String message) {
            super(message);
        }
    }

    private static int contextLength(BitnetProviderConfiguration config, ModelConfig mc) {
        int trained = mc.contextLength();
        if (config.context_size() > trained) {
            throw new IllegalArgumentException("context.size " + config.context_size()
                    + " exceeds the context the model was trained with (" + trained + ")");
        }
        return config.context_size() > 0 ? config.context_size() : Math.min(trained, 4096);
    }

    private static void checkMemory(BitnetProviderConfiguration config, long perSession, int context) {
        long limit = config.memory_limit_mb() > 0 ? config.memory_limit_mb() << 20 : physicalMemory() / 2;
        long needed = perSession * config.max_concurrent();
        if (needed > limit) {
            throw new IllegalArgumentException(config.max_concurrent() + " session(s) of " + context
                    + " positions need " + (needed >> 20) + " MiB (KV cache and scratch), more than the limit of "
                    + (limit >> 20) + " MiB (memory.limit.mb" + (config.memory_limit_mb() > 0 ? "" : ", default half of RAM")
                    + "); lower max.concurrent or context.size");
        }
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    private static String modelId(BitnetProviderConfiguration config, GgufFile gguf, Path file) throws IOException {
        if (!config.model_id().isBlank()) {
            return config.model_id().strip();
        }
        String name = gguf.optionalString("general.name").orElse("").strip();
        if (!name.isEmpty()) {
            return name;
        }
        return fileStem(file);
    }

    /** The file's name without {@code .gguf}: the model id when nothing else names the model. */
    static String fileStem(Path file) {
        String fileName = file.getFileName().toString();
        return fileName.endsWith(".gguf") ? fileName.substring(0, fileName.length() - 5) : fileName;
    }

    /**
     * Runs {@code task} on a free slot or queues it; refuses it when both are full (or the model
     * retired). The task calls {@link #release()} once, before its terminal callback.
     */
    void submit(Runnable task) throws RejectedExecutionException {
        if (!admission.tryAcquire()) {
            throw new RejectedExecutionException("all slots busy and the queue full");
        }
        try {
            workers.execute(task);
        } catch (RejectedExecutionException e) {
            admission.release();
            throw e;
        }
    }

    /** Gives back the place a submitted task held. */
    void release() {
        admission.release();
    }

    /** Takes a task back out of the queue, if it has not started. */
    boolean unqueue(Runnable task) {
        return workers.remove(task);
    }

    /** A session for the calling worker: there is one per worker thread, so one is always free. */
    /** Why this model can no longer generate (its mapped file changed), or null. */
    String broken() {
        return broken;
    }

    /** Marks the model unusable; the first mark runs what {@link #whenBroken} registered. */
    void markBroken(String reason) {
        Runnable then;
        synchronized (this) {
            if (broken != null) {
                return;
            }
            broken = reason;
            then = whenBroken;
        }
        then.run();
    }

    /** What to do once when the model is marked broken (its provider reloads it). */
    synchronized void whenBroken(Runnable action) {
        whenBroken = action;
    }

    Session takeSession() {
        Session s = sessions.poll();
        if (s == null) {
            throw new IllegalStateException("no free session: more workers than sessions");
        }
        return s;
    }

    void returnSession(Session s) {
        sessions.add(s);
    }

    ProviderLoad load() {
        return new ProviderLoad(workers.getActiveCount(), workers.getQueue().size(), maxConcurrent, queueLength);
    }

    /** Refuses new work; frees everything once the queued and running generations finished. */
    void retire() {
        workers.shutdown();
        Thread.ofPlatform().daemon().name("trit-retire-" + id).start(() -> {
            try {
                while (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.info("Waiting for {} generation(s) of the old {} to finish", workers.getActiveCount(), id);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // the framework is stopping; the process frees the rest
            }
            sessions.forEach(Session::close);
            model.close();
            gguf.close();
            LOG.debug("Unloaded {} ({})", id, file);
        });
    }
}
