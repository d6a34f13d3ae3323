package trit.bitnet;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.ForkJoinTask;
import java.util.function.Supplier;

import trit.api.kernel.TernaryKernel;

/**
 * One token through the model, exactly as bitnet.cpp's single-token decode computes it (the
 * reference's {@code seq} mode), see {@code ../shared/reference/README.md}. Per layer:
 * <pre>
 *   h = RMSNorm(x) ⊙ attn_norm
 *   q, k, v = Wq·h, Wk·h, Wv·h                 (ternary, h quantized to int8 once)
 *   q, k = RoPE_neox(q, k, pos);  cache k, v as F16
 *   a_h = Σ_j softmax_j(q_h·K_j / √d) · V_j    (q and p rounded to F16, GQA)
 *   x = x + Wo · (RMSNorm(a) ⊙ attn_sub_norm)
 *   h = RMSNorm(x) ⊙ ffn_norm
 *   m = act(Wgate·h) ⊙ (Wup·h)                 (SiLU or ReLU², by architecture)
 *   x = x + Wdown · (RMSNorm(m) ⊙ ffn_sub_norm)
 * </pre>
 * then {@code logits = W_out · F16(RMSNorm(x) ⊙ output_norm)}.
 *
 * <p>Bit for bit: every float operation outside the (exact, integer) ternary products is the one
 * bitnet.cpp's x86 build performs, in its order: its vector exp and F16 dot-product summation
 * order ({@link GgmlNumerics}), the C library's cos/sin/pow for RoPE ({@link CMath}), the fused
 * multiply-add its compiler makes of RoPE's rotation. A single value one ulp off can round one
 * int8 activation the other way, and that moves the token's logits by up to ~0.1.
 *
 * <p>The kernel is asked for once per token, so a kernel swapped while a generation runs takes
 * over at the next token. Thread-safe as long as each thread uses its own {@link Session}.
 */
public final class ForwardPass {

    /**
     * Receives intermediate tensors under ggml's names and ops (e.g. {@code "ffn_norm-3", "MUL"}),
     * to find where an engine departs from bitnet.cpp's trace. A debugging aid: {@code null} in use.
     */
    public interface Tracer {
        void tensor(String name, String op, int position, float[] values, int length);
    }

    private final BitnetModel model;
    private final Supplier<TernaryKernel> kernels;
    private final Tracer tracer;

    /**
     * @param kernels the kernel to compute with; asked once per token
     */
    public ForwardPass(BitnetModel model, Supplier<TernaryKernel> kernels) {
        this(model, kernels, null);
    }

    /** A forward pass that reports its intermediate tensors to {@code tracer}. */
    public ForwardPass(BitnetModel model, Supplier<TernaryKernel> kernels, Tracer tracer) {
        this.model = model;
        this.kernels = kernels;
        this.tracer = tracer;
    }

    /** Reports {@code name-layer} (or {@code name} for a negative layer); builds nothing unless tracing. */
    private void trace(String name, int layer, String op, int position, float[] values, int length) {
        if (tracer != null) {
            tracer.tensor(layer < 0 ? name : name + "-" + layer, op, position, values, length);
        }
    }

    /**
     * Evaluates {@code token} at the session's next position and returns the logits (the
     * session's own array, overwritten by the next call).
     *
     * @throws IllegalStateException    when the session's context is full
     * @throws IllegalArgumentException for a token outside the vocabulary
     */
    public float[] step(Session s, int token) {
        ModelConfig c = model.config();
        if (token < 0 || token >= c.vocabulary()) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary of " + c.vocabulary());
        }
        if (s.position >= s.contextLength) {
            throw new IllegalStateException("the context of " + s.contextLength + " tokens is full");
        }
        TernaryKernel kernel = kernels.get();
        int pos = s.position;
        model.tokenEmbedding().readRow(token, s.x);

