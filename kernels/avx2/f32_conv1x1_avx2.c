/* grt_f32_conv1x1_avx2: pointwise (1x1, stride 1) convolution as a GEMM, one image, NCHW,
 * AVX2 + FMA: out[co][p] = act(bias[co] + sum_ci w[co][ci] * in[ci][p] + res[co][p]).
 *
 * Layout: in [cin][hw]; weight packed by pack_conv1x1 with mr = MR = 8 (conv1x1_mr of the
 * AVX2 set in src/kernels/x86.rs): tile t is [cin][8], the 8 weights input channel ci gives
 * to output channels 8t..8t+7, zero-padded past cout; bias [cout] or NULL; residual and out
 * [cout][hw] (out may equal residual).
 * Preconditions: cin >= 1; out does not overlap in or weight.
 *
 * Register tile: ROWS output channels x NV ymm of 8 pixels = ROWS * NV accumulators. Per
 * input channel the NV pixel vectors are loaded once and each of the ROWS weights is
 * broadcast (vbroadcastss) into NV FMAs.
 *   4 x 3: 12 accumulators, 3 pixel vectors, 1 broadcast (all 16 ymm): 12 FMA per 7 loads,
 *          24 pixels; rows 0-3 or 4-7 of a packed tile (weight stride 8).
 *   4 x 2: the 9..16 pixels left at the end of a row.
 *   8 x 1: the 1..8 pixels left; 8 accumulators keep 8 FMAs in flight (4-cycle latency,
 *          2 ports).
 * The last vector of a partial strip is loaded under a mask (vmaskmovps: masked lanes are
 * not read) and stored with plain 4/2/1-float stores (x86/store_tail.h; a vmaskmovps store
 * is microcoded on AMD Zen 3, about 14 cycles): no lane past the strip is written. Rows past
 * cout run on the zero padding of the packed weights; their bias, residual and out are never
 * touched. Accumulators start at the bias, so the bias is the
 * first term of the sum (the scalar kernel adds it last; the tolerance of tests/kernels.rs
 * allows for the order).
 *
 * Loop order: strips of 24 pixels (then one strip of the 1..23 left) outside, output-channel
 * tiles inside: the cin x 24 input strip comes from memory once and from cache for every
 * other tile; the packed weights are streamed in order. The first strip reads every weight
 * first (in a network, from L3 or memory: each step's weights are read once per image), so
 * while it runs rows 0-3 of a packed tile it prefetches the next tile, a line every two
 * input channels (RepGhostNet 2.0x 5.1-5.5% faster in all with this kernel set, 1.0x
 * 1.7-2.6%, alternating in one process). The first tile of every strip also prefetches the
 * next strip's input (2 lines per input channel): in a step split by output channels over
 * threads, half of the input is in the other core's cache, and loads that wait for such
 * lines one at a time cost far more than prefetches issued between FMAs (see the AVX-512
 * kernel). Two threads, this kernel set, alternating run by run: RepGhostNet 1.0x q1
 * 3604 -> 3550 and 3107 -> 3066 us, GhostNet 1.0x 4244 -> 4172 and 3413 -> 3361; one
 * thread 4992 -> 4972 and 5401 -> 5383.
 *
 * Packed strips: where the input's channel rows are not 32-byte aligned (a 14x14 map's rows
 * are 784 bytes apart) a quarter of the pixel-vector loads cross a cache line and take two
 * load slots. Each strip's cin x 24 input is then copied once to an aligned stack scratch
 * (up to PACK_MAX_CIN channels) that all output-channel tiles read: alternating, hot,
 * 224 -> 672 at 14x14 0.84x the time, 80 -> 240 0.85x, 480 -> 112 0.85x, 672 -> 224 0.78x;
 * whole networks, one thread: RepGhostNet 2.0x 0.95x, 1.0x and 0.5x 0.97x, GhostNet 1.0x
 * 0.97x.
 * Aligned rows are copied too where they share a few L1 sets (112x112 and 56x56 maps) and
 * would evict each other (use_packed_strips).
 *
 * Channel tiles (maps of hw <= CH_MAX_HW where they pad less than the strips, see
 * use_channel_tiles, and tails of 2-4 pixels after full strips: 196 = 8 x 24 + 4): vectors
 * run along output channels. CNP = 4 pixels x CNJ = 3 ymm of 8 channels (3 packed tiles);
 * per input channel 3 weight vectors are loaded and each of the 4 pixels is broadcast into
 * 3 FMAs: 12 accumulators, 12 FMA per 7 loads, all 16 ymm. A last tile of np < 4 pixels
 * repeats pixel np-1 and stores only np. Accumulators start at the bias and sum the input
 * channels in order, as the strips do; the 4 x 8 blocks are transposed (4 unpack, 4 shuffle)
 * to 4 pixels per channel, which take the residual, the activation and a (masked) 4-float
 * store. Groups of 24 channels outside, blocks of CKC = 64 input channels, then pixel tiles
 * (partial sums kept between blocks); the next block's weights are prefetched meanwhile.
 * Groups take at most 3 tiles, as even as possible. Only from CT_MIN_CIN input channels on:
 * below, the transposing epilogue costs more than the strips' tail (80 -> 240 0.96x).
 * On weights from L3, against the strips before they were packed (alternating in one
 * process): 7x7 480 -> 160 1.22-1.25x, 320 -> 960 1.26-1.28x, 960 -> 320 1.33x, 160 -> 480
 * 1.06x; whole network, one thread: RepGhostNet 2.0x 1.07-1.08x, 1.0x 1.02x, GhostNet 1.0x
 * 1.01x, 0.5x 0.99-1.0x. With the packed strips, 7x7 maps run two strips and a one-pixel
 * tail instead. The packed strips take that pixel along (px1_tile after each packed tile of
 * the last strip, its weights still in cache): as a separate pass over all the weights
 * (tail_px1, from L2 or L3) the 49th pixel cost 10% of a 7x7 step (320 -> 960: 49 pixels
 * 412 us, 48 pixels 371); alongside, 320 -> 960, 960 -> 320 and 320 -> 1920 at 7x7 take
 * 0.95-0.97x the time (alternating, hot). tail_px1 remains for unpacked strips.
 *
 * Only elements inside the documented buffers are read.
 */
