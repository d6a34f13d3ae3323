package trit.bitnet.sampling;

/** Divides the logits by the temperature: below 1 sharpens the distribution, above 1 flattens it. */
public record Temperature(double temperature) implements SamplerStage {

    public Temperature {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("a temperature stage needs temperature > 0 (0 is greedy), was " + temperature);
        }
    }

    @Override
    public void apply(Candidates c) {
        float inverse = (float) (1.0 / temperature);
        for (int i = 0; i < c.size; i++) {
            c.logits[i] *= inverse;
        }
    }
}
