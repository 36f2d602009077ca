// Int16 convolution rows, the wrapping int32 sums of ConvKernel.int16Rows: AVX-512 (BW + VNNI),
// 32 int16 products per `vpdpwssd` and the run's last partial chunk through masked loads; or AVX2,
// 16 products per `vpmaddwd` and the partial chunk through a zero-padded copy.
//
// Integer sums are exact in any order (wrapping adds), so these kernels are free to group taps.
#include "CConvKernels.h"

#include <stdlib.h>
#include <string.h>

static inline long min_l(long a, long b) { return a < b ? a : b; }
static inline long max_l(long a, long b) { return a > b ? a : b; }

#if defined(__x86_64__)
#include <immintrin.h>

int st_conv_int16_available(void) {
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni"))
        return 2;
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vnni,avx2")))

/// Sums of the lanes of four accumulators, as four int32 lanes in that order.
AVX512 static inline __m128i reduce4(__m512i a0, __m512i a1, __m512i a2, __m512i a3) {
    __m256i s0 = _mm256_add_epi32(_mm512_castsi512_si256(a0), _mm512_extracti64x4_epi64(a0, 1));
    __m256i s1 = _mm256_add_epi32(_mm512_castsi512_si256(a1), _mm512_extracti64x4_epi64(a1, 1));
    __m256i s2 = _mm256_add_epi32(_mm512_castsi512_si256(a2), _mm512_extracti64x4_epi64(a2, 1));
    __m256i s3 = _mm256_add_epi32(_mm512_castsi512_si256(a3), _mm512_extracti64x4_epi64(a3, 1));
    __m256i v = _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s3));
    return _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

/// P output pixels × C output channels over the same taps: kernel rows kyLo..<kyHi, each a run of
/// `run` values from input row iy0 + ky, column ix0 + kxLo, the pixels `pixelStep` elements
/// apart; weights [cout][k][k][cin] from channel o. P and C are literals at every call, so that
/// the accumulators live in registers.
AVX512 __attribute__((always_inline)) static inline void
block(const int16_t *image, long iy0, long ix0, long pixelStep, long inRow, long cin, long k, long kyLo, long kyHi,
      long kxLo, long run, const int16_t *w0, long filterSize, int32_t *out, long cout, const int P, const int C) {
    __m512i a[4][4];
    for (int j = 0; j < P; j++)
        for (int c = 0; c < C; c++) a[j][c] = _mm512_setzero_si512();
    const __mmask32 tailMask = (__mmask32)((1ull << (run % 32)) - 1);
    for (long ky = kyLo; ky < kyHi; ky++) {
        const int16_t *x = image + (iy0 + ky) * inRow + (ix0 + kxLo) * cin;
        const int16_t *w = w0 + (ky * k + kxLo) * cin;
        long i = 0;
        for (; i + 32 <= run; i += 32) {
            __m512i wv[4];
            for (int c = 0; c < C; c++) wv[c] = _mm512_loadu_si512(w + c * filterSize + i);
            for (int j = 0; j < P; j++) {
                const __m512i xv = _mm512_loadu_si512(x + j * pixelStep + i);
                for (int c = 0; c < C; c++) a[j][c] = _mm512_dpwssd_epi32(a[j][c], xv, wv[c]);
            }
        }
        if (i < run) {
            __m512i wv[4];
            for (int c = 0; c < C; c++) wv[c] = _mm512_maskz_loadu_epi16(tailMask, w + c * filterSize + i);
            for (int j = 0; j < P; j++) {
                const __m512i xv = _mm512_maskz_loadu_epi16(tailMask, x + j * pixelStep + i);
                for (int c = 0; c < C; c++) a[j][c] = _mm512_dpwssd_epi32(a[j][c], xv, wv[c]);
            }
        }
    }
    for (int j = 0; j < P; j++) {
        if (C == 4) {
            _mm_storeu_si128((__m128i *)(out + j * cout), reduce4(a[j][0], a[j][1], a[j][2], a[j][3]));
        } else {
            for (int c = 0; c < C; c++) out[j * cout + c] = _mm512_reduce_add_epi32(a[j][c]);
        }
    }
}


#define AVX2I __attribute__((target("avx2")))

/// Sums of the lanes of four accumulators, as four int32 lanes in that order.
AVX2I static inline __m128i reduce4x8(__m256i s0, __m256i s1, __m256i s2, __m256i s3) {
    __m256i v = _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s3));
    return _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

/// The first `n` (< 16) values at `p`, zero beyond: no read past the run.
AVX2I static inline __m256i loadPartial16(const int16_t *p, long n) {
    int16_t b[16] = {0};
    memcpy(b, p, (size_t)n * sizeof(int16_t));
    return _mm256_loadu_si256((const __m256i *)b);
}

