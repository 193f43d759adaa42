/* dw_dwconv_small_impl.h: the two small-plane modes of the depthwise convolution
 * (kernels/x86/dw_dwconv_impl.h), for outputs so narrow that one row per vector would leave
 * most lanes idle (the 7x7 and 14x14 -> 7x7 layers of RepGhostNet). Included by
 * dw_dwconv_impl.h after its tile helpers.
 *
 * Flat (stride 1, same padding, w <= DW_FLAT_MAX_W): vectors run over the flattened plane.
 * Paired (stride 2, ow <= VF_LANES / 2): each vector holds two output rows.
 */
#ifndef GHOSTRT_DW_DWCONV_SMALL_IMPL_H
#define GHOSTRT_DW_DWCONV_SMALL_IMPL_H

/* Narrow planes, "flat" mode: with stride 1 and 2 pad + 1 = K the output has the input's
 * size, so output element p of a plane reads input element p + (ky - pad) w + (kx - pad).
 * Vectors then run over the flattened plane and span row ends (a 7x7 plane is 4 zmm vectors
 * instead of 7 rows of 7 lanes). A lane's tap is inside the image when its column and row plus the tap
 * offset are: the column masks depend only on p mod w (a per-call table, colbits[kx][x0]),
 * the row masks only on the distance to the plane's first and last rows (a bit range), so
 * a vector's K*K load masks cost K*K ANDs, shared by every channel. Masked-off lanes are not
 * read, so no load leaves the plane. Rows [y0, y1) only (a thread's band).
 * Wider planes stay on the row tiles: measured on AVX-512 (hot cache, -DDW_FLAT_MAX_W=64),
 * this loop is 1.5-2x slower than the row tiles at w = 28 and 56 (12 vs 18-22 GMAC/s). */
#ifndef DW_FLAT_MAX_W
#define DW_FLAT_MAX_W 8
#endif

DW_INLINE int dw_flat_fits(size_t h, size_t w, size_t k, size_t stride, size_t pad) {
    (void)h;
    return stride == 1 && 2 * pad + 1 == k && k <= DW_KMAX && w <= DW_FLAT_MAX_W;
}

/* Bits [lo, hi) of a VF_LANES-bit mask (clamped to [0, VF_LANES)). */
DW_INLINE unsigned dw_bit_range(ptrdiff_t lo, ptrdiff_t hi) {
    lo = lo < 0 ? 0 : lo;
    hi = hi > VF_LANES ? VF_LANES : hi;
    if (hi <= lo) {
        return 0;
    }
    const unsigned top = hi >= 32 ? ~0u : (1u << hi) - 1u;
    return top & ~((1u << lo) - 1u);
}

