/* grt_neon_dwconv_4c: depthwise KxK convolution (K in {3, 5}, stride 1 or 2, pad < K) with
 * 4 channels per register: lane l of every vector is channel c0 + l. Called by
 * f32_dwconv_neon.c for channels [0, c & ~3) of every such layer (w + 2 pad <= 256).
 *
 * The idea is ncnn's pack4 layout (convolutiondepthwise_3x3_pack4.h), applied inside the
 * kernel instead of to the network: 4 planes of the NCHW input are transposed, one band of
 * rows at a time, into a stack buffer of zero-padded rows of pixels, each pixel a vector of
 * the 4 channels ([row][col][4]). Then
 * - every tap is one vector of 4 channels' weights and every output pixel is one vector, so
 *   a tap is one vector-by-vector FMA per output pixel, whatever the width of the plane: no
 *   row-end vectors, no column masks, no partial vectors but the last pixels of a row;
 * - the padding is real zeros in the buffer (its border columns are cleared once per call,
 *   rows outside the image per band), so no tap is masked and nothing reads outside `in`;
 * - stride 2 is a pointer step of 2 pixels (no deinterleaving loads).
 * The transposes cost one LD4 (single lane) per 4 floats in: lane l of 4 registers from
 * plane l, and one ST4 (single lane) per 4 floats out, so residual and output stay NCHW.
 * Register tile: 4 output pixels of one row (4 accumulators); the inputs of one kernel row
 * of the tile are (4 - 1) S + K pixel vectors. A band of output rows of any (K, S) is one
 * asm call (band_a64 / band<K>s<S>_v7): per row its tiles, then for ow % 4 != 0 one tail
 * tile that starts 4 - ow % 4 pixels early, computes only its last ow % 4 accumulators and
 * stores those pixels (a residual aliasing the output is never read after it is written).
 * The input rows of a band and the taps are transposed by asm too (transpose_rows,
 * transpose_taps). Hard-sigmoid and rows narrower than 4 pixels run the intrinsics tile
 * (`tile`). Register maps: at the asm tiles (aarch64 above band_a64, armv7 V7_DW*_TILE).
 * The long asm tile bodies are printed by the scripts in kernels/neon/gen/ (its README).
 * Each element sums its taps in (ky, kx) order, then adds the bias and the residual.
 * Preconditions: as grt_f32_dwconv_neon, c a multiple of 4, w + 2 pad <= GRT_DW4C_MAX_PW.
 */
#include "dwconv_neon.h"

/* Pixels (vectors of 4 floats) of the band buffer: 64 KiB of stack. */
#define BUF_PX 4096

/* The transposes are assembly: GCC 12 moves the register tuples of LD4 / ST4 (single lane)
 * through the stack (4 extra stores and a reload per instruction). The tuple lives in
 * v16..v19 (aarch64) / q8..q11 (armv7), bound to C values by register variables; lane l
 * comes from plane l, the pointer stepping by the plane stride ps (bytes) after each. */
#ifdef __aarch64__
#define T_DECL                                                                                 \
    register float32x4_t v0 __asm__("v16");                                                    \
    register float32x4_t v1 __asm__("v17");                                                    \
    register float32x4_t v2 __asm__("v18");                                                    \
    register float32x4_t v3 __asm__("v19")
#define T_BODY(ins, regs)                                                                      \
    ins " " regs "[0], [%[x]], %[ps]\n\t" ins " " regs "[1], [%[x]], %[ps]\n\t" ins " " regs      \
        "[2], [%[x]], %[ps]\n\t" ins " " regs "[3], [%[x]]\n\t"
#define T_LD4 T_BODY("ld4", "{v16.s, v17.s, v18.s, v19.s}")
#define T_LD3 T_BODY("ld3", "{v16.s, v17.s, v18.s}")
#define T_LD2 T_BODY("ld2", "{v16.s, v17.s}")
#define T_LD1 T_BODY("ld1", "{v16.s}")
#define T_ST4 T_BODY("st4", "{v16.s, v17.s, v18.s, v19.s}")
#define T_ST3 T_BODY("st3", "{v16.s, v17.s, v18.s}")
#define T_ST2 T_BODY("st2", "{v16.s, v17.s}")
#define T_ST1 T_BODY("st1", "{v16.s}")
#else
#define T_DECL                                                                                 \
    register float32x4_t v0 __asm__("q8");                                                     \
    register float32x4_t v1 __asm__("q9");                                                     \
    register float32x4_t v2 __asm__("q10");                                                    \
    register float32x4_t v3 __asm__("q11")
#define T_BODY(ins, l0, l1, l2, l3)                                                            \
    ins " " l0 ", [%[x]], %[ps]\n\t" ins " " l1 ", [%[x]], %[ps]\n\t" ins " " l2                 \
        ", [%[x]], %[ps]\n\t" ins " " l3 ", [%[x]]\n\t"
#define T_LANES4(ins)                                                                          \
    T_BODY(ins, "{d16[0], d18[0], d20[0], d22[0]}", "{d16[1], d18[1], d20[1], d22[1]}",        \
           "{d17[0], d19[0], d21[0], d23[0]}", "{d17[1], d19[1], d21[1], d23[1]}")
#define T_LANES3(ins)                                                                          \
    T_BODY(ins, "{d16[0], d18[0], d20[0]}", "{d16[1], d18[1], d20[1]}",                        \
           "{d17[0], d19[0], d21[0]}", "{d17[1], d19[1], d21[1]}")
#define T_LANES2(ins)                                                                          \
    T_BODY(ins, "{d16[0], d18[0]}", "{d16[1], d18[1]}", "{d17[0], d19[0]}", "{d17[1], d19[1]}")
#define T_LANES1(ins) T_BODY(ins, "{d16[0]}", "{d16[1]}", "{d17[0]}", "{d17[1]}")
#define T_LD4 T_LANES4("vld4.32")
#define T_LD3 T_LANES3("vld3.32")
#define T_LD2 T_LANES2("vld2.32")
#define T_LD1 T_LANES1("vld1.32")
#define T_ST4 T_LANES4("vst4.32")
#define T_ST3 T_LANES3("vst3.32")
#define T_ST2 T_LANES2("vst2.32")
#define T_ST1 T_LANES1("vst1.32")
#endif

/* v[j] lane l = p[l * ps / 4 + j], j < n (n = 1..4). */
GRT_INLINE void load_tn(const float *p, size_t ps, float32x4_t v[4], const int n) {
    T_DECL;
    const float *x = p;
    if (n == 4) {
        __asm__(T_LD4 : "=w"(v0), "=w"(v1), "=w"(v2), "=w"(v3), [x] "+r"(x) : [ps] "r"(ps)
                : "memory");
        v[3] = v3;
    } else if (n == 3) {
        __asm__(T_LD3 : "=w"(v0), "=w"(v1), "=w"(v2), [x] "+r"(x) : [ps] "r"(ps) : "memory");
    } else if (n == 2) {
        __asm__(T_LD2 : "=w"(v0), "=w"(v1), [x] "+r"(x) : [ps] "r"(ps) : "memory");
    } else {
        __asm__(T_LD1 : "=w"(v0), [x] "+r"(x) : [ps] "r"(ps) : "memory");
    }
    v[0] = v0;
    if (n > 1) {
        v[1] = v1;
    }
    if (n > 2) {
        v[2] = v2;
    }
}

/* o[l * ps / 4 + j] = v[j] lane l, j < n. */
GRT_INLINE void store_tn(float *o, size_t ps, const float32x4_t v[4], const int n) {
    T_DECL;
    float *x = o;
    v0 = v[0];
    if (n == 4) {
        v1 = v[1];
        v2 = v[2];
        v3 = v[3];
        __asm__ volatile(T_ST4 : [x] "+r"(x) : "w"(v0), "w"(v1), "w"(v2), "w"(v3), [ps] "r"(ps)
                         : "memory");
    } else if (n == 3) {
        v1 = v[1];
        v2 = v[2];
        __asm__ volatile(T_ST3 : [x] "+r"(x) : "w"(v0), "w"(v1), "w"(v2), [ps] "r"(ps)
                         : "memory");
    } else if (n == 2) {
        v1 = v[1];
        __asm__ volatile(T_ST2 : [x] "+r"(x) : "w"(v0), "w"(v1), [ps] "r"(ps) : "memory");
    } else {
        __asm__ volatile(T_ST1 : [x] "+r"(x) : "w"(v0), [ps] "r"(ps) : "memory");
    }
}

/* Rows [y, y + nrows) of the 4 planes (plane stride ps bytes, w >= 4) into the buffer rows
 * from b (pw pixels apart). 4 pixels per turn: one LD4 (single lane) per plane and one store
 * of the 4 pixel vectors. A row's first turn takes pixels 0..3 and steps by fb = the
 * pixels of w up to the next multiple of 4 less 4, so the next turns end at w (the last
 * 4 - fb pixels are transposed twice); the planes' rows are contiguous, so the plane
 * pointers then are at the next row. */
#ifdef __aarch64__
GRT_INLINE void transpose_rows(const float *p, size_t ps, size_t w, size_t nrows, float *b,
                               size_t pw) {
    const float *p0 = p, *p1 = (const float *)((const char *)p + ps);
    const float *p2 = (const float *)((const char *)p + 2 * ps);
    const float *p3 = (const float *)((const char *)p + 3 * ps);
    float *bb = b;
    const size_t fb = ((w - 1) % 4 + 1) * 4, m = (w - fb / 4) / 4, pad2 = (pw - w) * 16;
    size_t n, rows = nrows;
    __asm__ volatile("1:\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[0], [%[p0]], %[fb]\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[1], [%[p1]], %[fb]\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[2], [%[p2]], %[fb]\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[3], [%[p3]], %[fb]\n\t"
                     "st1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[fb4]\n\t"
                     "cbz %[m], 3f\n\t"
                     "mov %[n], %[m]\n\t"
                     "2:\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[0], [%[p0]], #16\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[1], [%[p1]], #16\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[2], [%[p2]], #16\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[3], [%[p3]], #16\n\t"
                     "st1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], #64\n\t"
                     "subs %[n], %[n], #1\n\t"
                     "b.ne 2b\n\t"
                     "3:\n\t"
                     "add %[b], %[b], %[pad2]\n\t"
                     "subs %[rows], %[rows], #1\n\t"
                     "b.ne 1b\n\t"
                     : [p0] "+r"(p0), [p1] "+r"(p1), [p2] "+r"(p2), [p3] "+r"(p3),
                       [b] "+r"(bb), [n] "=&r"(n), [rows] "+r"(rows)
                     : [fb] "r"(fb), [fb4] "r"(4 * fb), [m] "r"(m), [pad2] "r"(pad2)
                     : "v16", "v17", "v18", "v19", "cc", "memory");
}
#else
/* The same with one plane pointer stepping by ps (the last step, psb = 16 - 3 ps, wraps back
 * to plane 0 at the next pixels; psf = fb - 3 ps in the first turn). Out of line: 10 core
 * registers. */