/// `block` with 256-bit `vpmaddwd` + `vpaddd`.
AVX2I __attribute__((always_inline)) static inline void
block256(const int16_t *image, long iy0, long ix0, long pixelStep, long inRow, long cin, long k, long kyLo, long kyHi,
         long kxLo, long run, const int16_t *w0, long filterSize, int32_t *out, long cout, const int P, const int C) {
    __m256i a[4][4];
    for (int j = 0; j < P; j++)
        for (int c = 0; c < C; c++) a[j][c] = _mm256_setzero_si256();
    for (long ky = kyLo; ky < kyHi; ky++) {
        const int16_t *x = image + (iy0 + ky) * inRow + (ix0 + kxLo) * cin;
        const int16_t *w = w0 + (ky * k + kxLo) * cin;
        long i = 0;
        for (; i + 16 <= run; i += 16) {
            __m256i wv[4];
            for (int c = 0; c < C; c++) wv[c] = _mm256_loadu_si256((const __m256i *)(w + c * filterSize + i));
            for (int j = 0; j < P; j++) {
                const __m256i xv = _mm256_loadu_si256((const __m256i *)(x + j * pixelStep + i));
                for (int c = 0; c < C; c++) a[j][c] = _mm256_add_epi32(a[j][c], _mm256_madd_epi16(xv, wv[c]));
            }
        }
        if (i < run) {
            __m256i wv[4];
            for (int c = 0; c < C; c++) wv[c] = loadPartial16(w + c * filterSize + i, run - i);
            for (int j = 0; j < P; j++) {
                const __m256i xv = loadPartial16(x + j * pixelStep + i, run - i);
                for (int c = 0; c < C; c++) a[j][c] = _mm256_add_epi32(a[j][c], _mm256_madd_epi16(xv, wv[c]));
            }
        }
    }
    for (int j = 0; j < P; j++) {
        if (C == 4) {
            _mm_storeu_si128((__m128i *)(out + j * cout), reduce4x8(a[j][0], a[j][1], a[j][2], a[j][3]));
        } else {
            for (int c = 0; c < C; c++) {
                const __m128i h = _mm_add_epi32(_mm256_castsi256_si128(a[j][c]), _mm256_extracti128_si256(a[j][c], 1));
                const __m128i q = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
                out[j * cout + c] = _mm_cvtsi128_si32(_mm_add_epi32(q, _mm_shuffle_epi32(q, 0xB1)));
            }
        }
    }
}

// The row loop, once per ISA: it is the same loop, but each copy must be compiled for its target
// so that its block function (always inlined, with literal P and C) stays in registers.
#define INT16_ROWS(NAME, TARGET, BLOCK)                                                                          \
    TARGET static void NAME(const st_conv_shape *p, long rowLo, long rowHi, const int16_t *input,                \
                            const int16_t *weights, int32_t *output) {                                           \
        const long cin = p->cin, cout = p->cout, k = p->kernel, S = p->stride, inW = p->inW;                     \
        const long filterSize = k * k * cin, imageSize = p->inH * inW * cin, inRow = inW * cin;                  \
        const long oxInLo = min_l(p->outW, (p->pad + S - 1) / S);                                                \
        const long oxInHi = max_l(oxInLo, p->inW - k + p->pad >= 0 ? min_l(p->outW, (p->inW - k + p->pad) / S + 1) : 0); \
        for (long r = rowLo; r < rowHi; r++) {                                                                   \
            const long b = r / p->outH, oy = r % p->outH, iy0 = oy * S - p->pad;                                 \
            const long kyLo = max_l(0, -iy0), kyHi = min_l(k, p->inH - iy0);                                     \
            const int16_t *image = input + b * imageSize;                                                        \
            int32_t *rowOut = output + r * p->outW * cout;                                                       \
            long ox = 0;                                                                                         \
            while (ox < p->outW) {                                                                               \
                const long ix0 = ox * S - p->pad;                                                                \
                const long kxLo = max_l(0, -ix0), kxHi = max_l(kxLo, min_l(k, inW - ix0));                       \
                const long n = ox >= oxInLo && ox + 4 <= oxInHi ? 4 : 1; /* 4 interior pixels, or 1 */          \
                const long run = (kxHi - kxLo) * cin;                                                            \
                long o = 0;                                                                                      \
                for (; o + 4 <= cout; o += 4) {                                                                  \
                    if (n == 4) BLOCK(image, iy0, ix0, S * cin, inRow, cin, k, kyLo, kyHi, kxLo, run,             \
                                      weights + o * filterSize, filterSize, rowOut + ox * cout + o, cout, 4, 4); \
                    else BLOCK(image, iy0, ix0, S * cin, inRow, cin, k, kyLo, kyHi, kxLo, run,                   \
                               weights + o * filterSize, filterSize, rowOut + ox * cout + o, cout, 1, 4);        \
                }                                                                                                \
                for (; o < cout; o++) {                                                                          \
                    if (n == 4) BLOCK(image, iy0, ix0, S * cin, inRow, cin, k, kyLo, kyHi, kxLo, run,             \
                                      weights + o * filterSize, filterSize, rowOut + ox * cout + o, cout, 4, 1); \
                    else BLOCK(image, iy0, ix0, S * cin, inRow, cin, k, kyLo, kyHi, kxLo, run,                   \
                               weights + o * filterSize, filterSize, rowOut + ox * cout + o, cout, 1, 1);        \
                }                                                                                                \
                ox += n;                                                                                         \
            }                                                                                                    \
        }                                                                                                        \
    }

INT16_ROWS(int16RowsAVX512, AVX512, block)
INT16_ROWS(int16RowsAVX2, AVX2I, block256)

void st_conv_int16_rows(const st_conv_shape *shape, long rowLo, long rowHi, const int16_t *input,
                        const int16_t *weights, int32_t *output, int isa) {
    if (isa >= 2) int16RowsAVX512(shape, rowLo, rowHi, input, weights, output);
    else int16RowsAVX2(shape, rowLo, rowHi, input, weights, output);
}

#else

int st_conv_int16_available(void) { return 0; }

void st_conv_int16_rows(const st_conv_shape *shape, long rowLo, long rowHi, const int16_t *input,
                        const int16_t *weights, int32_t *output, int isa) {
    (void)isa; (void)shape; (void)rowLo; (void)rowHi; (void)input; (void)weights; (void)output;
    abort();   // callers check st_conv_int16_available first
}

#endif
