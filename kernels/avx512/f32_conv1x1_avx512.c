/* grt_f32_conv1x1_avx512: pointwise (1x1, stride 1) convolution as a GEMM, one image, NCHW,
 * AVX-512F: out[co][p] = act(bias[co] + sum_ci w[co][ci] * in[ci][p] + res[co][p]).
 *
 * Layout: in [cin][hw]; weight packed by pack_conv1x1 with mr = MR = 16 (conv1x1_mr of the
 * AVX512 set in src/kernels/x86.rs): tile t is [cin][16], the 16 weights input channel ci
 * gives to output channels 16t..16t+15, zero-padded past cout; bias [cout] or NULL; residual
 * and out [cout][hw] (out may equal residual).
 * Preconditions: cin >= 1; out does not overlap in or weight.
 *
 * Two register tilings of the same packed weights; use_channel_tiles picks the one that
 * pads less (pixel tiles round hw up to 16, channel tiles round hw up to 7 and cout to 16).
 *
 * Pixel tiles (hw > CH_MAX_HW, and small hw that fill 16-pixel vectors well): vectors run
 *   along pixels. ROWS output channels x NV zmm of 16 pixels; per input channel the NV pixel
 *   vectors are loaded once and each of the ROWS weights is broadcast into NV FMAs.
 *   8 x 3: 24 accumulators, 3 pixel vectors, 1 broadcast: 24 FMA per 11 loads, 48 pixels;
 *          rows 0-7 or 8-15 of a packed tile (weight stride 16).
 *   4 x NV: the last tile of a cout that leaves 1..4 channels (5..7 use 8 x NV).
 *   The last vector of a row is masked, so hw need not be a multiple of 16. Loop order:
 *   strips of 48 pixels outside, channel tiles inside, so the cin x 48 input strip comes
 *   from memory once and from cache for every other tile; the first strip, which reads every
 *   weight first, prefetches the next packed tile's weights. If hw is a multiple of 16 (all
 *   rows then share one alignment), a first strip of 1..15 pixels aligns the others to 64
 *   bytes: at 112x112, loads and stores that straddle two lines cost ~30%. A tail of 1..7
 *   pixels after full strips runs as one channel tile (below) instead of a 1-vector strip.
 *   Cross-core lines: in a step split by output channels over threads, half of the input
 *   was written by the other core, and a line read from another core's cache costs 12-16
 *   cycles when loads wait for it one after another; the output's lines were last held by
 *   the other core too, so each store first invalidates its copy. Issued between FMAs,
 *   prefetches hide both (a /tmp two-thread loop: 39 KB of the other core's lines cost
 *   9.6k cycles loaded on demand, 30k-cycle compute, and nothing when one prefetch went
 *   between every two FMA groups; a burst of prefetches up front helped nothing). So the
 *   first tile of a strip prefetches the next strip's input, 3 lines per input channel,
 *   and every tile the next tile's output lines with PREFETCHW.
 *
 * Channel tiles (the 7x7 maps of a 224 input, and other hw <= CH_MAX_HW that 16-pixel
 *   vectors fill badly: a 49-pixel row is 3 zmm and 1 pixel, a quarter of every FMA wasted):
 *   vectors run along output channels. NP = 7 pixels x NJ zmm of 16 channels (NJ packed
 *   tiles); per input channel NJ weight vectors are loaded and each of the 7 pixels is
 *   broadcast into NJ FMAs.
 *   7 x 3: 21 accumulators, 3 weight vectors, 1 broadcast: 21 FMA per 10 loads.
 *   The last tile of a row has np < 7 pixels; its missing pixels repeat pixel np-1 (the
 *   broadcast offsets are clamped) and are not stored. The accumulators hold out transposed
 *   (lane = channel): the bias is their start value, the residual is gathered (stride hw),
 *   the activation is per lane; then each 8 (pixels, the 8th zero) x 16 (channels) block is
 *   transposed in registers (unpack ps, unpack pd, vpermt2ps: 24 shuffles) into zmm holding
 *   channel c in the low 256 bits and c + 8 in the high 256 bits, stored np lanes at a time.
 *   Loop order: channel groups of up to 48 (as even as possible: 160 = 48 + 48 + 32 + 32)
 *   outside, then blocks of KC = 64 input channels (48 when cin > 128), then pixels, so a
 *   block's weights (64 x 48 floats) stay in L1 while the pixels pass (partial sums are
 *   kept between blocks), and the next block's weights are prefetched meanwhile; in the
 *   first group, also the next block's input rows (as above: half of them may be in the
 *   other core's cache).
 *
 * Rows past cout run on the zero padding of the packed weights; their bias, residual and
 * out are never touched (mask 0). Accumulators start at the bias, so the bias is the first
 * term of the sum (the scalar kernel adds it last; the tolerance of tests/kernels.rs allows
 * for the order). Only elements inside the documented buffers are read: masked lanes are
 * not accessed.
 */
