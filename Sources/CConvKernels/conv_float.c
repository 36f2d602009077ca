// AVX2 float convolution rows: the same sums, in the same order, as ConvKernel.floatRows.
//
// Every output element is 0 + x·w + x·w + … over the in-image taps in the order ky, kx, cin, one
// multiply and one add per tap (never fused: contraction is off below, and the intrinsics keep the
// multiply and the add separate). Only the grouping of independent elements into vectors differs.
#include "CConvKernels.h"

#include <stdlib.h>

#pragma clang fp contract(off)

static inline long min_l(long a, long b) { return a < b ? a : b; }
static inline long max_l(long a, long b) { return a > b ? a : b; }

#if defined(__x86_64__)
#include <immintrin.h>

int st_conv_float_available(void) { return __builtin_cpu_supports("avx2") ? 1 : 0; }

#define AVX2 __attribute__((target("avx2")))

/// 16 output channels of P pixels (4 interior ones, or 1), the first reading input row iy0 and
/// column ix0, the next `pixelStep` elements further: the block's weights are [tap][16]; taps run
/// over kyLo..<kyHi × kxLo..<kxHi. P is a literal at every call (accumulators in registers).
AVX2 __attribute__((always_inline)) static inline void
block16(const float *image, long iy0, long ix0, long pixelStep, long inRow, long cin, long k, long kyLo, long kyHi,
        long kxLo, long kxHi, const float *wb, float *out, long cout, const int P) {
    __m256 a[4][2];
    for (int j = 0; j < P; j++) { a[j][0] = _mm256_setzero_ps(); a[j][1] = _mm256_setzero_ps(); }
    for (long ky = kyLo; ky < kyHi; ky++) {
        for (long kx = kxLo; kx < kxHi; kx++) {
            const float *x = image + (iy0 + ky) * inRow + (ix0 + kx) * cin;
            const float *w = wb + (ky * k + kx) * cin * 16;
            for (long c = 0; c < cin; c++, w += 16) {
                const __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
                for (int j = 0; j < P; j++) {
                    const __m256 xb = _mm256_broadcast_ss(x + j * pixelStep + c);
                    a[j][0] = _mm256_add_ps(a[j][0], _mm256_mul_ps(xb, w0));
                    a[j][1] = _mm256_add_ps(a[j][1], _mm256_mul_ps(xb, w1));
                }
            }
        }
    }
    for (int j = 0; j < P; j++) {
        _mm256_storeu_ps(out + j * cout, a[j][0]);
        _mm256_storeu_ps(out + j * cout + 8, a[j][1]);
    }
}

/// The T tail channels (1...3) of G × 8 consecutive interior pixels (stride 1) from a planar slab
/// [row][cin][inW]: lanes are pixels, so each lane adds its own products in the scalar order.
/// T and G are literals at every call (accumulators in registers).
AVX2 __attribute__((always_inline)) static inline void
tailPixels(const float *slab, long slabRowOffset, long ix0, long inW, long cin, long k, long kyLo, long kyHi,
           const float *w1, long taps, float *out, long cout, const int T, const int G) {
    __m256 a[3][4];
    for (int t = 0; t < T; t++)
        for (int g = 0; g < G; g++) a[t][g] = _mm256_setzero_ps();
    for (long ky = kyLo; ky < kyHi; ky++) {
        const float *rowPlanes = slab + (slabRowOffset + ky) * cin * inW;
        for (long kx = 0; kx < k; kx++) {
            const float *w = w1 + (ky * k + kx) * cin;
            const float *x = rowPlanes + ix0 + kx;
            for (long c = 0; c < cin; c++, x += inW) {
                __m256 xv[4];
                for (int g = 0; g < G; g++) xv[g] = _mm256_loadu_ps(x + 8 * g);
                for (int t = 0; t < T; t++) {
                    const __m256 wb = _mm256_broadcast_ss(w + t * taps + c);
                    for (int g = 0; g < G; g++) a[t][g] = _mm256_add_ps(a[t][g], _mm256_mul_ps(xv[g], wb));
                }
            }
        }
    }
    for (int t = 0; t < T; t++) {
        float lanes[32];
        for (int g = 0; g < G; g++) _mm256_storeu_ps(lanes + 8 * g, a[t][g]);
        for (int j = 0; j < 8 * G; j++) out[j * cout + t] = lanes[j];
    }
}

/// `tailPixels` with T and G as literals.
AVX2 static void tailPixelsDispatch(const float *slab, long slabRowOffset, long ix0, long inW, long cin, long k,
                                    long kyLo, long kyHi, const float *w1, long taps, float *out, long cout,
                                    long T, long G) {
#define TAIL(t, g) tailPixels(slab, slabRowOffset, ix0, inW, cin, k, kyLo, kyHi, w1, taps, out, cout, t, g)
    if (G == 4) {
        if (T == 3) TAIL(3, 4); else if (T == 2) TAIL(2, 4); else TAIL(1, 4);
    } else {
        if (T == 3) TAIL(3, 1); else if (T == 2) TAIL(2, 1); else TAIL(1, 1);
    }
#undef TAIL
}

