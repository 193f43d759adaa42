/* grt_f32_dwconv_neon: depthwise KxK convolution, one image, NCHW, ARM NEON.
 *
 * Layout: in [c][h][w], weight [c][k][k], bias [c] or NULL, residual and out [c][oh][ow].
 * Preconditions: k >= 1, stride >= 1, oh = (h + 2 pad - k) / stride + 1 >= 1 and likewise
 * ow; out does not overlap in (it may equal residual).
 *
 * Fast path: k in {3, 5}, stride in {1, 2}, any pad < k, w >= 4 (stride 1) or 8 (stride 2);
 * anything else runs grt_f32_dwconv_scalar. Vectorized along the output row, 4 outputs per
 * q register; all K*K taps of a channel sit in registers (3 q for 3x3, 7 q for 5x5) and are
 * applied by lane (FMLA by element / VMLA by scalar), as ncnn's convolutiondepthwise_3x3
 * kernels hold their taps.
 *
 * Zero padding without a padded copy (the XNNPACK dwconv2d-chw idea, without its reads past
 * the end of the buffer):
 * - Rows: an output row whose window leaves the image keeps its taps of the outside kernel
 *   rows at zero (an AND with a per-row lane mask) and reads a valid image row there, so
 *   every row runs the same code. (An Inf/NaN input could then leak into a border output as
 *   NaN through a zero tap; finite inputs are exact.)
 * - Columns: interior output vectors, whose taps all fall inside the row, load directly:
 *   stride 1 with unaligned loads at column offset kx (aarch64: one LD1 of 4 registers per
 *   tap feeds a block of 4 vectors), stride 2 with VLD2 (even lanes are tap kx, odd lanes tap
 *   kx + 1). The few edge vectors at the two ends of a row (at most MAX_EDGE) load the same
 *   way, reading a few floats of the neighbouring row or plane, and clear the lanes outside
 *   the row with a per-column AND mask: exact zeros whatever those floats hold. Only the
 *   first rows of plane 0 and the last rows of plane c-1 would read outside `in`; there the
 *   edge vectors gather in-bounds loads with TBL instead (out-of-range indices give zeros).
 *   Masks and gather indices depend only on the column, so they are built once per call.
 * - A partial last vector (ow % 4) computes 4 lanes and loads its residual and stores its
 *   output lane by lane.
 * Each element sums its taps in (ky, kx) order, then adds the bias and the residual.
 * Only elements inside the documented buffers are read.
 */
#include <string.h>
#include "dwconv_a64_asm.h"
#include "dwconv_neon.h"

#ifdef __aarch64__
#define B 4 /* interior vectors per block */
#else
#define B 2
#endif
#define KMAX 5
#define MAX_EDGE 8

/* An output vector at either end of a row: outputs j .. j + n - 1. Per tap column kx: the
 * mask of lanes whose input column is inside the row (and l < n), and for rows at the ends
 * of the buffer an in-bounds load offset and the TBL indices that gather the same lanes. */
struct edge {
    size_t j;
    size_t n;
    uint32x4_t m[KMAX];
    ptrdiff_t base[KMAX];
    uint8x16_t idx[KMAX];
};

/* Column plan of one call: head edges, interior vectors [vi0, vi1), tail edges. Edge loads
 * read row offsets [lo, hi] (lo may be negative, hi may pass the row end). */
struct cols {
    const struct grt_dw_flat_masks *flat; /* 3x3 s1 pad 1 planes, else NULL */
    size_t vi0, vi1;
    size_t nhead, nedge;
    ptrdiff_t lo, hi;
    struct edge e[MAX_EDGE];
};

/* Taps of one channel: tap t = ky * K + kx is lane t % 4 of q[t / 4]. */
typedef struct {
    float32x4_t q[7];
} taps_t;

