/* dw_conv_impl.h: dense KxK convolution (groups = 1: the network stem, 3 -> 16 channels,
 * 3x3 stride 2), one image, NCHW, written against the "vf" vector interface (include
 * kernels/x86/dw_vec_avx2.h or dw_vec_avx512.h first). Entry point: cv_conv(), with the
 * signature of grt_f32_conv_* (ghostrt_kernels.h). Only output rows [y0, y1) are computed.
 *
 * K = 3, stride 2, pad 1 (the stem; cv2_*), as a small GEMM per column vector:
 *   split table  per chunk of CV2_CH = 2 output rows, its 2 * 2 + 1 input rows of every
 *                input channel are split once into even and odd columns (2 loads, 2
 *                vf_even/vf_odd, 2 stores per VF_LANES outputs, natural lane order via
 *                vf_unscramble) in a stack table, in blocks of CV2_NVB column vectors
 *                (8 x 16 / 16 x 8 = 128 output columns). Output column x then reads tap kx
 *                of an input row as odd[x - 1], even[x], odd[x]: three plain loads (the first
 *                unaligned; the odd half keeps the element left of the block in front of
 *                it), no shuffles and no masks in the tile. Rows outside the image are
 *                stored as zeros; only the last vector of a row loads under a mask.
 *   weights      repacked per call to [group][ci][ky][kx][CV2_MR] (0 past cout), so every
 *                tap of a channel group is one vbroadcastss away at a fixed offset.
 *   registers    acc[CV2_MR][CV2_NR]: CV2_MR output channels x CV2_NR = 2 output rows of
 *                one column vector (AVX-512: 8 x 2 = 16 zmm; AVX2: 4 x 2 = 8 ymm), started
 *                at the bias; per tap (ci, ky, kx): x[j] = one input vector per row j (in a
 *                register, vf_reg), then per channel i one broadcast w (in a register) and
 *                CV2_NR FMAs. AVX-512: 2 loads + 8 broadcasts per 16 FMAs.
 *   epilogue     dw_store per accumulator (residual, act, mask for a short last vector).
 * A band ending in a single row runs the tile with one row. Inputs whose table or weights
 * do not fit the stack buffers (cin > 5 with AVX-512, > 6 with AVX2, or more than 2048
 * weights), other pads, stride 1 and other K take the generic tile below.
 *
 * Generic tile (cv_tile): CV_CB output channels x CV_R output rows x one block of VF_LANES
 * output columns, CV_CB * CV_R accumulators (AVX-512: 4 x 4 = 16 zmm; AVX2: 4 x 2 = 8 ymm).
 * For each input channel ci and kernel row ky the CV_CB * K taps w[co][ci][ky][kx] are
 * broadcast once and reused by every row of the tile; each input vector (one tap kx of one
 * row) is loaded once and feeds CV_CB channels. With K = 3 that is 3 loads (stride 1) or 4
 * loads + 3 shuffles (stride 2, as in dw_dwconv_impl.h) per 3 * CV_CB FMAs. Blocks of output
 * columns are the outer loop and channel groups the inner one, so the input rows under a
 * block are still in L1 when the next channel group reads them. Padding as in the depthwise
 * kernel: input rows outside the image are skipped, border column blocks load under lane
 * masks, a short last block stores under a mask. A tile with fewer rows or channels left
 * than CV_R or CV_CB computes the missing ones on clamped (valid) addresses and does not
 * store them. Other K up to DW_KMAX run the same code with a runtime K; strides above 2 or
 * larger K forward to grt_f32_conv_scalar.
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

/* ---- K = 3, stride 2, pad 1: even/odd rows in a stack table, register tile MR x NR ---- */

#if VF_LANES == 16
#define CV2_MR 8  /* output channels per register tile */
#define CV2_NR 2  /* output rows per register tile */
#define CV2_NVB 8 /* column vectors per block of the table */
#else
#define CV2_MR 4
#define CV2_NR 2
#define CV2_NVB 16
#endif
#define CV2_CH 2 /* output rows per chunk of the table (a multiple of CV2_NR) */
/* One table row: even half then odd half, each a vector of leading slots (the odd half's
 * last one holds the element left of the block) and CV2_NVB vectors. */
#define CV2_HALF ((CV2_NVB + 1) * VF_LANES)
#define CV2_ROW (2 * CV2_HALF)
#define CV2_K 3
/* Floats of the stack tables: split rows of one chunk (32 KiB: cin <= 5 with AVX-512,
 * <= 6 with AVX2), repacked weights (cout rounded up to CV2_MR x cin x 9). */
#define CV2_TBUF 8192
#define CV2_WBUF 2048

