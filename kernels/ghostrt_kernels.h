/* ghostrt microkernel ABI. Every kernel family has one signature; each ISA provides its own
 * implementation with the ISA in the name (grt_f32_<op>_<isa>). Kernels are dumb: pointers,
 * counts, strides. They never allocate, never fail, and trust their preconditions, which the
 * planner guarantees.
 *
 * Layout: activations are NCHW for one image (C planes of H*W floats, plane stride H*W).
 * Weights: dense conv OIHW, depthwise [C][K][K], 1x1 conv / FC [Cout][Cin].
 * Fused epilogue, applied in this order on the accumulator of output element y:
 *     y = acc + bias[c]            (bias may be NULL: 0)
 *     y = y + residual[i]          (residual may be NULL; same layout as the output)
 *     y = act(y)                   (GRT_ACT_*)
 * In-place use: out may alias residual; out must not overlap the input otherwise.
 */
#ifndef GHOSTRT_KERNELS_H
#define GHOSTRT_KERNELS_H
#include <stddef.h>

enum {
    GRT_ACT_NONE = 0,
    GRT_ACT_RELU = 1,
    GRT_ACT_RELU6 = 2,
    GRT_ACT_HARDSIGMOID = 3, /* relu6(x + 3) / 6, as timm's hard_sigmoid */
};

/* Dense KxK conv, groups = 1 (the stem). in: [cin][h][w], w: [cout][cin][k][k],
 * out: [cout][oh][ow], zero padding `pad` on every side, oh = (h + 2 pad - k) / stride + 1.
 * Only output rows [y0, y1) of each plane are computed (0 <= y0 < y1 <= oh; pointers are
 * still those of whole planes): a thread's band of rows. */
void grt_f32_conv_scalar(const float *in, size_t cin, size_t h, size_t w,
                         const float *weight, const float *bias, const float *residual,
                         float *out, size_t cout, size_t oh, size_t ow,
                         size_t k, size_t stride, size_t pad, size_t y0, size_t y1, int act);

/* 1x1 conv = GEMM: out[co][p] = sum_ci w[co][ci] * in[ci][p], p < hw. Channel planes of in,
 * residual and out are ld >= hw floats apart: ld = hw for whole planes, ld = H*W for a pixel
 * range [p0, p0 + hw) of them (pointers offset by p0), as a thread's share of the work. */
void grt_f32_conv1x1_scalar(const float *in, size_t cin, size_t hw, size_t ld,
                            const float *weight, const float *bias, const float *residual,
                            float *out, size_t cout, int act);

/* Depthwise KxK conv, channel c reads input plane c. in: [c][h][w], w: [c][k][k]. Output
 * rows [y0, y1) of each plane, as for the dense conv. */
void grt_f32_dwconv_scalar(const float *in, size_t c, size_t h, size_t w,
                           const float *weight, const float *bias, const float *residual,
                           float *out, size_t oh, size_t ow,
                           size_t k, size_t stride, size_t pad, size_t y0, size_t y1, int act);

/* Global average pool: out[c] = mean(in[c][0..hw]). hw >= 1. */
void grt_f32_gavgpool_scalar(const float *in, size_t c, size_t hw, float *out);

/* Fully connected: out[o] = act(bias[o] + sum_i w[o][i] * in[i]) (bias may be NULL: 0). */
void grt_f32_fc_scalar(const float *in, size_t cin, const float *weight, const float *bias,
                       float *out, size_t cout, int act);

/* Squeeze-and-excitation, one op: s = mean over hw of in; r = relu(w1 s + b1) (w1: [rd][c]);
 * g = gate(w2 r + b2) (w2: [c][rd], gate = GRT_ACT_*); out[c][p] = in[c][p] * g[c].
 * b1 and b2 may be NULL (0). scratch holds c + rd floats. out may equal in. c, hw, rd >= 1. */
void grt_f32_se_scalar(const float *in, size_t c, size_t hw,
                       const float *w1, const float *b1, size_t rd,
                       const float *w2, const float *b2, int gate,
                       float *scratch, float *out);

/* Elementwise: out[i] = act(a[i] + b[i]). out may equal a or b. */
void grt_f32_add_scalar(const float *a, const float *b, float *out, size_t n, int act);

#endif
