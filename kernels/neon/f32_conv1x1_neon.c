/* grt_f32_conv1x1_neon: pointwise convolution as a GEMM, one image, NCHW, ARM NEON:
 * out[co][p] = act(sum_ci w[co][ci] * in[ci][p] + bias[co] + residual[co][p]).
 *
 * Layout: in [cin][hw]; weight packed by pack_conv1x1 with mr = 4 (src/kernels/neon.rs):
 * tiles of 4 output channels, each [cin][4], cout zero-padded to a multiple of 4; bias [cout]
 * or NULL; residual and out [cout][hw].
 * Preconditions: cin >= 1; out does not overlap in (it may equal residual).
 *
 * Register tile: 4 output channels x NV vectors of 4 pixels, vectorized across pixels (NCHW
 * rows are contiguous in p). Per input channel: one q load of the 4 packed weights, NV q
 * loads of input, 4*NV multiply-adds by weight lane (FMLA by element / VMLA by scalar).
 *   aarch64 (32 q): NV = 6, a 4x24 tile: 24 accumulators + 1 weight + up to 6 inputs.
 *   armv7   (16 q): NV = 3, a 4x12 tile: 12 accumulators + 1 weight + up to 3 inputs.
 * The first input channel multiplies instead of accumulating, so no zeroing. The epilogue
 * (bias, residual, activation) runs on the tile in registers before its one store.
 *
 * Loop order: pixel blocks outside, channel tiles inside, so one block's input panel
 * (cin x 4*NV floats) stays in cache while every weight tile streams through it.
 * Edges: after the full blocks, one block of the remaining whole vectors (NV' < NV); then
 * the last hw % 4 pixels as one vector shifted left to end at hw, whose already-written lanes
 * are kept by a bit select (so in-place residuals stay correct). A cout tail (cout % 4) is a
 * normal tile whose missing rows are written to a stack dummy. hw < 4 takes a scalar loop.
 * Only elements inside the documented buffers are read.
 */
#include "neon_common.h"

#ifdef __aarch64__
#define NV 6
#else
#define NV 3
#endif
#define MR 4

/* Epilogue of one tile row: o[4j..] = act(acc[j] + b + res[4j..]), res may be NULL. */
GRT_INLINE void store_row(const float32x4_t *acc, float32x4_t b, float *o, const float *res,
                          const int nv, const int tail, uint32x4_t keep, const int act) {
#pragma GCC unroll 8
    for (int j = 0; j < nv; j++) {
        float32x4_t y = vaddq_f32(acc[j], b);
        if (res != NULL) {
            y = vaddq_f32(y, vld1q_f32(res + 4 * j));
        }
        y = grt_neon_act(y, act);
        if (tail) {
            y = vbslq_f32(keep, vld1q_f32(o), y);
        }
        vst1q_f32(o + 4 * j, y);
    }
}

#ifdef __aarch64__
/* Accumulator of row r, vector j is v(8 + 6 r + j), so acc[] is v8..v31 in order. Inputs of
 * one channel are v1..v6, its weights v0 or v7. */
#define ROW_STEP(op, x, a0, a1, a2, a3, w)                                                    \
    op " v" a0 ".4s, " x ".4s, " w ".s[0]\n\t"                                                 \
    op " v" a1 ".4s, " x ".4s, " w ".s[1]\n\t"                                                 \
    op " v" a2 ".4s, " x ".4s, " w ".s[2]\n\t"                                                 \
    op " v" a3 ".4s, " x ".4s, " w ".s[3]\n\t"
#define STEP(op, w)                                                                            \
    ROW_STEP(op, "v1", "8", "14", "20", "26", w) ROW_STEP(op, "v2", "9", "15", "21", "27", w)  \
    ROW_STEP(op, "v3", "10", "16", "22", "28", w) ROW_STEP(op, "v4", "11", "17", "23", "29", w) \
    ROW_STEP(op, "v5", "12", "18", "24", "30", w) ROW_STEP(op, "v6", "13", "19", "25", "31", w)
#define LOAD_X                                                                                 \
    "ld1 {v1.4s, v2.4s, v3.4s, v4.4s}, [%[x]], %[stride]\n\t"                                  \
    "ld1 {v5.4s, v6.4s}, [%[x2]], %[stride]\n\t"

