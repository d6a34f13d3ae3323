package trit.bitnet.sampling;

/** Keeps the {@code k} most likely tokens. */
public record TopK(int k) implements SamplerStage {

    public TopK {
        if (k < 1) {
            throw new IllegalArgumentException("top_k must be >= 1 (0 disables it and adds no stage), was " + k);
        }
    }

    @Override
    public void apply(Candidates c) {
        c.sortDescending(k);
    }
}
