/* dw_se_pool_add_impl.h: global average pool, squeeze-and-excitation and elementwise add,
 * one image, NCHW, written against the "vf" vector interface (include
 * kernels/x86/dw_vec_avx2.h or dw_vec_avx512.h first). Entry points px_gavgpool, px_se and
 * px_add have the signatures of grt_f32_gavgpool_*, grt_f32_se_* and grt_f32_add_*
 * (ghostrt_kernels.h); their preconditions are the ones written there.
 *
 * All three are memory-bound streams: each plane is read in vectors with four independent
 * accumulators or stores in flight, and the ragged end of a plane (hw is 49 or 196 in the
 * late stages) is one masked load or store, never a read outside the buffer.
 *
 * SE (Hu et al. 2018; gate = hard sigmoid in GhostNet/RepGhostNet), as in
 * kernels/scalar/f32_se_scalar.c: s = mean(in) into scratch[0, c); r = relu(w1 s + b1) into
 * scratch[c, c + rd); g = gate(w2 r + b2) over s; out[ch][p] = in[ch][p] * g[ch]. The two
 * small matrix-vector products (rd x c and c x rd) take four output rows at a time, one from
 * each quarter of the matrix (px_matvec), each a vector dot product over the input finished
 * by a horizontal sum.
 */
#ifndef GHOSTRT_DW_SE_POOL_ADD_IMPL_H
#define GHOSTRT_DW_SE_POOL_ADD_IMPL_H
#include "scalar/epilogue.h"

/* Sum of x[0, n) in vectors: four accumulators, a masked tail. */
static inline float px_sum(const float *x, size_t n) {
    vf a0 = vf_zero(), a1 = vf_zero(), a2 = vf_zero(), a3 = vf_zero();
    size_t i = 0;
    for (; i + 4 * VF_LANES <= n; i += 4 * VF_LANES) {
        a0 = vf_add(a0, vf_load(x + i));
        a1 = vf_add(a1, vf_load(x + i + VF_LANES));
        a2 = vf_add(a2, vf_load(x + i + 2 * VF_LANES));
        a3 = vf_add(a3, vf_load(x + i + 3 * VF_LANES));
    }
    for (; i + VF_LANES <= n; i += VF_LANES) {
        a0 = vf_add(a0, vf_load(x + i));
    }
    if (i < n) {
        a1 = vf_add(a1, vf_load_mask(x + i, 0, vf_mask_first(n - i)));
    }
    return vf_hsum(vf_add(vf_add(a0, a1), vf_add(a2, a3)));
}

static inline void px_gavgpool(const float *in, size_t c, size_t hw, float *out) {
    for (size_t ch = 0; ch < c; ch++) {
        out[ch] = px_sum(in + ch * hw, hw) / (float)hw;
    }
}

/* Software prefetch distance of px_matvec, in bytes: 8 lines ahead in each row. */
#define PX_MATVEC_PF 512

/* y[o] = act(bias[o] + sum_i w[o][i] x[i]) for o < n_out (bias may be NULL).
 *
 * Four rows go together: row o of each quarter of w (o, o + q, o + 2q, o + 3q with
 * q = n_out / 4), so each row continues where the last one of its quarter ended and the
 * weights are read as four streams, each a quarter of them long, with a software prefetch
 * PX_MATVEC_PF bytes ahead in each (past a row's end it is the next row of the quarter; past
 * the weights' end it is a hint, not a read). Four consecutive rows (240 x 960 B for the
 * 960 -> 240 -> 960 SE of RepGhostNet 2.0x) were short streams the hardware prefetcher kept
 * losing: from memory, alternating in one process, that whole SE (960 x 7 x 7) took 342 us,
 * 247 with the quarters and 208 with the prefetch too (0.61x); 672 x 14 x 14, 259 -> 168 us
 * (0.65x). The n_out mod 4 rows left (at the end) go one at a time. */