/* acc (+)= x * tap t; `first` multiplies instead (no zeroing). t must be a constant. */
#define TAP(acc, x, tp, t, first)                                                              \
    ((first) ? GRT_MUL_LANE((x), (tp).q[(t) / 4], (t) % 4)                                     \
             : GRT_FMA_LANE((acc), (x), (tp).q[(t) / 4], (t) % 4))

/* Each (ky, kx) of a KxK kernel in order, as X(ky, kx). */
#define FOR_TAPS3(X) X(0, 0) X(0, 1) X(0, 2) X(1, 0) X(1, 1) X(1, 2) X(2, 0) X(2, 1) X(2, 2)
#define FOR_ROW5(X, ky) X(ky, 0) X(ky, 1) X(ky, 2) X(ky, 3) X(ky, 4)
#define FOR_TAPS5(X)                                                                           \
    FOR_ROW5(X, 0) FOR_ROW5(X, 1) FOR_ROW5(X, 2) FOR_ROW5(X, 3) FOR_ROW5(X, 4)
/* Even kx of each row, for stride 2: one VLD2 serves kx and kx + 1. */
#define FOR_PAIRS3(X) X(0, 0) X(0, 2) X(1, 0) X(1, 2) X(2, 0) X(2, 2)
#define FOR_PAIRS5(X)                                                                          \
    X(0, 0) X(0, 2) X(0, 4) X(1, 0) X(1, 2) X(1, 4) X(2, 0) X(2, 2) X(2, 4) X(3, 0) X(3, 2)    \
    X(3, 4) X(4, 0) X(4, 2) X(4, 4)

/* Kernel rows of an output row: row pointers for ky < K. */
typedef struct {
    const float *r[KMAX];
} rows_t;

/* y = act(acc + b + res) stored at o (res may be NULL). */
GRT_INLINE void store4(float *o, const float *res, float32x4_t acc, float32x4_t b, int act) {
    float32x4_t y = vaddq_f32(acc, b);
    if (res != NULL) {
        y = vaddq_f32(y, vld1q_f32(res));
    }
    vst1q_f32(o, grt_neon_act(y, act));
}

/* Sum of taps of an interior output vector whose window starts at row offset
 * off = j * S - pad. */
GRT_INLINE float32x4_t vec_taps(const rows_t *rw, ptrdiff_t off, const taps_t *tp, const int K,
                                const int S) {
#ifdef __aarch64__
    if (S == 2) {
        const float *r[KMAX];
#pragma GCC unroll 5
        for (int ky = 0; ky < K; ky++) {
            r[ky] = rw->r[ky] + off;
        }
        return K == 3 ? grt_a64_dw3s2_vec1(r, tp->q) : grt_a64_dw5s2_vec1(r, tp->q);
    }
#endif
    float32x4_t acc = vdupq_n_f32(0.0f);
    if (S == 1) {
#define V1_TAP(ky, kx)                                                                         \
    acc = TAP(acc, vld1q_f32(rw->r[ky] + off + (kx)), *tp, (ky) * K + (kx), (ky) == 0 && (kx) == 0);
        if (K == 3) {
            FOR_TAPS3(V1_TAP)
        } else {
            FOR_TAPS5(V1_TAP)
        }
#undef V1_TAP
    } else {
#define V2_TAP(ky, kx)                                                                         \
    {                                                                                          \
        const float32x4x2_t v = vld2q_f32(rw->r[ky] + off + (kx));                             \
        acc = TAP(acc, v.val[0], *tp, (ky) * K + (kx), (ky) == 0 && (kx) == 0);                \
        if ((kx) + 1 < K) {                                                                    \
            acc = TAP(acc, v.val[1], *tp, (ky) * K + (kx) + 1, 0);                             \
        }                                                                                      \
    }
        if (K == 3) {
            FOR_PAIRS3(V2_TAP)
        } else {
            FOR_PAIRS5(V2_TAP)
        }
#undef V2_TAP
    }
    return acc;
}

/* The same for an edge vector, whose loads reach past the row: one partial sum per kernel
 * column kx, each cleared outside the row by the column's mask (one AND per column, not
 * per tap; an AND gives exact zeros whatever the neighbouring floats hold). */
