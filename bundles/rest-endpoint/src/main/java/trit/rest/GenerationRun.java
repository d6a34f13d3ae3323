package trit.rest;

import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.InferenceProvider;
import trit.api.provider.ProviderException;
import trit.api.routing.Route;

/**
 * One generation, from the provider's callbacks to the thread answering the HTTP request: the
 * provider's thread only queues events (it must never wait for a slow client), the request's
 * thread takes them in order and writes them. The concurrency slot is given back at the
 * provider's terminal callback, when the provider has really stopped.
 */
final class GenerationRun implements ChatStreamListener {

    /** What the provider said, in order. */
    sealed interface Event permits Delta, Done, Failed {
    }

    record Delta(ChatDelta delta) implements Event {
    }

    record Done(ChatResponse response) implements Event {
    }

    record Failed(ProviderException error) implements Event {
    }

    private final InferenceProvider provider;
    private final ChatRequest request;
    private final Runnable releaseSlot;
    private final ApiMetrics metrics;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final long startNanos = System.nanoTime();
    private volatile long firstTokenNanos;
    private volatile Generation generation;
    private volatile boolean cancelled;
    private volatile Object route;

    private GenerationRun(InferenceProvider provider, ChatRequest request, Runnable releaseSlot, ApiMetrics metrics) {
        this.provider = provider;
        this.request = request;
        this.releaseSlot = releaseSlot;
        this.metrics = metrics;
    }

    /** Starts generating; a failure thrown by the provider arrives as the first event, like an early onError. */
    static GenerationRun start(InferenceProvider provider, ChatRequest request, Runnable releaseSlot, ApiMetrics metrics) {
        GenerationRun run = new GenerationRun(provider, request, releaseSlot, metrics);
        try {
            run.generation = provider.stream(request, run);
        } catch (ProviderException e) {
            run.onError(e);
        } catch (RuntimeException e) {
            run.onError(new ProviderException(ProviderException.Kind.INTERNAL, provider.name(),
                    "provider " + provider.name() + " failed to start the generation", null, e));
        }
        if (run.cancelled && run.generation != null) {
            run.generation.cancel();
        }
        return run;
    }

    /** The next event, waiting for it; interrupting the waiting thread cancels the generation. */
    Event next() {
        try {
            return events.take();
        } catch (InterruptedException e) {
            return interrupted();
        }
    }

    /** The next event, or null when none came within the timeout; interrupting cancels, as {@link #next()}. */
    Event next(long timeoutNanos) {
        try {
            return events.poll(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            return interrupted();
        }
    }

    private Event interrupted() {
        cancel();
        Thread.currentThread().interrupt();
        return new Failed(new ProviderException(ProviderException.Kind.CANCELLED, provider.name(),
                "the request was interrupted"));
    }

    /** Stops the generation (the client went away). Idempotent. */
    void cancel() {
        cancelled = true;
        Generation g = generation;
        if (g != null) {
            g.cancel();
        }
    }

    /** The route the router reported so far (a {@link Route} or its JSON form), or null. */
    Object route() {
        return route;
    }

    /** The provider that answered: the route's, when the router chose. */
    String answeringProvider() {
        return route instanceof Route r ? r.provider()
                : route instanceof Map<?, ?> m && m.get("provider") instanceof String p ? p : provider.name();
    }

    @Override
    public void onDelta(ChatDelta delta) {
        if (firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
        }
        noteRoute(delta.extensions());
        events.add(new Delta(delta));
    }

    @Override
    public void onComplete(ChatResponse response) {
        noteRoute(response.extensions());
        if (finished.compareAndSet(false, true)) {
            long end = System.nanoTime();
            long first = firstTokenNanos == 0 ? end : firstTokenNanos;
            metrics.generation(answeringProvider(), response.model(), response.usage().promptTokens(),
                    response.usage().completionTokens(), (first - startNanos) / 1e9, (end - first) / 1e9);
            releaseSlot.run();
        }
        events.add(new Done(response));
    }

    @Override
    public void onError(ProviderException error) {
        if (finished.compareAndSet(false, true)) {
            releaseSlot.run();
        }
        events.add(new Failed(error));
    }

    private void noteRoute(Map<String, Object> extensions) {
        Object r = extensions.get(Route.EXTENSION);
        if (r != null) {
            route = r;
        }
    }

    ChatRequest request() {
        return request;
    }
}
