package trit.api.kernel;

/**
 * A compute-kernel implementation, registered as an OSGi service; the model uses the one with
 * the highest {@code service.ranking} that matches its {@code kernel.target} filter and switches
 * to the next best between two tokens when it goes away.
 *
 * <p>Placeholder: the operations (activation quantization, ternary GEMV/GEMM, float GEMV) are
 * added by the ternary-kernels work.
 */
public interface TernaryKernel {

    /** Service property: the implementation's name, e.g. {@code "scalar"}, {@code "vector"}. */
    String KERNEL_NAME = "trit.kernel.name";

    /** The implementation's name (the same as its {@link #KERNEL_NAME} property). */
    String name();

    /** The SIMD width it computes with, in bits (0 for plain scalar code). */
    int simdBits();
}
