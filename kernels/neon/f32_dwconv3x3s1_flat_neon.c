/* grt_neon_dwconv3x3s1_flat: one plane of a 3x3, stride 1, pad 1 depthwise convolution,
 * vectorized along the flattened plane; called by f32_dwconv_neon.c.
 *
 * With pad 1 the output plane has the input's width w, so output element i = y * w + x
 * reads input element i + (ky - 1) * w + (kx - 1) for tap (ky, kx): one constant offset per
 * tap over the whole flattened plane, across row ends too. A vector of 4 consecutive
 * outputs is 4 consecutive loads per tap whatever rows its lanes fall in, so narrow planes
 * (7 or 14 wide) run whole vectors with no per-row work at all. A lane whose tap column
 * x + kx - 1 leaves [0, w) reads the neighbouring row's end instead of the zero padding;
 * those lanes are cleared by a mask per tap column: the taps of column kx accumulate into
 * their own partial sum, ANDed once with the column's lane mask (kx = 1 needs none). The
 * masks depend on x = i mod w only; vectors start at multiples of 4, so they repeat every
 * P = w / gcd(w, 4) vectors and are built once per call, P + 3 per column so a block of 4
 * vectors loads its masks with one LD1. Blocks without a lane at either end of a row (most
 * of a 112-wide row) skip the masks. The vectors that touch row 0 or row h - 1 also clear,
 * per tap, the lanes whose tap row is outside the image (ky = 0 in row 0, ky = 2 in row
 * h - 1): AND gives exact zeros whatever the neighbouring plane holds.
 * Register tile (aarch64, assembly in dwconv_a64_asm.h): blocks of 4 vectors, each tap's 16
 * inputs from one LD1 of 4 registers; armv7: blocks of 2 vectors in intrinsics.
 *
 * Preconditions: h >= 2, 2 <= w <= GRT_DW_FLAT_MAX_W; reads reach w + 1 floats before the
 * plane and w + 4 floats past it, which the caller keeps inside `in` (it sends the first and
 * last planes of a call to the row path). res may be NULL or equal out.
 */
#include "dwconv_a64_asm.h"
#include "dwconv_neon.h"

#ifdef __aarch64__
#define FB 4 /* vectors per block */
#else
#define FB 2
#endif

void grt_neon_dwconv3x3s1_flat_masks(size_t w, struct grt_dw_flat_masks *fm) {
    const size_t g = w % 4 == 0 ? 4 : (w % 2 == 0 ? 2 : 1);
    fm->period = w / g;
    for (size_t v = 0; v < fm->period + 4; v++) {
        uint32_t m0[4], m2[4];
        for (size_t l = 0; l < 4; l++) {
            const size_t x = (4 * v + l) % w;
            m0[l] = x >= 1 ? ~0u : 0u;    /* tap column x - 1 */
            m2[l] = x + 1 < w ? ~0u : 0u; /* tap column x + 1 */
        }
        fm->m[0][v] = vld1q_u32(m0);
        fm->m[1][v] = vld1q_u32(m2);
    }
    for (size_t v = 0; v < fm->period; v++) {
        int need = 0;
        for (size_t l = 0; l < 16; l++) {
            const size_t x = (4 * v + l) % w;
            need |= x == 0 || x + 1 == w;
        }
        fm->need[v] = (unsigned char)need;
    }
}

#define AND(x, m) vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(x), (m)))

