package trit.bitnet;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import trit.gguf.GgufFile;
import trit.gguf.GgufTensor;

/**
 * An independent, straightforward BitNet forward pass for the tests: plain loops over plain
 * arrays, double where ggml uses double (and in most places where it does not), written from the
 * facts in {@code ../shared/reference/README.md} and sharing no code with the engine. It either
 * takes the weights a test generated ({@link RandomModel}) or decodes them itself from a GGUF
 * file (the project's reader gives it bytes, nothing more).
 *
 * <p>Two modes: {@code quantized} follows the I2_S path (every linear input quantized to int8,
 * an exact integer dot, then the tensor's or block's scale); otherwise linear weights multiply
 * the float activations directly, as bitnet.cpp does for a model with F32 linear weights.
 */
final class ReferenceForward {

    final String arch;
    final int d;
    final int layers;
    final int heads;
    final int kvHeads;
    final int ff;
    final int vocab;
    final int ropeDims;
    final float eps;
    final float ropeBase;
    final boolean quantized;

    final float[] embedding;      // vocab × d, as stored
    final float[] output;         // untied head, or null: tied to the embedding
    final float[] outputNorm;
    final float[][] norms;        // per layer: attn_norm, attn_sub_norm, ffn_norm, ffn_sub_norm (4 per layer)
    final int[][] ternary;        // per layer: q, k, v, o, gate, up, down (7 per layer), row-major M × K
    final float[][] scales;       // per linear tensor: one scale, or one per 256-element block of each row

    ReferenceForward(String arch, int d, int layers, int heads, int kvHeads, int ff, int vocab, int ropeDims,
                     float eps, float ropeBase, boolean quantized, float[] embedding, float[] output,
                     float[] outputNorm, float[][] norms, int[][] ternary, float[][] scales) {
        this.arch = arch;
        this.d = d;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.ff = ff;
        this.vocab = vocab;
        this.ropeDims = ropeDims;
        this.eps = eps;
        this.ropeBase = ropeBase;
        this.quantized = quantized;
        this.embedding = embedding;
        this.output = output;
        this.outputNorm = outputNorm;
        this.norms = norms;
        this.ternary = ternary;
        this.scales = scales;
    }

    private static final String[] LINEAR = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
    private static final String[] NORMS = {"attn_norm", "attn_sub_norm", "ffn_norm", "ffn_sub_norm"};

