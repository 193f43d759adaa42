/* grt_f32_fc_sse41: fully connected layer (a GEMV), SSE4.1:
 * out[o] = act(bias[o] + sum_i w[o][i] * in[i]).
 *
 * Layout: in [cin], weight [cout][cin] row-major (not packed), bias [cout] or NULL, out [cout].
 * Preconditions: out does not overlap in or weight.
 *
 * As kernels/avx2/f32_fc_avx2.c on 4-float vectors and without FMA: ROWS = 4 weight rows go
 * together (row o of each quarter: four long prefetcher streams, each with a software prefetch PF
 * bytes ahead), 2 accumulators per row; the last 1..7 inputs of each row are summed in scalar
 * code. The sum runs in a different order than the scalar kernel's (the tolerance of
 * tests/kernels.rs allows for it); bias and activation as in kernels/scalar/epilogue.h.
 * Only elements inside the documented buffers are read.
 */
#include <smmintrin.h>
#include "ghostrt_kernels.h"
#include "scalar/epilogue.h"

#define ROWS 4
#define PF 512 /* software prefetch distance in bytes: 8 lines ahead in every row */

#define GRT_INLINE static inline __attribute__((always_inline))

static inline float hsum128(__m128 v) {
    __m128 s = _mm_add_ps(v, _mm_movehl_ps(v, v));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* Sums of `rows` (constant) weight rows q rows apart (w, w + q cin, ...) dotted with in,
 * stored with the epilogue to out[0], out[q], ... */
GRT_INLINE void rows_dot(const float *in, size_t cin, const float *w, size_t q,
                         const float *bias, float *out, int rows, int act) {
    const size_t rs = q * cin;
    __m128 acc[ROWS][2];
#pragma GCC unroll 4
    for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm_setzero_ps();
        acc[r][1] = _mm_setzero_ps();
    }
    size_t i = 0;
    for (; i + 8 <= cin; i += 8) {
        const __m128 x0 = _mm_loadu_ps(in + i);
        const __m128 x1 = _mm_loadu_ps(in + i + 4);
#pragma GCC unroll 4
        for (int r = 0; r < rows; r++) {
            const float *wr = w + r * rs + i;
            if (i % 16 == 0) {
                _mm_prefetch((const char *)wr + PF, _MM_HINT_T0);
            }
            acc[r][0] = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(wr), x0), acc[r][0]);
            acc[r][1] = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(wr + 4), x1), acc[r][1]);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < rows; r++) {
        float s = hsum128(_mm_add_ps(acc[r][0], acc[r][1]));
        for (size_t j = i; j < cin; j++) {
            s += w[r * rs + j] * in[j];
        }
        grt_store(out, NULL, (size_t)r * q, s, bias != NULL ? bias[(size_t)r * q] : 0.0f, act);
    }
}

#include "x86/fc_quarters_impl.h"

void grt_f32_fc_sse41(const float *in, size_t cin, const float *weight, const float *bias,
                      float *out, size_t cout, int act) {
    fc_quarters(in, cin, weight, bias, out, cout, act);
}