#include <immintrin.h>
#include "ghostrt_kernels.h"
#include "x86/gemm_epilogue.h"
#include "x86/store_tail.h"

#define MR 8 /* output channels per packed tile */
#define NV 3 /* pixel vectors of a full strip */
#define STRIP (8 * NV)
#define CNP 4         /* pixels of a channel tile */
#define CNJ 3         /* channel vectors (8 output channels each) of a channel tile */
#define CKC 64        /* input channels per block of channel tiles */
#define CH_MAX_HW 160 /* largest hw for channel tiles */
#ifndef PACK_MAX_CIN
#define PACK_MAX_CIN 1024 /* input channels of a packed strip (96 KiB of stack) */
#endif
#ifndef PACK_MIN_COUT
#define PACK_MIN_COUT 16 /* output channels that share a packed strip, at least */
#endif
#ifndef CT_MIN_CIN
#define CT_MIN_CIN 128 /* fewer input channels: the transposing epilogue costs more than it saves */
#endif

#define GRT_INLINE static inline __attribute__((always_inline))

/* act on a[0..n) (n constant at every call). One switch around the loop, not one per
 * vector, so the compiler has no reason to copy the code around it per activation. */
GRT_INLINE void act_all(__m256 *a, int n, int act) {
    const __m256 zero = _mm256_setzero_ps();
    const __m256 six = _mm256_set1_ps(6.0f);
    switch (act) {
    case GRT_ACT_RELU:
#pragma GCC unroll 16
        for (int i = 0; i < n; i++) {
            a[i] = _mm256_max_ps(a[i], zero);
        }
        break;
    case GRT_ACT_RELU6:
#pragma GCC unroll 16
        for (int i = 0; i < n; i++) {
            a[i] = _mm256_min_ps(_mm256_max_ps(a[i], zero), six);
        }
        break;
    case GRT_ACT_HARDSIGMOID:
#pragma GCC unroll 16
        for (int i = 0; i < n; i++) {
            a[i] = grt_act_avx2(a[i], GRT_ACT_HARDSIGMOID);
        }
        break;
    default:
        break;
    }
}

/* One input channel of a register tile: the nv pixel vectors of x, each of the rows
 * weights of w broadcast into nv FMAs. */
GRT_INLINE void tile_k(__m256 *acc, const float *w, const float *x, int rows, int nv,
                       int masked, __m256i tail) {
    __m256 xv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
        xv[v] = masked && v == nv - 1 ? _mm256_maskload_ps(x + 8 * v, tail)
                                      : _mm256_loadu_ps(x + 8 * v);
    }
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
        const __m256 wv = _mm256_broadcast_ss(w + r);
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            acc[r * nv + v] = _mm256_fmadd_ps(wv, xv[v], acc[r * nv + v]);
        }
    }
}

/* The 4 x 3 tile's start and input-channel loop in inline assembly (AT&T syntax, GCC and
 * Clang), two channels per iteration: 6 pixel-vector loads, 8 broadcasts and 24 FMAs, plus
 * the prefetches the caller chose. Written in C, GCC 12 keeps only some of the three pixel
 * vectors in registers (the tile takes all 16 ymm) and reads the others again as FMA memory
 * operands: 27 loads per 24 FMAs, and on this Zen 3 the loads, not the FMA ports, set the
 * pace. Alternating in one process (2026-11-30), against the C loop: 224 -> 672 and
 * 672 -> 224 at 14x14 0.85-0.87x the time, 320 -> 960 and 960 -> 320 at 7x7 0.89-0.90x,
 * 32 -> 48 at 112x112 and 48 -> 72 at 56x56 0.89-0.91x. ymm0-2 hold the pixel vectors, ymm3
 * the broadcast weight; the compiler places the 12 accumulators. */
#define L43_LAST "92" /* bytes from a strip's first pixel to its last: (STRIP - 1) * 4 */
_Static_assert((STRIP - 1) * 4 == 92, "L43_LAST follows STRIP");
#define L43_CH(XA, XB, XC, WO)                                                                    \
    "vmovups " XA ", %%ymm0\n\t"                                                                   \
    "vmovups " XB ", %%ymm1\n\t"                                                                   \
    "vmovups " XC ", %%ymm2\n\t"                                                                   \
    "vbroadcastss " WO "+0(%[w]), %%ymm3\n\t"                                                       \
    "vfmadd231ps %%ymm0, %%ymm3, %[a0]\n\t"                                                          \
    "vfmadd231ps %%ymm1, %%ymm3, %[a1]\n\t"                                                          \
    "vfmadd231ps %%ymm2, %%ymm3, %[a2]\n\t"                                                          \
    "vbroadcastss " WO "+4(%[w]), %%ymm3\n\t"                                                       \
    "vfmadd231ps %%ymm0, %%ymm3, %[a3]\n\t"                                                          \
    "vfmadd231ps %%ymm1, %%ymm3, %[a4]\n\t"                                                          \
    "vfmadd231ps %%ymm2, %%ymm3, %[a5]\n\t"                                                          \
    "vbroadcastss " WO "+8(%[w]), %%ymm3\n\t"                                                       \
    "vfmadd231ps %%ymm0, %%ymm3, %[a6]\n\t"                                                          \
    "vfmadd231ps %%ymm1, %%ymm3, %[a7]\n\t"                                                          \
    "vfmadd231ps %%ymm2, %%ymm3, %[a8]\n\t"                                                          \
    "vbroadcastss " WO "+12(%[w]), %%ymm3\n\t"                                                      \
    "vfmadd231ps %%ymm0, %%ymm3, %[a9]\n\t"                                                          \
    "vfmadd231ps %%ymm1, %%ymm3, %[a10]\n\t"                                                         \
    "vfmadd231ps %%ymm2, %%ymm3, %[a11]\n\t"