#include <immintrin.h>
#include <stdint.h>
#include "ghostrt_kernels.h"
#include "x86/gemm_epilogue.h"

#define MR 16 /* output channels per packed tile */
#define NV 3  /* pixel vectors of a full pixel strip */
#define STRIP (16 * NV)
#define NP 7 /* pixels of a channel tile */
#define NJ 3 /* channel vectors of a full channel tile */
#define CH_MAX_HW 160 /* largest hw for channel tiles: at 196 pixel tiles are as fast */
#define CH_MAX_LD (1u << 26) /* 15 ld must fit an int32 gather index */

#define GRT_INLINE static inline __attribute__((always_inline))
/* Input channels per block of channel tiles: a group's 64 x 48 weights (12 KiB) and the
 * block of input rows stay in L1 while every pixel tile of the group passes over them. */
#define KC 64
#define KC_LARGE 48

/* act on a[0..n) (n constant at every call). One switch around the loop, not one per
 * vector, so the compiler has no reason to copy the code around it per activation. */
GRT_INLINE void act_all(__m512 *a, int n, int act) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512 six = _mm512_set1_ps(6.0f);
    switch (act) {
    case GRT_ACT_RELU:
#pragma GCC unroll 32
        for (int i = 0; i < n; i++) {
            a[i] = _mm512_max_ps(a[i], zero);
        }
        break;
    case GRT_ACT_RELU6:
#pragma GCC unroll 32
        for (int i = 0; i < n; i++) {
            a[i] = _mm512_min_ps(_mm512_max_ps(a[i], zero), six);
        }
        break;
    case GRT_ACT_HARDSIGMOID:
#pragma GCC unroll 32
        for (int i = 0; i < n; i++) {
            a[i] = grt_act_avx512(a[i], GRT_ACT_HARDSIGMOID);
        }
        break;
    default:
        break;
    }
}

/* Pixel tile of rows x nv (constants at every call, so the loops unroll and acc[r * nv + v]
 * stays in registers). w: packed weights of the first row, x: &in[0][p], out/res: &out[co][p],
 * bias: &bias[co] or NULL. Vector nv-1 holds the lanes of `tail`; rows >= nrows are not
 * stored. */
GRT_INLINE void pixel_tile(const float *w, const float *x, size_t cin, size_t ld, int rows,
                           int nv, __mmask16 tail, size_t nrows, const float *bias,
                           const float *res, float *out, const float *pfw, const float *pfx,
                           float *pfo, int act) {
    __m512 acc[8 * NV];
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
        const __m512 b = _mm512_set1_ps(bias != NULL && (size_t)r < nrows ? bias[r] : 0.0f);
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            acc[r * nv + v] = b;
        }
    }
    for (size_t ci = 0; ci < cin; ci++) {
        __m512 xv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            xv[v] = _mm512_maskz_loadu_ps(v == nv - 1 ? tail : (__mmask16)0xffff, x + 16 * v);
        }