static __attribute__((noinline)) void transpose_rows(const float *p, size_t ps, size_t w,
                                                     size_t nrows, float *b, size_t pw) {
    const float *q = p;
    float *bb = b;
    const size_t fb = ((w - 1) % 4 + 1) * 4, m = (w - fb / 4) / 4, pad2 = (pw - w) * 16;
    const size_t psb = 16 - 3 * ps, psf = fb - 3 * ps;
    size_t n, rows = nrows;
    __asm__ volatile("1:\n\t"
                     "vld4.32 {d16[0], d18[0], d20[0], d22[0]}, [%[q]], %[ps]\n\t"
                     "vld4.32 {d16[1], d18[1], d20[1], d22[1]}, [%[q]], %[ps]\n\t"
                     "vld4.32 {d17[0], d19[0], d21[0], d23[0]}, [%[q]], %[ps]\n\t"
                     "vld4.32 {d17[1], d19[1], d21[1], d23[1]}, [%[q]], %[psf]\n\t"
                     "vstmia %[b], {d16-d23}\n\t"
                     "add %[b], %[b], %[fb4]\n\t"
                     "movs %[n], %[m]\n\t"
                     "beq 3f\n\t"
                     "2:\n\t"
                     "vld4.32 {d16[0], d18[0], d20[0], d22[0]}, [%[q]], %[ps]\n\t"
                     "vld4.32 {d16[1], d18[1], d20[1], d22[1]}, [%[q]], %[ps]\n\t"
                     "vld4.32 {d17[0], d19[0], d21[0], d23[0]}, [%[q]], %[ps]\n\t"
                     "vld4.32 {d17[1], d19[1], d21[1], d23[1]}, [%[q]], %[psb]\n\t"
                     "vstmia %[b]!, {d16-d23}\n\t"
                     "subs %[n], %[n], #1\n\t"
                     "bne 2b\n\t"
                     "3:\n\t"
                     "add %[b], %[b], %[pad2]\n\t"
                     "subs %[rows], %[rows], #1\n\t"
                     "bne 1b\n\t"
                     : [q] "+r"(q), [b] "+r"(bb), [n] "=&r"(n), [rows] "+r"(rows)
                     : [ps] "r"(ps), [psb] "r"(psb), [psf] "r"(psf), [fb4] "r"(4 * fb),
                       [m] "r"(m), [pad2] "r"(pad2)
                     : "q8", "q9", "q10", "q11", "cc", "memory");
}
#endif

/* The KK (9 or 25) taps of 4 channels (weights wt, KK floats per channel) into KK vectors
 * at tm: 4 taps per turn by LD4 (single lane), then the last by LD1 (single lane). */
#ifdef __aarch64__
GRT_INLINE void transpose_taps(const float *wt, size_t KK, float *tm) {
    const float *p0 = wt, *p1 = wt + KK, *p2 = wt + 2 * KK, *p3 = wt + 3 * KK;
    float *t = tm;
    size_t n = KK / 4;
    __asm__ volatile("1:\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[0], [%[p0]], #16\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[1], [%[p1]], #16\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[2], [%[p2]], #16\n\t"
                     "ld4 {v16.s, v17.s, v18.s, v19.s}[3], [%[p3]], #16\n\t"
                     "st1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[t]], #64\n\t"
                     "subs %[n], %[n], #1\n\t"
                     "b.ne 1b\n\t"
                     "ld1 {v16.s}[0], [%[p0]]\n\t"
                     "ld1 {v16.s}[1], [%[p1]]\n\t"
                     "ld1 {v16.s}[2], [%[p2]]\n\t"
                     "ld1 {v16.s}[3], [%[p3]]\n\t"
                     "str q16, [%[t]]\n\t"
                     : [p0] "+r"(p0), [p1] "+r"(p1), [p2] "+r"(p2), [p3] "+r"(p3), [t] "+r"(t),
                       [n] "+r"(n)
                     :
                     : "v16", "v17", "v18", "v19", "cc", "memory");
}
#else
/* One pointer stepping by the channel stride cs = 4 KK bytes, and back (csb = 16 - 3 cs). */
GRT_INLINE void transpose_taps(const float *wt, size_t KK, float *tm) {
    const float *q = wt;
    float *t = tm;
    size_t n = KK / 4;
    const size_t cs = 4 * KK, csb = 16 - 3 * cs;
    __asm__ volatile("1:\n\t"
                     "vld4.32 {d16[0], d18[0], d20[0], d22[0]}, [%[q]], %[cs]\n\t"
                     "vld4.32 {d16[1], d18[1], d20[1], d22[1]}, [%[q]], %[cs]\n\t"
                     "vld4.32 {d17[0], d19[0], d21[0], d23[0]}, [%[q]], %[cs]\n\t"
                     "vld4.32 {d17[1], d19[1], d21[1], d23[1]}, [%[q]], %[csb]\n\t"
                     "vstmia %[t]!, {d16-d23}\n\t"
                     "subs %[n], %[n], #1\n\t"
                     "bne 1b\n\t"
                     "vld1.32 {d16[0]}, [%[q]], %[cs]\n\t"
                     "vld1.32 {d16[1]}, [%[q]], %[cs]\n\t"
                     "vld1.32 {d17[0]}, [%[q]], %[cs]\n\t"
                     "vld1.32 {d17[1]}, [%[q]]\n\t"
                     "vst1.32 {d16-d17}, [%[t]]\n\t"
                     : [q] "+r"(q), [t] "+r"(t), [n] "+r"(n)
                     : [cs] "r"(cs), [csb] "r"(csb)
                     : "q8", "q9", "q10", "q11", "cc", "memory");
}
#endif

/* Input row y of the 4 planes (plane stride ps bytes) into buffer row b, w < 4. */
GRT_INLINE void transpose_row(const float *p, size_t ps, size_t w, float *b) {
    float32x4_t v[4];
    switch (w) {
    case 3:
        load_tn(p, ps, v, 3);
        vst1q_f32(b, v[0]);
        vst1q_f32(b + 4, v[1]);
        vst1q_f32(b + 8, v[2]);
        break;
    case 2:
        load_tn(p, ps, v, 2);
        vst1q_f32(b, v[0]);
        vst1q_f32(b + 4, v[1]);
        break;
    case 1:
        load_tn(p, ps, v, 1);
        vst1q_f32(b, v[0]);
        break;
    default:
        break;
    }
}

#ifdef __aarch64__
/* A whole 3x3 tile of 4 output pixels: accumulators v16..v19 (the ST4 tuple), the inputs of
 * one kernel row in v20..v25 (stride 1) or v20..v28 (stride 2), loaded with one LD1 of 4
 * registers that also steps to the next buffer row (rs bytes; rs64 = rs - 64), the 9 tap
 * vectors in registers. 6 (9) loads and 36 FMLA per 16 outputs. */
#define A64_DW3S1_TILE \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmul v16.4s, v20.4s, v0.4s\n\tfmul v17.4s, v21.4s, v0.4s\n\tfmul v18.4s, v22.4s, v0.4s\n\tfmul v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v16.4s, v21.4s, v1.4s\n\tfmla v17.4s, v22.4s, v1.4s\n\tfmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v16.4s, v22.4s, v2.4s\n\tfmla v17.4s, v23.4s, v2.4s\n\tfmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmla v16.4s, v20.4s, v3.4s\n\tfmla v17.4s, v21.4s, v3.4s\n\tfmla v18.4s, v22.4s, v3.4s\n\tfmla v19.4s, v23.4s, v3.4s\n\t" \
    "fmla v16.4s, v21.4s, v4.4s\n\tfmla v17.4s, v22.4s, v4.4s\n\tfmla v18.4s, v23.4s, v4.4s\n\tfmla v19.4s, v24.4s, v4.4s\n\t" \
    "fmla v16.4s, v22.4s, v5.4s\n\tfmla v17.4s, v23.4s, v5.4s\n\tfmla v18.4s, v24.4s, v5.4s\n\tfmla v19.4s, v25.4s, v5.4s\n\t" \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmla v16.4s, v20.4s, v6.4s\n\tfmla v17.4s, v21.4s, v6.4s\n\tfmla v18.4s, v22.4s, v6.4s\n\tfmla v19.4s, v23.4s, v6.4s\n\t" \
    "fmla v16.4s, v21.4s, v7.4s\n\tfmla v17.4s, v22.4s, v7.4s\n\tfmla v18.4s, v23.4s, v7.4s\n\tfmla v19.4s, v24.4s, v7.4s\n\t" \
    "fmla v16.4s, v22.4s, v8.4s\n\tfmla v17.4s, v23.4s, v8.4s\n\tfmla v18.4s, v24.4s, v8.4s\n\tfmla v19.4s, v25.4s, v8.4s\n\t"
#define A64_DW3S2_TILE \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmul v16.4s, v20.4s, v0.4s\n\tfmul v17.4s, v22.4s, v0.4s\n\tfmul v18.4s, v24.4s, v0.4s\n\tfmul v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v16.4s, v21.4s, v1.4s\n\tfmla v17.4s, v23.4s, v1.4s\n\tfmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v16.4s, v22.4s, v2.4s\n\tfmla v17.4s, v24.4s, v2.4s\n\tfmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v16.4s, v20.4s, v3.4s\n\tfmla v17.4s, v22.4s, v3.4s\n\tfmla v18.4s, v24.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v16.4s, v21.4s, v4.4s\n\tfmla v17.4s, v23.4s, v4.4s\n\tfmla v18.4s, v25.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t" \
    "fmla v16.4s, v22.4s, v5.4s\n\tfmla v17.4s, v24.4s, v5.4s\n\tfmla v18.4s, v26.4s, v5.4s\n\tfmla v19.4s, v28.4s, v5.4s\n\t" \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v16.4s, v20.4s, v6.4s\n\tfmla v17.4s, v22.4s, v6.4s\n\tfmla v18.4s, v24.4s, v6.4s\n\tfmla v19.4s, v26.4s, v6.4s\n\t" \
    "fmla v16.4s, v21.4s, v7.4s\n\tfmla v17.4s, v23.4s, v7.4s\n\tfmla v18.4s, v25.4s, v7.4s\n\tfmla v19.4s, v27.4s, v7.4s\n\t" \
    "fmla v16.4s, v22.4s, v8.4s\n\tfmla v17.4s, v24.4s, v8.4s\n\tfmla v18.4s, v26.4s, v8.4s\n\tfmla v19.4s, v28.4s, v8.4s\n\t"
