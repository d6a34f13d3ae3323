package trit.bitnet;

/**
 * The arrays one thread's attention of one token works in: the token's query, its output, the
 * intermediate rows of scores and partial sums, and a buffer for turning the F16 cache into
 * floats. A session keeps one per thread that computes attention for it, so the tokens of a
 * prompt batch can be attended on several threads at once.
 */
final class AttentionScratch {

    final float[] q;
    final float[] attention;
    final float[] query16;
    final float[] scores;
    /** Eight lanes, for reductions in a fixed order. */
    final float[] lanes;
    /** The 64 partial sums per output of attention's weighted sum, and their double totals. */
    final float[] partials;
    final double[] sums;
    /** A bulk copy's worth of the F16 cache, {@link Session#CACHE_CHUNK} positions, on its way to floats. */
    final short[] halves;

    AttentionScratch(float[] q, float[] attention, float[] query16, float[] scores, float[] lanes, float[] partials,
                     double[] sums, short[] halves) {
        this.q = q;
        this.attention = attention;
        this.query16 = query16;
        this.scores = scores;
        this.lanes = lanes;
        this.partials = partials;
        this.sums = sums;
        this.halves = halves;
    }

    /** Scratch of the same sizes as {@code like}, its own arrays. */
    static AttentionScratch sizedAs(AttentionScratch like) {
        return new AttentionScratch(new float[like.q.length], new float[like.attention.length],
                new float[like.query16.length], new float[like.scores.length], new float[like.lanes.length],
                new float[like.partials.length], new double[like.sums.length], new short[like.halves.length]);
    }
}