#pragma GCC unroll 8
        for (int r = 0; r < rows; r++) {
            const __m512 wv = _mm512_set1_ps(w[r]);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++) {
                acc[r * nv + v] = _mm512_fmadd_ps(wv, xv[v], acc[r * nv + v]);
            }
        }
        if (pfw != NULL) {
            _mm_prefetch((const char *)(pfw + ci * MR), _MM_HINT_T0);
        }
        if (pfx != NULL) {
            const float *q = pfx + ci * ld;
            _mm_prefetch((const char *)q, _MM_HINT_T0);
            _mm_prefetch((const char *)(q + 16), _MM_HINT_T0);
            _mm_prefetch((const char *)(q + 32), _MM_HINT_T0);
        }
        if (pfo != NULL && ci < (size_t)(rows * NV)) {
            _m_prefetchw(pfo + (ci / NV) * ld + 16 * (ci % NV));
        }
        x += ld;
        w += MR;
    }
    /* A row past nrows keeps row 0's address; its mask is 0, so it is not accessed. */
    if (res != NULL) {
#pragma GCC unroll 8
        for (int r = 0; r < rows; r++) {
            const int on = (size_t)r < nrows;
            const float *rr = res + (on ? (size_t)r * ld : 0);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++) {
                const __mmask16 m = on ? (v == nv - 1 ? tail : (__mmask16)0xffff) : 0;
                acc[r * nv + v] =
                    _mm512_add_ps(acc[r * nv + v], _mm512_maskz_loadu_ps(m, rr + 16 * v));
            }
        }
    }
    act_all(acc, rows * nv, act);
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
        const int on = (size_t)r < nrows;
        float *o = out + (on ? (size_t)r * ld : 0);
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            const __mmask16 m = on ? (v == nv - 1 ? tail : (__mmask16)0xffff) : 0;
            _mm512_mask_storeu_ps(o + 16 * v, m, acc[r * nv + v]);
        }
    }
}

/* Pixels [p, p + 16 (nv - 1) + popcount(tail)) of every output channel, in tiles of 8 rows
 * (4 for a last tile of 1..4 channels). */
GRT_INLINE void pixel_strip(const float *in, size_t cin, size_t ld, const float *weight,
                            const float *bias, const float *residual, float *out, size_t cout,
                            int act, size_t p, int nv, __mmask16 tail, int pf, int next) {
    for (size_t co = 0; co < cout; co += 8) {
        /* The first strip reads every weight for the first time in this call (from L3 or
         * memory in a network: each step's weights are read once per image); while the
         * first half of a packed tile runs, the next tile's lines are prefetched. */
        const float *pfw = pf && co % MR == 0 && co + MR < cout
                               ? weight + (co / MR + 1) * MR * cin
                               : NULL;
        const size_t left = cout - co < 8 ? cout - co : 8;
        /* Row co of the packed weights: tile co / MR, lane co % MR of it. */
        const float *w = weight + (co / MR) * MR * cin + co % MR;
        const float *b = bias != NULL ? bias + co : NULL;
        const float *r = residual != NULL ? residual + co * ld + p : NULL;
        float *o = out + co * ld + p;
        /* Lines other cores hold, fetched while this tile computes (see pixel_tiles): the
         * first tile of a strip prefetches the next strip's input, every tile the lines
         * of the next tile's output for writing. */
        const float *pfx = co == 0 && next ? in + p + STRIP : NULL;
        float *pfo = co + 8 < cout ? out + (co + 8) * ld + p : NULL;
        if (left > 4) {
            pixel_tile(w, in + p, cin, ld, 8, nv, tail, left, b, r, o, pfw, pfx, pfo, act);
        } else {
            pixel_tile(w, in + p, cin, ld, 4, nv, tail, left, b, r, o, pfw, pfx, pfo, act);
        }
    }
}

/* One out-of-line copy per strip shape: full 48-pixel strips (no masks in the hot loop) and
 * the partial last strip of 3, 2 or 1 vectors. */
