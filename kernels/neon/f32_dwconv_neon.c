/* grt_f32_dwconv_neon: depthwise KxK convolution, one image, NCHW, ARM NEON.
 *
 * Layout: in [c][h][w], weight [c][k][k], bias [c] or NULL, residual and out [c][oh][ow].
 * Preconditions: k >= 1, stride >= 1, oh = (h + 2 pad - k) / stride + 1 >= 1 and likewise
 * ow; out does not overlap in (it may equal residual).
 *
 * Fast path: k in {3, 5}, stride in {1, 2}, any pad < k, w >= 4 (stride 1) or 8 (stride 2);
 * anything else runs grt_f32_dwconv_scalar. Vectorized along the output row, 4 outputs per
 * q register; all K*K taps of a channel sit in registers (3 q for 3x3, 7 q for 5x5) and are
 * applied by lane (FMLA by element / VMLA by scalar), as in ncnn's
 * convolutiondepthwise_3x3 kernels.
 *
 * Zero padding without a padded copy:
 * - Rows: an output row whose window leaves the image uses a copy of the channel's taps with
 *   the outside kernel rows zeroed, and reads a valid image row in their place, so every row
 *   runs the same branch-free code (an input row of Inf/NaN could then leak into a
 *   neighbouring row's border outputs as NaN; finite inputs are exact).
 * - Columns: output vectors whose taps all fall inside the row (the interior) load their
 *   inputs directly: stride 1 with unaligned loads at column offset kx, stride 2 with
 *   VLD2 (deinterleave: the even lanes are tap kx, the odd lanes tap kx + 1). The few
 *   vectors at the two ends of a row (the edges, at most MAX_EDGE) load an in-bounds 4 or 8
 *   floats and gather their lanes with TBL, whose out-of-range indices give exactly the
 *   zeros of the padding. The gather indices depend only on the column, so they are built
 *   once per call. The last edge vector may be partial: its residual and output go through
 *   a 4-float stack buffer.
 * Interior vectors go in blocks of B (aarch64: 4, so one LD1 of 4 registers feeds 4 output
 * vectors; armv7: 2) and then one at a time. Each element sums its taps in (ky, kx) order
 * with the bias added last. Only elements inside the documented buffers are read.
 */
#include <string.h>
#include "neon_common.h"

#ifdef __aarch64__
#define B 4
#else
#define B 2
#endif
#define KMAX 5
#define MAX_EDGE 8

/* One edge vector: outputs j .. j + n - 1 of a row; per tap column kx the row offset of its
 * in-bounds load and the TBL indices that gather (or zero) its lanes. */
struct edge {
    size_t j;
    size_t n;
    ptrdiff_t base[KMAX];
    uint8x16_t idx[KMAX];
};

/* Taps of one channel in q registers: tap t = ky * K + kx is lane t % 4 of wq[t / 4]. */
typedef struct {
    float32x4_t q[7];
} taps_t;

GRT_INLINE taps_t load_taps(const float *wk, int K) {
    float t[28] = {0.0f};
    memcpy(t, wk, (size_t)(K * K) * sizeof(float));
    taps_t r;
    for (int i = 0; i < 7; i++) {
        r.q[i] = vld1q_f32(t + 4 * i);
    }
    return r;
}

/* Taps with kernel rows outside [ky0, ky1) zeroed (a border output row). */
GRT_INLINE taps_t load_taps_clipped(const float *wk, int K, size_t ky0, size_t ky1) {
    float t[28] = {0.0f};
    for (size_t ky = ky0; ky < ky1; ky++) {
        memcpy(t + ky * (size_t)K, wk + ky * (size_t)K, (size_t)K * sizeof(float));
    }
    taps_t r;
    for (int i = 0; i < 7; i++) {
        r.q[i] = vld1q_f32(t + 4 * i);
    }
    return r;
}

/* acc (+)= x * tap t; `first` multiplies instead (no zeroing). t must be a constant. */
#define TAP(acc, x, tp, t, first)                                                              \
    ((first) ? GRT_MUL_LANE((x), (tp).q[(t) / 4], (t) % 4)                                     \
             : GRT_FMA_LANE((acc), (x), (tp).q[(t) / 4], (t) % 4))

