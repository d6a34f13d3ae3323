package trit.api.provider;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a provider can take a request now, and if not, why.
 *
 * @param state      the state
 * @param reason     a short human-readable explanation ("loading model.gguf", "circuit open for 30 s");
 *                   empty when available
 * @param retryAfter when the provider knows it: how long until it can take a request again (a rate
 *                   limit's window, an open circuit); the router passes it on to a client it has to
 *                   refuse, as {@code Retry-After}
 */
public record Availability(State state, String reason, Optional<Duration> retryAfter) {

    public enum State {
        /** Accepts requests. */
        AVAILABLE,
        /** Will accept requests soon (a model is loading); not an error. */
        LOADING,
        /** Does not accept requests now (unreachable, circuit open, misconfigured). */
        UNAVAILABLE
    }

    public static final Availability AVAILABLE = new Availability(State.AVAILABLE, "");

    public Availability {
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
        retryAfter = retryAfter == null ? Optional.empty() : retryAfter;
    }

    /** Without a known time to wait. */
    public Availability(State state, String reason) {
        this(state, reason, Optional.empty());
    }

    public static Availability loading(String reason) {
        return new Availability(State.LOADING, reason);
    }

    public static Availability unavailable(String reason) {
        return new Availability(State.UNAVAILABLE, reason);
    }

    /** Unavailable for about {@code retryAfter}, after which a request may succeed. */
    public static Availability unavailable(String reason, Duration retryAfter) {
        return new Availability(State.UNAVAILABLE, reason, Optional.of(retryAfter));
    }

    public boolean isAvailable() {
        return state == State.AVAILABLE;
    }
}