static void pixel_strip_full(const float *in, size_t cin, size_t ld, const float *weight,
                             const float *bias, const float *residual, float *out,
                             size_t cout, int act, size_t p, int pf, int next) {
    pixel_strip(in, cin, ld, weight, bias, residual, out, cout, act, p, NV, 0xffff, pf, next);
}

static void pixel_strip_part(const float *in, size_t cin, size_t ld, const float *weight,
                             const float *bias, const float *residual, float *out,
                             size_t cout, int act, size_t p, size_t n, int pf) {
    const __mmask16 tail = grt_mask_avx512(n - 16 * ((n - 1) / 16));
    if (n > 32) {
        pixel_strip(in, cin, ld, weight, bias, residual, out, cout, act, p, 3, tail, pf, 0);
    } else if (n > 16) {
        pixel_strip(in, cin, ld, weight, bias, residual, out, cout, act, p, 2, tail, pf, 0);
    } else {
        pixel_strip(in, cin, ld, weight, bias, residual, out, cout, act, p, 1, tail, pf, 0);
    }
}

static void channel_tiles(const float *in, size_t cin, size_t hw, size_t ld, const float *weight,
                          const float *bias, const float *residual, float *out, size_t cout,
                          int act);

static void pixel_tiles(const float *in, size_t cin, size_t hw, size_t ld, const float *weight,
                        const float *bias, const float *residual, float *out, size_t cout,
                        int act) {
    size_t p = 0;
    int pf = 1; /* only the first strip prefetches: later strips find the weights in L2 */
    const size_t mis = (size_t)(((uintptr_t)out / sizeof(float)) % 16);
    if (ld % 16 == 0 && hw >= 4 * STRIP && mis != 0) {
        p = 16 - mis;
        pixel_strip_part(in, cin, ld, weight, bias, residual, out, cout, act, 0, p, pf);
        pf = 0;
    }
    for (; p + STRIP <= hw; p += STRIP) {
        pixel_strip_full(in, cin, ld, weight, bias, residual, out, cout, act, p, pf,
                         p + STRIP < hw);
        pf = 0;
    }
    if (p > 0 && hw - p <= NP && p < hw && ld <= CH_MAX_LD) {
        /* A tail of 1..7 pixels (196 = 4 x 48 + 4 at 14x14) as one channel tile: a pixel
         * strip of one vector runs 8 FMAs per 9 loads over every weight once more, and took
         * 10-40% of the whole call (224 -> 672 at 14x14: 52 GMAC/s, at 192 pixels 85). */
        channel_tiles(in + p, cin, hw - p, ld, weight, bias,
                      residual != NULL ? residual + p : NULL, out + p, cout, act);
    } else if (p < hw) {
        pixel_strip_part(in, cin, ld, weight, bias, residual, out, cout, act, p, hw - p, pf);
    }
}

/* grt_pf (x86/gemm_epilogue.h): the next block's weight lines a channel tile prefetches. */

/* Input lines a channel tile prefetches, one per input channel it runs: lines
 * [first, first + count) of the rows at base (ld apart), lpc lines a row. */
typedef struct {
    const float *base;
    size_t lpc, first, count;
} grt_pfx;

/* Channel tile: np <= NP pixels x nj (constant) zmm of 16 output channels, the first
 * nch <= 16 nj of them stored. w: packed tile of the first 16 channels (the next tiles
 * follow every wstride floats), x: &in[0][p], out/res: &out[co][p], bias: &bias[co] or NULL.
 * Accumulator acc[q * nj + j] holds pixel q of channels 16j..16j+15. cin input channels
 * from w and x; first: start at the bias (else at part), last: finish and store (else save
 * the sums to part, NP * NJ vectors). */
