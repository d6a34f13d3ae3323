package trit.api.kernel;

import java.lang.foreign.Arena;

/**
 * A compute-kernel implementation of the local engine, registered as an OSGi service with
 * {@link #KERNEL_NAME} and a {@code service.ranking}. A model uses the highest-ranked kernel that
 * matches its {@code kernel.target} filter, and moves to the next best between two tokens when
 * that one goes away.
 *
 * <h2>Numerics (every implementation, bit for bit)</h2>
 * <ul>
 * <li>{@link #quantize}, per row {@code x} of {@code k} floats: {@code amax = max|x_i|} (NaN if any
 * {@code x_i} is NaN); {@code s = (float) (127 / max(1e-5, (double) amax))};
 * {@code q_i = clamp(rint((float) (x_i · s)), -128, 127)} with round-half-even and NaN giving 0;
 * {@code sum = Σ q_i} in int. This is bitnet.cpp's {@code quantize_row_i8_s}.</li>
 * <li>{@link #ternaryMatmul}, per token row and output row: integer dot products in int32
 * (never int16), then in float:
 * I2_S: {@code y = ((float) Σ code_i·q_i − (float) sum) / s × scale} with codes 0..2, equal to
 * {@code (float) Σ w_i·q_i / s × scale} for w in {-1, 0, 1};
 * TQ1_0 / TQ2_0: {@code acc = Σ_b d_b × (float) Σ_{i∈b} w_i·q_i} accumulated in float over the
 * 256-weight blocks in order, then {@code y = acc / s}.</li>
 * <li>{@link #floatMatmul}, per row and output: weights converted to float exactly (F16, BF16;
 * Q8_0 as {@code d × q}); 64 partial sums {@code p[j] = fma(w_i, x_i, p[j])} over {@code i ≡ j
 * (mod 64)} in increasing {@code i}; then {@code p[j] += p[j + h]} for {@code h = 32, 16, 8, 4,
 * 2, 1} and {@code j < h}; the result is {@code p[0]}.</li>
 * <li>A row with NaN or an infinity gives NaN outputs for that row.</li>
 * </ul>
 *
 * <h2>Threads and memory</h2>
 * Implementations split the output rows of one call across worker threads that live as long as
 * the kernel, and allocate nothing per call. Calls may come from many threads; an implementation
 * runs them one after another or side by side as it sees fit. Arrays passed in are only read
 * ({@code x}, activations) or written ({@code y}) during the call.
 *
 * <h2>Bad input</h2>
 * Mismatched shapes, too-short arrays or a layout the kernel does not know: an
 * {@link IllegalArgumentException} naming the tensor and shape, before anything is computed.
 */
public interface TernaryKernel {

    /** Service property: the implementation's name, e.g. {@code "scalar"}, {@code "vector"}. */
    String KERNEL_NAME = "trit.kernel.name";

    /** The implementation's name (the same as its {@link #KERNEL_NAME} property). */
    String name();

    /** The SIMD width it computes with, in bits (0 for plain scalar code). */
    int simdBits();

    /** Worker threads a call is spread over (the calling thread included). */
    int threads();

    /**
     * This kernel with each call spread over at most {@code threads} of its threads (the calling
     * thread included), for a model configured to use fewer threads than the kernel has. It shares
     * this kernel's name, workers and {@link #prepare} layout; asking again for the same count
     * allocates nothing. The default ignores the limit.
     *
     * @param threads at least 1; at or above {@link #threads()} it means all of them
     * @since 1.1
     */
    default TernaryKernel limitedTo(int threads) {
        return this;
    }

    /**
     * Quantizes {@code rows} rows of {@code k} floats ({@code x} row-major) into {@code out}.
     *
     * @throws IllegalArgumentException if {@code k} differs from {@code out.k()}, {@code rows}
     *                                  exceeds its capacity or {@code x} is too short
     */
    void quantize(float[] x, int rows, int k, QuantizedActivations out);

    /**
     * {@code y[t·m + r] = W[r] · x[t]} for every token row {@code t < x.rows()} and weight row
     * {@code r < w.m()}: one token is a GEMV, several a GEMM.
     *
     * @throws IllegalArgumentException if {@code w} is not ternary, {@code w.k() != x.k()},
     *                                  {@code y} is too short, or the layout is not one this kernel computes
     */
    void ternaryMatmul(Weights w, QuantizedActivations x, float[] y);

    /**
     * {@code y[t·m + r] = W[r] · x[t·k ..]} for {@code rows} token rows of float input.
     *
     * @throws IllegalArgumentException if {@code w} is ternary or the arrays do not fit the shape
     */
    void floatMatmul(Weights w, float[] x, int rows, float[] y);

    /**
     * Returns the weights in the layout this kernel computes fastest with, repacked into memory of
     * {@code arena} if that differs from the GGML layout, else {@code w} itself. Called once per
     * tensor at load; the model keeps the GGML original for other kernels. The arena must be one
     * the kernel's worker threads may read ({@link Arena#ofShared()}, {@link Arena#global()} or
     * {@link Arena#ofAuto()}), and so must {@code w}'s own memory.
     *
     * @throws IllegalArgumentException naming the tensor if its data is not valid for its format
     */
    default Weights prepare(Weights w, Arena arena) {
        return w;
    }
}
