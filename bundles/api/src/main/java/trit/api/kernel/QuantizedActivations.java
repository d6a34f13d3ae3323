package trit.api.kernel;

/**
 * Int8 activations of up to {@code capacity} token rows of {@code k} values, with each row's
 * scale and code sum: the input of {@link TernaryKernel#ternaryMatmul}. A reusable buffer: the
 * caller allocates it once (per layer width and batch size) and the kernel fills it, so the
 * token loop allocates nothing.
 *
 * <p>Not thread-safe: one owner at a time.
 */
public final class QuantizedActivations {

    private final int k;
    private final int capacity;
    private final byte[] values;
    private final float[] scales;
    private final int[] sums;
    private int rows;

    public QuantizedActivations(int k, int capacity) {
        if (k <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("k and capacity must be positive: k=" + k + ", capacity=" + capacity);
        }
        this.k = k;
        this.capacity = capacity;
        this.values = new byte[Math.multiplyExact(k, capacity)];
        this.scales = new float[capacity];
        this.sums = new int[capacity];
    }

    /** Values per row. */
    public int k() {
        return k;
    }

    /** The most rows it holds. */
    public int capacity() {
        return capacity;
    }

    /** Rows currently held (set by {@link TernaryKernel#quantize}). */
    public int rows() {
        return rows;
    }

    /** Row-major int8 values: row {@code r} at {@code [r·k, (r+1)·k)}. Kernels write, everyone reads. */
    public byte[] values() {
        return values;
    }

    /** Per row: {@code s = (float)(127 / max(1e-5, max|x|))}. */
    public float[] scales() {
        return scales;
    }

    /** Per row: the sum of its int8 values. */
    public int[] sums() {
        return sums;
    }

    /** Sets the number of rows held; for kernels. */
    public void setRows(int rows) {
        if (rows < 1 || rows > capacity) {
            throw new IllegalArgumentException("rows must be in [1, " + capacity + "], was " + rows);
        }
        this.rows = rows;
    }
}
