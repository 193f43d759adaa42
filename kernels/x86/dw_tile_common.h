/* dw_tile_common.h: pieces shared by the vf-based convolution kernels
 * (kernels/x86/dw_dwconv_impl.h, dw_conv_impl.h): the inline attribute that lets constant
 * tile parameters specialize the code, the masked/unmasked column load and the epilogue
 * store. Include a dw_vec_*.h first.
 */
#ifndef GHOSTRT_DW_TILE_COMMON_H
#define GHOSTRT_DW_TILE_COMMON_H

/* Tile functions take their shape (K, S, R, ...) as `const int` arguments and are always
 * inlined into callers that pass constants, so the compiler unrolls them completely and
 * keeps the tile's accumulators and taps in registers. */
#define DW_INLINE static inline __attribute__((always_inline))
/* Largest kernel the vector paths take; larger ones forward to the scalar kernels. */
#define DW_KMAX 7

/* Channel ch's K*K taps broadcast into wt[0, K*K) (once per channel, for every vector of
 * its plane); returns its bias broadcast (0 without a bias). */
DW_INLINE vf dw_load_taps(const float *weight, const float *bias, size_t ch, const int K,
                          vf *wt) {
    const float *wk = weight + ch * (size_t)(K * K);
#pragma GCC unroll 25
    for (int t = 0; t < K * K; t++) {
        wt[t] = vf_set1(wk[t]);
    }
    return vf_set1(bias != NULL ? bias[ch] : 0.0f);
}

/* VF_LANES floats of row from column c: a plain load, or (masked) only the columns inside
 * [0, w), the others 0. */
DW_INLINE vf dw_load_cols(const float *row, ptrdiff_t c, ptrdiff_t w, const int masked) {
    return masked ? vf_load_mask(row, c, vf_mask_range(-c, w - c)) : vf_load(row + c);
}

/* y = act(acc + residual) stored to out (acc already holds the bias); n < VF_LANES lanes
 * are loaded under a mask and stored with vf_store_first (plain stores). S: the stride, whose value 2 means acc holds vf_even
 * lane order (vf_unscramble first). */
DW_INLINE void dw_store(vf acc, float *out, const float *res, size_t n, int act, const int S) {
    vf y = S == 2 ? vf_unscramble(acc) : acc;
    if (n == VF_LANES) {
        if (res != NULL) {
            y = vf_add(y, vf_load(res));
        }
        vf_store(out, vf_act(y, act));
    } else {
        const vmask m = vf_mask_first(n);
        if (res != NULL) {
            y = vf_add(y, vf_load_mask(res, 0, m));
        }
        vf_store_first(out, vf_act(y, act), n);
    }
}

#endif
