package trit.bitnet.sampling;

/**
 * One step of a sampler chain, as in llama.cpp's {@code llama_sampler}: it rewrites the
 * candidates (drops some, changes logits) before the next stage sees them.
 */
public interface SamplerStage {

    void apply(Candidates candidates);

    /** Learns the token that was chosen (stages that look at history need it). */
    default void accept(int token) {
    }
}
