package trit.api.provider;

/**
 * How busy a provider is, for metrics, the shell and load-aware routing.
 *
 * @param active        generations running now
 * @param queued        requests waiting for a slot
 * @param capacity      generations it runs at once; 0 when it has no fixed limit
 * @param queueCapacity requests it lets wait; 0 when it queues none
 */
public record ProviderLoad(int active, int queued, int capacity, int queueCapacity) {

    /** Nothing running, no limits known. */
    public static final ProviderLoad IDLE = new ProviderLoad(0, 0, 0, 0);

    public ProviderLoad {
        if (active < 0 || queued < 0 || capacity < 0 || queueCapacity < 0) {
            throw new IllegalArgumentException("load figures must be >= 0");
        }
    }
}
