package trit.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The lines a child process prints, read as they come (so it never blocks on a full pipe). */
final class ProcessOutput {

    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    private ProcessOutput() {
    }

    /** Starts reading {@code process}'s standard output (merge standard error into it to see both). */
    static ProcessOutput of(Process process) {
        ProcessOutput output = new ProcessOutput();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                reader.lines().forEach(output.lines::add);
            } catch (IOException e) {
                output.lines.add("(output failed: " + e + ")");
            }
        });
        return output;
    }

    /** The first line starting with {@code prefix}, waiting up to {@code seconds}. */
    String await(String prefix, int seconds) throws InterruptedException {
        return await(line -> line.startsWith(prefix), "starting with '" + prefix + "'", seconds);
    }

    /** The first line containing {@code text} (a log line, after its time and level), waiting up to {@code seconds}. */
    String awaitContaining(String text, int seconds) throws InterruptedException {
        return await(line -> line.contains(text), "containing '" + text + "'", seconds);
    }

    private String await(Predicate<String> wanted, String what, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.add(line);
                if (wanted.test(line)) {
                    return line;
                }
            }
        }
        throw new AssertionError("no line " + what + " within " + seconds + " s; output: " + seen);
    }

    /** Every line read so far. */
    List<String> all() {
        lines.drainTo(seen);
        return List.copyOf(seen);
    }
}
