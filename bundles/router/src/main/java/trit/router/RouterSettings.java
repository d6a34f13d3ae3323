package trit.router;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import trit.api.config.ConfigurationValues;
import trit.api.provider.ProviderException;

/**
 * The checked form of {@link RouterConfiguration}.
 *
 * @param offline            only local providers answer
 * @param rejectUnknownModel a model id no provider serves is refused instead of routed as {@code auto}
 * @param fallbackKinds      failures after which the next provider is tried
 * @param maxAttempts        providers tried at most per request
 * @param firstOutputTimeout how long a provider may stay silent before the next is tried; zero for never
 */
record RouterSettings(boolean offline, boolean rejectUnknownModel, Set<ProviderException.Kind> fallbackKinds,
                      int maxAttempts, Duration firstOutputTimeout) {

    static final RouterSettings DEFAULTS = new RouterSettings(false, false,
            EnumSet.complementOf(EnumSet.of(ProviderException.Kind.INVALID_REQUEST, ProviderException.Kind.CANCELLED)),
            3, Duration.ofSeconds(60));

    RouterSettings {
        fallbackKinds = Set.copyOf(fallbackKinds);
        if (fallbackKinds.contains(ProviderException.Kind.CANCELLED)) {
            throw new IllegalArgumentException("trit.router fallback.kinds must not contain CANCELLED: a cancelled "
                    + "request is never sent elsewhere");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("trit.router max.attempts must be >= 1, was " + maxAttempts);
        }
        if (firstOutputTimeout.isNegative()) {
            throw new IllegalArgumentException("trit.router first.output.timeout.ms must be >= 0, was "
                    + firstOutputTimeout.toMillis());
        }
    }

    /**
     * @param raw the configuration as given: {@code offline} is checked there, because the typed
     *            view reads anything but "true" (a typo such as "ture" included) as {@code false},
     *            which would silently let private traffic go to the cloud
     * @throws IllegalArgumentException naming the key, the value and what is accepted; the router
     *                                  then does not start (fails closed) rather than guess
     */
    static RouterSettings from(RouterConfiguration config, Map<String, ?> raw) {
        Object offline = raw.get("offline");
        if (offline != null && !(offline instanceof Boolean)
                && !String.valueOf(offline).trim().matches("(?i)true|false")) {
            throw new IllegalArgumentException("trit.router offline must be true or false, was '" + offline + "'");
        }
        // SCR converts a value only when read: from a request, where it would throw a ComponentException.
        Optional<String> unconvertible = ConfigurationValues.unconvertible(RouterConfiguration.class, config, raw);
        if (unconvertible.isPresent()) {
            throw new IllegalArgumentException("trit.router " + unconvertible.get());
        }
        String unknown = config.unknown_model() == null ? "auto" : config.unknown_model().trim().toLowerCase(Locale.ROOT);
        if (!unknown.equals("auto") && !unknown.equals("reject")) {
            throw new IllegalArgumentException("trit.router unknown.model must be 'auto' or 'reject', was '"
                    + config.unknown_model() + "'");
        }
        EnumSet<ProviderException.Kind> kinds = EnumSet.noneOf(ProviderException.Kind.class);
        // A .cfg file gives one string for the whole list: "OVERLOADED, TIMEOUT".
        String[] names = String.join(",", config.fallback_kinds() == null ? new String[0] : config.fallback_kinds())
                .split("[,\\s]+");
        for (String name : names) {
            if (name.isBlank()) {
                continue;
            }
            try {
                kinds.add(ProviderException.Kind.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("trit.router fallback.kinds: unknown kind '" + name
                        + "'; expected names of " + EnumSet.allOf(ProviderException.Kind.class), e);
            }
        }
        return new RouterSettings(config.offline(), unknown.equals("reject"), kinds, config.max_attempts(),
                Duration.ofMillis(config.first_output_timeout_ms()));
    }
}
