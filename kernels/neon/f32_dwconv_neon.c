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
 * - A partial last vector (ow % 4) computes 4 lanes and stores the row's lanes only: it
 *   writes back the old contents of the following lanes (a bit select), or goes through a
 *   stack buffer at the very end of `out`.
 * Each element sums its taps in (ky, kx) order, then adds the bias and the residual.
 * Only elements inside the documented buffers are read.
 */
#include <string.h>
#include "neon_common.h"

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

/* Sum of taps of the output vector whose window starts at row offset off = j * S - pad.
 * m: per-kx lane masks, or NULL for an interior vector. */
GRT_INLINE float32x4_t vec_taps(const rows_t *rw, ptrdiff_t off, const taps_t *tp,
                                const uint32x4_t *m, const int K, const int S) {
    float32x4_t acc = vdupq_n_f32(0.0f);
#define MASK(x, kx) (m != NULL ? vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(x), m[kx])) : (x))
    if (S == 1) {
#define V1_TAP(ky, kx)                                                                         \
    acc = TAP(acc, MASK(vld1q_f32(rw->r[ky] + off + (kx)), kx), *tp, (ky) * K + (kx),          \
              (ky) == 0 && (kx) == 0);
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
        acc = TAP(acc, MASK(v.val[0], kx), *tp, (ky) * K + (kx), (ky) == 0 && (kx) == 0);      \
        if ((kx) + 1 < K) {                                                                    \
            acc = TAP(acc, MASK(v.val[1], (kx) + 1), *tp, (ky) * K + (kx) + 1, 0);             \
        }                                                                                      \
    }
        if (K == 3) {
            FOR_PAIRS3(V2_TAP)
        } else {
            FOR_PAIRS5(V2_TAP)
        }
#undef V2_TAP
    }
#undef MASK
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
        acc[i] = vec_taps(rw, off + 4 * i * S, tp, NULL, K, S);
    }
}

/* An edge vector: masked loads, or gathers when the row is at an end of the buffer; a
 * partial vector keeps the lanes past the row as they are, or at the very end of the
 * buffer goes through a stack buffer. */
GRT_INLINE void edge_vec(const rows_t *rw, const struct edge *e, ptrdiff_t pad, int gather,
                         const taps_t *tp, float32x4_t b, float *o, const float *res,
                         int partial_in_bounds, const int K, const int S, const int act) {
    const float32x4_t acc = gather ? vec_taps_gather(rw, e, tp, K, S)
                                   : vec_taps(rw, (ptrdiff_t)(e->j * S) - pad, tp, e->m, K, S);
    float *oj = o + e->j;
    const float *rj = res != NULL ? res + e->j : NULL;
    if (e->n == 4) {
        store4(oj, rj, acc, b, act);
    } else if (partial_in_bounds) {
        const uint32_t k[4] = {0u, e->n > 1 ? 0u : ~0u, e->n > 2 ? 0u : ~0u, ~0u};
        const float32x4_t old = vld1q_f32(oj);
        float32x4_t y = vaddq_f32(acc, b);
        if (rj != NULL) {
            y = vaddq_f32(y, vld1q_f32(rj));
        }
        vst1q_f32(oj, vbslq_f32(vld1q_u32(k), old, grt_neon_act(y, act)));
    } else {
        float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        if (rj != NULL) {
            memcpy(t, rj, e->n * sizeof(float));
        }
        store4(t, t, acc, b, act);
        memcpy(oj, t, e->n * sizeof(float));
    }
}

/* One output row. gather: the edge loads would leave the input buffer. */
GRT_INLINE void dw_row(const rows_t *rw, const struct cols *cp, ptrdiff_t pad, int gather,
                       const taps_t *tp, float32x4_t b, float *o, const float *res,
                       int partial_in_bounds, const int K, const int S, const int act) {
    for (size_t e = 0; e < cp->nhead; e++) {
        edge_vec(rw, &cp->e[e], pad, gather, tp, b, o, res, partial_in_bounds, K, S, act);
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
        store4(ov, rv, vec_taps(rw, off, tp, NULL, K, S), b, act);
        off += 4 * S;
        ov += 4;
        rv = rv != NULL ? rv + 4 : NULL;
    }
    for (size_t e = cp->nhead; e < cp->nedge; e++) {
        edge_vec(rw, &cp->e[e], pad, gather, tp, b, o, res, partial_in_bounds, K, S, act);
    }
}

/* One output row, specialized per (K, S, act) and kept out of line: the register allocator
 * then holds the taps in registers for the whole row. */
typedef void (*row_fn)(const rows_t *, const struct cols *, ptrdiff_t, int, const taps_t *,
                       float32x4_t, float *, const float *, int);
