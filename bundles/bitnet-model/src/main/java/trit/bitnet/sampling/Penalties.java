package trit.bitnet.sampling;

/**
 * Penalises tokens that appeared among the last {@code window} tokens (prompt included), as
 * llama.cpp's penalties sampler does: the repetition penalty divides a positive logit (multiplies
 * a negative one) by {@code repetition}; then {@code logit -= count × frequency + (count > 0) × presence}
 * (OpenAI's definitions of the frequency and presence penalties).
 */
public final class Penalties implements SamplerStage {

    private final double repetition;
    private final double frequency;
    private final double presence;
    private final int[] recent;
    private final int[] counts;
    private int next;
    private int filled;

    /**
     * @param vocabulary the number of token ids
     * @param window     how many of the most recent tokens count
     */
    public Penalties(int vocabulary, int window, double repetition, double frequency, double presence) {
        if (window < 1) {
            throw new IllegalArgumentException("the penalty window must be >= 1, was " + window);
        }
        if (!(repetition > 0)) {
            throw new IllegalArgumentException("repetition_penalty must be > 0, was " + repetition);
        }
        this.repetition = repetition;
        this.frequency = frequency;
        this.presence = presence;
        this.recent = new int[window];
        this.counts = new int[vocabulary];
    }

    /** Whether the stage changes anything (all three penalties neutral: it does not). */
    public boolean isActive() {
        return repetition != 1 || frequency != 0 || presence != 0;
    }

    @Override
    public void accept(int token) {
        if (filled == recent.length) {
            counts[recent[next]]--;
        } else {
            filled++;
        }
        recent[next] = token;
        counts[token]++;
        next = (next + 1) % recent.length;
    }

    @Override
    public void apply(Candidates c) {
        for (int i = 0; i < c.size; i++) {
            int count = counts[c.ids[i]];
            if (count == 0) {
                continue;
            }
            float logit = c.logits[i];
            logit = logit > 0 ? (float) (logit / repetition) : (float) (logit * repetition);
            logit -= (float) (count * frequency + presence);
            c.logits[i] = logit;
        }
        c.sorted = false;
    }
}