GRT_INLINE float32x4_t vec_taps_masked(const rows_t *rw, ptrdiff_t off, const taps_t *tp,
                                       const uint32x4_t *m, const int K, const int S) {
#ifdef __aarch64__
    if (S == 2) {
        const float *r[KMAX];
#pragma GCC unroll 5
        for (int ky = 0; ky < K; ky++) {
            r[ky] = rw->r[ky] + off;
        }
        return K == 3 ? grt_a64_dw3s2_vec1_masked(r, tp->q, m)
                      : grt_a64_dw5s2_vec1_masked(r, tp->q, m);
    }
#endif
    float32x4_t col[KMAX];
    if (S == 1) {
#define M1_TAP(ky, kx)                                                                         \
    col[kx] = TAP(col[kx], vld1q_f32(rw->r[ky] + off + (kx)), *tp, (ky) * K + (kx), (ky) == 0);
        if (K == 3) {
            FOR_TAPS3(M1_TAP)
        } else {
            FOR_TAPS5(M1_TAP)
        }
#undef M1_TAP
    } else {
#define M2_TAP(ky, kx)                                                                         \
    {                                                                                          \
        const float32x4x2_t v = vld2q_f32(rw->r[ky] + off + (kx));                             \
        col[kx] = TAP(col[kx], v.val[0], *tp, (ky) * K + (kx), (ky) == 0);                     \
        if ((kx) + 1 < K) {                                                                    \
            col[(kx) + 1] = TAP(col[(kx) + 1], v.val[1], *tp, (ky) * K + (kx) + 1, (ky) == 0); \
        }                                                                                      \
    }
        if (K == 3) {
            FOR_PAIRS3(M2_TAP)
        } else {
            FOR_PAIRS5(M2_TAP)
        }
#undef M2_TAP
    }
#define MASKED(kx) vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(col[kx]), m[kx]))
    float32x4_t acc = vaddq_f32(MASKED(0), MASKED(1));
#pragma GCC unroll 4
    for (int kx = 2; kx < K; kx++) {
        acc = vaddq_f32(acc, MASKED(kx));
    }
#undef MASKED
    return acc;
}

/* Sum of taps of an edge vector gathered by TBL from in-bounds loads (rows at the ends of
 * the input buffer). */
GRT_INLINE float32x4_t vec_taps_gather(const rows_t *rw, const struct edge *e,
                                       const taps_t *tp, const int K, const int S) {
    float32x4_t acc = vdupq_n_f32(0.0f);
#define G_TAP(ky, kx)                                                                          \
    {                                                                                          \
        const float *src = rw->r[ky] + e->base[kx];                                            \
        const float32x4_t v = S == 1 ? grt_tbl1(vld1q_f32(src), e->idx[kx])                    \
                                     : grt_tbl2(vld1q_f32(src), vld1q_f32(src + 4), e->idx[kx]); \
        acc = TAP(acc, v, *tp, (ky) * K + (kx), (ky) == 0 && (kx) == 0);                       \
    }
    if (K == 3) {
        FOR_TAPS3(G_TAP)
    } else {
        FOR_TAPS5(G_TAP)
    }
#undef G_TAP
    return acc;
}

