package trit.rest;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * Finds out, between two tokens, whether the client of a committed answer is still there, by
 * writing bytes its parser ignores (an SSE comment, JSON whitespace).
 *
 * <p>Writing is the only signal this runtime gives. Jetty 12's HTTP/1.1 connection stops reading
 * the socket while a request is handled (and once the body is read, a servlet {@code ReadListener}
 * or Jetty's own demand just report the end of the body), so the client's FIN goes unseen, and
 * neither {@code AsyncListener.onError} nor Jetty's request failure listeners fire until a write
 * fails. A write fails only once the client's TCP reset is back, which the first write after the
 * close provokes. Hence the probes: after each token's write, one probe a moment later (the
 * reset's round trip) makes the write of the next token fail at the latest, so the generation is
 * cancelled before it computes a second token after the close. One probe per token is all that
 * takes; while the provider stays silent longer, a probe every {@link #PAUSE_DELAY_NANOS} finds a
 * client that leaves during a long pause (a cloud provider thinking, a slow model) without
 * waiting for the next token. More would only be noise in a stream that people read with curl.
 */
final class ClientProbe {

    /** Longer than a loopback or LAN round trip, shorter than any token of a model worth streaming. */
    static final long FIRST_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    static final long PAUSE_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final GenerationRun run;
    private final OutputStream out;
    private final byte[] probe;
    private long nextProbe;

    ClientProbe(GenerationRun run, OutputStream out, byte[] probe) {
        this.run = run;
        this.out = out;
        this.probe = probe.clone();
        wrote();
    }

    /** The provider's next event, probing the client while waiting for it. */
    GenerationRun.Event next() throws IOException {
        while (true) {
            long wait = nextProbe - System.nanoTime();
            if (wait <= 0) {
                send();
                nextProbe = System.nanoTime() + PAUSE_DELAY_NANOS;
                continue;
            }
            GenerationRun.Event event = run.next(wait);
            if (event != null) {
                return event;
            }
        }
    }

    /** Writes and flushes the probe bytes now (a whole answer's whitespace after each token). */
    void send() throws IOException {
        out.write(probe);
        out.flush();
        wrote();
    }

    /** Something was just written and flushed: the next probe comes soon, to catch the reset it may provoke. */
    void wrote() {
        nextProbe = System.nanoTime() + FIRST_DELAY_NANOS;
    }
}
