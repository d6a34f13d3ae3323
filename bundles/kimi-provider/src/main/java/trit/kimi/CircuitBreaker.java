package trit.kimi;

import java.time.Duration;
import java.util.function.LongSupplier;

import trit.api.provider.Availability;
import trit.api.provider.ProviderException;

/**
 * Stops calling a remote that keeps failing. Closed: requests pass; {@code threshold}
 * consecutive failed attempts open it. Open: requests fail at once with
 * {@link ProviderException.Kind#UNAVAILABLE} and the provider reports itself unavailable, so
 * the router falls back without waiting on timeouts. After {@code openFor} it is half-open:
 * one trial request passes; its success closes the circuit, its failure opens it again.
 */
final class CircuitBreaker {

    enum State { CLOSED, OPEN, HALF_OPEN }

    private final String provider;
    private final int threshold;
    private final long openForNanos;
    private final LongSupplier nanoClock;

    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openedAt;
    private boolean trialInFlight;
    private String lastFailure = "";

    CircuitBreaker(String provider, int threshold, Duration openFor, LongSupplier nanoClock) {
        this.provider = provider;
        this.threshold = threshold;
        this.openForNanos = openFor.toNanos();
        this.nanoClock = nanoClock;
    }

    /**
     * Lets a request through or throws {@code UNAVAILABLE}. A request let through while half-open
     * is the trial: it must end in {@link #success()} or {@link #failure} (or {@link #abandon()}).
     */
    synchronized void admit() {
        switch (currentState()) {
            case CLOSED -> { }
            case OPEN -> throw new ProviderException(ProviderException.Kind.UNAVAILABLE, provider,
                    "circuit open after " + consecutiveFailures + " consecutive failures (last: " + lastFailure
                            + "); next trial in " + seconds(remainingNanos()) + " s",
                    Duration.ofNanos(remainingNanos()), null);
            case HALF_OPEN -> {
                if (trialInFlight) {
                    throw new ProviderException(ProviderException.Kind.UNAVAILABLE, provider,
                            "circuit half-open: a trial request is under way", Duration.ofSeconds(1), null);
                }
                trialInFlight = true;
            }
        }
    }

    synchronized void success() {
        state = State.CLOSED;
        consecutiveFailures = 0;
        trialInFlight = false;
    }

    /** A failed attempt that says something about the remote's health. */
    synchronized void failure(String reason) {
        lastFailure = reason;
        consecutiveFailures++;
        if (currentState() == State.HALF_OPEN || consecutiveFailures >= threshold) {
            state = State.OPEN;
            openedAt = nanoClock.getAsLong();
        }
        trialInFlight = false;
    }

    /** The request ended without telling anything about the remote (cancelled, refused as invalid). */
    synchronized void abandon() {
        trialInFlight = false;
    }

    synchronized State currentState() {
        if (state == State.OPEN && remainingNanos() <= 0) {
            state = State.HALF_OPEN;
        }
        return state;
    }

    synchronized Availability availability() {
        return switch (currentState()) {
            case CLOSED -> Availability.AVAILABLE;
            case OPEN -> Availability.unavailable("circuit open for " + seconds(remainingNanos()) + " s more after "
                    + consecutiveFailures + " consecutive failures (last: " + lastFailure + ")",
                    Duration.ofSeconds(seconds(remainingNanos())));
            case HALF_OPEN -> trialInFlight
                    ? Availability.unavailable("circuit half-open: a trial request is under way")
                    : Availability.AVAILABLE;
        };
    }

    private long remainingNanos() {
        return openForNanos - (nanoClock.getAsLong() - openedAt);
    }

    private static long seconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }
}
