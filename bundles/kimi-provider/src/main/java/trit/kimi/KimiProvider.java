package trit.kimi;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.provider.Availability;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;
import trit.api.provider.ProviderException;
import trit.api.provider.ProviderException.Kind;
import trit.api.provider.ProviderLoad;

/**
 * Moonshot's Kimi K2 (or any OpenAI-compatible server) as an {@link InferenceProvider}: one
 * configured model, streamed or whole answers over {@code java.net.http}, with local admission
 * control, retries and a circuit breaker in front of the remote.
 *
 * <p>Request checks (model id, model constraints), the circuit breaker and admission control
 * refuse a request before anything is sent, by throwing from {@link #stream} or {@link #complete}.
 */
public final class KimiProvider implements InferenceProvider, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KimiProvider.class);

    /** Request model ids this provider takes besides its configured one. */
    private static final String AUTO = "auto";

    private final KimiSettings settings;
    private final Remote remote;
    private final RequestEncoder encoder;
    private final CircuitBreaker breaker;
    private final AdmissionControl admission;
    private final ModelInfo modelInfo;
    /** Requests under way, stopped when the provider closes. */
    private final Set<ChatCall> calls = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    KimiProvider(KimiSettings settings) {
        this(settings, System::nanoTime);
    }

    KimiProvider(KimiSettings settings, LongSupplier nanoClock) {
        this.settings = settings;
        ObjectMapper json = new ObjectMapper();
        ScheduledThreadPoolExecutor watchdog = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("trit-kimi-watchdog-" + settings.name()).factory());
        watchdog.setRemoveOnCancelPolicy(true);
        HttpClient client = HttpClient.newBuilder().connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.remote = new Remote(settings, client, json, new Redactor(settings.apiKey()), watchdog);
        this.encoder = new RequestEncoder(json, settings.streamIncludeUsage());
        this.breaker = new CircuitBreaker(settings.name(), settings.circuitFailureThreshold(),
                settings.circuitOpenDuration(), nanoClock);
        this.admission = new AdmissionControl(settings.name(), settings.maxConcurrentRequests(),
                settings.requestsPerMinute(), nanoClock);
        this.modelInfo = new ModelInfo(settings.model(), "moonshot", System.currentTimeMillis() / 1000, settings.contextLength());
        LOG.info("{}: model {} at {} (API key {})", settings.name(), settings.model(), remote.endpointName(),
                settings.hasApiKey() ? "from " + settings.apiKeySource() : "none");
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public Locality locality() {
        return Locality.CLOUD;
    }

    @Override
    public List<ModelInfo> models() {
        return List.of(modelInfo);
    }

    @Override
    public Availability availability() {
        if (closed) {
            return Availability.unavailable("stopped");
        }
        Availability circuit = breaker.availability();
        if (!circuit.isAvailable()) {
            return circuit;
        }
        return admission.availability();
    }

    @Override
    public ProviderLoad load() {
        return admission.load();
    }

    @Override
    public Generation stream(ChatRequest request, ChatStreamListener listener) {
        return newCall(request, true, listener).start();
    }

    /**
     * A whole answer from the remote's non-streaming endpoint, on the calling thread; interrupting
     * it cancels the exchange and throws {@code CANCELLED} (the interrupt flag stays set).
     */
    @Override
    public ChatResponse complete(ChatRequest request) {
        return newCall(request, false, null).call();
    }

    /** Stops the provider: requests under way end with {@code UNAVAILABLE}, new ones are refused. */
    @Override
    public void close() {
        closed = true;
        for (ChatCall call : calls) {
            call.stop("provider " + name() + " was stopped (configuration changed or bundle stopped)");
        }
        remote.watchdog().shutdownNow();
        remote.client().shutdownNow();
    }

    /** Checks and admits the request (throwing when it is refused), holding an admission slot for it. */
    private ChatCall newCall(ChatRequest request, boolean streaming, ChatStreamListener listener) {
        if (closed) {
            throw new ProviderException(Kind.UNAVAILABLE, name(), "the provider is stopped");
        }
        HttpRequest http = prepare(request, streaming);
        breaker.admit();
        AdmissionControl.Permit permit;
        try {
            permit = admission.admit();
        } catch (ProviderException e) {
            breaker.abandon();
            throw e;
        }
        ChatCall call = new ChatCall(remote, breaker, permit, http, streaming, listener, calls::remove);
        calls.add(call);
        if (closed) {
            call.stop("provider " + name() + " was stopped");
        }
        return call;
    }

    /** Checks the request against this provider and its model's constraints, and builds the HTTP request. */
    private HttpRequest prepare(ChatRequest request, boolean streaming) {
        String asked = request.model();
        if (!asked.isBlank() && !asked.equals(settings.model()) && !asked.equals(AUTO) && !asked.equals(name())) {
            throw new ProviderException(Kind.MODEL_NOT_FOUND, name(), "provider " + name() + " serves model "
                    + settings.model() + ", not '" + asked + "'");
        }
        ModelConstraints.Adapted sampling;
        try {
            sampling = settings.constraints().apply(settings.model(), request.sampling(), settings.adaptToConstraints());
        } catch (IllegalArgumentException e) {
            throw new ProviderException(Kind.INVALID_REQUEST, name(), e.getMessage());
        }
        if (!sampling.omitted().isEmpty()) {
            LOG.debug("{}: left out {} (model {} accepts only its fixed value)", name(), sampling.omitted(), settings.model());
        }
        byte[] body;
        try {
            body = remote.json().writeValueAsBytes(encoder.encode(request, settings.model(), sampling.sampling(), streaming));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ProviderException(Kind.INVALID_REQUEST, name(), "the request cannot be written as JSON: "
                    + e.getClass().getSimpleName());
        }
        // The whole-request deadline is the watchdog's; this one only bounds the wait for the response headers.
        return remote.request("chat/completions", settings.requestTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", streaming ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }
}
