/* PLACEHOLDER: forwards to the scalar kernel until the avx512 version lands. */
#include "ghostrt_kernels.h"

void grt_f32_fc_avx512(const float *in, size_t cin, const float *weight, const float *bias, float *out, size_t cout, int act)
{
    grt_f32_fc_scalar(in, cin, weight, bias, out, cout, act);
}
