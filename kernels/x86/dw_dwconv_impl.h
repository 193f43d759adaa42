/* dw_dwconv_impl.h: depthwise KxK convolution, one image, NCHW, written once against the
 * "vf" vector interface (include kernels/x86/dw_vec_avx2.h or dw_vec_avx512.h first).
 * Entry point: dw_dwconv(), with the signature of grt_f32_dwconv_* (ghostrt_kernels.h).
 *
 * Register map (one channel, K in {3, 5} and stride S in {1, 2} specialized):
 *   wt[K*K]   every tap of the channel, broadcast once per channel (AVX2 with K = 5 has
 *             more taps than ymm registers; the compiler keeps the rest on the stack and
 *             the FMAs read them as memory operands)
 *   acc[2R]   R output rows x VF_LANES output columns, two sums per row (even and odd
 *             taps kx: half the FMA latency chain), started at the bias and zero; one sum
 *             per row at stride 1 where DW_S1_SUMS is 1 (AVX2)
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
 * flattened plane ("flat"; AVX2 first tries the row-padded mode there, 3x3 and 5x5 up to
 * 16 columns), at stride 2 with ow <= VF_LANES / 2 each vector holds two
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

/* Sums per output row at stride 1. Two (even and odd taps) halve the FMA latency chain but
 * with R = 4 rows take 8 accumulators, which with the 9 taps of a 3x3 kernel and the input
 * vector overflow 16 vector registers (AVX2, SSE): the taps were reloaded from the stack
 * and every accumulator started with a register copy. With one sum per row the R rows of a
 * tile and consecutive tiles (independent) keep the FMA ports busy: 7-10% fewer
 * instructions at 28x28-112x112 (callgrind, AVX2). The AVX2 file defines 1; the SSE kernel
 * (unmeasured) and the AVX-512 one (32 registers) keep two. */
#ifndef DW_S1_SUMS
#define DW_S1_SUMS 2
#endif

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
                    vf *a = &acc[2 * j + (DW_S1_SUMS == 2 ? (kx & 1) : 0)];
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
    /* Stride 2: two sums per output row (even and odd kx) halve the FMA latency chain.
     * Stride 1: one (DW_S1_SUMS), see there. */
    const int two = S == 2 || DW_S1_SUMS == 2;
    vf acc[8];
#pragma GCC unroll 4
    for (int j = 0; j < R; j++) {
        acc[2 * j] = bias;
        if (two) {
            acc[2 * j + 1] = vf_zero();
        }
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
        dw_store(two ? vf_add(acc[2 * j], acc[2 * j + 1]) : acc[2 * j], out + j * ow, rj,
                 masked ? n : VF_LANES,
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
        const vf b = dw_load_taps(weight, bias, ch, K, wt);
        const float *res = residual != NULL ? residual + ch * oh * ow : NULL;
        dw_plane(in + ch * h * w, (ptrdiff_t)h, (ptrdiff_t)w, mtab, wt, b, out + ch * oh * ow,
                 res, y0, y1, ow, (ptrdiff_t)pad, act, K, S, R);
    }
}

#include "x86/dw_dwconv_small_impl.h"

#if VF_LANES == 16
/* 3x3, stride 2, pad 1 on rows of whole 64-byte lines (AVX-512): every load is aligned.
 * Block x of an output row reads input columns 2x - 1 .. 2x + 31 of three rows. Two aligned
 * loads give columns 2x .. 2x + 31; tap 1 is their even elements, tap 2 their odd ones, and
 * tap 0 (columns 2x - 1 + 2j) is the odd elements shifted by one lane, the first one the
 * previous block's last odd element (zero left of the row). The general stride-2 tiles load
 * from 2x - 1, so every 64-byte load splits two cache lines, and they run at 11-13 GMAC/s
 * whatever the plane size. This path, alternating with them on the same planes (the old one
 * reached by misaligning the input): 24x112x112 -> 56x56 39.6 against 53.7 us, 8 channels
 * 12.7 against 17.5, 24x96x96 25.4 against 32.1 (1.26-1.38x). In RepGhostNet 1.0x the two
 * 112x112 steps' minima went from 56 to 45 us and from 41 to 35. */
