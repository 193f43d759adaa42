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
 * of a 112-wide row) skip the masks. Rows 0 and h - 1 run as their own one-row regions
 * whose kernel row outside the image reads a static row of zeros, so rows 1 .. h - 2 run
 * flat with nothing but column masks.
 * Register tile (assembly in dwconv_a64_asm.h / dwconv_v7_asm.h): aarch64 blocks of 4
 * vectors, each tap's 16 inputs from one LD1 of 4 registers; armv7 blocks of 2 vectors.
 *
 * Reads reach one float before the plane and 4 past it, into the neighbouring planes; the
 * few vectors whose reads would leave the buffer [lo, hi) (at the start of the first plane,
 * the end of the last) load lane by lane instead.
 * Preconditions: h >= 2, 2 <= w <= GRT_DW_FLAT_MAX_W; res may be NULL or equal out.
 */
#include <stdint.h>
#include "dwconv_a64_asm.h"
#include "dwconv_neon.h"
#include "dwconv_v7_asm.h"

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

/* The kernel row outside the image at the top and bottom reads zeros from here. */
static const float zero_row[GRT_DW_FLAT_MAX_W + 8];

/* 4 floats from q, 0 in the lanes outside [lo, hi) (lo, hi: the readable part of `in`). */
static float32x4_t load_within(const float *q, uintptr_t lo, uintptr_t hi) {
    float v[4];
    for (int l = 0; l < 4; l++) {
        const uintptr_t a = (uintptr_t)(q + l);
        v[l] = a >= lo && a < hi ? q[l] : 0.0f;
    }
    return vld1q_f32(v);
}

/* A vector whose loads would leave `in` (the first of plane 0, the last ones of the last
 * plane): every tap loaded lane by lane within [lo, hi), then masked like the others. A
 * pointer into zero_row reads zeros here too, as it lies outside [lo, hi). Off the hot path. */
static __attribute__((noinline)) float32x4_t
safe_vec(const float *p0, const float *p1, const float *p2, const float *t9, uint32x4_t m0,
         uint32x4_t m2, uintptr_t lo, uintptr_t hi) {
    const float *p[3] = {p0, p1, p2};
    float32x4_t col[3] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
    for (int ky = 0; ky < 3; ky++) {
        for (int kx = 0; kx < 3; kx++) {
            col[kx] = vfmaq_f32(col[kx], load_within(p[ky] + kx, lo, hi), vdupq_n_f32(t9[ky * 3 + kx]));
        }
    }
    const float32x4_t c0 = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(col[0]), m0));
    const float32x4_t c2 = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(col[2]), m2));
    return vaddq_f32(vaddq_f32(c0, col[1]), c2);
}

/* Outputs [0, n) of a region of the flattened plane whose kernel rows 0, 1, 2 are read
 * from p0, p1, p2 (each already at column -1 of the region's first output); the region
 * starts at a row start, so its vector v has column phase v. */
/* Stores k (1..4) outputs of one vector: act(acc + b + r). */
GRT_INLINE void store_k(float *o, const float *r, float32x4_t acc, float32x4_t b, size_t k,
                        const int act) {
    if (k == 4) {
        store_vecs(o, r, &acc, b, 1, act);
        return;
    }
    float32x4_t y = vaddq_f32(acc, b);
    if (r != NULL) {
        y = vaddq_f32(y, grt_load_partial(r, k));
    }
    grt_store_partial(o, grt_neon_act(y, act), k);
}

