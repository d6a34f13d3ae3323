package trit.bitnet;

/**
 * The arrays one thread's attention of one token works in: the token's query, its output, the
 * intermediate rows of scores and partial sums, and a buffer for turning the F16 cache into
 * floats. A session keeps one per thread that computes attention for it, so the tokens of a
 * prompt batch can be attended on several threads at once.
 */
final class AttentionScratch {

    /** Positions of the F16 cache converted per bulk copy. */
    static final int CACHE_CHUNK = 64;

    final float[] q;
    final float[] attention;
    final float[] query16;
    /** Whole 16-slot chunks: softmax sums them. */
    final float[] scores;
    /** Eight lanes, for reductions in a fixed order. */
    final float[] lanes = new float[8];
    /** The 64 partial sums per output of attention's weighted sum, and their double totals. */
    final float[] partials;
    final double[] sums;
    /** A bulk copy's worth of the F16 cache, {@link #CACHE_CHUNK} positions, on its way to floats. */
    final short[] halves;

    AttentionScratch(ModelConfig config, int contextLength) {
        q = new float[config.embedding()];
        attention = new float[config.embedding()];
        query16 = new float[config.headDim()];
        scores = new float[slots(contextLength)];
        partials = new float[64 * config.headDim()];
        sums = new double[config.headDim()];
        halves = new short[CACHE_CHUNK * config.kvDim()];
    }

    /** Heap bytes of one scratch, approximately (for a session's memory accounting). */
    static long bytes(ModelConfig config, int contextLength) {
        long floats = 2L * config.embedding() + 65L * config.headDim() + slots(contextLength) + 8;
        return floats * Float.BYTES + (long) config.headDim() * Double.BYTES + (long) CACHE_CHUNK * config.kvDim() * Short.BYTES;
    }

    private static int slots(int contextLength) {
        return (contextLength + 31) & ~31;
    }
}
