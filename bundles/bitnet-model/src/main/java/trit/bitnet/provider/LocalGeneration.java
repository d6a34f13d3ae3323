package trit.bitnet.provider;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.chat.ChatChoice;
import trit.api.chat.ChatDelta;
import trit.api.chat.ChatMessage;
import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;
import trit.api.chat.Usage;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.ProviderException;
import trit.bitnet.Session;
import trit.bitnet.generate.StopStrings;
import trit.bitnet.generate.TokenGenerator;
import trit.bitnet.sampling.Sampler;
import trit.bitnet.sampling.SamplerSettings;

/**
 * One request on its way through a {@link LoadedModel}: queued, then generated on a worker
 * thread with that worker's session. Makes exactly one terminal callback, whoever ends it.
 */
final class LocalGeneration implements Generation, Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalGeneration.class);

    private final String provider;
    private final LoadedModel model;
    private final int[] prompt;
    private final SamplerSettings sampling;
    private final List<String> stops;
    private final int maxTokens;
    private final ChatStreamListener listener;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicBoolean done = new AtomicBoolean();

    LocalGeneration(String provider, LoadedModel model, int[] prompt, SamplerSettings sampling, List<String> stops,
                    int maxTokens, ChatStreamListener listener) {
        this.provider = provider;
        this.model = model;
        this.prompt = prompt;
        this.sampling = sampling;
        this.stops = stops;
        this.maxTokens = maxTokens;
        this.listener = listener;
    }

    @Override
    public void run() {
        if (cancelled.get()) {
            finish(FinishReason.CANCELLED, "", 0);
            return;
        }
        Session session = null;
        TokenGenerator.Outcome outcome;
        try {
            String broken = model.broken();
            if (broken != null) {
                throw new ProviderException(ProviderException.Kind.UNAVAILABLE, provider, broken);
            }
            session = model.takeSession();
            Sampler sampler = Sampler.create(sampling, model.model.config().vocabulary());
            outcome = new TokenGenerator(model.forward, model.tokenizer).generate(session, prompt,
                    sampler, new StopStrings(stops), maxTokens, cancelled::get, this::deliver);
        } catch (RuntimeException | Error e) {
            // Whatever went wrong, the caller hears of it and the session and slot are free again:
            // a generation that ends without a word holds its client and its slot for ever.
            if (session != null) {
                model.returnSession(session);
            }
            fail(failure(e));
            if (e instanceof Error error && !mappedFileFault(error)) {
                throw error;
            }
            return;
        }
        // The session and the slot are free before the caller hears the end (the listener may send the next request).
        model.returnSession(session);
        finish(outcome.finishReason(), outcome.text(), outcome.completionTokens());
    }

    private ProviderException failure(Throwable e) {
        if (e instanceof ProviderException known) {
            return known;
        }
        if (e instanceof Error error && mappedFileFault(error)) {
            // The weights are read from memory mapped from the file: it was truncated or written over.
            String reason = "the model file " + model.file + " changed while it was in use (replace a model by moving a "
                    + "complete file into place, never by copying over it); the model reloads when its file or "
                    + "configuration changes";
            model.markBroken(reason);
            LOG.error("Generation with {} failed: {}", model.id, reason);
            return new ProviderException(ProviderException.Kind.UNAVAILABLE, provider, reason, null, e);
        }
        LOG.error("Generation with {} failed", model.id, e);
        return new ProviderException(ProviderException.Kind.INTERNAL, provider,
                "the local model failed while generating: " + e, null, e);
    }

    /** The JVM's error for a read from a mapped file that no longer has the page (SIGBUS). */
    private static boolean mappedFileFault(Error e) {
        return e instanceof InternalError && String.valueOf(e.getMessage()).contains("unsafe memory access");
    }

    /** A piece of text for the listener; a listener that throws cancels the generation. */
    private void deliver(String text) {
        if (cancelled.get()) {
            return;
        }
        try {
            listener.onDelta(ChatDelta.text(text));
        } catch (RuntimeException e) {
            LOG.debug("The listener of a generation with {} failed; cancelling", model.id, e);
            cancelled.set(true);
        }
    }

    private void finish(FinishReason reason, String text, int completionTokens) {
        if (done.compareAndSet(false, true)) {
            ChatResponse response = new ChatResponse("chatcmpl-" + UUID.randomUUID(), System.currentTimeMillis() / 1000,
                    model.id, List.of(new ChatChoice(0, ChatMessage.assistant(text), reason)),
                    new Usage(prompt.length, completionTokens), Map.of());
            model.release();
            try {
                listener.onComplete(response);
            } catch (RuntimeException e) {
                LOG.debug("The listener of a generation with {} failed on completion", model.id, e);
            }
        }
    }

    void fail(ProviderException error) {
        if (done.compareAndSet(false, true)) {
            model.release();
            try {
                listener.onError(error);
            } catch (RuntimeException e) {
                LOG.debug("The listener of a generation with {} failed on error", model.id, e);
            }
        }
    }

    @Override
    public void cancel() {
        if (cancelled.compareAndSet(false, true) && model.unqueue(this)) {
            // It never started: no worker will end it, so this thread does.
            finish(FinishReason.CANCELLED, "", 0);
        }
    }

    @Override
    public boolean isDone() {
        return done.get();
    }
}
