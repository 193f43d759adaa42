/* PLACEHOLDER: forwards to the scalar kernel until the neon version lands. */
#include "ghostrt_kernels.h"

void grt_f32_gavgpool_neon(const float *in, size_t c, size_t hw, float *out)
{
    grt_f32_gavgpool_scalar(in, c, hw, out);
}
