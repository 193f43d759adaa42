/* Layout experiment: NC4HW4 NEON kernels (own code, written for this experiment), for
 * comparison with ghostrt's NCHW kernels. Not part of the runtime build.
 *
 * NC4HW4: channel groups of 4, each group a [H][W][4] block (one vector = 4 channels of one
 * pixel), C padded to a multiple of 4 with zero channels. Tensor = [ceil(C/4)][H][W][4].
 *
 * Kernels (all bias + ReLU fused):
 *   dw4    depthwise 3x3, stride 1, pad 1. Per channel group the 9 taps are 9 weight vectors
 *          in registers; a tile of T output pixels of one row loads T + 2 input vectors per
 *          kernel row and does 9 vector x vector FMLAs per pixel (T = 8, then 4, 2, 1 at the
 *          end of a row on aarch64; 2, 1 on armv7). Intrinsics on both. No masks: the padding
 *          is handled by clipping the taps (first/last row, first/last column compiled as
 *          their own variants with the missing taps left out).
 *   pw4    1x1 conv (GEMM). Weights packed per tile of PW_OG output groups: [cin][PW_OG * 4].
 *          Register tile PW_OG * 4 output channels x PW_PX pixels: per input group, PW_PX
 *          input vectors (4 input channels of a pixel each) and per input channel PW_OG
 *          weight vectors, FMLA by lane (lane = input channel). aarch64: 8 x 8 (16
 *          accumulators), the full tile in one asm block as ghostrt's GEMM tile is (the
 *          intrinsics version of it cost 15-19% more: GCC adds register moves); armv7:
 *          8 x 4 (8 accumulators, VMLA by scalar), also one asm block (the intrinsics
 *          version cost 1.4x: GCC spills on 16 q registers). Tails are intrinsics.
 *   pack   NCHW -> NC4HW4, one pass: 4 plane loads + one ST4 (VST4) per 4 pixels.
 *   unpack NC4HW4 -> NCHW, one pass: one LD4 (VLD4) + 4 plane stores per 4 pixels.
 *
 * Driver: nc4hw4_dw KERNEL C_IN C_OUT H W N runs KERNEL N times on one layer shape (inputs
 * packed once before), then checks the result against the naive NCHW reference of ref.h and
 * prints the max abs error. Count (N=6) - (N=1) instructions under qemu, divide by 5.
 */
#include <arm_neon.h>
#include <stddef.h>
#include "ref.h"

#define INL static inline __attribute__((always_inline))
#define NOINL __attribute__((noinline))

#ifdef __aarch64__
#define FMA_LANE(acc, x, w, lane) vfmaq_laneq_f32((acc), (x), (w), (lane))
#define DW_T 8
#define PW_OG 2
#define PW_PX 8
#else
#define FMA_LANE(acc, x, w, lane)                                                              \
    vmlaq_lane_f32((acc), (x), (lane) < 2 ? vget_low_f32(w) : vget_high_f32(w), (lane) & 1)
#ifndef DW_T
#define DW_T 2 /* 16 q registers: 9 taps, bias, 2 accumulators, 4 inputs; T = 4 measured 5-8% worse */
#endif
#define PW_OG 2
#define PW_PX 4
#endif

/* ---------------------------------------------------------------- repack */

/* NCHW [c][hw] -> NC4HW4 [ceil(c/4)][hw][4], missing channels zero. */
NOINL void pack_nc4(const float *in, size_t c, size_t hw, float *out) {
    size_t g, i, full = c / 4;
    for (g = 0; g < full; g++) {
        const float *p = in + g * 4 * hw;
        float *o = out + g * 4 * hw;
        for (i = 0; i + 4 <= hw; i += 4) {
            float32x4x4_t v;
            v.val[0] = vld1q_f32(p + i);
            v.val[1] = vld1q_f32(p + hw + i);
            v.val[2] = vld1q_f32(p + 2 * hw + i);
            v.val[3] = vld1q_f32(p + 3 * hw + i);
            vst4q_f32(o + 4 * i, v);
        }
        for (; i < hw; i++)
            for (size_t j = 0; j < 4; j++) o[4 * i + j] = p[j * hw + i];
    }
    if (c % 4) { /* last group: missing planes read as zero vectors */
        const float *p = in + full * 4 * hw;
        float *o = out + full * 4 * hw;
        size_t r = c % 4;
        const float32x4_t zero = vdupq_n_f32(0.0f);
        for (i = 0; i + 4 <= hw; i += 4) {
            float32x4x4_t v;
            v.val[0] = vld1q_f32(p + i);
            v.val[1] = r > 1 ? vld1q_f32(p + hw + i) : zero;
            v.val[2] = r > 2 ? vld1q_f32(p + 2 * hw + i) : zero;
            v.val[3] = zero;
            vst4q_f32(o + 4 * i, v);
        }
        for (; i < hw; i++)
            for (size_t j = 0; j < 4; j++) o[4 * i + j] = j < r ? p[j * hw + i] : 0.0f;
    }
}

