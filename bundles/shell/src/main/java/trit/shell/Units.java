package trit.shell;

import java.util.Locale;

/** How the commands write sizes and rates: short, in the units an operator reads at a glance. */
final class Units {

    private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Units() {
    }

    /** {@code 1536} → {@code "1.5 KiB"}; {@code null} (unknown) → {@code null}. */
    static String bytes(Number bytes) {
        if (bytes == null) {
            return null;
        }
        double value = bytes.doubleValue();
        int unit = 0;
        while (Math.abs(value) >= 1024 && unit < BINARY.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? (long) value + " B"
                : String.format(Locale.ROOT, value >= 100 ? "%.0f %s" : "%.1f %s", value, BINARY[unit]);
    }

    /** Tokens per second with one decimal, or {@code null} when nothing was measured. */
    static String rate(double perSecond) {
        return perSecond > 0 ? String.format(Locale.ROOT, "%.1f", perSecond) : null;
    }
}
