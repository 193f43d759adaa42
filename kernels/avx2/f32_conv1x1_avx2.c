/* PLACEHOLDER: forwards to the scalar kernel until the avx2 version lands. */
#include "ghostrt_kernels.h"

void grt_f32_conv1x1_avx2(const float *in, size_t cin, size_t hw, const float *weight, const float *bias, const float *residual, float *out, size_t cout, int act)
{
    grt_f32_conv1x1_scalar(in, cin, hw, weight, bias, residual, out, cout, act);
}
