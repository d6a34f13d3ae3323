/*
 * I2_S products for CPUs whose widest vectors are AVX2's 256 bits, called by the vector kernel
 * through the FFM linker (NativeI2sDots). The Vector API has no byte multiply-add: its best I2_S
 * product there costs about twice the instructions of vpmaddubsw, which makes 32 products (unsigned
 * code x signed activation, pairs summed to 16 bits) per instruction. Everything else stays in Java.
 *
 * Layout (GGML I2_S, as in the model file): a row is blocks of 128 weights in 32 bytes; byte b of
 * a block holds the codes (weight + 1, 0..2) of inputs b (bits 6-7), b + 32, b + 64 and b + 96
 * (bits 0-1). The sums are exact integers, Σ code·q, for every code 0..3: the caller subtracts
 * Σ q and does the float arithmetic, so the results are bit for bit the Java kernels'.
 *
 * Build: cc -O3 -mavx2 -fPIC -shared (the ternary-kernels module's pom does it).
 */
#include <immintrin.h>
#include <stdint.h>

/* Blocks summed in 16-bit lanes before widening: a block adds at most 4·2·3·128 = 3072 to a lane. */
enum { FLUSH = 10 };

static inline int32_t hsum(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

static inline __m256i code(__m256i packed, int s) {
    return _mm256_and_si256(_mm256_srli_epi16(packed, 6 - 2 * s), _mm256_set1_epi8(3));
}

/*
 * Two streams of `rows` rows of `blocks` blocks: dots[dots_a + r] = Σ code·q of the row at byte
 * at_a + r·32·blocks of w with the activations at q + q_a, and the same for b. Where the streams
 * are the same rows (at_a == at_b), each code is extracted once for both activation vectors: two
 * tokens of a prompt over the same weights, or one token with itself.
 */
void trit_i2s_dots(const uint8_t *w, int64_t at_a, int64_t at_b, int32_t rows, int32_t blocks,
                   const int8_t *q, int32_t q_a, int32_t q_b, int32_t *dots, int32_t dots_a, int32_t dots_b) {
    const __m256i ones = _mm256_set1_epi16(1);
    const int64_t row_bytes = 32 * (int64_t) blocks;
    const int8_t *qa = q + q_a, *qb = q + q_b;
    const int shared = at_a == at_b;
    for (int32_t r = 0; r < rows; r++) {
        const uint8_t *ra = w + at_a + row_bytes * r, *rb = w + at_b + row_bytes * r;
        __m256i sum_a = _mm256_setzero_si256(), sum_b = sum_a;
        __m256i a = sum_a, b = sum_a;
        int piece = 0;
        for (int32_t c = 0; c < blocks; c++) {
            __m256i va = _mm256_loadu_si256((const __m256i *) (ra + 32 * c));
            __m256i vb = shared ? va : _mm256_loadu_si256((const __m256i *) (rb + 32 * c));
            for (int s = 0; s < 4; s++) {
                __m256i xa = _mm256_loadu_si256((const __m256i *) (qa + 128 * c + 32 * s));
                __m256i xb = _mm256_loadu_si256((const __m256i *) (qb + 128 * c + 32 * s));
                __m256i ca = code(va, s);
                a = _mm256_add_epi16(a, _mm256_maddubs_epi16(ca, xa));
                b = _mm256_add_epi16(b, _mm256_maddubs_epi16(shared ? ca : code(vb, s), xb));
            }
            if (++piece == FLUSH || c == blocks - 1) {
                sum_a = _mm256_add_epi32(sum_a, _mm256_madd_epi16(a, ones));
                sum_b = _mm256_add_epi32(sum_b, _mm256_madd_epi16(b, ones));
                a = _mm256_setzero_si256();
                b = a;
                piece = 0;
            }
        }
        dots[dots_a + r] = hsum(sum_a);
        dots[dots_b + r] = hsum(sum_b);
    }
}
