/* grt_f32_fc_avx512: fully connected layer (a GEMV), AVX-512F:
 * out[o] = act(bias[o] + sum_i w[o][i] * in[i]).
 *
 * Layout: in [cin], weight [cout][cin] row-major (not packed), bias [cout] or NULL, out [cout].
 * Preconditions: out does not overlap in or weight.
 *
 * Every weight is used once, so the kernel is bound by streaming the weights from memory (960 x
 * 1280 floats = 4.9 MB, more than L2). ROWS = 4 output rows go together: each step loads 2 zmm (32
 * floats) of the input once and 2 zmm from each of the 4 rows into 8 accumulators (2 per row: 8
 * independent FMA chains cover the 4-cycle latency on 2 ports). The four rows are row o of each
 * quarter of the matrix (o, o + q, o + 2q, o + 3q with q = cout / 4), so each row continues where
 * the last one of its quarter ended: four streams, each a quarter of the weights long. Four
 * consecutive rows (7.7 KB each for 1920 -> 1280) were four short streams that the hardware
 * prefetcher had to pick up again every few KB: from memory, alternating in one process, 1920 ->
 * 1280 0.81x the time (10.5 -> 13.0 GB/s), 1280 -> 1000 0.69x, 960 -> 1280 0.61x. A software
 * prefetch PF bytes ahead in each row keeps more lines in flight (past a row's end it is the next
 * row of the quarter; past the weights' end it is a hint, not a read: it never faults). The last
 * 1..31 inputs are read with masked loads (masked lanes are not read). Each row's accumulators are
 * then added and reduced horizontally, so the sum is in a different order than the scalar kernel's
 * (the tolerance of tests/kernels.rs allows for the order); the bias and activation are applied as
 * in kernels/scalar/epilogue.h. The rows left over (cout mod 4, at the end) go one at a time.
 * Only elements inside the documented buffers are read.
 */
#include <immintrin.h>
#include "ghostrt_kernels.h"
#include "scalar/epilogue.h"
#include "x86/gemm_epilogue.h"

#define ROWS 4
#define PF 512 /* software prefetch distance in bytes: 8 lines ahead in every row */

#define GRT_INLINE static inline __attribute__((always_inline))

/* Sums of `rows` (constant) weight rows q rows apart (w, w + q cin, ...) dotted with in,
 * stored with the epilogue to out[0], out[q], ... */
GRT_INLINE void rows_dot(const float *in, size_t cin, const float *w, size_t q,
                         const float *bias, float *out, int rows, int act) {
    const size_t rs = q * cin;
    __m512 acc[ROWS][2];
#pragma GCC unroll 4
    for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm512_setzero_ps();
        acc[r][1] = _mm512_setzero_ps();
    }
    size_t i = 0;
    for (; i + 32 <= cin; i += 32) {
        const __m512 x0 = _mm512_loadu_ps(in + i);
        const __m512 x1 = _mm512_loadu_ps(in + i + 16);
#pragma GCC unroll 4
        for (int r = 0; r < rows; r++) {
            const float *wr = w + r * rs + i;
            _mm_prefetch((const char *)wr + PF, _MM_HINT_T0);
            acc[r][0] = _mm512_fmadd_ps(_mm512_loadu_ps(wr), x0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(_mm512_loadu_ps(wr + 16), x1, acc[r][1]);
        }
    }
    for (; i < cin; i += 16) {
        const __mmask16 m = grt_mask_avx512(cin - i < 16 ? cin - i : 16);
        const __m512 x = _mm512_maskz_loadu_ps(m, in + i);
#pragma GCC unroll 4
        for (int r = 0; r < rows; r++) {
            acc[r][0] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + r * rs + i), x, acc[r][0]);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < rows; r++) {
        const float s = _mm512_reduce_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]));
        grt_store(out, NULL, (size_t)r * q, s, bias != NULL ? bias[(size_t)r * q] : 0.0f, act);
    }
}

#include "x86/fc_quarters_impl.h"

void grt_f32_fc_avx512(const float *in, size_t cin, const float *weight, const float *bias,
                       float *out, size_t cout, int act) {
    fc_quarters(in, cin, weight, bias, out, cout, act);
}
