package trit.bitnet.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class SamplerStagesTest {

    private static Candidates of(float... logits) {
        Candidates c = new Candidates(logits.length);
        c.reset(logits);
        return c;
    }

    private static int[] ids(Candidates c) {
        return IntStream.range(0, c.size()).map(c::id).toArray();
    }

    @Test
    void topKKeepsTheMostLikelyInOrderWithTiesByLowerId() {
        Candidates c = of(0.5f, 3f, -1f, 3f, 2f, Float.NEGATIVE_INFINITY, -0.0f, 0.0f);
        new TopK(3).apply(c);
        assertArrayEquals(new int[] {1, 3, 4}, ids(c));
        assertEquals(3f, c.logit(0));
        assertEquals(2f, c.logit(2));
    }

    @Test
    void partialAndFullSortsAgreeWithAReferenceOrder() {
        Random random = new Random(7);
        float[] logits = new float[5000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = random.nextInt(200) / 10f - 10f; // many ties, negatives and positives
        }
        Integer[] expected = IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i)).toArray(Integer[]::new);
        for (int k : new int[] {1, 10, 600, 4000, 5000}) {
            Candidates c = of(logits);
            c.sortDescending(k);
            assertEquals(k, c.size());
            for (int i = 0; i < k; i++) {
                assertEquals(expected[i], c.id(i), "k=" + k + " rank " + i);
                assertEquals(logits[expected[i]], c.logit(i));
            }
        }
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        // Probabilities 0.5, 0.25, 0.125, 0.125 (logits are log2 steps).
        float l = (float) Math.log(2);
        Candidates c = of(0, 3 * l, 2 * l, 1 * l, 0);
        new TopP(0.7).apply(c);
        assertArrayEquals(new int[] {1, 2}, ids(c));
        Candidates all = of(0, 3 * l, 2 * l, 1 * l, 0);
        new TopP(1.0).apply(all);
        assertEquals(5, all.size());
    }

    @Test
    void minPDropsTokensBelowTheFractionOfTheBest() {
        float l = (float) Math.log(2);
        Candidates c = of(3 * l, 0, 2 * l, 1 * l);
        new MinP(0.3).apply(c); // keeps p >= 0.3 p_max: ratios 1, 1/8, 1/2, 1/4
        assertArrayEquals(new int[] {0, 2}, ids(c));
    }

    @Test
    void temperatureDividesTheLogits() {
        Candidates c = of(1f, -2f, 4f);
        new Temperature(0.5).apply(c);
        assertEquals(2f, c.logit(0));
        assertEquals(-4f, c.logit(1));
        assertEquals(8f, c.logit(2));
        assertThrows(IllegalArgumentException.class, () -> new Temperature(0));
    }

    @Test
    void penaltiesFollowLlamaCppAndOpenAiDefinitions() {
        Penalties p = new Penalties(4, 3, 2.0, 0.5, 0.25);
        p.accept(1);
        p.accept(1);
        p.accept(2);
        Candidates c = of(1f, 4f, -4f, 4f);
        p.apply(c);
        assertEquals(1f, c.logit(0));                       // never seen
        assertEquals(4f / 2 - (2 * 0.5f + 0.25f), c.logit(1)); // seen twice, positive: divided
        assertEquals(-4f * 2 - (0.5f + 0.25f), c.logit(2));   // seen once, negative: multiplied
        assertEquals(4f, c.logit(3));
        p.accept(3); // the window of 3 forgets the first 1
        Candidates d = of(1f, 4f, -4f, 4f);
        p.apply(d);
        assertEquals(4f / 2 - (0.5f + 0.25f), d.logit(1));
        assertEquals(4f / 2 - (0.5f + 0.25f), d.logit(3));
    }

    @Test
    void greedyTakesTheArgmaxWhateverTheSeed() {
        float[] logits = {0.1f, 2f, 5f, 5f, -3f};
        for (long seed = 0; seed < 5; seed++) {
            Sampler s = Sampler.create(new SamplerSettings(0, 40, 0.9, 0.05, 1, 0, 0, 64, seed), logits.length);
            assertEquals(2, s.sample(logits));
        }
    }

    @Test
    void theSameSeedGivesTheSameTokensAndAnotherSeedOthers() {
        Random random = new Random(3);
        float[] logits = new float[1000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        int[] a = draw(logits, 42);
        int[] b = draw(logits, 42);
        int[] c = draw(logits, 43);
        assertArrayEquals(a, b);
        assertNotEquals(Arrays.toString(a), Arrays.toString(c));
    }

    private static int[] draw(float[] logits, long seed) {
        Sampler s = Sampler.create(new SamplerSettings(1.0, 0, 1.0, 0, 1, 0, 0, 64, seed), logits.length);
        int[] out = new int[50];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.sample(logits);
        }
        return out;
    }

    @Test
    void drawsFollowTheSoftmaxDistribution() {
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(4), (float) Math.log(8)}; // p = 1/15, 2/15, 4/15, 8/15
        Sampler s = Sampler.create(new SamplerSettings(1.0, 0, 1.0, 0, 1, 0, 0, 64, 1), logits.length);
        int[] counts = new int[4];
        int n = 60000;
        for (int i = 0; i < n; i++) {
            counts[s.sample(logits)]++;
        }
        for (int t = 0; t < 4; t++) {
            double expected = n * (1 << t) / 15.0;
            // 5 standard deviations of a binomial count: fails only if the draw is biased.
            double sd = Math.sqrt(expected * (1 - (1 << t) / 15.0));
            assertTrue(Math.abs(counts[t] - expected) < 5 * sd, "token " + t + ": " + counts[t] + " vs " + expected);
        }
    }

    @Test
    void theChainRunsInLlamaCppOrderAndSkipsNeutralStages() {
        Sampler s = Sampler.create(new SamplerSettings(0.7, 40, 0.9, 0.05, 1.1, 0, 0, 64, 1), 100);
        assertEquals(Arrays.asList(Penalties.class, TopK.class, TopP.class, MinP.class, Temperature.class),
                s.stages().stream().map(Object::getClass).toList());
        Sampler plain = Sampler.create(new SamplerSettings(1.0, 0, 1.0, 0, 1.0, 0, 0, 64, 1), 100);
        assertEquals(Arrays.asList(Temperature.class), plain.stages().stream().map(Object::getClass).toList());
    }
}
