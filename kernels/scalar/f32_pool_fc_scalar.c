/* grt_f32_gavgpool_scalar and grt_f32_fc_scalar: the classifier head, portable C99.
 *
 * gavgpool: in [c][hw] -> out [c], out[ch] = (sum of the plane) / hw. Precondition hw >= 1.
 *   Four partial sums per plane (elements i mod 4) break the add dependency chain and also
 *   shorten the rounding-error chain; they are combined pairwise.
 * fc: in [cin], weight [cout][cin], bias [cout] or NULL -> out [cout],
 *   out[o] = act(sum_i weight[o][i] * in[i] + bias[o]). Four output rows at a time share
 *   each loaded input; each row sums over i in ascending order. Precondition: out does not
 *   overlap in or weight.
 * Only elements inside the documented buffers are read.
 */
#include "epilogue.h"

void grt_f32_gavgpool_scalar(const float *in, size_t c, size_t hw, float *out) {
    for (size_t ch = 0; ch < c; ch++) {
        const float *x = in + ch * hw;
        float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
        size_t i = 0;
        for (; i + 4 <= hw; i += 4) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
        }
        for (; i < hw; i++) {
            s0 += x[i];
        }
        out[ch] = ((s0 + s1) + (s2 + s3)) / (float)hw;
    }
}

void grt_f32_fc_scalar(const float *in, size_t cin, const float *weight, const float *bias,
                       float *out, size_t cout, int act) {
    size_t o = 0;
    for (; o + 4 <= cout; o += 4) {
        const float *w0 = weight + o * cin;
        const float *w1 = w0 + cin;
        const float *w2 = w1 + cin;
        const float *w3 = w2 + cin;
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        for (size_t i = 0; i < cin; i++) {
            const float x = in[i];
            a0 += w0[i] * x;
            a1 += w1[i] * x;
            a2 += w2[i] * x;
            a3 += w3[i] * x;
        }
        grt_store(out, NULL, o, a0, bias != NULL ? bias[o] : 0.0f, act);
        grt_store(out, NULL, o + 1, a1, bias != NULL ? bias[o + 1] : 0.0f, act);
        grt_store(out, NULL, o + 2, a2, bias != NULL ? bias[o + 2] : 0.0f, act);
        grt_store(out, NULL, o + 3, a3, bias != NULL ? bias[o + 3] : 0.0f, act);
    }
    for (; o < cout; o++) {
        const float *w = weight + o * cin;
        float a = 0.0f;
        for (size_t i = 0; i < cin; i++) {
            a += w[i] * in[i];
        }
        grt_store(out, NULL, o, a, bias != NULL ? bias[o] : 0.0f, act);
    }
}
