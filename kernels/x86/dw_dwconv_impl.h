/* dw_dwconv_impl.h: depthwise KxK convolution, one image, NCHW, written once against the
 * "vf" vector interface (include kernels/x86/dw_vec_avx2.h or dw_vec_avx512.h first).
 * Entry point: dw_dwconv(), with the signature of grt_f32_dwconv_* (ghostrt_kernels.h).
 *
 * Register map (one channel, K in {3, 5} and stride S in {1, 2} specialized):
 *   wt[K*K]   every tap of the channel, broadcast once per channel (AVX2 with K = 5 has
 *             more taps than ymm registers; the compiler keeps the rest on the stack and
 *             the FMAs read them as memory operands)
 *   acc[R]    R output rows x VF_LANES output columns, started at the bias
 *   v         the input vector of one tap: loaded once per input row and fed to every
 *             output row of the tile that uses that input row (R = 4 rows at stride 1 read
 *             R + K - 1 input rows instead of R * K)
 * Stride 2: the 2 * VF_LANES input floats under one tap are loaded as two vectors and split
 * into even elements (tap kx) and odd elements (tap kx + 1); vf_unscramble fixes the lane
 * order once per accumulator (dw_vec_avx2.h).
 *
 * Padding without a padded copy: an input row outside the image is skipped (its taps are
 * zero), a column block whose loads all lie inside the row runs with plain loads, and a
 * border block (image edge, or fewer than VF_LANES output columns left) loads with lane
 * masks so exactly the in-row elements are read and the rest are zero; a partial block
 * stores under a mask. Other K (up to DW_KMAX) take the same path with a runtime K and one
 * row per tile; strides above 2 and larger K forward to grt_f32_dwconv_scalar.
 *
 * Preconditions (ghostrt_kernels.h): k, stride >= 1, oh, ow >= 1 match h, w, k, stride, pad;
 * out does not overlap in (it may equal residual: each residual vector is read just before
 * the output vector at the same place is written). Only elements inside the buffers are read.
 */
#ifndef GHOSTRT_DW_DWCONV_IMPL_H
#define GHOSTRT_DW_DWCONV_IMPL_H

#include "x86/dw_tile_common.h"

/* acc[j] += the K taps of kernel row ky = r - j * S, for every output row j of the tile
 * that input row `row` feeds. Tap kx of a stride-1 block reads the VF_LANES input columns
 * from ix0 + kx; a stride-2 block reads 2 * VF_LANES from ix0 + kx (kx even) and splits
 * them into taps kx and kx + 1. wt holds taps from kernel row ky_base on. */
DW_INLINE void dw_row_taps(vf *acc, const float *row, ptrdiff_t w, ptrdiff_t ix0, const vf *wt,
                           int r, const int K, const int S, const int R, const int masked) {
    if (S == 1) {
#pragma GCC unroll 8
        for (int kx = 0; kx < K; kx++) {
            const ptrdiff_t c = ix0 + kx;
            const vf v = dw_load_cols(row, c, w, masked);
#pragma GCC unroll 4
            for (int j = 0; j < R; j++) {
                const int ky = r - j;
                if (ky >= 0 && ky < K) {
                    acc[j] = vf_fma(v, wt[ky * K + kx], acc[j]);
                }
            }
        }
    } else {
#pragma GCC unroll 4
        for (int kx = 0; kx < K; kx += 2) {
            const ptrdiff_t c = ix0 + kx;
            const ptrdiff_t c2 = c + VF_LANES;
            const vf a = dw_load_cols(row, c, w, masked);
            const vf b = dw_load_cols(row, c2, w, masked);
            const vf even = vf_even(a, b);
            const vf odd = vf_odd(a, b);
#pragma GCC unroll 4
            for (int j = 0; j < R; j++) {
                const int ky = r - 2 * j;
                if (ky >= 0 && ky < K) {
                    acc[j] = vf_fma(even, wt[ky * K + kx], acc[j]);
                    if (kx + 1 < K) {
                        acc[j] = vf_fma(odd, wt[ky * K + kx + 1], acc[j]);
                    }
                }
            }
        }
    }
}

