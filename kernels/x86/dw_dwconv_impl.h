/* dw_dwconv_impl.h: depthwise KxK convolution, one image, NCHW, written once against the
 * "vf" vector interface (include kernels/x86/dw_vec_avx2.h or dw_vec_avx512.h first).
 * Entry point: dw_dwconv(), with the signature of grt_f32_dwconv_* (ghostrt_kernels.h).
 *
 * Register map (one channel, K in {3, 5} and stride S in {1, 2} specialized):
 *   wt[K*K]   every tap of the channel, broadcast once per channel (AVX2 with K = 5 has
 *             more taps than ymm registers; the compiler keeps the rest on the stack and
 *             the FMAs read them as memory operands)
 *   acc[2R]   R output rows x VF_LANES output columns, two sums per row (even and odd
 *             taps kx: half the FMA latency chain), started at the bias and zero
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
 * stores under a mask. The masks depend only on the block's columns, so they are computed
 * once per call (a table per block and load) instead of once per tile.
 *
 * Narrow planes (dw_dwconv_small_impl.h): at stride 1 with w <= 8 vectors run over the
 * flattened plane ("flat"), at stride 2 with ow <= VF_LANES / 2 each vector holds two
 * output rows ("paired"), so 7-wide outputs do not leave most of a zmm idle.
 * Other K (up to DW_KMAX) take the same paths with a runtime K and one row per tile;
 * strides above 2 and larger K forward to grt_f32_dwconv_scalar.
 *
 * Preconditions (ghostrt_kernels.h): k, stride >= 1, oh, ow >= 1 match h, w, k, stride, pad;
 * out does not overlap in (it may equal residual: each residual vector is read just before
 * the output vector at the same place is written). Only elements inside the buffers are read.
 */
#ifndef GHOSTRT_DW_DWCONV_IMPL_H
#define GHOSTRT_DW_DWCONV_IMPL_H

#include "x86/dw_tile_common.h"

/* Loads per input row of one block: K vectors at stride 1, pairs (even/odd split) at
 * stride 2; slot l of a stride-2 block is the first (l even) or second vector of pair
 * l / 2. */
#define DW_SLOTS(K, S) ((S) == 1 ? (K) : 2 * (((K) + 1) / 2))
/* Mask table entries per call: blocks x slots (see dw_channels). */
#define DW_MASK_TABLE 64

/* First input column of load slot l of a block whose first tap reads column ix0. */
DW_INLINE ptrdiff_t dw_slot_col(ptrdiff_t ix0, int l, const int S) {
    return S == 1 ? ix0 + l : ix0 + 2 * (l / 2) + (l % 2) * VF_LANES;
}

/* The load masks of a border block: the lanes of each slot inside [0, w). */
DW_INLINE void dw_block_masks(vmask *m, ptrdiff_t ix0, ptrdiff_t w, const int K, const int S) {
    for (int l = 0; l < DW_SLOTS(K, S); l++) {
        const ptrdiff_t c = dw_slot_col(ix0, l, S);
        m[l] = vf_mask_range(-c, w - c);
    }
}

/* Output row j of the tile += the K taps of kernel row ky = r - j * S, for every row j
 * that input row `row` feeds, into acc[2 j] (even kx) and acc[2 j + 1] (odd kx). Tap kx of
 * a stride-1 block reads the VF_LANES input columns from ix0 + kx; a stride-2 block reads
 * 2 * VF_LANES from ix0 + kx (kx even) and splits them into taps kx and kx + 1. masked:
 * slot l loads under m[l]. */
DW_INLINE void dw_row_taps(vf *acc, const float *row, ptrdiff_t ix0, const vmask *m,
                           const vf *wt, int r, const int K, const int S, const int R,
                           const int masked) {
    if (S == 1) {
#pragma GCC unroll 8
        for (int kx = 0; kx < K; kx++) {
            const ptrdiff_t c = ix0 + kx;
            const vf v = vf_reg(masked ? vf_load_mask(row, c, m[kx]) : vf_load(row + c));
#pragma GCC unroll 4
            for (int j = 0; j < R; j++) {
                const int ky = r - j;
                if (ky >= 0 && ky < K) {
                    vf *a = &acc[2 * j + (kx & 1)];
                    *a = vf_fma(v, wt[ky * K + kx], *a);
                }
            }
        }
    } else {
#pragma GCC unroll 4
        for (int kx = 0; kx < K; kx += 2) {
            const ptrdiff_t c = ix0 + kx;
            const ptrdiff_t c2 = c + VF_LANES;
            const vf a = masked ? vf_load_mask(row, c, m[kx]) : vf_load(row + c);
            const vf b = masked ? vf_load_mask(row, c2, m[kx + 1]) : vf_load(row + c2);
            const vf even = vf_even(a, b);
            const vf odd = vf_odd(a, b);
#pragma GCC unroll 4
            for (int j = 0; j < R; j++) {
                const int ky = r - 2 * j;
                if (ky >= 0 && ky < K) {
                    acc[2 * j] = vf_fma(even, wt[ky * K + kx], acc[2 * j]);
                    if (kx + 1 < K) {
                        acc[2 * j + 1] = vf_fma(odd, wt[ky * K + kx + 1], acc[2 * j + 1]);
                    }
                }
            }
        }
    }
}

