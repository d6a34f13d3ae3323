package trit.kernels;

import java.lang.foreign.MemorySegment;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import trit.api.kernel.QuantizedActivations;
import trit.api.kernel.TernaryKernel;
import trit.api.kernel.WeightFormat;
import trit.api.kernel.Weights;

/**
 * The readable definition of every operation, one weight at a time, in plain Java: every other
 * kernel is tested against it bit for bit. Slow; ranked lowest.
 */
@Component(service = TernaryKernel.class, configurationPid = "trit.kernel.scalar",
        property = {TernaryKernel.KERNEL_NAME + "=scalar", "service.ranking:Integer=0"})
@Designate(ocd = KernelConfiguration.class, factory = false)
public class ScalarKernel extends PooledKernel {

    /** Partial sums of {@link TernaryKernel#floatMatmul}: see its numerics. */
    static final int PARTIALS = 64;

    private final float[][] partials;

    @Activate
    public ScalarKernel(KernelConfiguration config) {
        this(config.threads());
    }

    /** A kernel outside the framework (tests, tools): {@code threads} ≤ 0 means available processors. */
    public ScalarKernel(int threads) {
        super("scalar", threads);
        this.partials = new float[threads()][PARTIALS];
    }

    @Deactivate
    void deactivate() {
        close();
    }

    @Override
    public int simdBits() {
        return 0;
    }

    @Override
    void quantizeRow(float[] x, int offset, int k, QuantizedActivations out, int r) {
        float amax = 0f;
        for (int i = 0; i < k; i++) {
            amax = Math.max(amax, Math.abs(x[offset + i])); // Math.max keeps NaN
        }
        float s = (float) (127 / Math.max(1e-5, (double) amax));
        byte[] q = out.values();
        int sum = 0;
        for (int i = 0; i < k; i++) {
            int v = (int) Math.rint(x[offset + i] * s); // NaN gives 0
            v = Math.clamp(v, -128, 127);
            q[r * k + i] = (byte) v;
            sum += v;
        }
        out.scales()[r] = s;
        out.sums()[r] = sum;
    }

    @Override
    void ternaryRows(Weights w, QuantizedActivations x, float[] y, int part, int from, int to) {
        for (int t = 0; t < x.rows(); t++) {
            for (int r = from; r < to; r++) {
                y[t * w.m() + r] = ternaryDot(w, r, x, t);
            }
        }
    }

    /** Row {@code r} of {@code w} times token row {@code t} of {@code x}, as the SPI defines it. */
    static float ternaryDot(Weights w, int r, QuantizedActivations x, int t) {
        byte[] q = x.values();
        int base = t * x.k();
        float s = x.scales()[t];
        MemorySegment data = w.data();
        int k = w.k();
        if (w.format() == WeightFormat.I2_S) {
            int dot = 0;
            for (int i = 0; i < k; i++) {
                dot += Formats.i2sCode(data, (long) r * k + i) * q[base + i];
            }
            return ((float) dot - (float) x.sums()[t]) / s * w.scale();
        }
        long rowStart = w.format().rowBytes(k) * r;
        float acc = 0f;
        for (int b = 0; b < k / 256; b++) {
            long block = rowStart + (long) b * w.format().blockBytes();
            int dot = 0;
            for (int j = 0; j < 256; j++) {
                int weight = w.format() == WeightFormat.TQ2_0
                        ? Formats.tq2Weight(data, block, j) : Formats.tq1Weight(data, block, j);
                dot += weight * q[base + 256 * b + j];
            }
            acc += Formats.blockScale(w.format(), data, block) * (float) dot;
        }
        return acc / s;
    }

    @Override
    void floatRows(Weights w, float[] x, int rows, float[] y, int part, int from, int to) {
        float[] p = partials[part];
        for (int t = 0; t < rows; t++) {
            for (int r = from; r < to; r++) {
                java.util.Arrays.fill(p, 0f);
                for (int i = 0; i < w.k(); i++) {
                    float weight = Formats.floatWeight(w.format(), w.data(), w.k(), r, i);
                    p[i % PARTIALS] = Math.fma(weight, x[t * w.k() + i], p[i % PARTIALS]);
                }
                y[t * w.m() + r] = reduce(p);
            }
        }
    }

    /** {@code p[j] += p[j + h]} for h = 32, 16, ..., 1: the fixed order every kernel sums partials in. */
    static float reduce(float[] p) {
        for (int h = PARTIALS / 2; h >= 1; h /= 2) {
            for (int j = 0; j < h; j++) {
                p[j] += p[j + h];
            }
        }
        return p[0];
    }
}
