/* grt_f32_gavgpool_neon: global average pool, ARM NEON.
 *
 * Layout: in [c][hw] -> out [c], out[ch] = (sum of the plane) / hw. Precondition: hw >= 1;
 * out does not overlap in.
 *
 * Four planes at a time, one vector accumulator per plane (aarch64: LD1 of 4 registers,
 * 16 floats per step); the hw % 4 tail is loaded lane by lane. The four accumulators are
 * reduced together by pairwise adds into one vector of plane sums, divided by hw and
 * stored at once. Only elements inside the documented buffers are read.
 */
#include "neon_common.h"

/* Sums of up to four planes of hw floats, one vector each. */
GRT_INLINE void sums(const float *const p[4], size_t hw, float32x4_t a[4], const int planes) {
#pragma GCC unroll 4
    for (int r = 0; r < planes; r++) {
        a[r] = vdupq_n_f32(0.0f);
    }
    size_t i = 0;
#ifdef __aarch64__
    for (; i + 16 <= hw; i += 16) {
#pragma GCC unroll 4
        for (int r = 0; r < planes; r++) {
            const float32x4x4_t v = vld1q_f32_x4(p[r] + i);
            a[r] = vaddq_f32(a[r], vaddq_f32(vaddq_f32(v.val[0], v.val[1]),
                                             vaddq_f32(v.val[2], v.val[3])));
        }
    }
#endif
    for (; i + 4 <= hw; i += 4) {
#pragma GCC unroll 4
        for (int r = 0; r < planes; r++) {
            a[r] = vaddq_f32(a[r], vld1q_f32(p[r] + i));
        }
    }
    if (i < hw) {
#pragma GCC unroll 4
        for (int r = 0; r < planes; r++) {
            a[r] = vaddq_f32(a[r], grt_load_partial(p[r] + i, hw - i));
        }
    }
}

void grt_f32_gavgpool_neon(const float *in, size_t c, size_t hw, float *out) {
    size_t ch = 0;
    for (; ch + 4 <= c; ch += 4) {
        const float *p[4] = {in + ch * hw, in + (ch + 1) * hw, in + (ch + 2) * hw,
                             in + (ch + 3) * hw};
        float32x4_t a[4];
        sums(p, hw, a, 4);
        const float32x4_t s = grt_hsum4(a[0], a[1], a[2], a[3]);
#ifdef __aarch64__
        vst1q_f32(out + ch, vdivq_f32(s, vdupq_n_f32((float)hw)));
#else
        /* armv7 has no vector divide; divide lane by lane to round like the scalar kernel. */
        float t[4];
        vst1q_f32(t, s);
        for (int r = 0; r < 4; r++) {
            out[ch + r] = t[r] / (float)hw;
        }
#endif
    }
    for (; ch < c; ch++) {
        const float *p[4] = {in + ch * hw, NULL, NULL, NULL};
        float32x4_t a[4];
        sums(p, hw, a, 1);
        out[ch] = grt_hsum(a[0]) / (float)hw;
    }
}
