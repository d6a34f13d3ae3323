package trit.shell;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.InferenceProvider;
import trit.api.provider.ProviderException;
import trit.api.routing.Route;

/**
 * Streams one generation to the console, token by token, then a summary line. The provider calls
 * back on its own thread, where the shell's {@code System.out} is not this session's console: the
 * events go through a queue and are printed on the command's thread. Interrupting that thread
 * (Ctrl-C in the shell) cancels the generation.
 */
final class ConsoleGeneration {

    /** How long a cancelled generation may take to end before the command returns anyway. */
    private static final long CANCEL_WAIT_SECONDS = 5;

    private sealed interface Event permits Text, Done, Failed {
    }

    private record Text(String text) implements Event {
    }

    private record Done(ChatResponse response) implements Event {
    }

    private record Failed(ProviderException error) implements Event {
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

    private ConsoleGeneration() {
    }

    /**
     * Runs {@code request} on {@code provider}, printing to {@code out} until it ends.
     *
     * @throws ProviderException when the provider refuses or fails the request
     */
    static void run(InferenceProvider provider, ChatRequest request, PrintStream out) {
        new ConsoleGeneration().stream(provider, request, out);
    }

    private void stream(InferenceProvider provider, ChatRequest request, PrintStream out) {
        long started = System.nanoTime();
        Generation generation = provider.stream(request, new ChatStreamListener() {
            @Override
            public void onDelta(ChatDelta delta) {
                if (!delta.content().isEmpty()) {
                    events.add(new Text(delta.content()));
                }
            }

            @Override
            public void onComplete(ChatResponse response) {
                events.add(new Done(response));
            }

            @Override
            public void onError(ProviderException error) {
                events.add(new Failed(error));
            }
        });
        long firstToken = -1;
        boolean wrote = false;
        try {
            while (true) {
                Event event = events.take();
                switch (event) {
                    case Text(String text) -> {
                        if (firstToken < 0) {
                            firstToken = System.nanoTime();
                        }
                        out.print(printable(text));
                        out.flush();
                        wrote = true;
                    }
                    case Done(ChatResponse response) -> {
                        if (wrote) {
                            out.println();
                        }
                        out.println(summary(provider, response, started, firstToken, System.nanoTime()));
                        out.flush();
                        return;
                    }
                    case Failed(ProviderException error) -> {
                        if (wrote) {
                            out.println();
                            out.flush();
                        }
                        throw error;
                    }
                }
            }
        } catch (InterruptedException e) {
            generation.cancel();
            // Printed at once: Gogo closes an interrupted job's output soon after.
            out.println(wrote ? "\n[cancelled]" : "[cancelled]");
            out.flush();
            awaitEnd();
            // The interrupt (Ctrl-C) is handled: the generation is cancelled and the command ends
            // normally; keeping the flag would only make the shell report an error for it.
        }
    }

    /**
     * The answer as the terminal should see it: line feeds and tabs stay, other control characters
     * (an escape sequence in a model's output could move the cursor or retitle the window) become
     * U+FFFD.
     */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> out.appendCodePoint(
                c == '\n' || c == '\t' || !Character.isISOControl(c) ? c : '\uFFFD'));
        return out.toString();
    }

    /** After a cancel: the provider's terminal callback, so that its slot is free when the command returns. */
    private void awaitEnd() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CANCEL_WAIT_SECONDS);
        try {
            while (System.nanoTime() < deadline) {
                Event event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (event == null || event instanceof Done || event instanceof Failed) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Two lines, each fitted to the terminal: who answered ({@code [trit-demo on bitnet/trit-demo]},
     * or {@code [trit-demo on bitnet/trit-demo via router (complexity)]}), then the figures
     * ({@code [9 prompt + 32 tokens, 41.7 tok/s, 0.84 s, stop]}).
     */
    static String summary(InferenceProvider provider, ChatResponse response, long started, long firstToken, long ended) {
        String answered = response.extensions().get(Route.EXTENSION) instanceof Route route
                ? route.provider() + " via " + provider.name() + " (" + route.policy() + ")"
                : provider.name();
        int completion = response.usage().completionTokens();
        String speed = "";
        if (firstToken >= 0 && completion > 1 && ended > firstToken) {
            speed = String.format(Locale.ROOT, ", %.1f tok/s", (completion - 1) / ((ended - firstToken) / 1e9));
        }
        String finish = response.choices().getFirst().finishReason() == null ? "-"
                : response.choices().getFirst().finishReason().wireName();
        String who = "[" + Table.clean(response.model()) + " on " + Table.clean(answered) + "]";
        String figures = String.format(Locale.ROOT, "[%d prompt + %d tokens%s, %.2f s, %s]",
                response.usage().promptTokens(), completion, speed, (ended - started) / 1e9, finish);
        return Table.fit(who, Table.TERMINAL_WIDTH, Table.Cut.END) + "\n"
                + Table.fit(figures, Table.TERMINAL_WIDTH, Table.Cut.END);
    }
}