/* A block of B interior vectors starting at row offset off: acc[i] for vector i. */
GRT_INLINE void block_taps(const rows_t *rw, ptrdiff_t off, const taps_t *tp, float32x4_t *acc,
                           const int K, const int S) {
#ifdef __aarch64__
    if (K == 3 && S == 1) {
        grt_a64_dw3s1_block4(rw->r[0] + off, rw->r[1] + off, rw->r[2] + off, tp->q[0], tp->q[1],
                             tp->q[2], acc);
        return;
    }
    if (K == 3 && S == 2) {
        grt_a64_dw3s2_block4(rw->r[0] + off, rw->r[1] + off, rw->r[2] + off, tp->q[0], tp->q[1],
                             tp->q[2], acc);
        return;
    }
    if (K == 5 && S == 2) {
        const float *r[5] = {rw->r[0] + off, rw->r[1] + off, rw->r[2] + off, rw->r[3] + off,
                             rw->r[4] + off};
        grt_a64_dw5s2_block4(r, tp->q, acc);
        return;
    }
    if (S == 1) {
        /* One LD1 of 4 registers per tap feeds the 4 vectors. */
#define B1_TAP(ky, kx)                                                                         \
    {                                                                                          \
        const float32x4x4_t v = vld1q_f32_x4(rw->r[ky] + off + (kx));                          \
        _Pragma("GCC unroll 4") for (int i = 0; i < 4; i++) {                                  \
            acc[i] = TAP(acc[i], v.val[i], *tp, (ky) * K + (kx), (ky) == 0 && (kx) == 0);      \
        }                                                                                      \
    }
        if (K == 3) {
            FOR_TAPS3(B1_TAP)
        } else {
            FOR_TAPS5(B1_TAP)
        }
#undef B1_TAP
        return;
    }
#endif
#pragma GCC unroll 4
    for (int i = 0; i < B; i++) {
        acc[i] = vec_taps(rw, off + 4 * i * S, tp, K, S);
    }
}

/* An edge vector: masked loads, or gathers when the row is at an end of the buffer. A
 * partial vector loads its residual and stores its output lane by lane. */
GRT_INLINE void edge_vec(const rows_t *rw, const struct edge *e, ptrdiff_t pad, int gather,
                         const taps_t *tp, float32x4_t b, float *o, const float *res,
                         const int K, const int S, const int act) {
    const float32x4_t acc = gather ? vec_taps_gather(rw, e, tp, K, S)
                                   : vec_taps_masked(rw, (ptrdiff_t)(e->j * S) - pad, tp, e->m, K, S);
    float *oj = o + e->j;
    const float *rj = res != NULL ? res + e->j : NULL;
    if (e->n == 4) {
        store4(oj, rj, acc, b, act);
        return;
    }
    float32x4_t y = vaddq_f32(acc, b);
    if (rj != NULL) {
        y = vaddq_f32(y, grt_load_partial(rj, e->n));
    }
    grt_store_partial(oj, grt_neon_act(y, act), e->n);
}

/* One output row. gather: the edge loads would leave the input buffer. */
GRT_INLINE void dw_row(const rows_t *rw, const struct cols *cp, ptrdiff_t pad, int gather,
                       const taps_t *tp, float32x4_t b, float *o, const float *res,
                       const int K, const int S, const int act) {
    for (size_t e = 0; e < cp->nhead; e++) {
        edge_vec(rw, &cp->e[e], pad, gather, tp, b, o, res, K, S, act);
    }
    size_t vi = cp->vi0;
    ptrdiff_t off = (ptrdiff_t)(4 * vi * S) - pad;
    float *ov = o + 4 * vi;
    const float *rv = res != NULL ? res + 4 * vi : NULL;
    for (; vi + B <= cp->vi1; vi += B) {
        float32x4_t acc[B];
        block_taps(rw, off, tp, acc, K, S);
#ifdef __aarch64__
        float32x4x4_t y;
        const float32x4x4_t r4 = rv != NULL ? vld1q_f32_x4(rv) : (float32x4x4_t){{b, b, b, b}};
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) {
            y.val[i] = vaddq_f32(acc[i], b);
            if (rv != NULL) {
                y.val[i] = vaddq_f32(y.val[i], r4.val[i]);
            }
            y.val[i] = grt_neon_act(y.val[i], act);
        }
        vst1q_f32_x4(ov, y);
#else
#pragma GCC unroll 4
        for (int i = 0; i < B; i++) {
            store4(ov + 4 * i, rv != NULL ? rv + 4 * i : NULL, acc[i], b, act);
        }
#endif
        off += 4 * B * S;
        ov += 4 * B;
        rv = rv != NULL ? rv + 4 * B : NULL;
    }
    for (; vi < cp->vi1; vi++) {
        store4(ov, rv, vec_taps(rw, off, tp, K, S), b, act);
        off += 4 * S;
        ov += 4;
        rv = rv != NULL ? rv + 4 : NULL;
    }
    for (size_t e = cp->nhead; e < cp->nedge; e++) {
        edge_vec(rw, &cp->e[e], pad, gather, tp, b, o, res, K, S, act);
    }
}