GRT_INLINE void channel_tile(const float *w, size_t wstride, const float *x, size_t cin,
                             size_t ld, int nj, size_t nch, size_t np, const float *bias,
                             const float *res, float *out, __m512 *part, int first, int last,
                             const grt_pf *pf, const grt_pfx *px, int act) {
    __m512 acc[NP * NJ];
    __mmask16 cm[NJ]; /* channels of vector j that exist */
#pragma GCC unroll 4
    for (int j = 0; j < nj; j++) {
        const size_t n = nch - 16 * (size_t)j; /* >= 1: nj = ceil(nch / 16) */
        cm[j] = grt_mask_avx512(n < 16 ? n : 16);
        const __m512 b =
            bias != NULL ? _mm512_maskz_loadu_ps(cm[j], bias + 16 * j) : _mm512_setzero_ps();
#pragma GCC unroll 8
        for (int q = 0; q < NP; q++) {
            acc[q * nj + j] = first ? b : part[q * nj + j];
        }
    }
    size_t off[NP]; /* pixel of slot q: q, or np - 1 past the last pixel */
#pragma GCC unroll 8
    for (int q = 0; q < NP; q++) {
        off[q] = (size_t)q < np ? (size_t)q : np - 1;
    }
    grt_pf_walk pw = grt_pf_begin(pf, MR);
    /* Input lines to prefetch: line `xl` of channel `xc` of px, `xn` left. */
    size_t xc = 0, xl = 0, xn = 0;
    if (px != NULL && px->base != NULL) {
        xc = px->first / px->lpc;
        xl = px->first % px->lpc;
        xn = px->count;
    }
    for (size_t ci = 0; ci < cin; ci++) {
        if (xn > 0) {
            _mm_prefetch((const char *)(px->base + xc * ld + 16 * xl), _MM_HINT_T0);
            xn--;
            if (++xl == px->lpc) {
                xl = 0;
                xc++;
            }
        }
        __m512 wv[NJ];
#pragma GCC unroll 4
        for (int j = 0; j < nj; j++) {
            wv[j] = _mm512_loadu_ps(w + j * wstride);
        }
#pragma GCC unroll 8
        for (int q = 0; q < NP; q++) {
            const __m512 xb = _mm512_set1_ps(x[off[q]]);
#pragma GCC unroll 4
            for (int j = 0; j < nj; j++) {
                acc[q * nj + j] = _mm512_fmadd_ps(xb, wv[j], acc[q * nj + j]);
            }
        }
        grt_pf_next(&pw, pf, MR);
        x += ld;
        w += MR;
    }
    if (!last) {
#pragma GCC unroll 32
        for (int i = 0; i < NP * nj; i++) {
            part[i] = acc[i];
        }
        return;
    }
    if (res != NULL) {
        /* Lane c of pixel q is res[c][q]: a gather with stride ld (rare: GhostNet adds its
         * shortcut in a 1x1 conv). ld <= CH_MAX_LD, so 15 ld fits the int32 indices. */
        const __m512i lane =
            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512i rows = _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)ld));
