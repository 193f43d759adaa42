/* dw_conv_impl.h: dense KxK convolution (groups = 1: the network stem, 3 -> 16 channels,
 * 3x3 stride 2), one image, NCHW, written against the "vf" vector interface (include
 * kernels/x86/dw_vec_avx2.h or dw_vec_avx512.h first). Entry point: cv_conv(), with the
 * signature of grt_f32_conv_* (ghostrt_kernels.h).
 *
 * Register tile: CV_CB output channels x CV_R output rows x one block of VF_LANES output
 * columns, CV_CB * CV_R accumulators (AVX-512: 4 x 4 = 16 zmm; AVX2: 4 x 2 = 8 ymm). For each
 * input channel ci and kernel row ky the CV_CB * K taps w[co][ci][ky][kx] are broadcast once
 * and reused by every row of the tile; each input vector (one tap kx of one row) is loaded
 * once and feeds CV_CB channels. With K = 3 that is 3 loads (stride 1) or 4 loads + 3
 * shuffles (stride 2, as in dw_dwconv_impl.h) per 3 * CV_CB FMAs. Blocks of output columns
 * are the outer loop and channel groups the inner one, so the input rows under a block are
 * still in L1 when the next channel group reads them.
 *
 * Padding as in the depthwise kernel: input rows outside the image are skipped, border
 * column blocks load under lane masks, a short last block stores under a mask. A tile with
 * fewer rows or channels left than CV_R or CV_CB computes the missing ones on clamped
 * (valid) addresses and does not store them. K = 3 is specialized; other K up to DW_KMAX
 * run the same code with a runtime K; strides above 2 or larger K forward to
 * grt_f32_conv_scalar.
 *
 * Preconditions (ghostrt_kernels.h): k, stride >= 1; oh, ow >= 1 match h, w, k, stride, pad;
 * out does not overlap in (it may equal residual). Only elements inside the buffers are read.
 */
#ifndef GHOSTRT_DW_CONV_IMPL_H
#define GHOSTRT_DW_CONV_IMPL_H
#include "x86/dw_tile_common.h"

#define CV_CB 4
#if VF_LANES == 16
#define CV_R 4
#else
#define CV_R 2
#endif

/* Geometry of one call. */
typedef struct {
    const float *in;
    size_t cin;
    ptrdiff_t h, w;
    const float *weight;
    size_t cout, oh, ow;
    size_t y0, y1; /* output rows computed */
    ptrdiff_t pad;
} cv_geom;

/* Channels co0 .. co0 + nc and rows oy0 .. oy0 + nr (nc <= CV_CB, nr <= CV_R) of the
 * column block at x with n <= VF_LANES columns whose first tap reads input column ix0. */
DW_INLINE void cv_tile(const cv_geom *g, const float *bias, const float *residual, float *out,
                       size_t co0, size_t nc, size_t oy0, size_t nr, size_t x, ptrdiff_t ix0,
                       size_t n, int act, const int K, const int S, const int masked) {
    const size_t kk = (size_t)(K * K);
    const float *wc[CV_CB];
    vf acc[CV_CB][CV_R];
#pragma GCC unroll 4
    for (int i = 0; i < CV_CB; i++) {
        /* Missing channels reuse the last real one; their sums are never stored. */
        const size_t co = co0 + ((size_t)i < nc ? (size_t)i : nc - 1);
        wc[i] = g->weight + co * g->cin * kk;
        const vf b = vf_set1(bias != NULL ? bias[co] : 0.0f);
#pragma GCC unroll 4
        for (int j = 0; j < CV_R; j++) {
            acc[i][j] = b;
        }
    }
    const ptrdiff_t iy0 = (ptrdiff_t)(oy0 * S) - g->pad;
    for (size_t ci = 0; ci < g->cin; ci++) {
        const float *plane = g->in + ci * (size_t)(g->h * g->w);
        for (int ky = 0; ky < K; ky++) {
            /* Taps of this (ci, ky) for channel i: wk[i][kx]. The broadcasts below are
             * loop-invariant across rows, and nothing is stored in between, so the compiler
             * loads each once per (ci, ky). */
            const float *wk[CV_CB];
#pragma GCC unroll 4
            for (int i = 0; i < CV_CB; i++) {
                wk[i] = wc[i] + ci * kk + (size_t)(ky * K);
            }
#pragma GCC unroll 4
            for (int j = 0; j < CV_R; j++) {
                const ptrdiff_t iy = iy0 + j * S + ky;
                if ((size_t)j >= nr || iy < 0 || iy >= g->h) {
                    continue;
                }
                const float *row = plane + iy * g->w;
#pragma GCC unroll 8
                for (int kx = 0; kx < K; kx += S) {
                    const ptrdiff_t c = ix0 + kx;
                    if (S == 1) {
                        const vf v = dw_load_cols(row, c, g->w, masked);
#pragma GCC unroll 4
                        for (int i = 0; i < CV_CB; i++) {
                            acc[i][j] = vf_fma(v, vf_set1(wk[i][kx]), acc[i][j]);
                        }
                    } else {
                        const vf a = dw_load_cols(row, c, g->w, masked);
                        const vf b = dw_load_cols(row, c + VF_LANES, g->w, masked);
                        const vf even = vf_even(a, b);
#pragma GCC unroll 4
                        for (int i = 0; i < CV_CB; i++) {
                            acc[i][j] = vf_fma(even, vf_set1(wk[i][kx]), acc[i][j]);
                        }
                        if (kx + 1 < K) {
                            const vf odd = vf_odd(a, b);
#pragma GCC unroll 4
                            for (int i = 0; i < CV_CB; i++) {
                                acc[i][j] = vf_fma(odd, vf_set1(wk[i][kx + 1]), acc[i][j]);
                            }
                        }
                    }
                }
            }
        }
    }
    const size_t plane_out = g->oh * g->ow;
#pragma GCC unroll 4
    for (int i = 0; i < CV_CB; i++) {
#pragma GCC unroll 4
        for (int j = 0; j < CV_R; j++) {
            if ((size_t)i < nc && (size_t)j < nr) {
                const size_t at = (co0 + (size_t)i) * plane_out + (oy0 + (size_t)j) * g->ow + x;
                dw_store(acc[i][j], out + at, residual != NULL ? residual + at : NULL, n, act, S);
            }
        }
    }
}

