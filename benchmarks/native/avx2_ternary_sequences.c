/*
 * What an AVX2 core does with the instruction sequences an I2_S product can use, without the JVM:
 * one token times 4096 rows of 1536 ternary weights (the file's I2_S layout, 32 bytes per 128
 * weights), two rows at a time, weights in L2/L3. Prints cycles per block of 128 weights of one row.
 *
 *   maddubs   bitnet.cpp's way: codes masked out as bytes, vpmaddubsw (unsigned 8-bit x signed 8-bit,
 *             pairs summed) makes 32 products per instruction.
 *   mullw     what the Vector API can express (Trit's I2sLaneDots): 16-bit lanes, codes shifted
 *             2 bits at a time in 32-bit lanes and masked, vpmullw makes 16 products per instruction.
 *   mullw-ilp the same instructions with independent shifts and a tree of adds (gcc -O3 does this
 *             reassociation; C2 does not): the fastest this instruction mix runs.
 *
 * Build and run (the CPU's clock in GHz as the argument):
 *   cc -O3 -mavx2 -o /tmp/seq benchmarks/native/avx2_ternary_sequences.c && /tmp/seq 3.45
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { K = 1536, M = 4096, BLOCKS = K / 128 };
static int dots[M];

static int hsum(__m256i v) {
    int lanes[8];
    _mm256_storeu_si256((__m256i *) lanes, v);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

static __m256i widen(__m256i shorts) {
    return _mm256_add_epi32(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(shorts)),
                            _mm256_cvtepi16_epi32(_mm256_extracti128_si256(shorts, 1)));
}

/* q: 128 int8 activations per block, in the byte order the codes' positions need. */
static void maddubs(const uint8_t *w, const int8_t *q) {
    const __m256i three = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
    for (int r = 0; r < M / 2; r++) {
        const uint8_t *ra = w + (size_t) r * BLOCKS * 32, *rb = ra + (size_t) M / 2 * BLOCKS * 32;
        __m256i a = _mm256_setzero_si256(), b = a;
        for (int c = 0; c < BLOCKS; c++) {
            __m256i va = _mm256_loadu_si256((const __m256i *) (ra + 32 * c));
            __m256i vb = _mm256_loadu_si256((const __m256i *) (rb + 32 * c));
            __m256i pa = _mm256_setzero_si256(), pb = pa;
            for (int s = 0; s < 4; s++) {
                __m256i x = _mm256_loadu_si256((const __m256i *) (q + 128 * c + 32 * s));
                pa = _mm256_add_epi16(pa, _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(va, 6 - 2 * s), three), x));
                pb = _mm256_add_epi16(pb, _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(vb, 6 - 2 * s), three), x));
            }
            a = _mm256_add_epi32(a, _mm256_madd_epi16(pa, ones));
            b = _mm256_add_epi32(b, _mm256_madd_epi16(pb, ones));
        }
        dots[r] = hsum(a);
        dots[M / 2 + r] = hsum(b);
    }
}

/* One row's 128-weight block (32 bytes, 8 codes per 16-bit lane) times its 128 int16 activations
 * in lane order (I2sLaneDots.permute), added to the 16-bit sums in acc. */
typedef __m256i (*lane_block)(__m256i codes, const int16_t *qc, __m256i acc);

/* Trit's: one chain of 2-bit shifts in 32-bit lanes, each code masked and multiplied. */
static inline __attribute__((always_inline)) __m256i block_mullw(__m256i w, const int16_t *qc, __m256i acc) {
    const __m256i three = _mm256_set1_epi16(3);
    for (int s = 0; s < 8; s++) {
        __m256i x = _mm256_loadu_si256((const __m256i *) (qc + 16 * s));
        acc = _mm256_add_epi16(acc, _mm256_mullo_epi16(_mm256_and_si256(w, three), x));
        w = _mm256_srli_epi32(w, 2);
    }
    return acc;
}