DW_INLINE void dw_flat(const float *in, size_t c, size_t h, size_t w, const float *weight,
                       const float *bias, const float *residual, float *out, size_t y0,
                       size_t y1, int act, const int K) {
    const ptrdiff_t hw = (ptrdiff_t)(h * w), W = (ptrdiff_t)w;
    const ptrdiff_t pad = K / 2;
    /* colbits[kx][x0]: lanes of a vector whose first lane is in column x0 that have column
     * x + kx - pad inside [0, w). */
    unsigned colbits[DW_KMAX][DW_FLAT_MAX_W];
    for (int kx = 0; kx < K; kx++) {
        for (ptrdiff_t x0 = 0; x0 < W; x0++) {
            unsigned bits = 0;
            for (int i = 0; i < VF_LANES; i++) {
                const ptrdiff_t x = (x0 + i) % W + kx - pad;
                if (x >= 0 && x < W) {
                    bits |= 1u << i;
                }
            }
            colbits[kx][x0] = bits;
        }
    }
    const ptrdiff_t pend = (ptrdiff_t)(y1 * w);
    for (ptrdiff_t p = (ptrdiff_t)(y0 * w); p < pend; p += VF_LANES) {
        const size_t n = pend - p < VF_LANES ? (size_t)(pend - p) : VF_LANES;
        const ptrdiff_t x0 = p % W;
        vmask m[DW_KMAX * DW_KMAX];
        ptrdiff_t off[DW_KMAX * DW_KMAX];
#pragma GCC unroll 7
        for (int ky = 0; ky < K; ky++) {
            /* Lanes whose input row y + ky - pad is inside: p + i + dy w in [0, hw). */
            const ptrdiff_t dy = (ky - pad) * W;
            const unsigned rows = dw_bit_range(-dy - p, hw - dy - p);
#pragma GCC unroll 7
            for (int kx = 0; kx < K; kx++) {
                m[ky * K + kx] = vf_mask_bits(rows & colbits[kx][x0]);
                off[ky * K + kx] = dy + kx - pad;
            }
        }
        for (size_t ch = 0; ch < c; ch++) {
            const float *x = in + ch * (size_t)hw + p;
            const float *wk = weight + ch * (size_t)(K * K);
            /* Two sums halve the FMA latency chain; channels are independent, so the
             * out-of-order core overlaps consecutive channels' chains. */
            vf acc[2] = {vf_set1(bias != NULL ? bias[ch] : 0.0f), vf_zero()};
#pragma GCC unroll 49
            for (int t = 0; t < K * K; t++) {
                acc[t & 1] = vf_fma(vf_load_mask(x, off[t], m[t]), vf_set1(wk[t]), acc[t & 1]);
            }
            const size_t at = ch * (size_t)hw + (size_t)p;
            dw_store(vf_add(acc[0], acc[1]), out + at, residual != NULL ? residual + at : NULL, n,
                     act, 1);
        }
    }
}

#ifdef DW_ROWPAD_MAX_W
/* Row-padded mode (stride 1, same padding, K in {3, 5}, w <= DW_ROWPAD_MAX_W; enabled per
 * ISA by defining DW_ROWPAD_MAX_W). One channel at a time, its plane is copied into a
 * zero-bordered scratch whose rows are rs = w + pad floats apart: the pad zero columns right
 * of a row are the left padding of the next one, and pad zero rows stand above and below.
 * Each output row is then ceil(w / VF_LANES) vectors of K*K FMAs on plain loads (the
 * compiler folds them into the FMAs as memory operands), taps in registers; lanes past
 * column w-1 read the pad column and the next row and are not stored.
 * It replaces flat mode for these planes. Flat mode walks every channel per vector position
 * (672 planes of 14x14, 527 KB, re-read from L3 for each of 25 positions) and loads each
 * tap under a mask after a broadcast of its weight: 62 instructions per output vector for
 * 160 x 14x14 3x3 and 68 for 960 x 7x7 (callgrind, AVX2). The scratch is on the stack and
 * only image rows are written into it, so its zero border rows and columns stay zero. */
#define DW_RP_SCRATCH 6144 /* floats: 24 KB each for the padded input and the output grid */
#define DW_RP_LEAD VF_LANES /* zeros before the first row: its left padding */
#ifndef DW_ROWPAD_WIDE_MAX_W
#define DW_ROWPAD_WIDE_MAX_W 0 /* wider rows: row-wise variant up to this width */
#endif

DW_INLINE int dw_rowpad_fits(size_t h, size_t w, size_t k, size_t stride, size_t pad) {
    if (stride != 1 || 2 * pad + 1 != k || (k != 3 && k != 5)) {
        return 0;
    }
    if (w <= DW_ROWPAD_MAX_W) { /* the whole band in the scratch (and the grid) */
        return DW_RP_LEAD + (h + 2 * pad) * (w + pad) + 2 * VF_LANES + 8 <= DW_RP_SCRATCH;
    }
    /* wide rows: chunks of at least 4 output rows */
    return w <= DW_ROWPAD_WIDE_MAX_W &&
           DW_RP_LEAD + (4 + 2 * pad) * (w + pad) + 2 * VF_LANES + 8 <= DW_RP_SCRATCH;
    /* (the output grid, h (w + pad) + VF_LANES floats, is smaller) */
}

