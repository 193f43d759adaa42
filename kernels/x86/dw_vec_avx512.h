/* dw_vec_avx512.h: the "vf" vector interface of kernels/x86/dw_vec_avx2.h for AVX-512F
 * (16 floats per zmm register). Only AVX-512 Foundation instructions are used (build.rs
 * compiles with -mavx512f -mavx2 -mfma), so masks are plain __mmask16 integers.
 *
 *   vmask         __mmask16; masked loads (vmovups{k}{z}) suppress faults on masked-off
 *                 lanes, so border loads may straddle a row or buffer end
 *   vf_even/odd   one vpermt2ps each, lanes already in natural order: vf_unscramble is the
 *                 identity
 */
#ifndef GHOSTRT_DW_VEC_AVX512_H
#define GHOSTRT_DW_VEC_AVX512_H
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include "ghostrt_kernels.h"

#define VF_LANES 16
#define VF_ISA_NAME avx512

typedef __m512 vf;
typedef __mmask16 vmask;

static inline vf vf_set1(float x) { return _mm512_set1_ps(x); }
static inline vf vf_zero(void) { return _mm512_setzero_ps(); }
static inline vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm512_storeu_ps(p, v); }
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }

/* v, pinned in a register. GCC otherwise folds a load into every FMA that uses it, so a
 * vector feeding R output rows is read R times (and an unaligned one splits cache lines
 * each time); the empty asm makes the loaded value a register operand. */
static inline vf vf_reg(vf v) {
    __asm__("" : "+v"(v));
    return v;
}

/* Lanes i with lo <= i < hi (any lo, hi; an empty range gives the empty mask). */
static inline vmask vf_mask_range(ptrdiff_t lo, ptrdiff_t hi) {
    lo = lo < 0 ? 0 : (lo > VF_LANES ? VF_LANES : lo);
    hi = hi < 0 ? 0 : (hi > VF_LANES ? VF_LANES : hi);
    if (hi <= lo) {
        return 0;
    }
    return (vmask)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

/* The first n lanes, 0 <= n <= VF_LANES. */
static inline vmask vf_mask_first(size_t n) { return (vmask)((1u << n) - 1u); }

/* Lanes i whose bit i is set in bits. */
static inline vmask vf_mask_bits(unsigned bits) { return (vmask)bits; }

/* Lane i = base[off + i] where m is set, else 0; base + off may lie outside the buffer as
 * long as every selected element is inside it. */
static inline vf vf_load_mask(const float *base, ptrdiff_t off, vmask m) {
    const float *p = (const float *)((uintptr_t)base + (uintptr_t)(off * (ptrdiff_t)sizeof(float)));
    return _mm512_maskz_loadu_ps(m, p);
}

static inline void vf_store_mask(float *p, vmask m, vf v) { _mm512_mask_storeu_ps(p, m, v); }

/* vf_store_mask at base + off, which may lie outside the buffer as long as every selected
 * lane is inside it (the address is formed as in vf_load_mask). */
static inline void vf_store_mask_at(float *base, ptrdiff_t off, vmask m, vf v) {
    float *p = (float *)((uintptr_t)base + (uintptr_t)(off * (ptrdiff_t)sizeof(float)));
    vf_store_mask(p, m, v);
}

/* p[0..n) = v[0..n), n <= VF_LANES (a k-masked store: one fast instruction here). */
static inline void vf_store_first(float *p, vf v, size_t n) { vf_store_mask(p, vf_mask_first(n), v); }
/* p[0..n) = lanes VF_LANES/2 .. VF_LANES/2 + n of v, n <= VF_LANES / 2. */
static inline void vf_store_upper_first(float *p, vf v, size_t n) {
    vf_store_mask_at(p, -(ptrdiff_t)(VF_LANES / 2),
                     vf_mask_range(VF_LANES / 2, VF_LANES / 2 + (ptrdiff_t)n), v);
}

/* Elements 0, 2, .., 30 (even) and 1, 3, .., 31 (odd) of the 32 floats a:b. */
static inline vf vf_even(vf a, vf b) {
    const __m512i idx =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(a, idx, b);
}
static inline vf vf_odd(vf a, vf b) {
    const __m512i idx =
        _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    return _mm512_permutex2var_ps(a, idx, b);
}
static inline vf vf_unscramble(vf v) { return v; }

static inline float vf_hsum(vf v) { return _mm512_reduce_add_ps(v); }

/* act(y) as GRT_ACT_*; see dw_vec_avx2.h (hard sigmoid multiplies by 1/6). */
static inline vf vf_act(vf y, int act) {
    switch (act) {
    case GRT_ACT_RELU:
        return _mm512_max_ps(y, _mm512_setzero_ps());
    case GRT_ACT_RELU6:
        return _mm512_min_ps(_mm512_max_ps(y, _mm512_setzero_ps()), _mm512_set1_ps(6.0f));
    case GRT_ACT_HARDSIGMOID:
        y = _mm512_add_ps(y, _mm512_set1_ps(3.0f));
        y = _mm512_min_ps(_mm512_max_ps(y, _mm512_setzero_ps()), _mm512_set1_ps(6.0f));
        return _mm512_mul_ps(y, _mm512_set1_ps(1.0f / 6.0f));
    default:
        return y;
    }
}

#endif
