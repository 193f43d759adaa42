/* grt_f32_conv1x1_scalar: pointwise (1x1, stride 1) convolution as a GEMM, one image, NCHW,
 * portable C99: out[co][p] = act(sum_ci weight[co][ci] * in[ci][p] + bias[co] + res[co][p]).
 *
 * Layout: in [cin][hw], weight [cout][cin], bias [cout] or NULL, residual and out [cout][hw].
 * Preconditions: cin >= 1; out does not overlap in (it may equal residual).
 *
 * Register tile: 4 output channels x 8 pixels = 32 accumulators (acc[r][j]); each ci step
 * loads 4 weights and 8 contiguous input floats and does 32 multiply-adds, so every loaded
 * input is reused 4 times and every weight 8 times. Edges: a pixel tail of 1 pixel x 4
 * channels, then a channel tail of 1 channel x (8 pixels, then 1). Each element sums over ci
 * in ascending order. Only elements inside the documented buffers are read.
 */
#include "epilogue.h"

#define MR 4 /* output channels per tile */
#define NR 8 /* pixels per tile */

void grt_f32_conv1x1_scalar(const float *in, size_t cin, size_t hw, size_t ld,
                            const float *weight, const float *bias, const float *residual,
                            float *out, size_t cout, int act) {
    size_t co = 0;
    for (; co + MR <= cout; co += MR) {
        const float *w = weight + co * cin;
        float b[MR];
        for (size_t r = 0; r < MR; r++) {
            b[r] = bias != NULL ? bias[co + r] : 0.0f;
        }
        size_t p = 0;
        for (; p + NR <= hw; p += NR) {
            float acc[MR][NR] = {{0.0f}};
            for (size_t ci = 0; ci < cin; ci++) {
                const float *x = in + ci * ld + p;
                for (size_t r = 0; r < MR; r++) {
                    const float wv = w[r * cin + ci];
                    for (size_t j = 0; j < NR; j++) {
                        acc[r][j] += wv * x[j];
                    }
                }
            }
            for (size_t r = 0; r < MR; r++) {
                const size_t row = (co + r) * ld + p;
                for (size_t j = 0; j < NR; j++) {
                    grt_store(out, residual, row + j, acc[r][j], b[r], act);
                }
            }
        }
        for (; p < hw; p++) {
            float acc[MR] = {0.0f};
            for (size_t ci = 0; ci < cin; ci++) {
                const float xv = in[ci * ld + p];
                for (size_t r = 0; r < MR; r++) {
                    acc[r] += w[r * cin + ci] * xv;
                }
            }
            for (size_t r = 0; r < MR; r++) {
                grt_store(out, residual, (co + r) * ld + p, acc[r], b[r], act);
            }
        }
    }
    for (; co < cout; co++) {
        const float *w = weight + co * cin;
        const float b = bias != NULL ? bias[co] : 0.0f;
        size_t p = 0;
        for (; p + NR <= hw; p += NR) {
            float acc[NR] = {0.0f};
            for (size_t ci = 0; ci < cin; ci++) {
                const float *x = in + ci * ld + p;
                const float wv = w[ci];
                for (size_t j = 0; j < NR; j++) {
                    acc[j] += wv * x[j];
                }
            }
            for (size_t j = 0; j < NR; j++) {
                grt_store(out, residual, co * ld + p + j, acc[j], b, act);
            }
        }
        for (; p < hw; p++) {
            float acc = 0.0f;
            for (size_t ci = 0; ci < cin; ci++) {
                acc += w[ci] * in[ci * ld + p];
            }
            grt_store(out, residual, co * ld + p, acc, b, act);
        }
    }
}
