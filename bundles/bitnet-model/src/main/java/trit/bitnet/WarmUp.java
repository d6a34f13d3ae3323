package trit.bitnet;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Runs a freshly loaded model on throwaway prompts until the JIT compiler is done with the
 * forward pass, so that the first request runs at full speed.
 *
 * <p>Why: until C2 has compiled them, the Vector API's kernels run in the interpreter and C1,
 * boxing every vector. C2 spends ~7 s of CPU on the forward pass, and a first prompt of 100
 * tokens to bitnet_b1_58-large took 8 s instead of 0.5. The warm-up runs the model itself, not a
 * smaller stand-in: C2 compiles from the profile it sees, and a miniature's (other trip counts,
 * other branches) made decoding the real model slower.
 */
public final class WarmUp {

    /** Models with fewer ternary weights than this compile during their first request in well under a second. */
    public static final long WORTHWHILE_WEIGHTS = 50_000_000L;
    /**
     * The compiler counts as done when, over a window this long, it compiled for less than
     * {@link #IDLE_SHARE} of it: what is left then are methods called a few times per token,
     * which reach C2 over minutes but cost little meanwhile.
     */
    private static final Duration WINDOW = Duration.ofMillis(1500);
    private static final double IDLE_SHARE = 0.15;
    private static final int MIN_ROUNDS = 4;
    /** Rounds when the JVM reports no compile time. */
    private static final int FIXED_ROUNDS = 50;
    private static final int PROMPT = Session.PREFILL_BATCH + 13;
    private static final int GENERATED = 8;
    /** Positions a session needs for a warm-up. */
    public static final int CONTEXT = PROMPT + 1 + GENERATED;

    /**
     * @param rounds  prompts and generations run
     * @param time    how long it took
     * @param settled whether the compiler went quiet; false when the time limit ended it first
     */
    public record Result(int rounds, Duration time, boolean settled) {
    }

    private WarmUp() {
    }

    /** Whether a model of this shape is large enough for a warm-up to pay. */
    public static boolean worthwhile(ModelConfig config) {
        long d = config.embedding();
        long perLayer = d * (2L * d + 2L * config.kvDim()) + 3L * d * config.feedForwardPadded();
        return perLayer * config.layers() >= WORTHWHILE_WEIGHTS;
    }

    /**
     * Runs prompts of random tokens and a few generated tokens each through {@code pass} in
     * {@code session} until the compiler is done or {@code limit} passed; then resets the session
     * and gives the compiler's freed memory back to the system ({@link NativeHeap#trim}).
     *
     * @param abandoned checked between prompts: true ends the warm-up (the model is no longer wanted)
     * @throws IllegalArgumentException when the session holds fewer positions than a round needs
     */
    public static Result run(ForwardPass pass, Session session, int vocabulary, Duration limit, BooleanSupplier abandoned) {
        if (session.contextLength() < CONTEXT) {
            throw new IllegalArgumentException("a warm-up needs a context of " + CONTEXT + " positions, the session holds "
                    + session.contextLength());
        }
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        SplittableRandom random = new SplittableRandom(1);
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean measurable = jit != null && jit.isCompilationTimeMonitoringSupported();
        long windowStart = start;
        long windowCompiled = measurable ? jit.getTotalCompilationTime() : 0;
        int rounds = 0;
        boolean settled = false;
        try {
            while (!settled && System.nanoTime() < deadline && !abandoned.getAsBoolean()) {
                // An odd and an even prompt, longer than one prompt batch (a batch's last token is
                // paired with itself or not), then tokens one at a time.
                session.reset();
                float[] logits = pass.prefill(session, random.ints(PROMPT + rounds % 2, 0, vocabulary).toArray());
                for (int i = 0; i < GENERATED; i++) {
                    logits = pass.step(session, argmax(logits));
                }
                rounds++;
                long now = System.nanoTime();
                if (!measurable) {
                    settled = rounds >= FIXED_ROUNDS;
                } else if (now - windowStart >= WINDOW.toNanos()) {
                    // Compile time is counted when a compilation ends, so the window is longer
                    // than any one compilation of the forward pass takes (at most ~0.6 s).
                    long compiled = jit.getTotalCompilationTime();
                    settled = rounds >= MIN_ROUNDS && compiled - windowCompiled < IDLE_SHARE * WINDOW.toMillis();
                    windowStart = now;
                    windowCompiled = compiled;
                }
            }
        } finally {
            session.reset();
        }
        // C2's arenas for the kernels peak at ~50 MB each; glibc keeps such freed memory resident.
        NativeHeap.trim();
        return new Result(rounds, Duration.ofNanos(System.nanoTime() - start), settled);
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