/* One block: R output rows from input row iy0 x n <= VF_LANES output columns from x, whose
 * first tap reads input column ix0 = x * S - pad. masked: loads under lane masks (border
 * block, n may be short). clip: input rows outside [0, h) are skipped (top and bottom
 * border rows); otherwise all (R - 1) * S + K rows are inside. */
DW_INLINE void dw_block(const float *plane, ptrdiff_t iy0, ptrdiff_t h, ptrdiff_t w,
                        ptrdiff_t ix0, const vmask *m, const vf *wt, vf bias, float *out,
                        const float *res, size_t ow, size_t n, int act, const int K,
                        const int S, const int R, const int masked, const int clip) {
    /* Two sums per output row (even and odd kx) halve the FMA latency chain. */
    vf acc[8];
#pragma GCC unroll 4
    for (int j = 0; j < R; j++) {
        acc[2 * j] = bias;
        acc[2 * j + 1] = vf_zero();
    }
#pragma GCC unroll 16
    for (int r = 0; r < (R - 1) * S + K; r++) {
        if (clip && (iy0 + r < 0 || iy0 + r >= h)) {
            continue;
        }
        dw_row_taps(acc, plane + (iy0 + r) * w, ix0, m, wt, r, K, S, R, masked);
    }
#pragma GCC unroll 4
    for (int j = 0; j < R; j++) {
        const float *rj = res != NULL ? res + j * ow : NULL;
        dw_store(vf_add(acc[2 * j], acc[2 * j + 1]), out + j * ow, rj, masked ? n : VF_LANES,
                 act, S);
    }
}

/* R output rows from input row iy0 x every column block. Runs of interior blocks (every
 * load inside the row, VF_LANES outputs) loop with plain loads; border blocks use masks,
 * from the per-call table when there is one (mtab[block][slot]). */
DW_INLINE void dw_rows(const float *plane, ptrdiff_t iy0, ptrdiff_t h, ptrdiff_t w,
                       const vmask *mtab, const vf *wt, vf bias, float *out, const float *res,
                       size_t ow, ptrdiff_t pad, int act, const int K, const int S, const int R,
                       const int clip) {
    /* Input columns one block's loads cover, from its first tap on. */
    const ptrdiff_t span = S == 1 ? VF_LANES + K - 1 : 2 * ((K - 1) / 2) + 2 * VF_LANES;
    size_t x = 0;
    while (x < ow) {
        ptrdiff_t ix0 = (ptrdiff_t)(x * S) - pad;
        if (x + VF_LANES <= ow && ix0 >= 0 && ix0 + span <= w) {
            do {
                dw_block(plane, iy0, h, w, ix0, NULL, wt, bias, out + x,
                         res != NULL ? res + x : NULL, ow, VF_LANES, act, K, S, R, 0, clip);
                x += VF_LANES;
                ix0 += S * VF_LANES;
            } while (x + VF_LANES <= ow && ix0 + span <= w);
        } else {
            const size_t n = ow - x < VF_LANES ? ow - x : VF_LANES;
            vmask local[DW_SLOTS(DW_KMAX, 2)];
            const vmask *m = mtab + x / VF_LANES * (size_t)DW_SLOTS(K, S);
            if (mtab == NULL) {
                dw_block_masks(local, ix0, w, K, S);
                m = local;
            }
            dw_block(plane, iy0, h, w, ix0, m, wt, bias, out + x, res != NULL ? res + x : NULL,
                     ow, n, act, K, S, R, 1, clip);
            x += VF_LANES;
        }
    }
}

/* Output rows [y0, y1) of one channel: tiles of R output rows while their input rows are
 * inside the image, single rows otherwise (clipped at the top and bottom border). */
DW_INLINE void dw_plane(const float *plane, ptrdiff_t h, ptrdiff_t w, const vmask *mtab,
                        const vf *wt, vf bias, float *out, const float *res, size_t y0,
                        size_t y1, size_t ow, ptrdiff_t pad, int act, const int K, const int S,
                        const int R) {
    size_t oy = y0;
    while (oy < y1) {
        const ptrdiff_t iy0 = (ptrdiff_t)(oy * S) - pad;
        float *o = out + oy * ow;
        const float *r = res != NULL ? res + oy * ow : NULL;
        if (oy + R <= y1 && iy0 >= 0 && iy0 + (R - 1) * S + K <= h) {
            dw_rows(plane, iy0, h, w, mtab, wt, bias, o, r, ow, pad, act, K, S, R, 0);
            oy += R;
        } else if (iy0 >= 0 && iy0 + K <= h) {
            dw_rows(plane, iy0, h, w, mtab, wt, bias, o, r, ow, pad, act, K, S, 1, 0);
            oy++;
        } else {
            dw_rows(plane, iy0, h, w, mtab, wt, bias, o, r, ow, pad, act, K, S, 1, 1);
            oy++;
        }
    }
}

