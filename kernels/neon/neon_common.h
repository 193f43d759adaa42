/* Shared static inline helpers of the NEON kernels (aarch64 and armv7 with neon-vfpv4).
 *
 * - Multiply-add by a lane of a weight vector, the GEMM and depthwise inner operation. On
 *   aarch64 it is FMLA (by element); armv7 has no fused by-scalar form, so it is VMLA by
 *   scalar (separate rounding of the product, still one instruction). Plain vector x vector
 *   multiply-add is fused on both (FMLA / VFMA).
 * - The fused epilogue of ghostrt_kernels.h on one vector: y = acc + bias (+ residual), then
 *   act. `act` is meant to be a compile-time constant: every kernel dispatches once with a
 *   switch into always-inline bodies, so the activation costs 0 to 3 instructions per vector
 *   and no branch in the loops (the XNNPACK "minmax" idea, generalized to hard-sigmoid).
 * - TBL lookups that gather lanes of a loaded row segment with zero fill, the depthwise
 *   border handling without a padded copy.
 */
#ifndef GHOSTRT_NEON_COMMON_H
#define GHOSTRT_NEON_COMMON_H
#include <arm_neon.h>
#include <stddef.h>
#include "ghostrt_kernels.h"

#define GRT_INLINE static inline __attribute__((always_inline))

/* NEON kernels that other NEON kernels call (the ABI is in ghostrt_kernels.h). */
void grt_f32_gavgpool_neon(const float *in, size_t c, size_t hw, float *out);
void grt_f32_fc_neon(const float *in, size_t cin, const float *weight, const float *bias,
                     float *out, size_t cout, int act);

#ifdef __aarch64__
/* acc + x * w[lane], lane a constant in 0..3. */
#define GRT_FMA_LANE(acc, x, w, lane) vfmaq_laneq_f32((acc), (x), (w), (lane))
#define GRT_MUL_LANE(x, w, lane) vmulq_laneq_f32((x), (w), (lane))
#define GRT_DUP_LANE(w, lane) vdupq_laneq_f32((w), (lane))
#else
#define GRT_FMA_LANE(acc, x, w, lane)                                                          \
    vmlaq_lane_f32((acc), (x), (lane) < 2 ? vget_low_f32(w) : vget_high_f32(w), (lane) & 1)
#define GRT_MUL_LANE(x, w, lane)                                                               \
    vmulq_lane_f32((x), (lane) < 2 ? vget_low_f32(w) : vget_high_f32(w), (lane) & 1)
#define GRT_DUP_LANE(w, lane)                                                                  \
    vdupq_lane_f32((lane) < 2 ? vget_low_f32(w) : vget_high_f32(w), (lane) & 1)
#endif

/* act(y) for a compile-time GRT_ACT_* value. */
GRT_INLINE float32x4_t grt_neon_act(float32x4_t y, int act) {
    const float32x4_t zero = vdupq_n_f32(0.0f);
    const float32x4_t six = vdupq_n_f32(6.0f);
    switch (act) {
    case GRT_ACT_RELU:
        return vmaxq_f32(y, zero);
    case GRT_ACT_RELU6:
        return vminq_f32(vmaxq_f32(y, zero), six);
    case GRT_ACT_HARDSIGMOID:
        y = vminq_f32(vmaxq_f32(vaddq_f32(y, vdupq_n_f32(3.0f)), zero), six);
#ifdef __aarch64__
        return vdivq_f32(y, six); /* bit-identical to the scalar y / 6 */
#else
        return vmulq_f32(y, vdupq_n_f32(1.0f / 6.0f)); /* armv7 has no vector divide */
#endif
    default:
        return y;
    }
}

/* Scalar act for tails, same formulas as the scalar kernels. */
GRT_INLINE float grt_neon_act1(float y, int act) {
    switch (act) {
    case GRT_ACT_RELU:
        return y > 0.0f ? y : 0.0f;
    case GRT_ACT_RELU6:
        return y < 0.0f ? 0.0f : (y > 6.0f ? 6.0f : y);
    case GRT_ACT_HARDSIGMOID:
        y += 3.0f;
        y = y < 0.0f ? 0.0f : (y > 6.0f ? 6.0f : y);
        return y / 6.0f;
    default:
        return y;
    }
}

/* Expands `call` once per activation with `act` a constant, so each copy of an always-inline
 * body is specialized. Use as GRT_ACT_DISPATCH(act, body(args..., ACT)). */
#define GRT_ACT_DISPATCH(act, call)                                                            \
    do {                                                                                       \
        switch (act) {                                                                         \
        case GRT_ACT_RELU: {                                                                   \
            enum { ACT = GRT_ACT_RELU };                                                       \
            call;                                                                              \
        } break;                                                                               \
        case GRT_ACT_RELU6: {                                                                  \
            enum { ACT = GRT_ACT_RELU6 };                                                      \
            call;                                                                              \
        } break;                                                                               \
        case GRT_ACT_HARDSIGMOID: {                                                            \
            enum { ACT = GRT_ACT_HARDSIGMOID };                                                \
            call;                                                                              \
        } break;                                                                               \
        default: {                                                                             \
            enum { ACT = GRT_ACT_NONE };                                                       \
            call;                                                                              \
        } break;                                                                               \
        }                                                                                      \
    } while (0)

