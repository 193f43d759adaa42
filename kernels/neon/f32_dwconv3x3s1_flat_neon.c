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
 * Register tile (aarch64, assembly in dwconv_a64_asm.h): blocks of 4 vectors, each tap's 16
 * inputs from one LD1 of 4 registers; armv7: blocks of 2 vectors in intrinsics.
 *
 * Preconditions: h >= 2, 2 <= w <= GRT_DW_FLAT_MAX_W; reads reach one float before the
 * plane and 4 floats past it, which the caller keeps inside `in` (it sends the first and
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

/* Outputs [0, n) of a region of the flattened plane whose kernel rows 0, 1, 2 are read
 * from p0, p1, p2 (each already at column -1 of the region's first output); the region
 * starts at a row start, so its vector v has column phase v. */
GRT_INLINE void region(const float *p0, const float *p1, const float *p2, size_t n,
                       const float32x4_t *t, float32x4_t b, const float *r, float *o,
                       const struct grt_dw_flat_masks *fm, const int act) {
    size_t phase = 0, i = 0;
    for (; i + 4 * FB <= n; i += 4 * FB) {
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
        while (phase >= fm->period) {
            phase -= fm->period;
        }
    }
    for (; i < n; i += 4) {
        float32x4_t acc[FB];
#ifdef __aarch64__
        acc[0] = grt_a64_dw3s1_flat_vec1(p0, p1, p2, t[0], t[1], t[2], fm->m[0] + phase,
                                         fm->m[1] + phase);
#else
        flat_vecs(p0, p1, p2, t, fm->m[0] + phase, fm->m[1] + phase, acc, 1);
#endif
        const size_t k = n - i < 4 ? n - i : 4;
        if (k == 4) {
            store_vecs(o, r, acc, b, 1, act);
        } else {
            float32x4_t y = vaddq_f32(acc[0], b);
            if (r != NULL) {
                y = vaddq_f32(y, grt_load_partial(r, k));
            }
            grt_store_partial(o, grt_neon_act(y, act), k);
        }
        p0 += 4;
        p1 += 4;
        p2 += 4;
        o += 4;
        r = r != NULL ? r + 4 : NULL;
        phase = phase + 1 >= fm->period ? 0 : phase + 1;
    }
}

/* The kernel row outside the image at the top and bottom reads zeros from here. */
static const float zero_row[GRT_DW_FLAT_MAX_W + 8];

GRT_INLINE void flat(const float *in, size_t h, size_t w, const float32x4_t *t, float32x4_t b,
                     const float *res, float *out, const struct grt_dw_flat_masks *fm,
                     const int act) {
    const size_t hw = h * w;
    const float *r = res;
    /* Row 0: kernel row 0 is above the image. */
    region(zero_row, in - 1, in + w - 1, w, t, b, r, out, fm, act);
    /* Rows 1 .. h - 2 as one flat run: output w + i, tap (ky, kx) reads
     * in[i + ky * w + kx - 1]. */
    if (h > 2) {
        region(in - 1, in + w - 1, in + 2 * w - 1, hw - 2 * w, t, b, r != NULL ? r + w : NULL,
               out + w, fm, act);
    }
    /* Row h - 1: kernel row 2 is below the image. */
    region(in + hw - 2 * w - 1, in + hw - w - 1, zero_row, w, t, b,
           r != NULL ? r + hw - w : NULL, out + hw - w, fm, act);
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
