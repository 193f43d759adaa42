/* grt_f32_fc_neon: fully connected layer (a GEMV), ARM NEON.
 *
 * Layout: in [cin], weight [cout][cin] row-major, bias [cout] or NULL, out [cout]:
 *   out[o] = act(sum_i weight[o][i] * in[i] + bias[o]).
 * Preconditions: out does not overlap in or weight.
 *
 * Four output rows at a time, vectorized along cin: per block of input floats one load of
 * the input shared by the four rows, one load of each row's weights and one multiply-add
 * per row and vector (every weight is used once, so a GEMV costs at least one load and one
 * FMA per 4 MACs). aarch64 blocks are 16 floats (LD1 of 4 registers), armv7 blocks 4. Each
 * row keeps one vector accumulator; the four are reduced together by pairwise adds into
 * one vector of row sums, which gets the bias and activation and is stored at once. A cin
 * tail (cin % 4) is loaded lane by lane, a cout tail row by row. Only elements inside the
 * documented buffers are read.
 */
#include "neon_common.h"

/* Partial dot products of up to four rows with x over [0, cin): one vector per row. */
GRT_INLINE void dots(const float *x, size_t cin, const float *const w[4], float32x4_t a[4],
                     const int rows) {
    const float *wp[4];
#pragma GCC unroll 4
    for (int r = 0; r < rows; r++) {
        a[r] = vdupq_n_f32(0.0f);
        wp[r] = w[r];
    }
    const float *const end = x + cin;
#ifdef __aarch64__
    for (; x + 16 <= end; x += 16) {
        const float32x4x4_t xv = vld1q_f32_x4(x);
#pragma GCC unroll 4
        for (int r = 0; r < rows; r++) {
            const float32x4x4_t wv = vld1q_f32_x4(wp[r]);
            wp[r] += 16;
            a[r] = vfmaq_f32(a[r], wv.val[0], xv.val[0]);
            a[r] = vfmaq_f32(a[r], wv.val[1], xv.val[1]);
            a[r] = vfmaq_f32(a[r], wv.val[2], xv.val[2]);
            a[r] = vfmaq_f32(a[r], wv.val[3], xv.val[3]);
        }
    }
#else
    /* Pointers stepped after each load: armv7 loads take no register offset. */
    for (; x + 8 <= end; x += 8) {
        const float32x4_t x0 = vld1q_f32(x), x1 = vld1q_f32(x + 4);
#pragma GCC unroll 4
        for (int r = 0; r < rows; r++) {
            const float32x4_t w0 = vld1q_f32(wp[r]), w1 = vld1q_f32(wp[r] + 4);
            wp[r] += 8;
            a[r] = vfmaq_f32(a[r], w0, x0);
            a[r] = vfmaq_f32(a[r], w1, x1);
        }
    }
#endif
    for (; x + 4 <= end; x += 4) {
        const float32x4_t xv = vld1q_f32(x);
#pragma GCC unroll 4
        for (int r = 0; r < rows; r++) {
            a[r] = vfmaq_f32(a[r], vld1q_f32(wp[r]), xv);
            wp[r] += 4;
        }
    }
    if (x < end) {
        const size_t n = (size_t)(end - x);
        const float32x4_t xv = grt_load_partial(x, n);
#pragma GCC unroll 4
        for (int r = 0; r < rows; r++) {
            a[r] = vfmaq_f32(a[r], grt_load_partial(wp[r], n), xv);
        }
    }
}

GRT_INLINE void fc(const float *in, size_t cin, const float *weight, const float *bias,
                   float *out, size_t cout, const int act) {
    size_t o = 0;
    for (; o + 4 <= cout; o += 4) {
        const float *w[4] = {weight + o * cin, weight + (o + 1) * cin, weight + (o + 2) * cin,
                             weight + (o + 3) * cin};
        float32x4_t a[4];
        dots(in, cin, w, a, 4);
        float32x4_t y = grt_hsum4(a[0], a[1], a[2], a[3]);
        if (bias != NULL) {
            y = vaddq_f32(y, vld1q_f32(bias + o));
        }
        vst1q_f32(out + o, grt_neon_act(y, act));
    }
    for (; o < cout; o++) {
        const float *w[4] = {weight + o * cin, NULL, NULL, NULL};
        float32x4_t a[4];
        dots(in, cin, w, a, 1);
        const float y = grt_hsum(a[0]) + (bias != NULL ? bias[o] : 0.0f);
        out[o] = grt_neon_act1(y, act);
    }
}

void grt_f32_fc_neon(const float *in, size_t cin, const float *weight, const float *bias,
                     float *out, size_t cout, int act) {
    GRT_ACT_DISPATCH(act, fc(in, cin, weight, bias, out, cout, ACT));
}
