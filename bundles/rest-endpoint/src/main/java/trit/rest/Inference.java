package trit.rest;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import trit.api.chat.ChatRequest;
import trit.api.provider.InferenceProvider;

/**
 * Starts generations within the configured limit of concurrent ones: a request beyond it is
 * refused at once with 429 and Retry-After rather than queued without bound (providers queue
 * for themselves, and say so with their own 429).
 */
@Component(service = Inference.class)
public class Inference {

    private final Providers providers;
    private final RestApplication application;
    private final ApiMetrics metrics;
    private final AtomicInteger active = new AtomicInteger();

    @Activate
    public Inference(@Reference Providers providers, @Reference RestApplication application,
                     @Reference ApiMetrics metrics) {
        this.providers = providers;
        this.application = application;
        this.metrics = metrics;
    }

    /**
     * Chooses the provider for the request's model and starts generating.
     *
     * @throws ApiException 404 / 503 when no provider serves the model now, 429 when the server is saturated
     */
    GenerationRun start(ChatRequest request) {
        InferenceProvider provider = providers.forRequest(request);
        RestConfiguration config = application.config();
        int limit = config.max_concurrent_generations();
        if (active.incrementAndGet() > limit) {
            active.decrementAndGet();
            throw ApiException.retryLater(429, "The server is busy: " + limit + " generations are running "
                    + "(max.concurrent.generations); retry shortly", "server_busy",
                    Duration.ofSeconds(config.retry_after_seconds()));
        }
        // The run releases its slot exactly once, at its terminal event.
        return GenerationRun.start(provider, request, active::decrementAndGet, metrics);
    }

    /** Generations running now. */
    int active() {
        return active.get();
    }

    /** The configured limit of concurrent generations. */
    int limit() {
        return application.config().max_concurrent_generations();
    }
}