        int d = c.embedding();
        int ff = c.feedForward();
        ropeAngles(s, c, pos);
        trace("inp_embd", -1, "GET_ROWS", pos, s.x, d);
        java.util.List<BitnetModel.Layer> layers = model.layersFor(kernel);
        for (int l = 0; l < c.layers(); l++) {
            BitnetModel.Layer layer = layers.get(l);

            // Attention.
            rmsNorm(s.h, s.x, layer.attnNorm(), c.rmsEps());
            trace("attn_norm", l, "MUL", pos, s.h, d);
            kernel.quantize(s.h, 1, c.embedding(), s.embeddingActivations);
            kernel.ternaryMatmul(layer.wq(), s.embeddingActivations, s.q);
            kernel.ternaryMatmul(layer.wk(), s.embeddingActivations, s.k);
            kernel.ternaryMatmul(layer.wv(), s.embeddingActivations, s.v);
            trace("Qcur", l, "MUL_MAT", pos, s.q, d);
            trace("Vcur", l, "MUL_MAT", pos, s.v, c.kvDim());
            rope(s.q, c.heads(), c, s);
            rope(s.k, c.kvHeads(), c, s);
            trace("Qcur", l, "ROPE", pos, s.q, d);
            trace("Kcur", l, "ROPE", pos, s.k, c.kvDim());
            int kv = c.kvDim();
            cache(s, s.keys[l], pos, s.k, 0, kv);
            cache(s, s.values[l], pos, s.v, 0, kv);
            AttentionScratch a = s.attentionScratch(0);
            cacheToFloats(s, l, 0, pos + 1, a.halves);
            attention(s, a, pos);
            trace("kqv_out", l, "CONT", pos, s.attention, d);
            rmsNorm(s.h, s.attention, layer.attnSubNorm(), c.rmsEps());
            trace("attn_sub_norm", l, "MUL", pos, s.h, d);
            kernel.quantize(s.h, 1, c.embedding(), s.embeddingActivations);
            kernel.ternaryMatmul(layer.wo(), s.embeddingActivations, s.o);
            trace("attn_o_out", l, "MUL_MAT", pos, s.o, d);
            add(s.x, s.o);
            trace("ffn_inp", l, "ADD", pos, s.x, d);

            // Feed-forward.
            rmsNorm(s.h, s.x, layer.ffnNorm(), c.rmsEps());
            trace("ffn_norm", l, "MUL", pos, s.h, d);
            kernel.quantize(s.h, 1, c.embedding(), s.embeddingActivations);
            kernel.ternaryMatmul(layer.gate(), s.embeddingActivations, s.gate);
            kernel.ternaryMatmul(layer.up(), s.embeddingActivations, s.up);
            trace("ffn_gate", l, "MUL_MAT", pos, s.gate, ff);
            trace("ffn_up", l, "MUL_MAT", pos, s.up, ff);
            activation(c.architecture().activation(), s.gate, 0, ff);
            for (int i = 0; i < ff; i++) {
                s.ffn[i] = s.gate[i] * s.up[i];
            }
            trace("ffn_silu", l, "SILU", pos, s.gate, ff);
            trace("ffn_sub_out", l, "MUL", pos, s.ffn, ff);
            rmsNorm(s.ffn, s.ffn, layer.ffnSubNorm(), c.rmsEps());
            trace("ffn_sub_norm", l, "MUL", pos, s.ffn, ff);
            kernel.quantize(s.ffn, 1, c.feedForwardPadded(), s.ffnActivations);
            kernel.ternaryMatmul(layer.down(), s.ffnActivations, s.o);
            trace("ffn_down", l, "MUL_MAT", pos, s.o, d);
            add(s.x, s.o);
            trace("l_out", l, "ADD", pos, s.x, d);
        }

