/* grt_f32_se_scalar: squeeze-and-excitation as one op, portable C99 (Hu et al. 2018,
 * "Squeeze-and-Excitation Networks"; gate = hard-sigmoid in GhostNet/RepGhostNet).
 *
 * Layout: in and out [c][hw]; w1 [rd][c], b1 [rd] or NULL; w2 [c][rd], b2 [c] or NULL;
 * scratch holds c + rd floats.
 * Steps: s = mean over hw of in            (scratch[0 .. c), grt_f32_gavgpool_scalar)
 *        r = relu(w1 s + b1)               (scratch[c .. c + rd), grt_f32_fc_scalar)
 *        g = gate(w2 r + b2)               (overwrites s, which is dead by then)
 *        out[ch][p] = in[ch][p] * g[ch]
 * Preconditions: hw >= 1, c >= 1, rd >= 1; out equals in or does not overlap it; scratch
 * overlaps neither. Only elements inside the documented buffers are read.
 */
#include "epilogue.h"

void grt_f32_se_scalar(const float *in, size_t c, size_t hw,
                       const float *w1, const float *b1, size_t rd,
                       const float *w2, const float *b2, int gate,
                       float *scratch, float *out) {
    float *s = scratch;
    float *r = scratch + c;
    grt_f32_gavgpool_scalar(in, c, hw, s);
    grt_f32_fc_scalar(s, c, w1, b1, r, rd, GRT_ACT_RELU);
    grt_f32_fc_scalar(r, rd, w2, b2, s, c, gate);
    for (size_t ch = 0; ch < c; ch++) {
        const float g = s[ch];
        const float *x = in + ch * hw;
        float *y = out + ch * hw;
        for (size_t p = 0; p < hw; p++) {
            y[p] = x[p] * g;
        }
    }
}
