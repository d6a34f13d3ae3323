package trit.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Worker threads that split the output rows of one product between them and the calling thread.
 * The threads live as long as the kernel; a call creates no thread and allocates nothing: the
 * caller hands over a {@link RowTask} it owns (with its arguments in fields), and waits.
 *
 * <p>The rows are cut into a few pieces per thread that every thread, the caller included, claims
 * one at a time. A worker that is late (parked, or its core busy with another process) then
 * delays a call by at most the piece it is computing, not by its whole share: on a 2-core machine
 * that shares its cores with anything else a fixed split made two threads slower than one.
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
    /** Pieces per thread: enough to even out a late thread, few enough that claiming costs nothing. */
    private static final int PIECES_PER_THREAD = 4;

    private final int threads;
    private final Thread[] workers;
    /** The call's number (high 32 bits) and its next unclaimed piece (low 32 bits), claimed by CAS. */
    private final AtomicLong claims = new AtomicLong();
    /** Pieces of the current call that are finished. */
    private final AtomicInteger done = new AtomicInteger();
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile boolean callerParked;
    private RowTask task;
    private int rowCount;
    private int pieceRows;
    private int pieces;
    private int call;
    /** Threads that take part in the current call (the caller and workers 1 .. helpers-1). */
    private int helpers;
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
     * Runs {@code task} over {@code rows} rows, in pieces whose starts are multiples of
     * {@code grain}, on at most {@code maxThreads} threads (the caller and workers with the lowest
     * part numbers); returns when all pieces are done. Each thread passes its own {@code part} to
     * every piece it computes.
     *
     * @param work weight reads of the whole call, to decide whether threads are worth waking
     */
    synchronized void run(RowTask task, int rows, int grain, long work, int maxThreads) {
        int using = Math.min(threads, maxThreads);
        // After close() (the kernel was unregistered while a model still held it) calls keep working, on the caller alone.
        if (closed || using <= 1 || work < PARALLEL_THRESHOLD || rows < 2 * grain) {
            task.rows(0, 0, rows);
            return;
        }
        int chunks = (rows + grain - 1) / grain;
        int perPiece = Math.max(1, chunks / (using * PIECES_PER_THREAD));
        this.task = task;
        this.rowCount = rows;
        this.pieceRows = perPiece * grain;
        this.pieces = (chunks + perPiece - 1) / perPiece;
        this.failure = null;
        this.caller = Thread.currentThread();
        this.helpers = using;
        done.set(0);
        call++;
        claims.set((long) call << 32); // publishes the fields above to the workers
        for (int i = 0; i < using - 1; i++) {
            LockSupport.unpark(workers[i]);
        }
        try {
            runPieces(0, call);
        } finally {
            awaitPieces();
            // Closes the call before the next one rewrites the fields: a worker that read a claim
            // state of this call but not yet its fields would otherwise claim with the next call's.
            claims.set((long) call << 32 | Integer.MAX_VALUE);
            this.task = null;
        }
        Throwable t = failure;
        if (t instanceof RuntimeException e) {
            throw e;
        } else if (t instanceof Error e) {
            throw e;
        }
    }

    /** Claims and computes pieces of call {@code number} until none is left; a later call's pieces are not touched. */
    private void runPieces(int part, int number) {
        while (true) {
            long state = claims.get();
            int piece = (int) state;
            if ((int) (state >>> 32) != number || piece >= pieces || !claims.compareAndSet(state, state + 1)) {
                if ((int) (claims.get() >>> 32) != number || (int) claims.get() >= pieces) {
                    return;
                }
                continue; // lost a race for a piece: try the next
            }
            // The claim succeeded, so call `number` is still running and the fields are its own.
            try {
                int from = piece * pieceRows;
                task.rows(part, from, Math.min(rowCount, from + pieceRows));
            } catch (Throwable t) {
                failure = t;
            }
            if (done.incrementAndGet() == pieces && part != 0 && callerParked) {
                LockSupport.unpark(caller);
            }
        }
    }

    private void awaitPieces() {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (done.get() < pieces) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                callerParked = true;
                if (done.get() < pieces) {
                    LockSupport.park(this);
                }
                callerParked = false;
            }
        }
    }

    private void work(int part) {
        int seen = 0;
        while (true) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            int number;
            while ((number = (int) (claims.get() >>> 32)) == seen && !closed) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = number;
            if (part < helpers) { // read after the claim state that published it
                runPieces(part, number);
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