/* Every output: row tiles, column blocks (interior ones with plain loads), channel groups. */
DW_INLINE void cv_all(const cv_geom *g, const float *bias, const float *residual, float *out,
                      int act, const int K, const int S) {
    /* Input columns one block's loads cover, from its first tap on. */
    const ptrdiff_t span = S == 1 ? VF_LANES + K - 1 : 2 * ((K - 1) / 2) + 2 * VF_LANES;
    for (size_t oy = g->y0; oy < g->y1; oy += CV_R) {
        const size_t nr = g->y1 - oy < CV_R ? g->y1 - oy : CV_R;
        for (size_t x = 0; x < g->ow; x += VF_LANES) {
            const size_t n = g->ow - x < VF_LANES ? g->ow - x : VF_LANES;
            const ptrdiff_t ix0 = (ptrdiff_t)(x * S) - g->pad;
            const int interior = n == VF_LANES && ix0 >= 0 && ix0 + span <= g->w;
            for (size_t co = 0; co < g->cout; co += CV_CB) {
                const size_t nc = g->cout - co < CV_CB ? g->cout - co : CV_CB;
                if (interior) {
                    cv_tile(g, bias, residual, out, co, nc, oy, nr, x, ix0, n, act, K, S, 0);
                } else {
                    cv_tile(g, bias, residual, out, co, nc, oy, nr, x, ix0, n, act, K, S, 1);
                }
            }
        }
    }
}

static void cv_k3(const cv_geom *g, const float *bias, const float *residual, float *out,
                  size_t stride, int act) {
    if (stride == 1) {
        cv_all(g, bias, residual, out, act, 3, 1);
    } else {
        cv_all(g, bias, residual, out, act, 3, 2);
    }
}

static void cv_kany(const cv_geom *g, const float *bias, const float *residual, float *out,
                    size_t k, size_t stride, int act) {
    if (stride == 1) {
        cv_all(g, bias, residual, out, act, (int)k, 1);
    } else {
        cv_all(g, bias, residual, out, act, (int)k, 2);
    }
}

DW_INLINE void cv_conv(const float *in, size_t cin, size_t h, size_t w, const float *weight,
                       const float *bias, const float *residual, float *out, size_t cout,
                       size_t oh, size_t ow, size_t k, size_t stride, size_t pad, size_t y0,
                       size_t y1, int act) {
    if (stride > 2 || k > DW_KMAX) {
        grt_f32_conv_scalar(in, cin, h, w, weight, bias, residual, out, cout, oh, ow, k, stride,
                            pad, y0, y1, act);
        return;
    }
    const cv_geom g = {in, cin, (ptrdiff_t)h, (ptrdiff_t)w, weight, cout, oh, ow, y0, y1,
                       (ptrdiff_t)pad};
    if (k == 3) {
        cv_k3(&g, bias, residual, out, stride, act);
    } else {
        cv_kany(&g, bias, residual, out, k, stride, act);
    }
}

#endif