/* nv vectors at flat output index i: the three column sums, masked and added. */
GRT_INLINE void flat_vecs(const float *r0, const float *r1, const float *r2, const float32x4_t *t,
                          const uint32x4_t *m0, const uint32x4_t *m2, float32x4_t *acc,
                          const int nv) {
    float32x4_t c0[FB], c1[FB], c2[FB];
#define ROWN(r, ky, first)                                                                     \
    _Pragma("GCC unroll 4") for (int j = 0; j < nv; j++) {                                     \
        const float32x4_t a = vld1q_f32(r + 4 * j), b = vld1q_f32(r + 4 * j + 1),              \
                          c = vld1q_f32(r + 4 * j + 2);                                        \
        c0[j] = (first) ? GRT_MUL_LANE(a, t[((ky) * 3) / 4], ((ky) * 3) % 4)                     \
                        : GRT_FMA_LANE(c0[j], a, t[((ky) * 3) / 4], ((ky) * 3) % 4);             \
        c1[j] = (first) ? GRT_MUL_LANE(b, t[((ky) * 3 + 1) / 4], ((ky) * 3 + 1) % 4)             \
                        : GRT_FMA_LANE(c1[j], b, t[((ky) * 3 + 1) / 4], ((ky) * 3 + 1) % 4);     \
        c2[j] = (first) ? GRT_MUL_LANE(c, t[((ky) * 3 + 2) / 4], ((ky) * 3 + 2) % 4)             \
                        : GRT_FMA_LANE(c2[j], c, t[((ky) * 3 + 2) / 4], ((ky) * 3 + 2) % 4);     \
    }
    ROWN(r0, 0, 1)
    ROWN(r1, 1, 0)
    ROWN(r2, 2, 0)
#undef ROWN
#pragma GCC unroll 4
    for (int j = 0; j < nv; j++) {
        acc[j] = vaddq_f32(vaddq_f32(AND(c0[j], m0[j]), c1[j]), AND(c2[j], m2[j]));
    }
}

/* The output vector at flat index i in a plane's first or last row: every tap masked by
 * its row (tap row 0 invalid in output row 0, tap row 2 in row h - 1) and column. */
GRT_INLINE float32x4_t vec_edge_rows(const float *in, size_t w, size_t hw, size_t i,
                                     const float32x4_t *t, uint32x4_t m0, uint32x4_t m2) {
    static const uint32_t lane[4] = {0, 1, 2, 3};
    const uint32x4_t idx = vaddq_u32(vdupq_n_u32((uint32_t)i), vld1q_u32(lane));
    const uint32x4_t all = vdupq_n_u32(~0u);
    const uint32x4_t rm[3] = {vcgeq_u32(idx, vdupq_n_u32((uint32_t)w)), all,
                              vcltq_u32(idx, vdupq_n_u32((uint32_t)(hw - w)))};
    const uint32x4_t cm[3] = {m0, all, m2};
    const float *p = in + i - w - 1;
    float32x4_t acc = vdupq_n_f32(0.0f);
#define E_TAP(ky, kx)                                                                          \
    acc = GRT_FMA_LANE(acc, AND(vld1q_f32(p + (ky) * w + (kx)), vandq_u32(rm[ky], cm[kx])),    \
                       t[((ky) * 3 + (kx)) / 4], ((ky) * 3 + (kx)) % 4);
    E_TAP(0, 0) E_TAP(0, 1) E_TAP(0, 2) E_TAP(1, 0) E_TAP(1, 1) E_TAP(1, 2)
    E_TAP(2, 0) E_TAP(2, 1) E_TAP(2, 2)
#undef E_TAP
    return acc;
}

/* y[j] = act(acc[j] + b + res[4j..]) stored at o[4j..] for j < nv (res may be NULL). */
GRT_INLINE void store_vecs(float *o, const float *res, const float32x4_t *acc, float32x4_t b,
                           const int nv, const int act) {
#ifdef __aarch64__
    if (nv == 4) {
        float32x4x4_t y;
        const float32x4x4_t r4 = res != NULL ? vld1q_f32_x4(res) : (float32x4x4_t){{b, b, b, b}};
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            y.val[j] = vaddq_f32(acc[j], b);
            if (res != NULL) {
                y.val[j] = vaddq_f32(y.val[j], r4.val[j]);
            }
            y.val[j] = grt_neon_act(y.val[j], act);
        }
        vst1q_f32_x4(o, y);
        return;
    }
#endif
#pragma GCC unroll 4
    for (int j = 0; j < nv; j++) {
        float32x4_t y = vaddq_f32(acc[j], b);
        if (res != NULL) {
            y = vaddq_f32(y, vld1q_f32(res + 4 * j));
        }
        vst1q_f32(o + 4 * j, grt_neon_act(y, act));
    }
}

