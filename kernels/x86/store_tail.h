/* store_tail.h: the first n floats of a vector stored with plain stores.
 *
 * AMD Zen 3 (this project's second x86 test machine) runs a masked store (vmaskmovps, 128
 * or 256 bit) as a microcoded sequence: about 14 cycles each in a loop of stores, against
 * under one for a plain store; masked loads cost what plain loads do. A row tail, a strip
 * tail and every 4-pixel store of the 1x1 channel tiles went through vmaskmovps. Here a
 * tail is at most three plain stores (4, 2 and 1 floats), branching on n, which is the
 * same for every row of a call. Only the n floats are written: nothing past them is read
 * or rewritten, so a neighbour written by another thread is safe.
 * (AVX-512 keeps its k-masked stores, which are single fast instructions.)
 */
#ifndef GHOSTRT_STORE_TAIL_H
#define GHOSTRT_STORE_TAIL_H
#include <immintrin.h>
#include <stddef.h>

/* p[0..n) = v[0..n), 0 <= n <= 4. */
static inline void grt_store_first_ps128(float *p, __m128 v, size_t n) {
    if (n >= 4) {
        _mm_storeu_ps(p, v);
        return;
    }
    if (n & 2) {
        _mm_storel_pi((__m64 *)p, v);
        v = _mm_movehl_ps(v, v);
        p += 2;
    }
    if (n & 1) {
        _mm_store_ss(p, v);
    }
}

#ifdef __AVX__
/* p[0..n) = v[0..n), 0 <= n <= 8. */
static inline void grt_store_first_ps256(float *p, __m256 v, size_t n) {
    if (n >= 8) {
        _mm256_storeu_ps(p, v);
        return;
    }
    __m128 lo = _mm256_castps256_ps128(v);
    if (n >= 4) {
        _mm_storeu_ps(p, lo);
        lo = _mm256_extractf128_ps(v, 1);
        p += 4;
        n -= 4;
    }
    grt_store_first_ps128(p, lo, n);
}
#endif

#endif