/* NC4HW4 -> NCHW (the padding channels are dropped). */
NOINL void unpack_nc4(const float *in, size_t c, size_t hw, float *out) {
    size_t g, i, full = c / 4;
    for (g = 0; g < full; g++) {
        const float *p = in + g * 4 * hw;
        float *o = out + g * 4 * hw;
        for (i = 0; i + 4 <= hw; i += 4) {
            float32x4x4_t v = vld4q_f32(p + 4 * i);
            vst1q_f32(o + i, v.val[0]);
            vst1q_f32(o + hw + i, v.val[1]);
            vst1q_f32(o + 2 * hw + i, v.val[2]);
            vst1q_f32(o + 3 * hw + i, v.val[3]);
        }
        for (; i < hw; i++)
            for (size_t j = 0; j < 4; j++) o[j * hw + i] = p[4 * i + j];
    }
    if (c % 4) { /* last group: the padding planes are not stored */
        const float *p = in + full * 4 * hw;
        float *o = out + full * 4 * hw;
        size_t r = c % 4;
        for (i = 0; i + 4 <= hw; i += 4) {
            float32x4x4_t v = vld4q_f32(p + 4 * i);
            vst1q_f32(o + i, v.val[0]);
            if (r > 1) vst1q_f32(o + hw + i, v.val[1]);
            if (r > 2) vst1q_f32(o + 2 * hw + i, v.val[2]);
        }
        for (; i < hw; i++)
            for (size_t j = 0; j < r; j++) o[j * hw + i] = p[4 * i + j];
    }
}

/* ---------------------------------------------------------------- depthwise 3x3 s1 p1 */

/* One output pixel at column x of a row, taps kx in [KX0, KX1), ky in [KY0, KY1).
 * r[ky] points at input pixel 0 of input row y + ky - 1 (unused if outside). */
INL void dw_px(const float *const r[3], size_t x, const float32x4_t wv[9], float32x4_t b,
               float *o, int KY0, int KY1, int KX0, int KX1) {
    float32x4_t acc = b;
#pragma GCC unroll 3
    for (int ky = KY0; ky < KY1; ky++)
#pragma GCC unroll 3
        for (int kx = KX0; kx < KX1; kx++)
            acc = vfmaq_f32(acc, vld1q_f32(r[ky] + 4 * (x + kx - 1)), wv[ky * 3 + kx]);
    vst1q_f32(o + 4 * x, vmaxq_f32(acc, vdupq_n_f32(0.0f)));
}

/* T output pixels x .. x + T - 1 (T <= DW_T), all interior columns (1 <= x, x + T <= w - 1). */
INL void dw_tile(const float *const r[3], size_t x, const float32x4_t wv[9], float32x4_t b,
                 float *o, int KY0, int KY1, int T) {
    float32x4_t acc[DW_T];
#pragma GCC unroll 8
    for (int t = 0; t < T; t++) acc[t] = b;
#pragma GCC unroll 3
    for (int ky = KY0; ky < KY1; ky++) {
        const float *p = r[ky] + 4 * (x - 1);
        float32x4_t v[DW_T + 2];
#pragma GCC unroll 10
        for (int i = 0; i < T + 2; i++) v[i] = vld1q_f32(p + 4 * i);
#pragma GCC unroll 3
        for (int kx = 0; kx < 3; kx++)
#pragma GCC unroll 8
            for (int t = 0; t < T; t++) acc[t] = vfmaq_f32(acc[t], v[t + kx], wv[ky * 3 + kx]);
    }
    const float32x4_t zero = vdupq_n_f32(0.0f);
#pragma GCC unroll 8
    for (int t = 0; t < T; t++) vst1q_f32(o + 4 * (x + t), vmaxq_f32(acc[t], zero));
}

