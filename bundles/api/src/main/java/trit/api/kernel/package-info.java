/**
 * The compute-kernel SPI of the local engine: what the BitNet forward pass needs and no more.
 * Activations of ternary matrix products are quantized to int8 per token row with the I2_S rule
 * ({@link trit.api.kernel.TernaryKernel#quantize}); ternary weights (I2_S, TQ1_0, TQ2_0) are
 * multiplied with them exactly ({@link trit.api.kernel.TernaryKernel#ternaryMatmul}); float
 * weights (F32, F16, BF16, Q8_0: the embedding and the tied LM head) are multiplied with float
 * vectors ({@link trit.api.kernel.TernaryKernel#floatMatmul}).
 *
 * <p>Every implementation returns bit-identical results: the numerics are defined in the javadoc
 * of each operation, and the {@code scalar} kernel is their readable definition.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package trit.api.kernel;
