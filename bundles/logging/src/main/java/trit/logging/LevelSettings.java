package trit.logging;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code levels} of {@code trit.logging}, read: which logger gets which level, and what could
 * not be read, each with a precise reason.
 *
 * @param levels logger name to level name (upper case), in the order given; {@code ROOT} is the root logger
 * @param errors one message per entry that was not applied
 */
record LevelSettings(Map<String, String> levels, List<String> errors) {

    static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");
    private static final String LOGGER_NAME = "[A-Za-z0-9_$.-]+";

    /** Reads the entries; a {@code .cfg} line {@code levels = a=DEBUG, b=WARN} arrives as one string, split here. */
    static LevelSettings parse(String[] entries) {
        Map<String, String> levels = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        List<String> items = entries == null ? List.of() : Arrays.stream(entries)
                .flatMap(e -> Arrays.stream(e.split(","))).map(String::trim).filter(e -> !e.isEmpty()).toList();
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq < 0) {
                errors.add("'" + item + "' is not LOGGER=LEVEL");
                continue;
            }
            String logger = item.substring(0, eq).trim();
            String level = item.substring(eq + 1).trim().toUpperCase(Locale.ROOT);
            if (!logger.matches(LOGGER_NAME)) {
                errors.add("'" + item + "': '" + logger + "' is not a logger name");
            } else if (!LEVELS.contains(level)) {
                errors.add("'" + item + "': the level must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, was '"
                        + item.substring(eq + 1).trim() + "'");
            } else if (levels.put(logger, level) != null) {
                errors.add("'" + item + "': " + logger + " is given a level twice; the last one applies");
            }
        }
        return new LevelSettings(Map.copyOf(levels), List.copyOf(errors));
    }
}
