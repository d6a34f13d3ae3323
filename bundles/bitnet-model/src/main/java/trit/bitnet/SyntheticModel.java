package trit.bitnet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

import trit.gguf.GgmlType;
import trit.gguf.GgufValueType;
import trit.gguf.GgufWriter;
import trit.gguf.TensorPacking;

/**
 * Models with random ternary weights in the real architectures' shapes, written with the
 * project's GGUF writer: the out-of-the-box demo model and the benchmark models. The same shape
 * and seed always give the same file. Their answers are noise; their speed and memory are real.
 *
 * @param name          {@code general.name}
 * @param architecture  {@code bitnet} (SiLU) or {@code bitnet-b1.58} (ReLU², GQA)
 * @param embedding     n_embd
 * @param layers        n_layer
 * @param heads         n_head
 * @param kvHeads       n_head_kv
 * @param feedForward   n_ff
 * @param vocabulary    n_vocab (a SentencePiece vocabulary with byte fallback)
 * @param contextLength the trained context it declares
 */
public record SyntheticModel(String name, String architecture, int embedding, int layers, int heads, int kvHeads,
                             int feedForward, int vocabulary, int contextLength) {

    /** The demo model {@code trit-demo}: small enough to make in a second and answer at once. */
    public static final SyntheticModel DEMO = new SyntheticModel("trit-demo", "bitnet-b1.58", 256, 4, 4, 2, 768, 1024, 2048);
    /** The shape of 1bitLLM bitnet_b1_58-large. */
    public static final SyntheticModel LARGE = new SyntheticModel("large-shaped", "bitnet", 1536, 24, 16, 16, 4096, 32000, 2048);
    /** The body of microsoft BitNet-b1.58-2B-4T, with a 32000-token vocabulary. */
    public static final SyntheticModel B2 = new SyntheticModel("b2-shaped", "bitnet-b1.58", 2560, 30, 20, 5, 6912, 32000, 4096);

    /** A built-in shape by name ({@code demo}, {@code large}, {@code b2}). */
    public static SyntheticModel named(String shape) {
        return switch (shape.toLowerCase(Locale.ROOT)) {
            case "demo" -> DEMO;
            case "large" -> LARGE;
            case "b2" -> B2;
            default -> throw new IllegalArgumentException("unknown model shape '" + shape + "' (expected large, b2 or demo)");
        };
    }

    /** Chat format of the demo: role-prefixed lines, rendered by the tokenizer's Jinja engine. */
    static final String CHAT_TEMPLATE = "{% for message in messages %}{{ message['role'] | capitalize }}: "
            + "{{ message['content'] | trim }}\n{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}";

    private static final String[] WORDS = ("the of and to in is that it for on with as was be by this are or from at an "
            + "not have but all they which one you were her his had their there can we more when will would been has "
            + "if no out so what up about into than them only other some time could these two may first then do any "
            + "like my now over such our man me even most made after also did many before must through back years where "
            + "much your way well down should because each just those people how too little state good very make world "
            + "still own see men work long get here between both life being under never day same another know while last "
            + "might us great old year off come since against go came right used take three ternary weight model token "
            + "bit local private fast answer question light river stone green quiet north open small")
            .split(" ");

    /**
     * Writes the model to {@code path} (replacing it atomically: a reader never sees half a file).
     *
     * @param seed the random stream of the weights
     */
    public void write(Path path, long seed) throws IOException {
        String p = architecture + ".";
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", architecture)
                .putString("general.name", name)
                .putUInt32(p + "context_length", contextLength)
                .putUInt32(p + "embedding_length", embedding)
                .putUInt32(p + "block_count", layers)
                .putUInt32(p + "feed_forward_length", feedForward)
                .putUInt32(p + "attention.head_count", heads)
                .putUInt32(p + "attention.head_count_kv", kvHeads)
                .putFloat32(p + "attention.layer_norm_rms_epsilon", 1e-5f)
                .putFloat32(p + "rope.freq_base", architecture.equals("bitnet") ? 10000f : 500000f);
        vocabulary(w);
        SplittableRandom random = new SplittableRandom(seed);
        float[] embd = new float[Math.multiplyExact(embedding, vocabulary)];
        for (int i = 0; i < embd.length; i++) {
            embd[i] = (float) (random.nextDouble(-1, 1) * 0.2);
        }
        w.addTensor("token_embd.weight", GgmlType.F16, new long[] {embedding, vocabulary}, TensorPacking.f16(embd));
        w.addTensor("output_norm.weight", GgmlType.F32, new long[] {embedding}, TensorPacking.f32(norm(random, embedding)));
        int kv = kvHeads * (embedding / heads);
        String[] names = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
        int[][] shapes = {{embedding, embedding}, {embedding, kv}, {embedding, kv}, {embedding, embedding},
                {embedding, feedForward}, {embedding, feedForward}, {feedForward, embedding}};
        for (int l = 0; l < layers; l++) {
            String b = "blk." + l + ".";
            w.addTensor(b + "attn_norm.weight", GgmlType.F32, new long[] {embedding}, TensorPacking.f32(norm(random, embedding)));
            w.addTensor(b + "attn_sub_norm.weight", GgmlType.F32, new long[] {embedding}, TensorPacking.f32(norm(random, embedding)));
            w.addTensor(b + "ffn_norm.weight", GgmlType.F32, new long[] {embedding}, TensorPacking.f32(norm(random, embedding)));
            w.addTensor(b + "ffn_sub_norm.weight", GgmlType.F32, new long[] {feedForward},
                    TensorPacking.f32(norm(random, feedForward)));
            for (int t = 0; t < names.length; t++) {
                int k = shapes[t][0];
                int m = shapes[t][1];
                int[] ternary = new int[Math.multiplyExact(k, m)];
                for (int i = 0; i < ternary.length; i++) {
                    ternary[i] = random.nextInt(3) - 1;
                }
                // ~1/sqrt(k) keeps activations at a steady size through the layers.
                float scale = (float) (1.5 / Math.sqrt(k));
                w.addTensor(b + names[t] + ".weight", GgmlType.I2_S, new long[] {k, m}, TensorPacking.i2s(ternary, k, m, scale));
            }
        }
        Path parent = path.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path partial = Files.createTempFile(parent, path.getFileName().toString(), ".partial");
        try {
            w.write(partial);
            Files.move(partial, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static float[] norm(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (1 + random.nextDouble(-0.1, 0.1));
        }
        return v;
    }

    /**
     * A LLaMA SentencePiece vocabulary: unknown, BOS, EOS, the 256 byte-fallback tokens (so any
     * text encodes), then English words and, up to the size asked, numbered filler pieces.
     */
    private void vocabulary(GgufWriter w) {
        int fixed = 3 + 256;
        String[] tokens = new String[vocabulary];
        float[] scores = new float[vocabulary];
        long[] types = new long[vocabulary];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        types[0] = 2;
        types[1] = 3;
        types[2] = 3;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format(Locale.ROOT, "<0x%02X>", b);
            types[3 + b] = 6;
        }
        // The word pieces and every prefix of them, so SentencePiece's merges can build each word
        // from its characters (a word whose prefixes were missing would fall back to bytes).
        java.util.LinkedHashSet<String> pieces = new java.util.LinkedHashSet<>();
        pieces.add("\u2581");
        for (char ch = 'a'; ch <= 'z'; ch++) {
            pieces.add(String.valueOf(ch));
        }
        for (String word : WORDS) {
            String piece = "\u2581" + word;
            for (int n = 2; n <= piece.length(); n++) {
                pieces.add(piece.substring(0, n));
            }
        }
        if (vocabulary < fixed + pieces.size()) {
            throw new IllegalArgumentException("a synthetic vocabulary needs at least " + (fixed + pieces.size()) + " tokens");
        }
        int next = fixed;
        for (String piece : pieces) {
            tokens[next] = piece;
            types[next] = 1;
            scores[next] = -(next - fixed);
            next++;
        }
        for (int i = 0; next < vocabulary; i++, next++) {
            tokens[next] = "\u2581w" + i;
            types[next] = 1;
            scores[next] = -(next - fixed);
        }
        w.putString("tokenizer.ggml.model", "llama")
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putFloats("tokenizer.ggml.scores", scores)
                .putIntegers("tokenizer.ggml.token_type", GgufValueType.INT32, types)
                .putUInt32("tokenizer.ggml.bos_token_id", 1)
                .putUInt32("tokenizer.ggml.eos_token_id", 2)
                .putUInt32("tokenizer.ggml.unknown_token_id", 0)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putString("tokenizer.chat_template", CHAT_TEMPLATE);
    }
}
