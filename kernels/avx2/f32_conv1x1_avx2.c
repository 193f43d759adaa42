/* grt_f32_conv1x1_avx2: pointwise (1x1, stride 1) convolution as a GEMM, one image, NCHW,
 * AVX2 + FMA: out[co][p] = act(bias[co] + sum_ci w[co][ci] * in[ci][p] + res[co][p]).
 *
 * Layout: in [cin][hw]; weight packed by pack_conv1x1 with mr = MR = 8 (conv1x1_mr of the
 * AVX2 set in src/kernels/x86.rs): tile t is [cin][8], the 8 weights input channel ci gives
 * to output channels 8t..8t+7, zero-padded past cout; bias [cout] or NULL; residual and out
 * [cout][hw] (out may equal residual).
 * Preconditions: cin >= 1; out does not overlap in or weight.
 *
 * Register tile: ROWS output channels x NV ymm of 8 pixels = ROWS * NV accumulators. Per
 * input channel the NV pixel vectors are loaded once and each of the ROWS weights is
 * broadcast (vbroadcastss) into NV FMAs.
 *   4 x 3: 12 accumulators, 3 pixel vectors, 1 broadcast (all 16 ymm): 12 FMA per 7 loads,
 *          24 pixels; rows 0-3 or 4-7 of a packed tile (weight stride 8).
 *   4 x 2: the 9..16 pixels left at the end of a row.
 *   8 x 1: the 1..8 pixels left; 8 accumulators keep 8 FMAs in flight (4-cycle latency,
 *          2 ports).
 * The last vector of a partial strip is masked (vmaskmovps): masked lanes are neither read
 * nor written. Rows past cout run on the zero padding of the packed weights; their bias,
 * residual and out are never touched. Accumulators start at the bias, so the bias is the
 * first term of the sum (the scalar kernel adds it last; the tolerance of tests/kernels.rs
 * allows for the order).
 *
 * Loop order: strips of 24 pixels (then one strip of the 1..23 left) outside, output-channel
 * tiles inside: the cin x 24 input strip comes from memory once and from cache for every
 * other tile; the packed weights are streamed in order. The first strip reads every weight
 * first (in a network, from L3 or memory: each step's weights are read once per image), so
 * while it runs rows 0-3 of a packed tile it prefetches the next tile, a line every two
 * input channels (RepGhostNet 2.0x 5.1-5.5% faster in all with this kernel set, 1.0x
 * 1.7-2.6%, alternating in one process).
 * Only elements inside the documented buffers are read.
 */
#include <immintrin.h>
#include "ghostrt_kernels.h"
#include "x86/gemm_epilogue.h"

#define MR 8 /* output channels per packed tile */
#define NV 3 /* pixel vectors of a full strip */
#define STRIP (8 * NV)

#define GRT_INLINE static inline __attribute__((always_inline))

/* act on a[0..n) (n constant at every call). One switch around the loop, not one per
 * vector, so the compiler has no reason to copy the code around it per activation. */
GRT_INLINE void act_all(__m256 *a, int n, int act) {
    const __m256 zero = _mm256_setzero_ps();
    const __m256 six = _mm256_set1_ps(6.0f);
    switch (act) {
    case GRT_ACT_RELU:
#pragma GCC unroll 16
        for (int i = 0; i < n; i++) {
            a[i] = _mm256_max_ps(a[i], zero);
        }
        break;
    case GRT_ACT_RELU6:
#pragma GCC unroll 16
        for (int i = 0; i < n; i++) {
            a[i] = _mm256_min_ps(_mm256_max_ps(a[i], zero), six);
        }
        break;
    case GRT_ACT_HARDSIGMOID:
#pragma GCC unroll 16
        for (int i = 0; i < n; i++) {
            a[i] = grt_act_avx2(a[i], GRT_ACT_HARDSIGMOID);
        }
        break;
    default:
        break;
    }
}

/* Register tile of rows x nv (constants at every call, so the loops unroll and
 * acc[r * nv + v] stays in registers). w: packed weights of the first row, x: &in[0][p],
 * out/res: &out[co][p], bias: &bias[co] or NULL. If `masked`, vector nv-1 holds the lanes
 * of `tail` only; rows >= nrows are not stored. */