/* Each (ky, kx) of a KxK kernel in order, as X(ky, kx). */
#define FOR_TAPS3(X) X(0, 0) X(0, 1) X(0, 2) X(1, 0) X(1, 1) X(1, 2) X(2, 0) X(2, 1) X(2, 2)
#define FOR_ROW5(X, ky) X(ky, 0) X(ky, 1) X(ky, 2) X(ky, 3) X(ky, 4)
#define FOR_TAPS5(X)                                                                           \
    FOR_ROW5(X, 0) FOR_ROW5(X, 1) FOR_ROW5(X, 2) FOR_ROW5(X, 3) FOR_ROW5(X, 4)
/* Even kx of a row, for stride 2 (one VLD2 serves kx and kx + 1). */
#define FOR_PAIRS3(X) X(0, 0) X(1, 0) X(2, 0) X(0, 2) X(1, 2) X(2, 2)
#define FOR_PAIRS5(X)                                                                          \
    X(0, 0) X(0, 2) X(0, 4) X(1, 0) X(1, 2) X(1, 4) X(2, 0) X(2, 2) X(2, 4) X(3, 0) X(3, 2)    \
    X(3, 4) X(4, 0) X(4, 2) X(4, 4)

/* y = act(acc + b + res) for one full vector at o (res may be NULL). */
GRT_INLINE void store4(float *o, const float *res, float32x4_t acc, float32x4_t b, int act) {
    float32x4_t y = vaddq_f32(acc, b);
    if (res != NULL) {
        y = vaddq_f32(y, vld1q_f32(res));
    }
    vst1q_f32(o, grt_neon_act(y, act));
}

/* nv interior output vectors starting at output column j of row `o`; rp[ky] points at input
 * column j * S - pad of kernel row ky. */
GRT_INLINE void interior(const float *const *rp, const taps_t tp, float32x4_t b, float *o,
                         const float *res, const int nv, const int K, const int S,
                         const int act) {
    float32x4_t acc[B];
    if (S == 1) {
#ifdef __aarch64__
/* A block of 4 vectors takes its 16 inputs of one tap with one LD1 of 4 registers. */
#define S1_TAP(ky, kx)                                                                         \
    if (nv == 4) {                                                                             \
        const float32x4x4_t v = vld1q_f32_x4(rp[ky] + (kx));                                   \
        _Pragma("GCC unroll 4") for (int i = 0; i < 4; i++) {                                  \
            acc[i] = TAP(acc[i], v.val[i], tp, (ky) * K + (kx), (ky) == 0 && (kx) == 0);       \
        }                                                                                      \
    } else {                                                                                   \
        _Pragma("GCC unroll 4") for (int i = 0; i < nv; i++) {                                 \
            acc[i] = TAP(acc[i], vld1q_f32(rp[ky] + (kx) + 4 * i), tp, (ky) * K + (kx),        \
                         (ky) == 0 && (kx) == 0);                                              \
        }                                                                                      \
    }
#else
#define S1_TAP(ky, kx)                                                                         \
    _Pragma("GCC unroll 4") for (int i = 0; i < nv; i++) {                                     \
        acc[i] = TAP(acc[i], vld1q_f32(rp[ky] + (kx) + 4 * i), tp, (ky) * K + (kx),            \
                     (ky) == 0 && (kx) == 0);                                                  \
    }
#endif
        if (K == 3) {
            FOR_TAPS3(S1_TAP)
        } else {
            FOR_TAPS5(S1_TAP)
        }
#undef S1_TAP
    } else {
#define S2_TAP(ky, kx)                                                                         \
    _Pragma("GCC unroll 4") for (int i = 0; i < nv; i++) {                                                             \
        const float32x4x2_t v = vld2q_f32(rp[ky] + (kx) + 8 * i);                              \
        acc[i] = TAP(acc[i], v.val[0], tp, (ky) * K + (kx), (ky) == 0 && (kx) == 0);           \
        if ((kx) + 1 < K) {                                                                    \
            acc[i] = TAP(acc[i], v.val[1], tp, (ky) * K + (kx) + 1, 0);                        \
        }                                                                                      \
    }
        if (K == 3) {
            FOR_PAIRS3(S2_TAP)
        } else {
            FOR_PAIRS5(S2_TAP)
        }
#undef S2_TAP
    }
#pragma GCC unroll 4
    for (int i = 0; i < nv; i++) {
        store4(o + 4 * i, res != NULL ? res + 4 * i : NULL, acc[i], b, act);
    }
}

