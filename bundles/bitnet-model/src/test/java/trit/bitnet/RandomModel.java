package trit.bitnet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

import trit.gguf.GgmlType;
import trit.gguf.GgufWriter;
import trit.gguf.TensorPacking;

/**
 * A random tiny BitNet model, written with the project's GGUF writer, and an independent
 * straightforward forward pass over the weights it generated (plain loops, double where ggml
 * uses double): the engine reads the file, the reference never does.
 */
final class RandomModel {

    final String arch;
    final boolean relu2;
    final int d;
    final int layers;
    final int heads;
    final int kvHeads;
    final int ff;
    final int vocab;
    final int ropeDims;
    final float eps = 1e-5f;
    final float ropeBase = 10000f;
    final GgmlType linearType;
    final GgmlType embeddingType;
    final boolean untiedOutput;

    final float[] embedding;      // as stored (F16- or F32-exact), vocab × d
    final float[] output;         // untied head, F16-exact, or null
    final float[] outputNorm;
    final float[][] norms;        // per layer: attn_norm, attn_sub_norm, ffn_norm, ffn_sub_norm (4 per layer)
    final int[][] ternary;        // per layer: q, k, v, o, gate, up, down (7 per layer)
    final float[][] scales;       // per tensor: one scale (I2_S, float) or one per 256-block (TQ)

    RandomModel(long seed, String arch, int d, int layers, int heads, int kvHeads, int ff, int vocab, int ropeDims,
                GgmlType linearType, GgmlType embeddingType, boolean untiedOutput) {
        this.arch = arch;
        this.relu2 = !arch.equals("bitnet");
        this.d = d;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.ff = ff;
        this.vocab = vocab;
        this.ropeDims = ropeDims;
        this.linearType = linearType;
        this.embeddingType = embeddingType;
        this.untiedOutput = untiedOutput;
        Random random = new Random(seed);
        embedding = stored(gaussian(random, vocab * d, 0.5), embeddingType);
        output = untiedOutput ? stored(gaussian(random, vocab * d, 0.5), GgmlType.F16) : null;
        outputNorm = normWeights(random, d);
        norms = new float[layers * 4][];
        ternary = new int[layers * 7][];
        scales = new float[layers * 7][];
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
    }