/* Epilogue on v16..v19: bias, residual (4 planes transposed by LD4 into v20..v23), ReLU /
 * ReLU6, and the ST4 store to the 4 output planes. */
#define A64_EP_BIAS                                                                            \
    "fadd v16.4s, v16.4s, v9.4s\n\tfadd v17.4s, v17.4s, v9.4s\n\t"                   \
    "fadd v18.4s, v18.4s, v9.4s\n\tfadd v19.4s, v19.4s, v9.4s\n\t"
#define A64_EP_RES                                                                             \
    "ld4 {v20.s, v21.s, v22.s, v23.s}[0], [%[r0]], #16\n\t"                                    \
    "ld4 {v20.s, v21.s, v22.s, v23.s}[1], [%[r1]], #16\n\t"                                    \
    "ld4 {v20.s, v21.s, v22.s, v23.s}[2], [%[r2]], #16\n\t"                                    \
    "ld4 {v20.s, v21.s, v22.s, v23.s}[3], [%[r3]], #16\n\t"                                    \
    "fadd v16.4s, v16.4s, v20.4s\n\tfadd v17.4s, v17.4s, v21.4s\n\t"                           \
    "fadd v18.4s, v18.4s, v22.4s\n\tfadd v19.4s, v19.4s, v23.4s\n\t"
#define A64_EP_RELU                                                                            \
    "fmax v16.4s, v16.4s, v10.4s\n\tfmax v17.4s, v17.4s, v10.4s\n\t"                   \
    "fmax v18.4s, v18.4s, v10.4s\n\tfmax v19.4s, v19.4s, v10.4s\n\t"
#define A64_EP_MIN6                                                                            \
    "fmin v16.4s, v16.4s, v11.4s\n\tfmin v17.4s, v17.4s, v11.4s\n\t"                     \
    "fmin v18.4s, v18.4s, v11.4s\n\tfmin v19.4s, v19.4s, v11.4s\n\t"
#define A64_EP_STORE                                                                           \
    "st4 {v16.s, v17.s, v18.s, v19.s}[0], [%[o0]], #16\n\t"                                    \
    "st4 {v16.s, v17.s, v18.s, v19.s}[1], [%[o1]], #16\n\t"                                    \
    "st4 {v16.s, v17.s, v18.s, v19.s}[2], [%[o2]], #16\n\t"                                    \
    "st4 {v16.s, v17.s, v18.s, v19.s}[3], [%[o3]], #16\n\t"
#endif

#ifndef __aarch64__
/* armv7: 16 q registers. The tile keeps the K taps of one kernel row in q0..q(K-1) (one
 * VLDM per kernel row, tp stepping through the taps), the accumulators in q5..q8 (the VST4
 * tuple d10..d17) and streams the (4 - 1) S + K pixel vectors of a kernel row through
 * q9..q15: one VLDM of 7 (3x3 s1: 4) vectors, then the rest with VLD1 after the vectors they
 * replace are used (each input's FMAs follow its load, so an accumulator still sums its taps
 * in (ky, kx) order). The last load of a kernel row steps x to the next buffer row (rsm) or,
 * in the last kernel row, back to the next tile (rsl). Per tile and kernel row: 1 tap load,
 * 2 (3x3: 2, 5x5 s1: 2, 5x5 s2: 3) input loads, 4 K VFMA.
 * Generated (kernels/neon/gen/v7gen.py): each input i (in q9 + i, i >= 7 in q9 + i - 7) feeds
 * the accumulators j with 0 <= i - S j < K, tap kx = i - S j (VMUL for the first tap). */
#define V7_DW3S1_TILE \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsm]\n\t" \
    "vmul.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" "vmul.f32 q6, q10, q0\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q1\n\t" "vmul.f32 q7, q11, q0\n\t" \
    "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vmul.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t"

#define V7_DW3S2_TILE \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vmul.f32 q6, q11, q0\n\t" \
    "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q6, q13, q2\n\t" "vmul.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vmul.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t"

#define V7_DW5S1_TILE \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" "vmul.f32 q6, q10, q0\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q1\n\t" "vmul.f32 q7, q11, q0\n\t" \
    "vfma.f32 q5, q12, q3\n\t" "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vmul.f32 q8, q12, q0\n\t" \
    "vfma.f32 q5, q13, q4\n\t" "vfma.f32 q6, q13, q3\n\t" "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q6, q14, q4\n\t" "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q5, q12, q3\n\t" "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q5, q13, q4\n\t" "vfma.f32 q6, q13, q3\n\t" "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q6, q14, q4\n\t" "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q5, q12, q3\n\t" "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q5, q13, q4\n\t" "vfma.f32 q6, q13, q3\n\t" "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q6, q14, q4\n\t" "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q5, q12, q3\n\t" "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q5, q13, q4\n\t" "vfma.f32 q6, q13, q3\n\t" "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q6, q14, q4\n\t" "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q5, q12, q3\n\t" "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q5, q13, q4\n\t" "vfma.f32 q6, q13, q3\n\t" "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q6, q14, q4\n\t" "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q9, q4\n\t"

#define V7_DW5S2_TILE \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vmul.f32 q6, q11, q0\n\t" \
    "vfma.f32 q5, q12, q3\n\t" "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q5, q13, q4\n\t" "vfma.f32 q6, q13, q2\n\t" "vmul.f32 q7, q13, q0\n\t" \
    "vfma.f32 q6, q14, q3\n\t" "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q6, q15, q4\n\t" "vfma.f32 q7, q15, q2\n\t" "vmul.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q5, q12, q3\n\t" "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q5, q13, q4\n\t" "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q6, q14, q3\n\t" "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q6, q15, q4\n\t" "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q5, q12, q3\n\t" "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q5, q13, q4\n\t" "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q6, q14, q3\n\t" "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q6, q15, q4\n\t" "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q5, q12, q3\n\t" "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q5, q13, q4\n\t" "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q6, q14, q3\n\t" "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q6, q15, q4\n\t" "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q5, q9, q0\n\t" \
    "vfma.f32 q5, q10, q1\n\t" \
    "vfma.f32 q5, q11, q2\n\t" "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q5, q12, q3\n\t" "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q5, q13, q4\n\t" "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q6, q14, q3\n\t" "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q6, q15, q4\n\t" "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t"

/* Tail tiles (n = 1..3 pixels): the loads of the full tile (so the pointers step alike), the
 * FMAs of its last n accumulators only; bias and activation of those. Generated by
 * kernels/neon/gen/tails.py. */
#define V7_DW3S1_TAIL1 \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsm]\n\t" \
    "vmul.f32 q8, q12, q0\n\t" \
    "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t"
#define V7_DW3S1_TAIL2 \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsm]\n\t" \
    "vmul.f32 q7, q11, q0\n\t" \
    "vfma.f32 q7, q12, q1\n\t" "vmul.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t"
#define V7_DW3S1_TAIL3 \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsm]\n\t" \
    "vmul.f32 q6, q10, q0\n\t" \
    "vfma.f32 q6, q11, q1\n\t" "vmul.f32 q7, q11, q0\n\t" \
    "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vmul.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d25}\n\t" "vld1.32 {d26-d29}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t"
#define V7_DW3S2_TAIL1 \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t"
#define V7_DW3S2_TAIL2 \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vmul.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t"
#define V7_DW3S2_TAIL3 \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q6, q11, q0\n\t" \
    "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q6, q13, q2\n\t" "vmul.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vmul.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vldmia %[tp]!, {d0-d5}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t"
#define V7_DW5S1_TAIL1 \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q8, q12, q0\n\t" \
    "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q9, q4\n\t"
#define V7_DW5S1_TAIL2 \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q7, q11, q0\n\t" \
    "vfma.f32 q7, q12, q1\n\t" "vmul.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q9, q4\n\t"
#define V7_DW5S1_TAIL3 \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q6, q10, q0\n\t" \
    "vfma.f32 q6, q11, q1\n\t" "vmul.f32 q7, q11, q0\n\t" \
    "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vmul.f32 q8, q12, q0\n\t" \
    "vfma.f32 q6, q13, q3\n\t" "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q6, q14, q4\n\t" "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q6, q13, q3\n\t" "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q6, q14, q4\n\t" "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q6, q13, q3\n\t" "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q6, q14, q4\n\t" "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q6, q13, q3\n\t" "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q6, q14, q4\n\t" "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q9, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q6, q10, q0\n\t" \
    "vfma.f32 q6, q11, q1\n\t" "vfma.f32 q7, q11, q0\n\t" \
    "vfma.f32 q6, q12, q2\n\t" "vfma.f32 q7, q12, q1\n\t" "vfma.f32 q8, q12, q0\n\t" \
    "vfma.f32 q6, q13, q3\n\t" "vfma.f32 q7, q13, q2\n\t" "vfma.f32 q8, q13, q1\n\t" \
    "vfma.f32 q6, q14, q4\n\t" "vfma.f32 q7, q14, q3\n\t" "vfma.f32 q8, q14, q2\n\t" \
    "vfma.f32 q7, q15, q4\n\t" "vfma.f32 q8, q15, q3\n\t" \
    "vld1.32 {d18-d19}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q9, q4\n\t"
#define V7_DW5S2_TAIL1 \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t"
#define V7_DW5S2_TAIL2 \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vmul.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t"
#define V7_DW5S2_TAIL3 \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vmul.f32 q6, q11, q0\n\t" \
    "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q6, q13, q2\n\t" "vmul.f32 q7, q13, q0\n\t" \
    "vfma.f32 q6, q14, q3\n\t" "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q6, q15, q4\n\t" "vfma.f32 q7, q15, q2\n\t" "vmul.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q6, q14, q3\n\t" "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q6, q15, q4\n\t" "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q6, q14, q3\n\t" "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q6, q15, q4\n\t" "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q6, q14, q3\n\t" "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q6, q15, q4\n\t" "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsm]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t" \
    "vldmia %[tp]!, {d0-d9}\n\t" \
    "vldmia %[x]!, {d18-d31}\n\t" \
    "vfma.f32 q6, q11, q0\n\t" \
    "vfma.f32 q6, q12, q1\n\t" \
    "vfma.f32 q6, q13, q2\n\t" "vfma.f32 q7, q13, q0\n\t" \
    "vfma.f32 q6, q14, q3\n\t" "vfma.f32 q7, q14, q1\n\t" \
    "vfma.f32 q6, q15, q4\n\t" "vfma.f32 q7, q15, q2\n\t" "vfma.f32 q8, q15, q0\n\t" \
    "vld1.32 {d18-d21}, [%[x]]!\n\t" \
    "vfma.f32 q7, q9, q3\n\t" "vfma.f32 q8, q9, q1\n\t" \
    "vfma.f32 q7, q10, q4\n\t" "vfma.f32 q8, q10, q2\n\t" \
    "vld1.32 {d22-d25}, [%[x]], %[rsl]\n\t" \
    "vfma.f32 q8, q11, q3\n\t" \
    "vfma.f32 q8, q12, q4\n\t"