/* Input row iy of plane split for column vectors v0 .. v0 + nvb: t[VF_LANES + i] =
 * row[2 x0 + 2 i] (even), t[CV2_HALF + VF_LANES + i] = row[2 x0 + 2 i + 1] (odd) for x0 =
 * v0 VF_LANES, and t[CV2_HALF + VF_LANES - 1] = row[2 x0 - 1]; 0 outside the image. */
DW_INLINE void cv2_split_row(const cv_geom *g, const float *plane, ptrdiff_t iy, size_t v0,
                             size_t nvb, float *t) {
    float *te = t + VF_LANES, *to = t + CV2_HALF + VF_LANES;
    if (iy < 0 || iy >= g->h) {
        for (size_t vb = 0; vb < nvb; vb++) {
            vf_store(te + vb * VF_LANES, vf_zero());
            vf_store(to + vb * VF_LANES, vf_zero());
        }
        to[-1] = 0.0f;
        return;
    }
    const float *row = plane + iy * g->w;
    const ptrdiff_t c0 = (ptrdiff_t)(2 * v0 * VF_LANES);
    to[-1] = c0 > 0 ? row[c0 - 1] : 0.0f;
    for (size_t vb = 0; vb < nvb; vb++) {
        const ptrdiff_t c = c0 + (ptrdiff_t)(2 * vb * VF_LANES);
        vf a, b;
        if (c + 2 * VF_LANES <= g->w) {
            a = vf_load(row + c);
            b = vf_load(row + c + VF_LANES);
        } else {
            a = vf_load_mask(row, c, vf_mask_range(0, g->w - c));
            b = vf_load_mask(row, c + VF_LANES, vf_mask_range(0, g->w - c - VF_LANES));
        }
        vf_store(te + vb * VF_LANES, vf_unscramble(vf_even(a, b)));
        vf_store(to + vb * VF_LANES, vf_unscramble(vf_odd(a, b)));
    }
}

/* Channels co0 .. co0 + nc (nc <= CV2_MR) x output rows oy .. oy + NR of one column vector
 * (at = oy * ow + its first column, n columns). tp: its split input rows of channel 0 (row
 * l at l * CV2_ROW), channel ci at tp + ci * cstride; wp: the group's weights,
 * [ci][ky][kx][CV2_MR]. Tap kx of input row l is odd[x - 1], even[x], odd[x]. */
DW_INLINE void cv2_tile(const float *tp, size_t cstride, const float *wp, size_t cin,
                        const float *bias, const float *residual, float *out, size_t co0,
                        size_t nc, size_t plane_out, size_t at, size_t ow, size_t n, int act,
                        const int NR) {
    const int K = CV2_K;
    vf acc[CV2_MR][CV2_NR];
#pragma GCC unroll 16
    for (int i = 0; i < CV2_MR; i++) {
        const vf b = vf_set1(bias != NULL && (size_t)i < nc ? bias[co0 + (size_t)i] : 0.0f);
#pragma GCC unroll 4
        for (int j = 0; j < NR; j++) {
            acc[i][j] = b;
        }
    }
    for (size_t ci = 0; ci < cin; ci++) {
        const float *t = tp + ci * cstride;
        const float *wq = wp + ci * (size_t)(K * K * CV2_MR);
#pragma GCC unroll 4
        for (int ky = 0; ky < K; ky++) {
#pragma GCC unroll 4
            for (int kx = 0; kx < K; kx++) {
                const int off = kx == 0 ? CV2_HALF + VF_LANES - 1
                                        : (kx == 1 ? VF_LANES : CV2_HALF + VF_LANES);
                vf x[CV2_NR];
#pragma GCC unroll 4
                for (int j = 0; j < NR; j++) {
                    x[j] = vf_reg(vf_load(t + (2 * j + ky) * CV2_ROW + off));
                }
#pragma GCC unroll 16
                for (int i = 0; i < CV2_MR; i++) {
                    const vf wv = vf_reg(vf_set1(wq[(ky * K + kx) * CV2_MR + i]));
#pragma GCC unroll 4
                    for (int j = 0; j < NR; j++) {
                        acc[i][j] = vf_fma(x[j], wv, acc[i][j]);
                    }
                }
            }
        }
    }
#pragma GCC unroll 16
    for (int i = 0; i < CV2_MR; i++) {
#pragma GCC unroll 4
        for (int j = 0; j < NR; j++) {
            if ((size_t)i < nc) {
                const size_t o = (co0 + (size_t)i) * plane_out + at + (size_t)j * ow;
                dw_store(acc[i][j], out + o, residual != NULL ? residual + o : NULL, n, act, 1);
            }
        }
    }
}

/* K = 3, stride 2, pad 1 over output rows y0 .. y1. Returns 0 (nothing done) when the
 * tables do not fit the stack buffers. */
