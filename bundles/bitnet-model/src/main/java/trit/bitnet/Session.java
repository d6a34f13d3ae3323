package trit.bitnet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import trit.api.kernel.QuantizedActivations;

/**
 * One sequence being evaluated: its F16 KV cache (off-heap, so a server's sessions do not weigh
 * on the garbage collector) and the scratch space of the forward pass, allocated once so the
 * token loop allocates nothing. Not thread-safe: one generation at a time owns it; it may move
 * between threads with a happens-before edge (a queue hand-off). {@link #close()} frees the cache.
 */
public final class Session implements AutoCloseable {

    final int contextLength;
    private final Arena arena;
    /** Per layer, position-major: {@code [pos][kvHead][headDim]} as F16 bits. */
    final MemorySegment[] keys;
    final MemorySegment[] values;
    int position;

    final float[] x;
    final float[] h;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] attention;
    final float[] o;
    final float[] gate;
    final float[] up;
    final float[] ffn;
    final float[] logits;
    /** One layer's K and V cache at positions 0..pos as floats, {@code [pos][kvDim]}. */
    final float[] keysF;
    final float[] valuesF;
    final float[] ropeCos;
    final float[] ropeSin;
    /** One position's K or V as F16, converted before one bulk copy into the segment. */
    final short[] kvBits;
    final QuantizedActivations embeddingActivations;
    final QuantizedActivations ffnActivations;

    private final ModelConfig config;
    /**
     * Attention's scratch per thread ({@link #q} and {@link #attention} are those of [0]); more are
     * made when a prefill first attends on more threads.
     */
    private AttentionScratch[] attentionScratch;

    /** Tokens {@link ForwardPass#prefill} evaluates together, and its row-major buffers of that many rows. */
    final int batch;
    final float[] xB;
    final float[] hB;
    final float[] qB;
    final float[] kB;
    final float[] vB;
    final float[] oB;
    final float[] gateB;
    final float[] upB;
    final QuantizedActivations embeddingBatch;
    final QuantizedActivations ffnBatch;

    /** Prompt tokens evaluated together: enough for a kernel to reuse each weight row many times. */
    public static final int PREFILL_BATCH = 32;

    /**
     * @param contextLength positions the KV cache holds (at most the model's context length)
     */
    public Session(ModelConfig config, int contextLength) {
        if (contextLength < 1) {
            throw new IllegalArgumentException("context length must be >= 1, was " + contextLength);
        }
        this.contextLength = contextLength;
        int d = config.embedding();
        int kv = config.kvDim();
        arena = Arena.ofShared();
        long layerBytes = Math.multiplyExact(Math.multiplyExact((long) contextLength, kv), Short.BYTES);
        keys = new MemorySegment[config.layers()];
        values = new MemorySegment[config.layers()];
        try {
            for (int l = 0; l < config.layers(); l++) {
                keys[l] = arena.allocate(layerBytes, 64);
                values[l] = arena.allocate(layerBytes, 64);
            }
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new IllegalStateException("cannot allocate a KV cache of " + kvCacheBytes(config, contextLength)
                    + " bytes for " + contextLength + " positions", e);
        }
        x = new float[d];
        h = new float[d];
        this.config = config;
        attentionScratch = new AttentionScratch[] {new AttentionScratch(config, contextLength)};
        q = attentionScratch[0].q;
        k = new float[kv];
        v = new float[kv];
        attention = attentionScratch[0].attention;
        o = new float[d];
        // FFN rows at the padded width: the padding stays zero and quantizes to zero.
        int ff = config.feedForwardPadded();
        gate = new float[ff];
        up = new float[ff];
        ffn = new float[ff];
        logits = new float[config.vocabulary()];
        keysF = new float[contextLength * kv];
        valuesF = new float[contextLength * kv];
        kvBits = new short[kv];
        ropeCos = new float[config.ropeDims() / 2];
        ropeSin = new float[config.ropeDims() / 2];
        embeddingActivations = new QuantizedActivations(d, 1);
        ffnActivations = new QuantizedActivations(ff, 1);
        batch = Math.min(PREFILL_BATCH, contextLength);
        xB = new float[batch * d];
        hB = new float[batch * d];
        qB = new float[batch * d];
        kB = new float[batch * kv];
        vB = new float[batch * kv];
        oB = new float[batch * d];
        gateB = new float[batch * ff];
        upB = new float[batch * ff];
        embeddingBatch = new QuantizedActivations(d, batch);
        ffnBatch = new QuantizedActivations(ff, batch);
    }

    /** The attention scratch of thread {@code part}; made on first use, on the session's own thread. */
    AttentionScratch attentionScratch(int part) {
        if (part >= attentionScratch.length) {
            AttentionScratch[] more = java.util.Arrays.copyOf(attentionScratch, part + 1);
            for (int i = attentionScratch.length; i <= part; i++) {
                more[i] = new AttentionScratch(config, contextLength);
            }
            attentionScratch = more;
        }
        return attentionScratch[part];
    }

    /** The next position to be evaluated (tokens evaluated so far). */
    public int position() {
        return position;
    }

    /** The positions this session holds. */
    public int contextLength() {
        return contextLength;
    }

    /** Forgets every position, so the session can evaluate a new sequence. */
    public void reset() {
        position = 0;
    }

    /** Off-heap bytes of the KV cache of a session with {@code contextLength} positions. */
    public static long kvCacheBytes(ModelConfig config, int contextLength) {
        return 2L * config.layers() * contextLength * config.kvDim() * Short.BYTES;
    }

    /**
     * Heap bytes of the scratch space (activations, scores, logits) of one session whose prompts
     * are attended on {@code threads} threads, approximately.
     */
    public static long scratchBytes(ModelConfig config, int contextLength, int threads) {
        long batch = Math.min(PREFILL_BATCH, contextLength);
        long floats = (4L + 4 * batch) * config.embedding() + (2L + 2 * batch) * config.kvDim()
                + (3L + 2 * batch) * config.feedForwardPadded() + config.vocabulary()
                + 2L * contextLength * config.kvDim() + config.ropeDims();
        long quantized = (1 + batch) * (config.embedding() + config.feedForwardPadded() + 64);
        return floats * Float.BYTES + quantized + Math.max(1, threads) * AttentionScratch.bytes(config, contextLength);
    }

    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT;

    /** Frees the KV cache; the session is unusable afterwards. */
    @Override
    public void close() {
        arena.close();
    }
}