/* Vectors [0, nq) of the flattened padded grid (position q = (y - y0) rs + x): K*K taps
 * each, kernel row ky from row[ky] + q, into o. Row pointers, not ky * rs offsets: every
 * load is base + index + constant and becomes an FMA memory operand. */
/* K*K taps of one output vector: kernel row ky from p + ky * rs (the scratch at the first
 * tap of lane 0), on top of bias. */
DW_INLINE vf dw_rp_taps(const float *p, size_t rs, const vf *wt, vf bias, const int K) {
    vf acc = bias;
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ky++) {
#pragma GCC unroll 5
        for (int kx = 0; kx < K; kx++) {
            acc = vf_fma(vf_load(p + (size_t)ky * rs + (size_t)kx), wt[ky * K + kx], acc);
        }
    }
    return acc;
}

DW_INLINE void dw_rp_flat(const float *const *row, size_t nq, const vf *wt, vf bias, float *o,
                          const int K, const int RS) {
    /* RS > 0: the row stride as a constant; then all taps are constant displacements from
     * row[0] (one pointer register instead of K). */
    for (size_t q = 0; q < nq; q += VF_LANES) {
        vf acc = bias;
#pragma GCC unroll 5
        for (int ky = 0; ky < K; ky++) {
#pragma GCC unroll 5
            for (int kx = 0; kx < K; kx++) {
                const float *p = RS > 0 ? row[0] + ky * RS : row[ky];
                acc = vf_fma(vf_load(p + q + kx), wt[ky * K + kx], acc);
            }
        }
        vf_store(o + q, acc);
    }
}

/* One output row from grid row g: + residual row ry (or NULL), act, stored to oy. spill:
 * the last vector is stored whole (see dw_rowpad_w). */
DW_INLINE void dw_rp_out_row(const float *g, float *oy, const float *ry, size_t w, size_t tail,
                             vmask tm, const int spill, int act) {
    size_t x = 0;
    for (; x + VF_LANES <= w; x += VF_LANES) {
        vf v = vf_load(g + x);
        if (ry != NULL) {
            v = vf_add(v, vf_load(ry + x));
        }
        vf_store(oy + x, vf_act(v, act));
    }
    if (tail != 0) {
        vf v = vf_load(g + x);
        if (ry != NULL) {
            v = vf_add(v, vf_load_mask(ry + x, 0, tm));
        }
        v = vf_act(v, act);
        if (spill) {
            vf_store(oy + x, v);
        } else {
            vf_store_first(oy + x, v, tail);
        }
    }
}

