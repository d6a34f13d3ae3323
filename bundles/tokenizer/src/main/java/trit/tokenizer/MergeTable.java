package trit.tokenizer;

import java.util.Arrays;

/**
 * BPE merges by pair of token ids: an open-addressing table of primitive longs, because 280k
 * boxed map entries cost LLaMA-3's load a good part of its time. Read-only once built.
 */
final class MergeTable {

    static final long NONE = Long.MAX_VALUE;
    private static final long EMPTY = Long.MIN_VALUE; // no pair of non-negative ids has this key

    private final long[] keys;
    private final long[] values;
    private final int mask;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Stores {@code value} for the pair unless it already has one (the first, lowest-rank merge wins). */
    void putIfAbsent(int left, int right, long value) {
        long key = key(left, right);
        for (int i = slot(key); ; i = (i + 1) & mask) {
            if (keys[i] == EMPTY) {
                keys[i] = key;
                values[i] = value;
                return;
            }
            if (keys[i] == key) {
                return;
            }
        }
    }

    /** The value stored for the pair, or {@link #NONE}. */
    long get(int left, int right) {
        long key = key(left, right);
        for (int i = slot(key); ; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return values[i];
            }
            if (keys[i] == EMPTY) {
                return NONE;
            }
        }
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
