package trit.kernels;

import trit.api.kernel.QuantizedActivations;
import trit.api.kernel.TernaryKernel;
import trit.api.kernel.Weights;

/**
 * What every kernel shares: argument checks before any work, and the split of output rows over
 * the {@link RowPool}. Subclasses compute ranges of rows; per-thread scratch space is indexed by
 * the part number they are given.
 */
abstract class PooledKernel implements TernaryKernel {

    private final String name;
    private final RowPool pool;
    private final TernaryTask ternaryTask = new TernaryTask();
    private final FloatTask floatTask = new FloatTask();
    /** {@link #limitedTo} views by thread count, made on first use. */
    private final TernaryKernel[] limited;

    PooledKernel(String name, int threads) {
        this.name = name;
        this.pool = new RowPool(name, threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads);
        this.limited = new TernaryKernel[pool.threads()];
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int threads() {
        return pool.threads();
    }

    @Override
    public final void quantize(float[] x, int rows, int k, QuantizedActivations out) {
        Checks.quantize(x, rows, k, out);
        for (int r = 0; r < rows; r++) {
            quantizeRow(x, r * k, k, out, r);
        }
        out.setRows(rows);
    }

    @Override
    public final void ternaryMatmul(Weights w, QuantizedActivations x, float[] y) {
        ternaryMatmul(w, x, y, pool.threads());
    }

    private void ternaryMatmul(Weights w, QuantizedActivations x, float[] y, int threads) {
        Checks.ternary(w, x, y, name, Weights.GGML.equals(w.layout()) || computesWith(w));
        synchronized (ternaryTask) {
            beforeTernary(w, x, threads);
            ternaryTask.set(w, x, y);
            try {
                pool.run(ternaryTask, w.m(), rowGrain(w), (long) w.k() * w.m() * x.rows(), threads);
            } finally {
                ternaryTask.set(null, null, null);
            }
        }
    }

    @Override
    public final void floatMatmul(Weights w, float[] x, int rows, float[] y) {
        floatMatmul(w, x, rows, y, pool.threads());
    }

    private void floatMatmul(Weights w, float[] x, int rows, float[] y, int threads) {
        Checks.floating(w, x, rows, y, name);
        synchronized (floatTask) {
            floatTask.set(w, x, rows, y);
            try {
                pool.run(floatTask, w.m(), rowGrain(w), (long) w.k() * w.m() * rows, threads);
            } finally {
                floatTask.set(null, null, 0, null);
            }
        }
    }

    @Override
    public final TernaryKernel limitedTo(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        if (threads >= pool.threads()) {
            return this;
        }
        synchronized (limited) {
            if (limited[threads] == null) {
                limited[threads] = new Limited(threads);
            }
            return limited[threads];
        }
    }

    /** Stops the worker threads; the kernel is unusable afterwards (DS does this on deactivation). */
    public void close() {
        pool.close();
    }

    /** Quantizes row {@code r} of {@code x} (starting at {@code offset}) into {@code out}. */
    abstract void quantizeRow(float[] x, int offset, int k, QuantizedActivations out, int r);

    /** Called once per ternary product, on the calling thread, before rows are computed; may use {@link #runOnPool}. */
    void beforeTernary(Weights w, QuantizedActivations x, int threads) {
    }

    /**
     * Runs {@code task} over {@code rows} rows on at most {@code threads} of the pool's threads,
     * as a product does: for work per token that every row of the next product reads.
     */
    final void runOnPool(RowPool.RowTask task, int rows, long work, int threads) {
        pool.run(task, rows, 1, work, threads);
    }

    /** Output rows {@code [from, to)} of {@code y = W · x} for every token row of {@code x}. */
    abstract void ternaryRows(Weights w, QuantizedActivations x, float[] y, int part, int from, int to);

    /** Output rows {@code [from, to)} of {@code y = W · x} for {@code rows} float token rows. */
    abstract void floatRows(Weights w, float[] x, int rows, float[] y, int part, int from, int to);

    /** Range starts are multiples of this many rows of {@code w}. */
    int rowGrain(Weights w) {
        return 1;
    }

    /** Whether {@code w}, in a layout other than GGML's, is one this kernel made with {@link #prepare}. */
    boolean computesWith(Weights w) {
        return false;
    }

    /** This kernel, each call on at most {@code threads} of its threads. */
    private final class Limited implements TernaryKernel {
        private final int threads;

        Limited(int threads) {
            this.threads = threads;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int simdBits() {
            return PooledKernel.this.simdBits();
        }

        @Override
        public int threads() {
            return threads;
        }

        @Override
        public TernaryKernel limitedTo(int threads) {
            return PooledKernel.this.limitedTo(threads);
        }

        @Override
        public void quantize(float[] x, int rows, int k, QuantizedActivations out) {
            PooledKernel.this.quantize(x, rows, k, out);
        }

        @Override
        public void ternaryMatmul(Weights w, QuantizedActivations x, float[] y) {
            PooledKernel.this.ternaryMatmul(w, x, y, threads);
        }

        @Override
        public void floatMatmul(Weights w, float[] x, int rows, float[] y) {
            PooledKernel.this.floatMatmul(w, x, rows, y, threads);
        }

        @Override
        public Weights prepare(Weights w, java.lang.foreign.Arena arena) {
            return PooledKernel.this.prepare(w, arena);
        }
    }

    private final class TernaryTask implements RowPool.RowTask {
        private Weights w;
        private QuantizedActivations x;
        private float[] y;

        void set(Weights w, QuantizedActivations x, float[] y) {
            this.w = w;
            this.x = x;
            this.y = y;
        }

        @Override
        public void rows(int part, int from, int to) {
            ternaryRows(w, x, y, part, from, to);
        }
    }

    private final class FloatTask implements RowPool.RowTask {
        private Weights w;
        private float[] x;
        private int rows;
        private float[] y;

        void set(Weights w, float[] x, int rows, float[] y) {
            this.w = w;
            this.x = x;
            this.rows = rows;
            this.y = y;
        }

        @Override
        public void rows(int part, int from, int to) {
            floatRows(w, x, rows, y, part, from, to);
        }
    }
}
