package trit.shell;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A command's words: options first ({@code --private}, {@code --max-tokens 64}), then the
 * positional words. The first word that is not an option ends the options, so a prompt may
 * itself contain {@code --}; {@code --} alone ends them explicitly. Every mistake is an
 * {@link IllegalArgumentException} naming the command, the option and what it accepts.
 */
final class Arguments {

    private final String command;
    private final Map<String, String> options = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Arguments(String command) {
        this.command = command;
    }

    /**
     * @param flags   options without a value
     * @param valued  options followed by a value
     */
    static Arguments parse(String command, String[] words, Set<String> flags, Set<String> valued) {
        Arguments parsed = new Arguments(command);
        int i = 0;
        for (; i < words.length && words[i].startsWith("--"); i++) {
            String word = words[i];
            if (word.equals("--")) {
                i++;
                break;
            }
            if (flags.contains(word)) {
                parsed.options.put(word, "");
            } else if (valued.contains(word)) {
                if (i + 1 >= words.length) {
                    throw new IllegalArgumentException(command + ": " + word + " needs a value");
                }
                parsed.options.put(word, words[++i]);
            } else {
                Set<String> known = new TreeSet<>(flags);
                known.addAll(valued);
                throw new IllegalArgumentException(command + ": unknown option '" + word + "'"
                        + (known.isEmpty() ? "; it takes none" : "; options: " + String.join(", ", known)));
            }
        }
        for (; i < words.length; i++) {
            parsed.positional.add(words[i]);
        }
        return parsed;
    }

    boolean flag(String name) {
        return options.containsKey(name);
    }

    String value(String name) {
        return options.get(name);
    }

    List<String> positional() {
        return positional;
    }

    /** The option's whole-number value, at least {@code min}, or {@code null} when absent. */
    Long number(String name, long min) {
        String value = options.get(name);
        if (value == null) {
            return null;
        }
        try {
            long n = Long.parseLong(value.strip());
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(command + ": " + name + " must be a whole number >= " + min + ", was '"
                + value + "'");
    }

    /** The option's decimal value in {@code [min, max]}, or {@code null} when absent. */
    Double decimal(String name, double min, double max) {
        String value = options.get(name);
        if (value == null) {
            return null;
        }
        try {
            double x = Double.parseDouble(value.strip());
            if (x >= min && x <= max) {
                return x;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(command + ": " + name + " must be a number from " + min + " to " + max
                + ", was '" + value + "'");
    }
}
