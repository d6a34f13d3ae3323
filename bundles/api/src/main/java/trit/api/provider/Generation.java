package trit.api.provider;

/**
 * A generation under way, returned by {@link InferenceProvider#stream}. Thread-safe.
 *
 * <p>Who closes what: the caller owns the handle. A caller that stops listening before the
 * terminal callback (its client disconnected, a timeout) must call {@link #cancel()} so the
 * provider frees the session (KV cache, HTTP exchange, queue slot). The provider releases
 * everything it holds before or at the terminal callback; a finished generation needs no call.
 */
public interface Generation {

    /**
     * Asks the provider to stop. Idempotent, non-blocking, safe from any thread (including from
     * inside a listener callback). A local provider stops within one token; a cloud provider
     * aborts its HTTP exchange.
     */
    void cancel();

    /** Whether the terminal callback has been made. */
    boolean isDone();
}