DW_INLINE void dw_s2k3_aligned(const float *in, size_t c, size_t h, size_t w,
                               const float *weight, const float *bias, const float *residual,
                               float *out, size_t oh, size_t ow, size_t y0, size_t y1,
                               int act) {
    const __m512i ie =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i io =
        _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (size_t ch = 0; ch < c; ch++) {
        const float *plane = in + ch * h * w;
        const float *k = weight + ch * 9;
        __m512 wt[9];
        for (int t = 0; t < 9; t++) {
            wt[t] = _mm512_set1_ps(k[t]);
        }
        const __m512 b = _mm512_set1_ps(bias != NULL ? bias[ch] : 0.0f);
        for (size_t oy = y0; oy < y1; oy++) {
            /* A row outside the image loads under an empty mask (zeros, no access). */
            const ptrdiff_t iy = 2 * (ptrdiff_t)oy - 1;
            const int v0 = iy >= 0, v2 = iy + 2 < (ptrdiff_t)h;
            const float *r0 = plane + (v0 ? iy : 0) * (ptrdiff_t)w;
            const float *r1 = plane + (iy + 1) * (ptrdiff_t)w;
            const float *r2 = plane + (v2 ? iy + 2 : iy + 1) * (ptrdiff_t)w;
            float *o = out + (ch * oh + oy) * ow;
            const float *r = residual != NULL ? residual + (ch * oh + oy) * ow : NULL;
            __m512 p0 = _mm512_setzero_ps(), p1 = p0, p2 = p0;
            for (size_t x = 0; x < ow; x += 16) {
                const ptrdiff_t c0 = 2 * (ptrdiff_t)x;
                /* The last block may run past the row: masked (aligned) loads. */
                const __mmask16 ma = (__mmask16)vf_mask_range(0, (ptrdiff_t)w - c0);
                const __mmask16 mb = (__mmask16)vf_mask_range(0, (ptrdiff_t)w - c0 - 16);
                __m512 acc0 = b, acc1 = _mm512_setzero_ps();
#define DW_S2K3_ROW(row, valid, prev, ky)                                                      \
    do {                                                                                       \
        const __m512 va = _mm512_maskz_load_ps((valid) ? ma : 0, (row) + c0);                  \
        const __m512 vb = _mm512_maskz_load_ps((valid) ? mb : 0, (row) + c0 + 16);             \
        const __m512 ev = _mm512_permutex2var_ps(va, ie, vb);                                  \
        const __m512 od = _mm512_permutex2var_ps(va, io, vb);                                  \
        const __m512 sh = _mm512_castsi512_ps(                                                 \
            _mm512_alignr_epi32(_mm512_castps_si512(od), _mm512_castps_si512(prev), 15));      \
        prev = od;                                                                             \
        acc0 = _mm512_fmadd_ps(sh, wt[(ky) * 3], acc0);                                        \
        acc1 = _mm512_fmadd_ps(ev, wt[(ky) * 3 + 1], acc1);                                    \
        acc0 = _mm512_fmadd_ps(od, wt[(ky) * 3 + 2], acc0);                                    \
    } while (0)
                DW_S2K3_ROW(r0, v0, p0, 0);
                DW_S2K3_ROW(r1, 1, p1, 1);
                DW_S2K3_ROW(r2, v2, p2, 2);
#undef DW_S2K3_ROW
                const size_t n = ow - x < 16 ? ow - x : 16;
                dw_store(_mm512_add_ps(acc0, acc1), o + x, r != NULL ? r + x : NULL, n, act, 1);
            }
        }
    }
}

/* Rows of whole lines from a line-aligned plane start (see dw_s2k3_aligned). */
DW_INLINE int dw_s2k3_aligned_fits(const float *in, size_t w, size_t stride, size_t pad,
                                   size_t ow) {
    return stride == 2 && pad == 1 && w % 16 == 0 && ((uintptr_t)in & 63) == 0 &&
           ow == w / 2;
}
#endif

