package trit.bitnet.sampling;

/**
 * Drops tokens less likely than {@code minP} times the most likely one. Compared on logits
 * ({@code l_i >= l_max + ln minP}), which needs neither a softmax nor a sort.
 */
public record MinP(double minP) implements SamplerStage {

    public MinP {
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], was " + minP);
        }
    }

    @Override
    public void apply(Candidates c) {
        if (minP <= 0) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < c.size; i++) {
            max = Math.max(max, c.logits[i]);
        }
        float threshold = max + (float) Math.log(minP);
        int kept = 0;
        for (int i = 0; i < c.size; i++) {
            if (c.logits[i] >= threshold) {
                c.ids[kept] = c.ids[i];
                c.logits[kept] = c.logits[i];
                kept++;
            }
        }
        c.size = kept; // the order is kept, so a sorted list stays sorted
    }
}
