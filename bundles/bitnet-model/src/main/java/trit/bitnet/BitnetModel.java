package trit.bitnet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import trit.api.kernel.TernaryKernel;

import trit.api.kernel.WeightFormat;
import trit.api.kernel.Weights;
import trit.gguf.GgufFile;
import trit.gguf.GgufFormatException;
import trit.gguf.GgufTensor;

/**
 * A BitNet b1.58 model loaded from GGUF: ternary linear weights straight from the file mapping
 * (I2_S, TQ1_0, TQ2_0) or packed to I2_S off-heap (float files), norms on the heap (they are
 * small), the embedding and LM head as the file has them. Immutable; {@link #close()} releases
 * the packed weights (the {@link GgufFile} belongs to the caller).
 */
public final class BitnetModel implements AutoCloseable {

    /** One transformer block's weights. */
    record Layer(float[] attnNorm, Weights wq, Weights wk, Weights wv, Weights wo, float[] attnSubNorm,
                 float[] ffnNorm, Weights gate, Weights up, Weights down, float[] ffnSubNorm) {
    }

    private final ModelConfig config;
    private final Weights tokenEmbedding;
    private final Weights output;
    private final float[] outputNorm;
    private final List<Layer> layers;
    private final Arena arena;
    /**
     * The layers with their ternary weights in each kernel implementation's own layout, made on
     * first use. Keyed by the kernel's name, not the instance: a layout depends only on the
     * implementation, so a reconfigured kernel (a new instance) reuses it and this stays bounded.
     */
    private final Map<String, List<Layer>> prepared = new ConcurrentHashMap<>();

    private BitnetModel(ModelConfig config, Weights tokenEmbedding, Weights output, float[] outputNorm, List<Layer> layers,
                        Arena arena) {
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.output = output;
        this.outputNorm = outputNorm;
        this.layers = List.copyOf(layers);
        this.arena = arena;
    }

    /**
     * Loads the model of {@code gguf}; its tensors must stay mapped while the model is used.
     *
     * @throws GgufFormatException naming the tensor, type or key that is missing or wrong
     */
    public static BitnetModel load(GgufFile gguf) throws GgufFormatException {
        ModelConfig config = ModelConfig.read(gguf);
        Arena arena = Arena.ofShared();
        try {
            Loader loader = new Loader(gguf, arena);
            int d = config.embedding();
            int ff = config.feedForward();
            int ffPadded = config.feedForwardPadded();
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < config.layers(); i++) {
                String b = "blk." + i + ".";
                layers.add(new Layer(
                        loader.vector(b + "attn_norm.weight", d),
                        loader.ternary(b + "attn_q.weight", d, d),
                        loader.ternary(b + "attn_k.weight", d, config.kvDim()),
                        loader.ternary(b + "attn_v.weight", d, config.kvDim()),
                        loader.ternary(b + "attn_output.weight", d, d),
                        loader.vector(b + "attn_sub_norm.weight", d),
                        loader.vector(b + "ffn_norm.weight", d),
                        loader.ternary(b + "ffn_gate.weight", d, ff, d, ffPadded),
                        loader.ternary(b + "ffn_up.weight", d, ff, d, ffPadded),
                        loader.ternary(b + "ffn_down.weight", ff, d, ffPadded, d),
                        loader.vector(b + "ffn_sub_norm.weight", ff)));
            }
            Weights embedding = loader.dense("token_embd.weight", d, config.vocabulary());
            // The LM head is tied to the embedding unless the file has its own.
            boolean tied = gguf.tensor("output.weight").isEmpty();
            Weights output = loader.resident(tied ? embedding : loader.dense("output.weight", d, config.vocabulary()));
            if (tied) {
                embedding = output;
            }
            return new BitnetModel(config, embedding, output, loader.vector("output_norm.weight", d), layers, arena);
        } catch (GgufFormatException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    Weights tokenEmbedding() {
        return tokenEmbedding;
    }

    Weights output() {
        return output;
    }

    float[] outputNorm() {
        return outputNorm;
    }

    List<Layer> layers() {
        return layers;
    }

    /**
     * The bytes of weights one token reads with {@code kernel}'s layout: every ternary matrix,
     * the LM head, one embedding row. Decoding is bound by reading them, so bytes × tokens/s is
     * the memory bandwidth a decode achieves.
     */
    public long weightBytesPerToken(TernaryKernel kernel) {
        long bytes = output.data().byteSize() + tokenEmbedding.data().byteSize() / config.vocabulary();
        for (Layer l : layersFor(kernel)) {
            for (Weights w : List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down())) {
                bytes += w.data().byteSize();
            }
        }
        return bytes;
    }

    /** Makes {@code kernel}'s layout of the weights now, so the first token does not wait for it. */
    public void prepare(TernaryKernel kernel) {
        layersFor(kernel);
    }

    /**
     * The layers as {@code kernel} computes them fastest: its {@link TernaryKernel#prepare}
     * layout, made once per kernel (a kernel swapped in while the model runs gets its own). The
     * GGML originals stay mapped for the next kernel.
     */
    List<Layer> layersFor(TernaryKernel kernel) {
        return prepared.computeIfAbsent(kernel.name(), name -> layers.stream().map(l -> new Layer(l.attnNorm(),
                prepare(kernel, l.wq()), prepare(kernel, l.wk()), prepare(kernel, l.wv()), prepare(kernel, l.wo()),
                l.attnSubNorm(), l.ffnNorm(), prepare(kernel, l.gate()), prepare(kernel, l.up()),
                prepare(kernel, l.down()), l.ffnSubNorm())).toList());
    }