/* One block: R output rows x n <= VF_LANES output columns from x (masked: loads under lane
 * masks, n may be short) whose first tap reads input column ix0 = x * S - pad. */
DW_INLINE void dw_block(const float *p, ptrdiff_t w, ptrdiff_t ix0, const vf *wt, vf bias,
                        float *out, const float *res, size_t ow, size_t n, int act, const int K,
                        const int S, const int R, const int masked) {
    vf acc[4];
#pragma GCC unroll 4
    for (int j = 0; j < R; j++) {
        acc[j] = bias;
    }
#pragma GCC unroll 16
    for (int r = 0; r < (R - 1) * S + K; r++) {
        dw_row_taps(acc, p + r * w, w, ix0, wt, r, K, S, R, masked);
    }
#pragma GCC unroll 4
    for (int j = 0; j < R; j++) {
        dw_store(acc[j], out + j * ow, res != NULL ? res + j * ow : NULL, masked ? n : VF_LANES,
                 act, S);
    }
}

/* R output rows x every column block; all (R - 1) * S + K input rows from p on are inside
 * the image. Runs of interior blocks (every load inside the row, VF_LANES outputs) loop
 * with plain loads; border blocks use masks. */
DW_INLINE void dw_rows(const float *p, ptrdiff_t w, const vf *wt, vf bias, float *out,
                       const float *res, size_t ow, ptrdiff_t pad, int act, const int K,
                       const int S, const int R) {
    /* Input columns one block's loads cover, from its first tap on. */
    const ptrdiff_t span = S == 1 ? VF_LANES + K - 1 : 2 * ((K - 1) / 2) + 2 * VF_LANES;
    size_t x = 0;
    while (x < ow) {
        ptrdiff_t ix0 = (ptrdiff_t)(x * S) - pad;
        if (x + VF_LANES <= ow && ix0 >= 0 && ix0 + span <= w) {
            do {
                dw_block(p, w, ix0, wt, bias, out + x, res != NULL ? res + x : NULL, ow,
                         VF_LANES, act, K, S, R, 0);
                x += VF_LANES;
                ix0 += S * VF_LANES;
            } while (x + VF_LANES <= ow && ix0 + span <= w);
        } else {
            const size_t n = ow - x < VF_LANES ? ow - x : VF_LANES;
            dw_block(p, w, ix0, wt, bias, out + x, res != NULL ? res + x : NULL, ow, n, act, K,
                     S, R, 1);
            x += VF_LANES;
        }
    }
}

/* One output row whose kernel rows are clipped to [ky0, ky1) (top and bottom border): taps
 * are broadcast from wk as they are used, every block is masked. p: input row of ky0. */
DW_INLINE void dw_row_clipped(const float *p, ptrdiff_t w, const float *wk, int ky0, int ky1,
                              vf bias, float *out, const float *res, size_t ow, ptrdiff_t pad,
                              int act, const int K, const int S) {
    for (size_t x = 0; x < ow; x += VF_LANES) {
        const size_t n = ow - x < VF_LANES ? ow - x : VF_LANES;
        const ptrdiff_t ix0 = (ptrdiff_t)(x * S) - pad;
        vf acc = bias;
        for (int ky = ky0; ky < ky1; ky++) {
            /* Filled to the end (zeros past K): with a runtime K the compiler cannot see
             * that only K entries are read. */
            vf wrow[DW_KMAX + 1];
#pragma GCC unroll 8
            for (int kx = 0; kx < DW_KMAX + 1; kx++) {
                wrow[kx] = kx < K ? vf_set1(wk[ky * K + kx]) : vf_zero();
            }
            dw_row_taps(&acc, p + (ky - ky0) * w, w, ix0, wrow, 0, K, S, 1, 1);
        }
        dw_store(acc, out + x, res != NULL ? res + x : NULL, n, act, S);
    }
}

/* One channel: tiles of R output rows while their input rows are inside the image, single
 * rows otherwise. */
