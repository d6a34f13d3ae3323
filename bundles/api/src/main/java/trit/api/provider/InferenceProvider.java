package trit.api.provider;

import java.util.List;

import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;

/**
 * Answers chat requests for one or more models. Registered as an OSGi service; the REST
 * endpoint lists the models of every provider present and the router chooses among them.
 *
 * <p>Service properties: {@link #PROVIDER_NAME} (required, unique) and {@link #LOCALITY}
 * (required: privacy routing reads it before it would call the provider).
 *
 * <p>Threading: every method may be called concurrently from many threads. A provider limits
 * its own concurrency and refuses excess work with {@link ProviderException.Kind#OVERLOADED}
 * or {@link ProviderException.Kind#RATE_LIMITED} rather than blocking callers without bound.
 */
public interface InferenceProvider {

    /** Service property: the provider's unique name, e.g. {@code "bitnet"}, {@code "kimi"}, {@code "router"}. */
    String PROVIDER_NAME = "trit.provider.name";

    /** Service property: {@link Locality#name()} of the provider. */
    String LOCALITY = "trit.provider.locality";

    /** The provider's unique name (the same as its {@link #PROVIDER_NAME} property). */
    String name();

    /** Where it computes; {@link Locality#LOCAL} providers may receive private requests. */
    Locality locality();

    /** The models it serves now. Cheap to call: no I/O (it backs {@code GET /v1/models}). */
    List<ModelInfo> models();

    /** Whether it can take a request now. Cheap to call: no I/O. */
    Availability availability();

    /** How busy it is now. Cheap to call: no I/O. The default knows nothing. */
    default ProviderLoad load() {
        return ProviderLoad.IDLE;
    }

    /**
     * Starts generating an answer and returns at once; the answer arrives through {@code listener}
     * (see {@link ChatStreamListener} for the calling protocol).
     *
     * <p>Errors found before any work starts (invalid request, overload) may be delivered either
     * as a thrown {@link ProviderException} or as an immediate {@code onError}; callers handle both.
     *
     * @return the handle to cancel the generation; the caller owns it
     */
    Generation stream(ChatRequest request, ChatStreamListener listener);

    /**
     * Generates a whole answer, blocking the calling thread until it is complete.
     *
     * <p>The default runs {@link #stream} and collects it; interrupting the calling thread
     * cancels the generation and throws {@link ProviderException.Kind#CANCELLED} (with the
     * interrupt flag kept set). Providers with a cheaper non-streaming path override it.
     *
     * @throws ProviderException when the answer cannot be produced
     */
    default ChatResponse complete(ChatRequest request) {
        return StreamCollector.collect(this, request);
    }
}
