package trit.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import trit.gguf.TensorPacking;

/**
 * Packed test weights in off-heap memory, from the GGUF bundle's packers (written from the
 * layout descriptions, independent of the kernels' decoders they check).
 */
final class Packing {

    private Packing() {
    }

    /** Random ternary weights {-1, 0, 1} with P(0) = 0.35, row-major m × k. */
    static int[] randomTernary(Random random, int k, int m) {
        int[] w = new int[k * m];
        for (int i = 0; i < w.length; i++) {
            double u = random.nextDouble();
            w[i] = u < 0.35 ? 0 : (u < 0.675 ? 1 : -1);
        }
        return w;
    }

    static MemorySegment i2s(Arena arena, int[] w, int k, int m, float scale) {
        return copy(arena, TensorPacking.i2s(w, k, m, scale));
    }

    static MemorySegment tq2(Arena arena, int[] w, float[] d, int k, int m) {
        return copy(arena, TensorPacking.tq2(w, d, k, m));
    }

    static MemorySegment tq1(Arena arena, int[] w, float[] d, int k, int m) {
        return copy(arena, TensorPacking.tq1(w, d, k, m));
    }

    private static MemorySegment copy(Arena arena, byte[] bytes) {
        MemorySegment data = arena.allocate(bytes.length, 32);
        data.copyFrom(MemorySegment.ofArray(bytes));
        return data;
    }
}
