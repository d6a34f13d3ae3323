package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Predicate;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

import trit.api.kernel.QuantizedActivations;
import trit.api.kernel.TernaryKernel;
import trit.api.kernel.WeightFormat;
import trit.api.kernel.Weights;

/** The kernel services in the runtime: registered, ranked, computing with the Vector API, reconfigurable. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KernelServicesTest {

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] configuration() {
        return TritFramework.options();
    }

    @Test
    public void bothKernelsAreRegisteredAndTheVectorKernelRanksFirst() throws Exception {
        ServiceReference<TernaryKernel> scalar = await("(trit.kernel.name=scalar)", r -> true);
        ServiceReference<TernaryKernel> vector = await("(trit.kernel.name=vector)", r -> true);
        assertEquals(0, scalar.getProperty("service.ranking"));
        assertEquals(100, vector.getProperty("service.ranking"));
        assertEquals(vector, context.getServiceReference(TernaryKernel.class));
        TernaryKernel vectorKernel = context.getService(vector);
        assertTrue("the Vector API works inside the framework: " + vectorKernel.simdBits(), vectorKernel.simdBits() >= 128);
        assertEquals(Runtime.getRuntime().availableProcessors(), vectorKernel.threads());
    }

    @Test
    public void bothKernelsComputeTheSameBitsInTheFramework() throws Exception {
        TernaryKernel scalar = context.getService(await("(trit.kernel.name=scalar)", r -> true));
        TernaryKernel vector = context.getService(await("(trit.kernel.name=vector)", r -> true));
        int k = 512;
        int m = 96;
        try (Arena arena = Arena.ofConfined()) {
            Random random = new Random(11);
            MemorySegment data = arena.allocate((long) k * m / 4 + 32);
            for (long i = 0; i < (long) k * m / 4; i++) {
                data.set(ValueLayout.JAVA_BYTE, i, (byte) ((random.nextInt(3) << 6) | (random.nextInt(3) << 4)
                        | (random.nextInt(3) << 2) | random.nextInt(3)));
            }
            data.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), (long) k * m / 4, 0.25f);
            Weights weights = Weights.of("itest.weight", WeightFormat.I2_S, k, m, data);
            float[] x = new float[k];
            for (int i = 0; i < k; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] fromScalar = product(scalar, weights, x);
            float[] fromVector = product(vector, weights, x);
            for (int i = 0; i < m; i++) {
                assertEquals("row " + i, Float.floatToIntBits(fromScalar[i]), Float.floatToIntBits(fromVector[i]));
            }
        }
    }

    @Test
    public void aKernelIsReconfiguredFromItsCfgFileWhileTheFrameworkRuns() throws Exception {
        Path cfg = Path.of(context.getProperty(TritFramework.CONFIG_DIR)).resolve("trit.kernel.vector.cfg");
        try {
            Files.writeString(cfg, "threads = 1\nservice.ranking = -5\n");
            ServiceReference<TernaryKernel> vector = await("(&(trit.kernel.name=vector)(service.ranking=-5))", r -> true);
            assertEquals(1, context.getService(vector).threads());
            assertEquals("the scalar kernel now ranks first", "scalar",
                    context.getServiceReference(TernaryKernel.class).getProperty(TernaryKernel.KERNEL_NAME));
        } finally {
            Files.deleteIfExists(cfg);
        }
        await("(&(trit.kernel.name=vector)(service.ranking=100))", r -> true);
        assertEquals("vector", context.getServiceReference(TernaryKernel.class).getProperty(TernaryKernel.KERNEL_NAME));
    }

    private static float[] product(TernaryKernel kernel, Weights weights, float[] x) {
        QuantizedActivations q = new QuantizedActivations(weights.k(), 1);
        kernel.quantize(x, 1, weights.k(), q);
        float[] y = new float[weights.m()];
        kernel.ternaryMatmul(weights, q, y);
        return y;
    }

    private ServiceReference<TernaryKernel> await(String filter, Predicate<ServiceReference<TernaryKernel>> condition)
            throws InvalidSyntaxException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (ServiceReference<TernaryKernel> ref : context.getServiceReferences(TernaryKernel.class, filter)) {
                if (condition.test(ref)) {
                    return ref;
                }
            }
            Http.sleep(50);
        }
        throw new AssertionError("no TernaryKernel service matching " + filter + " within 15 s");
    }
}