#define V7_EP_BIAS1(TT) "vldmia %[tp], {d0-d5}\n\tsub %[tp], %[tp], #" TT "\n\t" "vadd.f32 q8, q8, q0\n\t"
#define V7_EP_RELU1 "vmax.f32 q8, q8, q1\n\t"
#define V7_EP_MIN61 "vmin.f32 q8, q8, q2\n\t"
#define V7_EP_BIAS2(TT) "vldmia %[tp], {d0-d5}\n\tsub %[tp], %[tp], #" TT "\n\t" "vadd.f32 q7, q7, q0\n\tvadd.f32 q8, q8, q0\n\t"
#define V7_EP_RELU2 "vmax.f32 q7, q7, q1\n\tvmax.f32 q8, q8, q1\n\t"
#define V7_EP_MIN62 "vmin.f32 q7, q7, q2\n\tvmin.f32 q8, q8, q2\n\t"
#define V7_EP_BIAS3(TT) "vldmia %[tp], {d0-d5}\n\tsub %[tp], %[tp], #" TT "\n\t" "vadd.f32 q6, q6, q0\n\tvadd.f32 q7, q7, q0\n\tvadd.f32 q8, q8, q0\n\t"
#define V7_EP_RELU3 "vmax.f32 q6, q6, q1\n\tvmax.f32 q7, q7, q1\n\tvmax.f32 q8, q8, q1\n\t"
#define V7_EP_MIN63 "vmin.f32 q6, q6, q2\n\tvmin.f32 q7, q7, q2\n\tvmin.f32 q8, q8, q2\n\t"
/* Epilogue on q5..q8: the bias, 0 and 6 after the taps (tp is then at them; it steps back
 * by TT = 16 K K bytes), residual (4 planes transposed by VLD4 into q9..q12), ReLU / ReLU6,
 * the VST4 store to the 4 output planes. Residual and output pointers step by the plane
 * stride ps and, at the 4th plane, by psb = 16 - 3 ps back to plane 0, 4 pixels on. */
#define V7_EP_BIAS(TT)                                                                         \
    "vldmia %[tp], {d0-d5}\n\t"                                                               \
    "sub %[tp], %[tp], #" TT "\n\t"                                                            \
    "vadd.f32 q5, q5, q0\n\tvadd.f32 q6, q6, q0\n\tvadd.f32 q7, q7, q0\n\tvadd.f32 q8, q8, q0\n\t"
#define V7_EP_RELU                                                                             \
    "vmax.f32 q5, q5, q1\n\tvmax.f32 q6, q6, q1\n\tvmax.f32 q7, q7, q1\n\tvmax.f32 q8, q8, q1\n\t"
#define V7_EP_MIN6                                                                             \
    "vmin.f32 q5, q5, q2\n\tvmin.f32 q6, q6, q2\n\tvmin.f32 q7, q7, q2\n\tvmin.f32 q8, q8, q2\n\t"
#define V7_EP_RES \
    "vld4.32 {d18[0], d20[0], d22[0], d24[0]}, [%[r]], %[ps]\n\t" \
    "vld4.32 {d18[1], d20[1], d22[1], d24[1]}, [%[r]], %[ps]\n\t" \
    "vld4.32 {d19[0], d21[0], d23[0], d25[0]}, [%[r]], %[ps]\n\t" \
    "vld4.32 {d19[1], d21[1], d23[1], d25[1]}, [%[r]], %[psb]\n\t" \
    "vadd.f32 q5, q5, q9\n\tvadd.f32 q6, q6, q10\n\tvadd.f32 q7, q7, q11\n\tvadd.f32 q8, q8, q12\n\t"
#define V7_EP_STORE \
    "vst4.32 {d10[0], d12[0], d14[0], d16[0]}, [%[o]], %[ps]\n\t" \
    "vst4.32 {d10[1], d12[1], d14[1], d16[1]}, [%[o]], %[ps]\n\t" \
    "vst4.32 {d11[0], d13[0], d15[0], d17[0]}, [%[o]], %[ps]\n\t" \
    "vst4.32 {d11[1], d13[1], d15[1], d17[1]}, [%[o]], %[psb]\n\t"
/* The last n (1..3) pixels of a row (the tail tile, which starts 4 - n pixels early, so
 * its last n accumulators are those pixels): residual into q9.., added to the last n accumulators, and the store of those. The
 * pointers step by 16 at the 4th plane and back by 16 - 4 n. */
#define V7_EP_RES1 \
    "vld1.32 {d18[0]}, [%[r]], %[ps]\n\t" \
    "vld1.32 {d18[1]}, [%[r]], %[ps]\n\t" \
    "vld1.32 {d19[0]}, [%[r]], %[ps]\n\t" \
    "vld1.32 {d19[1]}, [%[r]], %[psb]\n\t" \
    "sub %[r], %[r], #12\n\t" \
    "vadd.f32 q8, q8, q9\n\t"
#define V7_EP_STORE1 \
    "vst1.32 {d16[0]}, [%[o]], %[ps]\n\t" \
    "vst1.32 {d16[1]}, [%[o]], %[ps]\n\t" \
    "vst1.32 {d17[0]}, [%[o]], %[ps]\n\t" \
    "vst1.32 {d17[1]}, [%[o]], %[psb]\n\t" \
    "sub %[o], %[o], #12\n\t"
#define V7_EP_RES2 \
    "vld2.32 {d18[0], d20[0]}, [%[r]], %[ps]\n\t" \
    "vld2.32 {d18[1], d20[1]}, [%[r]], %[ps]\n\t" \
    "vld2.32 {d19[0], d21[0]}, [%[r]], %[ps]\n\t" \
    "vld2.32 {d19[1], d21[1]}, [%[r]], %[psb]\n\t" \
    "sub %[r], %[r], #8\n\t" \
    "vadd.f32 q7, q7, q9\n\tvadd.f32 q8, q8, q10\n\t"
#define V7_EP_STORE2 \
    "vst2.32 {d14[0], d16[0]}, [%[o]], %[ps]\n\t" \
    "vst2.32 {d14[1], d16[1]}, [%[o]], %[ps]\n\t" \
    "vst2.32 {d15[0], d17[0]}, [%[o]], %[ps]\n\t" \
    "vst2.32 {d15[1], d17[1]}, [%[o]], %[psb]\n\t" \
    "sub %[o], %[o], #8\n\t"
#define V7_EP_RES3 \
    "vld3.32 {d18[0], d20[0], d22[0]}, [%[r]], %[ps]\n\t" \
    "vld3.32 {d18[1], d20[1], d22[1]}, [%[r]], %[ps]\n\t" \
    "vld3.32 {d19[0], d21[0], d23[0]}, [%[r]], %[ps]\n\t" \
    "vld3.32 {d19[1], d21[1], d23[1]}, [%[r]], %[psb]\n\t" \
    "sub %[r], %[r], #4\n\t" \
    "vadd.f32 q6, q6, q9\n\tvadd.f32 q7, q7, q10\n\tvadd.f32 q8, q8, q11\n\t"
#define V7_EP_STORE3 \
    "vst3.32 {d12[0], d14[0], d16[0]}, [%[o]], %[ps]\n\t" \
    "vst3.32 {d12[1], d14[1], d16[1]}, [%[o]], %[ps]\n\t" \
    "vst3.32 {d13[0], d15[0], d17[0]}, [%[o]], %[ps]\n\t" \
    "vst3.32 {d13[1], d15[1], d17[1]}, [%[o]], %[psb]\n\t" \
    "sub %[o], %[o], #4\n\t"
/* A band of rows: per row, n4 tiles of 4 pixels, then (tn = ow % 4 != 0) a tail tile for
 * the last tn pixels: the tile 4 - tn pixels back (tb bytes of buffer; 0 when tn = 0) with
 * only its last tn accumulators (_TAIL<tn>); x then steps to the next row (rowstep). Row
 * constants are read from prm (n scratch): n4, tn, tb, rowstep, and the rows left, counted
 * down in place. */
#define V7_BAND_ASM(tile, t1, t2, t3, TT, ep4, ep1, ep2, ep3)                                 \
    __asm__ volatile("1:\n\t"                                                                  \
                     "ldr %[n], [%[prm]]\n\t"                                                  \
                     "2:\n\t" tile V7_EP_BIAS(TT) ep4 "subs %[n], %[n], #1\n\t"               \
                     "bne 2b\n\t"                                                              \
                     "ldr %[n], [%[prm], #8]\n\t"                                              \
                     "sub %[x], %[x], %[n]\n\t"                                                \
                     "ldr %[n], [%[prm], #4]\n\t"                                              \
                     "cmp %[n], #2\n\t"                                                        \
                     "blt 4f\n\t"                                                              \
                     "beq 5f\n\t" t3 V7_EP_BIAS3(TT) ep3 "b 7f\n\t"                           \
                     "4:\n\t"                                                                  \
                     "cmp %[n], #0\n\t"                                                        \
                     "beq 7f\n\t" t1 V7_EP_BIAS1(TT) ep1 "b 7f\n\t"                           \
                     "5:\n\t" t2 V7_EP_BIAS2(TT) ep2 "7:\n\t"                                 \
                     "ldr %[n], [%[prm], #12]\n\t"                                             \
                     "add %[x], %[x], %[n]\n\t"                                                \
                     "ldr %[n], [%[prm], #16]\n\t"                                             \
                     "subs %[n], %[n], #1\n\t"                                                 \
                     "str %[n], [%[prm], #16]\n\t"                                             \
                     "bne 1b\n\t"                                                              \
                     : [x] "+r"(x), [tp] "+r"(tp), [o] "+r"(o), [r] "+r"(r), [n] "=&r"(n)      \
                     : [prm] "r"(prm), [ps] "r"(ps), [psb] "r"(psb), [rsm] "r"(rsm),           \
                       [rsl] "r"(rsl)                                                          \
                     : "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11", \
                       "q12", "q13", "q14", "q15", "cc", "memory")
