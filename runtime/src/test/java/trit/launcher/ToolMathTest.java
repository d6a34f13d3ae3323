package trit.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The small pieces of arithmetic the tools print. */
class ToolMathTest {

    @Test
    void logSoftmaxIsExactInDoubleAndStableForLargeLogits() {
        assertEquals(Math.log(0.5), PerplexityCommand.logSoftmax(new float[] {3f, 3f}, 0), 1e-15);
        assertEquals(-Math.log(1 + Math.exp(-2)), PerplexityCommand.logSoftmax(new float[] {1000f, 998f}, 0), 1e-12);
        assertEquals(-2 - Math.log(1 + Math.exp(-2)), PerplexityCommand.logSoftmax(new float[] {1000f, 998f}, 1), 1e-12);
    }

    @Test
    void topLogitsAreBestFirstWithTheLowerIdFirstOnTies() {
        float[][] top = EvalCommand.top(new float[] {0.5f, 2f, -1f, 2f, 1f}, 3);
        assertArrayEquals(new float[] {1, 2f}, top[0]);
        assertArrayEquals(new float[] {3, 2f}, top[1]);
        assertArrayEquals(new float[] {4, 1f}, top[2]);
        assertEquals(2, EvalCommand.top(new float[] {1f, 2f}, 10).length);
        assertEquals(1, EvalCommand.argmax(new float[] {0f, 5f, 5f}));
    }
}