AVX2 static void floatRowsAVX2(const st_conv_shape *p, long rowLo, long rowHi, const float *input,
                               const float *wt, float *output) {
    const long cin = p->cin, cout = p->cout, k = p->kernel, S = p->stride, inW = p->inW;
    const long taps = k * k * cin, imageSize = p->inH * inW * cin, inRow = inW * cin;
    const long o16 = cout / 16 * 16;
    long o4 = o16;                                  // end of the blocks of 4
    while (cout - o4 >= 4) o4 += 4;
    // Interior pixels: every kx tap inside the image.
    const long oxInLo = min_l(p->outW, (p->pad + S - 1) / S);
    const long oxInHi = max_l(oxInLo, p->inW - k + p->pad >= 0 ? min_l(p->outW, (p->inW - k + p->pad) / S + 1) : 0);
    const int tailVectors = o4 < cout && S == 1 && oxInHi - oxInLo >= 8;
    float *slab = NULL;
    long slabImage = -1, slabLo = 0, slabHi = 0;
    for (long r = rowLo; r < rowHi; r++) {
        const long b = r / p->outH, oy = r % p->outH, iy0 = oy * S - p->pad;
        const long kyLo = max_l(0, -iy0), kyHi = min_l(k, p->inH - iy0);
        const float *image = input + b * imageSize;
        float *rowOut = output + r * p->outW * cout;
        for (long o = 0; o < o16; o += 16) {
            const float *wb = wt + o * taps;
            long ox = 0;
            while (ox < p->outW) {
                const long ix0 = ox * S - p->pad;
                const int interior4 = ox >= oxInLo && ox + 4 <= oxInHi;
                const long kxLo = max_l(0, -ix0), kxHi = max_l(kxLo, min_l(k, inW - ix0));
                if (interior4) {
                    block16(image, iy0, ix0, S * cin, inRow, cin, k, kyLo, kyHi, kxLo, kxHi, wb, rowOut + ox * cout + o, cout, 4);
                    ox += 4;
                } else {
                    block16(image, iy0, ix0, S * cin, inRow, cin, k, kyLo, kyHi, kxLo, kxHi, wb, rowOut + ox * cout + o, cout, 1);
                    ox += 1;
                }
            }
        }
        for (long o = o16; o < o4; o += 4) {
            const float *wb = wt + o * taps;
            for (long ox = 0; ox < p->outW; ox++) {
                const long ix0 = ox * S - p->pad;
                const long kxLo = max_l(0, -ix0), kxHi = max_l(kxLo, min_l(k, inW - ix0));
                __m128 a = _mm_setzero_ps();
                for (long ky = kyLo; ky < kyHi; ky++)
                    for (long kx = kxLo; kx < kxHi; kx++) {
                        const float *x = image + (iy0 + ky) * inRow + (ix0 + kx) * cin;
                        const float *w = wb + (ky * k + kx) * cin * 4;
                        for (long c = 0; c < cin; c++, w += 4)
                            a = _mm_add_ps(a, _mm_mul_ps(_mm_set1_ps(x[c]), _mm_loadu_ps(w)));
                    }
                _mm_storeu_ps(rowOut + ox * cout + o, a);
            }
        }
        if (o4 == cout) continue;
        long vecLo = oxInHi, vecHi = oxInHi;       // interior pixels done eight at a time
        if (tailVectors) {
            // The slab holds this image's input rows as planes [row][cin][inW], built once for
            // the rest of the chunk's rows of the image.
            const long needLo = iy0 + kyLo, needHi = iy0 + kyHi;
            if (slabImage != b || needLo < slabLo || needHi > slabHi) {
                const long lastRow = min_l(rowHi, (b + 1) * p->outH) - 1;
                slabLo = needLo;
                slabHi = min_l(p->inH, (lastRow % p->outH) * S - p->pad + k);
                free(slab);
                slab = malloc(sizeof(float) * (size_t)((slabHi - slabLo) * cin * inW));
                if (!slab) abort();
                for (long iy = slabLo; iy < slabHi; iy++) {
                    const float *src = image + iy * inRow;
                    float *dst = slab + (iy - slabLo) * cin * inW;
                    for (long c = 0; c < cin; c++)
                        for (long ix = 0; ix < inW; ix++) dst[c * inW + ix] = src[ix * cin + c];
                }
                slabImage = b;
            }
            vecLo = oxInLo;
            vecHi = oxInLo + (oxInHi - oxInLo) / 8 * 8;
            long ox = vecLo;
            while (ox < vecHi) {
                const long groups = vecHi - ox >= 32 ? 4 : 1;
                tailPixelsDispatch(slab, iy0 - slabLo, ox - p->pad, inW, cin, k, kyLo, kyHi, wt + o4 * taps, taps,
                                   rowOut + ox * cout + o4, cout, cout - o4, groups);
                ox += 8 * groups;
            }
        }
        for (long ox = 0; ox < p->outW; ox++) {
            if (ox >= vecLo && ox < vecHi) continue;
            const long ix0 = ox * S - p->pad;
            const long kxLo = max_l(0, -ix0), kxHi = max_l(kxLo, min_l(k, inW - ix0));
            for (long o = o4; o < cout; o++) {
                const float *w1 = wt + o * taps;
                float a = 0;
                for (long ky = kyLo; ky < kyHi; ky++)
                    for (long kx = kxLo; kx < kxHi; kx++) {
                        const float *x = image + (iy0 + ky) * inRow + (ix0 + kx) * cin;
                        const float *w = w1 + (ky * k + kx) * cin;
                        for (long c = 0; c < cin; c++) a += x[c] * w[c];
                    }
                rowOut[ox * cout + o] = a;
            }
        }
    }
    free(slab);
}

void st_conv_float_rows(const st_conv_shape *shape, long rowLo, long rowHi, const float *input,
                        const float *weightsByTap, float *output) {
    floatRowsAVX2(shape, rowLo, rowHi, input, weightsByTap, output);
}

#else

int st_conv_float_available(void) { return 0; }

void st_conv_float_rows(const st_conv_shape *shape, long rowLo, long rowHi, const float *input,
                        const float *weightsByTap, float *output) {
    (void)shape; (void)rowLo; (void)rowHi; (void)input; (void)weightsByTap; (void)output;
    abort();   // callers check st_conv_float_available first
}

#endif