#define L43_BODY                                                                                  \
    L43_CH("(%[x])", "32(%[x])", "64(%[x])", "0")                                                 \
    L43_CH("(%[x],%[xld])", "32(%[x],%[xld])", "64(%[x],%[xld])", "32")
#define L43_PFW "prefetcht0 (%[pfw])\n\tadd $64, %[pfw]\n\t"
#define L43_PFX                                                                                   \
    "prefetcht0 (%[pfx])\n\tprefetcht0 " L43_LAST "(%[pfx])\n\t"                                  \
    "prefetcht0 (%[pfx],%[ldb])\n\tprefetcht0 " L43_LAST "(%[pfx],%[ldb])\n\t"                    \
    "lea (%[pfx],%[ldb],2), %[pfx]\n\t"
#define L43_END                                                                                   \
    "lea (%[x],%[xld],2), %[x]\n\t"                                                               \
    "add $64, %[w]\n\t"                                                                           \
    "cmp %[wend], %[w]\n\t"                                                                       \
    "jne 1b\n\t"
#define L43_INIT                                                                                  \
    "vbroadcastss 0(%[bv]), %[a0]\n\tvmovaps %[a0], %[a1]\n\tvmovaps %[a0], %[a2]\n\t"            \
    "vbroadcastss 4(%[bv]), %[a3]\n\tvmovaps %[a3], %[a4]\n\tvmovaps %[a3], %[a5]\n\t"            \
    "vbroadcastss 8(%[bv]), %[a6]\n\tvmovaps %[a6], %[a7]\n\tvmovaps %[a6], %[a8]\n\t"            \
    "vbroadcastss 12(%[bv]), %[a9]\n\tvmovaps %[a9], %[a10]\n\tvmovaps %[a9], %[a11]\n\t"         \
    "cmp %[wend], %[w]\n\t"                                                                       \
    "je 2f\n\t"
#define L43_OPS                                                                                   \
    : [a0] "=&x"(acc[0]), [a1] "=&x"(acc[1]), [a2] "=&x"(acc[2]), [a3] "=&x"(acc[3]),             \
      [a4] "=&x"(acc[4]), [a5] "=&x"(acc[5]), [a6] "=&x"(acc[6]), [a7] "=&x"(acc[7]),             \
      [a8] "=&x"(acc[8]), [a9] "=&x"(acc[9]), [a10] "=&x"(acc[10]), [a11] "=&x"(acc[11]),        \
      [x] "+r"(x), [w] "+r"(w), [pfw] "+r"(pfw), [pfx] "+r"(pfx)                                  \
    : [bv] "r"(bv), [xld] "r"(xldb), [ldb] "r"(ldb), [wend] "r"(wend)                             \
    : "cc", "memory", "xmm0", "xmm1", "xmm2", "xmm3"
#define L43(PF) __asm__ volatile(L43_INIT "1:\n\t" L43_BODY PF L43_END "2:\n\t" L43_OPS)

/* The accumulators start at bv[0..4) (the 4 rows' bias) and sum the input channels
 * [0, cin & ~1): x, w, pfw and pfx step as the C loop would. */
GRT_INLINE void loop43(__m256 *acc, const float *bv, const float **xp, const float **wp,
                       const float *wend, size_t xld, size_t ld, const float **pfwp,
                       const float **pfxp, int pf_w, int pf_x) {
    const float *x = *xp, *w = *wp, *pfw = *pfwp, *pfx = *pfxp;
    const size_t xldb = xld * sizeof(float), ldb = ld * sizeof(float);
    if (pf_w && pf_x) {
        L43(L43_PFW L43_PFX);
    } else if (pf_w) {
        L43(L43_PFW);
    } else if (pf_x) {
        L43(L43_PFX);
    } else {
        L43("");
    }
    *xp = x;
    *wp = w;
    *pfwp = pfw;
    *pfxp = pfx;
}

/* Register tile of rows x nv (constants at every call, so the loops unroll and
 * acc[r * nv + v] stays in registers). w: packed weights of the first row, x: &in[0][p],
 * out/res: &out[co][p], bias: &bias[co] or NULL. If `masked`, vector nv-1 holds the lanes
 * of `tail` only; rows >= nrows are not stored. pf_w / pf_x (constants): prefetch the
 * next packed tile from pfw, a line per two input channels, and the next strip's input
 * from pfx, two lines per input channel.
 *
 * The input-channel loop runs two channels per iteration and its prefetch choice is
 * fixed at compile time: every instruction that is not a load or an FMA costs issue
 * slots, and on a core shared with a busy SMT sibling (this machine's usual state: an
 * FMA-only loop keeps its speed while this kernel drops to half) issue width, not the
 * FMA ports, is the limit. 35 instructions per 12 FMAs before (prefetch tests, loop
 * counter every channel), 40 per 24 in C (GCC 12, -O2), 36 in the 4 x 3 tile's assembly
 * loop (loop43), which full strips run. */
