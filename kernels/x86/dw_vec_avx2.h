/* dw_vec_avx2.h: the small vector interface ("vf") that the depthwise, stem-conv, SE, pool
 * and add kernels are written against, AVX2 + FMA edition (8 floats per ymm register).
 * kernels/x86/dw_vec_avx512.h provides the same names for 16-float zmm registers; the
 * algorithms in kernels/x86/dw_*_impl.h include one of the two and never touch intrinsics.
 *
 *   vf            one vector of VF_LANES floats
 *   vmask         lane mask for loads and stores (all-ones int lanes here), built from a
 *                 lane range (vf_mask_range, vf_mask_first) or a bit set (vf_mask_bits)
 *   vf_load_mask, vf_store_mask(_at)   loads and stores of the masked lanes only
 *   vf_even/odd   even/odd elements of the 2 * VF_LANES floats a, b, in "scrambled" lane
 *                 order: vshufps stays inside 128-bit halves, so lanes hold outputs
 *                 0 1 4 5 2 3 6 7; every tap of a stride-2 sum uses the same order and
 *                 vf_unscramble fixes it once, before the epilogue
 *   vf_reg        keeps a loaded vector in a register (see there)
 *   vf_act        the fused activation (GRT_ACT_*)
 *
 * Masked loads use vmaskmovps, which does not fault on masked-off lanes: border loads may
 * start before a row or end after it, and only the lanes inside it are read. Their address
 * is formed with integer arithmetic so no out-of-object pointer is ever created in C.
 */
#ifndef GHOSTRT_DW_VEC_AVX2_H
#define GHOSTRT_DW_VEC_AVX2_H
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include "ghostrt_kernels.h"
#include "x86/store_tail.h"

#define VF_LANES 8
#define VF_ISA_NAME avx2

typedef __m256 vf;
typedef __m256i vmask;

static inline vf vf_set1(float x) { return _mm256_set1_ps(x); }
static inline vf vf_zero(void) { return _mm256_setzero_ps(); }
static inline vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm256_storeu_ps(p, v); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }

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
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i ge_lo = _mm256_cmpgt_epi32(iota, _mm256_set1_epi32((int)lo - 1));
    const __m256i lt_hi = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), iota);
    return _mm256_and_si256(ge_lo, lt_hi);
}

/* The first n lanes, 0 <= n <= VF_LANES. */
static inline vmask vf_mask_first(size_t n) { return vf_mask_range(0, (ptrdiff_t)n); }

/* Lanes i whose bit i is set in bits. */
static inline vmask vf_mask_bits(unsigned bits) {
    const __m256i lane_bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i b = _mm256_and_si256(_mm256_set1_epi32((int)bits), lane_bit);
    return _mm256_cmpeq_epi32(b, lane_bit);
}

/* Lane i = base[off + i] where m is set, else 0; base + off may lie outside the buffer as
 * long as every selected element is inside it. */
static inline vf vf_load_mask(const float *base, ptrdiff_t off, vmask m) {
    const float *p = (const float *)((uintptr_t)base + (uintptr_t)(off * (ptrdiff_t)sizeof(float)));
    return _mm256_maskload_ps(p, m);
}

static inline void vf_store_mask(float *p, vmask m, vf v) { _mm256_maskstore_ps(p, m, v); }

/* p[0..n) = v[0..n), n <= VF_LANES, with plain stores (x86/store_tail.h: a vmaskmovps store
 * costs about 14 cycles on AMD Zen 3). */
static inline void vf_store_first(float *p, vf v, size_t n) { grt_store_first_ps256(p, v, n); }
/* p[0..n) = lanes VF_LANES/2 .. VF_LANES/2 + n of v, n <= VF_LANES / 2. */
static inline void vf_store_upper_first(float *p, vf v, size_t n) {
    grt_store_first_ps128(p, _mm256_extractf128_ps(v, 1), n);
}

/* vf_store_mask at base + off, which may lie outside the buffer as long as every selected
 * lane is inside it (the address is formed as in vf_load_mask). */
static inline void vf_store_mask_at(float *base, ptrdiff_t off, vmask m, vf v) {
    float *p = (float *)((uintptr_t)base + (uintptr_t)(off * (ptrdiff_t)sizeof(float)));
    vf_store_mask(p, m, v);
}

/* Elements 0, 2, .., 14 (even) and 1, 3, .., 15 (odd) of the 16 floats a:b, scrambled. */
static inline vf vf_even(vf a, vf b) { return _mm256_shuffle_ps(a, b, 0x88); }
static inline vf vf_odd(vf a, vf b) { return _mm256_shuffle_ps(a, b, 0xDD); }
/* Lanes 0 1 4 5 2 3 6 7 -> 0 1 2 3 4 5 6 7: swap the middle 64-bit pairs. */
static inline vf vf_unscramble(vf v) {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8));
}

static inline float vf_hsum(vf v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* act(y) as GRT_ACT_*: relu = max(y, 0), relu6 = min(max(y, 0), 6), hard sigmoid =
 * relu6(y + 3) * (1/6). The multiply by 1/6 differs from the scalar kernels' division by at
 * most one rounding. The switch is per vector and predictable; the constants are hoisted. */
static inline vf vf_act(vf y, int act) {
    switch (act) {
    case GRT_ACT_RELU:
        return _mm256_max_ps(y, _mm256_setzero_ps());
    case GRT_ACT_RELU6:
        return _mm256_min_ps(_mm256_max_ps(y, _mm256_setzero_ps()), _mm256_set1_ps(6.0f));
    case GRT_ACT_HARDSIGMOID:
        y = _mm256_add_ps(y, _mm256_set1_ps(3.0f));
        y = _mm256_min_ps(_mm256_max_ps(y, _mm256_setzero_ps()), _mm256_set1_ps(6.0f));
        return _mm256_mul_ps(y, _mm256_set1_ps(1.0f / 6.0f));
    default:
        return y;
    }
}

#endif
