package trit.kernels;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.F2I;
import static jdk.incubator.vector.VectorOperators.I2B;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.S2I;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2S;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_S2I;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import trit.api.kernel.QuantizedActivations;
import trit.api.kernel.TernaryKernel;
import trit.api.kernel.WeightFormat;
import trit.api.kernel.Weights;

/**
 * The SIMD kernel: {@code jdk.incubator.vector} at the CPU's preferred width, chosen when the
 * class loads (512 bits on AVX-512, 256 on AVX2), reading weights straight from their memory
 * segments. Bit-identical to {@link ScalarKernel}.
 *
 * <p>I2_S and TQ2_0: 2-bit codes are widened to 16-bit lanes and multiplied with the int8
 * activations widened once per call; the 16-bit sums are flushed into int32 lanes before any
 * input could overflow them (at most {@value #CODE_MAX}·128 per product). Float weights: the
 * SPI's 64 partial sums, as 4 vectors of 16 lanes or 8 of 8. TQ1_0 and CPUs narrower than 256
 * bits use the scalar definition.
 */
@Component(service = TernaryKernel.class, configurationPid = "trit.kernel.vector",
        property = {TernaryKernel.KERNEL_NAME + "=vector", "service.ranking:Integer=100"})
@Designate(ocd = KernelConfiguration.class, factory = false)
public class VectorKernel extends PooledKernel {

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** The largest 2-bit code (3 is never written, but a damaged file may hold it). */
    private static final int CODE_MAX = 3;

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> FI = F.withLanes(int.class);
    private static final int FL = F.length();
    private static final boolean FLOAT_SIMD = FL == 8 || FL == 16;

    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final int SL = S.length();
    private static final VectorSpecies<Byte> SB = VectorSpecies.of(byte.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> SI = VectorSpecies.of(int.class, S.vectorShape());
    private static final boolean TERNARY_SIMD = SL >= 16;
    /**
     * Blocks summed in 16-bit lanes before flushing to int32: a 128-weight block adds
     * 4·(32/SL) products of at most 3·128 to each lane, and 16 bits hold 32767.
     */
    private static final int FLUSH_BLOCKS = Math.max(1, 32767 / (4 * (32 / Math.max(SL, 1)) * CODE_MAX * 128));

    private static final float ROUND_MAGIC = 0x1.8p23f;

    private final float[][] partials;
    private short[] activations = new short[0];
    private int[] blockSums = new int[0];

    @Activate
    public VectorKernel(KernelConfiguration config) {
        this(config.threads());
    }

    VectorKernel(int threads) {
        super("vector", threads);
        this.partials = new float[threads()][ScalarKernel.PARTIALS];
    }

    @Deactivate
    void deactivate() {
        close();
    }

    @Override
    public int simdBits() {
        return Math.max(F.vectorBitSize(), S.vectorBitSize());
    }

    // ---- activation quantization -------------------------------------------------------------

    @Override
    void quantizeRow(float[] x, int offset, int k, QuantizedActivations out, int r) {
        int i = 0;
        float amax = 0f;
        if (FLOAT_SIMD) {
            FloatVector m = FloatVector.zero(F);
            for (; i <= k - FL; i += FL) {
                m = m.max(FloatVector.fromArray(F, x, offset + i).abs());
            }
            amax = m.reduceLanes(MAX);
        }
        for (int j = i; j < k; j++) {
            amax = Math.max(amax, Math.abs(x[offset + j]));
        }
        float s = (float) (127 / Math.max(1e-5, (double) amax));
        byte[] q = out.values();
        int base = r * k;
        int sum = 0;
        i = 0;
        if (FLOAT_SIMD) {
            VectorSpecies<Byte> fb = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4));
            IntVector sums = IntVector.zero(FI);
            for (; i <= k - FL; i += FL) {
                // (v + 1.5·2^23) − 1.5·2^23 rounds half to even for |v| ≤ 2^22; here |v| ≤ 127.
                FloatVector v = FloatVector.fromArray(F, x, offset + i).mul(s).add(ROUND_MAGIC).sub(ROUND_MAGIC);
                IntVector qi = ((IntVector) v.convert(F2I, 0)).max(-128).min(127);
                sums = sums.add(qi);
                ((ByteVector) qi.convertShape(I2B, fb, 0)).intoArray(q, base + i);
            }
            sum = sums.reduceLanes(ADD);
        }
        for (; i < k; i++) {
            int v = Math.clamp((int) Math.rint(x[offset + i] * s), -128, 127);
            q[base + i] = (byte) v;
            sum += v;
        }
        out.scales()[r] = s;
        out.sums()[r] = sum;
    }

    // ---- ternary products --------------------------------------------------------------------

    @Override
    void beforeTernary(Weights w, QuantizedActivations x) {
        int n = x.rows() * x.k();
        if (activations.length < n) {
            activations = new short[n];
        }
        byte[] q = x.values();
        for (int i = 0; i < n; i++) {
            activations[i] = q[i];
        }
        if (w.format() == WeightFormat.TQ2_0) {
            int blocks = x.k() / 256;
            if (blockSums.length < x.rows() * blocks) {
                blockSums = new int[x.rows() * blocks];
            }
            for (int b = 0; b < x.rows() * blocks; b++) {
                int sum = 0;
                for (int j = 0; j < 256; j++) {
                    sum += q[256 * b + j];
                }
                blockSums[b] = sum;
            }
        }
    }

    @Override
    void ternaryRows(Weights w, QuantizedActivations x, float[] y, int part, int from, int to) {
        int m = w.m();
        int k = w.k();
        for (int r = from; r < to; r++) {
            for (int t = 0; t < x.rows(); t++) {
                float s = x.scales()[t];
                y[t * m + r] = switch (TERNARY_SIMD ? w.format() : WeightFormat.TQ1_0) {
                    case I2_S -> ((float) i2sDot(w.data(), (long) r * (k / 4), k / 128, activations, t * k)
                            - (float) x.sums()[t]) / s * w.scale();
                    case TQ2_0 -> tq2Dot(w.data(), w.format().rowBytes(k) * r, k / 256, activations, t * k,
                            blockSums, t * (k / 256)) / s;
                    default -> ScalarKernel.ternaryDot(w, r, x, t);
                };
            }
        }
    }

    /** Σ code_i · q_i over {@code blocks} I2_S blocks of one row, in int32. */
    private static int i2sDot(MemorySegment data, long rowByte, int blocks, short[] q, int qBase) {
        IntVector total = IntVector.zero(SI);
        int b = 0;
        while (b < blocks) {
            int end = Math.min(blocks, b + FLUSH_BLOCKS);
            ShortVector acc = ShortVector.zero(S);
            for (; b < end; b++) {
                long off = rowByte + 32L * b;
                int qb = qBase + 128 * b;
                for (int c = 0; c < 32; c += SL) {
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(SB, data, off + c, LE)
                            .convertShape(ZERO_EXTEND_B2S, S, 0);
                    acc = acc.add(w.lanewise(LSHR, 6).mul(ShortVector.fromArray(S, q, qb + c)))
                            .add(w.lanewise(LSHR, 4).and((short) 3).mul(ShortVector.fromArray(S, q, qb + 32 + c)))
                            .add(w.lanewise(LSHR, 2).and((short) 3).mul(ShortVector.fromArray(S, q, qb + 64 + c)))
                            .add(w.and((short) 3).mul(ShortVector.fromArray(S, q, qb + 96 + c)));
                }
            }
            total = total.add(acc.convertShape(S2I, SI, 0)).add(acc.convertShape(S2I, SI, 1));
        }
        return total.reduceLanes(ADD);
    }

    /** Σ_b d_b · (float) Σ_{i∈b} w_i·q_i over the TQ2_0 blocks of one row, in block order. */
    private static float tq2Dot(MemorySegment data, long rowByte, int blocks, short[] q, int qBase,
                                int[] sums, int sumBase) {
        float acc = 0f;
        for (int b = 0; b < blocks; b++) {
            long block = rowByte + 66L * b;
            int qb = qBase + 256 * b;
            ShortVector codeDot = ShortVector.zero(S); // ≤ 8·(32/SL)·3·128 per lane: fits 16 bits
            for (int g = 0; g < 2; g++) {
                for (int c = 0; c < 32; c += SL) {
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(SB, data, block + 32L * g + c, LE)
                            .convertShape(ZERO_EXTEND_B2S, S, 0);
                    int qg = qb + 128 * g + c;
                    codeDot = codeDot.add(w.and((short) 3).mul(ShortVector.fromArray(S, q, qg)))
                            .add(w.lanewise(LSHR, 2).and((short) 3).mul(ShortVector.fromArray(S, q, qg + 32)))
                            .add(w.lanewise(LSHR, 4).and((short) 3).mul(ShortVector.fromArray(S, q, qg + 64)))
                            .add(w.lanewise(LSHR, 6).mul(ShortVector.fromArray(S, q, qg + 96)));
                }
            }
            int dot = ((IntVector) codeDot.convertShape(S2I, SI, 0)).add(codeDot.convertShape(S2I, SI, 1)).reduceLanes(ADD)
                    - sums[sumBase + b];
            acc += Formats.blockScale(WeightFormat.TQ2_0, data, block) * (float) dot;
        }
        return acc;
    }

    // ---- float products ----------------------------------------------------------------------

    @Override
    void floatRows(Weights w, float[] x, int rows, float[] y, int part, int from, int to) {
        float[] p = partials[part];
        int k = w.k();
        long rowBytes = w.format().rowBytes(k);
        for (int r = from; r < to; r++) {
            for (int t = 0; t < rows; t++) {
                y[t * w.m() + r] = FLOAT_SIMD
                        ? floatDot(w.format(), w.data(), rowBytes * r, k, x, t * k, p)
                        : scalarFloatDot(w, r, x, t * k, p);
            }
        }
    }

    private static float scalarFloatDot(Weights w, int r, float[] x, int xBase, float[] p) {
        java.util.Arrays.fill(p, 0f);
        for (int i = 0; i < w.k(); i++) {
            p[i % 64] = Math.fma(Formats.floatWeight(w.format(), w.data(), w.k(), r, i), x[xBase + i], p[i % 64]);
        }
        return ScalarKernel.reduce(p);
    }

    /** The SPI's 64 partial sums: accumulator {@code a} lane {@code l} is partial {@code a·FL + l}. */
    private static float floatDot(WeightFormat format, MemorySegment data, long row, int k, float[] x, int xBase, float[] p) {
        int main = k - k % 64;
        if (FL == 16) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < main; i += 64) {
                a0 = load(format, data, row, i).fma(FloatVector.fromArray(F, x, xBase + i), a0);
                a1 = load(format, data, row, i + 16).fma(FloatVector.fromArray(F, x, xBase + i + 16), a1);
                a2 = load(format, data, row, i + 32).fma(FloatVector.fromArray(F, x, xBase + i + 32), a2);
                a3 = load(format, data, row, i + 48).fma(FloatVector.fromArray(F, x, xBase + i + 48), a3);
            }
            if (main == k) {
                a0.add(a2).add(a1.add(a3)).intoArray(p, 0); // h = 32, then 16
                return reduceLanes(p, 16);
            }
            a0.intoArray(p, 0);
            a1.intoArray(p, 16);
            a2.intoArray(p, 32);
            a3.intoArray(p, 48);
        } else {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int i = 0; i < main; i += 64) {
                a0 = load(format, data, row, i).fma(FloatVector.fromArray(F, x, xBase + i), a0);
                a1 = load(format, data, row, i + 8).fma(FloatVector.fromArray(F, x, xBase + i + 8), a1);
                a2 = load(format, data, row, i + 16).fma(FloatVector.fromArray(F, x, xBase + i + 16), a2);
                a3 = load(format, data, row, i + 24).fma(FloatVector.fromArray(F, x, xBase + i + 24), a3);
                a4 = load(format, data, row, i + 32).fma(FloatVector.fromArray(F, x, xBase + i + 32), a4);
                a5 = load(format, data, row, i + 40).fma(FloatVector.fromArray(F, x, xBase + i + 40), a5);
                a6 = load(format, data, row, i + 48).fma(FloatVector.fromArray(F, x, xBase + i + 48), a6);
                a7 = load(format, data, row, i + 56).fma(FloatVector.fromArray(F, x, xBase + i + 56), a7);
            }
            if (main == k) {
                FloatVector b0 = a0.add(a4), b1 = a1.add(a5), b2 = a2.add(a6), b3 = a3.add(a7); // h = 32
                b0.add(b2).add(b1.add(b3)).intoArray(p, 0); // h = 16, then 8
                return reduceLanes(p, 8);
            }
            a0.intoArray(p, 0);
            a1.intoArray(p, 8);
            a2.intoArray(p, 16);
            a3.intoArray(p, 24);
            a4.intoArray(p, 32);
            a5.intoArray(p, 40);
            a6.intoArray(p, 48);
            a7.intoArray(p, 56);
        }
        // A tail shorter than 64: finish the partials one weight at a time, then the whole reduction.
        for (int i = main; i < k; i++) {
            p[i % 64] = Math.fma(weight(format, data, row, i), x[xBase + i], p[i % 64]);
        }
        return ScalarKernel.reduce(p);
    }

    /** The SPI's reduction of the lanes {@code p[0 .. width)} that are left after the vector steps. */
    private static float reduceLanes(float[] p, int width) {
        for (int h = width / 2; h >= 1; h /= 2) {
            for (int j = 0; j < h; j++) {
                p[j] += p[j + h];
            }
        }
        return p[0];
    }

    /** Weights {@code i .. i+FL} of the row at byte {@code row}, as floats. */
    private static FloatVector load(WeightFormat format, MemorySegment data, long row, int i) {
        return switch (format) {
            case F32 -> FloatVector.fromMemorySegment(F, data, row + 4L * i, LE);
            case F16 -> halfToFloat(halfBits(data, row + 2L * i));
            case BF16 -> halfBits(data, row + 2L * i).lanewise(LSHL, 16).reinterpretAsFloats();
            case Q8_0 -> {
                long block = row + 34L * (i / 32);
                float d = Formats.blockScale(WeightFormat.Q8_0, data, block);
                VectorSpecies<Byte> bytes = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4));
                yield ((FloatVector) ByteVector.fromMemorySegment(bytes, data, block + 2 + i % 32, LE)
                        .convertShape(B2F, F, 0)).mul(d);
            }
            default -> throw new IllegalArgumentException(format + " is not a float format");
        };
    }

    private static float weight(WeightFormat format, MemorySegment data, long row, int i) {
        return switch (format) {
            case F32 -> data.get(Formats.FLOAT_LE, row + 4L * i);
            case F16 -> Float.float16ToFloat(data.get(Formats.SHORT_LE, row + 2L * i));
            case BF16 -> Float.intBitsToFloat((data.get(Formats.SHORT_LE, row + 2L * i) & 0xFFFF) << 16);
            case Q8_0 -> {
                long block = row + 34L * (i / 32);
                yield Formats.blockScale(format, data, block) * data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, block + 2 + i % 32);
            }
            default -> throw new IllegalArgumentException(format + " is not a float format");
        };
    }

    /** FL 16-bit values at {@code offset}, zero-extended into int lanes. */
    private static IntVector halfBits(MemorySegment data, long offset) {
        VectorSpecies<Short> shorts = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
        return (IntVector) ShortVector.fromMemorySegment(shorts, data, offset, LE).convertShape(ZERO_EXTEND_S2I, FI, 0);
    }

    /**
     * IEEE half to float, exactly as {@link Float#float16ToFloat}: the magnitude bits moved into a
     * float's place and scaled by 2^112 (which also normalizes subnormals); infinities and NaNs
     * get an all-ones exponent; then the sign.
     */
    static FloatVector halfToFloat(IntVector h) {
        IntVector magnitude = h.and(0x7FFF).lanewise(LSHL, 13);
        FloatVector value = magnitude.reinterpretAsFloats().mul(0x1p112f);
        VectorMask<Float> special = h.and(0x7C00).compare(EQ, 0x7C00).cast(F);
        value = value.blend(magnitude.or(0x7F800000).reinterpretAsFloats(), special);
        return value.reinterpretAsInts().or(h.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats();
    }
}