GRT_INLINE void tile(const float *w, const float *x, size_t xld, size_t cin, size_t ld,
                     int rows, int nv, int masked, __m256i tail, size_t tn, size_t nrows,
                     const float *bias, const float *res, float *out, const float *pfw,
                     const float *pfx, int pf_w, int pf_x, int act) {
    __m256 acc[MR * NV];
    const float *const wend = w + (cin & ~(size_t)1) * MR;
    if (rows == 4 && nv == 3 && !masked) {
        float bv[4];
        for (int r = 0; r < 4; r++) {
            bv[r] = bias != NULL && (size_t)r < nrows ? bias[r] : 0.0f;
        }
        loop43(acc, bv, &x, &w, wend, xld, ld, &pfw, &pfx, pf_w, pf_x);
    } else {
#pragma GCC unroll 8
        for (int r = 0; r < rows; r++) {
            const __m256 b = _mm256_set1_ps(bias != NULL && (size_t)r < nrows ? bias[r] : 0.0f);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++) {
                acc[r * nv + v] = b;
            }
        }
    }
    while (w != wend) {
        tile_k(acc, w, x, rows, nv, masked, tail);
        tile_k(acc, w + MR, x + xld, rows, nv, masked, tail);
        if (pf_w) {
            _mm_prefetch((const char *)pfw, _MM_HINT_T0);
            pfw += 2 * MR;
        }
        if (pf_x) {
            _mm_prefetch((const char *)pfx, _MM_HINT_T0);
            _mm_prefetch((const char *)(pfx + STRIP - 1), _MM_HINT_T0);
            _mm_prefetch((const char *)(pfx + ld), _MM_HINT_T0);
            _mm_prefetch((const char *)(pfx + ld + STRIP - 1), _MM_HINT_T0);
            pfx += 2 * ld;
        }
        x += 2 * xld;
        w += 2 * MR;
    }
    if (cin & 1) {
        tile_k(acc, w, x, rows, nv, masked, tail);
        if (pf_w) {
            _mm_prefetch((const char *)pfw, _MM_HINT_T0);
        }
        if (pf_x) {
            _mm_prefetch((const char *)pfx, _MM_HINT_T0);
            _mm_prefetch((const char *)(pfx + STRIP - 1), _MM_HINT_T0);
        }
    }
    if (res != NULL) {
#pragma GCC unroll 8
        for (int r = 0; r < rows; r++) {
            if ((size_t)r >= nrows) {
                break;
            }
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++) {
                const float *rr = res + (size_t)r * ld + 8 * v;
                const __m256 y = masked && v == nv - 1 ? _mm256_maskload_ps(rr, tail)
                                                       : _mm256_loadu_ps(rr);
                acc[r * nv + v] = _mm256_add_ps(acc[r * nv + v], y);
            }
        }
    }
    act_all(acc, rows * nv, act);
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
        if ((size_t)r >= nrows) {
            break;
        }
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            float *o = out + (size_t)r * ld + 8 * v;
            if (masked && v == nv - 1) {
                grt_store_first_ps256(o, acc[r * nv + v], tn);
            } else {
                _mm256_storeu_ps(o, acc[r * nv + v]);
            }
        }
    }
}

/* One pixel of the nch <= MR output channels of packed tile w (cin x MR floats): vectors
 * along output channels, one broadcast input value and one weight vector per input channel,
 * four partial sums so four FMAs are in flight. xt: the pixel's cin input values,
 * contiguous; out/res: &out[co][pixel], channels ld floats apart; bias: &bias[co] or NULL. */
static void px1_tile(const float *xt, size_t cin, const float *w, const float *bias,
                     const float *res, float *out, size_t ld, size_t nch, int act) {
    __m256 a0 = bias != NULL ? _mm256_maskload_ps(bias, grt_mask_avx2(nch)) : _mm256_setzero_ps();
    __m256 a1 = _mm256_setzero_ps(), a2 = a1, a3 = a1;
    size_t ci = 0;
    for (; ci + 4 <= cin; ci += 4, w += 4 * MR) {
        a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(xt + ci), _mm256_loadu_ps(w), a0);
        a1 = _mm256_fmadd_ps(_mm256_broadcast_ss(xt + ci + 1), _mm256_loadu_ps(w + MR), a1);
        a2 = _mm256_fmadd_ps(_mm256_broadcast_ss(xt + ci + 2), _mm256_loadu_ps(w + 2 * MR), a2);
        a3 = _mm256_fmadd_ps(_mm256_broadcast_ss(xt + ci + 3), _mm256_loadu_ps(w + 3 * MR), a3);
    }
    for (; ci < cin; ci++, w += MR) {
        a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(xt + ci), _mm256_loadu_ps(w), a0);
    }
    float v[8] = {0};
    if (res != NULL) {
        for (size_t c = 0; c < nch; c++) {
            v[c] = res[c * ld];
        }
    }
    const __m256 y = grt_act_avx2(
        _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                      _mm256_loadu_ps(v)),
        act);
    _mm256_storeu_ps(v, y);
    for (size_t c = 0; c < nch; c++) {
        out[c * ld] = v[c];
    }
}

/* Pixels [p, p + 8 (nv - 1) + lanes of tail) of every output channel, in tiles of `rows`
 * (4 or 8) output channels. The tiles read the strip's input from x, input channels xld
 * floats apart: in + p itself (xld = ld) or a packed copy (strips_packed). */
