/* grt_f32_conv_neon: dense KxK convolution (groups = 1: the network stem), one image, NCHW,
 * ARM NEON.
 *
 * Layout: in [cin][h][w], weight OIHW [cout][cin][k][k], bias [cout] or NULL, residual and
 * out [cout][oh][ow].
 * Preconditions: k >= 1, stride >= 1, oh = (h + 2 pad - k) / stride + 1 >= 1 and likewise
 * ow; out does not overlap in (it may equal residual).
 *
 * Main path, im2col + GEMM (stride 1 or 2, taps = cin * k * k <= PANEL_TAPS, whole planes):
 * the output pixels, flattened over rows, go in blocks of NB = 24 (aarch64) / 12 (armv7),
 * the pixel count of the conv1x1 GEMM's register tile. A block's im2col panel
 * [taps][NB] is built on the stack (per kernel row, groups of 4 outputs: stride 2 pairs two
 * taps in one VLD2, stride 1 loads at column offset kx; the zero padding element by element
 * at row ends), then each 4-channel tile of weights packed per call ([taps][4], zero past
 * cout) runs the conv1x1 GEMM tile of conv1x1_asm.h on it with bias, residual and
 * activation fused (armv7 reads the panel with one VLDM per tap). A partial last block or
 * cout % 4 tile goes through a stack tile and is copied out. The stem (3 -> 16, 3x3 s2 on
 * 224x224) runs at 0.40 instructions/MAC on aarch64 and 0.57 on armv7 (direct: 0.61, 0.86).
 *
 * Fallback, direct (taps <= MAX_TAPS, w >= 8): register tile of 8 output channels x 4
 * output columns (one q register per channel), vectorized along the output row. Per tap:
 * one input vector (stride 1: an unaligned load at column offset kx; stride 2: VLD2, whose
 * even and odd lanes are taps kx and kx + 1) and one pair of q loads holding the tap's
 * weight for the 8 channels, then 8 multiply-adds by lane. The weights of a block of 8
 * channels are repacked per call into [cin][k][k][8] on the stack (zero for channels past
 * cout). Zero padding: kernel rows outside the image are skipped; output vectors whose taps
 * leave the row copy the in-row part of each input row segment into a zero-filled stack
 * buffer and read it there, so no padded image is made. Other shapes and row bands:
 * grt_f32_conv_scalar.
 * Each element sums its taps in (ci, ky, kx) order. Only elements inside the documented
 * buffers are read.
 */
#include "conv1x1_asm.h"

#define CB 8          /* output channels per block */
#define MAX_TAPS 320  /* cin * k * k of the fast path: a 10 KiB packed weight block */
#define SEG 48        /* edge segment buffer: 4 outputs at stride 2 plus k - 1 <= 39 */

/* acc[c] += x * w8[c] for the 8 channels of a tap (w8: 8 packed weights). */
GRT_INLINE void tap8(float32x4_t acc[CB], float32x4_t x, const float *w8) {
    const float32x4_t lo = vld1q_f32(w8), hi = vld1q_f32(w8 + 4);
    acc[0] = GRT_FMA_LANE(acc[0], x, lo, 0);
    acc[1] = GRT_FMA_LANE(acc[1], x, lo, 1);
    acc[2] = GRT_FMA_LANE(acc[2], x, lo, 2);
    acc[3] = GRT_FMA_LANE(acc[3], x, lo, 3);
    acc[4] = GRT_FMA_LANE(acc[4], x, hi, 0);
    acc[5] = GRT_FMA_LANE(acc[5], x, hi, 1);
    acc[6] = GRT_FMA_LANE(acc[6], x, hi, 2);
    acc[7] = GRT_FMA_LANE(acc[7], x, hi, 3);
}

/* Taps of one kernel row: src points at input column j * S - pad of that row. */
GRT_INLINE void row_taps(float32x4_t acc[CB], const float *src, const float *wr, size_t k,
                         const int S) {
    if (S == 1) {
#pragma GCC unroll 8
        for (size_t kx = 0; kx < k; kx++) {
            tap8(acc, vld1q_f32(src + kx), wr + kx * CB);
        }
    } else {
        size_t kx = 0;
#pragma GCC unroll 4
        for (; kx + 1 < k; kx += 2) {
            const float32x4x2_t v = vld2q_f32(src + kx);
            tap8(acc, v.val[0], wr + kx * CB);
            tap8(acc, v.val[1], wr + (kx + 1) * CB);
        }
        if (kx < k) {
            /* Last even tap: the even lanes of a VLD2 would read one float past the tap. */
            const float32x4x2_t v = vld2q_f32(src + kx - 1);
            tap8(acc, v.val[1], wr + kx * CB);
        }
    }
}