/* Rows [*ky0, *ky1) of the kernel of output row oy are inside the image; rw gets their row
 * pointers and, for the others, the first inside row (read with zero taps). */
GRT_INLINE void row_setup(const float *plane, size_t h, size_t w, size_t oy, size_t pad,
                          rows_t *rw, size_t *ky0, size_t *ky1, const int K, const int S) {
    const ptrdiff_t y0 = (ptrdiff_t)(oy * (size_t)S) - (ptrdiff_t)pad;
    *ky0 = y0 < 0 ? (size_t)(-y0) : 0;
    *ky1 = (ptrdiff_t)h - y0 < K ? (size_t)((ptrdiff_t)h - y0) : (size_t)K;
    const float *first = plane + (y0 + (ptrdiff_t)*ky0) * (ptrdiff_t)w;
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ky++) {
        rw->r[ky] = (size_t)ky >= *ky0 && (size_t)ky < *ky1
                        ? first + (ky - (ptrdiff_t)*ky0) * (ptrdiff_t)w
                        : first;
    }
}

/* One row at the top or bottom of a plane, or at an end of the buffer: taps of kernel rows
 * outside the image masked to zero, edge loads gathered when they would leave `in`. Out of
 * line: a few rows per plane. lo_ok / hi_ok: plane-relative offsets that may be read. */
GRT_INLINE void slow_row(const float *plane, size_t h, size_t w, size_t oy, size_t pad,
                         ptrdiff_t lo_ok, ptrdiff_t hi_ok, const struct cols *cp,
                         const taps_t *full, const uint32x4_t *kyv, float32x4_t b, float *o,
                         const float *res, const int K, const int S, const int act) {
    rows_t rw;
    size_t ky0, ky1;
    row_setup(plane, h, w, oy, pad, &rw, &ky0, &ky1, K, S);
    taps_t tp = *full;
    if (ky0 != 0 || ky1 != (size_t)K) {
        const uint32x4_t lo = vdupq_n_u32((uint32_t)ky0), hi = vdupq_n_u32((uint32_t)ky1);
        for (int i = 0; i < (K * K + 3) / 4; i++) {
            const uint32x4_t keep = vandq_u32(vcgeq_u32(kyv[i], lo), vcltq_u32(kyv[i], hi));
            tp.q[i] = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(full->q[i]), keep));
        }
    }
    const ptrdiff_t first = rw.r[ky0] - plane, last = rw.r[ky1 - 1] - plane;
    const int gather = first + cp->lo < lo_ok || last + cp->hi > hi_ok;
    dw_row(&rw, cp, (ptrdiff_t)pad, gather, &tp, b, o, res, K, S, act);
}

/* One plane (channel), specialized per (K, S, act) and out of line, so the taps stay in
 * registers for all its rows. Rows whose whole window is inside the image and whose edge
 * loads stay inside `in` take the lean path: K row pointers stepped by S rows, no masks of
 * taps, no gathers. */
typedef void (*plane_fn)(const float *, size_t, size_t, size_t, size_t, ptrdiff_t, ptrdiff_t,
                         const struct cols *, const taps_t *, const uint32x4_t *, float32x4_t,
                         float *, const float *, size_t);
