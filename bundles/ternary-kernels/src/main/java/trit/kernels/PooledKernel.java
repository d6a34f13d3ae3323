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

    PooledKernel(String name, int threads) {
        this.name = name;
        this.pool = new RowPool(name, threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads);
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
        Checks.ternary(w, x, y, name, Weights.GGML.equals(w.layout()) || computesWith(w));
        synchronized (ternaryTask) {
            beforeTernary(w, x);
            ternaryTask.set(w, x, y);
            try {
                pool.run(ternaryTask, w.m(), rowGrain(w), (long) w.k() * w.m() * x.rows());
            } finally {
                ternaryTask.set(null, null, null);
            }
        }
    }

    @Override
    public final void floatMatmul(Weights w, float[] x, int rows, float[] y) {
        Checks.floating(w, x, rows, y, name);
        synchronized (floatTask) {
            floatTask.set(w, x, rows, y);
            try {
                pool.run(floatTask, w.m(), rowGrain(w), (long) w.k() * w.m() * rows);
            } finally {
                floatTask.set(null, null, 0, null);
            }
        }
    }

    /** Stops the worker threads; the kernel is unusable afterwards (DS does this on deactivation). */
    public void close() {
        pool.close();
    }

    /** Quantizes row {@code r} of {@code x} (starting at {@code offset}) into {@code out}. */
    abstract void quantizeRow(float[] x, int offset, int k, QuantizedActivations out, int r);

    /** Called once per ternary product, on the calling thread, before rows are computed. */
    void beforeTernary(Weights w, QuantizedActivations x) {
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
