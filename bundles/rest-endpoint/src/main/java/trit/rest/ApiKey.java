package trit.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of {@code api.keys}: {@code NAME:KEY}, or a bare {@code KEY} (as before names existed),
 * which is named {@code key-N} by its position in the list, from 1. The name is what the audit
 * log and the metrics show of a client; the key itself is never shown anywhere.
 *
 * @param name what identifies the client in logs
 * @param key  the bearer token
 */
record ApiKey(String name, String key) {

    /** A name is short and plain, so that a key that happens to contain a colon is not split by mistake. */
    private static final Pattern NAMED = Pattern.compile("([A-Za-z0-9._-]{1,64}):(.+)");

    /** The keys of these {@code api.keys} entries (already split on commas), in order. */
    static List<ApiKey> parse(List<String> entries) {
        List<ApiKey> keys = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Matcher named = NAMED.matcher(entries.get(i));
            keys.add(named.matches() ? new ApiKey(named.group(1), named.group(2).trim())
                    : new ApiKey("key-" + (i + 1), entries.get(i)));
        }
        return keys;
    }

    @Override
    public String toString() {
        return "ApiKey[" + name + "]"; // never the key
    }
}
