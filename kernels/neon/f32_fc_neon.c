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
    if (rows == 4 && cin >= 16) {
        /* Four rows, 16 floats per turn, in assembly: GCC 12 steps each pointer with its own
         * add and splits the multi-register loads. Per turn 1 (aarch64) / 2 (armv7) input
         * loads, 1 / 2 weight loads and 4 FMA per row. */
        size_t n = cin / 16;
        float32x4_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
        const float *w0 = wp[0], *w1 = wp[1], *w2 = wp[2], *w3 = wp[3];
#ifdef __aarch64__
#define FC_ROW(wr, acc)                                                                        \
    "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [%[" wr "]], #64\n\t"                              \
    "fmla %[" acc "].4s, v20.4s, v16.4s\n\tfmla %[" acc "].4s, v21.4s, v17.4s\n\t"             \
    "fmla %[" acc "].4s, v22.4s, v18.4s\n\tfmla %[" acc "].4s, v23.4s, v19.4s\n\t"
        __asm__("1:\n\t"
                "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[x]], #64\n\t"
                FC_ROW("w0", "a0") FC_ROW("w1", "a1") FC_ROW("w2", "a2") FC_ROW("w3", "a3")
                "subs %[n], %[n], #1\n\t"
                "b.ne 1b\n\t"
                : [a0] "+w"(a0), [a1] "+w"(a1), [a2] "+w"(a2), [a3] "+w"(a3), [x] "+r"(x),
                  [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [n] "+r"(n)
                :
                : "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "cc", "memory");
#else
#define FC_ROW(wr, acc)                                                                        \
    "vld1.32 {d8-d11}, [%[" wr "]]!\n\t"                                                      \
    "vld1.32 {d12-d15}, [%[" wr "]]!\n\t"                                                     \
    "vfma.f32 %q[" acc "], q4, q0\n\tvfma.f32 %q[" acc "], q5, q1\n\t"                         \
    "vfma.f32 %q[" acc "], q6, q2\n\tvfma.f32 %q[" acc "], q7, q3\n\t"
        __asm__("1:\n\t"
                "vld1.32 {d0-d3}, [%[x]]!\n\t"
                "vld1.32 {d4-d7}, [%[x]]!\n\t"
                FC_ROW("w0", "a0") FC_ROW("w1", "a1") FC_ROW("w2", "a2") FC_ROW("w3", "a3")
                "subs %[n], %[n], #1\n\t"
                "bne 1b\n\t"
                : [a0] "+w"(a0), [a1] "+w"(a1), [a2] "+w"(a2), [a3] "+w"(a3), [x] "+r"(x),
                  [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [n] "+r"(n)
                :
                : "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "cc", "memory");
#endif
#undef FC_ROW
        a[0] = a0;
        a[1] = a1;
        a[2] = a2;
        a[3] = a3;
        wp[0] = w0;
        wp[1] = w1;
        wp[2] = w2;
        wp[3] = w3;
    }
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
