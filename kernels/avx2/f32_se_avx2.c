/* PLACEHOLDER: forwards to the scalar kernel until the avx2 version lands. */
#include "ghostrt_kernels.h"

void grt_f32_se_avx2(const float *in, size_t c, size_t hw, const float *w1, const float *b1, size_t rd, const float *w2, const float *b2, int gate, float *scratch, float *out)
{
    grt_f32_se_scalar(in, c, hw, w1, b1, rd, w2, b2, gate, scratch, out);
}