/* Every channel with taps broadcast into wt (K*K <= wt's length). */
DW_INLINE void dw_channels(const float *in, size_t c, size_t h, size_t w, const float *weight,
                           const float *bias, const float *residual, float *out, size_t oh,
                           size_t ow, size_t pad, size_t y0, size_t y1, int act, vf *wt,
                           const int K, const int S, const int R) {
    /* Border-block masks are the same for every row and channel: computed once here when
     * the table is large enough, per block otherwise. */
    vmask table[DW_MASK_TABLE];
    const size_t nb = (ow + VF_LANES - 1) / VF_LANES;
    const vmask *mtab = NULL;
    if (nb * (size_t)DW_SLOTS(K, S) <= DW_MASK_TABLE) {
        for (size_t b = 0; b < nb; b++) {
            const ptrdiff_t ix0 = (ptrdiff_t)(b * VF_LANES * (size_t)S) - (ptrdiff_t)pad;
            dw_block_masks(table + b * (size_t)DW_SLOTS(K, S), ix0, (ptrdiff_t)w, K, S);
        }
        mtab = table;
    }
    for (size_t ch = 0; ch < c; ch++) {
        const float *wk = weight + ch * (size_t)(K * K);
#pragma GCC unroll 25
        for (int t = 0; t < K * K; t++) {
            wt[t] = vf_set1(wk[t]);
        }
        const vf b = vf_set1(bias != NULL ? bias[ch] : 0.0f);
        const float *res = residual != NULL ? residual + ch * oh * ow : NULL;
        dw_plane(in + ch * h * w, (ptrdiff_t)h, (ptrdiff_t)w, mtab, wt, b, out + ch * oh * ow,
                 res, y0, y1, ow, (ptrdiff_t)pad, act, K, S, R);
    }
}

#include "x86/dw_dwconv_small_impl.h"

static void dw_k3(const float *in, size_t c, size_t h, size_t w, const float *weight,
                  const float *bias, const float *residual, float *out, size_t oh, size_t ow,
                  size_t stride, size_t pad, size_t y0, size_t y1, int act) {
    const int whole = y0 == 0 && y1 == oh; /* flat and paired paths do whole planes */
    vf wt[9];
    if (dw_flat_fits(h, w, 3, stride, pad)) {
        dw_flat(in, c, h, w, weight, bias, residual, out, y0, y1, act, 3);
    } else if (stride == 1) {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, y0, y1, act, wt, 3, 1, 4);
    } else if (whole && 2 * ow <= VF_LANES) {
        dw_paired(in, c, h, w, weight, bias, residual, out, oh, ow, pad, act, wt, 3);
    } else {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, y0, y1, act, wt, 3, 2, 2);
    }
}

static void dw_k5(const float *in, size_t c, size_t h, size_t w, const float *weight,
                  const float *bias, const float *residual, float *out, size_t oh, size_t ow,
                  size_t stride, size_t pad, size_t y0, size_t y1, int act) {
    const int whole = y0 == 0 && y1 == oh; /* flat and paired paths do whole planes */
    vf wt[25];
    if (dw_flat_fits(h, w, 5, stride, pad)) {
        dw_flat(in, c, h, w, weight, bias, residual, out, y0, y1, act, 5);
    } else if (stride == 1) {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, y0, y1, act, wt, 5, 1, 2);
    } else if (whole && 2 * ow <= VF_LANES) {
        dw_paired(in, c, h, w, weight, bias, residual, out, oh, ow, pad, act, wt, 5);
    } else {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, y0, y1, act, wt, 5, 2, 2);
    }
}

/* Any k <= DW_KMAX: runtime k, one output row per tile. */
static void dw_kany(const float *in, size_t c, size_t h, size_t w, const float *weight,
                    const float *bias, const float *residual, float *out, size_t oh, size_t ow,
                    size_t k, size_t stride, size_t pad, size_t y0, size_t y1, int act) {
    const int whole = y0 == 0 && y1 == oh;
    vf wt[DW_KMAX * DW_KMAX];
    const int K = (int)k;
    if (dw_flat_fits(h, w, k, stride, pad)) {
        dw_flat(in, c, h, w, weight, bias, residual, out, y0, y1, act, K);
    } else if (stride == 1) {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, y0, y1, act, wt, K, 1, 1);
    } else if (whole && 2 * ow <= VF_LANES) {
        dw_paired(in, c, h, w, weight, bias, residual, out, oh, ow, pad, act, wt, K);
    } else {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, y0, y1, act, wt, K, 2, 1);
    }
}

DW_INLINE void dw_dwconv(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t oh,
                         size_t ow, size_t k, size_t stride, size_t pad, size_t y0, size_t y1,
                         int act) {
    if (stride > 2 || k > DW_KMAX) {
        grt_f32_dwconv_scalar(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad,
                              y0, y1, act);
    } else if (k == 3) {
        dw_k3(in, c, h, w, weight, bias, residual, out, oh, ow, stride, pad, y0, y1, act);
    } else if (k == 5) {
        dw_k5(in, c, h, w, weight, bias, residual, out, oh, ow, stride, pad, y0, y1, act);
    } else {
        dw_kany(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, y0, y1, act);
    }
}

#endif