/* One vector at the top or bottom of the plane (n lanes stored). */
GRT_INLINE void edge_row_vec(const float *in, size_t w, size_t hw, size_t i, const float32x4_t *t,
                             float32x4_t b, const float *res, float *out,
                             const struct grt_dw_flat_masks *fm, size_t phase, const int act) {
    const float32x4_t acc = vec_edge_rows(in, w, hw, i, t, fm->m[0][phase], fm->m[1][phase]);
    const size_t k = hw - i < 4 ? hw - i : 4;
    float32x4_t y = vaddq_f32(acc, b);
    if (res != NULL) {
        y = vaddq_f32(y, grt_load_partial(res + i, k));
    }
    grt_store_partial(out + i, grt_neon_act(y, act), k);
}

GRT_INLINE void flat(const float *in, size_t h, size_t w, const float32x4_t *t, float32x4_t b,
                     const float *res, float *out, const struct grt_dw_flat_masks *fm,
                     const int act) {
    const size_t hw = h * w;
    size_t i = 0, phase = 0;
    /* Vectors with a lane in row 0. */
    for (; i < w; i += 4) {
        edge_row_vec(in, w, hw, i, t, b, res, out, fm, phase, act);
        phase = phase + 1 >= fm->period ? 0 : phase + 1;
    }
    /* Rows 1 .. h - 2: output i, tap (ky, kx) reads in[i + (ky - 1) * w + kx - 1]. */
    const size_t end = hw - w; /* start of row h - 1 */
    const float *p0 = in + i - w - 1, *p1 = p0 + w, *p2 = p1 + w;
    float *o = out + i;
    const float *r = res != NULL ? res + i : NULL;
    for (; i + 4 * FB <= end; i += 4 * FB) {
        float32x4_t acc[FB];
#ifdef __aarch64__
        if (fm->need[phase]) {
            grt_a64_dw3s1_flat_block4(p0, p1, p2, t[0], t[1], t[2], fm->m[0] + phase,
                                      fm->m[1] + phase, acc);
        } else {
            grt_a64_dw3s1_block4(p0, p1, p2, t[0], t[1], t[2], acc);
        }
#else
        flat_vecs(p0, p1, p2, t, fm->m[0] + phase, fm->m[1] + phase, acc, FB);
#endif
        store_vecs(o, r, acc, b, FB, act);
        p0 += 4 * FB;
        p1 += 4 * FB;
        p2 += 4 * FB;
        o += 4 * FB;
        r = r != NULL ? r + 4 * FB : NULL;
        phase += FB;
        phase = phase >= fm->period ? (phase - fm->period) % fm->period : phase;
    }
    for (; i + 4 <= end; i += 4) {
        float32x4_t acc[FB];
        flat_vecs(p0, p1, p2, t, fm->m[0] + phase, fm->m[1] + phase, acc, 1);
        store_vecs(o, r, acc, b, 1, act);
        p0 += 4;
        p1 += 4;
        p2 += 4;
        o += 4;
        r = r != NULL ? r + 4 : NULL;
        phase = phase + 1 >= fm->period ? 0 : phase + 1;
    }
    /* Vectors with a lane in row h - 1. */
    for (; i < hw; i += 4) {
        edge_row_vec(in, w, hw, i, t, b, res, out, fm, phase, act);
        phase = phase + 1 >= fm->period ? 0 : phase + 1;
    }
}

void grt_neon_dwconv3x3s1_flat(const float *in, size_t h, size_t w, const float *taps9,
                               float bias, const float *res, float *out, int act,
                               const struct grt_dw_flat_masks *fm) {
    float t9[12] = {0.0f};
    for (int k = 0; k < 9; k++) {
        t9[k] = taps9[k];
    }
    const float32x4_t t[3] = {vld1q_f32(t9), vld1q_f32(t9 + 4), vld1q_f32(t9 + 8)};
    const float32x4_t b = vdupq_n_f32(bias);
    GRT_ACT_DISPATCH(act, flat(in, h, w, t, b, res, out, fm, ACT));
}
