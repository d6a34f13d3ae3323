package trit.router;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import trit.api.chat.ChatChoice;
import trit.api.chat.ChatDelta;
import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;
import trit.api.chat.Usage;
import trit.api.provider.Availability;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;
import trit.api.provider.ProviderException;

/**
 * A provider whose behaviour a test scripts: answer, fail at once (thrown or called back), fail
 * after a delay, fail after its first delta, or never answer. It records every request it got.
 */
class ScriptedProvider implements InferenceProvider {

    enum Mode { ANSWER, THROW, ERROR_CALLBACK, ERROR_AFTER_DELAY, ERROR_AFTER_DELTA, SILENT }

    private static final ScheduledExecutorService TIMER = Executors.newScheduledThreadPool(2, Thread.ofPlatform().daemon().factory());

    final String name;
    final Locality locality;
    final List<ModelInfo> models;
    final List<ChatRequest> received = new CopyOnWriteArrayList<>();
    final AtomicBoolean cancelled = new AtomicBoolean();
    volatile Availability availability = Availability.AVAILABLE;
    volatile Mode mode = Mode.ANSWER;
    volatile ProviderException.Kind failure = ProviderException.Kind.UNAVAILABLE;
    volatile Duration delay = Duration.ZERO;
    volatile String answer;
    volatile Usage usage = new Usage(10, 5);
    /** When it last reported a failure, {@link System#nanoTime()}. */
    volatile long failedAt;

    ScriptedProvider(String name, Locality locality, String model, int contextLength) {
        this.name = name;
        this.locality = locality;
        this.models = List.of(new ModelInfo(model, "test", 1, contextLength));
        this.answer = "answer from " + name;
    }

    ScriptedProvider failing(Mode mode, ProviderException.Kind kind) {
        this.mode = mode;
        this.failure = kind;
        return this;
    }

    /** Its service properties, as the framework would hand them to the router. */
    Map<String, Object> properties() {
        return Map.of(PROVIDER_NAME, name, LOCALITY, locality.name());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Locality locality() {
        return locality;
    }

    @Override
    public List<ModelInfo> models() {
        return models;
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public Generation stream(ChatRequest request, ChatStreamListener listener) {
        received.add(request);
        AtomicBoolean done = new AtomicBoolean();
        Generation generation = new Generation() {
            @Override
            public void cancel() {
                cancelled.set(true);
                if (done.compareAndSet(false, true)) {
                    listener.onError(new ProviderException(ProviderException.Kind.CANCELLED, name, "cancelled"));
                }
            }

            @Override
            public boolean isDone() {
                return done.get();
            }
        };
        ProviderException error = new ProviderException(failure, name, name + " failed: " + failure);
        switch (mode) {
            case THROW -> throw error;
            case ERROR_CALLBACK -> {
                done.set(true);
                listener.onError(error);
            }
            case ERROR_AFTER_DELAY -> TIMER.schedule(() -> {
                if (done.compareAndSet(false, true)) {
                    failedAt = System.nanoTime();
                    listener.onError(error);
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
            case ERROR_AFTER_DELTA -> TIMER.execute(() -> {
                listener.onDelta(ChatDelta.text("partial "));
                if (done.compareAndSet(false, true)) {
                    listener.onError(error);
                }
            });
            case SILENT -> {
            }
            case ANSWER -> TIMER.schedule(() -> {
                listener.onDelta(ChatDelta.text(answer));
                if (done.compareAndSet(false, true)) {
                    listener.onComplete(new ChatResponse("chatcmpl-" + name, 1, request.model(),
                            List.of(new ChatChoice(0, ChatMessage.assistant(answer), FinishReason.STOP)), usage, null));
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
        return generation;
    }
}