GRT_INLINE void region(const float *p0, const float *p1, const float *p2, size_t n,
                       const float32x4_t *t, const float *t9, float32x4_t b, const float *r,
                       float *o, const struct grt_dw_flat_masks *fm, uintptr_t lo,
                       uintptr_t hi, const int guard, const int act) {
#ifndef __aarch64__
    (void)t;
#endif
    /* guard == 0: the caller knows every read stays inside `in`. Else vector i reads [pmin + i, pmax + i + 6) of `in` (3 tap columns of 4 lanes), not
     * counting reads of zero_row (the middle row always points into `in`). Only the first
     * vector can start before lo; vectors from `last` on end past hi. */
    const float *q0 = p0 == zero_row ? p1 : p0, *q2 = p2 == zero_row ? p1 : p2;
    const uintptr_t pmin = (uintptr_t)(q0 < p1 ? q0 : p1);
    const uintptr_t pmax = (uintptr_t)(q2 > p1 ? q2 : p1);
    const ptrdiff_t last = guard ? (ptrdiff_t)((hi - pmax) / sizeof(float)) - 6 /* last safe i */
                                 : (ptrdiff_t)n;
    size_t phase = 0;
    ptrdiff_t i = 0;
    if (guard && pmin < lo && n != 0) {
        const float32x4_t acc = safe_vec(p0, p1, p2, t9, fm->m[0][0], fm->m[1][0], lo, hi);
        store_k(o, r, acc, b, n < 4 ? n : 4, act);
        i = 4;
        phase = fm->period > 1 ? 1 : 0;
        p0 += 4;
        p1 += 4;
        p2 += 4;
        o += 4;
        r = r != NULL ? r + 4 : NULL;
    }
    for (; i + 4 * FB <= (ptrdiff_t)n && i + 4 * FB - 4 <= last; i += 4 * FB) {
        float32x4_t acc[FB];
#ifdef __aarch64__
        if (fm->need[phase]) {
            grt_a64_dw3s1_flat_block4(p0, p1, p2, t[0], t[1], t[2], fm->m[0] + phase,
                                      fm->m[1] + phase, acc);
        } else {
            grt_a64_dw3s1_block4(p0, p1, p2, t[0], t[1], t[2], acc);
        }
#else
        grt_v7_dw3s1_flat_block2(p0, p1, p2, t9, fm->m[0] + phase, fm->need[phase], acc);
#endif
        store_vecs(o, r, acc, b, FB, act);
        p0 += 4 * FB;
        p1 += 4 * FB;
        p2 += 4 * FB;
        o += 4 * FB;
        r = r != NULL ? r + 4 * FB : NULL;
        phase += FB;
        while (phase >= fm->period) {
            phase -= fm->period;
        }
    }
    for (; i < (ptrdiff_t)n; i += 4) {
        float32x4_t acc;
        if (guard && i > last) {
            acc = safe_vec(p0, p1, p2, t9, fm->m[0][phase], fm->m[1][phase], lo, hi);
        } else {
#ifdef __aarch64__
            acc = grt_a64_dw3s1_flat_vec1(p0, p1, p2, t[0], t[1], t[2], fm->m[0] + phase,
                                          fm->m[1] + phase);
#else
            acc = grt_v7_dw3s1_flat_vec1(p0, p1, p2, t9, fm->m[0] + phase);
#endif
        }
        store_k(o, r, acc, b, n - (size_t)i < 4 ? n - (size_t)i : 4, act);
        p0 += 4;
        p1 += 4;
        p2 += 4;
        o += 4;
        r = r != NULL ? r + 4 : NULL;
        phase = phase + 1 >= fm->period ? 0 : phase + 1;
    }
}

GRT_INLINE void flat(const float *in, size_t h, size_t w, const float32x4_t *t, const float *t9,
                     float32x4_t b, const float *res, float *out,
                     const struct grt_dw_flat_masks *fm, uintptr_t lo, uintptr_t hi,
                     const int guard, const int act) {
    const size_t hw = h * w;
    const float *r = res;
    /* Row 0: kernel row 0 is above the image. */
    region(zero_row, in - 1, in + w - 1, w, t, t9, b, r, out, fm, lo, hi, guard, act);
    /* Rows 1 .. h - 2 as one flat run: output w + i, tap (ky, kx) reads
     * in[i + ky * w + kx - 1]. */
    if (h > 2) {
        region(in - 1, in + w - 1, in + 2 * w - 1, hw - 2 * w, t, t9, b,
               r != NULL ? r + w : NULL, out + w, fm, lo, hi, guard, act);
    }
    /* Row h - 1: kernel row 2 is below the image. */
    region(in + hw - 2 * w - 1, in + hw - w - 1, zero_row, w, t, t9, b,
           r != NULL ? r + hw - w : NULL, out + hw - w, fm, lo, hi, guard, act);
}

void grt_neon_dwconv3x3s1_flat(const float *in, size_t h, size_t w, const float *taps9,
                               float bias, const float *res, float *out, int act,
                               const struct grt_dw_flat_masks *fm, const float *lo,
                               const float *hi) {
    float t9[12] = {0.0f};
    for (int k = 0; k < 9; k++) {
        t9[k] = taps9[k];
    }
    const float32x4_t t[3] = {vld1q_f32(t9), vld1q_f32(t9 + 4), vld1q_f32(t9 + 8)};
    const float32x4_t b = vdupq_n_f32(bias);
    /* Only the first and last planes of the buffer need the read guards. */
    if (in - lo >= 1 && hi - (in + h * w) >= 3) {
        GRT_ACT_DISPATCH(act, flat(in, h, w, t, t9, b, res, out, fm, 0, 0, 0, ACT));
    } else {
        GRT_ACT_DISPATCH(act, flat(in, h, w, t, t9, b, res, out, fm, (uintptr_t)lo,
                                   (uintptr_t)hi, 1, ACT));
    }
}
