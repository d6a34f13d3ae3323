package trit.bitnet.sampling;

import java.util.Arrays;

/**
 * The tokens still in the running for the next position, with their logits and, once
 * {@link #softmax()} ran, their probabilities. Sized for the vocabulary once; each token only
 * rewrites it, so sampling allocates nothing.
 *
 * <p>Stages shrink {@link #size()} from the end, so they need the candidates sorted by logit,
 * descending, first ({@link #sortDescending(int)}); the sort is partial when only the best {@code k}
 * are needed, which is what makes top-k cheap on a 128k vocabulary.
 */
public final class Candidates {

    final int[] ids;
    final float[] logits;
    final float[] probabilities;
    private final long[] keys;
    int size;
    boolean sorted;

    public Candidates(int vocabulary) {
        ids = new int[vocabulary];
        logits = new float[vocabulary];
        probabilities = new float[vocabulary];
        keys = new long[vocabulary];
    }

    /** Every token of the vocabulary, with these logits. */
    public void reset(float[] modelLogits) {
        int n = ids.length;
        System.arraycopy(modelLogits, 0, logits, 0, n);
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        size = n;
        sorted = false;
    }

    public int size() {
        return size;
    }

    public int id(int i) {
        return ids[i];
    }

    public float logit(int i) {
        return logits[i];
    }

    public float probability(int i) {
        return probabilities[i];
    }

    /** Keeps only the first {@code n} candidates. */
    void truncate(int n) {
        size = Math.max(1, Math.min(size, n));
    }

    /** The index of the highest logit; the lowest token id wins a tie, as in llama.cpp. */
    int argmax() {
        if (sorted) {
            return 0;
        }
        int best = 0;
        for (int i = 1; i < size; i++) {
            if (logits[i] > logits[best] || (logits[i] == logits[best] && ids[i] < ids[best])) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Sorts so the best {@code k} candidates come first in descending logit order (and the
     * candidates beyond them are dropped). A key packs the logit's order-preserving bits above
     * the position, so one primitive sort orders both, ties by token id.
     */
    void sortDescending(int k) {
        if (sorted) {
            truncate(k);
            return;
        }
        int n = size;
        k = Math.min(k, n);
        if (k < n / 8) {
            partialSort(k);
        } else {
            for (int i = 0; i < n; i++) {
                keys[i] = key(logits[i], i);
            }
            Arrays.sort(keys, 0, n);
            reorder(k);
        }
        size = k;
        sorted = true;
    }

    /** The best k by a bounded min-heap of keys: O(n log k) and nothing allocated. */
    private void partialSort(int k) {
        int heap = 0;
        for (int i = 0; i < size; i++) {
            long key = key(logits[i], i);
            if (heap < k) {
                keys[heap] = key;
                siftUp(heap++);
            } else if (key < keys[0]) {
                keys[0] = key;
                siftDown(k);
            }
        }
        Arrays.sort(keys, 0, k);
        reorder(k);
    }

    // Keys sort ascending = logits descending, so the heap keeps the largest key (the worst logit) on top.
    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (keys[parent] >= keys[i]) {
                return;
            }
            swap(parent, i);
            i = parent;
        }
    }

    private void siftDown(int n) {
        int i = 0;
        while (true) {
            int left = 2 * i + 1;
            int largest = i;
            if (left < n && keys[left] > keys[largest]) {
                largest = left;
            }
            if (left + 1 < n && keys[left + 1] > keys[largest]) {
                largest = left + 1;
            }
            if (largest == i) {
                return;
            }
            swap(i, largest);
            i = largest;
        }
    }

    private void swap(int a, int b) {
        long t = keys[a];
        keys[a] = keys[b];
        keys[b] = t;
    }

    /** Applies the first {@code k} sorted keys: the low half of each says where its candidate was. */
    private void reorder(int k) {
        // Every read of ids/logits happens before any write; probabilities and keys are the scratch
        // (softmax() rewrites probabilities after any sort).
        for (int i = 0; i < k; i++) {
            int from = (int) keys[i];
            probabilities[i] = logits[from];
            keys[i] = ids[from];
        }
        for (int i = 0; i < k; i++) {
            logits[i] = probabilities[i];
            ids[i] = (int) keys[i];
        }
    }

    /**
     * A key whose ascending order is the logits' descending order, the position breaking ties.
     * The float's bits become an int in the float's own order (negative floats have their
     * magnitude bits flipped), and {@code ~} reverses that order.
     */
    private static long key(float logit, int position) {
        int bits = Float.floatToIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) ~ordered << 32) | position;
    }

    /** Fills the probabilities of the current candidates (softmax of the logits, max subtracted). */
    void softmax() {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            float p = (float) Math.exp(logits[i] - max);
            probabilities[i] = p;
            sum += p;
        }
        float inverse = (float) (1.0 / sum);
        for (int i = 0; i < size; i++) {
            probabilities[i] *= inverse;
        }
    }
}
