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
#include "conv1x1_asm.h"

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

/* The full tile: 4 channels x NV vectors, channel loop and epilogue in one asm block
 * (conv1x1_asm.h). bias: 4 floats; o / r: channel 0's output / residual (r may be NULL),
 * the other channels ld floats apart. */
GRT_INLINE void full_tile(const float *x, size_t ld, size_t cin, const float *w,
                          const float *bias, float *o, const float *r, const int act) {
    grt_neon_gemm_tile(x, ld * sizeof(float), cin, w, bias, o, r, ld * sizeof(float), 0, act);
}

/* Tile of 4 channels x nv vectors at pixel row pointer x (in + p). o[r] / res[r] are the
 * output / residual pointers of row r at pixel p (res NULL: no residual). keep: lanes of
 * vector 0 that must stay as they are in out (the shifted tail), used when tail != 0. */
GRT_INLINE void tile(const float *x, size_t ld, size_t cin, const float *w, float32x4_t b,
                     float *const o[MR], const float *const res[MR], const int nv, const int tail,
                     uint32x4_t keep, const int act) {
    float32x4_t a0[NV], a1[NV], a2[NV], a3[NV];
    {
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
            x += ld;
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

#ifndef __aarch64__
/* Packed-panel GEMM on armv7: from this many output channels on (4 tiles), packing the
 * panel (3.5 instructions per input channel) costs less than the VLD1 it saves per tile. */
#define PACK_MIN_COUT 16
#define PACK_MAX_CIN 1024 /* a 48 KiB panel */

/* panel[ci][0..12) = x[ci * ld + 0..12). */
GRT_INLINE void pack_panel(const float *x, size_t ld, size_t cin, float *panel) {
    const float *x2 = x + 8;
    const size_t stride = ld * sizeof(float);
    size_t pairs = cin / 2;
    __asm__ volatile("tst %[n], #1\n\t"
                     "beq 2f\n\t"
                     "vld1.32 {d16-d19}, [%[x]], %[stride]\n\t"
                     "vld1.32 {d20-d21}, [%[x2]], %[stride]\n\t"
                     "vstmia %[panel]!, {d16-d21}\n\t"
                     "2:\n\t"
                     "cmp %[pairs], #0\n\t"
                     "beq 3f\n\t"
                     "1:\n\t"
                     "vld1.32 {d16-d19}, [%[x]], %[stride]\n\t"
                     "vld1.32 {d20-d21}, [%[x2]], %[stride]\n\t"
                     "vld1.32 {d22-d25}, [%[x]], %[stride]\n\t"
                     "vld1.32 {d26-d27}, [%[x2]], %[stride]\n\t"
                     "vstmia %[panel]!, {d16-d27}\n\t"
                     "subs %[pairs], %[pairs], #1\n\t"
                     "bne 1b\n\t"
                     "3:\n\t"
                     : [x] "+r"(x), [x2] "+r"(x2), [panel] "+r"(panel), [pairs] "+r"(pairs)
                     : [stride] "r"(stride), [n] "r"(cin)
                     : "cc", "memory", "d16", "d17", "d18", "d19", "d20", "d21", "d22", "d23",
                       "d24", "d25", "d26", "d27");
}
#endif

/* Every channel tile at pixel p with nv vectors. dummy: NV*4 writable floats for rows past
 * cout (their residual is read from there too). */
GRT_INLINE void column(const float *in, size_t cin, size_t ld, const float *weight,
                       const float *bias, const float *residual, float *out, size_t cout,
                       size_t p, float *dummy, const int nv, const int tail, uint32x4_t keep,
                       const int act) {
    static const float zero4[MR] = {0.0f, 0.0f, 0.0f, 0.0f};
    size_t co = 0;
#ifndef __aarch64__
    if (nv == NV && cout >= PACK_MIN_COUT && cin <= PACK_MAX_CIN) {
        /* armv7: the block's input panel packed once, [cin][12], then read by every channel
         * tile with one VLDM per input channel instead of two VLD1. */
        float panel[PACK_MAX_CIN * 4 * NV] __attribute__((aligned(16)));
        pack_panel(in + p, ld, cin, panel);
        for (; co + MR <= cout; co += MR) {
            grt_neon_gemm_tile(panel, 4 * NV * sizeof(float), cin, weight + co * cin,
                               bias != NULL ? bias + co : zero4, out + co * ld + p,
                               residual != NULL ? residual + co * ld + p : NULL,
                               ld * sizeof(float), 1, act);
        }
    }
#endif
    if (nv == NV) {
        for (; co + MR <= cout; co += MR) {
            full_tile(in + p, ld, cin, weight + co * cin, bias != NULL ? bias + co : zero4,
                      out + co * ld + p, residual != NULL ? residual + co * ld + p : NULL, act);
        }
    }
    for (; co < cout; co += MR) {
        float *o[MR];
        const float *r[MR];
        for (size_t k = 0; k < MR; k++) {
            const int valid = co + k < cout;
            o[k] = valid ? out + (co + k) * ld + p : dummy;
            r[k] = residual == NULL ? NULL : (valid ? residual + (co + k) * ld + p : dummy);
        }
        tile(in + p, ld, cin, weight + co * cin, tile_bias(bias, co, cout), o, r, nv, tail,
             keep, act);
    }
}

/* hw < 4: too narrow for a vector; plain dot products over the packed weights. */
static void narrow(const float *in, size_t cin, size_t hw, size_t ld, const float *weight,
                   const float *bias, const float *residual, float *out, size_t cout,
                   int act) {
    for (size_t co = 0; co < cout; co++) {
        const float *w = weight + (co / MR) * cin * MR + co % MR;
        for (size_t p = 0; p < hw; p++) {
            float acc = 0.0f;
            for (size_t ci = 0; ci < cin; ci++) {
                acc += w[ci * MR] * in[ci * ld + p];
            }
            float y = acc + (bias != NULL ? bias[co] : 0.0f);
            if (residual != NULL) {
                y += residual[co * ld + p];
            }
            out[co * ld + p] = grt_neon_act1(y, act);
        }
    }
}

/* Epilogue of last_pixels: acc[j] holds pixel hw - 1 - j of the channels co.. (nc of them). */
GRT_INLINE void last_store(const float32x4_t *acc, int np, const float *bias,
                           const float *residual, float *out, size_t hw, size_t ld, size_t co, size_t cout,
                           const int act) {
    const size_t nc = cout - co < MR ? cout - co : MR;
    const float32x4_t b = tile_bias(bias, co, cout);
    for (int j = 0; j < np; j++) {
        const size_t px = hw - 1 - (size_t)j;
        float32x4_t y = vaddq_f32(acc[j], b);
        if (residual != NULL) {
            float rv[MR] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (size_t k = 0; k < nc; k++) {
                rv[k] = residual[(co + k) * ld + px];
            }
            y = vaddq_f32(y, vld1q_f32(rv));
        }
        float yv[MR];
        vst1q_f32(yv, grt_neon_act(y, act));
        for (size_t k = 0; k < nc; k++) {
            out[(co + k) * ld + px] = yv[k];
        }
    }
}

/* The last np (1..3) pixels, vectorized across output channels instead: per input channel
 * one load of the 4 floats ending at hw (the np pixels are its top lanes; in bounds since
 * hw >= 4), for each of up to 4 channel tiles one load of its 4 packed weights, and np
 * multiply-adds by lane per tile, 4 useful MACs each. Outputs are stored lane by lane. */
GRT_INLINE void last_pixels(const float *in, size_t cin, size_t hw, size_t ld, const float *weight,
                            const float *bias, const float *residual, float *out, size_t cout,
                            const int np, const int act) {
    const size_t tiles = (cout + MR - 1) / MR, ts = cin * MR; /* floats between tiles */
    for (size_t t = 0; t < tiles; t += 4) {
        const int nt = tiles - t < 4 ? (int)(tiles - t) : 4;
        const float *w = weight + t * ts;
        const float *x = in + hw - 4;
        float32x4_t acc[4][3];
#pragma GCC unroll 4
        for (int u = 0; u < 4; u++) {
            acc[u][0] = acc[u][1] = acc[u][2] = vdupq_n_f32(0.0f);
        }
        for (size_t ci = 0; ci < cin; ci++) {
            const float32x4_t xv = vld1q_f32(x);
            x += ld;
#pragma GCC unroll 4
            for (int u = 0; u < 4; u++) {
                if (u < nt) {
                    const float32x4_t wv = vld1q_f32(w + u * ts);
                    acc[u][0] = GRT_FMA_LANE(acc[u][0], wv, xv, 3);
                    if (np > 1) {
                        acc[u][1] = GRT_FMA_LANE(acc[u][1], wv, xv, 2);
                    }
                    if (np > 2) {
                        acc[u][2] = GRT_FMA_LANE(acc[u][2], wv, xv, 1);
                    }
                }
            }
            w += MR;
        }
#pragma GCC unroll 4
        for (int u = 0; u < 4; u++) {
            if (u < nt) {
                last_store(acc[u], np, bias, residual, out, hw, ld, (t + (size_t)u) * MR, cout, act);
            }
        }
    }
}

GRT_INLINE void conv1x1(const float *in, size_t cin, size_t hw, size_t ld, const float *weight,
                        const float *bias, const float *residual, float *out, size_t cout,
                        float *dummy, const int act) {
    const uint32x4_t none = vdupq_n_u32(0);
    size_t p = 0;
    for (; p + 4 * NV <= hw; p += 4 * NV) {
        column(in, cin, ld, weight, bias, residual, out, cout, p, dummy, NV, 0, none, act);
    }
    switch ((hw - p) / 4) {
#if NV > 5
    case 5:
        column(in, cin, ld, weight, bias, residual, out, cout, p, dummy, 5, 0, none, act);
        break;
    case 4:
        column(in, cin, ld, weight, bias, residual, out, cout, p, dummy, 4, 0, none, act);
        break;
    case 3:
        column(in, cin, ld, weight, bias, residual, out, cout, p, dummy, 3, 0, none, act);
        break;
#endif
    case 2:
        column(in, cin, ld, weight, bias, residual, out, cout, p, dummy, 2, 0, none, act);
        break;
    case 1:
        column(in, cin, ld, weight, bias, residual, out, cout, p, dummy, 1, 0, none, act);
        break;
    default:
        break;
    }
    switch (hw % 4) {
    case 3:
        last_pixels(in, cin, hw, ld, weight, bias, residual, out, cout, 3, act);
        break;
    case 2:
        last_pixels(in, cin, hw, ld, weight, bias, residual, out, cout, 2, act);
        break;
    case 1:
        last_pixels(in, cin, hw, ld, weight, bias, residual, out, cout, 1, act);
        break;
    default:
        break;
    }
}

void grt_f32_conv1x1_neon(const float *in, size_t cin, size_t hw, size_t ld, const float *weight,
                          const float *bias, const float *residual, float *out, size_t cout,
                          int act) {
    if (hw < 4) {
        narrow(in, cin, hw, ld, weight, bias, residual, out, cout, act);
        return;
    }
    float dummy[4 * NV] = {0.0f};
    GRT_ACT_DISPATCH(act, conv1x1(in, cin, hw, ld, weight, bias, residual, out, cout, dummy, ACT));
}
