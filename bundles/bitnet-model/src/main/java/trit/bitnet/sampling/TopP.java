package trit.bitnet.sampling;

/** Nucleus sampling: keeps the most likely tokens whose probabilities first add up to at least {@code p}. */
public record TopP(double p) implements SamplerStage {

    public TopP {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], was " + p);
        }
    }

    @Override
    public void apply(Candidates c) {
        if (p >= 1) {
            return;
        }
        c.sortDescending(c.size);
        c.softmax();
        double mass = 0;
        for (int i = 0; i < c.size; i++) {
            mass += c.probabilities[i];
            if (mass >= p) {
                c.truncate(i + 1);
                return;
            }
        }
    }
}
