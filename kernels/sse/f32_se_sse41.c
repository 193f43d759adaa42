/* grt_f32_se_sse41: squeeze-and-excitation as one op (mean, FC + ReLU, FC + gate, scale).
 * Algorithm and preconditions: kernels/x86/dw_se_pool_add_impl.h, here on
 * x86/dw_vec_sse.h. */
#include "x86/dw_vec_sse.h"
#include "x86/dw_se_pool_add_impl.h"

void grt_f32_se_sse41(const float *in, size_t c, size_t hw, const float *w1, const float *b1,
                     size_t rd, const float *w2, const float *b2, int gate, float *scratch,
                     float *out) {
    px_se(in, c, hw, w1, b1, rd, w2, b2, gate, scratch, out);
}