GRT_INLINE void plane(const float *pl, size_t h, size_t w, size_t oh, size_t pad,
                      ptrdiff_t lo_ok, ptrdiff_t hi_ok, const struct cols *cp,
                      const taps_t *full, const uint32x4_t *kyv, float32x4_t b, float *o,
                      const float *res, size_t ow, const int K, const int S, const int act) {
    const ptrdiff_t sw = (ptrdiff_t)w;
    if (K == 3 && S == 1 && cp->flat != NULL) {
        float t9[12];
        vst1q_f32(t9, full->q[0]);
        vst1q_f32(t9 + 4, full->q[1]);
        vst1q_f32(t9 + 8, full->q[2]);
        grt_neon_dwconv3x3s1_flat(pl, h, w, t9, vgetq_lane_f32(b, 0), res, o, act, cp->flat,
                                  pl + lo_ok, pl + hi_ok + 1);
        return;
    }
    /* Output rows [oy0, oy1) take the lean path: window inside the image, edge loads
     * inside `in` (conditions monotonic in oy). */
    size_t oy0 = oh, oy1 = oh;
    for (size_t oy = 0; oy < oh; oy++) {
        const ptrdiff_t y0 = (ptrdiff_t)(oy * (size_t)S) - (ptrdiff_t)pad;
        const int inside = y0 >= 0 && y0 + K <= (ptrdiff_t)h && y0 * sw + cp->lo >= lo_ok &&
                           (y0 + K - 1) * sw + cp->hi <= hi_ok;
        if (inside && oy0 == oh) {
            oy0 = oy;
        }
        if (inside) {
            oy1 = oy + 1;
        }
        if (!inside && oy0 != oh) {
            break;
        }
    }
    if (oy0 == oh) {
        oy0 = oy1 = 0;
    }
    for (size_t oy = 0; oy < oy0; oy++) {
        slow_row(pl, h, w, oy, pad, lo_ok, hi_ok, cp, full, kyv, b, o + oy * ow,
                 res != NULL ? res + oy * ow : NULL, K, S, act);
    }
    const taps_t tp = *full;
    rows_t rw;
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ky++) {
        rw.r[ky] = pl + ((ptrdiff_t)(oy0 * (size_t)S) - (ptrdiff_t)pad + ky) * sw;
    }
    float *orow = o + oy0 * ow;
    const float *rrow = res != NULL ? res + oy0 * ow : NULL;
    for (size_t oy = oy0; oy < oy1; oy++) {
        dw_row(&rw, cp, (ptrdiff_t)pad, 0, &tp, b, orow, rrow, K, S, act);
#pragma GCC unroll 5
        for (int ky = 0; ky < K; ky++) {
            rw.r[ky] += S * sw;
        }
        orow += ow;
        rrow = rrow != NULL ? rrow + ow : NULL;
    }
    for (size_t oy = oy1; oy < oh; oy++) {
        slow_row(pl, h, w, oy, pad, lo_ok, hi_ok, cp, full, kyv, b, o + oy * ow,
                 res != NULL ? res + oy * ow : NULL, K, S, act);
    }
}
#define PLANE_FN(K, S, A)                                                                      \
    static __attribute__((noinline)) void plane_##K##_##S##_##A(                               \
        const float *pl, size_t h, size_t w, size_t oh, size_t pad, ptrdiff_t lo_ok,           \
        ptrdiff_t hi_ok, const struct cols *cp, const taps_t *full, const uint32x4_t *kyv,     \
        float32x4_t b, float *o, const float *res, size_t ow) {                                \
        plane(pl, h, w, oh, pad, lo_ok, hi_ok, cp, full, kyv, b, o, res, ow, K, S, A);          \
    }
#define PLANE_FNS(K, S)                                                                        \
    PLANE_FN(K, S, 0) PLANE_FN(K, S, 1) PLANE_FN(K, S, 2) PLANE_FN(K, S, 3)                    \
    static const plane_fn planes_##K##_##S[4] = {plane_##K##_##S##_0, plane_##K##_##S##_1,     \
                                                 plane_##K##_##S##_2, plane_##K##_##S##_3};
