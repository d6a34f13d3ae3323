package trit.api.provider;

import java.util.Objects;

/**
 * Whether a provider can take a request now, and if not, why.
 *
 * @param state  the state
 * @param reason a short human-readable explanation ("loading model.gguf", "circuit open for 30 s");
 *               empty when available
 */
public record Availability(State state, String reason) {

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
    }

    public static Availability loading(String reason) {
        return new Availability(State.LOADING, reason);
    }

    public static Availability unavailable(String reason) {
        return new Availability(State.UNAVAILABLE, reason);
    }

    public boolean isAvailable() {
        return state == State.AVAILABLE;
    }
}