DW_INLINE void dw_k3(const float *in, size_t c, size_t h, size_t w, const float *weight,
                     const float *bias, const float *residual, float *out, size_t oh,
                     size_t ow, size_t stride, size_t pad, size_t y0, size_t y1, int act) {
    const int whole = y0 == 0 && y1 == oh; /* flat and paired paths do whole planes */
    vf wt[9];
#if VF_LANES == 16
    if (dw_s2k3_aligned_fits(in, w, stride, pad, ow)) {
        dw_s2k3_aligned(in, c, h, w, weight, bias, residual, out, oh, ow, y0, y1, act);
        return;
    }
#endif
#ifdef DW_ROWPAD_MAX_W
    if (dw_rowpad_fits(h, w, 3, stride, pad)) {
        dw_rowpad(in, c, h, w, weight, bias, residual, out, y0, y1, act, 3);
        return;
    }
#endif
    if (dw_flat_fits(h, w, 3, stride, pad)) {
        dw_flat(in, c, h, w, weight, bias, residual, out, y0, y1, act, 3);
    } else if (stride == 1) {
#ifdef DW_CONST_WIDTHS
        /* The 56- and 112-wide planes of a 224 input with the width constant: every tap of
         * a tile is a constant displacement from one row pointer. */
        if (w == 56 && pad == 1) {
            dw_channels(in, c, h, 56, weight, bias, residual, out, oh, 56, 1, y0, y1, act, wt, 3,
                        1, 4);
            return;
        }
        if (w == 112 && pad == 1) {
            dw_channels(in, c, h, 112, weight, bias, residual, out, oh, 112, 1, y0, y1, act, wt,
                        3, 1, 4);
            return;
        }
#endif
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, y0, y1, act, wt, 3, 1, 4);
    } else if (whole && 2 * ow <= VF_LANES) {
        dw_paired(in, c, h, w, weight, bias, residual, out, oh, ow, pad, act, wt, 3);
    } else {
        dw_channels(in, c, h, w, weight, bias, residual, out, oh, ow, pad, y0, y1, act, wt, 3, 2, 2);
    }
}

DW_INLINE void dw_k5(const float *in, size_t c, size_t h, size_t w, const float *weight,
                     const float *bias, const float *residual, float *out, size_t oh,
                     size_t ow, size_t stride, size_t pad, size_t y0, size_t y1, int act) {
    const int whole = y0 == 0 && y1 == oh; /* flat and paired paths do whole planes */
    vf wt[25];
#ifdef DW_ROWPAD_MAX_W
    if (dw_rowpad_fits(h, w, 5, stride, pad)) {
        dw_rowpad(in, c, h, w, weight, bias, residual, out, y0, y1, act, 5);
        return;
    }
#endif
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
DW_INLINE void dw_kany(const float *in, size_t c, size_t h, size_t w, const float *weight,
                       const float *bias, const float *residual, float *out, size_t oh,
                       size_t ow, size_t k, size_t stride, size_t pad, size_t y0, size_t y1,
                       int act) {
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

/* The paths for one activation (act is constant below this point where the caller passes
 * a constant): a switch on act per stored vector cost 9% of the instructions of a 28x28
 * 3x3 conv (callgrind, AVX2). */
DW_INLINE void dw_any_k(const float *in, size_t c, size_t h, size_t w, const float *weight,
                        const float *bias, const float *residual, float *out, size_t oh,
                        size_t ow, size_t k, size_t stride, size_t pad, size_t y0, size_t y1,
                        const int act) {
    if (k == 3) {
        dw_k3(in, c, h, w, weight, bias, residual, out, oh, ow, stride, pad, y0, y1, act);
    } else if (k == 5) {
        dw_k5(in, c, h, w, weight, bias, residual, out, oh, ow, stride, pad, y0, y1, act);
    } else {
        dw_kany(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, y0, y1, act);
    }
}

/* Copies for no activation and ReLU (what the depthwise convs of GhostNet and RepGhostNet
 * fuse); the other activations share one copy with act at run time. */
static void dw_act_none(const float *in, size_t c, size_t h, size_t w, const float *weight,
                        const float *bias, const float *residual, float *out, size_t oh,
                        size_t ow, size_t k, size_t stride, size_t pad, size_t y0, size_t y1) {
    dw_any_k(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, y0, y1,
             GRT_ACT_NONE);
}

static void dw_act_relu(const float *in, size_t c, size_t h, size_t w, const float *weight,
                        const float *bias, const float *residual, float *out, size_t oh,
                        size_t ow, size_t k, size_t stride, size_t pad, size_t y0, size_t y1) {
    dw_any_k(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, y0, y1,
             GRT_ACT_RELU);
}

static void dw_act_other(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t oh,
                         size_t ow, size_t k, size_t stride, size_t pad, size_t y0, size_t y1,
                         int act) {
    dw_any_k(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, y0, y1, act);
}

DW_INLINE void dw_dwconv(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t oh,
                         size_t ow, size_t k, size_t stride, size_t pad, size_t y0, size_t y1,
                         int act) {
    if (stride > 2 || k > DW_KMAX) {
        grt_f32_dwconv_scalar(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad,
                              y0, y1, act);
        return;
    }
    if (act == GRT_ACT_NONE) {
        dw_act_none(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, y0, y1);
    } else if (act == GRT_ACT_RELU) {
        dw_act_relu(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, y0, y1);
    } else {
        dw_act_other(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, y0, y1,
                     act);
    }
}

#endif
