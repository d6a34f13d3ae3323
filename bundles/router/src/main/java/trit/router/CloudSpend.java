package trit.router;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

import org.osgi.service.component.annotations.Component;

/**
 * Tokens spent on cloud providers today (UTC): the router adds every cloud answer's usage, the
 * budget policy reads it. Kept in memory; a restart starts the day's count at zero.
 */
@Component(service = CloudSpend.class)
public class CloudSpend {

    private final Clock clock;
    private LocalDate day;
    private long tokens;

    public CloudSpend() {
        this(Clock.systemUTC());
    }

    CloudSpend(Clock clock) {
        this.clock = clock;
        this.day = today();
    }

    /** Adds tokens spent now. */
    public synchronized void add(long spent) {
        roll();
        tokens += Math.max(0, spent);
    }

    /** Tokens spent today. */
    public synchronized long spentToday() {
        roll();
        return tokens;
    }

    private void roll() {
        LocalDate now = today();
        if (!now.equals(day)) {
            day = now;
            tokens = 0;
        }
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
