package trit.bitnet.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Chooses the next token: a chain of {@link SamplerStage}s in llama.cpp's default order
 * (penalties, top-k, top-p, min-p, temperature), then a draw from the remaining distribution
 * with a seeded random stream, or the most likely token when the temperature is 0. The same
 * settings, seed and logits give the same tokens. One generation owns a sampler.
 */
public final class Sampler {

    private final List<SamplerStage> stages;
    private final boolean greedy;
    private final Candidates candidates;
    private final SplittableRandom random;

    private Sampler(List<SamplerStage> stages, boolean greedy, int vocabulary, long seed) {
        this.stages = List.copyOf(stages);
        this.greedy = greedy;
        this.candidates = new Candidates(vocabulary);
        this.random = new SplittableRandom(seed);
    }

    public static Sampler create(SamplerSettings s, int vocabulary) {
        List<SamplerStage> stages = new ArrayList<>();
        Penalties penalties = new Penalties(vocabulary, s.penaltyWindow(), s.repetition(), s.frequency(), s.presence());
        if (penalties.isActive()) {
            stages.add(penalties);
        }
        boolean greedy = s.temperature() <= 0;
        if (!greedy) {
            if (s.topK() > 0) {
                stages.add(new TopK(s.topK()));
            }
            if (s.topP() < 1) {
                stages.add(new TopP(s.topP()));
            }
            if (s.minP() > 0) {
                stages.add(new MinP(s.minP()));
            }
            stages.add(new Temperature(s.temperature()));
        }
        return new Sampler(stages, greedy, vocabulary, s.seed());
    }

    /** The stages in the order they run (for tests and diagnostics). */
    public List<SamplerStage> stages() {
        return stages;
    }

    /** Tells the history-aware stages about a token of the sequence (prompt tokens too). */
    public void accept(int token) {
        for (SamplerStage stage : stages) {
            stage.accept(token);
        }
    }

    /** The next token for these logits (not accepted yet: call {@link #accept}). */
    public int sample(float[] logits) {
        Candidates c = candidates;
        c.reset(logits);
        for (SamplerStage stage : stages) {
            stage.apply(c);
        }
        if (greedy) {
            return c.ids[c.argmax()];
        }
        c.softmax();
        double r = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < c.size; i++) {
            cumulative += c.probabilities[i];
            if (r < cumulative) {
                return c.ids[i];
            }
        }
        return c.ids[c.size - 1]; // rounding left r above the total
    }
}
