/* grt_f32_se_neon: squeeze-and-excitation as one op, ARM NEON (Hu et al. 2018; gate =
 * hard-sigmoid in GhostNet/RepGhostNet).
 *
 * Layout: in and out [c][hw]; w1 [rd][c], b1 [rd] or NULL; w2 [c][rd], b2 [c] or NULL;
 * scratch holds c + rd floats.
 * Steps: s = mean over hw of in            (scratch[0 .. c), grt_f32_gavgpool_neon)
 *        r = relu(w1 s + b1)               (scratch[c .. c + rd), grt_f32_fc_neon)
 *        g = gate(w2 r + b2)               (overwrites s, which is dead by then)
 *        out[ch][p] = in[ch][p] * g[ch]    (aarch64: 16 floats per LD1/ST1 of 4 registers)
 * Preconditions: hw >= 1, c >= 1, rd >= 1; out equals in or does not overlap it; scratch
 * overlaps neither. Each element is read before it is written. Only elements inside the
 * documented buffers are read.
 */
#include "neon_common.h"

void grt_f32_se_neon(const float *in, size_t c, size_t hw, const float *w1, const float *b1,
                     size_t rd, const float *w2, const float *b2, int gate, float *scratch,
                     float *out) {
    float *s = scratch;
    float *r = scratch + c;
    grt_f32_gavgpool_neon(in, c, hw, s);
    grt_f32_fc_neon(s, c, w1, b1, r, rd, GRT_ACT_RELU);
    grt_f32_fc_neon(r, rd, w2, b2, s, c, gate);
    for (size_t ch = 0; ch < c; ch++) {
        const float32x4_t g = vdupq_n_f32(s[ch]);
        const float *x = in + ch * hw;
        float *y = out + ch * hw;
        size_t p = 0;
#ifdef __aarch64__
        for (; p + 16 <= hw; p += 16) {
            float32x4x4_t v = vld1q_f32_x4(x + p);
            v.val[0] = vmulq_f32(v.val[0], g);
            v.val[1] = vmulq_f32(v.val[1], g);
            v.val[2] = vmulq_f32(v.val[2], g);
            v.val[3] = vmulq_f32(v.val[3], g);
            vst1q_f32_x4(y + p, v);
        }
#endif
        for (; p + 4 <= hw; p += 4) {
            vst1q_f32(y + p, vmulq_f32(vld1q_f32(x + p), g));
        }
        if (p < hw) {
            grt_store_partial(y + p, vmulq_f32(grt_load_partial(x + p, hw - p), g), hw - p);
        }
    }
}