#define V7_BAND_ACT(tile, t1, t2, t3, TT, res, res1, res2, res3, act, act1, act2, act3)        \
    V7_BAND_ASM(tile, t1, t2, t3, TT, res act V7_EP_STORE, res1 act1 V7_EP_STORE1,              \
                res2 act2 V7_EP_STORE2, res3 act3 V7_EP_STORE3)
#define V7_BAND_RES(tile, t1, t2, t3, TT, res, res1, res2, res3)                               \
    if (act == GRT_ACT_RELU) {                                                                 \
        V7_BAND_ACT(tile, t1, t2, t3, TT, res, res1, res2, res3, V7_EP_RELU, V7_EP_RELU1,      \
                    V7_EP_RELU2, V7_EP_RELU3);                                                 \
    } else if (act == GRT_ACT_RELU6) {                                                         \
        V7_BAND_ACT(tile, t1, t2, t3, TT, res, res1, res2, res3, V7_EP_RELU V7_EP_MIN6,        \
                    V7_EP_RELU1 V7_EP_MIN61, V7_EP_RELU2 V7_EP_MIN62, V7_EP_RELU3 V7_EP_MIN63); \
    } else {                                                                                   \
        V7_BAND_ACT(tile, t1, t2, t3, TT, res, res1, res2, res3, "", "", "", "");              \
    }

/* Row constants of a band (read by the asm at these byte offsets: 0, 4, 8, 12, 16). */
struct band_prm {
    size_t n4, tn, tb, rowstep, rows;
};

/* rows >= 1 output rows of ow >= 4 pixels (act: none, ReLU or ReLU6): b the buffer at the
 * band's first row, r / o the residual (or NULL) and output of plane 0 at the band's first
 * row (output rows contiguous, planes ps bytes apart); tk: the K K tap vectors, the bias, 0
 * and 6. PRE: the bytes a kernel row's loads step x before its last load. Out of line: the
 * asm needs 10 core registers. */