/* Epilogue of the 8 x 4 tile: n outputs of nc channels at (oy, j). */
GRT_INLINE void store8(const float32x4_t acc[CB], const float *bias, const float *res,
                       float *out, size_t oh, size_t ow, size_t oy, size_t j, size_t n,
                       size_t nc, const int act) {
    /* Constant indices (unrolled, guarded) keep acc[] in registers. */
#pragma GCC unroll 8
    for (int c = 0; c < CB; c++) {
        if ((size_t)c >= nc) {
            break;
        }
        float32x4_t y = vaddq_f32(acc[c], vdupq_n_f32(bias != NULL ? bias[c] : 0.0f));
        float *o = out + (c * oh + oy) * ow + j;
        const float *r = res != NULL ? res + (c * oh + oy) * ow + j : NULL;
        if (r != NULL) {
            y = vaddq_f32(y, grt_load_partial(r, n));
        }
        grt_store_partial(o, grt_neon_act(y, act), n);
    }
}

/* Rows [ky0, ky1) of kernel row offsets of output row oy inside the image. */
GRT_INLINE void rows_inside(size_t oy, size_t h, size_t k, size_t pad, int S, ptrdiff_t *y0,
                            size_t *ky0, size_t *ky1) {
    *y0 = (ptrdiff_t)(oy * (size_t)S) - (ptrdiff_t)pad;
    *ky0 = *y0 < 0 ? (size_t)(-*y0) : 0;
    *ky1 = (ptrdiff_t)h - *y0 < (ptrdiff_t)k ? (size_t)((ptrdiff_t)h - *y0) : k;
}

/* An interior tile: 8 channels x 4 outputs at (oy, j), every load inside the row. */
GRT_INLINE void tile8(const float *in, size_t cin, size_t h, size_t w, const float *wp,
                      const float *bias, const float *res, float *out, size_t oh, size_t ow,
                      size_t k, size_t pad, size_t oy, size_t j, size_t nc, const int S,
                      const int act) {
    float32x4_t acc[CB];
#pragma GCC unroll 8
    for (int c = 0; c < CB; c++) {
        acc[c] = vdupq_n_f32(0.0f);
    }
    ptrdiff_t y0;
    size_t ky0, ky1;
    rows_inside(oy, h, k, pad, S, &y0, &ky0, &ky1);
    const float *x = in + (y0 + (ptrdiff_t)ky0) * (ptrdiff_t)w + (ptrdiff_t)(j * S) - (ptrdiff_t)pad;
    for (size_t ci = 0; ci < cin; ci++) {
        for (size_t ky = ky0; ky < ky1; ky++) {
            row_taps(acc, x + (ci * h + ky - ky0) * w, wp + (ci * k + ky) * k * CB, k, S);
        }
    }
    store8(acc, bias, res, out, oh, ow, oy, j, 4, nc, act);
}

/* An edge tile (taps leave the row, or a partial vector of n outputs): each input row
 * segment is first copied into a zero-filled buffer. Out of line, off the hot path. */