#pragma GCC unroll 4
        for (int j = 0; j < nj; j++) {
#pragma GCC unroll 8
            for (int q = 0; q < NP; q++) {
                const __m512 r = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), cm[j], rows,
                                                          res + 16 * (size_t)j * ld + off[q], 4);
                acc[q * nj + j] = _mm512_add_ps(acc[q * nj + j], r);
            }
        }
    }
    act_all(acc, NP * nj, act);
    /* vpermt2ps indices into (u[i], u[4+i]) = lanes 0-15, 16-31: 128-bit lanes 0 and 2
     * (channels i and 8+i of the block) or 1 and 3 (channels 4+i and 12+i). */
    const __m512i lo_idx =
        _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
    const __m512i hi_idx =
        _mm512_setr_epi32(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
    const __mmask16 pm = grt_mask_avx512(np);
#pragma GCC unroll 4
    for (int j = 0; j < nj; j++) {
        /* Rows q of the 8 x 16 block: acc of pixel q (row 7 is zero), lane = channel. */
        __m512 t[8], u[8];
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) {
            const __m512 a = acc[2 * k * nj + j];
            const __m512 b = 2 * k + 1 < NP ? acc[(2 * k + 1) * nj + j] : _mm512_setzero_ps();
            t[2 * k] = _mm512_unpacklo_ps(a, b);     /* lane k: a[4k] b[4k] a[4k+1] b[4k+1] */
            t[2 * k + 1] = _mm512_unpackhi_ps(a, b); /* lane k: a[4k+2] b[4k+2] ... */
        }
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            const __m512d a = _mm512_castps_pd(t[4 * h]), b = _mm512_castps_pd(t[4 * h + 1]);
            const __m512d c = _mm512_castps_pd(t[4 * h + 2]);
            const __m512d d = _mm512_castps_pd(t[4 * h + 3]);
            u[4 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
            u[4 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
            u[4 * h + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
            u[4 * h + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
        }
        /* u[i], i < 4: 128-bit lane k = channel 4k + i, pixels 0-3; u[4 + i]: pixels 4-7. */
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) {
#pragma GCC unroll 2
            for (int s = 0; s < 2; s++) {
                /* Channel c in the low 256 bits of z, channel c + 8 in the high 256 bits. */
                const __m512 z = _mm512_permutex2var_ps(u[i], s ? hi_idx : lo_idx, u[4 + i]);
                const size_t c = 16 * (size_t)j + (size_t)(i + 4 * s);
                const __m512 zh = _mm512_shuffle_f32x4(z, z, 0x4e);
                _mm512_mask_storeu_ps(out + (c < nch ? c * ld : 0), c < nch ? pm : 0, z);
                _mm512_mask_storeu_ps(out + (c + 8 < nch ? (c + 8) * ld : 0),
                                      c + 8 < nch ? pm : 0, zh);
            }
        }
    }
}

/* One out-of-line copy per channel-tile width. */
static void channel_tile_any(const float *w, size_t wstride, const float *x, size_t cin,
                             size_t ld, size_t nch, size_t np, const float *bias,
                             const float *res, float *out, __m512 *part, int first, int last,
                             const grt_pf *pf, const grt_pfx *px, int act) {
    if (nch > 32) {
        channel_tile(w, wstride, x, cin, ld, 3, nch, np, bias, res, out, part, first, last,
                     pf, px, act);
    } else if (nch > 16) {
        channel_tile(w, wstride, x, cin, ld, 2, nch, np, bias, res, out, part, first, last,
                     pf, px, act);
    } else {
        channel_tile(w, wstride, x, cin, ld, 1, nch, np, bias, res, out, part, first, last,
                     pf, px, act);
    }
}



/* Channel tiles in blocks of KC input channels: every pixel tile of a channel group runs
 * over one block before any runs over the next, keeping partial sums in `part`, so the
 * block's weights come from memory once and from L1 for the other tiles. While a block
 * runs, its pixel tiles share out the prefetch of the next block's weights (the group's
 * next KC rows, or the next group's first). In a network every step's weights are read
 * once per image from L3 or memory: without this, the first pixel tile of every group
 * waited for them (RepGhostNet 2.0x, whose 7x7 1x1 convs hold 12 MB of weights: 5-7%
 * faster in all, alternating in one process). The sum runs over input channels in the
 * same order as one pass, so the result is the same to the bit. */
static void channel_tiles(const float *in, size_t cin, size_t hw, size_t ld, const float *weight,
                          const float *bias, const float *residual, float *out, size_t cout,
                          int act) {
    __m512 part[(CH_MAX_HW + NP - 1) / NP * NP * NJ];
    const size_t ntiles = (hw + NP - 1) / NP;
    /* Blocks of KC_LARGE past 2 KC input channels: a block's weights, the next block's
     * (prefetched) and its input rows then leave room in L1 for the partial sums; with 64,
     * 320 -> 960 and 960 -> 320 at 7x7 (RepGhostNet 2.0x) ran 3-4% slower on weights from
     * L3. Up to 2 KC, blocks of KC (64: 112 -> 160 would split into 48 + 48 + 16). */
    const size_t kcb = cin <= 2 * KC ? KC : KC_LARGE;
    /* Groups of at most NJ packed tiles, as even as possible (160 channels: 3 + 3 + 2 + 2
     * tiles, not 3 + 3 + 3 + 1, whose last group keeps 7 FMA chains and loads a weight
     * vector for every 7 FMAs). */
    const size_t tiles = (cout + 15) / 16;
    const size_t groups = (tiles + NJ - 1) / NJ;
    for (size_t g = 0, co = 0; g < groups; g++) {
        const size_t gt = tiles / groups + (g < tiles % groups ? 1 : 0);
        const size_t nch = cout - co < 16 * gt ? cout - co : 16 * gt;
        const size_t nj = (nch + 15) / 16;
        /* The next group's tiles, for the prefetch of its first block. */
        const size_t next_gt =
            g + 1 < groups ? tiles / groups + (g + 1 < tiles % groups ? 1 : 0) : 0;
        const float *b = bias != NULL ? bias + co : NULL;
        for (size_t k0 = 0; k0 < cin; k0 += kcb) {
            const size_t kc = cin - k0 < kcb ? cin - k0 : kcb;
            grt_pf pf = {NULL, MR * cin, 0, 0, 0};
            size_t lines = 0; /* one per next-block row and packed tile */
            if (k0 + kc < cin) {
                pf.base = weight + co * cin + (k0 + kc) * MR;
                pf.rows = cin - k0 - kc < kcb ? cin - k0 - kc : kcb;
                lines = pf.rows * nj;
            } else if (next_gt > 0) {
                pf.base = weight + (co + 16 * gt) * cin;
                pf.rows = cin < kcb ? cin : kcb;
                lines = pf.rows * next_gt;
            }
            /* The first group reads each input row for the first time in this call (in a
             * channel-split step, half of them from the other core's cache): its tiles
             * share out the prefetch of the next block's rows. */
            grt_pfx px = {NULL, (hw + 15) / 16, 0, 0};
            const size_t xlines = co == 0 && k0 + kc < cin
                                      ? (cin - k0 - kc < kcb ? cin - k0 - kc : kcb) * px.lpc
                                      : 0;
            if (xlines > 0) {
                px.base = in + (k0 + kc) * ld;
            }
            for (size_t p = 0, t = 0; p < hw; p += NP, t++) {
                const size_t np = hw - p < NP ? hw - p : NP;
                const float *r = residual != NULL ? residual + co * ld + p : NULL;
                pf.first = lines * t / ntiles;
                pf.count = lines * (t + 1) / ntiles - pf.first;
                if (pf.count > kc) { /* one prefetch per input channel of the tile */
                    pf.count = kc;
                }
                px.first = xlines * t / ntiles;
                px.count = xlines * (t + 1) / ntiles - px.first;
                if (px.count > kc) {
                    px.count = kc;
                }
                channel_tile_any(weight + co * cin + k0 * MR, MR * cin, in + k0 * ld + p, kc,
                                 ld, nch, np, b, r, out + co * ld + p, part + t * NP * NJ,
                                 k0 == 0, k0 + kc == cin, &pf, &px, act);
            }
        }
        co += 16 * gt;
    }
}

/* Channel tiles when they compute fewer padded outputs than pixel tiles (ties: pixel tiles,
 * which need no transpose). */
static int use_channel_tiles(size_t hw, size_t cout) {
    if (hw > CH_MAX_HW) {
        return 0;
    }
    const size_t channel = (hw + NP - 1) / NP * NP * ((cout + 15) / 16 * 16);
    const size_t pixel = (hw + 15) / 16 * 16 * ((cout + 3) / 4 * 4);
    return channel < pixel;
}

void grt_f32_conv1x1_avx512(const float *in, size_t cin, size_t hw, size_t ld,
                            const float *weight, const float *bias, const float *residual,
                            float *out, size_t cout, int act) {
    /* The residual gather of channel tiles indexes 16 rows with int32 offsets. */
    if (use_channel_tiles(hw, cout) && ld <= CH_MAX_LD) {
        channel_tiles(in, cin, hw, ld, weight, bias, residual, out, cout, act);
    } else {
        pixel_tiles(in, cin, hw, ld, weight, bias, residual, out, cout, act);
    }
}
