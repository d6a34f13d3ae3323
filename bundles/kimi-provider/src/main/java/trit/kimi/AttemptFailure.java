package trit.kimi;

import trit.api.provider.ProviderException;

/**
 * One failed attempt: the error the caller would get, whether another attempt may succeed, and
 * whether it counts against the remote's health (the circuit breaker).
 */
final class AttemptFailure extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient ProviderException error;
    private final boolean retry;
    private final boolean healthFailure;

    AttemptFailure(ProviderException error, boolean retry, boolean healthFailure) {
        super(error.getMessage(), null, false, false);
        this.error = error;
        this.retry = retry;
        this.healthFailure = healthFailure;
    }

    ProviderException error() {
        return error;
    }

    boolean retry() {
        return retry;
    }

    boolean healthFailure() {
        return healthFailure;
    }
}
