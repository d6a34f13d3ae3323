package trit.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

/**
 * The pool hands out every row of a call exactly once, to ranges on grain boundaries, whoever
 * claims them among the threads the call allows.
 */
class RowPoolTest {

    @Test
    void everyRowIsComputedExactlyOnceOnGrainBoundaries() {
        Random random = new Random(7);
        for (int threads : new int[] {1, 2, 3, 5}) {
            try (RowPool pool = new RowPool("test", threads)) {
                for (int call = 0; call < 2000; call++) {
                    int rows = 1 + random.nextInt(3000);
                    int grain = new int[] {1, 32, 128}[random.nextInt(3)];
                    int allowed = 1 + random.nextInt(threads + 1); // sometimes more than the pool has
                    AtomicIntegerArray hits = new AtomicIntegerArray(rows);
                    boolean[] misaligned = {false};
                    boolean[] outside = {false};
                    pool.run((part, from, to) -> {
                        if (part < 0 || part >= Math.min(threads, allowed)) {
                            outside[0] = true;
                        }
                        if (from % grain != 0) {
                            misaligned[0] = true;
                        }
                        for (int r = from; r < to; r++) {
                            hits.incrementAndGet(r);
                        }
                    }, rows, grain, 1L << 20, allowed);
                    for (int r = 0; r < rows; r++) {
                        assertEquals(1, hits.get(r), "row " + r + " of " + rows + " (grain " + grain + ", " + threads + " threads)");
                    }
                    assertTrue(!misaligned[0], "a range started off the grain " + grain);
                    assertTrue(!outside[0], "a thread beyond the " + allowed + " allowed of " + threads + " took part");
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
                }, 1024, 32, 1L << 20, 2));
                assertSame(boom, thrown);
                AtomicIntegerArray hits = new AtomicIntegerArray(1024);
                pool.run((part, from, to) -> {
                    for (int r = from; r < to; r++) {
                        hits.incrementAndGet(r);
                    }
                }, 1024, 32, 1L << 20, 2);
                for (int r = 0; r < 1024; r++) {
                    assertEquals(1, hits.get(r));
                }
            }
        }
    }
}