GRT_INLINE void tile(const float *w, const float *x, size_t cin, size_t ld, int rows, int nv,
                     int masked, __m256i tail, size_t nrows, const float *bias,
                     const float *res, float *out, const float *pfw, int act) {
    __m256 acc[MR * NV];
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
        const __m256 b = _mm256_set1_ps(bias != NULL && (size_t)r < nrows ? bias[r] : 0.0f);
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            acc[r * nv + v] = b;
        }
    }
    for (size_t ci = 0; ci < cin; ci++) {
        __m256 xv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            xv[v] = masked && v == nv - 1 ? _mm256_maskload_ps(x + 8 * v, tail)
                                          : _mm256_loadu_ps(x + 8 * v);
        }
#pragma GCC unroll 8
        for (int r = 0; r < rows; r++) {
            const __m256 wv = _mm256_broadcast_ss(w + r);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++) {
                acc[r * nv + v] = _mm256_fmadd_ps(wv, xv[v], acc[r * nv + v]);
            }
        }
        if (pfw != NULL && ci % 2 == 0) {
            _mm_prefetch((const char *)(pfw + ci * MR), _MM_HINT_T0);
        }
        x += ld;
        w += MR;
    }
    if (res != NULL) {
#pragma GCC unroll 8
        for (int r = 0; r < rows; r++) {
            if ((size_t)r >= nrows) {
                break;
            }
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++) {
                const float *rr = res + (size_t)r * ld + 8 * v;
                const __m256 y = masked && v == nv - 1 ? _mm256_maskload_ps(rr, tail)
                                                       : _mm256_loadu_ps(rr);
                acc[r * nv + v] = _mm256_add_ps(acc[r * nv + v], y);
            }
        }
    }
    act_all(acc, rows * nv, act);
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
        if ((size_t)r >= nrows) {
            break;
        }
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            float *o = out + (size_t)r * ld + 8 * v;
            if (masked && v == nv - 1) {
                _mm256_maskstore_ps(o, tail, acc[r * nv + v]);
            } else {
                _mm256_storeu_ps(o, acc[r * nv + v]);
            }
        }
    }
}

/* Pixels [p, p + 8 (nv - 1) + lanes of tail) of every output channel, in tiles of `rows`
 * (4 or 8) output channels. */
GRT_INLINE void strip(const float *in, size_t cin, size_t ld, const float *weight,
                      const float *bias, const float *residual, float *out, size_t cout,
                      int act, size_t p, int rows, int nv, int masked, __m256i tail,
                      int pf) {
    for (size_t co = 0; co < cout; co += (size_t)rows) {
        const float *pfw = pf && co % MR == 0 && co + MR < cout
                               ? weight + (co / MR + 1) * MR * cin
                               : NULL;
        const size_t left = cout - co < (size_t)rows ? cout - co : (size_t)rows;
        /* Row co of the packed weights: tile co / MR, lane co % MR of it. */
        const float *w = weight + (co / MR) * MR * cin + co % MR;
        const float *b = bias != NULL ? bias + co : NULL;
        const float *r = residual != NULL ? residual + co * ld + p : NULL;
        tile(w, in + p, cin, ld, rows, nv, masked, tail, left, b, r, out + co * ld + p, pfw,
             act);
    }
}

/* The partial last strip of n = 1..23 pixels, out of line: it runs once per call. */
static void strip_part(const float *in, size_t cin, size_t ld, const float *weight,
                       const float *bias, const float *residual, float *out, size_t cout,
                       int act, size_t p, size_t n, int pf) {
    const __m256i tail = grt_mask_avx2(n - 8 * ((n - 1) / 8));
    if (n > 16) {
        strip(in, cin, ld, weight, bias, residual, out, cout, act, p, 4, 3, 1, tail, pf);
    } else if (n > 8) {
        strip(in, cin, ld, weight, bias, residual, out, cout, act, p, 4, 2, 1, tail, pf);
    } else {
        strip(in, cin, ld, weight, bias, residual, out, cout, act, p, 8, 1, 1, tail, pf);
    }
}

void grt_f32_conv1x1_avx2(const float *in, size_t cin, size_t hw, size_t ld, const float *weight,
                          const float *bias, const float *residual, float *out, size_t cout,
                          int act) {
    const __m256i all = _mm256_set1_epi32(-1);
    size_t p = 0;
    int pf = 1; /* the first strip prefetches; later strips find the weights in L2 */
    for (; p + STRIP <= hw; p += STRIP) {
        strip(in, cin, ld, weight, bias, residual, out, cout, act, p, 4, NV, 0, all, pf);
        pf = 0;
    }
    if (p < hw) {
        strip_part(in, cin, ld, weight, bias, residual, out, cout, act, p, hw - p, pf);
    }
}