GRT_INLINE void strip(const float *in, const float *x, size_t xld, size_t cin, size_t ld,
                      const float *weight, const float *bias, const float *residual, float *out,
                      size_t cout, int act, size_t p, int rows, int nv, int masked, __m256i tail,
                      size_t tn, int pf, int next, const float *xt) {
    for (size_t co = 0; co < cout; co += (size_t)rows) {
        const float *pfw = pf && co % MR == 0 && co + MR < cout
                               ? weight + (co / MR + 1) * MR * cin
                               : NULL;
        const size_t left = cout - co < (size_t)rows ? cout - co : (size_t)rows;
        /* Row co of the packed weights: tile co / MR, lane co % MR of it. */
        const float *w = weight + (co / MR) * MR * cin + co % MR;
        const float *b = bias != NULL ? bias + co : NULL;
        const float *r = residual != NULL ? residual + co * ld + p : NULL;
        /* The first tile of a strip prefetches the next strip's input (see the top). */
        const float *pfx = co == 0 && next ? in + p + STRIP : NULL;
        float *o = out + co * ld + p;
        if (pfx != NULL && pfw != NULL) {
            tile(w, x, xld, cin, ld, rows, nv, masked, tail, tn, left, b, r, o, pfw, pfx, 1, 1,
                 act);
        } else if (pfx != NULL) {
            tile(w, x, xld, cin, ld, rows, nv, masked, tail, tn, left, b, r, o, pfw, pfx, 0, 1,
                 act);
        } else if (pfw != NULL) {
            tile(w, x, xld, cin, ld, rows, nv, masked, tail, tn, left, b, r, o, pfw, pfx, 1, 0,
                 act);
        } else {
            tile(w, x, xld, cin, ld, rows, nv, masked, tail, tn, left, b, r, o, pfw, pfx, 0, 0,
                 act);
        }
        /* The one pixel after the strips (xt), for a packed tile whose strip is done, while
         * its weights are in L1. */
        if (xt != NULL && ((co + (size_t)rows) % MR == 0 || co + (size_t)rows >= cout)) {
            const size_t c8 = co / MR * MR, pt = p + STRIP;
            const size_t nch = cout - c8 < MR ? cout - c8 : MR;
            px1_tile(xt, cin, weight + c8 * cin, bias != NULL ? bias + c8 : NULL,
                     residual != NULL ? residual + c8 * ld + pt : NULL, out + c8 * ld + pt, ld,
                     nch, act);
        }
    }
}

/* The full strips through a packed copy: each strip's cin x STRIP input is copied to an
 * aligned scratch (rows STRIP floats apart) and every output-channel tile reads the copy.
 * Where the input's channel rows are not 32-byte aligned (ld % 8 != 0: a 14x14 map's rows
 * are 784 bytes apart) a quarter of the pixel-vector loads cross a cache line, and such a
 * load takes two load slots: the copy pays that once per strip instead of once per tile
 * (224 -> 672 at 14x14 0.85x the time, alternating). Returns the first pixel not done. */
static size_t strips_packed(const float *in, size_t cin, size_t hw, size_t ld,
                            const float *weight, const float *bias, const float *residual,
                            float *out, size_t cout, int act) {
    float buf[PACK_MAX_CIN * STRIP] __attribute__((aligned(32)));
    float xt[PACK_MAX_CIN];
    const __m256i all = _mm256_set1_epi32(-1);
    const int px1 = hw % STRIP == 1;
    if (px1) {
        for (size_t ci = 0; ci < cin; ci++) {
            xt[ci] = in[ci * ld + hw - 1];
        }
    }
    size_t p = 0;
    for (; p + STRIP <= hw; p += STRIP) {
        const float *x = in + p;
        float *d = buf;
        for (size_t ci = 0; ci < cin; ci++, x += ld, d += STRIP) {
            const __m256 a = _mm256_loadu_ps(x);
            const __m256 b = _mm256_loadu_ps(x + 8);
            const __m256 c = _mm256_loadu_ps(x + 16);
            _mm256_store_ps(d, a);
            _mm256_store_ps(d + 8, b);
            _mm256_store_ps(d + 16, c);
        }
        strip(in, buf, STRIP, cin, ld, weight, bias, residual, out, cout, act, p, 4, NV, 0, all,
              8, p == 0, p + STRIP < hw, px1 && p + STRIP + 1 == hw ? xt : NULL);
    }
    return px1 ? hw : p;
}

/* L1 sets (of 64 lines each 64 bytes: 32 KiB, 8-way) that the first lines of a map's channel
 * rows, ld floats apart, fall into. */
static size_t row_sets(size_t ld) {
    const size_t bytes = ld * sizeof(float);
    if (bytes % 64 != 0) {
        return 64; /* the rows' offsets within a line drift: all sets */
    }
    size_t a = bytes / 64 % 64, b = 64; /* gcd(lines between rows, 64) */
    while (a != 0) {
        const size_t t = b % a;
        b = a;
        a = t;
    }
    return 64 / b;
}

/* Packed strips where the copy fits the scratch, enough output-channel tiles share it, and
 * either the input's channel rows are not 32-byte aligned or they crowd a few L1 sets: rows a
 * multiple of 1 KiB apart (112x112: 50176 bytes, 4 sets) evict each other and the output rows
 * between input channels once cin >= 3 x the sets they share (8 ways, 2 lines a row). From
 * L2/L3, alternating, aligned rows, all packed against none: 32 -> 48 at 112x112 0.75x the
 * time, 32 -> 16 0.85x, 16 -> 24 0.91x, 16 -> 32 0.90x, but 8 -> 16 1.05x; 48 -> 72 and
 * 72 -> 48 at 56x56 (16 sets) 0.92x, but 24 -> 36 and 36 -> 24 1.03-1.04x; at 28x28 (all
 * 64 sets) 240 -> 80 0.94x, 40 -> 60 1.08x. Two strips per copy (192-byte rows, whole
 * lines) were slower from 48 input channels on (224 -> 672 at 14x14 1.22x): their copy
 * outgrows L1. */
static int use_packed_strips(const float *in, size_t cin, size_t hw, size_t ld, size_t cout) {
    const int aligned = ld % 8 == 0 && ((size_t)in & 31) == 0;
    return hw >= STRIP && cin <= PACK_MAX_CIN && cout >= PACK_MIN_COUT &&
           (!aligned || cin >= 3 * row_sets(ld));
}

