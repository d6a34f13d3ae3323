package trit.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Worker threads that split the output rows of one product between them and the calling thread.
 * The threads live as long as the kernel; a call creates no thread and allocates nothing: the
 * caller hands over a {@link RowTask} it owns (with its arguments in fields), and waits.
 *
 * <p>One call runs at a time (callers queue on the monitor): each call already uses every thread.
 */
final class RowPool implements AutoCloseable {

    /** Computes the output rows {@code [from, to)} of the current call as part {@code part < threads}. */
    interface RowTask {
        void rows(int part, int from, int to);
    }

    /** Below this many weight reads a call runs on the caller alone: waking threads would cost more. */
    private static final long PARALLEL_THRESHOLD = 1 << 16;
    /** How long a waiting thread spins before parking: a token's products come microseconds apart. */
    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Thread caller;
    private RowTask task;
    private int rowCount;
    private int grain;
    private volatile Throwable failure;

    RowPool(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int part = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("trit-kernel-" + name + "-" + part).unstarted(() -> work(part));
            workers[i].start();
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code rows} rows, split into one contiguous range per thread (range
     * starts are multiples of {@code grain}); returns when all ranges are done.
     *
     * @param work weight reads of the whole call, to decide whether threads are worth waking
     */
    synchronized void run(RowTask task, int rows, int grain, long work) {
        // After close() (the kernel was unregistered while a model still held it) calls keep working, on the caller alone.
        if (closed || threads == 1 || work < PARALLEL_THRESHOLD || rows < 2 * grain) {
            task.rows(0, 0, rows);
            return;
        }
        this.task = task;
        this.rowCount = rows;
        this.grain = grain;
        this.failure = null;
        this.caller = Thread.currentThread();
        pending.set(workers.length);
        generation++; // publishes the fields above to the workers
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
        try {
            runPart(0);
        } finally {
            awaitWorkers();
            this.task = null;
        }
        Throwable t = failure;
        if (t instanceof RuntimeException e) {
            throw e;
        } else if (t instanceof Error e) {
            throw e;
        }
    }

    private void runPart(int part) {
        int chunks = (rowCount + grain - 1) / grain;
        int from = (int) Math.min(rowCount, (long) chunks * part / threads * grain);
        int to = (int) Math.min(rowCount, (long) chunks * (part + 1) / threads * grain);
        if (from < to) {
            task.rows(part, from, to);
        }
    }

    private void awaitWorkers() {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (pending.get() > 0) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
    }

    private void work(int part) {
        long seen = 0;
        while (true) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (generation == seen && !closed) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                runPart(part);
            } catch (Throwable t) {
                failure = t;
            }
            if (pending.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }
    }

    /** Stops the workers; waits for a call in progress (same monitor as {@link #run}) so none is left waiting. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
        for (Thread worker : workers) {
            try {
                worker.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