static __attribute__((noinline)) void edge8(const float *in, size_t cin, size_t h, size_t w,
                                            const float *wp, const float *bias,
                                            const float *res, float *out, size_t oh,
                                            size_t ow, size_t k, size_t pad, size_t oy,
                                            size_t j, size_t n, size_t nc, int S, int act) {
    float32x4_t acc[CB];
    for (int c = 0; c < CB; c++) {
        acc[c] = vdupq_n_f32(0.0f);
    }
    ptrdiff_t y0;
    size_t ky0, ky1;
    rows_inside(oy, h, k, pad, S, &y0, &ky0, &ky1);
    const ptrdiff_t x0 = (ptrdiff_t)(j * (size_t)S) - (ptrdiff_t)pad;
    /* seg[1 + i] = row[x0 + i] inside the row, 0 outside; seg[0] lets the last stride-2
     * tap read one float before its start. */
    float seg[SEG];
    const ptrdiff_t len = (ptrdiff_t)(3 * (size_t)S + k + 8);
    /* Columns x0 + i, i in [i0, i1), are inside the row. */
    const ptrdiff_t i0 = x0 < 0 ? -x0 : 0;
    ptrdiff_t i1 = (ptrdiff_t)w - x0 < len ? (ptrdiff_t)w - x0 : len;
    i1 = i1 < i0 ? i0 : i1;
    for (size_t ci = 0; ci < cin; ci++) {
        for (size_t ky = ky0; ky < ky1; ky++) {
            const float *row = in + (ci * h + (size_t)(y0 + (ptrdiff_t)ky)) * w + x0;
            for (int q = 0; q < SEG; q += 4) {
                vst1q_f32(seg + q, vdupq_n_f32(0.0f));
            }
            for (ptrdiff_t i = i0; i < i1; i++) {
                seg[1 + i] = row[i];
            }
            if (S == 1) {
                row_taps(acc, seg + 1, wp + (ci * k + ky) * k * CB, k, 1);
            } else {
                row_taps(acc, seg + 1, wp + (ci * k + ky) * k * CB, k, 2);
            }
        }
    }
    GRT_ACT_DISPATCH(act, store8(acc, bias, res, out, oh, ow, oy, j, n, nc, ACT));
}

GRT_INLINE void conv(const float *in, size_t cin, size_t h, size_t w, const float *weight,
                     const float *bias, const float *residual, float *out, size_t cout,
                     size_t oh, size_t ow, size_t k, size_t pad, float *wp, const int S,
                     const int act) {
    const size_t taps = cin * k * k;
    /* Output vectors [v0, v1) read only inside the row: stride 1 loads 4 floats at
     * j - pad + kx; stride 2 loads 8 floats at 2j - pad + kx for even kx and at
     * 2j - pad + k - 2 for the last one. */
    const size_t nvec = (ow + 3) / 4;
    /* An odd k at stride 2 ends with a VLD2 one float before its tap. */
    const size_t lo_need = S == 2 && k % 2 == 1 ? pad + 1 : pad;
    size_t v0 = nvec, v1 = nvec;
    for (size_t vi = 0; vi < nvec; vi++) {
        const size_t j = 4 * vi;
        const size_t end = S == 1 ? j + k + 3 : 2 * j + k + 7; /* one past, plus pad */
        const int ok = j + 4 <= ow && j * S >= lo_need && end <= w + pad;
        if (ok && v0 == nvec) {
            v0 = vi;
        }
        if (ok) {
            v1 = vi + 1;
        }
    }
    if (v0 == nvec) {
        v0 = v1 = 0;
    }
    for (size_t co = 0; co < cout; co += CB) {
        const size_t nc = cout - co < CB ? cout - co : CB;
        /* wp[t][c] = weight[co + c][t], zero past cout. */
        for (size_t t = 0; t < taps; t++) {
            for (size_t c = 0; c < CB; c++) {
                wp[t * CB + c] = c < nc ? weight[(co + c) * taps + t] : 0.0f;
            }
        }
        const float *b = bias != NULL ? bias + co : NULL;
        const float *res = residual != NULL ? residual + co * oh * ow : NULL;
        float *o = out + co * oh * ow;
        for (size_t oy = 0; oy < oh; oy++) {
            for (size_t vi = 0; vi < nvec; vi++) {
                const size_t j = 4 * vi;
                const size_t n = ow - j < 4 ? ow - j : 4;
                if (vi < v0 || vi >= v1) {
                    edge8(in, cin, h, w, wp, b, res, o, oh, ow, k, pad, oy, j, n, nc, S, act);
                } else {
                    tile8(in, cin, h, w, wp, b, res, o, oh, ow, k, pad, oy, j, nc, S, act);
                }
            }
        }
    }
}

/* ---- im2col + GEMM path (stride 1 or 2, cin * k * k <= PANEL_TAPS) ---- */