    private static final String[] NAMES = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};

    void write(Path path) throws IOException {
        String p = arch + ".";
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", arch)
                .putString("general.name", "random-" + arch)
                .putUInt32(p + "context_length", 128)
                .putUInt32(p + "embedding_length", d)
                .putUInt32(p + "block_count", layers)
                .putUInt32(p + "feed_forward_length", ff)
                .putUInt32(p + "attention.head_count", heads)
                .putUInt32(p + "attention.head_count_kv", kvHeads)
                .putUInt32(p + "rope.dimension_count", ropeDims)
                .putFloat32(p + "attention.layer_norm_rms_epsilon", eps)
                .putFloat32(p + "rope.freq_base", ropeBase);
        w.addTensor("token_embd.weight", embeddingType, new long[] {d, vocab},
                embeddingType == GgmlType.F16 ? TensorPacking.f16(embedding) : TensorPacking.f32(embedding));
        w.addTensor("output_norm.weight", GgmlType.F32, new long[] {d}, TensorPacking.f32(outputNorm));
        if (untiedOutput) {
            w.addTensor("output.weight", GgmlType.F16, new long[] {d, vocab}, TensorPacking.f16(output));
        }
        String[] normNames = {"attn_norm", "attn_sub_norm", "ffn_norm", "ffn_sub_norm"};
        for (int l = 0; l < layers; l++) {
            for (int n = 0; n < 4; n++) {
                float[] v = norms[4 * l + n];
                w.addTensor("blk." + l + "." + normNames[n] + ".weight", GgmlType.F32, new long[] {v.length}, TensorPacking.f32(v));
            }
            for (int t = 0; t < 7; t++) {
                int[] tw = ternary[7 * l + t];
                int k = t == 6 ? ff : d;
                int m = tw.length / k;
                float[] s = scales[7 * l + t];
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

    // ---- the reference forward pass --------------------------------------------------------------

    /** Logits after each of {@code tokens}, evaluated one at a time. */
    float[][] logits(int[] tokens) {
        int hd = d / heads;
        int kvDim = kvHeads * hd;
        float[][] kCache = new float[layers][tokens.length * kvDim];
        float[][] vCache = new float[layers][tokens.length * kvDim];
        float[][] result = new float[tokens.length][];
        for (int pos = 0; pos < tokens.length; pos++) {
            float[] x = new float[d];
            System.arraycopy(embedding, tokens[pos] * d, x, 0, d);
            for (int l = 0; l < layers; l++) {
                float[] h = norm(x, norms[4 * l]);
                float[] q = matmul(7 * l, h, d, d);
                float[] k = matmul(7 * l + 1, h, d, kvDim);
                float[] v = matmul(7 * l + 2, h, d, kvDim);
                rotate(q, heads, hd, pos);
                rotate(k, kvHeads, hd, pos);
                for (int i = 0; i < kvDim; i++) {
                    kCache[l][pos * kvDim + i] = half(k[i]);
                    vCache[l][pos * kvDim + i] = half(v[i]);
                }
                float[] att = new float[d];
                for (int head = 0; head < heads; head++) {
                    int kvOff = head / (heads / kvHeads) * hd;
                    double[] score = new double[pos + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= pos; j++) {
                        double dot = 0;
                        for (int e = 0; e < hd; e++) {
                            dot += (double) half(q[head * hd + e]) * kCache[l][j * kvDim + kvOff + e];
                        }
                        score[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, score[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= pos; j++) {
                        score[j] = Math.exp(score[j] - max);
                        sum += score[j];
                    }
                    for (int e = 0; e < hd; e++) {
                        double o = 0;
                        for (int j = 0; j <= pos; j++) {
                            o += (double) half((float) (score[j] / sum)) * vCache[l][j * kvDim + kvOff + e];
                        }
                        att[head * hd + e] = (float) o;
                    }
                }
                float[] o = matmul(7 * l + 3, norm(att, norms[4 * l + 1]), d, d);
                for (int i = 0; i < d; i++) {
                    x[i] += o[i];
                }
                h = norm(x, norms[4 * l + 2]);
                float[] g = matmul(7 * l + 4, h, d, ff);
                float[] u = matmul(7 * l + 5, h, d, ff);
                float[] m = new float[ff];
                for (int i = 0; i < ff; i++) {
                    double a = relu2 ? Math.pow(Math.max(g[i], 0), 2) : g[i] / (1 + Math.exp(-g[i]));
                    m[i] = (float) (a * u[i]);
                }
                float[] down = matmul(7 * l + 6, norm(m, norms[4 * l + 3]), ff, d);
                for (int i = 0; i < d; i++) {
                    x[i] += down[i];
                }
            }
            float[] h = norm(x, outputNorm);
            float[] head = untiedOutput ? output : embedding;
            float[] logits = new float[vocab];
            for (int t = 0; t < vocab; t++) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += (double) head[t * d + i] * half(h[i]);
                }
                logits[t] = (float) dot;
            }
            result[pos] = logits;
        }
        return result;
    }

    /** RMSNorm as ggml computes it: mean square in double, the scale in float, then ⊙ weight. */
    private static float[] norm(float[] x, float[] weight) {
        double sum = 0;
        for (float v : x) {
            sum += (double) v * v;
        }
        float scale = (float) (1 / Math.sqrt((float) (sum / x.length) + 1e-5f));
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * weight[i];
        }
        return y;
    }

    /** The I2_S activation rule, then an exact integer dot per row, then the tensor's (or each block's) scale. */
    private float[] matmul(int tensor, float[] x, int k, int m) {
        double amax = 0;
        for (float v : x) {
            amax = Math.max(amax, Math.abs(v));
        }
        float s = (float) (127 / Math.max(amax, 1e-5));
        int[] q = new int[k];
        for (int i = 0; i < k; i++) {
            q[i] = (int) Math.max(-128, Math.min(127, Math.rint(x[i] * s)));
        }
        int[] w = ternary[tensor];
        float[] sc = scales[tensor];
        float[] y = new float[m];
        for (int r = 0; r < m; r++) {
            double acc = 0;
            for (int b = 0; b < sc.length / m || (sc.length == 1 && b == 0); b++) {
                int from = sc.length == 1 ? 0 : 256 * b;
                int to = sc.length == 1 ? k : 256 * (b + 1);
                long dot = 0;
                for (int i = from; i < to; i++) {
                    dot += (long) w[r * k + i] * q[i];
                }
                acc += (double) (sc.length == 1 ? sc[0] : sc[r * (k / 256) + b]) * dot;
            }
            y[r] = (float) (acc / s);
        }
        return y;
    }

    /** NEOX RoPE over the first {@code ropeDims} of each head, angles in double. */
    private void rotate(float[] v, int n, int hd, int pos) {
        int half = ropeDims / 2;
        for (int head = 0; head < n; head++) {
            for (int i = 0; i < half; i++) {
                double theta = pos * Math.pow(ropeBase, -2.0 * i / ropeDims);
                double x0 = v[head * hd + i];
                double x1 = v[head * hd + i + half];
                v[head * hd + i] = (float) (x0 * Math.cos(theta) - x1 * Math.sin(theta));
                v[head * hd + i + half] = (float) (x0 * Math.sin(theta) + x1 * Math.cos(theta));
            }
        }
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