/* One output row (w >= 2) with kernel rows [KY0, KY1) inside the image. */
INL void dw_row(const float *const r[3], size_t w, const float32x4_t wv[9], float32x4_t b,
                float *o, int KY0, int KY1) {
    size_t x = 1;
    dw_px(r, 0, wv, b, o, KY0, KY1, 1, 3);
    for (; x + DW_T <= w - 1; x += DW_T) dw_tile(r, x, wv, b, o, KY0, KY1, DW_T);
#if DW_T > 4
    if (x + 4 <= w - 1) {
        dw_tile(r, x, wv, b, o, KY0, KY1, 4);
        x += 4;
    }
#endif
    if (x + 2 <= w - 1) {
        dw_tile(r, x, wv, b, o, KY0, KY1, 2);
        x += 2;
    }
    for (; x < w - 1; x++) dw_px(r, x, wv, b, o, KY0, KY1, 0, 3);
    dw_px(r, w - 1, wv, b, o, KY0, KY1, 0, 2);
}

/* in, out: NC4HW4 [cg][h][w][4]; wt: [cg][9][4] (tap-major per group); bias: [cg][4].
 * h >= 2, w >= 2. */
NOINL void dw3x3_nc4(const float *in, size_t c, size_t h, size_t w, const float *wt,
                     const float *bias, float *out) {
    size_t cg = (c + 3) / 4, plane = h * w * 4;
    for (size_t g = 0; g < cg; g++) {
        float32x4_t wv[9];
        for (int k = 0; k < 9; k++) wv[k] = vld1q_f32(wt + (g * 9 + k) * 4);
        const float32x4_t b = vld1q_f32(bias + g * 4);
        const float *ip = in + g * plane;
        float *op = out + g * plane;
        const float *r[3];
        r[0] = ip - 4 * w; /* row -1: never read in row 0 */
        r[1] = ip;
        r[2] = ip + 4 * w;
        dw_row(r, w, wv, b, op, 1, 3);
        for (size_t y = 1; y + 1 < h; y++) {
            r[0] = ip + (y - 1) * 4 * w;
            r[1] = r[0] + 4 * w;
            r[2] = r[1] + 4 * w;
            dw_row(r, w, wv, b, op + y * 4 * w, 0, 3);
        }
        r[0] = ip + (h - 2) * 4 * w;
        r[1] = r[0] + 4 * w;
        r[2] = r[1] + 4 * w; /* row h: never read */
        dw_row(r, w, wv, b, op + (h - 1) * 4 * w, 0, 2);
    }
}

/* ---------------------------------------------------------------- 1x1 conv */

/* OG output groups x PX pixels starting at pixel p; wp: this tile's [cin4][OG*4] weights. */
INL void pw_block(const float *in, size_t cg_in, size_t hw, const float *wp,
                  const float *bias, float *out, size_t p, int OG, int PX) {
    float32x4_t acc[PW_OG][PW_PX];
#pragma GCC unroll 2
    for (int o = 0; o < OG; o++) {
        const float32x4_t b = vld1q_f32(bias + 4 * o);
#pragma GCC unroll 8
        for (int t = 0; t < PX; t++) acc[o][t] = b;
    }
    const float *ip = in + 4 * p;
    for (size_t gi = 0; gi < cg_in; gi++) {
        float32x4_t x[PW_PX];
#pragma GCC unroll 8
        for (int t = 0; t < PX; t++) x[t] = vld1q_f32(ip + 4 * t);
        ip += 4 * hw;
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
#pragma GCC unroll 2
            for (int o = 0; o < OG; o++) {
                const float32x4_t wv = vld1q_f32(wp + 4 * (j * OG + o));
#pragma GCC unroll 8
                for (int t = 0; t < PX; t++) {
                    switch (j) { /* lane must be a constant */
                    case 0: acc[o][t] = FMA_LANE(acc[o][t], wv, x[t], 0); break;
                    case 1: acc[o][t] = FMA_LANE(acc[o][t], wv, x[t], 1); break;
                    case 2: acc[o][t] = FMA_LANE(acc[o][t], wv, x[t], 2); break;
                    default: acc[o][t] = FMA_LANE(acc[o][t], wv, x[t], 3); break;
                    }
                }
            }
        }
        wp += 16 * OG;
    }
    const float32x4_t zero = vdupq_n_f32(0.0f);