/* The same instructions, each shift from the loaded codes and the products summed as a tree. */
#define PRODUCT(s) _mm256_mullo_epi16(_mm256_and_si256(_mm256_srli_epi32(w, 2 * (s)), three), \
                                      _mm256_loadu_si256((const __m256i *) (qc + 16 * (s))))
static inline __attribute__((always_inline)) __m256i block_mullw_ilp(__m256i w, const int16_t *qc, __m256i acc) {
    const __m256i three = _mm256_set1_epi16(3);
    __m256i p01 = _mm256_add_epi16(PRODUCT(0), PRODUCT(1)), p23 = _mm256_add_epi16(PRODUCT(2), PRODUCT(3));
    __m256i p45 = _mm256_add_epi16(PRODUCT(4), PRODUCT(5)), p67 = _mm256_add_epi16(PRODUCT(6), PRODUCT(7));
    return _mm256_add_epi16(acc, _mm256_add_epi16(_mm256_add_epi16(p01, p23), _mm256_add_epi16(p45, p67)));
}
#undef PRODUCT

/* Two rows at a time, half the matrix apart, as I2sLaneDots.dots reads them. */
static inline __attribute__((always_inline)) void lanes(const uint8_t *w, const int16_t *q, lane_block block) {
    for (int r = 0; r < M / 2; r++) {
        const uint8_t *ra = w + (size_t) r * BLOCKS * 32, *rb = ra + (size_t) M / 2 * BLOCKS * 32;
        __m256i a = _mm256_setzero_si256(), b = a;
        for (int c = 0; c < BLOCKS; c++) {
            a = block(_mm256_loadu_si256((const __m256i *) (ra + 32 * c)), q + 128 * c, a);
            b = block(_mm256_loadu_si256((const __m256i *) (rb + 32 * c)), q + 128 * c, b);
        }
        dots[r] = hsum(widen(a));
        dots[M / 2 + r] = hsum(widen(b));
    }
}

static void mullw(const uint8_t *w, const int16_t *q) {
    lanes(w, q, block_mullw);
}

static void mullw_ilp(const uint8_t *w, const int16_t *q) {
    lanes(w, q, block_mullw_ilp);
}

static double best_seconds(void (*run)(const uint8_t *, const void *), const uint8_t *w, const void *q) {
    double best = 1e30;
    for (int round = 0; round < 40; round++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int rep = 0; rep < 50; rep++) {
            run(w, q);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (round >= 5 && s < best) {
            best = s;
        }
    }
    return best / 50;
}

int main(int argc, char **argv) {
    double ghz = argc > 1 ? atof(argv[1]) : 3.0;
    uint8_t *w = aligned_alloc(64, (size_t) K * M / 4);
    int8_t *q8 = aligned_alloc(64, K);
    int16_t *q16 = aligned_alloc(64, 2 * K);
    srand(1);
    for (size_t i = 0; i < (size_t) K * M / 4; i++) {
        w[i] = (uint8_t) (rand() % 3 | rand() % 3 << 2 | rand() % 3 << 4 | rand() % 3 << 6);
    }
    for (int i = 0; i < K; i++) {
        q8[i] = (int8_t) (rand() % 255 - 127);
        q16[i] = q8[i];
    }
    struct { const char *name; void (*run)(const uint8_t *, const void *); const void *q; } cases[] = {
        {"maddubs", (void (*)(const uint8_t *, const void *)) maddubs, q8},
        {"mullw", (void (*)(const uint8_t *, const void *)) mullw, q16},
        {"mullw-ilp", (void (*)(const uint8_t *, const void *)) mullw_ilp, q16},
    };
    for (int i = 0; i < 3; i++) {
        double s = best_seconds(cases[i].run, w, cases[i].q);
        printf("%-10s %7.1f us per product, %5.2f cycles per 128 weights of a row (at %.2f GHz)\n",
               cases[i].name, s * 1e6, s * ghz * 1e9 / ((double) M * BLOCKS), ghz);
    }
    return dots[0] == 42;
}