static inline void px_matvec(const float *w, const float *x, size_t n_in, const float *bias,
                             float *y, size_t n_out, int act) {
    const size_t q = n_out / 4;
    const size_t rs = q * n_in;
    for (size_t o = 0; o < q; o++) {
        const float *w0 = w + o * n_in, *w1 = w0 + rs, *w2 = w1 + rs, *w3 = w2 + rs;
        vf a0 = vf_zero(), a1 = vf_zero(), a2 = vf_zero(), a3 = vf_zero();
        size_t i = 0;
        for (; i + VF_LANES <= n_in; i += VF_LANES) {
            const vf xv = vf_load(x + i);
            if (i % 16 == 0) { /* a line per row every 16 floats */
                __builtin_prefetch((const char *)(w0 + i) + PX_MATVEC_PF, 0, 3);
                __builtin_prefetch((const char *)(w1 + i) + PX_MATVEC_PF, 0, 3);
                __builtin_prefetch((const char *)(w2 + i) + PX_MATVEC_PF, 0, 3);
                __builtin_prefetch((const char *)(w3 + i) + PX_MATVEC_PF, 0, 3);
            }
            a0 = vf_fma(vf_load(w0 + i), xv, a0);
            a1 = vf_fma(vf_load(w1 + i), xv, a1);
            a2 = vf_fma(vf_load(w2 + i), xv, a2);
            a3 = vf_fma(vf_load(w3 + i), xv, a3);
        }
        if (i < n_in) {
            const vmask m = vf_mask_first(n_in - i);
            const vf xv = vf_load_mask(x + i, 0, m);
            a0 = vf_fma(vf_load_mask(w0 + i, 0, m), xv, a0);
            a1 = vf_fma(vf_load_mask(w1 + i, 0, m), xv, a1);
            a2 = vf_fma(vf_load_mask(w2 + i, 0, m), xv, a2);
            a3 = vf_fma(vf_load_mask(w3 + i, 0, m), xv, a3);
        }
        grt_store(y, NULL, o, vf_hsum(a0), bias != NULL ? bias[o] : 0.0f, act);
        grt_store(y, NULL, o + q, vf_hsum(a1), bias != NULL ? bias[o + q] : 0.0f, act);
        grt_store(y, NULL, o + 2 * q, vf_hsum(a2), bias != NULL ? bias[o + 2 * q] : 0.0f, act);
        grt_store(y, NULL, o + 3 * q, vf_hsum(a3), bias != NULL ? bias[o + 3 * q] : 0.0f, act);
    }
    for (size_t o = 4 * q; o < n_out; o++) {
        const float *wo = w + o * n_in;
        vf a = vf_zero();
        size_t i = 0;
        for (; i + VF_LANES <= n_in; i += VF_LANES) {
            a = vf_fma(vf_load(wo + i), vf_load(x + i), a);
        }
        if (i < n_in) {
            const vmask m = vf_mask_first(n_in - i);
            a = vf_fma(vf_load_mask(wo + i, 0, m), vf_load_mask(x + i, 0, m), a);
        }
        grt_store(y, NULL, o, vf_hsum(a), bias != NULL ? bias[o] : 0.0f, act);
    }
}

/* out[0, n) = x[0, n) * g; out may equal x. */
static inline void px_scale(const float *x, size_t n, float g, float *out) {
    const vf gv = vf_set1(g);
    size_t i = 0;
    for (; i + 2 * VF_LANES <= n; i += 2 * VF_LANES) {
        const vf a = vf_load(x + i), b = vf_load(x + i + VF_LANES);
        vf_store(out + i, vf_mul(a, gv));
        vf_store(out + i + VF_LANES, vf_mul(b, gv));
    }
    for (; i + VF_LANES <= n; i += VF_LANES) {
        vf_store(out + i, vf_mul(vf_load(x + i), gv));
    }
    if (i < n) {
        const vmask m = vf_mask_first(n - i);
        vf_store_first(out + i, vf_mul(vf_load_mask(x + i, 0, m), gv), n - i);
    }
}

static inline void px_se(const float *in, size_t c, size_t hw, const float *w1, const float *b1,
                         size_t rd, const float *w2, const float *b2, int gate, float *scratch,
                         float *out) {
    float *s = scratch;
    float *r = scratch + c;
    px_gavgpool(in, c, hw, s);
    px_matvec(w1, s, c, b1, r, rd, GRT_ACT_RELU);
    px_matvec(w2, r, rd, b2, s, c, gate);
    for (size_t ch = 0; ch < c; ch++) {
        px_scale(in + ch * hw, hw, s[ch], out + ch * hw);
    }
}

static inline void px_add(const float *a, const float *b, float *out, size_t n, int act) {
    size_t i = 0;
    for (; i + 2 * VF_LANES <= n; i += 2 * VF_LANES) {
        const vf x0 = vf_add(vf_load(a + i), vf_load(b + i));
        const vf x1 = vf_add(vf_load(a + i + VF_LANES), vf_load(b + i + VF_LANES));
        vf_store(out + i, vf_act(x0, act));
        vf_store(out + i + VF_LANES, vf_act(x1, act));
    }
    for (; i + VF_LANES <= n; i += VF_LANES) {
        vf_store(out + i, vf_act(vf_add(vf_load(a + i), vf_load(b + i)), act));
    }
    if (i < n) {
        const vmask m = vf_mask_first(n - i);
        const vf x = vf_add(vf_load_mask(a + i, 0, m), vf_load_mask(b + i, 0, m));
        vf_store_first(out + i, vf_act(x, act), n - i);
    }
}

#endif