DW_INLINE void dw_plane(const float *plane, ptrdiff_t h, ptrdiff_t w, const float *wk,
                        const vf *wt, vf bias, float *out, const float *res, size_t oh,
                        size_t ow, ptrdiff_t pad, int act, const int K, const int S,
                        const int R) {
    size_t oy = 0;
    while (oy < oh) {
        const ptrdiff_t iy0 = (ptrdiff_t)(oy * S) - pad;
        float *o = out + oy * ow;
        const float *r = res != NULL ? res + oy * ow : NULL;
        if (oy + R <= oh && iy0 >= 0 && iy0 + (R - 1) * S + K <= h) {
            dw_rows(plane + iy0 * w, w, wt, bias, o, r, ow, pad, act, K, S, R);
            oy += R;
        } else if (iy0 >= 0 && iy0 + K <= h) {
            dw_rows(plane + iy0 * w, w, wt, bias, o, r, ow, pad, act, K, S, 1);
            oy++;
        } else {
            const int ky0 = iy0 < 0 ? (int)(-iy0) : 0;
            const ptrdiff_t below = h - iy0;
            const int ky1 = below < K ? (int)below : K;
            if (ky0 < ky1) {
                dw_row_clipped(plane + (iy0 + ky0) * w, w, wk, ky0, ky1, bias, o, r, ow, pad,
                               act, K, S);
            } else {
                dw_row_clipped(plane, w, wk, 0, 0, bias, o, r, ow, pad, act, K, S);
            }
            oy++;
        }
    }
}

/* Every channel with taps broadcast into wt (K*K <= wt's length). */
DW_INLINE void dw_channels(const float *in, size_t c, size_t h, size_t w, const float *weight,
                           const float *bias, const float *residual, float *out, size_t oh,
                           size_t ow, size_t pad, int act, vf *wt, const int K, const int S,
                           const int R) {
    for (size_t ch = 0; ch < c; ch++) {
        const float *wk = weight + ch * (size_t)(K * K);
#pragma GCC unroll 25
        for (int t = 0; t < K * K; t++) {
            wt[t] = vf_set1(wk[t]);
        }
        const vf b = vf_set1(bias != NULL ? bias[ch] : 0.0f);
        const float *res = residual != NULL ? residual + ch * oh * ow : NULL;
        dw_plane(in + ch * h * w, (ptrdiff_t)h, (ptrdiff_t)w, wk, wt, b, out + ch * oh * ow,
                 res, oh, ow, (ptrdiff_t)pad, act, K, S, R);
    }
}

/* Small planes, "flat" mode: with stride 1 and 2 pad + 1 = K the output has the input's
 * size, so output element p of a plane reads input element p + (ky - pad) w + (kx - pad).
 * Vectors then run over the flattened plane and span several rows (a 7x7 plane is 4 zmm
 * vectors instead of 7 rows of 7 lanes). A lane's tap is inside the image when its row and
 * column plus the tap offset are; those masks depend only on the geometry, so they are
 * computed once per call (masks[v][t]) and every channel loads under them. */
#define DW_FLAT_MASKS 256
#define DW_FLAT_MAX_W 8

DW_INLINE int dw_flat_fits(size_t h, size_t w, size_t k, size_t stride, size_t pad) {
    const size_t nv = (h * w + VF_LANES - 1) / VF_LANES;
    return stride == 1 && 2 * pad + 1 == k && k <= DW_KMAX && w <= DW_FLAT_MAX_W &&
           nv * k * k <= DW_FLAT_MASKS;
}

