package trit.kernels;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2I;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * I2_S products where 256 bits are the widest vectors (AVX2, which has no 16-bit table lookup),
 * straight from the file's layout. 32 bytes of an I2_S row, read as 16 little-endian shorts, hold
 * 8 codes per lane: the code in bits {@code 2s, 2s+1} of lane {@code j} is that of input
 * {@code 2j + OFFSET[s]} of the 128-input block. So the activations are put in that order once per
 * product ({@link #permute}); then each code is shifted and masked out in place and multiplied by
 * a plain vector of activations, 128 weights per load, with no widening of the weights and no
 * broadcasts. The codes are shifted down 2 bits at a time in 32-bit lanes (C2 emits those shifts
 * with an immediate count; its 16-bit ones moved the count into a register each time): what a
 * shift moves from a lane's upper short into its lower one lands above the two bits the mask
 * keeps. The 16-bit sums are widened before they could overflow. The codes are weights + 1; the
 * caller takes {@code Σq} back off.
 */
final class I2sLaneDots {

    /** Whether this JVM's vectors are the width these products are made for. */
    static final boolean APPLIES = ShortVector.SPECIES_PREFERRED.vectorBitSize() == 256;

    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** The input (within its block of 128) of lane j's code at bits 2s, 2s+1 is 2j + OFFSET[s]. */
    private static final int[] OFFSET = {96, 64, 32, 0, 97, 65, 33, 1};
    /**
     * Blocks summed in 16-bit lanes before widening: each adds at most 8·3·128 = 3072 to a lane
     * (code 3 is no weight, but weights computed without {@link VectorKernel#prepare}'s check may
     * hold it, and must still give the scalar kernel's sums).
     */
    private static final int FLUSH = 10;

    private I2sLaneDots() {
    }

    /** {@code out[0 .. n)} = the int8 activations {@code q[0 .. n)} (n a multiple of 128) in lane order. */
    static void permute(byte[] q, int n, short[] out) {
        for (int c = 0; c < n; c += 128) {
            for (int s = 0; s < 8; s++) {
                for (int j = 0; j < 16; j++) {
                    out[c + 16 * s + j] = q[c + 2 * j + OFFSET[s]];
                }
            }
        }
    }

    /**
     * Two streams of {@code rows} I2_S rows of {@code blocks} blocks each: {@code dots[dotsA + r]}
     * = Σ code·q of the row at byte {@code atA + r·32·blocks} with the permuted inputs from
     * {@code q[qA]}, and the same for B: one token's product, two halves of its rows side by side
     * (batches take {@link #sharedDots}). Vectors never leave the method: one handed to a call C2
     * does not inline is boxed.
     */
    static void dots(MemorySegment data, long atA, long atB, int rows, int blocks, short[] q, int qA, int qB,
                     int[] dots, int dotsA, int dotsB) {
        long rowBytes = 32L * blocks;
        for (int r = 0; r < rows; r++) {
            long ra = atA + rowBytes * r;
            long rb = atB + rowBytes * r;
            IntVector sumA = IntVector.zero(I);
            IntVector sumB = sumA;
            ShortVector a = ShortVector.zero(S);
            ShortVector b = a;
            int piece = 0;
            for (int c = 0; c < blocks; c++) {
                ShortVector va = ShortVector.fromMemorySegment(S, data, ra + 32L * c, LE);
                ShortVector vb = ShortVector.fromMemorySegment(S, data, rb + 32L * c, LE);
                int ia = qA + 128 * c;
                int ib = qB + 128 * c;
                // A loop, not eight copies: C2 unrolls it after parsing, whereas eight copies'
                // nodes would use up its inlining budget before the flush below is parsed, and
                // vector calls it then leaves out box their vectors.
                IntVector wa = va.reinterpretAsInts();
                IntVector wb = vb.reinterpretAsInts();
                for (int t = 0; t < 8; t++) {
                    a = a.add(wa.reinterpretAsShorts().and((short) 3).mul(ShortVector.fromArray(S, q, ia + 16 * t)));
                    b = b.add(wb.reinterpretAsShorts().and((short) 3).mul(ShortVector.fromArray(S, q, ib + 16 * t)));
                    wa = wa.lanewise(LSHR, 2);
                    wb = wb.lanewise(LSHR, 2);
                }
                piece++;
                if (piece == FLUSH || c == blocks - 1) {
                    sumA = sumA.add(a.convertShape(S2I, I, 0)).add(a.convertShape(S2I, I, 1));
                    sumB = sumB.add(b.convertShape(S2I, I, 0)).add(b.convertShape(S2I, I, 1));
                    a = ShortVector.zero(S);
                    b = a;
                    piece = 0;
                }
            }
            dots[dotsA + r] = sumA.reduceLanes(ADD);
            dots[dotsB + r] = sumB.reduceLanes(ADD);
        }
    }

    /**
     * {@link #dots} for two tokens over the same {@code rows} rows (or one token with itself): each
     * code is extracted once and multiplied by both tokens' inputs, a quarter fewer operations per
     * product than two streams of their own, for prompt batches. Its own method, with the same
     * widening at the end as {@link #dots}: one method for both cases, choosing per code, cost
     * prompts ~15 %, and four tokens sharing each code ~35 % (LARGE pp128 / pp512 at one thread,
     * AVX2).
     */
    static void sharedDots(MemorySegment data, long at, int rows, int blocks, short[] q, int qA, int qB,
                           int[] dots, int dotsA, int dotsB) {
        long rowBytes = 32L * blocks;
        for (int r = 0; r < rows; r++) {
            long row = at + rowBytes * r;
            IntVector sumA = IntVector.zero(I);
            IntVector sumB = sumA;
            ShortVector a = ShortVector.zero(S);
            ShortVector b = a;
            int piece = 0;
            for (int c = 0; c < blocks; c++) {
                ShortVector v = ShortVector.fromMemorySegment(S, data, row + 32L * c, LE);
                int ia = qA + 128 * c;
                int ib = qB + 128 * c;
                IntVector w = v.reinterpretAsInts();
                for (int t = 0; t < 8; t++) {
                    ShortVector code = w.reinterpretAsShorts().and((short) 3);
                    w = w.lanewise(LSHR, 2);
                    a = a.add(code.mul(ShortVector.fromArray(S, q, ia + 16 * t)));
                    b = b.add(code.mul(ShortVector.fromArray(S, q, ib + 16 * t)));
                }
                piece++;
                if (piece == FLUSH || c == blocks - 1) {
                    sumA = sumA.add(a.convertShape(S2I, I, 0)).add(a.convertShape(S2I, I, 1));
                    sumB = sumB.add(b.convertShape(S2I, I, 0)).add(b.convertShape(S2I, I, 1));
                    a = ShortVector.zero(S);
                    b = a;
                    piece = 0;
                }
            }
            dots[dotsA + r] = sumA.reduceLanes(ADD);
            dots[dotsB + r] = sumB.reduceLanes(ADD);
        }
    }
}