#define NB (4 * GRT_GEMM_NV) /* output pixels per GEMM block: 24 (aarch64), 12 (armv7) */
#define PANEL_TAPS 160       /* cin * k * k of the im2col path: a 15 KiB (7.5 KiB) panel */
#define PACK_FLOATS 4096     /* packed weights of every channel tile, 16 KiB */
#define MAX_COUT 256

/* Panel rows of one kernel row (ci, ky) for 4 outputs: d[kx * NB + i] = src[i * S + kx].
 * S = 2 pairs taps kx, kx + 1 in one VLD2 (even / odd lanes); an odd k's last tap takes
 * the odd lanes of a VLD2 one float earlier, so the reads end at src[k + 5] (k = 1:
 * src[7]); S = 1 reads up to src[k + 2]. */
GRT_INLINE void im2col_vec(const float *src, float *d, size_t k, const int S) {
    if (S == 1) {
#pragma GCC unroll 8
        for (size_t kx = 0; kx < k; kx++) {
            vst1q_f32(d + kx * NB, vld1q_f32(src + kx));
        }
        return;
    }
    size_t kx = 0;
#pragma GCC unroll 4
    for (; kx + 1 < k; kx += 2) {
        const float32x4x2_t x = vld2q_f32(src + kx);
        vst1q_f32(d + kx * NB, x.val[0]);
        vst1q_f32(d + (kx + 1) * NB, x.val[1]);
    }
    if (kx < k) {
        vst1q_f32(d + kx * NB, kx > 0 ? vld2q_f32(src + kx - 1).val[1] : vld2q_f32(src).val[0]);
    }
}

/* Where a segment's groups of 4 outputs go (see im2col_seg). */
struct seg {
    ptrdiff_t first;   /* input column of output 0's tap 0 */
    size_t jv, nvec;   /* groups at jv, jv + 4, ..: nvec of them */
    int last;          /* one more group at n - 4 (overlapping) */
    size_t jscalar;    /* outputs [jscalar, n) and [0, jv) one by one */
};

/* The panel rows of a segment (see im2col_seg); full (a constant): the segment is the whole
 * block and all of it goes in groups, unrolled. */
GRT_INLINE void im2col_rows(const float *in, size_t cin, size_t h, size_t w, size_t k,
                            size_t pad, const int S, size_t oy, size_t n, float *panel,
                            size_t j0, struct seg g, const int full) {
    const ptrdiff_t iy0 = (ptrdiff_t)(oy * (size_t)S) - (ptrdiff_t)pad;
    float *dst = panel + j0;
    for (size_t ci = 0; ci < cin; ci++) {
        const float *plane = in + ci * h * w + g.first;
        for (size_t ky = 0; ky < k; ky++, dst += k * NB) {
            const ptrdiff_t iy = iy0 + (ptrdiff_t)ky;
            if (iy < 0 || iy >= (ptrdiff_t)h) {
                for (size_t kx = 0; kx < k; kx++) {
                    for (size_t j = 0; j < n; j++) {
                        dst[kx * NB + j] = 0.0f;
                    }
                }
                continue;
            }
            /* row[x] is input column first + x. */
            const float *row = plane + iy * (ptrdiff_t)w;
            if (full) {
#pragma GCC unroll 8
                for (int v = 0; v < NB / 4; v++) {
                    im2col_vec(row + 4 * S * v, dst + 4 * v, k, S);
                }
                continue;
            }
            for (size_t j = 0; j < g.jv; j++) {
                for (size_t kx = 0; kx < k; kx++) {
                    const ptrdiff_t ix = g.first + (ptrdiff_t)(j * (size_t)S + kx);
                    dst[kx * NB + j] = ix >= 0 && ix < (ptrdiff_t)w ? row[j * (size_t)S + kx] : 0.0f;
                }
            }
            const float *src = row + g.jv * (size_t)S;
            float *d = dst + g.jv;
            for (size_t v = 0; v < g.nvec; v++) {
                im2col_vec(src, d, k, S);
                src += 4 * S;
                d += 4;
            }
            if (g.last) {
                im2col_vec(row + (n - 4) * (size_t)S, dst + n - 4, k, S);
            }
            for (size_t j = g.jscalar; j < n; j++) {
                for (size_t kx = 0; kx < k; kx++) {
                    const ptrdiff_t ix = g.first + (ptrdiff_t)(j * (size_t)S + kx);
                    dst[kx * NB + j] = ix >= 0 && ix < (ptrdiff_t)w ? row[j * (size_t)S + kx] : 0.0f;
                }
            }
        }
    }
}