/* The partial last strip of n = 1..23 pixels, out of line: it runs once per call. */
static void strip_part(const float *in, size_t cin, size_t ld, const float *weight,
                       const float *bias, const float *residual, float *out, size_t cout,
                       int act, size_t p, size_t n, int pf) {
    const size_t tn = n - 8 * ((n - 1) / 8); /* lanes of the last vector */
    const __m256i tail = grt_mask_avx2(tn);
    if (n > 16) {
        strip(in, in + p, ld, cin, ld, weight, bias, residual, out, cout, act, p, 4, 3, 1, tail,
              tn, pf, 0, NULL);
    } else if (n > 8) {
        strip(in, in + p, ld, cin, ld, weight, bias, residual, out, cout, act, p, 4, 2, 1, tail,
              tn, pf, 0, NULL);
    } else {
        strip(in, in + p, ld, cin, ld, weight, bias, residual, out, cout, act, p, 8, 1, 1, tail,
              tn, pf, 0, NULL);
    }
}

/* grt_pf (x86/gemm_epilogue.h): the next block's weight lines a channel tile prefetches. */


/* One input channel of a channel tile: nj weight vectors, each of the CNP pixels of x
 * (at off[q]) broadcast into nj FMAs. */
GRT_INLINE void channel_k(__m256 *acc, const float *w, size_t wstride, const float *x,
                          const size_t *off, int nj) {
    __m256 wv[CNJ];
#pragma GCC unroll 4
    for (int j = 0; j < nj; j++) {
        wv[j] = _mm256_loadu_ps(w + j * wstride);
    }
#pragma GCC unroll 4
    for (int q = 0; q < CNP; q++) {
        const __m256 xb = _mm256_broadcast_ss(x + off[q]);
#pragma GCC unroll 4
        for (int j = 0; j < nj; j++) {
            acc[q * nj + j] = _mm256_fmadd_ps(xb, wv[j], acc[q * nj + j]);
        }
    }
}

/* Channel tile: np <= CNP pixels x nj (constant) ymm of 8 output channels, the first
 * nch <= 8 nj of them stored. w: packed tile of the first 8 channels (the next tiles follow
 * every wstride floats), x: &in[0][p], out/res: &out[co][p], bias: &bias[co] or NULL.
 * acc[q * nj + j] holds pixel q of channels 8j..8j+7. cin input channels from w and x;
 * first: start at the bias (else at part), last: finish and store (else save the sums to
 * part, CNP * CNJ vectors). Slots q >= np repeat pixel np - 1 and are not stored. */
GRT_INLINE void channel_tile(const float *w, size_t wstride, const float *x, size_t cin,
                             size_t ld, int nj, size_t nch, size_t np, const float *bias,
                             const float *res, float *out, __m256 *part, int first, int last,
                             const grt_pf *pf, int act) {
    __m256 acc[CNP * CNJ];
#pragma GCC unroll 4
    for (int j = 0; j < nj; j++) {
        const size_t n = nch - 8 * (size_t)j; /* >= 1: nj = ceil(nch / 8) */
        const __m256 b = bias != NULL ? _mm256_maskload_ps(bias + 8 * j, grt_mask_avx2(n < 8 ? n : 8))
                                      : _mm256_setzero_ps();
#pragma GCC unroll 4
        for (int q = 0; q < CNP; q++) {
            acc[q * nj + j] = first ? b : part[q * nj + j];
        }
    }
    size_t off[CNP];
#pragma GCC unroll 4
    for (int q = 0; q < CNP; q++) {
        off[q] = (size_t)q < np ? (size_t)q : np - 1;
    }
    /* The first pw.left input channels also prefetch a line each; the rest have nothing
     * else in the loop (see tile()). */
    grt_pf_walk pw = grt_pf_begin(pf, MR);
    const size_t npf = pw.left < cin ? pw.left : cin;
    for (size_t ci = 0; ci < npf; ci++) {
        channel_k(acc, w, wstride, x, off, nj);
        grt_pf_next(&pw, pf, MR);
        x += ld;
        w += MR;
    }
    /* One channel per iteration: two let the compiler interleave them, and with all 16
     * registers taken by one it then reads the weights as FMA memory operands (26 loads
     * per 24 FMAs). */
    const float *const wend = w + (cin - npf) * MR;
    while (w != wend) {
        channel_k(acc, w, wstride, x, off, nj);
        x += ld;
        w += MR;
    }
    if (!last) {
#pragma GCC unroll 16
        for (int i = 0; i < CNP * nj; i++) {
            part[i] = acc[i];
        }
        return;
    }
    const __m128i pm = _mm_cmpgt_epi32(_mm_set1_epi32((int)np), _mm_setr_epi32(0, 1, 2, 3));
#pragma GCC unroll 4
    for (int j = 0; j < nj; j++) {
        /* 4 pixels x 8 channels -> u[c]: channel c (low 128 bits) and c + 4 (high), 4 pixels. */
        const __m256 t0 = _mm256_unpacklo_ps(acc[0 * nj + j], acc[1 * nj + j]);
        const __m256 t1 = _mm256_unpackhi_ps(acc[0 * nj + j], acc[1 * nj + j]);
        const __m256 t2 = _mm256_unpacklo_ps(acc[2 * nj + j], acc[3 * nj + j]);
        const __m256 t3 = _mm256_unpackhi_ps(acc[2 * nj + j], acc[3 * nj + j]);
        const __m256 u[4] = {_mm256_shuffle_ps(t0, t2, 0x44), _mm256_shuffle_ps(t0, t2, 0xee),
                             _mm256_shuffle_ps(t1, t3, 0x44), _mm256_shuffle_ps(t1, t3, 0xee)};
#pragma GCC unroll 8
        for (int c = 0; c < 8; c++) {
            const size_t ch = 8 * (size_t)j + (size_t)c;
            if (ch >= nch) {
                break;
            }
            __m128 v = c < 4 ? _mm256_castps256_ps128(u[c]) : _mm256_extractf128_ps(u[c - 4], 1);
            if (res != NULL) {
                v = _mm_add_ps(v, _mm_maskload_ps(res + ch * ld, pm));
            }
            grt_store_first_ps128(out + ch * ld, grt_act_sse(v, act), np);
        }
    }
}