    /**
     * {@code w} in the kernel's layout. When that is a copy, the original's file pages are given
     * back to the OS (they come back from the file if another kernel needs them), so the weights
     * are resident once, not twice.
     */
    private Weights prepare(TernaryKernel kernel, Weights w) {
        Weights p = kernel.prepare(w, arena);
        if (p != w && w.data().isMapped()) {
            w.data().unload();
        }
        return p;
    }

    /** Releases the weights packed at load. */
    @Override
    public void close() {
        arena.close();
    }

    /** Reads tensors with the shapes and types the architecture expects. */
    private static final class Loader {
        private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private static final long RESIDENT_CHUNK = 8 << 20;

        private final GgufFile gguf;
        private final Arena arena;

        Loader(GgufFile gguf, Arena arena) {
            this.gguf = gguf;
            this.arena = arena;
        }

        private GgufTensor tensor(String name, long... shape) throws GgufFormatException {
            GgufTensor t = gguf.tensor(name)
                    .orElseThrow(() -> new GgufFormatException(gguf.path().getFileName() + ": missing tensor " + name));
            if (!Arrays.equals(t.dims(), shape)) {
                throw new GgufFormatException("tensor " + name + " has shape " + Arrays.toString(t.dims()) + ", expected "
                        + Arrays.toString(shape));
            }
            return t;
        }

        /** A norm weight: F32 on the heap. */
        float[] vector(String name, int n) throws GgufFormatException {
            GgufTensor t = tensor(name, n);
            if (t.type() != trit.gguf.GgmlType.F32) {
                throw new GgufFormatException("tensor " + name + " has type " + t.type() + "; norm weights must be F32");
            }
            float[] v = new float[n];
            MemorySegment.copy(gguf.data(t), FLOAT_LE, 0, v, 0, n);
            return v;
        }

        Weights ternary(String name, int k, int m) throws GgufFormatException {
            return ternary(name, k, m, k, m);
        }

        /**
         * A linear weight: ternary formats as they are, float ones packed to I2_S as a
         * {@code paddedK × paddedM} matrix (zero weights in the padding).
         */
        Weights ternary(String name, int k, int m, int paddedK, int paddedM) throws GgufFormatException {
            GgufTensor t = tensor(name, k, m);
            WeightFormat format = WeightFormat.ofGgmlType(t.type().id());
            if (format == null || format == WeightFormat.Q8_0) {
                throw new GgufFormatException("tensor " + name + " has type " + t.type() + " (id " + t.type().id()
                        + "); linear weights must be I2_S, TQ1_0, TQ2_0, F32, F16 or BF16");
            }
            try {
                if (format.isTernary() && (paddedK != k || paddedM != m)) {
                    throw new GgufFormatException(name + " (" + format + ", K=" + k + " × M=" + m + "): the FFN width "
                            + (paddedK != k ? k : m) + " is not a multiple of 128, which " + format + " cannot hold; a float"
                            + " (F32, F16, BF16) conversion of the model loads");
                }
                return format.isTernary()
                        ? Weights.of(name, format, k, m, gguf.data(t))
                        : TernaryPacker.pack(name, format, k, m, paddedK, paddedM, gguf.data(t), arena);
            } catch (IllegalArgumentException e) {
                throw new GgufFormatException(e.getMessage());
            }
        }

        /**
         * {@code w} copied out of the file's mapping into the model's memory, the file's pages given
         * back chunk by chunk as they are copied (resident once, not twice, even while loading).
         * For the LM head, read whole for every token: from the mapping it streamed at ~15 GB/s,
         * from anonymous memory at ~18 (B2 head, one thread, Zen 5: 10.6 -> ~9 ms per token).
         */
        Weights resident(Weights w) {
            MemorySegment mapped = w.data();
            if (!mapped.isMapped()) {
                return w;
            }
            MemorySegment copy = arena.allocate(mapped.byteSize(), 4096);
            for (long at = 0; at < mapped.byteSize(); at += RESIDENT_CHUNK) {
                MemorySegment piece = mapped.asSlice(at, Math.min(RESIDENT_CHUNK, mapped.byteSize() - at));
                copy.asSlice(at, piece.byteSize()).copyFrom(piece);
                piece.unload();
            }
            return new Weights(w.name(), w.format(), w.k(), w.m(), copy, w.scale(), w.layout());
        }

        /** The embedding or LM head: F32, F16, BF16 or Q8_0. */
        Weights dense(String name, int k, int m) throws GgufFormatException {
            GgufTensor t = tensor(name, k, m);
            WeightFormat format = WeightFormat.ofGgmlType(t.type().id());
            if (format == null || format.isTernary()) {
                throw new GgufFormatException("tensor " + name + " has type " + t.type() + " (id " + t.type().id()
                        + "); the embedding and LM head must be F32, F16, BF16 or Q8_0");
            }
            try {
                return Weights.of(name, format, k, m, gguf.data(t));
            } catch (IllegalArgumentException e) {
                throw new GgufFormatException(e.getMessage());
            }
        }
    }
}