DW_INLINE void dw_flat(const float *in, size_t c, size_t h, size_t w, const float *weight,
                       const float *bias, const float *residual, float *out, int act,
                       const int K) {
    const size_t hw = h * w;
    const size_t nv = (hw + VF_LANES - 1) / VF_LANES;
    const ptrdiff_t pad = K / 2;
    ptrdiff_t off[DW_KMAX * DW_KMAX];
    vmask masks[DW_FLAT_MASKS];
    for (int t = 0; t < K * K; t++) {
        const ptrdiff_t dy = t / K - pad, dx = t % K - pad;
        off[t] = dy * (ptrdiff_t)w + dx;
        for (size_t v = 0; v < nv; v++) {
            unsigned bits = 0;
            for (size_t i = 0; i < VF_LANES && v * VF_LANES + i < hw; i++) {
                const ptrdiff_t y = (ptrdiff_t)((v * VF_LANES + i) / w) + dy;
                const ptrdiff_t x = (ptrdiff_t)((v * VF_LANES + i) % w) + dx;
                if (y >= 0 && y < (ptrdiff_t)h && x >= 0 && x < (ptrdiff_t)w) {
                    bits |= 1u << i;
                }
            }
            masks[v * (size_t)(K * K) + (size_t)t] = vf_mask_bits(bits);
        }
    }
    /* Vectors outer, channels inner: a vector's masks stay in registers for every channel,
     * and the taps are broadcast straight from weight. */
    for (size_t v = 0; v < nv; v++) {
        const ptrdiff_t p = (ptrdiff_t)(v * VF_LANES);
        const size_t n = hw - (size_t)p < VF_LANES ? hw - (size_t)p : VF_LANES;
        vmask m[DW_KMAX * DW_KMAX];
#pragma GCC unroll 25
        for (int t = 0; t < K * K; t++) {
            m[t] = masks[v * (size_t)(K * K) + (size_t)t];
        }
        for (size_t ch = 0; ch < c; ch++) {
            const float *x = in + ch * hw + p;
            const float *wk = weight + ch * (size_t)(K * K);
            /* Two sums halve the FMA latency chain. */
            vf acc[2] = {vf_set1(bias != NULL ? bias[ch] : 0.0f), vf_zero()};
#pragma GCC unroll 25
            for (int t = 0; t < K * K; t++) {
                acc[t & 1] = vf_fma(vf_load_mask(x, off[t], m[t]), vf_set1(wk[t]), acc[t & 1]);
            }
            const size_t at = ch * hw + (size_t)p;
            dw_store(vf_add(acc[0], acc[1]), out + at, residual != NULL ? residual + at : NULL, n,
                     act, 1);
        }
    }
}

static void dw_k3(const float *in, size_t c, size_t h, size_t w, const float *weight,
                  const float *bias, const float *residual, float *out, size_t oh, size_t ow,
                  size_t stride, size_t pad, int act) {
    vf wt[9];
    if (dw_flat_fits(h, w, 3, stride, pad)) {
        dw_flat(in, c, h, w, weight, bias, residual, out, act, 3);
    } else if (stride == 1) {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, act, wt, 3, 1, 4);
    } else {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, act, wt, 3, 2, 2);
    }
}

static void dw_k5(const float *in, size_t c, size_t h, size_t w, const float *weight,
                  const float *bias, const float *residual, float *out, size_t oh, size_t ow,
                  size_t stride, size_t pad, int act) {
    vf wt[25];
    if (dw_flat_fits(h, w, 5, stride, pad)) {
        dw_flat(in, c, h, w, weight, bias, residual, out, act, 5);
    } else if (stride == 1) {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, act, wt, 5, 1, 2);
    } else {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, act, wt, 5, 2, 2);
    }
}

/* Any k <= DW_KMAX: runtime k, one output row per tile. */
static void dw_kany(const float *in, size_t c, size_t h, size_t w, const float *weight,
                    const float *bias, const float *residual, float *out, size_t oh, size_t ow,
                    size_t k, size_t stride, size_t pad, int act) {
    vf wt[DW_KMAX * DW_KMAX];
    const int K = (int)k;
    if (dw_flat_fits(h, w, k, stride, pad)) {
        dw_flat(in, c, h, w, weight, bias, residual, out, act, K);
    } else if (stride == 1) {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, act, wt, K, 1, 1);
    } else {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, act, wt, K, 2, 1);
    }
}

DW_INLINE void dw_dwconv(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t oh,
                         size_t ow, size_t k, size_t stride, size_t pad, int act) {
    if (stride > 2 || k > DW_KMAX) {
        grt_f32_dwconv_scalar(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad,
                              act);
    } else if (k == 3) {
        dw_k3(in, c, h, w, weight, bias, residual, out, oh, ow, stride, pad, act);
    } else if (k == 5) {
        dw_k5(in, c, h, w, weight, bias, residual, out, oh, ow, stride, pad, act);
    } else {
        dw_kany(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, act);
    }
}

#endif
