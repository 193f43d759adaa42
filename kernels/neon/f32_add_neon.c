/* grt_f32_add_neon: elementwise add with a fused activation, ARM NEON.
 *
 * Layout: a, b, out [n] (any shape, flattened). out[i] = act(a[i] + b[i]).
 * Preconditions: out equals a, equals b, or overlaps neither. Each element is read before it
 * is written, so in-place use is safe. aarch64 moves 16 floats per LD1/ST1 of 4 registers;
 * the n % 4 tail is loaded and stored lane by lane, so only elements inside the documented
 * buffers are read.
 */
#include "neon_common.h"

GRT_INLINE void add(const float *a, const float *b, float *out, size_t n, const int act) {
    size_t i = 0;
#ifdef __aarch64__
    for (; i + 16 <= n; i += 16) {
        const float32x4x4_t x = vld1q_f32_x4(a + i), y = vld1q_f32_x4(b + i);
        float32x4x4_t z;
        z.val[0] = grt_neon_act(vaddq_f32(x.val[0], y.val[0]), act);
        z.val[1] = grt_neon_act(vaddq_f32(x.val[1], y.val[1]), act);
        z.val[2] = grt_neon_act(vaddq_f32(x.val[2], y.val[2]), act);
        z.val[3] = grt_neon_act(vaddq_f32(x.val[3], y.val[3]), act);
        vst1q_f32_x4(out + i, z);
    }
#endif
    for (; i + 4 <= n; i += 4) {
        vst1q_f32(out + i, grt_neon_act(vaddq_f32(vld1q_f32(a + i), vld1q_f32(b + i)), act));
    }
    if (i < n) {
        const float32x4_t s = vaddq_f32(grt_load_partial(a + i, n - i), grt_load_partial(b + i, n - i));
        grt_store_partial(out + i, grt_neon_act(s, act), n - i);
    }
}

void grt_f32_add_neon(const float *a, const float *b, float *out, size_t n, int act) {
    GRT_ACT_DISPATCH(act, add(a, b, out, n, ACT));
}
