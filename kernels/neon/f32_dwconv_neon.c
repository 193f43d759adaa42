/* PLACEHOLDER: forwards to the scalar kernel until the neon version lands. */
#include "ghostrt_kernels.h"

void grt_f32_dwconv_neon(const float *in, size_t c, size_t h, size_t w, const float *weight, const float *bias, const float *residual, float *out, size_t oh, size_t ow, size_t k, size_t stride, size_t pad, int act)
{
    grt_f32_dwconv_scalar(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, act);
}