/* The 4x24 tile's channel loop: acc[r][j] = sum over cin channels of x[ci][4j..] * w[ci][r].
 * Per channel one weight load, two input loads that also step to the next channel and 24
 * FMLA; two channels per loop turn. Assembly because GCC, given this loop in intrinsics,
 * schedules all loads first and spills accumulators. */
static void main_loop(const float *x, size_t hw, size_t cin, const float *w, float *acc) {
    const float *x2 = x + 16;
    size_t pairs = (cin - 1) / 2;
    const size_t odd = (cin - 1) % 2;
    const size_t stride = hw * sizeof(float);
    __asm__ volatile(
        "ld1 {v0.4s}, [%[w]], #16\n\t"
        LOAD_X STEP("fmul", "v0")
        "cbz %[pairs], 2f\n\t"
        "1:\n\t"
        "ldp q0, q7, [%[w]], #32\n\t"
        LOAD_X STEP("fmla", "v0")
        LOAD_X STEP("fmla", "v7")
        "subs %[pairs], %[pairs], #1\n\t"
        "b.ne 1b\n\t"
        "2:\n\t"
        "cbz %[odd], 3f\n\t"
        "ld1 {v0.4s}, [%[w]], #16\n\t"
        LOAD_X STEP("fmla", "v0")
        "3:\n\t"
        "st1 {v8.4s, v9.4s, v10.4s, v11.4s}, [%[acc]], #64\n\t"
        "st1 {v12.4s, v13.4s, v14.4s, v15.4s}, [%[acc]], #64\n\t"
        "st1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[acc]], #64\n\t"
        "st1 {v20.4s, v21.4s, v22.4s, v23.4s}, [%[acc]], #64\n\t"
        "st1 {v24.4s, v25.4s, v26.4s, v27.4s}, [%[acc]], #64\n\t"
        "st1 {v28.4s, v29.4s, v30.4s, v31.4s}, [%[acc]]\n\t"
        : [x] "+r"(x), [x2] "+r"(x2), [pairs] "+r"(pairs), [w] "+r"(w), [acc] "+r"(acc)
        : [odd] "r"(odd), [stride] "r"(stride)
        : "cc", "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",
          "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22",
          "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
}
#else
/* Accumulator of row r, vector j is q(4 + 3 r + j), so acc[] is q4..q15 in order. Inputs of
 * one channel are q1..q3, its weights q0 (d0, d1: VMLA scalars must be in d0..d15). */
#define ROW_STEP(op, x, a0, a1, a2, a3)                                                        \
    op ".f32 q" a0 ", " x ", d0[0]\n\t"                                                        \
    op ".f32 q" a1 ", " x ", d0[1]\n\t"                                                        \
    op ".f32 q" a2 ", " x ", d1[0]\n\t"                                                        \
    op ".f32 q" a3 ", " x ", d1[1]\n\t"
#define STEP(op)                                                                               \
    "vld1.32 {d0-d1}, [%[w]]!\n\t"                                                             \
    "vld1.32 {d2-d5}, [%[x]], %[stride]\n\t"                                                   \
    "vld1.32 {d6-d7}, [%[x2]], %[stride]\n\t"                                                  \
    ROW_STEP(op, "q1", "4", "7", "10", "13") ROW_STEP(op, "q2", "5", "8", "11", "14")          \
    ROW_STEP(op, "q3", "6", "9", "12", "15")

/* The 4x12 tile's channel loop: per channel one weight load, two input loads that also step
 * to the next channel and 12 VMLA by scalar; two channels per loop turn. */
static void main_loop(const float *x, size_t hw, size_t cin, const float *w, float *acc) {
    const float *x2 = x + 8;
    size_t pairs = (cin - 1) / 2;
    const size_t odd = (cin - 1) % 2;
    const size_t stride = hw * sizeof(float);
    __asm__ volatile(
        STEP("vmul")
        "cmp %[pairs], #0\n\t"
        "beq 2f\n\t"
        "1:\n\t"
        STEP("vmla") STEP("vmla")
        "subs %[pairs], %[pairs], #1\n\t"
        "bne 1b\n\t"
        "2:\n\t"
        "cmp %[odd], #0\n\t"
        "beq 3f\n\t"
        STEP("vmla")
        "3:\n\t"
        "vst1.32 {d8-d11}, [%[acc]]!\n\t"
        "vst1.32 {d12-d15}, [%[acc]]!\n\t"
        "vst1.32 {d16-d19}, [%[acc]]!\n\t"
        "vst1.32 {d20-d23}, [%[acc]]!\n\t"
        "vst1.32 {d24-d27}, [%[acc]]!\n\t"
        "vst1.32 {d28-d31}, [%[acc]]\n\t"
        : [x] "+r"(x), [x2] "+r"(x2), [pairs] "+r"(pairs), [w] "+r"(w), [acc] "+r"(acc)
        : [odd] "r"(odd), [stride] "r"(stride)
        : "cc", "memory", "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10",
          "q11", "q12", "q13", "q14", "q15");
}
#endif

/* Tile of 4 channels x nv vectors at pixel row pointer x (in + p). o[r] / res[r] are the
 * output / residual pointers of row r at pixel p (res NULL: no residual). keep: lanes of
 * vector 0 that must stay as they are in out (the shifted tail), used when tail != 0. */
GRT_INLINE void tile(const float *x, size_t hw, size_t cin, const float *w, float32x4_t b,
                     float *const o[MR], const float *const res[MR], const int nv, const int tail,
                     uint32x4_t keep, const int act) {
    float32x4_t a0[NV], a1[NV], a2[NV], a3[NV];
    if (nv == NV) {
        float acc[MR][4 * NV];
        main_loop(x, hw, cin, w, &acc[0][0]);
#pragma GCC unroll 8
        for (int j = 0; j < NV; j++) {
            a0[j] = vld1q_f32(&acc[0][4 * j]);
            a1[j] = vld1q_f32(&acc[1][4 * j]);
            a2[j] = vld1q_f32(&acc[2][4 * j]);
            a3[j] = vld1q_f32(&acc[3][4 * j]);
        }
    } else {
        float32x4_t wv = vld1q_f32(w);
#pragma GCC unroll 8
        for (int j = 0; j < nv; j++) {
            const float32x4_t xv = vld1q_f32(x + 4 * j);
            a0[j] = GRT_MUL_LANE(xv, wv, 0);
            a1[j] = GRT_MUL_LANE(xv, wv, 1);
            a2[j] = GRT_MUL_LANE(xv, wv, 2);
            a3[j] = GRT_MUL_LANE(xv, wv, 3);
        }
        for (size_t ci = 1; ci < cin; ci++) {
            x += hw;
            w += MR;
            wv = vld1q_f32(w);
#pragma GCC unroll 8
            for (int j = 0; j < nv; j++) {
                const float32x4_t xv = vld1q_f32(x + 4 * j);
                a0[j] = GRT_FMA_LANE(a0[j], xv, wv, 0);
                a1[j] = GRT_FMA_LANE(a1[j], xv, wv, 1);
                a2[j] = GRT_FMA_LANE(a2[j], xv, wv, 2);
                a3[j] = GRT_FMA_LANE(a3[j], xv, wv, 3);
            }
        }
    }
    const float32x4_t bb[MR] = {GRT_DUP_LANE(b, 0), GRT_DUP_LANE(b, 1), GRT_DUP_LANE(b, 2),
                                GRT_DUP_LANE(b, 3)};
    float32x4_t *acc[MR] = {a0, a1, a2, a3};
    if (res[0] != NULL) {
#pragma GCC unroll 4
        for (int r = 0; r < MR; r++) {
            store_row(acc[r], bb[r], o[r], res[r], nv, tail, keep, act);
        }
    } else {
#pragma GCC unroll 4
        for (int r = 0; r < MR; r++) {
            store_row(acc[r], bb[r], o[r], NULL, nv, tail, keep, act);
        }
    }
}

/* Bias of channel tile co.. (zero-filled past cout or without bias). */
GRT_INLINE float32x4_t tile_bias(const float *bias, size_t co, size_t cout) {
    if (bias == NULL) {
        return vdupq_n_f32(0.0f);
    }
    if (co + MR <= cout) {
        return vld1q_f32(bias + co);
    }
    float t[MR] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (size_t r = 0; co + r < cout; r++) {
        t[r] = bias[co + r];
    }
    return vld1q_f32(t);
}

/* Every channel tile at pixel p with nv vectors. dummy: NV*4 writable floats for rows past
 * cout (their residual is read from there too). */
GRT_INLINE void column(const float *in, size_t cin, size_t hw, const float *weight,
                       const float *bias, const float *residual, float *out, size_t cout,
                       size_t p, float *dummy, const int nv, const int tail, uint32x4_t keep,
                       const int act) {
    for (size_t co = 0; co < cout; co += MR) {
        float *o[MR];
        const float *r[MR];
        for (size_t k = 0; k < MR; k++) {
            const int valid = co + k < cout;
            o[k] = valid ? out + (co + k) * hw + p : dummy;
            r[k] = residual == NULL ? NULL : (valid ? residual + (co + k) * hw + p : dummy);
        }
        tile(in + p, hw, cin, weight + co * cin, tile_bias(bias, co, cout), o, r, nv, tail,
             keep, act);
    }
}

/* hw < 4: too narrow for a vector; plain dot products over the packed weights. */
static void narrow(const float *in, size_t cin, size_t hw, const float *weight,
                   const float *bias, const float *residual, float *out, size_t cout,
                   int act) {
    for (size_t co = 0; co < cout; co++) {
        const float *w = weight + (co / MR) * cin * MR + co % MR;
        for (size_t p = 0; p < hw; p++) {
            float acc = 0.0f;
            for (size_t ci = 0; ci < cin; ci++) {
                acc += w[ci * MR] * in[ci * hw + p];
            }
            float y = acc + (bias != NULL ? bias[co] : 0.0f);
            if (residual != NULL) {
                y += residual[co * hw + p];
            }
            out[co * hw + p] = grt_neon_act1(y, act);
        }
    }
}

GRT_INLINE void conv1x1(const float *in, size_t cin, size_t hw, const float *weight,
                        const float *bias, const float *residual, float *out, size_t cout,
                        float *dummy, const int act) {
    const uint32x4_t none = vdupq_n_u32(0);
    size_t p = 0;
    for (; p + 4 * NV <= hw; p += 4 * NV) {
        column(in, cin, hw, weight, bias, residual, out, cout, p, dummy, NV, 0, none, act);
    }
    switch ((hw - p) / 4) {
#if NV > 5
    case 5:
        column(in, cin, hw, weight, bias, residual, out, cout, p, dummy, 5, 0, none, act);
        break;
    case 4:
        column(in, cin, hw, weight, bias, residual, out, cout, p, dummy, 4, 0, none, act);
        break;
    case 3:
        column(in, cin, hw, weight, bias, residual, out, cout, p, dummy, 3, 0, none, act);
        break;
#endif
    case 2:
        column(in, cin, hw, weight, bias, residual, out, cout, p, dummy, 2, 0, none, act);
        break;
    case 1:
        column(in, cin, hw, weight, bias, residual, out, cout, p, dummy, 1, 0, none, act);
        break;
    default:
        break;
    }
    const size_t n = hw % 4;
    if (n != 0) {
        /* Lanes 0 .. 4-n-1 of the vector ending at hw were written above. */
        const uint32_t k[4] = {n < 4 ? ~0u : 0u, n < 3 ? ~0u : 0u, n < 2 ? ~0u : 0u, 0u};
        column(in, cin, hw, weight, bias, residual, out, cout, hw - 4, dummy, 1, 1,
               vld1q_u32(k), act);
    }
}

void grt_f32_conv1x1_neon(const float *in, size_t cin, size_t hw, const float *weight,
                          const float *bias, const float *residual, float *out, size_t cout,
                          int act) {
    if (hw < 4) {
        narrow(in, cin, hw, weight, bias, residual, out, cout, act);
        return;
    }
    float dummy[4 * NV] = {0.0f};
    GRT_ACT_DISPATCH(act, conv1x1(in, cin, hw, weight, bias, residual, out, cout, dummy, ACT));
}
