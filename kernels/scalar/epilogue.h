/* Shared static inline helpers of the scalar kernels: the fused epilogue and the split of a
 * padded convolution window into its in-bounds part.
 *
 * Epilogue (see ghostrt_kernels.h): y = act(acc + bias[c] + residual[i]), in that order, so
 * every ISA rounds the same way up to the accumulation order. The residual is read before
 * out is written, which is what makes out == residual legal.
 */
#ifndef GHOSTRT_SCALAR_EPILOGUE_H
#define GHOSTRT_SCALAR_EPILOGUE_H
#include <stddef.h>
#include "ghostrt_kernels.h"

static inline float grt_act(float y, int act) {
    switch (act) {
    case GRT_ACT_RELU:
        return y > 0.0f ? y : 0.0f;
    case GRT_ACT_RELU6:
        return y < 0.0f ? 0.0f : (y > 6.0f ? 6.0f : y);
    case GRT_ACT_HARDSIGMOID:
        y += 3.0f;
        y = y < 0.0f ? 0.0f : (y > 6.0f ? 6.0f : y);
        return y / 6.0f;
    default:
        return y;
    }
}

/* out[i] = act(acc + bias + residual[i]); residual may be NULL. */
static inline void grt_store(float *out, const float *residual, size_t i, float acc, float bias,
                             int act) {
    float y = acc + bias;
    if (residual != NULL) {
        y += residual[i];
    }
    out[i] = grt_act(y, act);
}

/* Taps t in [0, k) of output position o read input index o * stride - pad + t. Returns the
 * first tap inside [0, n) in *t0 and one past the last in *t1 (t0 == t1: no tap is inside).
 * Signed arithmetic: o * stride - pad is negative on the leading border. */
static inline void grt_taps_inside(size_t o, size_t stride, size_t pad, size_t k, size_t n,
                                   size_t *t0, size_t *t1) {
    ptrdiff_t start = (ptrdiff_t)(o * stride) - (ptrdiff_t)pad;
    ptrdiff_t lo = start < 0 ? -start : 0;
    ptrdiff_t hi = (ptrdiff_t)n - start;
    if (hi > (ptrdiff_t)k) {
        hi = (ptrdiff_t)k;
    }
    if (hi < lo) {
        hi = lo;
    }
    *t0 = (size_t)lo;
    *t1 = (size_t)hi;
}

/* Output columns [*o0, *o1) whose whole window [o * stride - pad, o * stride - pad + k) lies
 * inside [0, n): the interior, computed without a bounds check per tap. Columns before o0
 * and from o1 on are the border. */
static inline void grt_interior(size_t n_out, size_t stride, size_t pad, size_t k, size_t n,
                                size_t *o0, size_t *o1) {
    size_t lo = (pad + stride - 1) / stride; /* first o with o * stride >= pad */
    size_t hi = 0;                           /* one past the last o with o*stride-pad+k <= n */
    if (n + pad >= k) {
        hi = (n + pad - k) / stride + 1;
    }
    if (lo > n_out) {
        lo = n_out;
    }
    if (hi > n_out) {
        hi = n_out;
    }
    if (hi < lo) {
        hi = lo;
    }
    *o0 = lo;
    *o1 = hi;
}

/* acc[j] += sum_{kx < k} wrow[kx] * row[j * stride + kx] for j < n: one kernel row of taps
 * applied to a strip of n interior output columns. The per-element order of the sum (kx
 * ascending) matches the per-pixel border path, and the stride-1 loop is contiguous so the
 * compiler may vectorize it. */
static inline void grt_row_taps(float *acc, size_t n, const float *row, const float *wrow,
                                size_t k, size_t stride) {
    for (size_t kx = 0; kx < k; kx++) {
        const float wv = wrow[kx];
        const float *src = row + kx;
        if (stride == 1) {
            for (size_t j = 0; j < n; j++) {
                acc[j] += wv * src[j];
            }
        } else {
            for (size_t j = 0; j < n; j++) {
                acc[j] += wv * src[j * stride];
            }
        }
    }
}

#endif