DW_INLINE int cv2_run(const cv_geom *g, const float *bias, const float *residual, float *out,
                      int act) {
    const size_t kk = (size_t)(CV2_K * CV2_K);
    const size_t cpad = (g->cout + CV2_MR - 1) / CV2_MR * CV2_MR;
    const size_t ch = CV2_CH;
    if (g->pad != 1 || cpad * g->cin * kk > CV2_WBUF ||
        g->cin * (2 * ch + 1) * CV2_ROW > CV2_TBUF) {
        return 0;
    }
    float wpk[CV2_WBUF] __attribute__((aligned(64)));
    float tbuf[CV2_TBUF] __attribute__((aligned(64)));
    /* wpk[group][ci][tap][i] = weight[group * CV2_MR + i][ci][tap], 0 past cout. */
    for (size_t co = 0; co < cpad; co++) {
        const size_t grp = co / CV2_MR, i = co % CV2_MR;
        for (size_t ci = 0; ci < g->cin; ci++) {
            for (size_t t = 0; t < kk; t++) {
                wpk[((grp * g->cin + ci) * kk + t) * CV2_MR + i] =
                    co < g->cout ? g->weight[(co * g->cin + ci) * kk + t] : 0.0f;
            }
        }
    }
    const size_t nv = (g->ow + VF_LANES - 1) / VF_LANES;
    const size_t plane_in = (size_t)(g->h * g->w), plane_out = g->oh * g->ow;
    for (size_t oy0 = g->y0; oy0 < g->y1; oy0 += ch) {
        const size_t rows = g->y1 - oy0 < ch ? g->y1 - oy0 : ch;
        const size_t nl = 2 * rows + 1, cstride = nl * CV2_ROW;
        for (size_t v0 = 0; v0 < nv; v0 += CV2_NVB) {
            const size_t nvb = nv - v0 < CV2_NVB ? nv - v0 : CV2_NVB;
            for (size_t ci = 0; ci < g->cin; ci++) {
                for (size_t l = 0; l < nl; l++) {
                    cv2_split_row(g, g->in + ci * plane_in, (ptrdiff_t)(2 * oy0 + l) - 1, v0,
                                  nvb, tbuf + ci * cstride + l * CV2_ROW);
                }
            }
            /* Channel groups outside the column vectors: each group writes its rows line
             * after line. With the vectors outside, every vector left half-written lines in
             * all cout planes, which (planes a multiple of 1 KiB apart: 112x112 is 50176
             * bytes) share a few L1 sets and were evicted before the next vector completed
             * them: 3 -> 32 at 224x224 0.84-0.85x the time this way, 3 -> 16 0.90x (AVX2,
             * alternating). Chunks of 4 output rows instead of 2 were 1.2-1.3x slower. */
            for (size_t co = 0; co < g->cout; co += CV2_MR) {
                const size_t nc = g->cout - co < CV2_MR ? g->cout - co : CV2_MR;
                const float *wp = wpk + co * g->cin * kk;
                for (size_t vb = 0; vb < nvb; vb++) {
                    const size_t x = (v0 + vb) * VF_LANES;
                    const size_t n = g->ow - x < VF_LANES ? g->ow - x : VF_LANES;
                    for (size_t r0 = 0; r0 < rows; r0 += CV2_NR) {
                        const size_t r = rows - r0 < CV2_NR ? rows - r0 : CV2_NR;
                        const float *tp = tbuf + 2 * r0 * CV2_ROW + vb * VF_LANES;
                        const size_t at = (oy0 + r0) * g->ow + x;
                        if (r == CV2_NR) {
                            cv2_tile(tp, cstride, wp, g->cin, bias, residual, out, co, nc,
                                     plane_out, at, g->ow, n, act, CV2_NR);
                        } else {
                            /* r < CV2_NR: one row at a time. */
                            for (size_t j = 0; j < r; j++) {
                                cv2_tile(tp + 2 * j * CV2_ROW, cstride, wp, g->cin, bias,
                                         residual, out, co, nc, plane_out, at + j * g->ow,
                                         g->ow, n, act, 1);
                            }
                        }
                    }
                }
            }
        }
    }
    return 1;
}

/* A copy with ReLU (the stem's activation) constant: a switch on act per stored vector
 * cost 7% of the instructions of a 3 -> 16 stem (callgrind, AVX2). */
static int cv2_run_relu(const cv_geom *g, const float *bias, const float *residual, float *out) {
    return cv2_run(g, bias, residual, out, GRT_ACT_RELU);
}

static int cv2_run_any(const cv_geom *g, const float *bias, const float *residual, float *out,
                       int act) {
    return cv2_run(g, bias, residual, out, act);
}

static void cv_k3(const cv_geom *g, const float *bias, const float *residual, float *out,
                  size_t stride, int act) {
    if (stride == 1) {
        cv_all(g, bias, residual, out, act, 3, 1);
    } else if (!(act == GRT_ACT_RELU ? cv2_run_relu(g, bias, residual, out)
                                     : cv2_run_any(g, bias, residual, out, act))) {
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