/* One out-of-line copy per channel-tile width. */
static void channel_tile_any(const float *w, size_t wstride, const float *x, size_t cin,
                             size_t ld, size_t nch, size_t np, const float *bias,
                             const float *res, float *out, __m256 *part, int first, int last,
                             const grt_pf *pf, int act) {
    if (nch > 16) {
        channel_tile(w, wstride, x, cin, ld, 3, nch, np, bias, res, out, part, first, last, pf,
                     act);
    } else if (nch > 8) {
        channel_tile(w, wstride, x, cin, ld, 2, nch, np, bias, res, out, part, first, last, pf,
                     act);
    } else {
        channel_tile(w, wstride, x, cin, ld, 1, nch, np, bias, res, out, part, first, last, pf,
                     act);
    }
}

/* Channel tiles: groups of 24 output channels outside, blocks of CKC input channels, then
 * pixel tiles, so a block's weights (CKC x 24 floats) stay in L1 while the pixels pass;
 * partial sums are kept between blocks, in the same order as one pass. While a block runs,
 * its pixel tiles share out the prefetch of the next block's weights (the group's next CKC
 * rows, or the next group's first): in a network they come from L3 once per image. */
static void channel_tiles(const float *in, size_t cin, size_t hw, size_t ld, const float *weight,
                          const float *bias, const float *residual, float *out, size_t cout,
                          int act) {
    __m256 part[(CH_MAX_HW + CNP - 1) / CNP * CNP * CNJ];
    const size_t ntiles = (hw + CNP - 1) / CNP;
    /* Groups of at most CNJ packed tiles, as even as possible (80 channels: 3 + 3 + 2 + 2
     * tiles, not 3 + 3 + 3 + 1, whose last group keeps only 4 FMA chains busy). */
    const size_t tiles = (cout + 7) / 8;
    const size_t groups = (tiles + CNJ - 1) / CNJ;
    for (size_t g = 0, co = 0; g < groups; g++) {
        const size_t gt = tiles / groups + (g < tiles % groups ? 1 : 0);
        const size_t nch = cout - co < 8 * gt ? cout - co : 8 * gt;
        const float *b = bias != NULL ? bias + co : NULL;
        /* The next group's tiles, for the prefetch of its first block. */
        const size_t next_gt = g + 1 < groups ? tiles / groups + (g + 1 < tiles % groups ? 1 : 0) : 0;
        for (size_t k0 = 0; k0 < cin; k0 += CKC) {
            const size_t kc = cin - k0 < CKC ? cin - k0 : CKC;
            grt_pf pf = {NULL, MR * cin, 1, 0, 0};
            size_t lines = 0; /* one per target-block row and packed tile */
            if (k0 + kc < cin) {
                pf.base = weight + co * cin + (k0 + kc) * MR;
                pf.rows = cin - k0 - kc < CKC ? cin - k0 - kc : CKC;
                lines = pf.rows * ((nch + 7) / 8);
            } else if (next_gt > 0) {
                pf.base = weight + (co + 8 * gt) * cin;
                pf.rows = cin < CKC ? cin : CKC;
                lines = pf.rows * next_gt;
            }
            for (size_t p = 0, t = 0; p < hw; p += CNP, t++) {
                const size_t np = hw - p < CNP ? hw - p : CNP;
                const float *r = residual != NULL ? residual + co * ld + p : NULL;
                pf.first = lines * t / ntiles;
                pf.count = lines * (t + 1) / ntiles - pf.first;
                if (pf.count > kc) { /* one prefetch per input channel of the tile */
                    pf.count = kc;
                }
                channel_tile_any(weight + co * cin + k0 * MR, MR * cin, in + k0 * ld + p, kc, ld,
                                 nch, np, b, r, out + co * ld + p, part + t * CNP * CNJ, k0 == 0,
                                 k0 + kc == cin, &pf, act);
            }
        }
        co += 8 * gt;
    }
}

/* One group of nj (constant) packed tiles for the one-pixel tail: vectors along output
 * channels, per input channel one broadcast pixel and nj weight vectors, in two partial sums
 * (even and odd input channels) so two FMAs per chain are in flight. w: packed tile of the
 * group's first 8 channels (the next ones every wstride floats), x: &in[0][p], out/res:
 * &out[co][p], bias: &bias[co] or NULL; the first nch <= 8 nj channels are stored. */
GRT_INLINE void px1_group(const float *x, size_t cin, size_t ld, const float *w, size_t wstride,
                          const float *bias, const float *res, float *out, size_t nch, int act,
                          int nj) {
    __m256 a[CNJ], b[CNJ];
#pragma GCC unroll 4
    for (int j = 0; j < nj; j++) {
        const size_t n = nch - 8 * (size_t)j < 8 ? nch - 8 * (size_t)j : 8;
        a[j] = bias != NULL ? _mm256_maskload_ps(bias + 8 * j, grt_mask_avx2(n))
                            : _mm256_setzero_ps();
        b[j] = _mm256_setzero_ps();
    }
    const float *const wend = w + (cin & ~(size_t)1) * MR;
    while (w != wend) {
        const __m256 x0 = _mm256_broadcast_ss(x);
        const __m256 x1 = _mm256_broadcast_ss(x + ld);
#pragma GCC unroll 4
        for (int j = 0; j < nj; j++) {
            a[j] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w + (size_t)j * wstride), a[j]);
            b[j] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w + (size_t)j * wstride + MR), b[j]);
        }
        x += 2 * ld;
        w += 2 * MR;
    }
    if (cin & 1) {
        const __m256 x0 = _mm256_broadcast_ss(x);
#pragma GCC unroll 4
        for (int j = 0; j < nj; j++) {
            a[j] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w + (size_t)j * wstride), a[j]);
        }
    }
