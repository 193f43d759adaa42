/* grt_f32_dwconv_scalar: depthwise KxK convolution, one image, NCHW, portable C99.
 *
 * Layout: in [c][h][w], weight [c][k][k], bias [c] or NULL, residual and out [c][oh][ow].
 * Preconditions: k >= 1, stride >= 1, oh = (h + 2 pad - k) / stride + 1 >= 1 and likewise
 * ow; out does not overlap in (it may equal residual).
 *
 * Zero padding without a padded copy and without a branch per tap: each output row first
 * clips its kernel rows to the image (grt_taps_inside), then its columns are split into a
 * left border, an interior whose whole window is inside the image, and a right border
 * (grt_interior). Interior columns are computed GRT_DW_STRIP at a time in a stack strip of
 * accumulators, one kernel row at a time (grt_row_taps); border columns clip their taps.
 * Only elements inside the documented buffers are read.
 */
#include "epilogue.h"

#define GRT_DW_STRIP 64

/* One output pixel with taps clipped to the image in both directions. */
static float dw_border_px(const float *plane, size_t h, size_t w, const float *wk, size_t k,
                          size_t oy, size_t ox, size_t stride, size_t pad) {
    size_t ky0, ky1, kx0, kx1;
    grt_taps_inside(oy, stride, pad, k, h, &ky0, &ky1);
    grt_taps_inside(ox, stride, pad, k, w, &kx0, &kx1);
    float acc = 0.0f;
    for (size_t ky = ky0; ky < ky1; ky++) {
        const float *row = plane + (oy * stride + ky - pad) * w;
        for (size_t kx = kx0; kx < kx1; kx++) {
            acc += row[ox * stride + kx - pad] * wk[ky * k + kx];
        }
    }
    return acc;
}

void grt_f32_dwconv_scalar(const float *in, size_t c, size_t h, size_t w,
                           const float *weight, const float *bias, const float *residual,
                           float *out, size_t oh, size_t ow,
                           size_t k, size_t stride, size_t pad, size_t y0, size_t y1,
                           int act) {
    size_t x0, x1;
    grt_interior(ow, stride, pad, k, w, &x0, &x1);
    float acc[GRT_DW_STRIP];
    for (size_t ch = 0; ch < c; ch++) {
        const float *plane = in + ch * h * w;
        const float *wk = weight + ch * k * k;
        const float b = bias != NULL ? bias[ch] : 0.0f;
        for (size_t oy = y0; oy < y1; oy++) {
            float *o = out + (ch * oh + oy) * ow;
            const float *r = residual != NULL ? residual + (ch * oh + oy) * ow : NULL;
            for (size_t ox = 0; ox < x0; ox++) {
                grt_store(o, r, ox, dw_border_px(plane, h, w, wk, k, oy, ox, stride, pad), b,
                          act);
            }
            size_t ky0, ky1;
            grt_taps_inside(oy, stride, pad, k, h, &ky0, &ky1);
            for (size_t xa = x0; xa < x1; xa += GRT_DW_STRIP) {
                const size_t n = x1 - xa < GRT_DW_STRIP ? x1 - xa : GRT_DW_STRIP;
                for (size_t j = 0; j < n; j++) {
                    acc[j] = 0.0f;
                }
                for (size_t ky = ky0; ky < ky1; ky++) {
                    const float *row = plane + (oy * stride + ky - pad) * w + (xa * stride - pad);
                    grt_row_taps(acc, n, row, wk + ky * k, k, stride);
                }
                for (size_t j = 0; j < n; j++) {
                    grt_store(o, r, xa + j, acc[j], b, act);
                }
            }
            for (size_t ox = x1; ox < ow; ox++) {
                grt_store(o, r, ox, dw_border_px(plane, h, w, wk, k, oy, ox, stride, pad), b,
                          act);
            }
        }
    }
}