    /**
     * Decodes a model file: linear weights I2_S (codes and the per-tensor scale) or F32 that is
     * exactly ternary × one scale; embedding and head F16 or F32; norms F32.
     */
    static ReferenceForward read(GgufFile file, boolean quantized) throws IOException {
        String arch = file.string("general.architecture");
        String p = arch + ".";
        int d = (int) file.integer(p + "embedding_length");
        int layers = (int) file.integer(p + "block_count");
        int heads = (int) file.integer(p + "attention.head_count");
        int kvHeads = (int) file.integer(p + "attention.head_count_kv", heads);
        int ff = (int) file.integer(p + "feed_forward_length");
        int ropeDims = (int) file.integer(p + "rope.dimension_count", d / heads);
        float eps = file.float32(p + "attention.layer_norm_rms_epsilon");
        float ropeBase = file.float32(p + "rope.freq_base", 10000f);
        float[] embedding = floats(file, "token_embd.weight");
        int vocab = embedding.length / d;
        float[] output = file.tensor("output.weight").isPresent() ? floats(file, "output.weight") : null;
        float[][] norms = new float[layers * 4][];
        int[][] ternary = new int[layers * 7][];
        float[][] scales = new float[layers * 7][];
        for (int l = 0; l < layers; l++) {
            for (int n = 0; n < 4; n++) {
                norms[4 * l + n] = floats(file, "blk." + l + "." + NORMS[n] + ".weight");
            }
            for (int t = 0; t < 7; t++) {
                GgufTensor tensor = file.tensor("blk." + l + "." + LINEAR[t] + ".weight").orElseThrow();
                int k = (int) tensor.dim(0);
                int m = (int) tensor.dim(1);
                int[] w = new int[k * m];
                float scale;
                switch (tensor.type()) {
                    case I2_S -> {
                        MemorySegment data = file.data(tensor);
                        for (int e = 0; e < w.length; e++) {
                            int block = e / 128;
                            int i = e % 128;
                            int b = data.get(ValueLayout.JAVA_BYTE, 32L * block + i % 32) & 0xff;
                            w[e] = (b >> (6 - 2 * (i / 32)) & 3) - 1;
                        }
                        scale = data.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), (long) k * m / 4);
                    }
                    case F32, F16 -> {
                        float[] v = floats(file, tensor.name());
                        float max = 0;
                        for (float x : v) {
                            max = Math.max(max, Math.abs(x));
                        }
                        for (int e = 0; e < w.length; e++) {
                            w[e] = v[e] == 0 ? 0 : v[e] > 0 ? 1 : -1;
                            if (v[e] != w[e] * max) {
                                throw new IOException(tensor.name() + " is not ternary × one scale at element " + e);
                            }
                        }
                        scale = max;
                    }
                    default -> throw new IOException(tensor.name() + ": the reference reads I2_S, F32 and F16, not " + tensor.type());
                }
                ternary[7 * l + t] = w;
                scales[7 * l + t] = new float[] {scale};
            }
        }
        return new ReferenceForward(arch, d, layers, heads, kvHeads, ff, vocab, ropeDims, eps, ropeBase, quantized,
                embedding, output, floats(file, "output_norm.weight"), norms, ternary, scales);
    }

    private static float[] floats(GgufFile file, String name) throws IOException {
        GgufTensor tensor = file.tensor(name).orElseThrow(() -> new IOException("no tensor " + name));
        MemorySegment data = file.data(tensor);
        float[] v = new float[(int) tensor.elements()];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (tensor.type()) {
                case F32 -> data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i);
                case F16 -> Float.float16ToFloat(data.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i));
                default -> throw new IOException(name + ": the reference reads F32 and F16, not " + tensor.type());
            };
        }
        return v;
    }

    // ---- the forward pass ------------------------------------------------------------------------

    /** Logits after each of {@code tokens}, evaluated one at a time (bitnet.cpp's {@code seq} mode). */
    float[][] logits(int[] tokens) {
        State state = new State(tokens.length);
        float[][] result = new float[tokens.length][];
        for (int pos = 0; pos < tokens.length; pos++) {
            result[pos] = step(state, tokens[pos]);
        }
        return result;
    }

    /** The KV cache of a sequence, F16 values held as floats. */
    final class State {
        final float[][] keys;
        final float[][] values;
        int position;

        State(int capacity) {
            keys = new float[layers][capacity * kvHeads * (d / heads)];
            values = new float[layers][capacity * kvHeads * (d / heads)];
        }
    }

    /** The logits after {@code token} at the state's next position. */
    float[] step(State state, int token) {
        int pos = state.position++;
        int hd = d / heads;
        int kvDim = kvHeads * hd;
        float[] x = new float[d];
        System.arraycopy(embedding, token * d, x, 0, d);
        for (int l = 0; l < layers; l++) {
            float[] h = norm(x, norms[4 * l]);
            float[] q = matmul(7 * l, h, d, d);
            float[] k = matmul(7 * l + 1, h, d, kvDim);
            float[] v = matmul(7 * l + 2, h, d, kvDim);
            rotate(q, heads, hd, pos);
            rotate(k, kvHeads, hd, pos);
            for (int i = 0; i < kvDim; i++) {
                state.keys[l][pos * kvDim + i] = half(k[i]);
                state.values[l][pos * kvDim + i] = half(v[i]);
            }
            float[] att = new float[d];
            for (int head = 0; head < heads; head++) {
                int kvOff = head / (heads / kvHeads) * hd;
                double[] score = new double[pos + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= pos; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += (double) half(q[head * hd + e]) * state.keys[l][j * kvDim + kvOff + e];
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
                        o += (double) half((float) (score[j] / sum)) * state.values[l][j * kvDim + kvOff + e];
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
            boolean relu2 = !arch.equals("bitnet");
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
        float[] head = output != null ? output : embedding;
        float[] logits = new float[vocab];
        for (int t = 0; t < vocab; t++) {
            double dot = 0;
            for (int i = 0; i < d; i++) {
                dot += (double) head[t * d + i] * half(h[i]);
            }
            logits[t] = (float) dot;
        }
        return logits;
    }

    /** RMSNorm as ggml computes it: mean square in double, the scale in float, then ⊙ weight. */
    private float[] norm(float[] x, float[] weight) {
        double sum = 0;
        for (float v : x) {
            sum += (double) v * v;
        }
        float scale = (float) (1 / Math.sqrt((float) (sum / x.length) + eps));
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * weight[i];
        }
        return y;
    }

    /**
     * Quantized: the I2_S activation rule, an exact integer dot per row (per 256-block for block
     * scales), then the scales. Float: the ternary weights times their scale, times x, in double.
     */
    private float[] matmul(int tensor, float[] x, int k, int m) {
        int[] w = ternary[tensor];
        float[] sc = scales[tensor];
        float[] y = new float[m];
        if (!quantized) {
            for (int r = 0; r < m; r++) {
                double acc = 0;
                for (int i = 0; i < k; i++) {
                    acc += (double) w[r * k + i] * sc[0] * x[i];
                }
                y[r] = (float) acc;
            }
            return y;
        }
        double amax = 0;
        for (float v : x) {
            amax = Math.max(amax, Math.abs(v));
        }
        float s = (float) (127 / Math.max(amax, 1e-5));
        int[] q = new int[k];
        for (int i = 0; i < k; i++) {
            q[i] = (int) Math.max(-128, Math.min(127, Math.rint(x[i] * s)));
        }
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

    static float half(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }
}
