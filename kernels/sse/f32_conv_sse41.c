/* grt_f32_conv_sse41: dense KxK convolution (the stem), one image, NCHW. The algorithm,
 * register tile and preconditions are in kernels/x86/dw_conv_impl.h; this file instantiates
 * it for the x86/dw_vec_sse.h vector interface. */
#include "x86/dw_vec_sse.h"
#include "x86/dw_conv_impl.h"

void grt_f32_conv_sse41(const float *in, size_t cin, size_t h, size_t w, const float *weight,
                       const float *bias, const float *residual, float *out, size_t cout,
                       size_t oh, size_t ow, size_t k, size_t stride, size_t pad, size_t y0,
                        size_t y1, int act) {
    cv_conv(in, cin, h, w, weight, bias, residual, out, cout, oh, ow, k, stride, pad, y0, y1,
            act);
}
