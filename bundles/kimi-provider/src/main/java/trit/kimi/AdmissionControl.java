package trit.kimi;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

import trit.api.provider.Availability;
import trit.api.provider.ProviderException;
import trit.api.provider.ProviderLoad;

/**
 * Local admission control: at most {@code maxConcurrent} requests in flight and at most
 * {@code perMinute} attempts (first tries and retries) started in any sliding 60 s window. Excess requests fail at once (never
 * queue) with {@link ProviderException.Kind#RATE_LIMITED}, so the router can fall back instead
 * of waiting, and the remote never sees a request its limits would refuse.
 */
final class AdmissionControl {

    private static final long MINUTE = Duration.ofMinutes(1).toNanos();
    /** A slot frees when any request in flight ends: no telling when, so the shortest sensible wait. */
    private static final Duration BUSY_WAIT = Duration.ofSeconds(1);

    private final String provider;
    private final int maxConcurrent;
    private final int perMinute;
    private final LongSupplier nanoClock;
    /** Start times of the requests admitted in the last minute, oldest first. */
    private final ArrayDeque<Long> recentStarts = new ArrayDeque<>();
    private int active;

    /** A slot taken by one request; released exactly once, whatever the number of calls. */
    final class Permit implements AutoCloseable {
        private boolean released;

        /**
         * Counts a retry of this request against the per-minute budget (the remote counts every
         * attempt); false, counting nothing, when the budget is spent.
         */
        boolean retryWithinBudget() {
            synchronized (AdmissionControl.this) {
                if (perMinute == 0) {
                    return true;
                }
                long now = nanoClock.getAsLong();
                forgetOlderThanAMinute(now);
                if (recentStarts.size() >= perMinute) {
                    return false;
                }
                recentStarts.addLast(now);
                return true;
            }
        }

        @Override
        public void close() {
            synchronized (AdmissionControl.this) {
                if (!released) {
                    released = true;
                    active--;
                }
            }
        }
    }

    /** @param perMinute 0 for no per-minute limit */
    AdmissionControl(String provider, int maxConcurrent, int perMinute, LongSupplier nanoClock) {
        this.provider = provider;
        this.maxConcurrent = maxConcurrent;
        this.perMinute = perMinute;
        this.nanoClock = nanoClock;
    }

    /** Takes a slot, or throws {@code RATE_LIMITED} saying which limit refused it and when to come back. */
    synchronized Permit admit() {
        if (active >= maxConcurrent) {
            throw new ProviderException(ProviderException.Kind.RATE_LIMITED, provider,
                    "rate limited locally: " + active + " of " + maxConcurrent
                            + " concurrent requests already in flight (max.concurrent.requests)",
                    BUSY_WAIT, null);
        }
        long now = nanoClock.getAsLong();
        if (perMinute > 0) {
            forgetOlderThanAMinute(now);
            if (recentStarts.size() >= perMinute) {
                Duration wait = wholeSeconds(MINUTE - (now - recentStarts.peekFirst()));
                throw new ProviderException(ProviderException.Kind.RATE_LIMITED, provider,
                        "rate limited locally: " + perMinute + " requests in the last minute (requests.per.minute); "
                                + "the next one is possible in " + wait.toSeconds() + " s",
                        wait, null);
            }
            recentStarts.addLast(now);
        }
        active++;
        return new Permit();
    }

    /** Whether a request would be admitted now, and if not why and for how long. No side effect. */
    synchronized Availability availability() {
        if (active >= maxConcurrent) {
            return Availability.unavailable("rate limited locally: all " + maxConcurrent + " request slots busy",
                    BUSY_WAIT);
        }
        long now = nanoClock.getAsLong();
        long inWindow = recentStarts.stream().filter(start -> now - start < MINUTE).count();
        if (perMinute > 0 && inWindow >= perMinute) {
            long oldest = recentStarts.stream().filter(start -> now - start < MINUTE).findFirst().orElse(now);
            return Availability.unavailable("rate limited locally: " + perMinute + " requests in the last minute",
                    wholeSeconds(MINUTE - (now - oldest)));
        }
        return Availability.AVAILABLE;
    }

    private void forgetOlderThanAMinute(long now) {
        while (!recentStarts.isEmpty() && now - recentStarts.peekFirst() >= MINUTE) {
            recentStarts.removeFirst();
        }
    }

    /** At least one second, rounded up: what a Retry-After header can say. */
    private static Duration wholeSeconds(long nanos) {
        return Duration.ofSeconds(Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
    }

    synchronized ProviderLoad load() {
        return new ProviderLoad(active, 0, maxConcurrent, 0);
    }
}
