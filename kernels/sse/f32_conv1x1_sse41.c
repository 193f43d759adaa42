/* grt_f32_conv1x1_sse41: pointwise (1x1, stride 1) convolution as a GEMM, one image, NCHW,
 * SSE4.1 (the x86 fallback without AVX2):
 * out[co][p] = act(bias[co] + sum_ci w[co][ci] * in[ci][p] + res[co][p]).
 *
 * Layout: in [cin][hw] with planes ld floats apart (ld >= hw); weight packed by
 * pack_conv1x1 with mr = MR = 4 (conv1x1_mr of the SSE41 set in src/kernels/x86.rs): tile t
 * is [cin][4], the 4 weights input channel ci gives to output channels 4t..4t+3,
 * zero-padded past cout; bias [cout] or NULL; residual and out [cout][ld] (out may equal
 * residual). Preconditions: cin >= 1; out does not overlap in or weight.
 *
 * Register tile: 4 output channels x NV = 3 xmm of 4 pixels = 12 accumulators, 3 pixel
 * vectors and a broadcast weight (all 16 xmm): per input channel the 3 pixel vectors are
 * loaded once and each of the 4 weights is broadcast into 3 multiply-adds (no FMA before
 * AVX2). Loop order as the AVX2 kernel: strips of 12 pixels outside, channel tiles inside,
 * so the cin x 12 input strip comes from memory once and from L1 for every other tile. The
 * 1..11 pixels left after full strips (49 = 4 x 12 + 1 at 7x7) run with vectors along
 * output channels (strip_tail), 4 pixels at a time, and are stored one float at a time, so
 * nothing outside the buffers is touched.
 * Accumulators start at the bias (the scalar kernel adds it last; the tolerance of
 * tests/kernels.rs allows for the order).
 */
#include <smmintrin.h>
#include "ghostrt_kernels.h"
#include "scalar/epilogue.h"
#include "x86/act_sse.h"

#define MR 4 /* output channels per packed tile */
#define NV 3 /* pixel vectors per strip */
#define STRIP (4 * NV)

#define GRT_INLINE static inline __attribute__((always_inline))

/* acc[r][v] += sum over cin input channels of w[ci][r] * x[ci][4v..4v+3]; x rows xld apart. */
GRT_INLINE void tile_sum(__m128 acc[MR][NV], const float *w, const float *x, size_t cin,
                         size_t xld) {
    for (size_t ci = 0; ci < cin; ci++) {
        const __m128 x0 = _mm_loadu_ps(x);
        const __m128 x1 = _mm_loadu_ps(x + 4);
        const __m128 x2 = _mm_loadu_ps(x + 8);
#pragma GCC unroll 4
        for (int r = 0; r < MR; r++) {
            const __m128 wv = _mm_set1_ps(w[r]);
            acc[r][0] = _mm_add_ps(_mm_mul_ps(wv, x0), acc[r][0]);
            acc[r][1] = _mm_add_ps(_mm_mul_ps(wv, x1), acc[r][1]);
            acc[r][2] = _mm_add_ps(_mm_mul_ps(wv, x2), acc[r][2]);
        }
        x += xld;
        w += MR;
    }
}

GRT_INLINE void tile_init(__m128 acc[MR][NV], const float *bias, size_t rows) {
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++) {
        const __m128 b = _mm_set1_ps(bias != NULL && (size_t)r < rows ? bias[r] : 0.0f);
        for (int v = 0; v < NV; v++) {
            acc[r][v] = b;
        }
    }
}

/* Full strips: pixels [p, p + 12) of output channels [co, co + rows). */
static void strip_full(const float *in, size_t cin, size_t ld, const float *weight,
                       const float *bias, const float *residual, float *out, size_t cout,
                       size_t p, int act) {
    for (size_t co = 0; co < cout; co += MR) {
        const size_t rows = cout - co < MR ? cout - co : MR;
        __m128 acc[MR][NV];
        tile_init(acc, bias != NULL ? bias + co : NULL, rows);
        tile_sum(acc, weight + co * cin, in + p, cin, ld);
        for (size_t r = 0; r < rows; r++) {
            float *o = out + (co + r) * ld + p;
            const float *rr = residual != NULL ? residual + (co + r) * ld + p : NULL;
            for (int v = 0; v < NV; v++) {
                __m128 y = acc[r][v];
                if (rr != NULL) {
                    y = _mm_add_ps(y, _mm_loadu_ps(rr + 4 * v));
                }
                _mm_storeu_ps(o + 4 * v, grt_act_sse(y, act));
            }
        }
    }
}

/* The last n < 12 pixels [p, p + n), vectors along output channels: each packed weight row
 * (4 channels of one input channel) is loaded once and multiplied by up to 4 broadcast
 * pixels (slots past n repeat pixel n - 1 and are not stored), so the tail costs about what
 * a strip does per pixel; results are stored per float. */
static void strip_tail(const float *in, size_t cin, size_t ld, const float *weight,
                       const float *bias, const float *residual, float *out, size_t cout,
                       size_t p, size_t n, int act) {
    for (size_t q0 = 0; q0 < n; q0 += 4) {
        const size_t nq = n - q0 < 4 ? n - q0 : 4;
        size_t off[4];
        for (size_t q = 0; q < 4; q++) {
            off[q] = p + q0 + (q < nq ? q : nq - 1);
        }
        for (size_t co = 0; co < cout; co += MR) {
            const size_t rows = cout - co < MR ? cout - co : MR;
            float bt[MR] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (size_t r = 0; bias != NULL && r < rows; r++) {
                bt[r] = bias[co + r];
            }
            __m128 acc[4];
            for (int q = 0; q < 4; q++) {
                acc[q] = _mm_loadu_ps(bt);
            }
            const float *w = weight + co * cin;
            const float *x = in;
            for (size_t ci = 0; ci < cin; ci++) {
                const __m128 wv = _mm_loadu_ps(w);
#pragma GCC unroll 4
                for (int q = 0; q < 4; q++) {
                    acc[q] = _mm_add_ps(_mm_mul_ps(wv, _mm_set1_ps(x[off[q]])), acc[q]);
                }
                x += ld;
                w += MR;
            }
            for (size_t q = 0; q < nq; q++) {
                float y[MR];
                _mm_storeu_ps(y, acc[q]);
                /* The bias is already in the accumulators. */
                for (size_t r = 0; r < rows; r++) {
                    const size_t row = (co + r) * ld + p + q0;
                    grt_store(out + row, residual != NULL ? residual + row : NULL, q, y[r], 0.0f,
                              act);
                }
            }
        }
    }
}

void grt_f32_conv1x1_sse41(const float *in, size_t cin, size_t hw, size_t ld,
                           const float *weight, const float *bias, const float *residual,
                           float *out, size_t cout, int act) {
    size_t p = 0;
    for (; p + STRIP <= hw; p += STRIP) {
        strip_full(in, cin, ld, weight, bias, residual, out, cout, p, act);
    }
    if (p < hw) {
        strip_tail(in, cin, ld, weight, bias, residual, out, cout, p, hw - p, act);
    }
}