#pragma GCC unroll 2
    for (int o = 0; o < OG; o++)
#pragma GCC unroll 8
        for (int t = 0; t < PX; t++)
            vst1q_f32(out + 4 * (o * hw + p + t), vmaxq_f32(acc[o][t], zero));
}

#ifdef __aarch64__
/* The full 8 x 8 tile (2 output groups x 8 pixels) as one asm block, like ghostrt's GEMM
 * tile: accumulators v16..v31, inputs v0..v7 (4 input channels of 8 pixels), weights
 * v8..v15 (8 vectors of one input group). Per input group: 2 input LD1 + 1 add, 2 weight
 * LD1, 64 FMLA by element, 2 loop = 71 instructions per 256 MACs (0.277/MAC). */
INL void pw_tile88_asm(const float *ip, size_t cg_in, size_t hw, const float *wp,
                       const float *bias, float *op) {
    float *o1 = op + 4 * hw;
    size_t step = 16 * hw - 64; /* bytes from pixel 4 of one input group to pixel 0 of the next */
    __asm__ volatile(
        "ld1 {v8.4s, v9.4s}, [%[b]]\n"
        "mov v16.16b, v8.16b\n"
        "mov v17.16b, v8.16b\n"
        "mov v18.16b, v8.16b\n"
        "mov v19.16b, v8.16b\n"
        "mov v20.16b, v8.16b\n"
        "mov v21.16b, v8.16b\n"
        "mov v22.16b, v8.16b\n"
        "mov v23.16b, v8.16b\n"
        "mov v24.16b, v9.16b\n"
        "mov v25.16b, v9.16b\n"
        "mov v26.16b, v9.16b\n"
        "mov v27.16b, v9.16b\n"
        "mov v28.16b, v9.16b\n"
        "mov v29.16b, v9.16b\n"
        "mov v30.16b, v9.16b\n"
        "mov v31.16b, v9.16b\n"
        "1:\n"
        "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[ip]], #64\n"
        "ld1 {v4.4s, v5.4s, v6.4s, v7.4s}, [%[ip]]\n"
        "add %[ip], %[ip], %[step]\n"
        "ld1 {v8.4s, v9.4s, v10.4s, v11.4s}, [%[wp]], #64\n"
        "fmla v16.4s, v8.4s, v0.s[0]\n"
        "fmla v17.4s, v8.4s, v1.s[0]\n"
        "fmla v18.4s, v8.4s, v2.s[0]\n"
        "fmla v19.4s, v8.4s, v3.s[0]\n"
        "fmla v20.4s, v8.4s, v4.s[0]\n"
        "fmla v21.4s, v8.4s, v5.s[0]\n"
        "fmla v22.4s, v8.4s, v6.s[0]\n"
        "fmla v23.4s, v8.4s, v7.s[0]\n"
        "fmla v24.4s, v9.4s, v0.s[0]\n"
        "fmla v25.4s, v9.4s, v1.s[0]\n"
        "fmla v26.4s, v9.4s, v2.s[0]\n"
        "fmla v27.4s, v9.4s, v3.s[0]\n"
        "fmla v28.4s, v9.4s, v4.s[0]\n"
        "fmla v29.4s, v9.4s, v5.s[0]\n"
        "fmla v30.4s, v9.4s, v6.s[0]\n"
        "fmla v31.4s, v9.4s, v7.s[0]\n"
        "fmla v16.4s, v10.4s, v0.s[1]\n"
        "fmla v17.4s, v10.4s, v1.s[1]\n"
        "fmla v18.4s, v10.4s, v2.s[1]\n"
        "fmla v19.4s, v10.4s, v3.s[1]\n"
        "fmla v20.4s, v10.4s, v4.s[1]\n"
        "fmla v21.4s, v10.4s, v5.s[1]\n"
        "fmla v22.4s, v10.4s, v6.s[1]\n"
        "fmla v23.4s, v10.4s, v7.s[1]\n"
        "fmla v24.4s, v11.4s, v0.s[1]\n"
        "fmla v25.4s, v11.4s, v1.s[1]\n"
        "fmla v26.4s, v11.4s, v2.s[1]\n"
        "fmla v27.4s, v11.4s, v3.s[1]\n"
        "fmla v28.4s, v11.4s, v4.s[1]\n"
        "fmla v29.4s, v11.4s, v5.s[1]\n"
        "fmla v30.4s, v11.4s, v6.s[1]\n"
        "fmla v31.4s, v11.4s, v7.s[1]\n"
        "ld1 {v12.4s, v13.4s, v14.4s, v15.4s}, [%[wp]], #64\n"
        "fmla v16.4s, v12.4s, v0.s[2]\n"
        "fmla v17.4s, v12.4s, v1.s[2]\n"
        "fmla v18.4s, v12.4s, v2.s[2]\n"
        "fmla v19.4s, v12.4s, v3.s[2]\n"
        "fmla v20.4s, v12.4s, v4.s[2]\n"
        "fmla v21.4s, v12.4s, v5.s[2]\n"
        "fmla v22.4s, v12.4s, v6.s[2]\n"
        "fmla v23.4s, v12.4s, v7.s[2]\n"
        "fmla v24.4s, v13.4s, v0.s[2]\n"
        "fmla v25.4s, v13.4s, v1.s[2]\n"
        "fmla v26.4s, v13.4s, v2.s[2]\n"
        "fmla v27.4s, v13.4s, v3.s[2]\n"
        "fmla v28.4s, v13.4s, v4.s[2]\n"
        "fmla v29.4s, v13.4s, v5.s[2]\n"
        "fmla v30.4s, v13.4s, v6.s[2]\n"
        "fmla v31.4s, v13.4s, v7.s[2]\n"
        "fmla v16.4s, v14.4s, v0.s[3]\n"
        "fmla v17.4s, v14.4s, v1.s[3]\n"
        "fmla v18.4s, v14.4s, v2.s[3]\n"
        "fmla v19.4s, v14.4s, v3.s[3]\n"
        "fmla v20.4s, v14.4s, v4.s[3]\n"
        "fmla v21.4s, v14.4s, v5.s[3]\n"
        "fmla v22.4s, v14.4s, v6.s[3]\n"
        "fmla v23.4s, v14.4s, v7.s[3]\n"
        "fmla v24.4s, v15.4s, v0.s[3]\n"
        "fmla v25.4s, v15.4s, v1.s[3]\n"
        "fmla v26.4s, v15.4s, v2.s[3]\n"
        "fmla v27.4s, v15.4s, v3.s[3]\n"
        "fmla v28.4s, v15.4s, v4.s[3]\n"
        "fmla v29.4s, v15.4s, v5.s[3]\n"
        "fmla v30.4s, v15.4s, v6.s[3]\n"
        "fmla v31.4s, v15.4s, v7.s[3]\n"
        "subs %[k], %[k], #1\n"
        "b.ne 1b\n"
        "movi v0.4s, #0\n"
        "fmax v16.4s, v16.4s, v0.4s\n"
        "fmax v17.4s, v17.4s, v0.4s\n"
        "fmax v18.4s, v18.4s, v0.4s\n"
        "fmax v19.4s, v19.4s, v0.4s\n"
        "fmax v20.4s, v20.4s, v0.4s\n"
        "fmax v21.4s, v21.4s, v0.4s\n"
        "fmax v22.4s, v22.4s, v0.4s\n"
        "fmax v23.4s, v23.4s, v0.4s\n"
        "fmax v24.4s, v24.4s, v0.4s\n"
        "fmax v25.4s, v25.4s, v0.4s\n"
        "fmax v26.4s, v26.4s, v0.4s\n"
        "fmax v27.4s, v27.4s, v0.4s\n"
        "fmax v28.4s, v28.4s, v0.4s\n"
        "fmax v29.4s, v29.4s, v0.4s\n"
        "fmax v30.4s, v30.4s, v0.4s\n"
        "fmax v31.4s, v31.4s, v0.4s\n"
        "st1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[op]], #64\n"
        "st1 {v20.4s, v21.4s, v22.4s, v23.4s}, [%[op]]\n"
        "st1 {v24.4s, v25.4s, v26.4s, v27.4s}, [%[o1]], #64\n"
        "st1 {v28.4s, v29.4s, v30.4s, v31.4s}, [%[o1]]\n"
        : [ip] "+r"(ip), [wp] "+r"(wp), [k] "+r"(cg_in), [op] "+r"(op), [o1] "+r"(o1)
        : [b] "r"(bias), [step] "r"(step)
        : "memory", "cc", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",
          "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22",
          "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
}
#else
/* armv7: the full 8 x 4 tile (2 output groups x 4 pixels) as one asm block: accumulators
 * q8..q15, inputs q0..q3 (lane sources of VMLA by scalar must be in d0..d15), weights
 * q4..q7 (4 of the 8 vectors of an input group at a time). Per input group: 2 input VLD1,
 * 4 weight VLD1, 32 VMLA by scalar, 2 loop = 40 instructions per 128 MACs (0.3125/MAC).
 * Six core registers, as ghostrt's armv7 GEMM block. */
INL void pw_tile84_asm(const float *ip, size_t cg_in, size_t hw, const float *wp,
                       const float *bias, float *op) {
    size_t step = 16 * hw - 32; /* bytes from pixel 2 of a group to pixel 0 of the next */
    __asm__ volatile(
        "vld1.32 {d8-d11}, [%[b]]\n"
        "vmov q8, q4\n"
        "vmov q9, q4\n"
        "vmov q10, q4\n"
        "vmov q11, q4\n"
        "vmov q12, q5\n"
        "vmov q13, q5\n"
        "vmov q14, q5\n"
        "vmov q15, q5\n"
        "1:\n"
        "vld1.32 {d0-d3}, [%[ip]]!\n"
        "vld1.32 {d4-d7}, [%[ip]], %[step]\n"
        "vld1.32 {d8-d11}, [%[wp]]!\n"
        "vld1.32 {d12-d15}, [%[wp]]!\n"
        "vmla.f32 q8, q4, d0[0]\n"
        "vmla.f32 q12, q5, d0[0]\n"
        "vmla.f32 q9, q4, d2[0]\n"
        "vmla.f32 q13, q5, d2[0]\n"
        "vmla.f32 q10, q4, d4[0]\n"
        "vmla.f32 q14, q5, d4[0]\n"
        "vmla.f32 q11, q4, d6[0]\n"
        "vmla.f32 q15, q5, d6[0]\n"
        "vmla.f32 q8, q6, d0[1]\n"
        "vmla.f32 q12, q7, d0[1]\n"
        "vmla.f32 q9, q6, d2[1]\n"
        "vmla.f32 q13, q7, d2[1]\n"
        "vmla.f32 q10, q6, d4[1]\n"
        "vmla.f32 q14, q7, d4[1]\n"
        "vmla.f32 q11, q6, d6[1]\n"
        "vmla.f32 q15, q7, d6[1]\n"
        "vld1.32 {d8-d11}, [%[wp]]!\n"
        "vld1.32 {d12-d15}, [%[wp]]!\n"
        "vmla.f32 q8, q4, d1[0]\n"
        "vmla.f32 q12, q5, d1[0]\n"
        "vmla.f32 q9, q4, d3[0]\n"
        "vmla.f32 q13, q5, d3[0]\n"
        "vmla.f32 q10, q4, d5[0]\n"
        "vmla.f32 q14, q5, d5[0]\n"
        "vmla.f32 q11, q4, d7[0]\n"
        "vmla.f32 q15, q5, d7[0]\n"
        "vmla.f32 q8, q6, d1[1]\n"
        "vmla.f32 q12, q7, d1[1]\n"
        "vmla.f32 q9, q6, d3[1]\n"
        "vmla.f32 q13, q7, d3[1]\n"
        "vmla.f32 q10, q6, d5[1]\n"
        "vmla.f32 q14, q7, d5[1]\n"
        "vmla.f32 q11, q6, d7[1]\n"
        "vmla.f32 q15, q7, d7[1]\n"
        "subs %[k], %[k], #1\n"
        "bne 1b\n"
        "vmov.i32 q0, #0\n"
        "vmax.f32 q8, q8, q0\n"
        "vmax.f32 q9, q9, q0\n"
        "vmax.f32 q10, q10, q0\n"
        "vmax.f32 q11, q11, q0\n"
        "vmax.f32 q12, q12, q0\n"
        "vmax.f32 q13, q13, q0\n"
        "vmax.f32 q14, q14, q0\n"
        "vmax.f32 q15, q15, q0\n"
        "vst1.32 {d16-d19}, [%[op]]!\n"
        "vst1.32 {d20-d23}, [%[op]], %[step]\n"
        "vst1.32 {d24-d27}, [%[op]]!\n"
        "vst1.32 {d28-d31}, [%[op]]\n"
        : [ip] "+r"(ip), [wp] "+r"(wp), [k] "+r"(cg_in), [op] "+r"(op)
        : [b] "r"(bias), [step] "r"(step)
        : "memory", "cc", "d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d10",
          "d11", "d12", "d13", "d14", "d15", "d16", "d17", "d18", "d19", "d20", "d21", "d22",
          "d23", "d24", "d25", "d26", "d27", "d28", "d29", "d30", "d31");
}
#endif

INL void pw_tile(const float *in, size_t cg_in, size_t hw, const float *wp, const float *bias,
                 float *out, int OG) {
    size_t p = 0;
#ifdef __aarch64__
    if (OG == 2 && cg_in > 0)
        for (; p + 8 <= hw; p += 8) pw_tile88_asm(in + 4 * p, cg_in, hw, wp, bias, out + 4 * p);
#else
    if (OG == 2 && cg_in > 0)
        for (; p + 4 <= hw; p += 4) pw_tile84_asm(in + 4 * p, cg_in, hw, wp, bias, out + 4 * p);
#endif
    for (; p + PW_PX <= hw; p += PW_PX) pw_block(in, cg_in, hw, wp, bias, out, p, OG, PW_PX);
#if PW_PX > 4
    if (p + 4 <= hw) {
        pw_block(in, cg_in, hw, wp, bias, out, p, OG, 4);
        p += 4;
    }
#endif
    for (; p < hw; p++) pw_block(in, cg_in, hw, wp, bias, out, p, OG, 1);
}

/* in: NC4HW4 [ceil(cin/4)][hw][4]; out: [ceil(cout/4)][hw][4]; wpk from pack_pw_weights;
 * bias: [ceil(cout/4) * 4]. */
NOINL void pw_nc4(const float *in, size_t cin, size_t hw, const float *wpk, const float *bias,
                  float *out, size_t cout) {
    size_t cg_in = (cin + 3) / 4, cg_out = (cout + 3) / 4, g = 0;
    for (; g + PW_OG <= cg_out; g += PW_OG)
        pw_tile(in, cg_in, hw, wpk + g * cg_in * 16, bias + 4 * g, out + g * hw * 4, PW_OG);
    for (; g < cg_out; g++)
        pw_tile(in, cg_in, hw, wpk + g * cg_in * 16, bias + 4 * g, out + g * hw * 4, 1);
}

/* [cout][cin] -> tiles of og = min(PW_OG, groups left) output groups: [cin4][og * 4],
 * tile of groups g0.. at offset g0 * cin4 * 4 floats (cin4 = cin rounded up to 4). */
static float *pack_pw_weights(const float *wt, size_t cin, size_t cout) {
    size_t cg_in = (cin + 3) / 4, cg_out = (cout + 3) / 4;
    float *p = ref_alloc(cg_out * 4 * cg_in * 4);
    for (size_t g0 = 0; g0 < cg_out; g0 += PW_OG) {
        size_t og = cg_out - g0 < PW_OG ? cg_out - g0 : PW_OG;
        float *t = p + g0 * cg_in * 16;
        for (size_t ci = 0; ci < cg_in * 4; ci++)
            for (size_t k = 0; k < og * 4; k++) {
                size_t co = g0 * 4 + k;
                t[ci * og * 4 + k] = (co < cout && ci < cin) ? wt[co * cin + ci] : 0.0f;
            }
    }
    return p;
}

/* ---------------------------------------------------------------- driver */

int main(int argc, char **argv) {
    struct ref_args a = ref_parse(argc, argv);
    size_t hw = a.h * a.w;
    float err = 0.0f;
    if (!strcmp(a.kernel, "dw4")) {
        size_t c = a.cin, cg = (c + 3) / 4;
        float *x = ref_random(c * hw, 1.0f), *wt = ref_random(c * 9, 0.33f),
              *bias = ref_random(c, 0.1f);
        float *x4 = ref_alloc(cg * 4 * hw), *y4 = ref_alloc(cg * 4 * hw);
        float *wk = ref_alloc(cg * 36), *bk = ref_alloc(cg * 4);
        for (size_t ch = 0; ch < c; ch++) {
            for (int k = 0; k < 9; k++) wk[((ch / 4) * 9 + k) * 4 + ch % 4] = wt[ch * 9 + k];
            bk[ch] = bias[ch];
        }
        pack_nc4(x, c, hw, x4);
        for (size_t i = 0; i < a.n; i++) dw3x3_nc4(x4, c, a.h, a.w, wk, bk, y4);
        float *y = ref_alloc(c * hw), *r = ref_alloc(c * hw);
        unpack_nc4(y4, c, hw, y);
        ref_dw3x3(x, c, a.h, a.w, wt, bias, r);
        err = ref_maxerr(y, r, c * hw);
    } else if (!strcmp(a.kernel, "pw4")) {
        size_t cgi = (a.cin + 3) / 4, cgo = (a.cout + 3) / 4;
        float *x = ref_random(a.cin * hw, 1.0f),
              *wt = ref_random(a.cout * a.cin, 1.0f / sqrtf((float)a.cin)),
              *bias = ref_random(a.cout, 0.1f);
        float *x4 = ref_alloc(cgi * 4 * hw), *y4 = ref_alloc(cgo * 4 * hw);
        float *wk = pack_pw_weights(wt, a.cin, a.cout), *bk = ref_alloc(cgo * 4);
        memcpy(bk, bias, a.cout * sizeof(float));
        pack_nc4(x, a.cin, hw, x4);
        for (size_t i = 0; i < a.n; i++) pw_nc4(x4, a.cin, hw, wk, bk, y4, a.cout);
        float *y = ref_alloc(a.cout * hw), *r = ref_alloc(a.cout * hw);
        unpack_nc4(y4, a.cout, hw, y);
        ref_pw(x, a.cin, hw, wt, bias, r, a.cout);
        err = ref_maxerr(y, r, a.cout * hw);
    } else if (!strcmp(a.kernel, "pack") || !strcmp(a.kernel, "unpack")) {
        size_t c = a.cin, cg = (c + 3) / 4;
        float *x = ref_random(c * hw, 1.0f), *x4 = ref_alloc(cg * 4 * hw),
              *y = ref_alloc(c * hw);
        if (a.kernel[0] == 'p') {
            for (size_t i = 0; i < a.n; i++) pack_nc4(x, c, hw, x4);
            unpack_nc4(x4, c, hw, y);
        } else {
            pack_nc4(x, c, hw, x4);
            for (size_t i = 0; i < a.n; i++) unpack_nc4(x4, c, hw, y);
        }
        err = ref_maxerr(x, y, c * hw);
        if (c % 4) /* the padding channels of the last group must be zero */
            for (size_t i = 0; i < hw; i++)
                for (size_t j = c % 4; j < 4; j++)
                    if (x4[((cg - 1) * hw + i) * 4 + j] != 0.0f) err = 1e9f;
    } else {
        fprintf(stderr, "unknown kernel %s (dw4, pw4, pack, unpack)\n", a.kernel);
        return 2;
    }
    printf("%s cin=%zu cout=%zu %zux%zu n=%zu max_abs_err=%.3g\n", a.kernel, a.cin, a.cout, a.h,
           a.w, a.n, err);
    return err < 1e-4f ? 0 : 1;
}