DW_INLINE void dw_rowpad_w(const float *in, size_t c, size_t h, size_t w_, const float *weight,
                           const float *bias, const float *residual, float *out, size_t y0,
                           size_t y1, int act, const int K, const int WC) {
    /* WC > 0: the width as a constant (== w_), so the column loops unroll and the tail,
     * spill and row strides fold. */
    const size_t w = WC > 0 ? (size_t)WC : w_;
    float scr[DW_RP_SCRATCH] __attribute__((aligned(64)));
    float osc[DW_RP_SCRATCH] __attribute__((aligned(64)));
    const size_t pad = (size_t)K / 2, rs = w + pad;
    const size_t used = DW_RP_LEAD + (h + 2 * pad) * rs + 2 * VF_LANES + 8;
    for (size_t i = 0; i < used; i++) {
        scr[i] = 0.0f;
    }
    /* Image rows needed by output rows [y0, y1). */
    const size_t r0 = y0 > pad ? y0 - pad : 0;
    const size_t r1 = y1 + pad < h ? y1 + pad : h;
    const size_t tail = w % VF_LANES; /* lanes of a row's last vector, 0: all */
    const vmask tm = vf_mask_first(tail);
    /* A row's last vector may be stored whole when the lanes past the row land on the next
     * row of this band, which is stored after it (all of it: w >= VF_LANES / 2), and that
     * row's residual is not out itself (read after this store). */
    const int spill = 2 * w >= VF_LANES && residual != out;
    const size_t nq = (y1 - y0) * rs;
    /* Tap (ky, 0) of output (y0, 0): scratch row y0 + ky, column -pad. */
    const float *row[5];
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ky++) {
        row[ky] = scr + DW_RP_LEAD + (y0 + (size_t)ky) * rs - pad;
    }
    vf wt[25];
    for (size_t ch = 0; ch < c; ch++) {
        const vf b = dw_load_taps(weight, bias, ch, K, wt);
        const float *src = in + ch * h * w;
        /* Image row r goes to scratch row r + pad; only columns [0, w) are written. */
        for (size_t r = r0; r < r1; r++) {
            float *d = scr + DW_RP_LEAD + (r + pad) * rs;
            const float *sr = src + r * w;
            size_t x = 0;
            for (; x + VF_LANES <= w; x += VF_LANES) {
                vf_store(d + x, vf_load(sr + x));
            }
            if (x < w) {
                if (w >= VF_LANES) { /* the last VF_LANES columns again, overlapping */
                    vf_store(d + w - VF_LANES, vf_load(sr + w - VF_LANES));
                } else {
                    /* All VF_LANES lanes: those past w are zero and land on the pad
                     * columns and the next scratch row (written after this one, or a zero
                     * border row, or the zeroed tail). */
                    vf_store(d, vf_load_mask(sr, 0, tm));
                }
            }
        }
        float *o = out + ch * h * w;
        const float *res = residual != NULL ? residual + ch * h * w : NULL;
        const size_t yspill = spill ? y1 - 1 : y0;
        dw_rp_flat(row, nq, wt, b, osc, K, WC > 0 ? WC + K / 2 : 0);
        /* Output rows out of the grid (skipping its pad columns), with the epilogue; the
         * band's last row never spills. */
        size_t y = y0;
        for (; y < yspill; y++) {
            dw_rp_out_row(osc + (y - y0) * rs, o + y * w, res != NULL ? res + y * w : NULL, w,
                          tail, tm, 1, act);
        }
        for (; y < y1; y++) {
            dw_rp_out_row(osc + (y - y0) * rs, o + y * w, res != NULL ? res + y * w : NULL, w,
                          tail, tm, 0, act);
        }
    }
}

/* Scratch rows for image rows [a, b) of plane src (w wide) at d (row a), rs apart: only
 * columns [0, w) are written; zero rows for rows outside [0, h). */
DW_INLINE void dw_rp_copy(float *d, size_t rs, const float *src, size_t h, size_t w,
                          ptrdiff_t a, ptrdiff_t b) {
    const ptrdiff_t ia = a > 0 ? a : 0, ib = b < (ptrdiff_t)h ? b : (ptrdiff_t)h;
    for (ptrdiff_t r = a; r < ia; r++, d += rs) { /* above the image */
        for (size_t x = 0; x < w; x += VF_LANES) { /* w >= VF_LANES: the last one overlaps */
            vf_store(d + (x + VF_LANES <= w ? x : w - VF_LANES), vf_zero());
        }
    }
    const float *sr = src + (size_t)ia * w;
    for (ptrdiff_t r = ia; r < ib; r++, d += rs, sr += w) {
        size_t x = 0;
        for (; x + VF_LANES <= w; x += VF_LANES) {
            vf_store(d + x, vf_load(sr + x));
        }
        if (x < w) { /* w >= VF_LANES here: the last VF_LANES columns again, overlapping */
            vf_store(d + w - VF_LANES, vf_load(sr + w - VF_LANES));
        }
    }
    for (ptrdiff_t r = ib > ia ? ib : ia; r < b; r++, d += rs) { /* below the image */
        for (size_t x = 0; x < w; x += VF_LANES) {
            vf_store(d + (x + VF_LANES <= w ? x : w - VF_LANES), vf_zero());
        }
    }
}

/* Wide rows (w > DW_ROWPAD_MAX_W): the same padded scratch, in chunks of output rows that
 * fit it; each output row's vectors go from the scratch straight into out (no grid), K*K
 * FMAs on plain loads, the row's last vector stored whole when it may spill (as in
 * dw_rowpad_w) or else its first w % VF_LANES lanes. */
