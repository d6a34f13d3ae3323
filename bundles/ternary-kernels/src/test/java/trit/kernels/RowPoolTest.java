package trit.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

/** The pool hands out every row of a call exactly once, to ranges on grain boundaries, whoever claims them. */
class RowPoolTest {

    @Test
    void everyRowIsComputedExactlyOnceOnGrainBoundaries() {
        Random random = new Random(7);
        for (int threads : new int[] {1, 2, 3, 5}) {
            try (RowPool pool = new RowPool("test", threads)) {
                for (int call = 0; call < 2000; call++) {
                    int rows = 1 + random.nextInt(3000);
                    int grain = new int[] {1, 32, 128}[random.nextInt(3)];
                    AtomicIntegerArray hits = new AtomicIntegerArray(rows);
                    boolean[] misaligned = {false};
                    pool.run((part, from, to) -> {
                        assertTrue(part >= 0 && part < threads, "part " + part);
                        if (from % grain != 0) {
                            misaligned[0] = true;
                        }
                        for (int r = from; r < to; r++) {
                            hits.incrementAndGet(r);
                        }
                    }, rows, grain, 1L << 20);
                    for (int r = 0; r < rows; r++) {
                        assertEquals(1, hits.get(r), "row " + r + " of " + rows + " (grain " + grain + ", " + threads + " threads)");
                    }
                    assertTrue(!misaligned[0], "a range started off the grain " + grain);
                }
            }
        }
    }

    @Test
    void aFailingPieceFailsTheCallAndThePoolKeepsWorking() {
        try (RowPool pool = new RowPool("test", 2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            for (int call = 0; call < 200; call++) {
                int failing = call % 1024;
                IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> pool.run((part, from, to) -> {
                    if (from <= failing && failing < to) {
                        throw boom;
                    }
                }, 1024, 32, 1L << 20));
                assertSame(boom, thrown);
                AtomicIntegerArray hits = new AtomicIntegerArray(1024);
                pool.run((part, from, to) -> {
                    for (int r = from; r < to; r++) {
                        hits.incrementAndGet(r);
                    }
                }, 1024, 32, 1L << 20);
                for (int r = 0; r < 1024; r++) {
                    assertEquals(1, hits.get(r));
                }
            }
        }
    }
}
