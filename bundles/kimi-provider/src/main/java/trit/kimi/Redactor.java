package trit.kimi;

import java.util.regex.Pattern;

/**
 * Removes credentials from text that came from the remote or from exceptions before it reaches
 * a log line or an error message: a remote may echo the key it refused ("Incorrect API key
 * provided: sk-...").
 */
final class Redactor {

    private static final Pattern KEY_LIKE = Pattern.compile("(?i)\\b(sk|ak)-[A-Za-z0-9_\\-]{6,}");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)\\S+");
    static final String MASK = "***";

    private final String key;

    Redactor(String key) {
        this.key = key == null ? "" : key;
    }

    String redact(String text) {
        if (text == null) {
            return "";
        }
        String result = text;
        if (key.length() >= 4) {
            result = result.replace(key, MASK);
        }
        result = BEARER.matcher(result).replaceAll("$1" + MASK);
        return KEY_LIKE.matcher(result).replaceAll("$1-" + MASK);
    }
}
