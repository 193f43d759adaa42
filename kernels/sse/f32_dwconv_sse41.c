/* grt_f32_dwconv_sse41: depthwise KxK convolution, one image, NCHW. The algorithm, register
 * map and preconditions are in kernels/x86/dw_dwconv_impl.h; this file instantiates it for
 * the x86/dw_vec_sse.h vector interface. */
#include "x86/dw_vec_sse.h"
#include "x86/dw_dwconv_impl.h"

void grt_f32_dwconv_sse41(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t oh,
                         size_t ow, size_t k, size_t stride, size_t pad, size_t y0, size_t y1,
                           int act) {
    dw_dwconv(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, y0, y1, act);
}