/* One edge vector of a row: taps gathered by TBL from in-bounds loads. */
GRT_INLINE void edge_vec(const float *const *rows, const struct edge *e, const taps_t tp,
                         float32x4_t b, float *o, const float *res, const int K, const int S,
                         const int act) {
    float32x4_t acc = vdupq_n_f32(0.0f);
#define E_TAP(ky, kx)                                                                          \
    {                                                                                          \
        const float *src = rows[ky] + e->base[kx];                                             \
        const float32x4_t v = S == 1 ? grt_tbl1(vld1q_f32(src), e->idx[kx])                    \
                                     : grt_tbl2(vld1q_f32(src), vld1q_f32(src + 4), e->idx[kx]); \
        acc = TAP(acc, v, tp, (ky) * K + (kx), (ky) == 0 && (kx) == 0);                        \
    }
    if (K == 3) {
        FOR_TAPS3(E_TAP)
    } else {
        FOR_TAPS5(E_TAP)
    }
#undef E_TAP
    if (e->n == 4) {
        store4(o + e->j, res != NULL ? res + e->j : NULL, acc, b, act);
        return;
    }
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (res != NULL) {
        memcpy(t, res + e->j, e->n * sizeof(float));
    }
    store4(t, t, acc, b, act);
    memcpy(o + e->j, t, e->n * sizeof(float));
}

/* Column plan of a call: interior vectors [vi0, vi1) and the edge vectors. Returns 0 when
 * there are more than MAX_EDGE edges (then the caller falls back to scalar). */
static int plan_columns(size_t w, size_t ow, size_t K, size_t S, size_t pad, size_t *vi0,
                        size_t *vi1, struct edge *edges, size_t *n_edges) {
    const size_t nvec = (ow + 3) / 4;
    /* Vector vi is interior when it is full and every load stays in [0, w): stride 1 reads
     * [4vi - pad, 4vi - pad + K + 2]; stride 2 VLD2 reads [8vi - pad, 8vi - pad + K + 7]
     * (the highest even kx is K - 1, one VLD2 reads 8 floats). */
    size_t lo = 0, hi = 0;
    for (size_t vi = 0; vi < nvec; vi++) {
        const size_t j = 4 * vi;
        const size_t start = j * S;
        const size_t last = S == 1 ? start + K + 2 : start + K + 7 - 1;
        const int ok = j + 4 <= ow && start >= pad && last - pad < w;
        if (ok && hi == lo) {
            lo = vi;
            hi = vi + 1;
        } else if (ok && hi == vi) {
            hi = vi + 1;
        }
    }
    *vi0 = lo;
    *vi1 = hi;
    size_t ne = 0;
    for (size_t vi = 0; vi < nvec; vi++) {
        if (vi >= lo && vi < hi) {
            continue;
        }
        if (ne == MAX_EDGE) {
            return 0;
        }
        struct edge *e = &edges[ne++];
        e->j = 4 * vi;
        e->n = ow - e->j < 4 ? ow - e->j : 4;
        const ptrdiff_t span = S == 1 ? 4 : 8; /* floats one edge load reads */
        for (size_t kx = 0; kx < K; kx++) {
            const ptrdiff_t o0 = (ptrdiff_t)(e->j * S + kx) - (ptrdiff_t)pad;
            ptrdiff_t base = o0 < 0 ? 0 : o0;
            if (base > (ptrdiff_t)w - span) {
                base = (ptrdiff_t)w - span;
            }
            int src[4];
            for (size_t l = 0; l < 4; l++) {
                const ptrdiff_t col = o0 + (ptrdiff_t)(l * S);
                src[l] = l < e->n && col >= 0 && col < (ptrdiff_t)w ? (int)(col - base) : -1;
            }
            e->base[kx] = base;
            e->idx[kx] = grt_tbl_index(src);
        }
        for (size_t kx = K; kx < KMAX; kx++) {
            e->base[kx] = 0;
            e->idx[kx] = vdupq_n_u8(0xff);
        }
    }
    *n_edges = ne;
    return 1;
}

