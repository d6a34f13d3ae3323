package trit.itests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

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
import trit.api.provider.ProviderLoad;
import trit.api.routing.Route;

/**
 * A provider whose behaviour the model id chooses, each generation on a thread of its own like a
 * real provider's:
 * <ul>
 * <li>{@code tokens-N-MS}: streams the tokens {@code "t1 "}..{@code "tN "}, one every MS milliseconds, then stops
 *     with finish reason {@code length} if N equals {@code max_tokens}, else {@code stop};</li>
 * <li>{@code endless-MS}: a token every MS milliseconds until cancelled;</li>
 * <li>{@code hold}: nothing until {@link #release()}, then "held";</li>
 * <li>{@code fail-KIND} / {@code throw-KIND}: fails with that {@link ProviderException.Kind} through
 *     {@code onError} / by throwing from {@code stream} (Retry-After 7 s for retryable kinds);</li>
 * <li>{@code midfail}: two tokens, then an {@code UPSTREAM_ERROR};</li>
 * <li>any model, when the provider is named "router": three tokens answered by "scripted" as
 *     {@code tokens-3-10}, with a {@link Route} in the first delta and in the response.</li>
 * </ul>
 * It records the last request, the tokens sent after a cancel, and the load it reports.
 */
final class ScriptedProvider implements InferenceProvider {

    private final String name;
    private final List<ModelInfo> models;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private volatile CountDownLatch hold = new CountDownLatch(1);
    volatile ChatRequest lastRequest;
    /** Tokens delivered by the generation running last, so far. */
    final AtomicInteger tokensSent = new AtomicInteger();
    /** Tokens the last cancelled generation had delivered when cancel() was called; -1 before any cancel. */
    final AtomicInteger tokensAtCancel = new AtomicInteger(-1);
    /** Counted down by every cancel(). */
    volatile CountDownLatch cancelled = new CountDownLatch(1);

    ScriptedProvider(String name, String... modelIds) {
        this.name = name;
        this.models = Arrays.stream(modelIds).map(id -> new ModelInfo(id, "itest", 1_700_000_000L, 4096)).toList();
    }

    ServiceRegistration<InferenceProvider> register(BundleContext context) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(PROVIDER_NAME, name);
        properties.put(LOCALITY, locality().name());
        return context.registerService(InferenceProvider.class, this, properties);
    }

    void release() {
        hold.countDown();
        hold = new CountDownLatch(1);
    }

    /** Pretend requests wait in this provider's queue (for the metrics). */
    void setQueued(int n) {
        queued.set(n);
    }

    @Override public String name() { return name; }
    @Override public Locality locality() { return Locality.LOCAL; }
    @Override public List<ModelInfo> models() { return models; }
    @Override public Availability availability() { return Availability.AVAILABLE; }
    @Override public ProviderLoad load() { return new ProviderLoad(active.get(), queued.get(), 4, 16); }

    @Override
    public Generation stream(ChatRequest request, ChatStreamListener listener) {
        lastRequest = request;
        String model = request.model();
        if (model.startsWith("throw-")) {
            throw failure(model.substring("throw-".length()));
        }
        tokensSent.set(0);
        Run run = new Run(request, listener);
        Thread.ofVirtual().name("scripted-" + model).start(run);
        return run;
    }

    private ProviderException failure(String kindName) {
        ProviderException.Kind kind = ProviderException.Kind.valueOf(kindName.toUpperCase(Locale.ROOT));
        return new ProviderException(kind, name, "scripted failure: " + kind, kind.isRetryable()
                ? Duration.ofSeconds(7) : null, null);
    }

    private final class Run implements Generation, Runnable {
        private final ChatRequest request;
        private final ChatStreamListener listener;
        private final AtomicBoolean cancel = new AtomicBoolean();
        private volatile boolean done;
        private volatile int sent;

        Run(ChatRequest request, ChatStreamListener listener) {
            this.request = request;
            this.listener = listener;
        }

        @Override
        public void run() {
            active.incrementAndGet();
            try {
                script();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                active.decrementAndGet();
                done = true;
            }
        }

        private void script() throws InterruptedException {
            String model = request.model();
            String[] parts = model.split("-");
            Route route = name.equals("router") ? new Route("scripted", "tokens-3-10", "itest-policy", "scripted route",
                    List.of(new Route.Attempt("scripted", "ok", 3))) : null;
            if (route != null) {
                StringBuilder text = new StringBuilder();
                for (int i = 1; i <= 3 && !cancel.get(); i++) {
                    Thread.sleep(10);
                    text.append("t").append(i).append(' ');
                    emit("t" + i + " ", i == 1 ? route : null);
                }
                complete(text.toString(), FinishReason.STOP, route);
            } else if (model.startsWith("fail-")) {
                listener.onError(failure(model.substring("fail-".length())));
            } else if (model.equals("hold")) {
                if (!hold.await(30, TimeUnit.SECONDS)) {
                    listener.onError(new ProviderException(ProviderException.Kind.TIMEOUT, name, "never released"));
                    return;
                }
                emit("held", null);
                complete("held", FinishReason.STOP, null);
            } else if (model.equals("midfail")) {
                emit("a ", null);
                emit("b ", null);
                listener.onError(new ProviderException(ProviderException.Kind.UPSTREAM_ERROR, name, "scripted cut"));
            } else if (model.startsWith("endless-")) {
                long delay = Long.parseLong(parts[1]);
                StringBuilder text = new StringBuilder();
                // Like a local provider: the flag is checked once per token, and a token computed
                // while the cancel came is dropped, not delivered.
                while (true) {
                    Thread.sleep(delay);
                    if (cancel.get()) {
                        break;
                    }
                    text.append("x ");
                    emit("x ", null);
                }
                complete(text.toString(), FinishReason.CANCELLED, null);
            } else {
                int n = Integer.parseInt(parts[1]);
                long delay = Long.parseLong(parts[2]);
                StringBuilder text = new StringBuilder();
                for (int i = 1; i <= n && !cancel.get(); i++) {
                    Thread.sleep(delay);
                    text.append("t").append(i).append(' ');
                    emit("t" + i + " ", null);
                }
                FinishReason reason = cancel.get() ? FinishReason.CANCELLED
                        : request.maxTokens() != null && request.maxTokens() == n ? FinishReason.LENGTH : FinishReason.STOP;
                complete(text.toString(), reason, null);
            }
        }

        private void emit(String text, Route route) {
            sent++;
            tokensSent.set(sent);
            listener.onDelta(new ChatDelta(text, null, route == null ? Map.of() : Map.of(Route.EXTENSION, route)));
        }

        private void complete(String text, FinishReason reason, Route route) {
            List<ChatChoice> choices = new ArrayList<>();
            choices.add(new ChatChoice(0, ChatMessage.assistant(text), reason));
            listener.onComplete(new ChatResponse("chatcmpl-scripted", 1_700_000_001L,
                    route != null ? route.model() : request.model(), choices,
                    new Usage(request.messages().size() * 5, sent), route == null ? Map.of() : Map.of(Route.EXTENSION, route)));
        }

        @Override
        public void cancel() {
            if (cancel.compareAndSet(false, true)) {
                tokensAtCancel.set(sent);
                cancelled.countDown();
            }
        }

        @Override
        public boolean isDone() {
            return done;
        }
    }
}
