/* grt_f32_conv_scalar: dense KxK convolution (groups = 1, the network stem), one image, NCHW,
 * portable C99.
 *
 * Layout: in [cin][h][w], weight OIHW [cout][cin][k][k], bias [cout] or NULL, residual and
 * out [cout][oh][ow].
 * Preconditions: k >= 1, stride >= 1, oh = (h + 2 pad - k) / stride + 1 >= 1 and likewise
 * ow; out does not overlap in (it may equal residual).
 *
 * Same padding scheme as f32_dwconv_scalar.c: kernel rows are clipped once per output row,
 * columns split into border (taps clipped per pixel) and interior (whole window inside,
 * GRT_CONV_STRIP columns accumulated together one kernel row at a time). Each element sums
 * its taps in (ci, ky, kx) order. Only elements inside the documented buffers are read.
 */
#include "epilogue.h"

#define GRT_CONV_STRIP 64

/* One output pixel of one output channel with taps clipped to the image. */
static float conv_border_px(const float *in, size_t cin, size_t h, size_t w, const float *wo,
                            size_t k, size_t oy, size_t ox, size_t stride, size_t pad) {
    size_t ky0, ky1, kx0, kx1;
    grt_taps_inside(oy, stride, pad, k, h, &ky0, &ky1);
    grt_taps_inside(ox, stride, pad, k, w, &kx0, &kx1);
    float acc = 0.0f;
    for (size_t ci = 0; ci < cin; ci++) {
        const float *plane = in + ci * h * w;
        const float *wk = wo + ci * k * k;
        for (size_t ky = ky0; ky < ky1; ky++) {
            const float *row = plane + (oy * stride + ky - pad) * w;
            for (size_t kx = kx0; kx < kx1; kx++) {
                acc += row[ox * stride + kx - pad] * wk[ky * k + kx];
            }
        }
    }
    return acc;
}

void grt_f32_conv_scalar(const float *in, size_t cin, size_t h, size_t w,
                         const float *weight, const float *bias, const float *residual,
                         float *out, size_t cout, size_t oh, size_t ow,
                         size_t k, size_t stride, size_t pad, size_t y0, size_t y1,
                         int act) {
    size_t x0, x1;
    grt_interior(ow, stride, pad, k, w, &x0, &x1);
    float acc[GRT_CONV_STRIP];
    for (size_t co = 0; co < cout; co++) {
        const float *wo = weight + co * cin * k * k;
        const float b = bias != NULL ? bias[co] : 0.0f;
        for (size_t oy = y0; oy < y1; oy++) {
            float *o = out + (co * oh + oy) * ow;
            const float *r = residual != NULL ? residual + (co * oh + oy) * ow : NULL;
            for (size_t ox = 0; ox < x0; ox++) {
                grt_store(o, r, ox,
                          conv_border_px(in, cin, h, w, wo, k, oy, ox, stride, pad), b, act);
            }
            size_t ky0, ky1;
            grt_taps_inside(oy, stride, pad, k, h, &ky0, &ky1);
            for (size_t xa = x0; xa < x1; xa += GRT_CONV_STRIP) {
                const size_t n = x1 - xa < GRT_CONV_STRIP ? x1 - xa : GRT_CONV_STRIP;
                for (size_t j = 0; j < n; j++) {
                    acc[j] = 0.0f;
                }
                for (size_t ci = 0; ci < cin; ci++) {
                    const float *plane = in + ci * h * w;
                    const float *wk = wo + ci * k * k;
                    for (size_t ky = ky0; ky < ky1; ky++) {
                        const float *row =
                            plane + (oy * stride + ky - pad) * w + (xa * stride - pad);
                        grt_row_taps(acc, n, row, wk + ky * k, k, stride);
                    }
                }
                for (size_t j = 0; j < n; j++) {
                    grt_store(o, r, xa + j, acc[j], b, act);
                }
            }
            for (size_t ox = x1; ox < ow; ox++) {
                grt_store(o, r, ox,
                          conv_border_px(in, cin, h, w, wo, k, oy, ox, stride, pad), b, act);
            }
        }
    }
}
