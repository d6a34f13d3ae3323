package trit.kernels;

import trit.api.kernel.QuantizedActivations;
import trit.api.kernel.Weights;

/** Argument checks shared by every kernel: they run before any computation, so nothing is read out of bounds. */
final class Checks {

    private Checks() {
    }

    static void quantize(float[] x, int rows, int k, QuantizedActivations out) {
        if (k != out.k()) {
            throw new IllegalArgumentException("activation row length " + k + " does not match the buffer's K = " + out.k());
        }
        if (rows < 1 || rows > out.capacity()) {
            throw new IllegalArgumentException("rows must be in [1, " + out.capacity() + "], was " + rows);
        }
        if ((long) rows * k > x.length) {
            throw new IllegalArgumentException("x has " + x.length + " floats, " + rows + " rows of " + k + " need "
                    + (long) rows * k);
        }
    }

    static void ternary(Weights w, QuantizedActivations x, float[] y, String kernel, boolean layoutKnown) {
        if (!w.format().isTernary()) {
            throw new IllegalArgumentException(w.describe() + " is not ternary: use floatMatmul");
        }
        if (!layoutKnown) {
            throw new IllegalArgumentException(w.describe() + " is in layout '" + w.layout()
                    + "', which the " + kernel + " kernel does not compute with");
        }
        if (w.k() != x.k()) {
            throw new IllegalArgumentException(w.describe() + " multiplied with activations of K = " + x.k());
        }
        if (x.rows() < 1) {
            throw new IllegalArgumentException(w.describe() + ": no quantized activation rows");
        }
        output(w, x.rows(), y);
    }

    static void floating(Weights w, float[] x, int rows, float[] y, String kernel) {
        if (w.format().isTernary()) {
            throw new IllegalArgumentException(w.describe() + " is ternary: use ternaryMatmul");
        }
        if (!Weights.GGML.equals(w.layout())) {
            throw new IllegalArgumentException(w.describe() + " is in layout '" + w.layout()
                    + "', which the " + kernel + " kernel does not compute with");
        }
        if (rows < 1 || (long) rows * w.k() > x.length) {
            throw new IllegalArgumentException(w.describe() + ": x has " + x.length + " floats, " + rows
                    + " rows of K need " + (long) rows * w.k());
        }
        output(w, rows, y);
    }

    private static void output(Weights w, int rows, float[] y) {
        if ((long) rows * w.m() > y.length) {
            throw new IllegalArgumentException(w.describe() + ": y has " + y.length + " floats, " + rows
                    + " rows of M need " + (long) rows * w.m());
        }
    }
}