#define V7_BAND_FN(K, SD, TT, PRE)                                                              \
    static __attribute__((noinline)) void band##K##s##SD##_v7(                                  \
        const float *b, size_t rs, size_t ow, size_t rows, const float *tk, const float *res, \
        float *out, size_t ps, int act) {                                                      \
        struct band_prm prm_ = {ow / 4, ow % 4, (4 - ow % 4) % 4 * 16 * SD,                   \
                                SD * rs - 16 * SD * ow, rows};                                 \
        struct band_prm *prm = &prm_;                                                          \
        const float *x = b, *tp = tk, *r = res != NULL ? res : out;                            \
        float *o = out;                                                                        \
        size_t n;                                                                              \
        const size_t psb = 16 - 3 * ps, rsm = rs - PRE, rsl = 64 * SD - (K - 1) * rs - PRE;     \
        if (res != NULL) {                                                                     \
            V7_BAND_RES(V7_DW##K##S##SD##_TILE, V7_DW##K##S##SD##_TAIL1,                       \
                        V7_DW##K##S##SD##_TAIL2, V7_DW##K##S##SD##_TAIL3, TT, V7_EP_RES,       \
                        V7_EP_RES1, V7_EP_RES2, V7_EP_RES3)                                    \
        } else {                                                                               \
            V7_BAND_RES(V7_DW##K##S##SD##_TILE, V7_DW##K##S##SD##_TAIL1,                       \
                        V7_DW##K##S##SD##_TAIL2, V7_DW##K##S##SD##_TAIL3, TT, "", "", "", "")  \
        }                                                                                      \
    }
V7_BAND_FN(3, 1, "144", 64)
V7_BAND_FN(3, 2, "144", 112)
V7_BAND_FN(5, 1, "400", 112)
V7_BAND_FN(5, 2, "400", 144)
#endif

#ifdef __aarch64__
/* 5x5 stride 2: the 25 tap vectors do not fit beside 4 accumulators and 11 inputs, so each
 * kernel row reloads its 5 (LD1 of 4 + LDR, tp stepping through the taps), then 3 loads of
 * its 11 pixel vectors and 20 FMLA: 125 instructions per 16 outputs. The bias, 0 and 6 sit
 * after the 25 taps (v9..v11). */
/* One kernel row of the tile: its 5 taps, its 11 pixel vectors, 20 multiply-adds (OP is
 * "fmul" in the first row, which starts the sums, and "fmla" after). */
#define A64_DW5S2_KROW(OP) \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" \
    "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    OP " v16.4s, v20.4s, v0.4s\n\t" OP " v17.4s, v22.4s, v0.4s\n\t" OP " v18.4s, v24.4s, v0.4s\n\t" OP " v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v16.4s, v21.4s, v1.4s\n\tfmla v17.4s, v23.4s, v1.4s\n\tfmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v16.4s, v22.4s, v2.4s\n\tfmla v17.4s, v24.4s, v2.4s\n\tfmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v16.4s, v23.4s, v3.4s\n\tfmla v17.4s, v25.4s, v3.4s\n\tfmla v18.4s, v27.4s, v3.4s\n\tfmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v16.4s, v24.4s, v4.4s\n\tfmla v17.4s, v26.4s, v4.4s\n\tfmla v18.4s, v28.4s, v4.4s\n\tfmla v19.4s, v30.4s, v4.4s\n\t"
#define A64_DW5S2_TILE \
    A64_DW5S2_KROW("fmul") A64_DW5S2_KROW("fmla") A64_DW5S2_KROW("fmla") \
    A64_DW5S2_KROW("fmla") A64_DW5S2_KROW("fmla")
/* 5x5 stride 1: as 5x5 stride 2 with 8 pixel vectors per kernel row (2 LD1 of 4). */
#define A64_DW5S1_KROW(OP) \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" \
    "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    OP " v16.4s, v20.4s, v0.4s\n\t" OP " v17.4s, v21.4s, v0.4s\n\t" OP " v18.4s, v22.4s, v0.4s\n\t" OP " v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v16.4s, v21.4s, v1.4s\n\tfmla v17.4s, v22.4s, v1.4s\n\tfmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v16.4s, v22.4s, v2.4s\n\tfmla v17.4s, v23.4s, v2.4s\n\tfmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v16.4s, v23.4s, v3.4s\n\tfmla v17.4s, v24.4s, v3.4s\n\tfmla v18.4s, v25.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v16.4s, v24.4s, v4.4s\n\tfmla v17.4s, v25.4s, v4.4s\n\tfmla v18.4s, v26.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t"
#define A64_DW5S1_TILE \
    A64_DW5S1_KROW("fmul") A64_DW5S1_KROW("fmla") A64_DW5S1_KROW("fmla") \
    A64_DW5S1_KROW("fmla") A64_DW5S1_KROW("fmla")
/* The last n (1..3) pixels of a row (the tail tile, which starts 4 - n pixels early): the
 * residual of those pixels into v(24 - n)..v23, added to the last n accumulators, and their
 * store; every pointer steps by 4 n bytes. */
#define A64_EP_RES1 \
    "ld1 {v23.s}[0], [%[r0]], #4\n\t" \
    "ld1 {v23.s}[1], [%[r1]], #4\n\t" \
    "ld1 {v23.s}[2], [%[r2]], #4\n\t" \
    "ld1 {v23.s}[3], [%[r3]], #4\n\t" \
    "fadd v19.4s, v19.4s, v23.4s\n\t"
#define A64_EP_STORE1 \
    "st1 {v19.s}[0], [%[o0]], #4\n\t" \
    "st1 {v19.s}[1], [%[o1]], #4\n\t" \
    "st1 {v19.s}[2], [%[o2]], #4\n\t" \
    "st1 {v19.s}[3], [%[o3]], #4\n\t"
#define A64_EP_RES2 \
    "ld2 {v22.s, v23.s}[0], [%[r0]], #8\n\t" \
    "ld2 {v22.s, v23.s}[1], [%[r1]], #8\n\t" \
    "ld2 {v22.s, v23.s}[2], [%[r2]], #8\n\t" \
    "ld2 {v22.s, v23.s}[3], [%[r3]], #8\n\t" \
    "fadd v18.4s, v18.4s, v22.4s\n\tfadd v19.4s, v19.4s, v23.4s\n\t"
#define A64_EP_STORE2 \
    "st2 {v18.s, v19.s}[0], [%[o0]], #8\n\t" \
    "st2 {v18.s, v19.s}[1], [%[o1]], #8\n\t" \
    "st2 {v18.s, v19.s}[2], [%[o2]], #8\n\t" \
    "st2 {v18.s, v19.s}[3], [%[o3]], #8\n\t"
#define A64_EP_RES3 \
    "ld3 {v21.s, v22.s, v23.s}[0], [%[r0]], #12\n\t" \
    "ld3 {v21.s, v22.s, v23.s}[1], [%[r1]], #12\n\t" \
    "ld3 {v21.s, v22.s, v23.s}[2], [%[r2]], #12\n\t" \
    "ld3 {v21.s, v22.s, v23.s}[3], [%[r3]], #12\n\t" \
    "fadd v17.4s, v17.4s, v21.4s\n\tfadd v18.4s, v18.4s, v22.4s\n\tfadd v19.4s, v19.4s, v23.4s\n\t"
#define A64_EP_STORE3 \
    "st3 {v17.s, v18.s, v19.s}[0], [%[o0]], #12\n\t" \
    "st3 {v17.s, v18.s, v19.s}[1], [%[o1]], #12\n\t" \
    "st3 {v17.s, v18.s, v19.s}[2], [%[o2]], #12\n\t" \
    "st3 {v17.s, v18.s, v19.s}[3], [%[o3]], #12\n\t"
/* Tail tiles (n = 1..3 pixels): the loads of the full tile (so the pointers step alike), the
 * FMAs of its last n accumulators only; bias and activation of those. */
#define A64_DW3S1_TAIL1 \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmul v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v19.4s, v25.4s, v2.4s\n\t" \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmla v19.4s, v23.4s, v3.4s\n\t" \
    "fmla v19.4s, v24.4s, v4.4s\n\t" \
    "fmla v19.4s, v25.4s, v5.4s\n\t" \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmla v19.4s, v23.4s, v6.4s\n\t" \
    "fmla v19.4s, v24.4s, v7.4s\n\t" \
    "fmla v19.4s, v25.4s, v8.4s\n\t"
#define A64_DW3S1_TAIL2 \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmul v18.4s, v22.4s, v0.4s\n\tfmul v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmla v18.4s, v22.4s, v3.4s\n\tfmla v19.4s, v23.4s, v3.4s\n\t" \
    "fmla v18.4s, v23.4s, v4.4s\n\tfmla v19.4s, v24.4s, v4.4s\n\t" \
    "fmla v18.4s, v24.4s, v5.4s\n\tfmla v19.4s, v25.4s, v5.4s\n\t" \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmla v18.4s, v22.4s, v6.4s\n\tfmla v19.4s, v23.4s, v6.4s\n\t" \
    "fmla v18.4s, v23.4s, v7.4s\n\tfmla v19.4s, v24.4s, v7.4s\n\t" \
    "fmla v18.4s, v24.4s, v8.4s\n\tfmla v19.4s, v25.4s, v8.4s\n\t"
#define A64_DW3S1_TAIL3 \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmul v17.4s, v21.4s, v0.4s\n\tfmul v18.4s, v22.4s, v0.4s\n\tfmul v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v17.4s, v22.4s, v1.4s\n\tfmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v17.4s, v23.4s, v2.4s\n\tfmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmla v17.4s, v21.4s, v3.4s\n\tfmla v18.4s, v22.4s, v3.4s\n\tfmla v19.4s, v23.4s, v3.4s\n\t" \
    "fmla v17.4s, v22.4s, v4.4s\n\tfmla v18.4s, v23.4s, v4.4s\n\tfmla v19.4s, v24.4s, v4.4s\n\t" \
    "fmla v17.4s, v23.4s, v5.4s\n\tfmla v18.4s, v24.4s, v5.4s\n\tfmla v19.4s, v25.4s, v5.4s\n\t" \
    "ldp q24, q25, [x16, #64]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\n\t" \
    "fmla v17.4s, v21.4s, v6.4s\n\tfmla v18.4s, v22.4s, v6.4s\n\tfmla v19.4s, v23.4s, v6.4s\n\t" \
    "fmla v17.4s, v22.4s, v7.4s\n\tfmla v18.4s, v23.4s, v7.4s\n\tfmla v19.4s, v24.4s, v7.4s\n\t" \
    "fmla v17.4s, v23.4s, v8.4s\n\tfmla v18.4s, v24.4s, v8.4s\n\tfmla v19.4s, v25.4s, v8.4s\n\t"
#define A64_DW3S2_TAIL1 \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmul v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v19.4s, v28.4s, v2.4s\n\t" \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v19.4s, v27.4s, v4.4s\n\t" \
    "fmla v19.4s, v28.4s, v5.4s\n\t" \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v19.4s, v26.4s, v6.4s\n\t" \
    "fmla v19.4s, v27.4s, v7.4s\n\t" \
    "fmla v19.4s, v28.4s, v8.4s\n\t"
#define A64_DW3S2_TAIL2 \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmul v18.4s, v24.4s, v0.4s\n\tfmul v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v18.4s, v24.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v18.4s, v25.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t" \
    "fmla v18.4s, v26.4s, v5.4s\n\tfmla v19.4s, v28.4s, v5.4s\n\t" \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v18.4s, v24.4s, v6.4s\n\tfmla v19.4s, v26.4s, v6.4s\n\t" \
    "fmla v18.4s, v25.4s, v7.4s\n\tfmla v19.4s, v27.4s, v7.4s\n\t" \
    "fmla v18.4s, v26.4s, v8.4s\n\tfmla v19.4s, v28.4s, v8.4s\n\t"
#define A64_DW3S2_TAIL3 \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmul v17.4s, v22.4s, v0.4s\n\tfmul v18.4s, v24.4s, v0.4s\n\tfmul v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v17.4s, v23.4s, v1.4s\n\tfmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v17.4s, v24.4s, v2.4s\n\tfmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v17.4s, v22.4s, v3.4s\n\tfmla v18.4s, v24.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v17.4s, v23.4s, v4.4s\n\tfmla v18.4s, v25.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t" \
    "fmla v17.4s, v24.4s, v5.4s\n\tfmla v18.4s, v26.4s, v5.4s\n\tfmla v19.4s, v28.4s, v5.4s\n\t" \
    "ldr q28, [x16, #128]\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v17.4s, v22.4s, v6.4s\n\tfmla v18.4s, v24.4s, v6.4s\n\tfmla v19.4s, v26.4s, v6.4s\n\t" \
    "fmla v17.4s, v23.4s, v7.4s\n\tfmla v18.4s, v25.4s, v7.4s\n\tfmla v19.4s, v27.4s, v7.4s\n\t" \
    "fmla v17.4s, v24.4s, v8.4s\n\tfmla v18.4s, v26.4s, v8.4s\n\tfmla v19.4s, v28.4s, v8.4s\n\t"
#define A64_DW5S1_TAIL1 \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmul v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v19.4s, v27.4s, v4.4s\n\t"
#define A64_DW5S1_TAIL2 \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmul v18.4s, v22.4s, v0.4s\n\tfmul v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v18.4s, v25.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v18.4s, v26.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v18.4s, v22.4s, v0.4s\n\tfmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v18.4s, v25.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v18.4s, v26.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v18.4s, v22.4s, v0.4s\n\tfmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v18.4s, v25.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v18.4s, v26.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v18.4s, v22.4s, v0.4s\n\tfmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v18.4s, v25.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v18.4s, v26.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v18.4s, v22.4s, v0.4s\n\tfmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v18.4s, v25.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v18.4s, v26.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t"
#define A64_DW5S1_TAIL3 \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmul v17.4s, v21.4s, v0.4s\n\tfmul v18.4s, v22.4s, v0.4s\n\tfmul v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v17.4s, v22.4s, v1.4s\n\tfmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v17.4s, v23.4s, v2.4s\n\tfmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v17.4s, v24.4s, v3.4s\n\tfmla v18.4s, v25.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v17.4s, v25.4s, v4.4s\n\tfmla v18.4s, v26.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v17.4s, v21.4s, v0.4s\n\tfmla v18.4s, v22.4s, v0.4s\n\tfmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v17.4s, v22.4s, v1.4s\n\tfmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v17.4s, v23.4s, v2.4s\n\tfmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v17.4s, v24.4s, v3.4s\n\tfmla v18.4s, v25.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v17.4s, v25.4s, v4.4s\n\tfmla v18.4s, v26.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v17.4s, v21.4s, v0.4s\n\tfmla v18.4s, v22.4s, v0.4s\n\tfmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v17.4s, v22.4s, v1.4s\n\tfmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v17.4s, v23.4s, v2.4s\n\tfmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v17.4s, v24.4s, v3.4s\n\tfmla v18.4s, v25.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v17.4s, v25.4s, v4.4s\n\tfmla v18.4s, v26.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v17.4s, v21.4s, v0.4s\n\tfmla v18.4s, v22.4s, v0.4s\n\tfmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v17.4s, v22.4s, v1.4s\n\tfmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v17.4s, v23.4s, v2.4s\n\tfmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v17.4s, v24.4s, v3.4s\n\tfmla v18.4s, v25.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v17.4s, v25.4s, v4.4s\n\tfmla v18.4s, v26.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\n\t" \
    "fmla v17.4s, v21.4s, v0.4s\n\tfmla v18.4s, v22.4s, v0.4s\n\tfmla v19.4s, v23.4s, v0.4s\n\t" \
    "fmla v17.4s, v22.4s, v1.4s\n\tfmla v18.4s, v23.4s, v1.4s\n\tfmla v19.4s, v24.4s, v1.4s\n\t" \
    "fmla v17.4s, v23.4s, v2.4s\n\tfmla v18.4s, v24.4s, v2.4s\n\tfmla v19.4s, v25.4s, v2.4s\n\t" \
    "fmla v17.4s, v24.4s, v3.4s\n\tfmla v18.4s, v25.4s, v3.4s\n\tfmla v19.4s, v26.4s, v3.4s\n\t" \
    "fmla v17.4s, v25.4s, v4.4s\n\tfmla v18.4s, v26.4s, v4.4s\n\tfmla v19.4s, v27.4s, v4.4s\n\t"
#define A64_DW5S2_TAIL1 \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmul v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v19.4s, v30.4s, v4.4s\n\t"
#define A64_DW5S2_TAIL2 \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmul v18.4s, v24.4s, v0.4s\n\tfmul v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v18.4s, v27.4s, v3.4s\n\tfmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v18.4s, v28.4s, v4.4s\n\tfmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v18.4s, v24.4s, v0.4s\n\tfmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v18.4s, v27.4s, v3.4s\n\tfmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v18.4s, v28.4s, v4.4s\n\tfmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v18.4s, v24.4s, v0.4s\n\tfmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v18.4s, v27.4s, v3.4s\n\tfmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v18.4s, v28.4s, v4.4s\n\tfmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v18.4s, v24.4s, v0.4s\n\tfmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v18.4s, v27.4s, v3.4s\n\tfmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v18.4s, v28.4s, v4.4s\n\tfmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v18.4s, v24.4s, v0.4s\n\tfmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v18.4s, v27.4s, v3.4s\n\tfmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v18.4s, v28.4s, v4.4s\n\tfmla v19.4s, v30.4s, v4.4s\n\t"
#define A64_DW5S2_TAIL3 \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmul v17.4s, v22.4s, v0.4s\n\tfmul v18.4s, v24.4s, v0.4s\n\tfmul v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v17.4s, v23.4s, v1.4s\n\tfmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v17.4s, v24.4s, v2.4s\n\tfmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v17.4s, v25.4s, v3.4s\n\tfmla v18.4s, v27.4s, v3.4s\n\tfmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v17.4s, v26.4s, v4.4s\n\tfmla v18.4s, v28.4s, v4.4s\n\tfmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v17.4s, v22.4s, v0.4s\n\tfmla v18.4s, v24.4s, v0.4s\n\tfmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v17.4s, v23.4s, v1.4s\n\tfmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v17.4s, v24.4s, v2.4s\n\tfmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v17.4s, v25.4s, v3.4s\n\tfmla v18.4s, v27.4s, v3.4s\n\tfmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v17.4s, v26.4s, v4.4s\n\tfmla v18.4s, v28.4s, v4.4s\n\tfmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v17.4s, v22.4s, v0.4s\n\tfmla v18.4s, v24.4s, v0.4s\n\tfmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v17.4s, v23.4s, v1.4s\n\tfmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v17.4s, v24.4s, v2.4s\n\tfmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v17.4s, v25.4s, v3.4s\n\tfmla v18.4s, v27.4s, v3.4s\n\tfmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v17.4s, v26.4s, v4.4s\n\tfmla v18.4s, v28.4s, v4.4s\n\tfmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v17.4s, v22.4s, v0.4s\n\tfmla v18.4s, v24.4s, v0.4s\n\tfmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v17.4s, v23.4s, v1.4s\n\tfmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v17.4s, v24.4s, v2.4s\n\tfmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v17.4s, v25.4s, v3.4s\n\tfmla v18.4s, v27.4s, v3.4s\n\tfmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v17.4s, v26.4s, v4.4s\n\tfmla v18.4s, v28.4s, v4.4s\n\tfmla v19.4s, v30.4s, v4.4s\n\t" \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t" "ldr q4, [%[tp]], #16\n\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\n\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\n\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\n\t" \
    "fmla v17.4s, v22.4s, v0.4s\n\tfmla v18.4s, v24.4s, v0.4s\n\tfmla v19.4s, v26.4s, v0.4s\n\t" \
    "fmla v17.4s, v23.4s, v1.4s\n\tfmla v18.4s, v25.4s, v1.4s\n\tfmla v19.4s, v27.4s, v1.4s\n\t" \
    "fmla v17.4s, v24.4s, v2.4s\n\tfmla v18.4s, v26.4s, v2.4s\n\tfmla v19.4s, v28.4s, v2.4s\n\t" \
    "fmla v17.4s, v25.4s, v3.4s\n\tfmla v18.4s, v27.4s, v3.4s\n\tfmla v19.4s, v29.4s, v3.4s\n\t" \
    "fmla v17.4s, v26.4s, v4.4s\n\tfmla v18.4s, v28.4s, v4.4s\n\tfmla v19.4s, v30.4s, v4.4s\n\t"
#define A64_EP_BIAS1 "fadd v19.4s, v19.4s, v9.4s\n\t"
#define A64_EP_RELU1 "fmax v19.4s, v19.4s, v10.4s\n\t"
#define A64_EP_MIN61 "fmin v19.4s, v19.4s, v11.4s\n\t"
#define A64_EP_BIAS2 "fadd v18.4s, v18.4s, v9.4s\n\tfadd v19.4s, v19.4s, v9.4s\n\t"
#define A64_EP_RELU2 "fmax v18.4s, v18.4s, v10.4s\n\tfmax v19.4s, v19.4s, v10.4s\n\t"
#define A64_EP_MIN62 "fmin v18.4s, v18.4s, v11.4s\n\tfmin v19.4s, v19.4s, v11.4s\n\t"
#define A64_EP_BIAS3 "fadd v17.4s, v17.4s, v9.4s\n\tfadd v18.4s, v18.4s, v9.4s\n\tfadd v19.4s, v19.4s, v9.4s\n\t"
#define A64_EP_RELU3 "fmax v17.4s, v17.4s, v10.4s\n\tfmax v18.4s, v18.4s, v10.4s\n\tfmax v19.4s, v19.4s, v10.4s\n\t"
#define A64_EP_MIN63 "fmin v17.4s, v17.4s, v11.4s\n\tfmin v18.4s, v18.4s, v11.4s\n\tfmin v19.4s, v19.4s, v11.4s\n\t"
/* A band of rows: per row, n4 tiles of 4 pixels, then (tn = ow % 4 != 0) a tail tile for
 * the last tn pixels: the tile tb bytes of buffer (4 - tn pixels) back with only its last tn
 * accumulators (_TAIL<tn>); x16 then steps to the next row (rowstep). setup loads the registers kept for the
 * band (3x3: the 9 taps, bias, 0 and 6 in v0..v11; 5x5: bias, 0 and 6 in v9..v11), tend
 * brings x16 (and the tap pointer) back for the next tile (rsb = K rs - 64 S). */
#define A64_BAND_ASM(setup, tile, t1, t2, t3, tend, ep4, ep1, ep2, ep3)                      \
    __asm__ volatile(setup "mov x16, %[b]\n\t"                                                 \
                           "1:\n\t"                                                            \
                           "mov %[n], %[n4]\n\t"                                               \
                           "2:\n\t" tile tend A64_EP_BIAS ep4 "subs %[n], %[n], #1\n\t"        \
                           "b.ne 2b\n\t"                                                       \
                           "cbz %[tn], 7f\n\t"                                                 \
                           "sub x16, x16, %[tb]\n\t"                                           \
                           "cmp %[tn], #2\n\t"                                                 \
                           "b.lt 4f\n\t"                                                       \
                           "b.eq 5f\n\t" t3 tend A64_EP_BIAS3 ep3 "b 7f\n\t"                  \
                           "4:\n\t" t1 tend A64_EP_BIAS1 ep1 "b 7f\n\t"                       \
                           "5:\n\t" t2 tend A64_EP_BIAS2 ep2 "7:\n\t"                         \
                           "add x16, x16, %[rowstep]\n\t"                                      \
                           "subs %[rows], %[rows], #1\n\t"                                     \
                           "b.ne 1b\n\t"                                                       \
                     : [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [r3] "+r"(r3),             \
                       [o0] "+r"(o0), [o1] "+r"(o1), [o2] "+r"(o2), [o3] "+r"(o3),             \
                       [n] "=&r"(n), [rows] "+r"(rows), [tp] "+r"(tp)                          \
                     : [b] "r"(b), [rs] "r"(rs), [rs64] "r"(rs - 64), [rsm] "r"(rs - 128),     \
                       [rsb] "r"(rsb), [n4] "r"(n4), [tn] "r"(tn), [tb] "r"(tb),               \
                       [rowstep] "r"(rowstep)                                                  \
                     : "x16", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", \
                       "v11", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24",   \
                       "v25", "v26", "v27", "v28", "v29", "v30", "cc", "memory")
#define A64_BAND_ACT(setup, tile, t1, t2, t3, tend, res, res1, res2, res3, act, act1, act2,   \
                     act3)                                                                     \
    A64_BAND_ASM(setup, tile, t1, t2, t3, tend, res act A64_EP_STORE, res1 act1 A64_EP_STORE1,   \
                 res2 act2 A64_EP_STORE2, res3 act3 A64_EP_STORE3)
#define A64_BAND_RES(setup, tile, t1, t2, t3, tend, res, res1, res2, res3)                     \
    if (act == GRT_ACT_RELU) {                                                                 \
        A64_BAND_ACT(setup, tile, t1, t2, t3, tend, res, res1, res2, res3, A64_EP_RELU,        \
                     A64_EP_RELU1, A64_EP_RELU2, A64_EP_RELU3);                                \
    } else if (act == GRT_ACT_RELU6) {                                                         \
        A64_BAND_ACT(setup, tile, t1, t2, t3, tend, res, res1, res2, res3,                     \
                     A64_EP_RELU A64_EP_MIN6, A64_EP_RELU1 A64_EP_MIN61,                       \
                     A64_EP_RELU2 A64_EP_MIN62, A64_EP_RELU3 A64_EP_MIN63);                    \
    } else {                                                                                   \
        A64_BAND_ACT(setup, tile, t1, t2, t3, tend, res, res1, res2, res3, "", "", "", "");    \
    }
#define A64_BAND(setup, tile, t1, t2, t3, tend)                                                \
    if (r != NULL) {                                                                           \
        A64_BAND_RES(setup, tile, t1, t2, t3, tend, A64_EP_RES, A64_EP_RES1, A64_EP_RES2,      \
                     A64_EP_RES3)                                                              \
    } else {                                                                                   \
        A64_BAND_RES(setup, tile, t1, t2, t3, tend, "", "", "", "")                            \
    }
#define A64_SETUP3                                                                             \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\n\t"                                       \
    "ld1 {v4.4s, v5.4s, v6.4s, v7.4s}, [%[tp]], #64\n\t"                                       \
    "ld1 {v8.4s, v9.4s, v10.4s, v11.4s}, [%[tp]]\n\t"
#define A64_SETUP5                                                                             \
    "add x16, %[tp], #400\n\t"                                                                 \
    "ld1 {v9.4s, v10.4s, v11.4s}, [x16]\n\t"
#define A64_TEND3 "sub x16, x16, %[rsb]\n\t"
#define A64_TEND5 "sub x16, x16, %[rsb]\n\tsub %[tp], %[tp], #400\n\t"

/* rows >= 1 output rows of ow >= 4 pixels (act: none, ReLU or ReLU6): b the buffer at the
 * band's first row, r / o the residual (or NULL) and output of plane 0 at the band's first
 * row (output rows contiguous, planes ps bytes apart); tk: the K K tap vectors, the bias, 0
 * and 6. */
GRT_INLINE void band_a64(const float *b, size_t rs, size_t ow, size_t rows, const float *tk,
                         const float *r, float *o, size_t ps, const int K, const int S,
                         const int act) {
    const float *tp = tk;
    const size_t rsb = (size_t)K * rs - 64 * (size_t)S, n4 = ow / 4, tn = ow % 4;
    const size_t tb = (4 - tn) * 16 * (size_t)S, rowstep = (size_t)S * (rs - 16 * ow);
    size_t n;
    float *o0 = o, *o1 = (float *)((char *)o + ps), *o2 = (float *)((char *)o + 2 * ps),
          *o3 = (float *)((char *)o + 3 * ps);
    const float *r0 = r, *r1 = r, *r2 = r, *r3 = r;
    if (r != NULL) {
        r1 = (const float *)((const char *)r + ps);
        r2 = (const float *)((const char *)r + 2 * ps);
        r3 = (const float *)((const char *)r + 3 * ps);
    }
    if (K == 3 && S == 1) {
        A64_BAND(A64_SETUP3, A64_DW3S1_TILE, A64_DW3S1_TAIL1, A64_DW3S1_TAIL2,
                 A64_DW3S1_TAIL3, A64_TEND3)
    } else if (K == 3) {
        A64_BAND(A64_SETUP3, A64_DW3S2_TILE, A64_DW3S2_TAIL1, A64_DW3S2_TAIL2,
                 A64_DW3S2_TAIL3, A64_TEND3)
    } else if (S == 1) {
        A64_BAND(A64_SETUP5, A64_DW5S1_TILE, A64_DW5S1_TAIL1, A64_DW5S1_TAIL2,
                 A64_DW5S1_TAIL3, A64_TEND5)
    } else {
        A64_BAND(A64_SETUP5, A64_DW5S2_TILE, A64_DW5S2_TAIL1, A64_DW5S2_TAIL2,
                 A64_DW5S2_TAIL3, A64_TEND5)
    }
}
#endif

/* n (1..4) output pixels from buffer position b (kernel row 0, first tap column; rows rs
 * bytes apart) with the epilogue, stored to o (plane stride ps bytes); r: residual or NULL. */
GRT_INLINE void tile(const float *b, size_t rs, const float *tmem,
                     float32x4_t bias, const float *r, float *o, size_t ps, const int n,
                     const int K, const int S, const int act) {
    float32x4_t acc[4];
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ky++) {
        const float *q = (const float *)((const char *)b + (size_t)ky * rs);
        float32x4_t x[(4 - 1) * 2 + 5];
        float32x4_t t[5];
#pragma GCC unroll 5
        for (int kx = 0; kx < K; kx++) {
            t[kx] = vld1q_f32(tmem + 4 * (ky * K + kx));
        }
#pragma GCC unroll 11
        for (int i = 0; i < (n - 1) * S + K; i++) {
            x[i] = vld1q_f32(q + 4 * i);
        }
#pragma GCC unroll 5
        for (int kx = 0; kx < K; kx++) {
#pragma GCC unroll 4
            for (int j = 0; j < n; j++) {
                acc[j] = ky == 0 && kx == 0 ? vmulq_f32(x[j * S], t[0])
                                            : vfmaq_f32(acc[j], x[j * S + kx], t[kx]);
            }
        }
    }
    float32x4_t res[4];
    if (r != NULL) {
        load_tn(r, ps, res, n);
    }
#pragma GCC unroll 4
    for (int j = 0; j < n; j++) {
        acc[j] = vaddq_f32(acc[j], bias);
        if (r != NULL) {
            acc[j] = vaddq_f32(acc[j], res[j]);
        }
        acc[j] = grt_neon_act(acc[j], act);
    }
    store_tn(o, ps, acc, n);
}

