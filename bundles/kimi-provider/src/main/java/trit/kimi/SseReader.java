package trit.kimi;

import java.io.BufferedReader;
import java.io.IOException;

/**
 * Reads the {@code data} of Server-Sent Events, one event at a time: {@code data:} lines up to
 * a blank line, joined by newlines; comments ({@code :keep-alive}) and other fields skipped.
 */
final class SseReader {

    private final BufferedReader lines;

    SseReader(BufferedReader lines) {
        this.lines = lines;
    }

    /** The next event's data, or {@code null} at the end of the stream. */
    String next() throws IOException {
        StringBuilder data = null;
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return data.toString();
                }
                continue;
            }
            if (line.startsWith("data:")) {
                String value = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5);
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }
        // A last event without its blank line still counts: the stream ended right after it.
        return data == null ? null : data.toString();
    }
}
