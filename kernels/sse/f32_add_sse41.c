/* grt_f32_add_sse41: elementwise out[i] = act(a[i] + b[i]). Algorithm and preconditions:
 * kernels/x86/dw_se_pool_add_impl.h, here on x86/dw_vec_sse.h. */
#include "x86/dw_vec_sse.h"
#include "x86/dw_se_pool_add_impl.h"

void grt_f32_add_sse41(const float *a, const float *b, float *out, size_t n, int act) {
    px_add(a, b, out, n, act);
}
