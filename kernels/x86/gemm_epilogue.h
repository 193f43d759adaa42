/* Helpers of the x86 GEMM kernels (conv1x1, fc): the activation of a whole vector
 * (GRT_ACT_*, see ghostrt_kernels.h) and lane masks for partial vectors.
 *
 * The activation rounds like kernels/scalar/epilogue.h: max/min are exact and hardsigmoid
 * divides by 6 (not a multiply by 1/6), so an x86 kernel differs from the scalar one only in
 * the order of its sums. The AVX-512 half is compiled only where __AVX512F__ is defined (the
 * kernels/avx512 directory).
 */
#ifndef GHOSTRT_X86_GEMM_EPILOGUE_H
#define GHOSTRT_X86_GEMM_EPILOGUE_H
#include <immintrin.h>
#include <stddef.h>
#include "ghostrt_kernels.h"
#include "x86/act_sse.h"

static inline __m256 grt_act_avx2(__m256 y, int act) {
    const __m256 zero = _mm256_setzero_ps();
    const __m256 six = _mm256_set1_ps(6.0f);
    switch (act) {
    case GRT_ACT_RELU:
        return _mm256_max_ps(y, zero);
    case GRT_ACT_RELU6:
        return _mm256_min_ps(_mm256_max_ps(y, zero), six);
    case GRT_ACT_HARDSIGMOID:
        y = _mm256_add_ps(y, _mm256_set1_ps(3.0f));
        return _mm256_div_ps(_mm256_min_ps(_mm256_max_ps(y, zero), six), six);
    default:
        return y;
    }
}

/* Weight lines a channel tile of a 1x1 kernel prefetches while it runs, one per input
 * channel: lines [first, first + count) of `rows` lines in each packed tile from `base`
 * (tiles every wstride floats; a line is one input channel's mr weights of a tile). base
 * NULL: none. */
typedef struct {
    const float *base;
    size_t wstride, rows, first, count;
} grt_pf;

/* A walk over a grt_pf's lines: the next line, its row in its tile, lines left. */
typedef struct {
    const float *p;
    size_t row, left;
} grt_pf_walk;

static inline grt_pf_walk grt_pf_begin(const grt_pf *pf, size_t mr) {
    grt_pf_walk w = {NULL, 0, 0};
    if (pf != NULL && pf->base != NULL && pf->count > 0) {
        w.row = pf->first % pf->rows;
        w.p = pf->base + pf->first / pf->rows * pf->wstride + w.row * mr;
        w.left = pf->count;
    }
    return w;
}

/* Prefetch the walk's next line, if any, and step to the one after (pointer steps: a divide
 * per input channel cost 3-8% of a 7x7 1x1). */
static inline void grt_pf_next(grt_pf_walk *w, const grt_pf *pf, size_t mr) {
    if (w->left > 0) {
        _mm_prefetch((const char *)w->p, _MM_HINT_T0);
        w->left--;
        w->p += mr;
        if (++w->row == pf->rows) {
            w->row = 0;
            w->p += pf->wstride - pf->rows * mr;
        }
    }
}

/* Lane mask for maskload/maskstore: lanes [0, n) on (sign bit set), n <= 8. */
static inline __m256i grt_mask_avx2(size_t n) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), lane);
}

#ifdef __AVX512F__
static inline __m512 grt_act_avx512(__m512 y, int act) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512 six = _mm512_set1_ps(6.0f);
    switch (act) {
    case GRT_ACT_RELU:
        return _mm512_max_ps(y, zero);
    case GRT_ACT_RELU6:
        return _mm512_min_ps(_mm512_max_ps(y, zero), six);
    case GRT_ACT_HARDSIGMOID:
        y = _mm512_add_ps(y, _mm512_set1_ps(3.0f));
        return _mm512_div_ps(_mm512_min_ps(_mm512_max_ps(y, zero), six), six);
    default:
        return y;
    }
}

/* Lane mask of a 16-float vector: lanes [0, n) on, n <= 16. */
static inline __mmask16 grt_mask_avx512(size_t n) {
    return (__mmask16)((1u << n) - 1u);
}
#endif

#endif
