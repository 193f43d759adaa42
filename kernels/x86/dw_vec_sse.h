/* dw_vec_sse.h: the "vf" vector interface of kernels/x86/dw_vec_avx2.h for SSE4.1 (4 floats
 * per xmm register), the x86 fallback for CPUs without AVX2 (Atom/Celeron boards of the
 * Goldmont family, older Core and Xeon).
 *
 *   vmask         all-ones int lanes (__m128i), as on AVX2
 *   vf_fma        a multiply and an add (no FMA before AVX2): two roundings, within the
 *                 tolerance the kernel tests allow for a different order of sums
 *   vf_load_mask, vf_store_mask   SSE has no masked loads or stores: a full mask is one
 *                 unaligned access, any other reads or writes only the selected lanes, one
 *                 float at a time (one switch case per mask for loads)
 *   vf_even/odd   one shufps each, lanes in natural order: vf_unscramble is the identity
 */
#ifndef GHOSTRT_DW_VEC_SSE_H
#define GHOSTRT_DW_VEC_SSE_H
#include <smmintrin.h>
#include <stddef.h>
#include <stdint.h>
#include "ghostrt_kernels.h"
#include "x86/store_tail.h"

#define VF_LANES 4
#define VF_ISA_NAME sse41

typedef __m128 vf;
typedef __m128i vmask;

static inline vf vf_set1(float x) { return _mm_set1_ps(x); }
static inline vf vf_zero(void) { return _mm_setzero_ps(); }
static inline vf vf_load(const float *p) { return _mm_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm_storeu_ps(p, v); }
static inline vf vf_add(vf a, vf b) { return _mm_add_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm_mul_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }

/* v, pinned in a register (see dw_vec_avx2.h). */
static inline vf vf_reg(vf v) {
    __asm__("" : "+x"(v));
    return v;
}

/* Lanes i with lo <= i < hi (any lo, hi; an empty range gives the empty mask). */
static inline vmask vf_mask_range(ptrdiff_t lo, ptrdiff_t hi) {
    lo = lo < 0 ? 0 : (lo > VF_LANES ? VF_LANES : lo);
    hi = hi < 0 ? 0 : (hi > VF_LANES ? VF_LANES : hi);
    const __m128i iota = _mm_setr_epi32(0, 1, 2, 3);
    const __m128i ge_lo = _mm_cmpgt_epi32(iota, _mm_set1_epi32((int)lo - 1));
    const __m128i lt_hi = _mm_cmpgt_epi32(_mm_set1_epi32((int)hi), iota);
    return _mm_and_si128(ge_lo, lt_hi);
}

/* The first n lanes, 0 <= n <= VF_LANES. */
static inline vmask vf_mask_first(size_t n) { return vf_mask_range(0, (ptrdiff_t)n); }

/* Lanes i whose bit i is set in bits. */
static inline vmask vf_mask_bits(unsigned bits) {
    const __m128i lane_bit = _mm_setr_epi32(1, 2, 4, 8);
    const __m128i b = _mm_and_si128(_mm_set1_epi32((int)bits), lane_bit);
    return _mm_cmpeq_epi32(b, lane_bit);
}

/* Lane i = base[off + i] where m is set, else 0; base + off may lie outside the buffer as
 * long as every selected element is inside it (the address is formed with integer
 * arithmetic, and only selected lanes are read). */
