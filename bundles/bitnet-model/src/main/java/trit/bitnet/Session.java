package trit.bitnet;

import trit.api.kernel.QuantizedActivations;

/**
 * One sequence being evaluated: its F16 KV cache and the scratch space of the forward pass,
 * allocated once so the token loop allocates nothing. Not thread-safe: one generation owns it.
 */
public final class Session {

    final int contextLength;
    /** Per layer, position-major: {@code [pos][kvHead][headDim]} as F16 bits. */
    final short[][] keys;
    final short[][] values;
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
    final float[] scores;
    final float[] logits;
    final float[] query16;
    final float[] halfRow;
    final float[] headOut;
    final float[] ropeCos;
    final float[] ropeSin;
    final QuantizedActivations embeddingActivations;
    final QuantizedActivations ffnActivations;

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
        keys = new short[config.layers()][Math.multiplyExact(contextLength, kv)];
        values = new short[config.layers()][Math.multiplyExact(contextLength, kv)];
        x = new float[d];
        h = new float[d];
        q = new float[d];
        k = new float[kv];
        v = new float[kv];
        attention = new float[d];
        o = new float[d];
        gate = new float[config.feedForward()];
        up = new float[config.feedForward()];
        ffn = new float[config.feedForward()];
        scores = new float[contextLength];
        logits = new float[config.vocabulary()];
        query16 = new float[config.headDim()];
        halfRow = new float[config.headDim()];
        headOut = new float[config.headDim()];
        ropeCos = new float[config.ropeDims() / 2];
        ropeSin = new float[config.ropeDims() / 2];
        embeddingActivations = new QuantizedActivations(d, 1);
        ffnActivations = new QuantizedActivations(config.feedForward(), 1);
    }

    /** The next position to be evaluated (tokens evaluated so far). */
    public int position() {
        return position;
    }
}