/* The whole call for one (K, S, act), channels [0, c & ~3). */
GRT_INLINE void dw4c(const float *in, size_t c, size_t h, size_t w, const float *weight,
                     const float *bias, const float *residual, float *out, size_t oh,
                     size_t ow, size_t pad, const int K, const int S, const int act) {
    float buf[BUF_PX * 4] __attribute__((aligned(16)));
    const size_t pw = w + 2 * pad, hw = h * w, ohw = oh * ow;
    const size_t rs = pw * 4 * sizeof(float);
    const size_t ips = hw * sizeof(float), ops = ohw * sizeof(float);
    const size_t rows_fit = BUF_PX / pw;
    /* Output rows per band and the buffer rows they use. */
    size_t nb = (rows_fit - (size_t)K) / (size_t)S + 1;
    nb = nb < oh ? nb : oh;
    const size_t rows = (nb - 1) * (size_t)S + (size_t)K;
    const int one_band = nb == oh;
    /* Border columns: zero for the whole call. */
    for (size_t y = 0; y < rows; y++) {
        float *b = buf + y * pw * 4;
        for (size_t x = 0; x < pad; x++) {
            vst1q_f32(b + 4 * x, vdupq_n_f32(0.0f));
            vst1q_f32(b + 4 * (pad + w + x), vdupq_n_f32(0.0f));
        }
    }
    const int KK = K * K;
    /* Tap vectors (tap t of the 4 channels), the bias, 0 and 6: the asm reads the last three
     * after the taps. */
    float tmem[4 * 28] __attribute__((aligned(16)));
    vst1q_f32(tmem + 4 * KK + 4, vdupq_n_f32(0.0f));
    vst1q_f32(tmem + 4 * KK + 8, vdupq_n_f32(6.0f));
    if (nb == oh && act != GRT_ACT_HARDSIGMOID && ow >= 4 && w >= 4) {
        /* One band covers the plane (every plane up to 56 x 56): its rows outside the image
         * are zeroed once, and a group of 4 channels is 4 asm calls. */
        const ptrdiff_t iy1 = (ptrdiff_t)((oh - 1) * (size_t)S) - (ptrdiff_t)pad + K;
        const size_t ty1 = iy1 < (ptrdiff_t)h ? (size_t)iy1 : h;
        for (ptrdiff_t iy = -(ptrdiff_t)pad; iy < iy1; iy++) {
            if (iy < 0 || iy >= (ptrdiff_t)h) {
                float *b = buf + (size_t)(iy + (ptrdiff_t)pad) * pw * 4 + 4 * pad;
                for (size_t x = 0; x < w; x++) {
                    vst1q_f32(b + 4 * x, vdupq_n_f32(0.0f));
                }
            }
        }
        float *tb = buf + pad * pw * 4 + 4 * pad;
        for (size_t c0 = 0; c0 + 4 <= c; c0 += 4) {
            transpose_taps(weight + c0 * (size_t)KK, (size_t)KK, tmem);
            vst1q_f32(tmem + 4 * KK, bias != NULL ? vld1q_f32(bias + c0) : vdupq_n_f32(0.0f));
            transpose_rows(in + c0 * hw, ips, w, ty1, tb, pw);
            const float *r = residual != NULL ? residual + c0 * ohw : NULL;
#ifdef __aarch64__
            band_a64(buf, rs, ow, oh, tmem, r, out + c0 * ohw, ops, K, S, act);
#else
            (K == 3 ? (S == 1 ? band3s1_v7 : band3s2_v7)
                    : (S == 1 ? band5s1_v7 : band5s2_v7))(buf, rs, ow, oh, tmem, r,
                                                          out + c0 * ohw, ops, act);
#endif
        }
        return;
    }
    for (size_t c0 = 0; c0 + 4 <= c; c0 += 4) {
        const float *p = in + c0 * hw;
        const float *r = residual != NULL ? residual + c0 * ohw : NULL;
        float *o = out + c0 * ohw;
        const float *wt = weight + c0 * (size_t)KK;
        const float32x4_t bvec = bias != NULL ? vld1q_f32(bias + c0) : vdupq_n_f32(0.0f);
        /* Tap vectors, then the bias (0 and 6 after it are stored once per call). */
        transpose_taps(wt, (size_t)KK, tmem);
        vst1q_f32(tmem + 4 * KK, bvec);
        for (size_t oy0 = 0; oy0 < oh; oy0 += nb) {
            const size_t oy1 = oy0 + nb < oh ? oy0 + nb : oh;
            const ptrdiff_t iy0 = (ptrdiff_t)(oy0 * (size_t)S) - (ptrdiff_t)pad;
            const ptrdiff_t iy1 = (ptrdiff_t)((oy1 - 1) * (size_t)S) - (ptrdiff_t)pad + K;
            /* Rows outside the image: zeros (once per call when there is one band). */
            for (ptrdiff_t iy = iy0; iy < iy1 && !(one_band && c0 > 0); iy++) {
                float *b = buf + (size_t)(iy - iy0) * pw * 4 + 4 * pad;
                if (iy < 0 || iy >= (ptrdiff_t)h) {
                    for (size_t x = 0; x < w; x++) {
                        vst1q_f32(b + 4 * x, vdupq_n_f32(0.0f));
                    }
                }
            }
            const ptrdiff_t ty0 = iy0 > 0 ? iy0 : 0, ty1 = iy1 < (ptrdiff_t)h ? iy1 : (ptrdiff_t)h;
            float *tb = buf + (size_t)(ty0 - iy0) * pw * 4 + 4 * pad;
            if (w >= 4 && ty1 > ty0) {
                transpose_rows(p + (size_t)ty0 * w, ips, w, (size_t)(ty1 - ty0), tb, pw);
            } else {
                for (ptrdiff_t iy = ty0; iy < ty1; iy++) {
                    transpose_row(p + (size_t)iy * w, ips, w, tb + (size_t)(iy - ty0) * pw * 4);
                }
            }
            if (act != GRT_ACT_HARDSIGMOID && ow >= 4) {
                const float *rr = r != NULL ? r + oy0 * ow : NULL;
#ifdef __aarch64__
                band_a64(buf, rs, ow, oy1 - oy0, tmem, rr, o + oy0 * ow, ops, K, S, act);
#else
                (K == 3 ? (S == 1 ? band3s1_v7 : band3s2_v7)
                        : (S == 1 ? band5s1_v7 : band5s2_v7))(buf, rs, ow, oy1 - oy0, tmem, rr,
                                                              o + oy0 * ow, ops, act);
#endif
                continue;
            }
            for (size_t oy = oy0; oy < oy1; oy++) {
                const float *b = buf + (oy - oy0) * (size_t)S * pw * 4;
                const float *rr = r != NULL ? r + oy * ow : NULL;
                float *oo = o + oy * ow;
                size_t ox = 0;
                for (; ox + 4 <= ow; ox += 4) {
                    tile(b + 4 * ox * S, rs, tmem, bvec, rr != NULL ? rr + ox : NULL,
                         oo + ox, ops, 4, K, S, act);
                }
                switch (ow - ox) {
                case 3:
                    tile(b + 4 * ox * S, rs, tmem, bvec, rr != NULL ? rr + ox : NULL,
                         oo + ox, ops, 3, K, S, act);
                    break;
                case 2:
                    tile(b + 4 * ox * S, rs, tmem, bvec, rr != NULL ? rr + ox : NULL,
                         oo + ox, ops, 2, K, S, act);
                    break;
                case 1:
                    tile(b + 4 * ox * S, rs, tmem, bvec, rr != NULL ? rr + ox : NULL,
                         oo + ox, ops, 1, K, S, act);
                    break;
                default:
                    break;
                }
            }
        }
    }
}

#define DW4C_FN(K, S)                                                                          \
    static __attribute__((noinline)) void dw4c_##K##_##S(                                      \
        const float *in, size_t c, size_t h, size_t w, const float *weight, const float *bias, \
        const float *residual, float *out, size_t oh, size_t ow, size_t pad, int act) {        \
        GRT_ACT_DISPATCH(act, dw4c(in, c, h, w, weight, bias, residual, out, oh, ow, pad, K,   \
                                   S, ACT));                                                   \
    }
DW4C_FN(3, 1)
DW4C_FN(3, 2)
DW4C_FN(5, 1)
DW4C_FN(5, 2)

void grt_neon_dwconv_4c(const float *in, size_t c, size_t h, size_t w, const float *weight,
                        const float *bias, const float *residual, float *out, size_t oh,
                        size_t ow, size_t k, size_t stride, size_t pad, int act) {
    if (k == 3) {
        (stride == 1 ? dw4c_3_1 : dw4c_3_2)(in, c, h, w, weight, bias, residual, out, oh, ow,
                                             pad, act);
    } else {
        (stride == 1 ? dw4c_5_1 : dw4c_5_2)(in, c, h, w, weight, bias, residual, out, oh, ow,
                                             pad, act);
    }
}
