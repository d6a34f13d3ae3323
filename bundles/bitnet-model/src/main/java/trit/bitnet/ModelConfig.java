package trit.bitnet;

import trit.gguf.GgufFile;
import trit.gguf.GgufFormatException;
import trit.gguf.GgufTensor;

/**
 * Hyper-parameters, from the {@code <arch>.*} metadata (defaults as llama.cpp applies them).
 *
 * @param architecture  the architecture
 * @param embedding     n_embd
 * @param layers        n_layer
 * @param heads         n_head
 * @param kvHeads       n_head_kv (GQA when fewer than heads)
 * @param feedForward   n_ff
 * @param contextLength the context the model was trained with
 * @param vocabulary    n_vocab (rows of token_embd)
 * @param rmsEps        RMSNorm epsilon
 * @param ropeBase      RoPE frequency base
 * @param ropeDims      dimensions of each head that RoPE rotates
 */
public record ModelConfig(Architecture architecture, int embedding, int layers, int heads, int kvHeads, int feedForward,
                          int contextLength, int vocabulary, float rmsEps, float ropeBase, int ropeDims) {

    public int headDim() {
        return embedding / heads;
    }

    /**
     * The FFN width as the ternary matrices hold it: n_ff rounded up to whole 128-element I2_S
     * blocks. bitnet_b1_58-3B's 8640 becomes 8704; its float weights are packed with zero rows
     * (gate, up) and zero columns (down) there, which add exactly nothing.
     */
    public int feedForwardPadded() {
        return (feedForward + 127) & ~127;
    }

    /** Width of K and V: kv heads × head_dim. */
    public int kvDim() {
        return kvHeads * headDim();
    }

    static ModelConfig read(GgufFile gguf) throws GgufFormatException {
        Architecture arch = Architecture.of(gguf.string("general.architecture"));
        String p = arch.ggufName() + ".";
        int embedding = positive(gguf, p + "embedding_length", gguf.integer(p + "embedding_length"));
        int layers = positive(gguf, p + "block_count", gguf.integer(p + "block_count"));
        int heads = positive(gguf, p + "attention.head_count", gguf.integer(p + "attention.head_count"));
        int kvHeads = positive(gguf, p + "attention.head_count_kv", gguf.integer(p + "attention.head_count_kv", heads));
        int feedForward = positive(gguf, p + "feed_forward_length", gguf.integer(p + "feed_forward_length"));
        int context = positive(gguf, p + "context_length", gguf.integer(p + "context_length"));
        float eps = gguf.float32(p + "attention.layer_norm_rms_epsilon");
        float base = gguf.float32(p + "rope.freq_base", 10000f);
        if (embedding % heads != 0 || heads % kvHeads != 0) {
            throw new GgufFormatException(gguf.path().getFileName() + ": " + heads + " heads with " + kvHeads
                    + " KV heads do not divide n_embd " + embedding + " evenly");
        }
        int ropeDims = positive(gguf, p + "rope.dimension_count", gguf.integer(p + "rope.dimension_count", embedding / heads));
        if (ropeDims > embedding / heads || ropeDims % 2 != 0) {
            throw new GgufFormatException(p + "rope.dimension_count " + ropeDims + " must be even and at most head_dim "
                    + embedding / heads);
        }
        GgufTensor embd = gguf.tensor("token_embd.weight")
                .orElseThrow(() -> new GgufFormatException(gguf.path().getFileName() + ": missing tensor token_embd.weight"));
        if (embd.dims().length != 2 || embd.dim(0) != embedding || embd.dim(1) > Integer.MAX_VALUE) {
            throw new GgufFormatException("token_embd.weight has shape " + java.util.Arrays.toString(embd.dims())
                    + ", expected [" + embedding + ", n_vocab]");
        }
        return new ModelConfig(arch, embedding, layers, heads, kvHeads, feedForward, context, (int) embd.dim(1), eps, base,
                ropeDims);
    }

    private static int positive(GgufFile gguf, String key, long value) throws GgufFormatException {
        if (value < 1 || value > (1 << 24)) {
            throw new GgufFormatException(key + " = " + value + " is out of range (1 to " + (1 << 24) + ")");
        }
        return (int) value;
    }
}