/* Panel columns [j0, j0 + n) of a block: output row oy, columns ox0 .. ox0 + n, every tap
 * (row t = (ci * k + ky) * k + kx of the panel, NB floats per row). Outputs whose taps all
 * read inside the input row are copied 4 at a time (a last group of 4 may overlap the one
 * before); the others (the zero padding) one by one. */
GRT_INLINE void im2col_seg(const float *in, size_t cin, size_t h, size_t w, size_t k,
                           size_t pad, const int S, size_t oy, size_t ox0, size_t n,
                           float *panel, size_t j0) {
    struct seg g;
    g.first = (ptrdiff_t)(ox0 * (size_t)S) - (ptrdiff_t)pad;
    /* A group of 4 at j reads columns first + j S .. first + j S + over. */
    const ptrdiff_t over = S == 1 ? (ptrdiff_t)k + 2 : (k == 1 ? 7 : (ptrdiff_t)k + 5);
    /* Groups start at j >= jlo and end at j + 4 <= jend. */
    ptrdiff_t jlo = g.first >= 0 ? 0 : (-g.first + S - 1) / S;
    const ptrdiff_t room = (ptrdiff_t)w - 1 - over - g.first; /* j S <= room */
    ptrdiff_t jend = room < 0 ? 0 : room / S + 4;
    jend = jend > (ptrdiff_t)n ? (ptrdiff_t)n : jend;
    jlo = jlo > (ptrdiff_t)n ? (ptrdiff_t)n : jlo;
    g.jv = (size_t)jlo;
    g.nvec = jend > jlo ? (size_t)(jend - jlo) / 4 : 0;
    const size_t jtail = g.jv + 4 * g.nvec;
    g.last = jtail < n && n >= 4 && (ptrdiff_t)n - 4 >= jlo && (ptrdiff_t)n <= jend;
    g.jscalar = g.last ? n : jtail;
    if (n == NB && g.jv == 0 && g.nvec == NB / 4) {
        im2col_rows(in, cin, h, w, k, pad, S, oy, n, panel, j0, g, 1);
    } else {
        im2col_rows(in, cin, h, w, k, pad, S, oy, n, panel, j0, g, 0);
    }
}

/* The convolution as blocks of NB consecutive output pixels (flattened over rows): each
 * block's im2col panel [taps][NB] is built on the stack, then every 4-channel tile of the
 * packed weights runs the conv1x1 GEMM tile on it (conv1x1_asm.h), epilogue fused. A partial
 * last block or channel tile goes through a stack tile and is copied out. */
GRT_INLINE void conv_gemm(const float *in, size_t cin, size_t h, size_t w, const float *weight,
                          const float *bias, const float *residual, float *out, size_t cout,
                          size_t oh, size_t ow, size_t k, size_t pad, const int S,
                          float *panel, float *wp, float *bp, const int act) {
    const size_t taps = cin * k * k, tiles = (cout + 3) / 4, ohw = oh * ow;
    /* wp[t][tap][r] = weight[4 t + r][tap], zero past cout; bp likewise. */
    for (size_t t = 0; t < tiles; t++) {
        for (size_t tap = 0; tap < taps; tap++) {
            for (size_t r = 0; r < 4; r++) {
                const size_t co = 4 * t + r;
                wp[(t * taps + tap) * 4 + r] = co < cout ? weight[co * taps + tap] : 0.0f;
            }
        }
        for (size_t r = 0; r < 4; r++) {
            const size_t co = 4 * t + r;
            bp[co] = co < cout && bias != NULL ? bias[co] : 0.0f;
        }
    }
    size_t oy = 0, ox = 0; /* output pixel p0 */
    for (size_t p0 = 0; p0 < ohw; p0 += NB) {
        const size_t n = ohw - p0 < NB ? ohw - p0 : NB;
        for (size_t j = 0; j < n;) {
            const size_t m = ow - ox < n - j ? ow - ox : n - j;
            im2col_seg(in, cin, h, w, k, pad, S, oy, ox, m, panel, j);
            j += m;
            ox += m;
            if (ox == ow) {
                ox = 0;
                oy++;
            }
        }
        if (n < NB) {
            for (size_t tap = 0; tap < taps; tap++) {
                for (size_t j = n; j < NB; j++) {
                    panel[tap * NB + j] = 0.0f;
                }
            }
        }
        for (size_t t = 0; t < tiles; t++) {
            const size_t co = 4 * t, nc = cout - co < 4 ? cout - co : 4;
            const float *wt = wp + t * taps * 4;
            if (n == NB && nc == 4) {
                grt_neon_gemm_tile(panel, NB * sizeof(float), taps, wt, bp + co,
                                   out + co * ohw + p0,
                                   residual != NULL ? residual + co * ohw + p0 : NULL,
                                   ohw * sizeof(float), 1, act);
                continue;
            }
            float tmp[4 * NB];
            for (size_t r = 0; r < 4; r++) {
                for (size_t j = 0; j < NB; j++) {
                    tmp[r * NB + j] = residual != NULL && r < nc && j < n
                                          ? residual[(co + r) * ohw + p0 + j]
                                          : 0.0f;
                }
            }
            grt_neon_gemm_tile(panel, NB * sizeof(float), taps, wt, bp + co, tmp,
                               residual != NULL ? tmp : NULL, NB * sizeof(float), 1, act);
            for (size_t r = 0; r < nc; r++) {
                for (size_t j = 0; j < n; j++) {
                    out[(co + r) * ohw + p0 + j] = tmp[r * NB + j];
                }
            }
        }
    }
}

