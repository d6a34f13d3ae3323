package trit.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;

import trit.api.kernel.QuantizedActivations;
import trit.api.kernel.WeightFormat;
import trit.api.kernel.Weights;
import trit.gguf.GgufFile;
import trit.gguf.GgufTensor;

/**
 * The I2_S layout as the kernels read it, checked against bitnet.cpp's own files: every linear
 * weight of {@code tiny-i2s.gguf}, decoded, equals the ternary × scale weight of
 * {@code tiny-f32.gguf} exactly, and its scale is the one {@code reference.json} lists.
 */
class ReferenceWeightsTest {

    private static final Path TINY = Path.of("../../../shared/reference/tiny");
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void tinyI2sDecodesToTheF32ModelsWeights() throws IOException {
        Path i2s = TINY.resolve("tiny-i2s.gguf");
        Path gz = TINY.resolve("tiny-f32.gguf.gz");
        Path json = TINY.resolve("reference.json");
        if (!(Files.isRegularFile(i2s) && Files.isRegularFile(gz) && Files.isRegularFile(json))) {
            System.out.println("SKIPPED: bitnet.cpp's reference files are missing under " + TINY.toAbsolutePath());
        }
        assumeTrue(Files.isRegularFile(i2s) && Files.isRegularFile(gz) && Files.isRegularFile(json),
                "skipped: bitnet.cpp's reference files are missing under " + TINY.toAbsolutePath());
        Path f32 = Path.of("target/tiny-f32.gguf");
        if (!Files.isRegularFile(f32)) {
            Files.createDirectories(f32.getParent());
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                Files.copy(in, f32, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Map<String, Float> scales = scales(Files.readString(json));
        assertEquals(4 * 7, scales.size());

        ScalarKernel scalar = new ScalarKernel(1);
        VectorKernel vector = new VectorKernel(2);
        try (GgufFile quantized = GgufFile.open(i2s); GgufFile floats = GgufFile.open(f32); Arena arena = Arena.ofShared()) {
            for (Map.Entry<String, Float> entry : scales.entrySet()) {
                String name = entry.getKey() + ".weight";
                GgufTensor q = quantized.tensor(name).orElseThrow();
                GgufTensor f = floats.tensor(name).orElseThrow();
                int k = (int) q.dim(0);
                int m = (int) q.dim(1);
                Weights weights = Weights.of(name, WeightFormat.I2_S, k, m, quantized.data(q));
                assertEquals(entry.getValue(), weights.scale(), name + " scale");

                MemorySegment expected = floats.data(f);
                for (long e = 0; e < (long) k * m; e++) {
                    float w = (Formats.i2sCode(weights.data(), e) - 1) * weights.scale();
                    float original = expected.getAtIndex(FLOAT_LE, e);
                    if (Float.floatToIntBits(w) != Float.floatToIntBits(original + 0f)) {
                        throw new AssertionError(name + " element " + e + ": I2_S gives " + w + ", F32 has " + original);
                    }
                }

                // And the kernels agree on the real tensor, in every layout.
                float[] x = new float[k];
                Random random = new Random(name.hashCode());
                for (int i = 0; i < k; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                QuantizedActivations acts = new QuantizedActivations(k, 1);
                scalar.quantize(x, 1, k, acts);
                float[] a = new float[m];
                float[] b = new float[m];
                scalar.ternaryMatmul(weights, acts, a);
                vector.ternaryMatmul(vector.prepare(weights, arena), acts, b);
                for (int r = 0; r < m; r++) {
                    assertEquals(Float.floatToIntBits(a[r]), Float.floatToIntBits(b[r]), name + " row " + r);
                }
            }
        } finally {
            scalar.close();
            vector.close();
        }
    }

    /** {@code "linear_weight_scales": {"blk.0.attn_q": 0.09277..., ...}} from reference.json. */
    private static Map<String, Float> scales(String json) {
        Matcher block = Pattern.compile("\"linear_weight_scales\"\\s*:\\s*\\{([^}]*)}").matcher(json);
        assertTrue(block.find(), "reference.json has linear_weight_scales");
        Map<String, Float> scales = new LinkedHashMap<>();
        Matcher entry = Pattern.compile("\"([^\"]+)\"\\s*:\\s*([-0-9.eE+]+)").matcher(block.group(1));
        while (entry.find()) {
            scales.put(entry.group(1), Float.parseFloat(entry.group(2)));
        }
        return scales;
    }
}