DW_INLINE void dw_rowpad_wide(const float *in, size_t c, size_t h, size_t w_,
                              const float *weight, const float *bias, const float *residual,
                              float *out, size_t y0, size_t y1, int act, const int K,
                              const int WC) {
    const size_t w = WC > 0 ? (size_t)WC : w_;
    float scr[DW_RP_SCRATCH] __attribute__((aligned(64)));
    const size_t pad = (size_t)K / 2, rs = w + pad;
    const size_t rows_max = (DW_RP_SCRATCH - DW_RP_LEAD - 2 * VF_LANES - 8) / rs - 2 * pad;
    const size_t nrows = y1 - y0 < rows_max ? y1 - y0 : rows_max;
    const size_t used = DW_RP_LEAD + (nrows + 2 * pad) * rs + 2 * VF_LANES + 8;
    for (size_t i = 0; i < used; i++) {
        scr[i] = 0.0f;
    }
    const size_t tail = w % VF_LANES;
    const vmask tm = vf_mask_first(tail);
    const int spill = residual != out; /* w >= VF_LANES */
    vf wt[25];
    for (size_t ch = 0; ch < c; ch++) {
        const vf b = dw_load_taps(weight, bias, ch, K, wt);
        const float *src = in + ch * h * w;
        float *o = out + ch * h * w;
        const float *res = residual != NULL ? residual + ch * h * w : NULL;
        for (size_t cy0 = y0; cy0 < y1; cy0 += nrows) {
            const size_t cy1 = y1 - cy0 < nrows ? y1 : cy0 + nrows;
            /* scratch row i = image row cy0 - pad + i */
            dw_rp_copy(scr + DW_RP_LEAD, rs, src, h, w, (ptrdiff_t)cy0 - (ptrdiff_t)pad,
                       (ptrdiff_t)(cy1 + pad));
            const size_t yspill = spill ? y1 - 1 : y0;
            for (size_t y = cy0; y < cy1; y++) {
                const float *p = scr + DW_RP_LEAD + (y - cy0) * rs - pad;
                float *oy = o + y * w;
                const float *ry = res != NULL ? res + y * w : NULL;
                size_t x = 0;
                for (; x + VF_LANES <= w; x += VF_LANES) {
                    vf acc = dw_rp_taps(p + x, rs, wt, b, K);
                    if (ry != NULL) {
                        acc = vf_add(acc, vf_load(ry + x));
                    }
                    vf_store(oy + x, vf_act(acc, act));
                }
                if (tail != 0) {
                    vf acc = dw_rp_taps(p + x, rs, wt, b, K);
                    if (ry != NULL) {
                        acc = vf_add(acc, vf_load_mask(ry + x, 0, tm));
                    }
                    acc = vf_act(acc, act);
                    if (y < yspill) {
                        vf_store(oy + x, acc); /* lanes past the row: the next row's start */
                    } else {
                        vf_store_first(oy + x, acc, tail);
                    }
                }
            }
        }
    }
}

/* The 7-, 14- and 28-wide planes of a 224 input with the width constant; others at run
 * time. */
DW_INLINE void dw_rowpad(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t y0,
                         size_t y1, int act, const int K) {
    if (w == 7) {
        dw_rowpad_w(in, c, h, w, weight, bias, residual, out, y0, y1, act, K, 7);
    } else if (w == 14) {
        dw_rowpad_w(in, c, h, w, weight, bias, residual, out, y0, y1, act, K, 14);
    } else if (w <= DW_ROWPAD_MAX_W) {
        dw_rowpad_w(in, c, h, w, weight, bias, residual, out, y0, y1, act, K, 0);
    } else if (w == 28) {
        dw_rowpad_wide(in, c, h, w, weight, bias, residual, out, y0, y1, act, K, 28);
    } else {
        dw_rowpad_wide(in, c, h, w, weight, bias, residual, out, y0, y1, act, K, 0);
    }
}
#endif

