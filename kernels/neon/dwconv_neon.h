/* Internal interface between the NEON depthwise kernels: f32_dwconv_neon.c (the entry point
 * and the row-vectorized path) and f32_dwconv3x3s1_flat_neon.c (narrow 3x3 planes). */
#ifndef GHOSTRT_DWCONV_NEON_H
#define GHOSTRT_DWCONV_NEON_H
#include "neon_common.h"

/* Widest plane the flattened 3x3 path takes (its mask table grows with the width). */
#define GRT_DW_FLAT_MAX_W 128

/* Column masks of the flattened 3x3 path: m[0][v] clears the lanes of vector v (starting at
 * flat index 4 v, column 4 v mod w) whose tap column kx = 0 is left of the row, m[1][v]
 * those whose kx = 2 is right of it. They repeat every `period` vectors; 4 more are kept so
 * a block of 4 vectors reads its masks contiguously. */
struct grt_dw_flat_masks {
    uint32x4_t m[2][GRT_DW_FLAT_MAX_W + 4];
    /* Whether the block of 4 vectors from phase v has a lane to clear (when w is a multiple
     * of 16 only a row's first and last block do). */
    unsigned char need[GRT_DW_FLAT_MAX_W];
    size_t period;
};

void grt_neon_dwconv3x3s1_flat_masks(size_t w, struct grt_dw_flat_masks *fm);

/* One whole plane (h x w in and out) of the input buffer [lo, hi): see
 * f32_dwconv3x3s1_flat_neon.c. */
void grt_neon_dwconv3x3s1_flat(const float *in, size_t h, size_t w, const float *taps9,
                               float bias, const float *res, float *out, int act,
                               const struct grt_dw_flat_masks *fm, const float *lo,
                               const float *hi);

/* Widest padded row (w + 2 pad) the 4-channel path takes: its band buffer holds at least
 * K such rows. */
#define GRT_DW4C_MAX_PW 256

/* Depthwise KxK (K in {3, 5}), stride 1 or 2, 4 channels per vector: see
 * f32_dwconv_4c_neon.c. The arguments of grt_f32_dwconv_neon for whole planes (no row
 * band); c a multiple of 4. */
void grt_neon_dwconv_4c(const float *in, size_t c, size_t h, size_t w, const float *weight,
                        const float *bias, const float *residual, float *out, size_t oh,
                        size_t ow, size_t k, size_t stride, size_t pad, int act);

#endif