#pragma GCC unroll 4
    for (int j = 0; j < nj; j++) {
        const size_t n = nch - 8 * (size_t)j < 8 ? nch - 8 * (size_t)j : 8;
        float v[8] = {0};
        if (res != NULL) {
            for (size_t c = 0; c < n; c++) {
                v[c] = res[(8 * (size_t)j + c) * ld];
            }
        }
        const __m256 y = grt_act_avx2(
            _mm256_add_ps(_mm256_add_ps(a[j], b[j]), _mm256_loadu_ps(v)), act);
        _mm256_storeu_ps(v, y);
        for (size_t c = 0; c < n; c++) {
            out[(8 * (size_t)j + c) * ld] = v[c];
        }
    }
}

/* The one pixel left after full strips (49 = 2 x 24 + 1 at 7x7), for every output channel,
 * in groups of CNJ packed tiles: 3 useful FMAs per input channel and group, where a channel
 * tile would run its 4 pixel slots on the one pixel (12 FMAs). */
static void tail_px1(const float *in, size_t cin, size_t ld, const float *weight,
                     const float *bias, const float *residual, float *out, size_t cout,
                     int act) {
    const size_t tiles = (cout + MR - 1) / MR;
    for (size_t t = 0; t < tiles; t += CNJ) {
        const size_t co = t * MR, nch = cout - co < CNJ * MR ? cout - co : CNJ * MR;
        const float *w = weight + co * cin;
        const float *b = bias != NULL ? bias + co : NULL;
        const float *r = residual != NULL ? residual + co * ld : NULL;
        float *o = out + co * ld;
        if (nch > 16) {
            px1_group(in, cin, ld, w, MR * cin, b, r, o, nch, act, 3);
        } else if (nch > 8) {
            px1_group(in, cin, ld, w, MR * cin, b, r, o, nch, act, 2);
        } else {
            px1_group(in, cin, ld, w, MR * cin, b, r, o, nch, act, 1);
        }
    }
}

/* Channel tiles when they compute fewer padded outputs than pixel strips: full strips of
 * STRIP pixels, then a tail of one pixel (tail_px1), of 2..CNP pixels as a channel tile, or a
 * strip rounded up to 8 (channel tiles round hw up to CNP and cout to 8, strips cout to 4).
 * On a tie, strips: with their input packed (see strips_packed) they beat channel tiles at
 * 7x7 (alternating, hot: 160 -> 960 0.88x the time, 320 -> 960 and 960 -> 320 0.92x,
 * 128 -> 128 at 10x10 0.87x), which before the packed copy were 1.22-1.33x faster there. */
static int use_channel_tiles(size_t cin, size_t hw, size_t cout) {
    if (hw > CH_MAX_HW || cin < CT_MIN_CIN) {
        return 0;
    }
    const size_t full = hw / STRIP * STRIP, rem = hw - full;
    const size_t tail = rem == 0         ? 0
                        : full > 0 && rem == 1 ? 2 /* tail_px1: load-bound, half speed */
                        : full > 0 && rem <= CNP ? CNP
                                                 : (rem + 7) / 8 * 8;
    const size_t channel = (hw + CNP - 1) / CNP * CNP * ((cout + 7) / 8 * 8);
    const size_t pixel = (full + tail) * ((cout + 3) / 4 * 4);
    return channel < pixel;
}

void grt_f32_conv1x1_avx2(const float *in, size_t cin, size_t hw, size_t ld, const float *weight,
                          const float *bias, const float *residual, float *out, size_t cout,
                          int act) {
    if (use_channel_tiles(cin, hw, cout)) {
        channel_tiles(in, cin, hw, ld, weight, bias, residual, out, cout, act);
        return;
    }
    const __m256i all = _mm256_set1_epi32(-1);
    size_t p = 0;
    int pf = 1; /* the first strip prefetches; later strips find the weights in L2 */
    if (use_packed_strips(in, cin, hw, ld, cout)) {
        p = strips_packed(in, cin, hw, ld, weight, bias, residual, out, cout, act);
        pf = 0;
    }
    for (; p + STRIP <= hw; p += STRIP) {
        strip(in, in + p, ld, cin, ld, weight, bias, residual, out, cout, act, p, 4, NV, 0, all,
              8, pf, p + STRIP < hw, NULL);
        pf = 0;
    }
    if (p > 0 && hw - p == 1) {
        tail_px1(in + p, cin, ld, weight, bias, residual != NULL ? residual + p : NULL, out + p,
                 cout, act);
    } else if (p > 0 && p < hw && hw - p <= CNP && cin >= CT_MIN_CIN) {
        /* A tail of 2..4 pixels after full strips (196 = 8 x 24 + 4 at 14x14) as one channel
         * tile rather than an 8 x 1 strip (8 FMAs per 9 loads, every weight read again). */
        channel_tiles(in + p, cin, hw - p, ld, weight, bias,
                      residual != NULL ? residual + p : NULL, out + p, cout, act);
    } else if (p < hw) {
        strip_part(in, cin, ld, weight, bias, residual, out, cout, act, p, hw - p, pf);
    }
}