/* {sum(a0), sum(a1), sum(a2), sum(a3)}: the horizontal sums of four vectors. */
GRT_INLINE float32x4_t grt_hsum4(float32x4_t a0, float32x4_t a1, float32x4_t a2,
                                 float32x4_t a3) {
#ifdef __aarch64__
    return vpaddq_f32(vpaddq_f32(a0, a1), vpaddq_f32(a2, a3));
#else
    const float32x2_t s0 = vpadd_f32(vget_low_f32(a0), vget_high_f32(a0));
    const float32x2_t s1 = vpadd_f32(vget_low_f32(a1), vget_high_f32(a1));
    const float32x2_t s2 = vpadd_f32(vget_low_f32(a2), vget_high_f32(a2));
    const float32x2_t s3 = vpadd_f32(vget_low_f32(a3), vget_high_f32(a3));
    return vcombine_f32(vpadd_f32(s0, s1), vpadd_f32(s2, s3));
#endif
}

/* sum(a), the horizontal sum of one vector. */
GRT_INLINE float grt_hsum(float32x4_t a) {
#ifdef __aarch64__
    return vaddvq_f32(a);
#else
    const float32x2_t s = vpadd_f32(vget_low_f32(a), vget_high_f32(a));
    return vget_lane_f32(vpadd_f32(s, s), 0);
#endif
}

/* Lanes [0, n) from p, the others 0 (n <= 4); reads only p[0 .. n). No library calls, so
 * vector registers stay live around it. */
GRT_INLINE float32x4_t grt_load_partial(const float *p, size_t n) {
    float32x4_t v = vdupq_n_f32(0.0f);
    switch (n) {
    case 4:
        return vld1q_f32(p);
    case 3:
        v = vld1q_lane_f32(p + 2, v, 2);
        /* fall through */
    case 2:
        v = vld1q_lane_f32(p + 1, v, 1);
        /* fall through */
    case 1:
        v = vld1q_lane_f32(p, v, 0);
        /* fall through */
    default:
        return v;
    }
}

/* Stores lanes [0, n) of v to p[0 .. n) (n <= 4). */
GRT_INLINE void grt_store_partial(float *p, float32x4_t v, size_t n) {
    switch (n) {
    case 4:
        vst1q_f32(p, v);
        return;
    case 3:
        vst1q_lane_f32(p + 2, v, 2);
        /* fall through */
    case 2:
        vst1q_lane_f32(p + 1, v, 1);
        /* fall through */
    case 1:
        vst1q_lane_f32(p, v, 0);
        /* fall through */
    default:
        return;
    }
}

/* Byte-index vector for a TBL gather: lane l takes float src[l] of the table, or 0 when
 * src[l] < 0 (index 0xff is out of range, which TBL turns into 0). */
GRT_INLINE uint8x16_t grt_tbl_index(const int src[4]) {
    uint8_t b[16];
    for (int l = 0; l < 4; l++) {
        for (int k = 0; k < 4; k++) {
            b[4 * l + k] = src[l] < 0 ? 0xff : (uint8_t)(4 * src[l] + k);
        }
    }
    return vld1q_u8(b);
}

/* Lanes of the 4-float table t chosen by idx (grt_tbl_index), 0 where out of range. */
GRT_INLINE float32x4_t grt_tbl1(float32x4_t t, uint8x16_t idx) {
#ifdef __aarch64__
    return vreinterpretq_f32_u8(vqtbl1q_u8(vreinterpretq_u8_f32(t), idx));
#else
    uint8x8x2_t tab = {{vreinterpret_u8_f32(vget_low_f32(t)), vreinterpret_u8_f32(vget_high_f32(t))}};
    uint8x8_t lo = vtbl2_u8(tab, vget_low_u8(idx));
    uint8x8_t hi = vtbl2_u8(tab, vget_high_u8(idx));
    return vreinterpretq_f32_u8(vcombine_u8(lo, hi));
#endif
}

/* Lanes of the 8-float table (t0, t1) chosen by idx, 0 where out of range. */
GRT_INLINE float32x4_t grt_tbl2(float32x4_t t0, float32x4_t t1, uint8x16_t idx) {
#ifdef __aarch64__
    uint8x16x2_t tab = {{vreinterpretq_u8_f32(t0), vreinterpretq_u8_f32(t1)}};
    return vreinterpretq_f32_u8(vqtbl2q_u8(tab, idx));
#else
    uint8x8x4_t tab = {{vreinterpret_u8_f32(vget_low_f32(t0)), vreinterpret_u8_f32(vget_high_f32(t0)),
                        vreinterpret_u8_f32(vget_low_f32(t1)), vreinterpret_u8_f32(vget_high_f32(t1))}};
    uint8x8_t lo = vtbl4_u8(tab, vget_low_u8(idx));
    uint8x8_t hi = vtbl4_u8(tab, vget_high_u8(idx));
    return vreinterpretq_f32_u8(vcombine_u8(lo, hi));
#endif
}

#endif