static inline vf vf_load_mask(const float *base, ptrdiff_t off, vmask m) {
    const float *p =
        (const float *)((uintptr_t)base + (uintptr_t)(off * (ptrdiff_t)sizeof(float)));
    /* One case per mask: scalar loads of the selected lanes only, put together in
     * registers (a copy through memory would stall on store forwarding). */
    switch (_mm_movemask_ps(_mm_castsi128_ps(m))) {
    case 0xF: return _mm_loadu_ps(p);
    case 0x0: return _mm_setzero_ps();
    case 0x1: return _mm_setr_ps(p[0], 0.0f, 0.0f, 0.0f);
    case 0x2: return _mm_setr_ps(0.0f, p[1], 0.0f, 0.0f);
    case 0x3: return _mm_setr_ps(p[0], p[1], 0.0f, 0.0f);
    case 0x4: return _mm_setr_ps(0.0f, 0.0f, p[2], 0.0f);
    case 0x5: return _mm_setr_ps(p[0], 0.0f, p[2], 0.0f);
    case 0x6: return _mm_setr_ps(0.0f, p[1], p[2], 0.0f);
    case 0x7: return _mm_setr_ps(p[0], p[1], p[2], 0.0f);
    case 0x8: return _mm_setr_ps(0.0f, 0.0f, 0.0f, p[3]);
    case 0x9: return _mm_setr_ps(p[0], 0.0f, 0.0f, p[3]);
    case 0xA: return _mm_setr_ps(0.0f, p[1], 0.0f, p[3]);
    case 0xB: return _mm_setr_ps(p[0], p[1], 0.0f, p[3]);
    case 0xC: return _mm_setr_ps(0.0f, 0.0f, p[2], p[3]);
    case 0xD: return _mm_setr_ps(p[0], 0.0f, p[2], p[3]);
    default: return _mm_setr_ps(0.0f, p[1], p[2], p[3]); /* 0xE */
    }
}

static inline void vf_store_mask(float *p, vmask m, vf v) {
    const int bits = _mm_movemask_ps(_mm_castsi128_ps(m));
    if (bits == 0xF) {
        _mm_storeu_ps(p, v);
        return;
    }
    float t[VF_LANES];
    _mm_storeu_ps(t, v);
    for (int i = 0; i < VF_LANES; i++) {
        if ((bits >> i) & 1) {
            p[i] = t[i];
        }
    }
}

/* p[0..n) = v[0..n), n <= VF_LANES, with plain stores. */
static inline void vf_store_first(float *p, vf v, size_t n) { grt_store_first_ps128(p, v, n); }
/* p[0..n) = lanes VF_LANES/2 .. VF_LANES/2 + n of v, n <= VF_LANES / 2. */
static inline void vf_store_upper_first(float *p, vf v, size_t n) {
    grt_store_first_ps128(p, _mm_movehl_ps(v, v), n);
}

/* vf_store_mask at base + off, which may lie outside the buffer as long as every selected
 * lane is inside it (the address is formed as in vf_load_mask). */
static inline void vf_store_mask_at(float *base, ptrdiff_t off, vmask m, vf v) {
    float *p = (float *)((uintptr_t)base + (uintptr_t)(off * (ptrdiff_t)sizeof(float)));
    vf_store_mask(p, m, v);
}

/* Elements 0, 2, 4, 6 (even) and 1, 3, 5, 7 (odd) of the 8 floats a:b, in order. */
static inline vf vf_even(vf a, vf b) { return _mm_shuffle_ps(a, b, 0x88); }
static inline vf vf_odd(vf a, vf b) { return _mm_shuffle_ps(a, b, 0xDD); }
static inline vf vf_unscramble(vf v) { return v; }

static inline float vf_hsum(vf v) {
    __m128 s = _mm_add_ps(v, _mm_movehl_ps(v, v));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* act(y) as GRT_ACT_* (see dw_vec_avx2.h; the hard sigmoid multiplies by 1/6). */
static inline vf vf_act(vf y, int act) {
    switch (act) {
    case GRT_ACT_RELU:
        return _mm_max_ps(y, _mm_setzero_ps());
    case GRT_ACT_RELU6:
        return _mm_min_ps(_mm_max_ps(y, _mm_setzero_ps()), _mm_set1_ps(6.0f));
    case GRT_ACT_HARDSIGMOID:
        y = _mm_add_ps(y, _mm_set1_ps(3.0f));
        y = _mm_min_ps(_mm_max_ps(y, _mm_setzero_ps()), _mm_set1_ps(6.0f));
        return _mm_mul_ps(y, _mm_set1_ps(1.0f / 6.0f));
    default:
        return y;
    }
}

#endif
