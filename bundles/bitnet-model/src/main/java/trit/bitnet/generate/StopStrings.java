package trit.bitnet.generate;

import java.util.List;

/**
 * Finds the caller's stop strings in generated text that arrives piece by piece, and decides
 * what may be shown now: text that could still turn out to be the beginning of a stop string is
 * held back until it either completes one (then it is never shown) or cannot any more.
 */
public final class StopStrings {

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopStrings(List<String> stops) {
        for (String stop : stops) {
            if (stop == null || stop.isEmpty()) {
                throw new IllegalArgumentException("a stop string must not be empty");
            }
        }
        this.stops = List.copyOf(stops);
    }

    /**
     * Adds generated text and returns the text that can be shown now (possibly empty). When a
     * stop string completes, returns the text before it and {@link #stopped()} becomes true.
     */
    public String push(String text) {
        if (stopped) {
            throw new IllegalStateException("a stop string was already found");
        }
        pending.append(text);
        if (stops.isEmpty()) {
            return take(pending.length());
        }
        int first = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        if (first >= 0) {
            stopped = true;
            String before = pending.substring(0, first);
            pending.setLength(0);
            return before;
        }
        return take(pending.length() - heldBack());
    }

    /** Whether a stop string was found. */
    public boolean stopped() {
        return stopped;
    }

    /** The text still held back, at the end of the generation: it completed no stop string. */
    public String flush() {
        return take(pending.length());
    }

    /** The length of the longest end of the pending text that begins some stop string. */
    private int heldBack() {
        int longest = 0;
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, pending.length()); n > longest; n--) {
                if (endsWith(stop, n)) {
                    longest = n;
                    break;
                }
            }
        }
        return longest;
    }

    private boolean endsWith(String stop, int n) {
        int from = pending.length() - n;
        for (int i = 0; i < n; i++) {
            if (pending.charAt(from + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String take(int n) {
        String shown = pending.substring(0, n);
        pending.delete(0, n);
        return shown;
    }
}