#define ROW_FN(K, S, A)                                                                        \
    static __attribute__((noinline)) void row_##K##_##S##_##A(                                 \
        const rows_t *rw, const struct cols *cp, ptrdiff_t pad, int gather, const taps_t *tp,  \
        float32x4_t b, float *o, const float *res, int partial_in_bounds) {                    \
        const taps_t t = *tp;                                                                  \
        dw_row(rw, cp, pad, gather, &t, b, o, res, partial_in_bounds, K, S, A);                \
    }
#define ROW_FNS(K, S)                                                                          \
    ROW_FN(K, S, 0) ROW_FN(K, S, 1) ROW_FN(K, S, 2) ROW_FN(K, S, 3)                            \
    static const row_fn rows_##K##_##S[4] = {row_##K##_##S##_0, row_##K##_##S##_1,             \
                                             row_##K##_##S##_2, row_##K##_##S##_3};
ROW_FNS(3, 1)
ROW_FNS(3, 2)
ROW_FNS(5, 1)
ROW_FNS(5, 2)

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
                   size_t pad, const struct cols *cp, const int K, const int S, row_fn row) {
    const ptrdiff_t in_len = (ptrdiff_t)(c * h * w);
    const size_t out_len = c * oh * ow;
    uint32x4_t kyv[7];
    tap_rows(kyv, K);
    const int nq = (K * K + 3) / 4;
    for (size_t ch = 0; ch < c; ch++) {
        const float *plane = in + ch * h * w;
        const float *wk = weight + ch * (size_t)(K * K);
        const float32x4_t b = vdupq_n_f32(bias != NULL ? bias[ch] : 0.0f);
        taps_t full;
        {
            float t[28] = {0.0f};
            memcpy(t, wk, (size_t)(K * K) * sizeof(float));
            for (int i = 0; i < 7; i++) {
                full.q[i] = vld1q_f32(t + 4 * i);
            }
        }
        for (size_t oy = 0; oy < oh; oy++) {
            float *o = out + (ch * oh + oy) * ow;
            const float *r = residual != NULL ? residual + (ch * oh + oy) * ow : NULL;
            /* Kernel rows [ky0, ky1) are inside the image; the others read row ky0 with
             * their taps zeroed. */
            const ptrdiff_t y0 = (ptrdiff_t)(oy * S) - (ptrdiff_t)pad;
            const size_t ky0 = y0 < 0 ? (size_t)(-y0) : 0;
            const size_t ky1 = (ptrdiff_t)h - y0 < K ? (size_t)((ptrdiff_t)h - y0) : (size_t)K;
            rows_t rw;
            const float *first = plane + (y0 + (ptrdiff_t)ky0) * (ptrdiff_t)w;
            for (int ky = 0; ky < K; ky++) {
                rw.r[ky] = (size_t)ky >= ky0 && (size_t)ky < ky1 ? first + (ky - (ptrdiff_t)ky0) * (ptrdiff_t)w
                                                                 : first;
            }
            taps_t tp = full;
            if (ky0 != 0 || ky1 != (size_t)K) {
                const uint32x4_t lo = vdupq_n_u32((uint32_t)ky0), hi = vdupq_n_u32((uint32_t)ky1);
                for (int i = 0; i < nq; i++) {
                    const uint32x4_t keep = vandq_u32(vcgeq_u32(kyv[i], lo), vcltq_u32(kyv[i], hi));
                    tp.q[i] = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(full.q[i]), keep));
                }
            }
            const ptrdiff_t first_at = first - in, last_at = first_at + (ptrdiff_t)((ky1 - 1 - ky0) * w);
            const int gather = first_at + cp->lo < 0 || last_at + cp->hi >= in_len;
            const int partial_in_bounds = (size_t)(o - out) + ow + 4 <= out_len;
            row(&rw, cp, (ptrdiff_t)pad, gather, &tp, b, o, r, partial_in_bounds);
        }
    }
}

void grt_f32_dwconv_neon(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t oh,
                         size_t ow, size_t k, size_t stride, size_t pad, int act) {
    struct cols cp;
    const int fast = (k == 3 || k == 5) && (stride == 1 || stride == 2) &&
                     w >= (stride == 1 ? 4u : 8u) && plan_columns(w, ow, k, stride, pad, &cp);
    if (!fast) {
        grt_f32_dwconv_scalar(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad,
                              act);
        return;
    }
    const int a = act >= 0 && act <= 3 ? act : 0;
#define DW_CALL(K, S)                                                                          \
    dwconv(in, c, h, w, weight, bias, residual, out, oh, ow, pad, &cp, K, S, rows_##K##_##S[a])
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
