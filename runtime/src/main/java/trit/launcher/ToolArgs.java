package trit.launcher;

import trit.api.kernel.TernaryKernel;
import trit.bitnet.ModelConfig;
import trit.kernels.ScalarKernel;
import trit.kernels.VectorKernel;
import trit.launcher.Main.UsageException;

/** What the model tools share: reading option values, and the kernel they compute with. */
final class ToolArgs {

    private final String command;
    private final String[] args;

    ToolArgs(String command, String[] args) {
        this.command = command;
        this.args = args;
    }

    /**
     * Warns on standard error when a run uses more positions than {@code config} was trained with:
     * the server refuses such a context, a tool runs it (as llama.cpp's tools do), but past the
     * trained context RoPE extrapolates and the numbers mean little.
     */
    static void warnBeyondTrainedContext(String command, ModelConfig config, int positions) {
        if (positions > config.contextLength()) {
            System.err.printf("%s: warning: %d positions exceed the %d the model was trained with; past them the results "
                    + "are extrapolation%n", command, positions, config.contextLength());
        }
    }

    /** The value of the option at {@code args[i - 1]}. */
    String value(int i) {
        if (i >= args.length) {
            throw usage(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    /** The value at {@code args[i]} as a number in {@code [min, max]}. */
    int number(int i, int min, int max) {
        String value = value(i);
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw usage(args[i - 1] + " must be a number from " + min + " to " + max + ", was '" + value + "'");
    }

    UsageException usage(String message) {
        return new UsageException(command + ": " + message);
    }

    /** A kernel the tool owns (it starts worker threads), closed when the tool is done. */
    record Kernel(TernaryKernel kernel, Runnable closer) implements AutoCloseable {

        static Kernel open(String name, int threads) {
            if (name.equals("scalar")) {
                ScalarKernel scalar = new ScalarKernel(threads);
                return new Kernel(scalar, scalar::close);
            }
            VectorKernel vector = new VectorKernel(threads);
            return new Kernel(vector, vector::close);
        }

        @Override
        public void close() {
            closer.run();
        }
    }

    /** Checks a --kernel value. */
    String kernelName(int i) {
        String kernel = value(i);
        if (!kernel.equals("vector") && !kernel.equals("scalar")) {
            throw usage("--kernel must be vector or scalar, was '" + kernel + "'");
        }
        return kernel;
    }
}