/* Paired mode: with stride 2 and ow <= VF_LANES / 2 one vector holds output row oy in its
 * low half and row oy + 1 in its high half. For kernel row ky those read input rows
 * r = 2 oy - pad + ky and r + 2; one VF_LANES load from each (at the column of tap kx)
 * split into even and odd elements (vf_even/vf_odd of the two loads) gives taps kx and
 * kx + 1 of both output rows at once. That is half the FMAs and shuffles of one row per
 * vector. m[p]: load mask of the pair of taps 2p (the columns inside [0, w)); clip: input
 * rows outside [0, h) read as zero; two: row oy + 1 exists. */
DW_INLINE void dw_pair_tile(const float *plane, ptrdiff_t iy, ptrdiff_t h, ptrdiff_t w,
                            ptrdiff_t pad, const vmask *m, const vf *wt, vf bias, float *out,
                            const float *res, size_t ow, int two, int act, const int K,
                            const int clip) {
    vf acc[2] = {bias, vf_zero()};
#pragma GCC unroll 8
    for (int ky = 0; ky < K; ky++) {
        const ptrdiff_t ra = iy + ky, rb = ra + 2;
        const int va = !clip || (ra >= 0 && ra < h);
        const int vb = !clip || (rb >= 0 && rb < h);
#pragma GCC unroll 4
        for (int kx = 0; kx < K; kx += 2) {
            const ptrdiff_t c = kx - pad;
            const vf a = va ? vf_load_mask(plane + ra * w, c, m[kx / 2]) : vf_zero();
            const vf b = vb ? vf_load_mask(plane + rb * w, c, m[kx / 2]) : vf_zero();
            acc[0] = vf_fma(vf_even(a, b), wt[ky * K + kx], acc[0]);
            if (kx + 1 < K) {
                acc[1] = vf_fma(vf_odd(a, b), wt[ky * K + kx + 1], acc[1]);
            }
        }
    }
    vf y = vf_unscramble(vf_add(acc[0], acc[1]));
    const vmask lo = vf_mask_first(ow);
    const vmask hi = vf_mask_range(VF_LANES / 2, VF_LANES / 2 + (ptrdiff_t)ow);
    /* Row oy + 1 starts ow floats on; its lanes start at VF_LANES / 2. */
    const ptrdiff_t up = (ptrdiff_t)ow - VF_LANES / 2;
    if (res != NULL) {
        y = vf_add(y, vf_load_mask(res, 0, lo));
        if (two) {
            y = vf_add(y, vf_load_mask(res, up, hi));
        }
    }
    y = vf_act(y, act);
    vf_store_first(out, y, ow);
    if (two) {
        vf_store_upper_first(out + ow, y, ow);
    }
}

DW_INLINE void dw_paired(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t oh,
                         size_t ow, size_t pad, int act, vf *wt, const int K) {
    vmask m[(DW_KMAX + 1) / 2];
    for (int p = 0; p < (K + 1) / 2; p++) {
        const ptrdiff_t col = 2 * p - (ptrdiff_t)pad;
        m[p] = vf_mask_range(-col, (ptrdiff_t)w - col);
    }
    for (size_t ch = 0; ch < c; ch++) {
        const float *plane = in + ch * h * w;
        const vf b = dw_load_taps(weight, bias, ch, K, wt);
        for (size_t oy = 0; oy < oh; oy += 2) {
            const ptrdiff_t iy = (ptrdiff_t)(2 * oy) - (ptrdiff_t)pad;
            const size_t at = (ch * oh + oy) * ow;
            const float *r = residual != NULL ? residual + at : NULL;
            const int two = oy + 1 < oh;
            if (iy >= 0 && iy + K + 2 <= (ptrdiff_t)h) {
                dw_pair_tile(plane, iy, (ptrdiff_t)h, (ptrdiff_t)w, (ptrdiff_t)pad, m, wt, b,
                             out + at, r, ow, two, act, K, 0);
            } else {
                dw_pair_tile(plane, iy, (ptrdiff_t)h, (ptrdiff_t)w, (ptrdiff_t)pad, m, wt, b,
                             out + at, r, ow, two, act, K, 1);
            }
        }
    }
}

#endif
