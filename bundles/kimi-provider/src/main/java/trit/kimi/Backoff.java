package trit.kimi;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long to wait before a retry: exponential backoff with jitter, unless the remote said how
 * long ({@code Retry-After}, {@code retry-after-ms}, or an exhausted rate limit's reset header).
 */
final class Backoff {

    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    private final Duration initial;
    private final Duration max;

    Backoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max;
    }

    /** The delay before retry number {@code retry} (0 = the first): initial·2^retry capped at max, jittered to [½, 1]×. */
    Duration delay(int retry) {
        long cap = max.toMillis();
        long exponential = initial.toMillis() << Math.min(retry, 30);
        long ceiling = exponential <= 0 ? cap : Math.min(cap, exponential);
        // Jitter spreads the retries of concurrent callers so they do not hit the remote in step.
        long jittered = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling - ceiling / 2 + 1);
        return Duration.ofMillis(Math.max(1, jittered));
    }

    /**
     * The wait the remote asked for: {@code retry-after-ms}, {@code Retry-After} (seconds or an
     * HTTP date), or, when a rate-limit header says nothing is remaining, its reset time.
     */
    static Optional<Duration> requested(HttpHeaders headers, Instant now) {
        Optional<Duration> millis = headers.firstValue("retry-after-ms").flatMap(v -> number(v).map(n -> Duration.ofMillis(n.longValue())));
        if (millis.isPresent()) {
            return millis;
        }
        Optional<String> retryAfter = headers.firstValue("retry-after");
        if (retryAfter.isPresent()) {
            Optional<Duration> seconds = number(retryAfter.get()).map(n -> Duration.ofMillis(Math.round(n * 1000)));
            if (seconds.isPresent()) {
                return seconds;
            }
            try {
                Instant at = ZonedDateTime.parse(retryAfter.get().strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Optional.of(nonNegative(Duration.between(now, at)));
            } catch (DateTimeParseException e) {
                // unreadable: fall through to the rate-limit headers
            }
        }
        for (String suffix : new String[] {"", "-requests", "-tokens"}) {
            Optional<String> remaining = headers.firstValue("x-ratelimit-remaining" + suffix);
            Optional<String> reset = headers.firstValue("x-ratelimit-reset" + suffix);
            if (remaining.flatMap(Backoff::number).filter(r -> r <= 0).isPresent() && reset.isPresent()) {
                Optional<Duration> wait = resetIn(reset.get(), now);
                if (wait.isPresent()) {
                    return wait;
                }
            }
        }
        return Optional.empty();
    }

    /** A reset header: seconds from now, epoch seconds, or a Go-style duration such as {@code 6m0s}. */
    private static Optional<Duration> resetIn(String value, Instant now) {
        Optional<Double> number = number(value);
        if (number.isPresent()) {
            double n = number.get();
            return Optional.of(n > 1_000_000_000
                    ? nonNegative(Duration.between(now, Instant.ofEpochMilli((long) (n * 1000))))
                    : Duration.ofMillis((long) (n * 1000)));
        }
        Matcher m = GO_DURATION.matcher(value.strip());
        long totalMillis = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double amount = Double.parseDouble(m.group(1));
            totalMillis += (long) (amount * switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1_000;
                case "m" -> 60_000;
                default -> 3_600_000;
            });
            end = m.end();
        }
        return end > 0 && end == value.strip().length() ? Optional.of(Duration.ofMillis(totalMillis)) : Optional.empty();
    }

    private static Optional<Double> number(String value) {
        try {
            double n = Double.parseDouble(value.strip());
            return Double.isFinite(n) && n >= 0 ? Optional.of(n) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