PLANE_FNS(3, 1)
PLANE_FNS(3, 2)
PLANE_FNS(5, 1)
PLANE_FNS(5, 2)

/* The column plan; returns 0 when there are more than MAX_EDGE edge vectors. */
static int plan_columns(size_t w, size_t ow, size_t K, size_t S, size_t pad, struct cols *cp) {
    const size_t nvec = (ow + 3) / 4;
    /* Interior: full, and every load inside the row (stride 2: VLD2 of 8 floats at the
     * highest even kx). */
    size_t lo = nvec, hi = nvec;
    for (size_t vi = 0; vi < nvec; vi++) {
        const size_t j = 4 * vi;
        const size_t last_read = j * S + K - 1 + (S == 1 ? 3 : 7); /* plus -pad */
        const int ok = j + 4 <= ow && j * S >= pad && last_read - pad < w;
        if (ok && lo == nvec) {
            lo = vi;
        }
        if (ok) {
            hi = vi + 1;
        }
    }
    if (lo == nvec) {
        lo = hi = 0;
    }
    cp->vi0 = lo;
    cp->vi1 = hi;
    size_t ne = 0;
    ptrdiff_t rlo = 0, rhi = 0;
    for (size_t pass = 0; pass < 2; pass++) {
        const size_t v0 = pass == 0 ? 0 : hi, v1 = pass == 0 ? lo : nvec;
        for (size_t vi = v0; vi < v1; vi++) {
            if (ne == MAX_EDGE) {
                return 0;
            }
            struct edge *e = &cp->e[ne++];
            e->j = 4 * vi;
            e->n = ow - e->j < 4 ? ow - e->j : 4;
            const ptrdiff_t span = S == 1 ? 4 : 8; /* floats one load reads */
            const ptrdiff_t start = (ptrdiff_t)(e->j * S) - (ptrdiff_t)pad;
            for (size_t kx = 0; kx < KMAX; kx++) {
                const ptrdiff_t o0 = start + (ptrdiff_t)kx;
                ptrdiff_t base = o0 < 0 ? 0 : o0;
                if (base > (ptrdiff_t)w - span) {
                    base = (ptrdiff_t)w - span;
                }
                uint32_t mk[4];
                int src[4];
                for (size_t l = 0; l < 4; l++) {
                    const ptrdiff_t col = o0 + (ptrdiff_t)(l * S);
                    const int in = kx < K && l < e->n && col >= 0 && col < (ptrdiff_t)w;
                    mk[l] = in ? ~0u : 0u;
                    src[l] = in ? (int)(col - base) : -1;
                }
                e->m[kx] = vld1q_u32(mk);
                e->base[kx] = base;
                e->idx[kx] = grt_tbl_index(src);
            }
            /* Reads of the masked loads: stride 1 LD1 at start + kx, stride 2 VLD2 of 8
             * floats at start + (even kx <= K - 1). */
            const ptrdiff_t last = start + (ptrdiff_t)K - 1 + span - 1;
            rlo = start < rlo ? start : rlo;
            rhi = last > rhi ? last : rhi;
        }
        if (pass == 0) {
            cp->nhead = ne;
        }
    }
    cp->nedge = ne;
    cp->lo = rlo;
    cp->hi = rhi;
    return 1;
}

/* Per-lane kernel row of the tap vectors, to mask the taps of rows outside the image. */
GRT_INLINE void tap_rows(uint32x4_t kyv[7], int K) {
    uint32_t t[28];
    for (int i = 0; i < 28; i++) {
        t[i] = i < K * K ? (uint32_t)(i / K) : (uint32_t)K;
    }
    for (int i = 0; i < 7; i++) {
        kyv[i] = vld1q_u32(t + 4 * i);
    }
}

