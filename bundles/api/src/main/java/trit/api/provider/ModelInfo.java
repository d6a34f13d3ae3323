package trit.api.provider;

import java.util.Objects;

/**
 * A model a provider serves, as listed by {@code GET /v1/models}.
 *
 * @param id            the id clients put in {@code model}; unique among all providers
 * @param ownedBy       who publishes it ({@code owned_by} on the wire), e.g. {@code "trit"} or {@code "moonshot"}
 * @param created       when it became available, seconds since the epoch
 * @param contextLength the context window in tokens, or 0 when unknown
 */
public record ModelInfo(String id, String ownedBy, long created, int contextLength) {

    public ModelInfo {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("model id must not be blank");
        }
        ownedBy = ownedBy == null ? "trit" : ownedBy;
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be >= 0, was " + contextLength);
        }
    }
}