GRT_INLINE void dwconv(const float *in, size_t c, size_t h, size_t w, const float *weight,
                       const float *bias, const float *residual, float *out, size_t oh,
                       size_t ow, size_t pad, size_t vi0, size_t vi1, const struct edge *edges,
                       size_t n_edges, const int K, const int S, const int act) {
    for (size_t ch = 0; ch < c; ch++) {
        const float *plane = in + ch * h * w;
        const float *wk = weight + ch * (size_t)(K * K);
        const float32x4_t b = vdupq_n_f32(bias != NULL ? bias[ch] : 0.0f);
        const taps_t full = load_taps(wk, K);
        for (size_t oy = 0; oy < oh; oy++) {
            float *o = out + (ch * oh + oy) * ow;
            const float *r = residual != NULL ? residual + (ch * oh + oy) * ow : NULL;
            /* Kernel rows inside the image; the others read row `first` with zero taps. */
            const ptrdiff_t y0 = (ptrdiff_t)(oy * S) - (ptrdiff_t)pad;
            const float *rows[KMAX];
            size_t ky0 = K, ky1 = 0;
            for (int ky = 0; ky < K; ky++) {
                const ptrdiff_t y = y0 + ky;
                if (y >= 0 && y < (ptrdiff_t)h) {
                    ky0 = (size_t)ky < ky0 ? (size_t)ky : ky0;
                    ky1 = (size_t)ky + 1;
                }
            }
            for (int ky = 0; ky < K; ky++) {
                const ptrdiff_t y = y0 + ky;
                const ptrdiff_t yc = (size_t)ky < ky0 ? y0 + (ptrdiff_t)ky0
                                     : (size_t)ky >= ky1 ? y0 + (ptrdiff_t)ky1 - 1
                                                         : y;
                rows[ky] = plane + yc * (ptrdiff_t)w;
            }
            const taps_t tp = ky0 == 0 && ky1 == (size_t)K ? full
                                                          : load_taps_clipped(wk, K, ky0, ky1);
            for (size_t e = 0; e < n_edges; e++) {
                edge_vec(rows, &edges[e], tp, b, o, r, K, S, act);
            }
            const float *rp[KMAX];
            size_t vi = vi0;
            for (; vi + B <= vi1; vi += B) {
                for (int ky = 0; ky < K; ky++) {
                    rp[ky] = rows[ky] + (ptrdiff_t)(4 * vi * S) - (ptrdiff_t)pad;
                }
                interior(rp, tp, b, o + 4 * vi, r != NULL ? r + 4 * vi : NULL, B, K, S, act);
            }
            for (; vi < vi1; vi++) {
                for (int ky = 0; ky < K; ky++) {
                    rp[ky] = rows[ky] + (ptrdiff_t)(4 * vi * S) - (ptrdiff_t)pad;
                }
                interior(rp, tp, b, o + 4 * vi, r != NULL ? r + 4 * vi : NULL, 1, K, S, act);
            }
        }
    }
}

void grt_f32_dwconv_neon(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t oh,
                         size_t ow, size_t k, size_t stride, size_t pad, int act) {
    struct edge edges[MAX_EDGE];
    size_t vi0 = 0, vi1 = 0, n_edges = 0;
    const int fast = (k == 3 || k == 5) && (stride == 1 || stride == 2) &&
                     w >= (stride == 1 ? 4u : 8u) &&
                     plan_columns(w, ow, k, stride, pad, &vi0, &vi1, edges, &n_edges);
    if (!fast) {
        grt_f32_dwconv_scalar(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad,
                              act);
        return;
    }
#define DW_CALL(K, S)                                                                          \
    GRT_ACT_DISPATCH(act, dwconv(in, c, h, w, weight, bias, residual, out, oh, ow, pad, vi0,   \
                                 vi1, edges, n_edges, K, S, ACT))
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
