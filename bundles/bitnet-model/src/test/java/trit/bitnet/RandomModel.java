package trit.bitnet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

import trit.gguf.GgmlType;
import trit.gguf.GgufWriter;
import trit.gguf.TensorPacking;

/**
 * A random tiny BitNet model, written with the project's GGUF writer, and its logits from the
 * independent {@link ReferenceForward} over the weights it generated: the engine reads the file,
 * the reference never does.
 */
final class RandomModel {

    private final GgmlType linearType;
    private final GgmlType embeddingType;
    /** The generated weights (embedding as stored, F16- or F32-exact; scales per tensor or per TQ block) and their forward pass. */
    private final ReferenceForward r;

    RandomModel(long seed, String arch, int d, int layers, int heads, int kvHeads, int ff, int vocab, int ropeDims,
                GgmlType linearType, GgmlType embeddingType, boolean untiedOutput) {
        this.linearType = linearType;
        this.embeddingType = embeddingType;
        Random random = new Random(seed);
        float[] embedding = stored(gaussian(random, vocab * d, 0.5), embeddingType);
        float[] output = untiedOutput ? stored(gaussian(random, vocab * d, 0.5), GgmlType.F16) : null;
        float[] outputNorm = normWeights(random, d);
        float[][] norms = new float[layers * 4][];
        int[][] ternary = new int[layers * 7][];
        float[][] scales = new float[layers * 7][];
        int kv = kvHeads * (d / heads);
        int[][] shapes = {{d, d}, {d, kv}, {d, kv}, {d, d}, {d, ff}, {d, ff}, {ff, d}};
        for (int l = 0; l < layers; l++) {
            norms[4 * l] = normWeights(random, d);
            norms[4 * l + 1] = normWeights(random, d);
            norms[4 * l + 2] = normWeights(random, d);
            norms[4 * l + 3] = normWeights(random, ff);
            for (int t = 0; t < 7; t++) {
                int k = shapes[t][0];
                int m = shapes[t][1];
                int[] w = new int[k * m];
                for (int i = 0; i < w.length; i++) {
                    double u = random.nextDouble();
                    w[i] = u < 0.35 ? 0 : (u < 0.675 ? 1 : -1);
                }
                ternary[7 * l + t] = w;
                boolean blocks = linearType == GgmlType.TQ1_0 || linearType == GgmlType.TQ2_0;
                float[] s = new float[blocks ? k / 256 * m : 1];
                for (int i = 0; i < s.length; i++) {
                    s[i] = Float.float16ToFloat(Float.floatToFloat16(0.02f + 0.1f * random.nextFloat()));
                }
                scales[7 * l + t] = s;
            }
        }
        r = new ReferenceForward(arch, d, layers, heads, kvHeads, ff, vocab, ropeDims, 1e-5f, 10000f, true, embedding,
                output, outputNorm, norms, ternary, scales);
    }

    private static final String[] NAMES = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};

    void write(Path path) throws IOException {
        String p = r.arch + ".";
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", r.arch)
                .putString("general.name", "random-" + r.arch)
                .putUInt32(p + "context_length", 128)
                .putUInt32(p + "embedding_length", r.d)
                .putUInt32(p + "block_count", r.layers)
                .putUInt32(p + "feed_forward_length", r.ff)
                .putUInt32(p + "attention.head_count", r.heads)
                .putUInt32(p + "attention.head_count_kv", r.kvHeads)
                .putUInt32(p + "rope.dimension_count", r.ropeDims)
                .putFloat32(p + "attention.layer_norm_rms_epsilon", r.eps)
                .putFloat32(p + "rope.freq_base", r.ropeBase);
        w.addTensor("token_embd.weight", embeddingType, new long[] {r.d, r.vocab},
                embeddingType == GgmlType.F16 ? TensorPacking.f16(r.embedding) : TensorPacking.f32(r.embedding));
        w.addTensor("output_norm.weight", GgmlType.F32, new long[] {r.d}, TensorPacking.f32(r.outputNorm));
        if (r.output != null) {
            w.addTensor("output.weight", GgmlType.F16, new long[] {r.d, r.vocab}, TensorPacking.f16(r.output));
        }
        String[] normNames = {"attn_norm", "attn_sub_norm", "ffn_norm", "ffn_sub_norm"};
        for (int l = 0; l < r.layers; l++) {
            for (int n = 0; n < 4; n++) {
                float[] v = r.norms[4 * l + n];
                w.addTensor("blk." + l + "." + normNames[n] + ".weight", GgmlType.F32, new long[] {v.length}, TensorPacking.f32(v));
            }
            for (int t = 0; t < 7; t++) {
                int[] tw = r.ternary[7 * l + t];
                int k = t == 6 ? r.ff : r.d;
                int m = tw.length / k;
                float[] s = r.scales[7 * l + t];
                byte[] data = switch (linearType) {
                    case I2_S -> TensorPacking.i2s(tw, k, m, s[0]);
                    case TQ2_0 -> TensorPacking.tq2(tw, s, k, m);
                    case TQ1_0 -> TensorPacking.tq1(tw, s, k, m);
                    case F32 -> TensorPacking.f32(scaled(tw, s[0]));
                    case F16 -> TensorPacking.f16(scaled(tw, s[0]));
                    default -> throw new IllegalArgumentException(linearType.name());
                };
                w.addTensor("blk." + l + "." + NAMES[t] + ".weight", linearType, new long[] {k, m}, data);
            }
        }
        w.write(path);
    }

    /** Logits after each of {@code tokens}, evaluated one at a time by the independent reference. */
    float[][] logits(int[] tokens) {
        return r.logits(tokens);
    }

    private static float half(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    private static float[] gaussian(Random random, int n, double sigma) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * sigma);
        }
        return v;
    }

    private static float[] normWeights(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (1 + 0.1 * random.nextGaussian());
        }
        return v;
    }

    private static float[] stored(float[] v, GgmlType type) {
        if (type == GgmlType.F16) {
            for (int i = 0; i < v.length; i++) {
                v[i] = half(v[i]);
            }
        }
        return v;
    }

    private static float[] scaled(int[] w, float scale) {
        float[] v = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            v[i] = w[i] * scale;
        }
        return v;
    }
}
