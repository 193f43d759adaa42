/* grt_f32_dwconv_avx2: depthwise KxK convolution, one image, NCHW. The algorithm, register
 * map and preconditions are in kernels/x86/dw_dwconv_impl.h; this file instantiates it for
 * the x86/dw_vec_avx2.h vector interface. */
#include "x86/dw_vec_avx2.h"
/* Flat mode (dw_dwconv_small_impl.h) up to 16 columns: a 14-wide row is one full and one
 * 6-lane masked vector in the row tiles, every load masked; flat, the 196 pixels of a
 * 14x14 plane are 25 vectors. Hot cache, this machine (Zen 3 class): 336 x 14 x 14 3x3
 * 8.7 -> 10.6 and 4.9 -> 6.0 GMAC/s (busy SMT sibling), 672 x 14 x 14 8.7 -> 9.3. Since the
 * row-padded mode below, flat mode runs only the narrow stride-1 planes that mode does not
 * take: kernel sizes other than 3 and 5, and planes too tall for its scratch. */
#define DW_FLAT_MAX_W 16
#define DW_S1_SUMS 1 /* one sum per output row (dw_dwconv_impl.h) */
/* 56- and 112-wide 3x3 planes with the width constant (dw_k3): callgrind 32.3 -> 26.6 and
 * 27.8 -> 25.2 instructions per output vector; hot, alternating: 56x56 0.89-0.90x the time,
 * 112x112 0.92-0.99x. */
#define DW_CONST_WIDTHS
/* Row-padded mode (dw_dwconv_small_impl.h) before flat mode, for 3x3 and 5x5 up to 16
 * columns. Callgrind, instructions per call (3x3, ReLU): 160 x 14x14 244k -> 169k, 960 x 7x7
 * 402k -> 342k. Hot, alternating in one process on this machine (AMD EPYC): 672 x 14x14
 * 0.54x the time, 160 x 14x14 0.71x, 960 x 7x7 0.68x, 320 x 7x7 0.82x. */
#ifndef DW_ROWPAD_MAX_W
#define DW_ROWPAD_MAX_W 16
#endif
/* Rows of 17 to DW_ROWPAD_WIDE_MAX_W columns take its row-wise variant. Fewer instructions
 * at every width (callgrind, 3x3 ReLU: 28x28 47.5 -> 29 per output vector, 56x56 31.7 ->
 * 25.4, 112x112 27.5 -> 25.6), but 9 loads per output vector against the row tiles' 4.5
 * (each input row vector feeds 4 output rows there): hot, alternating, 120 x 28x28 0.82x
 * the time, 72 x 56x56 1.15x, 16 x 112x112 1.24x. So 28-wide rows only. */
#ifndef DW_ROWPAD_WIDE_MAX_W
#define DW_ROWPAD_WIDE_MAX_W 32
#endif
#include "x86/dw_dwconv_impl.h"

void grt_f32_dwconv_avx2(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t oh,
                         size_t ow, size_t k, size_t stride, size_t pad, size_t y0, size_t y1,
                           int act) {
    dw_dwconv(in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, y0, y1, act);
}
