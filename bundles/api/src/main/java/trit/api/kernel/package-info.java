/**
 * The compute-kernel SPI of the local engine: ternary weights times int8 activations and the
 * float products of embedding and LM head.
 *
 * <p>Version 0.x: a placeholder until the ternary-kernels work defines the operations; the
 * package follows semantic versioning from 1.0.0 on, and nothing outside Trit should
 * implement it before then.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package trit.api.kernel;