void grt_f32_conv_neon(const float *in, size_t cin, size_t h, size_t w, const float *weight,
                       const float *bias, const float *residual, float *out, size_t cout,
                       size_t oh, size_t ow, size_t k, size_t stride, size_t pad, size_t y0,
                       size_t y1, int act) {
    /* Row bands (y0, y1) != (0, oh) are not vectorized here: the NEON set does not declare
     * row splits (KernelSet::row_split), so the planner never asks for them. */
    const size_t taps = cin * k * k;
    if ((stride == 1 || stride == 2) && y0 == 0 && y1 == oh && taps <= PANEL_TAPS &&
        (cout + 3) / 4 * 4 * taps <= PACK_FLOATS && cout <= MAX_COUT) {
        float panel[PANEL_TAPS * NB], wp[PACK_FLOATS], bp[MAX_COUT];
        if (k == 3 && stride == 2) { /* the stem: taps unrolled */
            conv_gemm(in, cin, h, w, weight, bias, residual, out, cout, oh, ow, 3, pad, 2,
                      panel, wp, bp, act);
        } else if (stride == 2) {
            conv_gemm(in, cin, h, w, weight, bias, residual, out, cout, oh, ow, k, pad, 2,
                      panel, wp, bp, act);
        } else {
            conv_gemm(in, cin, h, w, weight, bias, residual, out, cout, oh, ow, k, pad, 1,
                      panel, wp, bp, act);
        }
        return;
    }
    if ((stride != 1 && stride != 2) || taps > MAX_TAPS || w < 8 ||
        3 * stride + k + 8 >= SEG || y0 != 0 || y1 != oh) {
        grt_f32_conv_scalar(in, cin, h, w, weight, bias, residual, out, cout, oh, ow, k, stride,
                            pad, y0, y1, act);
        return;
    }
    float wp[MAX_TAPS * CB];
    if (k == 3 && stride == 2) { /* the stem: taps unrolled */
        GRT_ACT_DISPATCH(act, conv(in, cin, h, w, weight, bias, residual, out, cout, oh, ow, 3,
                                   pad, wp, 2, ACT));
    } else if (k == 3) {
        GRT_ACT_DISPATCH(act, conv(in, cin, h, w, weight, bias, residual, out, cout, oh, ow, 3,
                                   pad, wp, 1, ACT));
    } else if (stride == 1) {
        GRT_ACT_DISPATCH(act, conv(in, cin, h, w, weight, bias, residual, out, cout, oh, ow, k,
                                   pad, wp, 1, ACT));
    } else {
        GRT_ACT_DISPATCH(act, conv(in, cin, h, w, weight, bias, residual, out, cout, oh, ow, k,
                                   pad, wp, 2, ACT));
    }
}