static void dwconv(const float *in, size_t c, size_t h, size_t w, const float *weight,
                   const float *bias, const float *residual, float *out, size_t oh, size_t ow,
                   size_t pad, const struct cols *cp, const int K, plane_fn fn) {
    uint32x4_t kyv[7];
    tap_rows(kyv, K);
    const size_t hw = h * w, ohw = oh * ow;
    for (size_t ch = 0; ch < c; ch++) {
        taps_t full;
        float t[28] = {0.0f};
        memcpy(t, weight + ch * (size_t)(K * K), (size_t)(K * K) * sizeof(float));
        for (int i = 0; i < 7; i++) {
            full.q[i] = vld1q_f32(t + 4 * i);
        }
        /* Plane-relative offsets inside `in`. */
        const ptrdiff_t lo_ok = -(ptrdiff_t)(ch * hw), hi_ok = (ptrdiff_t)((c - ch) * hw) - 1;
        fn(in + ch * hw, h, w, oh, pad, lo_ok, hi_ok, cp, &full, kyv,
           vdupq_n_f32(bias != NULL ? bias[ch] : 0.0f), out + ch * ohw,
           residual != NULL ? residual + ch * ohw : NULL, ow);
    }
}

/* The row-vectorized and flattened-plane paths (channels one at a time). */
static void dwconv_planes(const float *in, size_t c, size_t h, size_t w, const float *weight,
                          const float *bias, const float *residual, float *out, size_t oh,
                          size_t ow, size_t k, size_t stride, size_t pad, int act) {
    struct cols cp;
    struct grt_dw_flat_masks fm;
    cp.flat = NULL;
    if (k == 3 && stride == 1 && pad == 1 && h >= 2 && w >= 2 && w <= GRT_DW_FLAT_MAX_W) {
        grt_neon_dwconv3x3s1_flat_masks(w, &fm);
        cp.flat = &fm;
    }
    const int fast = (k == 3 || k == 5) && (stride == 1 || stride == 2) &&
                     w >= (stride == 1 ? 4u : 8u) && plan_columns(w, ow, k, stride, pad, &cp);
    if (!fast) {
        grt_f32_dwconv_scalar(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad,
                              0, oh, act);
        return;
    }
    const int a = act >= 0 && act <= 3 ? act : 0;
#define DW_CALL(K, S)                                                                          \
    dwconv(in, c, h, w, weight, bias, residual, out, oh, ow, pad, &cp, K, planes_##K##_##S[a])
    if (k == 3 && stride == 1) {
        DW_CALL(3, 1);
    } else if (k == 3) {
        DW_CALL(3, 2);
    } else if (stride == 1) {
        DW_CALL(5, 1);
    } else {
        DW_CALL(5, 2);
    }
#undef DW_CALL
}

void grt_f32_dwconv_neon(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t oh,
                         size_t ow, size_t k, size_t stride, size_t pad, size_t y0, size_t y1,
                         int act) {
    /* Row bands (y0, y1) != (0, oh) run the scalar kernel: the NEON set does not declare row
     * splits (KernelSet::row_split), so the planner never asks for them. */
    if (y0 != 0 || y1 != oh) {
        grt_f32_dwconv_scalar(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad,
                              y0, y1, act);
        return;
    }
    /* Groups of 4 channels run the 4-channel path; the last c % 4 run plane by plane. */
    const size_t c4 = (k == 3 || k == 5) && (stride == 1 || stride == 2) && pad < k &&
                              w + 2 * pad <= GRT_DW4C_MAX_PW
                          ? c & ~(size_t)3
                          : 0;
    if (c4 != 0) {
        grt_neon_dwconv_4c(in, c4, h, w, weight, bias, residual, out, oh, ow, k, stride, pad,
                           act);
    }
    if (c4 < c) {
        const size_t hw = h * w, ohw = oh * ow;
        dwconv_planes(in + c4 * hw, c - c4, h, w, weight + c4 * k * k,
                      bias != NULL ? bias + c4 : NULL,
                      residual != NULL ? residual + c4 * ohw : NULL, out + c4 * ohw, oh, ow, k,
                      stride, pad, act);
    }
}
