/* PLACEHOLDER: forwards to the scalar kernel until the neon version lands. */
#include "ghostrt_kernels.h"

void grt_f32_conv_neon(const float *in, size_t cin, size_t h, size_t w, const float *weight, const float *bias, const float *residual, float *out, size_t cout, size_t oh, size_t ow, size_t k, size_t stride, size_t pad, int act)
{
    grt_f32_conv_scalar(in, cin, h, w, weight, bias, residual, out, cout, oh, ow, k, stride, pad, act);
}
