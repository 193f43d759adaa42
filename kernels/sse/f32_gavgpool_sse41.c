/* grt_f32_gavgpool_sse41: global average pool, out[c] = mean(in[c][0, hw)). Algorithm and
 * preconditions: kernels/x86/dw_se_pool_add_impl.h, here on x86/dw_vec_sse.h. */
#include "x86/dw_vec_sse.h"
#include "x86/dw_se_pool_add_impl.h"

void grt_f32_gavgpool_sse41(const float *in, size_t c, size_t hw, float *out) {
    px_gavgpool(in, c, hw, out);
}
