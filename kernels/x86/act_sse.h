/* grt_act_sse: the activation (GRT_ACT_*) of 4 floats, rounding like
 * kernels/scalar/epilogue.h (max/min exact, the hard sigmoid divides by 6). SSE only, so the
 * SSE4.1 kernels can include it without the AVX2 half of x86/gemm_epilogue.h; the AVX2
 * channel tiles use it for their 4-float epilogue. */
#ifndef GHOSTRT_X86_ACT_SSE_H
#define GHOSTRT_X86_ACT_SSE_H
#include <xmmintrin.h>
#include "ghostrt_kernels.h"

static inline __m128 grt_act_sse(__m128 y, int act) {
    const __m128 zero = _mm_setzero_ps();
    const __m128 six = _mm_set1_ps(6.0f);
    switch (act) {
    case GRT_ACT_RELU:
        return _mm_max_ps(y, zero);
    case GRT_ACT_RELU6:
        return _mm_min_ps(_mm_max_ps(y, zero), six);
    case GRT_ACT_HARDSIGMOID:
        y = _mm_add_ps(y, _mm_set1_ps(3.0f));
        return _mm_div_ps(_mm_min_ps(_mm_max_ps(y, zero), six), six);
    default:
        return y;
    }
}

#endif