        rmsNorm(s.h, s.x, model.outputNorm(), c.rmsEps());
        trace("result_norm", -1, "MUL", pos, s.h, d);
        roundToHalf(s.h); // a single token's F16 × F32 product rounds the activations to F16 first
        kernel.floatMatmul(model.output(), s.h, 1, s.logits);
        trace("result_output", -1, "MUL_MAT", pos, s.logits, c.vocabulary());
        s.position++;
        return s.logits;
    }

    /**
     * Evaluates {@code tokens} at the session's next positions, {@link Session#batch} at a time,
     * and returns the logits after the last one (the session's own array). Every number is the
     * one {@link #step} computes token by token (the same per-row operations in the same order),
     * but each weight matrix is multiplied with a batch of tokens at once, so a kernel can read
     * it once per batch instead of once per token, and the LM head runs for the last token only.
     *
     * @throws IllegalStateException    when the tokens do not fit the session's context
     * @throws IllegalArgumentException for a token outside the vocabulary
     */
    public float[] prefill(Session s, int[] tokens) {
        ModelConfig c = model.config();
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to evaluate");
        }
        for (int token : tokens) {
            if (token < 0 || token >= c.vocabulary()) {
                throw new IllegalArgumentException("token " + token + " is outside the vocabulary of " + c.vocabulary());
            }
        }
        if ((long) s.position + tokens.length > s.contextLength) {
            throw new IllegalStateException("the context of " + s.contextLength + " tokens is full");
        }
        if (tracer != null || tokens.length == 1) {
            float[] logits = null;
            for (int token : tokens) {
                logits = step(s, token);
            }
            return logits;
        }
        int d = c.embedding();
        for (int from = 0; from < tokens.length; from += s.batch) {
            int n = Math.min(s.batch, tokens.length - from);
            TernaryKernel kernel = kernels.get();
            for (int b = 0; b < n; b++) {
                model.tokenEmbedding().readRow(tokens[from + b], s.x);
                System.arraycopy(s.x, 0, s.xB, b * d, d);
            }
            List<BitnetModel.Layer> layers = model.layersFor(kernel);
            for (int l = 0; l < c.layers(); l++) {
                layerBatch(s, kernel, layers.get(l), l, n);
            }
            s.position += n;
            if (from + n == tokens.length) {
                System.arraycopy(s.xB, (n - 1) * d, s.x, 0, d);
                rmsNorm(s.h, s.x, model.outputNorm(), c.rmsEps());
                roundToHalf(s.h);
                kernel.floatMatmul(model.output(), s.h, 1, s.logits);
            }
        }
        return s.logits;
    }

    /** One layer for the {@code n} tokens in the session's batch rows, at positions from {@code s.position}. */
    private void layerBatch(Session s, TernaryKernel kernel, BitnetModel.Layer layer, int l, int n) {
        ModelConfig c = model.config();
        int d = c.embedding();
        int kv = c.kvDim();
        int ff = c.feedForward();
        int stride = c.feedForwardPadded(); // gate/up rows hold zero outputs up to it
        float eps = c.rmsEps();
        for (int b = 0; b < n; b++) {
            rmsNorm(s.hB, b * d, s.xB, b * d, layer.attnNorm(), eps);
        }
        kernel.quantize(s.hB, n, d, s.embeddingBatch);
        kernel.ternaryMatmul(layer.wq(), s.embeddingBatch, s.qB);
        kernel.ternaryMatmul(layer.wk(), s.embeddingBatch, s.kB);
        kernel.ternaryMatmul(layer.wv(), s.embeddingBatch, s.vB);
        for (int b = 0; b < n; b++) {
            int pos = s.position + b;
            ropeAngles(s, c, pos);
            rope(s.qB, b * d, c.heads(), c, s);
            rope(s.kB, b * kv, c.kvHeads(), c, s);
            cache(s, s.keys[l], pos, s.kB, b * kv, kv);
            cache(s, s.values[l], pos, s.vB, b * kv, kv);
        }
        attendBatch(s, layer, l, n, Math.min(kernel.threads(), n));
        kernel.quantize(s.hB, n, d, s.embeddingBatch);
        kernel.ternaryMatmul(layer.wo(), s.embeddingBatch, s.oB);
        addRows(s.xB, s.oB, n * d);
        for (int b = 0; b < n; b++) {
            rmsNorm(s.hB, b * d, s.xB, b * d, layer.ffnNorm(), eps);
        }
        kernel.quantize(s.hB, n, d, s.embeddingBatch);
        kernel.ternaryMatmul(layer.gate(), s.embeddingBatch, s.gateB);
        kernel.ternaryMatmul(layer.up(), s.embeddingBatch, s.upB);
        for (int b = 0; b < n; b++) {
            activation(c.architecture().activation(), s.gateB, b * stride, ff);
        }
        for (int i = 0; i < n * stride; i++) {
            s.gateB[i] *= s.upB[i];
        }
        for (int b = 0; b < n; b++) {
            rmsNorm(s.gateB, b * stride, s.gateB, b * stride, layer.ffnSubNorm(), eps);
        }
        kernel.quantize(s.gateB, n, stride, s.ffnBatch);
        kernel.ternaryMatmul(layer.down(), s.ffnBatch, s.oB);
        addRows(s.xB, s.oB, n * d);
    }

    /**
     * The batch's {@code n} tokens through attention and its sub-norm into {@code hB}, on
     * {@code parts} threads (the caller and the common fork-join pool): first each thread turns
     * its share of the layer's F16 cache into floats, then thread {@code p} attends tokens
     * {@code p, p + parts, …}, so the longer attention of later positions is shared evenly. The
     * tokens are independent (each reads the cache up to its own position), so the numbers are
     * those of one thread. At two threads this was most of what made a long prompt slower per
     * token than a short one: the ternary products ran on both threads, attention on one.
     */
    private void attendBatch(Session s, BitnetModel.Layer layer, int l, int n, int parts) {
        int positions = s.position + n;
        if (parts <= 1) {
            AttentionScratch a = s.attentionScratch(0);
            cacheToFloats(s, l, 0, positions, a.halves);
            attendRows(s, a, layer, n, 0, 1);
            return;
        }
        int chunk = AttentionScratch.CACHE_CHUNK;
        int share = ((positions + parts - 1) / parts + chunk - 1) / chunk * chunk;
        onParts(s, parts, (a, p) ->
                cacheToFloats(s, l, Math.min(positions, p * share), Math.min(positions, (p + 1) * share), a.halves));
        onParts(s, parts, (a, p) -> attendRows(s, a, layer, n, p, parts));
    }

    /** Work of one thread of {@link #onParts}, with that thread's scratch. */
    private interface PartTask {
        void run(AttentionScratch a, int part);
    }

    /**
     * Runs {@code task} for parts {@code 1 .. parts-1} in the common fork-join pool and part 0 on
     * the caller, and returns when all are done (a part nobody has started yet, the caller runs
     * itself when it joins, so a busy pool delays the batch but cannot stall it).
     */
    private static void onParts(Session s, int parts, PartTask task) {
        ForkJoinTask<?>[] forked = new ForkJoinTask<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            AttentionScratch a = s.attentionScratch(p); // made here, before another thread reads the session
            int part = p;
            forked[p - 1] = ForkJoinTask.adapt(() -> task.run(a, part)).fork();
        }
        try {
            task.run(s.attentionScratch(0), 0);
        } finally {
            for (ForkJoinTask<?> t : forked) {
                t.join();
            }
        }
    }

    /** Tokens {@code first, first + every, …} of the batch: attention, then the sub-norm into their rows of {@code hB}. */
    private void attendRows(Session s, AttentionScratch a, BitnetModel.Layer layer, int n, int first, int every) {
        int d = model.config().embedding();
        for (int b = first; b < n; b += every) {
            // Causal: the cache holds the whole batch, and attention at pos reads positions 0..pos only.
            System.arraycopy(s.qB, b * d, a.q, 0, d);
            attention(s, a, s.position + b);
            rmsNorm(s.hB, b * d, a.attention, 0, layer.attnSubNorm(), model.config().rmsEps());
        }
    }

    private static void addRows(float[] x, float[] delta, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += delta[i];
        }
    }

    /**
     * ggml's RMSNorm: {@code Σ (float)(x_i·x_i)} in double, {@code mean = (float)(sum / n)},
     * {@code y_i = x_i · (1 / sqrtf(mean + eps))}, then {@code ⊙ weight} as a separate multiply.
     * {@code out} may be {@code x}.
     */
    static void rmsNorm(float[] out, float[] x, float[] weight, float eps) {
        rmsNorm(out, 0, x, 0, weight, eps);
    }

    /** {@link #rmsNorm(float[], float[], float[], float)} of the row at {@code from} into the row at {@code to}. */
    static void rmsNorm(float[] out, int to, float[] x, int from, float[] weight, float eps) {
        int n = weight.length;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[from + i] * x[from + i];
        }
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        for (int i = 0; i < n; i++) {
            float v = x[from + i] * scale;
            out[to + i] = v * weight[i];
        }
    }

    /**
     * The rotation of position {@code pos}: angle {@code θ_i = pos · base^(-2i/n_rot)} computed as
     * ggml does, a float running product from {@code (float) pos}, with the C library's
     * {@code powf}, {@code cosf} and {@code sinf}; the same for every head and layer.
     */
    private static void ropeAngles(Session s, ModelConfig c, int pos) {
        float thetaScale = CMath.pow(c.ropeBase(), -2.0f / c.ropeDims());
        float theta = pos;
        for (int i = 0; i < c.ropeDims() / 2; i++) {
            s.ropeCos[i] = CMath.cos(theta);
            s.ropeSin[i] = CMath.sin(theta);
            theta *= thetaScale;
        }
    }

    /** NEOX RoPE on each head: pairs {@code (i, i + n_rot/2)} rotated by the session's angles. */
    private static void rope(float[] v, int heads, ModelConfig c, Session s) {
        rope(v, 0, heads, c, s);
    }

    /** {@link #rope(float[], int, ModelConfig, Session)} of the row at {@code from}. */
    private static void rope(float[] v, int from, int heads, ModelConfig c, Session s) {
        int headDim = c.headDim();
        int half = c.ropeDims() / 2;
        for (int h = 0; h < heads; h++) {
            int base = from + h * headDim;
            for (int i = 0; i < half; i++) {
                float x0 = v[base + i];
                float x1 = v[base + i + half];
                // ggml's float expression as the compiler contracts it: x0·cos − (x1·sin) in one fused step.
                v[base + i] = Math.fma(x0, s.ropeCos[i], -(x1 * s.ropeSin[i]));
                v[base + i + half] = Math.fma(x0, s.ropeSin[i], x1 * s.ropeCos[i]);
            }
        }
    }

    /**
     * Causal attention of the token at {@code pos} over positions {@code 0..pos}, with bitnet.cpp's
     * single-token numerics (see {@link GgmlNumerics}): scores {@code F16(q)·K_j} as its F16 dot
     * product, times {@code 1/sqrtf(head_dim)}; softmax with its vector exp, each 16 slots summed
     * in float and those sums in double; output {@code Σ_j F16(p_j)·V_j}, again as its F16 dot
     * product over the cache slots it attends (used positions rounded up to 32).
     */
    private void attention(Session s, AttentionScratch a, int pos) {
        ModelConfig c = model.config();
        int headDim = c.headDim();
        int kv = c.kvDim();
        int group = c.heads() / c.kvHeads();
        float scale = 1.0f / (float) Math.sqrt((float) headDim);
        int slots = Math.max(32, (pos + 32) & ~31);
        float[] scores = a.scores;
        for (int h = 0; h < c.heads(); h++) {
            int kvFrom = (h / group) * headDim;
            for (int d = 0; d < headDim; d++) {
                a.query16[d] = Float.float16ToFloat(Float.floatToFloat16(a.q[h * headDim + d]));
            }
            float max = Float.NEGATIVE_INFINITY;
            int j = 0;
            for (; j + 3 <= pos; j += 4) {
                GgmlNumerics.dotF16x4(a.query16, 0, s.keysF, j * kv + kvFrom, kv, headDim, a.lanes, scores, j);
            }
            for (; j <= pos; j++) {
                scores[j] = GgmlNumerics.dotF16(a.query16, 0, s.keysF, j * kv + kvFrom, headDim, a.lanes);
            }
            for (j = 0; j <= pos; j++) {
                scores[j] *= scale;
                max = Math.max(max, scores[j]);
            }
            GgmlNumerics.expMinus(scores, 0, pos + 1, max);
            int chunksEnd = (pos + 16) & ~15;
            java.util.Arrays.fill(scores, pos + 1, chunksEnd, 0f); // masked slots: exp(-inf) = 0
            double sum = 0;
            for (int chunk = 0; chunk < chunksEnd; chunk += 16) {
                sum += GgmlNumerics.sum16(scores, chunk);
            }
            float inverse = (float) (1.0 / sum);
            for (j = 0; j <= pos; j++) {
                scores[j] = Float.float16ToFloat(Float.floatToFloat16(scores[j] * inverse));
            }
            GgmlNumerics.weightedSum(scores, pos, slots, s.valuesF, kv, kvFrom, headDim, a.attention, h * headDim,
                    a.partials, a.sums);
        }
    }

    /**
     * Positions {@code first .. end-1} of layer {@code layer}'s F16 K and V cache as floats in
     * the session's {@code keysF}/{@code valuesF}: bulk copies of {@link AttentionScratch#CACHE_CHUNK}
     * positions out of the segment, then plain conversion loops (C2 makes them the conversion
     * instruction). A copy per row of one head instead cost more than all the ternary products
     * of a long prompt together: its fixed cost dwarfs 64 or 128 values.
     */
    private static void cacheToFloats(Session s, int layer, int first, int end, short[] halves) {
        int kv = s.keysF.length / s.contextLength;
        for (int from = first; from < end; from += AttentionScratch.CACHE_CHUNK) {
            int n = Math.min(AttentionScratch.CACHE_CHUNK, end - from) * kv;
            long offset = (long) from * kv * Short.BYTES;
            MemorySegment.copy(s.keys[layer], Session.HALF, offset, halves, 0, n);
            int base = from * kv;
            for (int i = 0; i < n; i++) {
                s.keysF[base + i] = Float.float16ToFloat(halves[i]);
            }
            MemorySegment.copy(s.values[layer], Session.HALF, offset, halves, 0, n);
            for (int i = 0; i < n; i++) {
                s.valuesF[base + i] = Float.float16ToFloat(halves[i]);
            }
        }
    }

    /** Stores {@code v[from .. from+kv)} as F16 at position {@code pos} of a layer's K or V cache, in one bulk copy. */
    private static void cache(Session s, MemorySegment layer, int pos, float[] v, int from, int kv) {
        short[] bits = s.kvBits;
        for (int i = 0; i < kv; i++) {
            bits[i] = Float.floatToFloat16(v[from + i]);
        }
        MemorySegment.copy(bits, 0, layer, Session.HALF, (long) pos * kv * Short.BYTES, kv);
    }

    /** The FFN's activation over one row of {@code n} gate values, in place. */
    private static void activation(Architecture.Activation act, float[] g, int from, int n) {
        switch (act) {
            case SILU -> GgmlNumerics.silu(g, from, n);
            case RELU_SQUARED -> {
                for (int i = from; i < from + n; i++) {
                    float r = Math.max(g[i], 0f);
                    g[i] = r * r;
                }
            }
        }
    }

    private static void add(float[] x, float[] delta) {
        for (int i = 0; i < x.length; i++) {
            x[i] += delta[i];
        }
    }

    private static void roundToHalf(float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
        }
    }
}
