/* aarch64 assembly for the depthwise blocks that carry most of the work: 4 output vectors
 * (16 consecutive outputs) of one row or of a flattened plane, all taps, accumulators
 * returned in registers to the C epilogue.
 *
 * Why assembly: written with intrinsics, GCC 12 keeps LD1-of-4-registers structures and
 * vector arrays of this size in memory and re-broadcasts the taps for every row, which
 * doubled the instruction count of these loops. Here every load steps its own copy of a
 * row pointer (post-index by a register: an immediate must equal the transfer size) and
 * every tap is one FMLA by element per vector:
 *   3x3 s1: 9 LD1 (4 registers) + 36 FMLA per 16 outputs,
 *   3x3 s2: 24 LD2 + 36 FMLA, 5x5 s2: 60 LD2 + 100 FMLA.
 * Stride 2 uses LD2 (deinterleave): of the 8 floats from column c, the even lanes are tap
 * kx's inputs and the odd lanes tap kx + 1's.
 *
 * Operands: r0.. point at the first input float of the block in each kernel row (column
 * j * S - pad); t0.. hold the taps, tap t = ky * K + kx in lane t % 4 of register t / 4.
 * Scratch: x16 (a pointer copy), v16..v19 (inputs) and, for the flattened plane, v20..v27
 * (column sums).
 */
#ifndef GHOSTRT_DWCONV_A64_ASM_H
#define GHOSTRT_DWCONV_A64_ASM_H
#include "neon_common.h"
#ifdef __aarch64__

/* %[a0]..%[a3] (op)= v16..v19 * tap; op is fmul for an accumulator's first tap. */
#define GRT_A64_A4(op, tap)                                                                    \
    op " %[a0].4s, v16.4s, " tap "\n\t" op " %[a1].4s, v17.4s, " tap "\n\t"                    \
    op " %[a2].4s, v18.4s, " tap "\n\t" op " %[a3].4s, v19.4s, " tap "\n\t"
/* v20..v23 / v24..v27 (op)= v16..v19 * tap: the kx = 0 / kx = 2 column sums of the
 * flattened plane. */
#define GRT_A64_T4C0(op, tap)                                                                  \
    op " v20.4s, v16.4s, " tap "\n\t" op " v21.4s, v17.4s, " tap "\n\t"                    \
    op " v22.4s, v18.4s, " tap "\n\t" op " v23.4s, v19.4s, " tap "\n\t"
#define GRT_A64_T4C2(op, tap)                                                                  \
    op " v24.4s, v16.4s, " tap "\n\t" op " v25.4s, v17.4s, " tap "\n\t"                    \
    op " v26.4s, v18.4s, " tap "\n\t" op " v27.4s, v19.4s, " tap "\n\t"
#define GRT_A64_LD4 "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [x16]"
#define GRT_A64_OUT4                                                                           \
    [a0] "=&w"(a0), [a1] "=&w"(a1), [a2] "=&w"(a2), [a3] "=&w"(a3)
#define GRT_A64_RET4                                                                           \
    acc[0] = a0;                                                                               \
    acc[1] = a1;                                                                               \
    acc[2] = a2;                                                                               \
    acc[3] = a3
/* 3x3 stride 1: the inputs of kernel row ky, column kx are the 16 floats at r_ky + kx. */
#define GRT_A64_DW3S1_BODY \
    "mov x16, %[r0]\n\t" \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_A4("fmul", "%[t0].s[0]") \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_A4("fmla", "%[t0].s[1]") \
    GRT_A64_LD4 "\n\t" GRT_A64_A4("fmla", "%[t0].s[2]") \
    "mov x16, %[r1]\n\t" \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_A4("fmla", "%[t0].s[3]") \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_A4("fmla", "%[t1].s[0]") \
    GRT_A64_LD4 "\n\t" GRT_A64_A4("fmla", "%[t1].s[1]") \
    "mov x16, %[r2]\n\t" \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_A4("fmla", "%[t1].s[2]") \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_A4("fmla", "%[t1].s[3]") \
    GRT_A64_LD4 "\n\t" GRT_A64_A4("fmla", "%[t2].s[0]")

GRT_INLINE void grt_a64_dw3s1_block4(const float *r0, const float *r1, const float *r2,
                                     float32x4_t t0, float32x4_t t1, float32x4_t t2,
                                     float32x4_t acc[4]) {
    float32x4_t a0, a1, a2, a3;
    __asm__(GRT_A64_DW3S1_BODY
            : GRT_A64_OUT4
            : [r0] "r"(r0), [r1] "r"(r1), [r2] "r"(r2), [t0] "w"(t0), [t1] "w"(t1),
              [t2] "w"(t2), [s4] "r"((size_t)4)
            : "x16", "v16", "v17", "v18", "v19", "memory");
    GRT_A64_RET4;
}

/* 3x3 stride 1 on a flattened plane: the kx = 0 and kx = 2 column sums (v20..v23,
 * v24..v27) are ANDed with the column masks m0 and m2 (4 vectors each) before they are
 * added to the kx = 1 sums. */
#define GRT_A64_DW3S1_FLAT_BODY \
    "mov x16, %[r0]\n\t" \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_T4C0("fmul", "%[t0].s[0]") \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_A4("fmul", "%[t0].s[1]") \
    GRT_A64_LD4 "\n\t" GRT_A64_T4C2("fmul", "%[t0].s[2]") \
    "mov x16, %[r1]\n\t" \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_T4C0("fmla", "%[t0].s[3]") \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_A4("fmla", "%[t1].s[0]") \
    GRT_A64_LD4 "\n\t" GRT_A64_T4C2("fmla", "%[t1].s[1]") \
    "mov x16, %[r2]\n\t" \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_T4C0("fmla", "%[t1].s[2]") \
    GRT_A64_LD4 ", %[s4]\n\t" GRT_A64_A4("fmla", "%[t1].s[3]") \
    GRT_A64_LD4 "\n\t" GRT_A64_T4C2("fmla", "%[t2].s[0]") \
    "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[m0]]\n\t" \
    "and v20.16b, v20.16b, v16.16b\n\tand v21.16b, v21.16b, v17.16b\n\t" \
    "and v22.16b, v22.16b, v18.16b\n\tand v23.16b, v23.16b, v19.16b\n\t" \
    "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[m2]]\n\t" \
    "and v24.16b, v24.16b, v16.16b\n\tand v25.16b, v25.16b, v17.16b\n\t" \
    "and v26.16b, v26.16b, v18.16b\n\tand v27.16b, v27.16b, v19.16b\n\t" \
    "fadd %[a0].4s, %[a0].4s, v20.4s\n\tfadd %[a1].4s, %[a1].4s, v21.4s\n\t" \
    "fadd %[a2].4s, %[a2].4s, v22.4s\n\tfadd %[a3].4s, %[a3].4s, v23.4s\n\t" \
    "fadd %[a0].4s, %[a0].4s, v24.4s\n\tfadd %[a1].4s, %[a1].4s, v25.4s\n\t" \
    "fadd %[a2].4s, %[a2].4s, v26.4s\n\tfadd %[a3].4s, %[a3].4s, v27.4s\n\t"

GRT_INLINE void grt_a64_dw3s1_flat_block4(const float *r0, const float *r1, const float *r2,
                                          float32x4_t t0, float32x4_t t1, float32x4_t t2,
                                          const uint32x4_t *m0, const uint32x4_t *m2,
                                          float32x4_t acc[4]) {
    float32x4_t a0, a1, a2, a3;
    __asm__(GRT_A64_DW3S1_FLAT_BODY
            : GRT_A64_OUT4
            : [r0] "r"(r0), [r1] "r"(r1), [r2] "r"(r2), [t0] "w"(t0), [t1] "w"(t1),
              [t2] "w"(t2), [m0] "r"(m0), [m2] "r"(m2), [s4] "r"((size_t)4)
            : "x16", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25",
              "v26", "v27", "memory");
    GRT_A64_RET4;
}

/* One vector of the flattened 3x3 plane (4 outputs): loads at immediate offsets, the kx = 0
 * and kx = 2 column sums masked by m0 / m2 and added to the kx = 1 sum. */
#define GRT_A64_DW3S1_FLAT_VEC1_BODY \
    "ldr q16, [%[r0]]\n\t" \
    "ldur q17, [%[r0], #4]\n\t" \
    "ldur q18, [%[r0], #8]\n\t" \
    "fmul v20.4s, v16.4s, %[t0].s[0]\n\t" "fmul %[a].4s, v17.4s, %[t0].s[1]\n\t" "fmul v21.4s, v18.4s, %[t0].s[2]\n\t" \
    "ldr q16, [%[r1]]\n\t" \
    "ldur q17, [%[r1], #4]\n\t" \
    "ldur q18, [%[r1], #8]\n\t" \
    "fmla v20.4s, v16.4s, %[t0].s[3]\n\t" "fmla %[a].4s, v17.4s, %[t1].s[0]\n\t" "fmla v21.4s, v18.4s, %[t1].s[1]\n\t" \
    "ldr q16, [%[r2]]\n\t" \
    "ldur q17, [%[r2], #4]\n\t" \
    "ldur q18, [%[r2], #8]\n\t" \
    "fmla v20.4s, v16.4s, %[t1].s[2]\n\t" "fmla %[a].4s, v17.4s, %[t1].s[3]\n\t" "fmla v21.4s, v18.4s, %[t2].s[0]\n\t" \
    "ldr q16, [%[m0]]\n\tldr q17, [%[m2]]\n\t" \
    "and v20.16b, v20.16b, v16.16b\n\tand v21.16b, v21.16b, v17.16b\n\t" \
    "fadd %[a].4s, %[a].4s, v20.4s\n\tfadd %[a].4s, %[a].4s, v21.4s\n\t"

GRT_INLINE float32x4_t grt_a64_dw3s1_flat_vec1(const float *r0, const float *r1, const float *r2,
                                              float32x4_t t0, float32x4_t t1, float32x4_t t2,
                                              const uint32x4_t *m0, const uint32x4_t *m2) {
    float32x4_t a;
    __asm__(GRT_A64_DW3S1_FLAT_VEC1_BODY
            : [a] "=&w"(a)
            : [r0] "r"(r0), [r1] "r"(r1), [r2] "r"(r2), [t0] "w"(t0), [t1] "w"(t1),
              [t2] "w"(t2), [m0] "r"(m0), [m2] "r"(m2)
            : "v16", "v17", "v18", "v20", "v21", "memory");
    return a;
}

/* 3x3 stride 2: per kernel row and output vector, LD2s at columns 0, 2 of its 8-float
 * window give taps (0, 1), (2, 3) (2 only). */
#define GRT_A64_DW3S2_BODY \
    "mov x16, %[r0]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmul %[a0].4s, v16.4s, " "%[t0].s[0]" "\n\t" \
    "fmla %[a0].4s, v17.4s, " "%[t0].s[1]" "\n\t" \
    "fmla %[a0].4s, v18.4s, " "%[t0].s[2]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmul %[a1].4s, v16.4s, " "%[t0].s[0]" "\n\t" \
    "fmla %[a1].4s, v17.4s, " "%[t0].s[1]" "\n\t" \
    "fmla %[a1].4s, v18.4s, " "%[t0].s[2]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmul %[a2].4s, v16.4s, " "%[t0].s[0]" "\n\t" \
    "fmla %[a2].4s, v17.4s, " "%[t0].s[1]" "\n\t" \
    "fmla %[a2].4s, v18.4s, " "%[t0].s[2]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmul %[a3].4s, v16.4s, " "%[t0].s[0]" "\n\t" \
    "fmla %[a3].4s, v17.4s, " "%[t0].s[1]" "\n\t" \
    "fmla %[a3].4s, v18.4s, " "%[t0].s[2]" "\n\t" \
    "mov x16, %[r1]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmla %[a0].4s, v16.4s, " "%[t0].s[3]" "\n\t" \
    "fmla %[a0].4s, v17.4s, " "%[t1].s[0]" "\n\t" \
    "fmla %[a0].4s, v18.4s, " "%[t1].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmla %[a1].4s, v16.4s, " "%[t0].s[3]" "\n\t" \
    "fmla %[a1].4s, v17.4s, " "%[t1].s[0]" "\n\t" \
    "fmla %[a1].4s, v18.4s, " "%[t1].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmla %[a2].4s, v16.4s, " "%[t0].s[3]" "\n\t" \
    "fmla %[a2].4s, v17.4s, " "%[t1].s[0]" "\n\t" \
    "fmla %[a2].4s, v18.4s, " "%[t1].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmla %[a3].4s, v16.4s, " "%[t0].s[3]" "\n\t" \
    "fmla %[a3].4s, v17.4s, " "%[t1].s[0]" "\n\t" \
    "fmla %[a3].4s, v18.4s, " "%[t1].s[1]" "\n\t" \
    "mov x16, %[r2]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmla %[a0].4s, v16.4s, " "%[t1].s[2]" "\n\t" \
    "fmla %[a0].4s, v17.4s, " "%[t1].s[3]" "\n\t" \
    "fmla %[a0].4s, v18.4s, " "%[t2].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmla %[a1].4s, v16.4s, " "%[t1].s[2]" "\n\t" \
    "fmla %[a1].4s, v17.4s, " "%[t1].s[3]" "\n\t" \
    "fmla %[a1].4s, v18.4s, " "%[t2].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmla %[a2].4s, v16.4s, " "%[t1].s[2]" "\n\t" \
    "fmla %[a2].4s, v17.4s, " "%[t1].s[3]" "\n\t" \
    "fmla %[a2].4s, v18.4s, " "%[t2].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s24]\n\t" \
    "fmla %[a3].4s, v16.4s, " "%[t1].s[2]" "\n\t" \
    "fmla %[a3].4s, v17.4s, " "%[t1].s[3]" "\n\t" \
    "fmla %[a3].4s, v18.4s, " "%[t2].s[0]" "\n\t"

GRT_INLINE void grt_a64_dw3s2_block4(const float *r0, const float *r1, const float *r2,
                                     float32x4_t t0, float32x4_t t1, float32x4_t t2,
                                     float32x4_t acc[4]) {
    float32x4_t a0, a1, a2, a3;
    __asm__(GRT_A64_DW3S2_BODY
            : GRT_A64_OUT4
            : [r0] "r"(r0), [r1] "r"(r1), [r2] "r"(r2), [t0] "w"(t0), [t1] "w"(t1),
              [t2] "w"(t2), [s8] "r"((size_t)8), [s24] "r"((size_t)24)
            : "x16", "v16", "v17", "v18", "v19", "memory");
    GRT_A64_RET4;
}

/* 5x5 stride 2: per kernel row and output vector, LD2s at columns 0, 2, 4 of its 8-float
 * window give taps (0, 1), (2, 3) and 4. */
#define GRT_A64_DW5S2_BODY \
    "mov x16, %[r0]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmul %[a0].4s, v16.4s, " "%[t0].s[0]" "\n\t" \
    "fmla %[a0].4s, v17.4s, " "%[t0].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a0].4s, v18.4s, " "%[t0].s[2]" "\n\t" \
    "fmla %[a0].4s, v19.4s, " "%[t0].s[3]" "\n\t" \
    "fmla %[a0].4s, v16.4s, " "%[t1].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmul %[a1].4s, v16.4s, " "%[t0].s[0]" "\n\t" \
    "fmla %[a1].4s, v17.4s, " "%[t0].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a1].4s, v18.4s, " "%[t0].s[2]" "\n\t" \
    "fmla %[a1].4s, v19.4s, " "%[t0].s[3]" "\n\t" \
    "fmla %[a1].4s, v16.4s, " "%[t1].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmul %[a2].4s, v16.4s, " "%[t0].s[0]" "\n\t" \
    "fmla %[a2].4s, v17.4s, " "%[t0].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a2].4s, v18.4s, " "%[t0].s[2]" "\n\t" \
    "fmla %[a2].4s, v19.4s, " "%[t0].s[3]" "\n\t" \
    "fmla %[a2].4s, v16.4s, " "%[t1].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmul %[a3].4s, v16.4s, " "%[t0].s[0]" "\n\t" \
    "fmla %[a3].4s, v17.4s, " "%[t0].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a3].4s, v18.4s, " "%[t0].s[2]" "\n\t" \
    "fmla %[a3].4s, v19.4s, " "%[t0].s[3]" "\n\t" \
    "fmla %[a3].4s, v16.4s, " "%[t1].s[0]" "\n\t" \
    "mov x16, %[r1]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a0].4s, v16.4s, " "%[t1].s[1]" "\n\t" \
    "fmla %[a0].4s, v17.4s, " "%[t1].s[2]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a0].4s, v18.4s, " "%[t1].s[3]" "\n\t" \
    "fmla %[a0].4s, v19.4s, " "%[t2].s[0]" "\n\t" \
    "fmla %[a0].4s, v16.4s, " "%[t2].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a1].4s, v16.4s, " "%[t1].s[1]" "\n\t" \
    "fmla %[a1].4s, v17.4s, " "%[t1].s[2]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a1].4s, v18.4s, " "%[t1].s[3]" "\n\t" \
    "fmla %[a1].4s, v19.4s, " "%[t2].s[0]" "\n\t" \
    "fmla %[a1].4s, v16.4s, " "%[t2].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a2].4s, v16.4s, " "%[t1].s[1]" "\n\t" \
    "fmla %[a2].4s, v17.4s, " "%[t1].s[2]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a2].4s, v18.4s, " "%[t1].s[3]" "\n\t" \
    "fmla %[a2].4s, v19.4s, " "%[t2].s[0]" "\n\t" \
    "fmla %[a2].4s, v16.4s, " "%[t2].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a3].4s, v16.4s, " "%[t1].s[1]" "\n\t" \
    "fmla %[a3].4s, v17.4s, " "%[t1].s[2]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a3].4s, v18.4s, " "%[t1].s[3]" "\n\t" \
    "fmla %[a3].4s, v19.4s, " "%[t2].s[0]" "\n\t" \
    "fmla %[a3].4s, v16.4s, " "%[t2].s[1]" "\n\t" \
    "mov x16, %[r2]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a0].4s, v16.4s, " "%[t2].s[2]" "\n\t" \
    "fmla %[a0].4s, v17.4s, " "%[t2].s[3]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a0].4s, v18.4s, " "%[t3].s[0]" "\n\t" \
    "fmla %[a0].4s, v19.4s, " "%[t3].s[1]" "\n\t" \
    "fmla %[a0].4s, v16.4s, " "%[t3].s[2]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a1].4s, v16.4s, " "%[t2].s[2]" "\n\t" \
    "fmla %[a1].4s, v17.4s, " "%[t2].s[3]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a1].4s, v18.4s, " "%[t3].s[0]" "\n\t" \
    "fmla %[a1].4s, v19.4s, " "%[t3].s[1]" "\n\t" \
    "fmla %[a1].4s, v16.4s, " "%[t3].s[2]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a2].4s, v16.4s, " "%[t2].s[2]" "\n\t" \
    "fmla %[a2].4s, v17.4s, " "%[t2].s[3]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a2].4s, v18.4s, " "%[t3].s[0]" "\n\t" \
    "fmla %[a2].4s, v19.4s, " "%[t3].s[1]" "\n\t" \
    "fmla %[a2].4s, v16.4s, " "%[t3].s[2]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a3].4s, v16.4s, " "%[t2].s[2]" "\n\t" \
    "fmla %[a3].4s, v17.4s, " "%[t2].s[3]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a3].4s, v18.4s, " "%[t3].s[0]" "\n\t" \
    "fmla %[a3].4s, v19.4s, " "%[t3].s[1]" "\n\t" \
    "fmla %[a3].4s, v16.4s, " "%[t3].s[2]" "\n\t" \
    "mov x16, %[r3]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a0].4s, v16.4s, " "%[t3].s[3]" "\n\t" \
    "fmla %[a0].4s, v17.4s, " "%[t4].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a0].4s, v18.4s, " "%[t4].s[1]" "\n\t" \
    "fmla %[a0].4s, v19.4s, " "%[t4].s[2]" "\n\t" \
    "fmla %[a0].4s, v16.4s, " "%[t4].s[3]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a1].4s, v16.4s, " "%[t3].s[3]" "\n\t" \
    "fmla %[a1].4s, v17.4s, " "%[t4].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a1].4s, v18.4s, " "%[t4].s[1]" "\n\t" \
    "fmla %[a1].4s, v19.4s, " "%[t4].s[2]" "\n\t" \
    "fmla %[a1].4s, v16.4s, " "%[t4].s[3]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a2].4s, v16.4s, " "%[t3].s[3]" "\n\t" \
    "fmla %[a2].4s, v17.4s, " "%[t4].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a2].4s, v18.4s, " "%[t4].s[1]" "\n\t" \
    "fmla %[a2].4s, v19.4s, " "%[t4].s[2]" "\n\t" \
    "fmla %[a2].4s, v16.4s, " "%[t4].s[3]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a3].4s, v16.4s, " "%[t3].s[3]" "\n\t" \
    "fmla %[a3].4s, v17.4s, " "%[t4].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a3].4s, v18.4s, " "%[t4].s[1]" "\n\t" \
    "fmla %[a3].4s, v19.4s, " "%[t4].s[2]" "\n\t" \
    "fmla %[a3].4s, v16.4s, " "%[t4].s[3]" "\n\t" \
    "mov x16, %[r4]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a0].4s, v16.4s, " "%[t5].s[0]" "\n\t" \
    "fmla %[a0].4s, v17.4s, " "%[t5].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a0].4s, v18.4s, " "%[t5].s[2]" "\n\t" \
    "fmla %[a0].4s, v19.4s, " "%[t5].s[3]" "\n\t" \
    "fmla %[a0].4s, v16.4s, " "%[t6].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a1].4s, v16.4s, " "%[t5].s[0]" "\n\t" \
    "fmla %[a1].4s, v17.4s, " "%[t5].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a1].4s, v18.4s, " "%[t5].s[2]" "\n\t" \
    "fmla %[a1].4s, v19.4s, " "%[t5].s[3]" "\n\t" \
    "fmla %[a1].4s, v16.4s, " "%[t6].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a2].4s, v16.4s, " "%[t5].s[0]" "\n\t" \
    "fmla %[a2].4s, v17.4s, " "%[t5].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a2].4s, v18.4s, " "%[t5].s[2]" "\n\t" \
    "fmla %[a2].4s, v19.4s, " "%[t5].s[3]" "\n\t" \
    "fmla %[a2].4s, v16.4s, " "%[t6].s[0]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a3].4s, v16.4s, " "%[t5].s[0]" "\n\t" \
    "fmla %[a3].4s, v17.4s, " "%[t5].s[1]" "\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s16]\n\t" \
    "fmla %[a3].4s, v18.4s, " "%[t5].s[2]" "\n\t" \
    "fmla %[a3].4s, v19.4s, " "%[t5].s[3]" "\n\t" \
    "fmla %[a3].4s, v16.4s, " "%[t6].s[0]" "\n\t"

GRT_INLINE void grt_a64_dw5s2_block4(const float *const r[5], const float32x4_t t[7],
                                     float32x4_t acc[4]) {
    float32x4_t a0, a1, a2, a3;
    __asm__(GRT_A64_DW5S2_BODY
            : GRT_A64_OUT4
            : [r0] "r"(r[0]), [r1] "r"(r[1]), [r2] "r"(r[2]), [r3] "r"(r[3]), [r4] "r"(r[4]),
              [t0] "w"(t[0]), [t1] "w"(t[1]), [t2] "w"(t[2]), [t3] "w"(t[3]), [t4] "w"(t[4]),
              [t5] "w"(t[5]), [t6] "w"(t[6]), [s8] "r"((size_t)8), [s16] "r"((size_t)16)
            : "x16", "v16", "v17", "v18", "v19", "memory");
    GRT_A64_RET4;
}

/* Single stride-2 vectors (4 outputs) for rows too narrow for blocks: per kernel row, LD2s at
 * columns 0, 2 (and 4) give taps (0, 1), (2, 3) (and 4). The masked variants (edge vectors,
 * which read past the row) keep one partial sum per kernel column in v20.. and clear each
 * with its column mask m[kx] before adding them up. */
#define GRT_A64_DW3S2_VEC1_BODY \
    "mov x16, %[r0]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmul %[a].4s, v16.4s, %[t0].s[0]\n\t" \
    "fmla %[a].4s, v17.4s, %[t0].s[1]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16]\n\t" \
    "fmla %[a].4s, v18.4s, %[t0].s[2]\n\t" \
    "mov x16, %[r1]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla %[a].4s, v16.4s, %[t0].s[3]\n\t" \
    "fmla %[a].4s, v17.4s, %[t1].s[0]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16]\n\t" \
    "fmla %[a].4s, v18.4s, %[t1].s[1]\n\t" \
    "mov x16, %[r2]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla %[a].4s, v16.4s, %[t1].s[2]\n\t" \
    "fmla %[a].4s, v17.4s, %[t1].s[3]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16]\n\t" \
    "fmla %[a].4s, v18.4s, %[t2].s[0]\n\t"

GRT_INLINE float32x4_t grt_a64_dw3s2_vec1(const float *const r[3], const float32x4_t t[3]) {
    float32x4_t a;
    __asm__(GRT_A64_DW3S2_VEC1_BODY
            : [a] "=&w"(a)
            : [r0] "r"(r[0]), [r1] "r"(r[1]), [r2] "r"(r[2]), [t0] "w"(t[0]), [t1] "w"(t[1]), [t2] "w"(t[2]), [s8] "r"((size_t)8)
            : "x16", "v16", "v17", "v18", "v19", "memory");
    return a;
}

#define GRT_A64_DW3S2_VEC1_MASKED_BODY \
    "mov x16, %[r0]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmul v20.4s, v16.4s, %[t0].s[0]\n\t" \
    "fmul v21.4s, v17.4s, %[t0].s[1]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16]\n\t" \
    "fmul v22.4s, v18.4s, %[t0].s[2]\n\t" \
    "mov x16, %[r1]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla v20.4s, v16.4s, %[t0].s[3]\n\t" \
    "fmla v21.4s, v17.4s, %[t1].s[0]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16]\n\t" \
    "fmla v22.4s, v18.4s, %[t1].s[1]\n\t" \
    "mov x16, %[r2]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla v20.4s, v16.4s, %[t1].s[2]\n\t" \
    "fmla v21.4s, v17.4s, %[t1].s[3]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16]\n\t" \
    "fmla v22.4s, v18.4s, %[t2].s[0]\n\t" \
    "ldr q16, [%[m], #0]\n\tand v20.16b, v20.16b, v16.16b\n\t" \
    "ldr q16, [%[m], #16]\n\tand v21.16b, v21.16b, v16.16b\n\t" \
    "ldr q16, [%[m], #32]\n\tand v22.16b, v22.16b, v16.16b\n\t" \
    "fadd %[a].4s, v20.4s, v21.4s\n\t" \
    "fadd %[a].4s, %[a].4s, v22.4s\n\t"

GRT_INLINE float32x4_t grt_a64_dw3s2_vec1_masked(const float *const r[3], const float32x4_t t[3], const uint32x4_t *m) {
    float32x4_t a;
    __asm__(GRT_A64_DW3S2_VEC1_MASKED_BODY
            : [a] "=&w"(a)
            : [r0] "r"(r[0]), [r1] "r"(r[1]), [r2] "r"(r[2]), [t0] "w"(t[0]), [t1] "w"(t[1]), [t2] "w"(t[2]), [m] "r"(m), [s8] "r"((size_t)8)
            : "x16", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "memory");
    return a;
}

#define GRT_A64_DW5S2_VEC1_BODY \
    "mov x16, %[r0]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmul %[a].4s, v16.4s, %[t0].s[0]\n\t" \
    "fmla %[a].4s, v17.4s, %[t0].s[1]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a].4s, v18.4s, %[t0].s[2]\n\t" \
    "fmla %[a].4s, v19.4s, %[t0].s[3]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16]\n\t" \
    "fmla %[a].4s, v16.4s, %[t1].s[0]\n\t" \
    "mov x16, %[r1]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla %[a].4s, v16.4s, %[t1].s[1]\n\t" \
    "fmla %[a].4s, v17.4s, %[t1].s[2]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a].4s, v18.4s, %[t1].s[3]\n\t" \
    "fmla %[a].4s, v19.4s, %[t2].s[0]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16]\n\t" \
    "fmla %[a].4s, v16.4s, %[t2].s[1]\n\t" \
    "mov x16, %[r2]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla %[a].4s, v16.4s, %[t2].s[2]\n\t" \
    "fmla %[a].4s, v17.4s, %[t2].s[3]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a].4s, v18.4s, %[t3].s[0]\n\t" \
    "fmla %[a].4s, v19.4s, %[t3].s[1]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16]\n\t" \
    "fmla %[a].4s, v16.4s, %[t3].s[2]\n\t" \
    "mov x16, %[r3]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla %[a].4s, v16.4s, %[t3].s[3]\n\t" \
    "fmla %[a].4s, v17.4s, %[t4].s[0]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a].4s, v18.4s, %[t4].s[1]\n\t" \
    "fmla %[a].4s, v19.4s, %[t4].s[2]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16]\n\t" \
    "fmla %[a].4s, v16.4s, %[t4].s[3]\n\t" \
    "mov x16, %[r4]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla %[a].4s, v16.4s, %[t5].s[0]\n\t" \
    "fmla %[a].4s, v17.4s, %[t5].s[1]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla %[a].4s, v18.4s, %[t5].s[2]\n\t" \
    "fmla %[a].4s, v19.4s, %[t5].s[3]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16]\n\t" \
    "fmla %[a].4s, v16.4s, %[t6].s[0]\n\t"

GRT_INLINE float32x4_t grt_a64_dw5s2_vec1(const float *const r[5], const float32x4_t t[7]) {
    float32x4_t a;
    __asm__(GRT_A64_DW5S2_VEC1_BODY
            : [a] "=&w"(a)
            : [r0] "r"(r[0]), [r1] "r"(r[1]), [r2] "r"(r[2]), [r3] "r"(r[3]), [r4] "r"(r[4]), [t0] "w"(t[0]), [t1] "w"(t[1]), [t2] "w"(t[2]), [t3] "w"(t[3]), [t4] "w"(t[4]), [t5] "w"(t[5]), [t6] "w"(t[6]), [s8] "r"((size_t)8)
            : "x16", "v16", "v17", "v18", "v19", "memory");
    return a;
}

#define GRT_A64_DW5S2_VEC1_MASKED_BODY \
    "mov x16, %[r0]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmul v20.4s, v16.4s, %[t0].s[0]\n\t" \
    "fmul v21.4s, v17.4s, %[t0].s[1]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmul v22.4s, v18.4s, %[t0].s[2]\n\t" \
    "fmul v23.4s, v19.4s, %[t0].s[3]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16]\n\t" \
    "fmul v24.4s, v16.4s, %[t1].s[0]\n\t" \
    "mov x16, %[r1]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla v20.4s, v16.4s, %[t1].s[1]\n\t" \
    "fmla v21.4s, v17.4s, %[t1].s[2]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla v22.4s, v18.4s, %[t1].s[3]\n\t" \
    "fmla v23.4s, v19.4s, %[t2].s[0]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16]\n\t" \
    "fmla v24.4s, v16.4s, %[t2].s[1]\n\t" \
    "mov x16, %[r2]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla v20.4s, v16.4s, %[t2].s[2]\n\t" \
    "fmla v21.4s, v17.4s, %[t2].s[3]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla v22.4s, v18.4s, %[t3].s[0]\n\t" \
    "fmla v23.4s, v19.4s, %[t3].s[1]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16]\n\t" \
    "fmla v24.4s, v16.4s, %[t3].s[2]\n\t" \
    "mov x16, %[r3]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla v20.4s, v16.4s, %[t3].s[3]\n\t" \
    "fmla v21.4s, v17.4s, %[t4].s[0]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla v22.4s, v18.4s, %[t4].s[1]\n\t" \
    "fmla v23.4s, v19.4s, %[t4].s[2]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16]\n\t" \
    "fmla v24.4s, v16.4s, %[t4].s[3]\n\t" \
    "mov x16, %[r4]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16], %[s8]\n\t" \
    "fmla v20.4s, v16.4s, %[t5].s[0]\n\t" \
    "fmla v21.4s, v17.4s, %[t5].s[1]\n\t" \
    "ld2 {v18.4s, v19.4s}, [x16], %[s8]\n\t" \
    "fmla v22.4s, v18.4s, %[t5].s[2]\n\t" \
    "fmla v23.4s, v19.4s, %[t5].s[3]\n\t" \
    "ld2 {v16.4s, v17.4s}, [x16]\n\t" \
    "fmla v24.4s, v16.4s, %[t6].s[0]\n\t" \
    "ldr q16, [%[m], #0]\n\tand v20.16b, v20.16b, v16.16b\n\t" \
    "ldr q16, [%[m], #16]\n\tand v21.16b, v21.16b, v16.16b\n\t" \
    "ldr q16, [%[m], #32]\n\tand v22.16b, v22.16b, v16.16b\n\t" \
    "ldr q16, [%[m], #48]\n\tand v23.16b, v23.16b, v16.16b\n\t" \
    "ldr q16, [%[m], #64]\n\tand v24.16b, v24.16b, v16.16b\n\t" \
    "fadd %[a].4s, v20.4s, v21.4s\n\t" \
    "fadd %[a].4s, %[a].4s, v22.4s\n\t" \
    "fadd %[a].4s, %[a].4s, v23.4s\n\t" \
    "fadd %[a].4s, %[a].4s, v24.4s\n\t"

GRT_INLINE float32x4_t grt_a64_dw5s2_vec1_masked(const float *const r[5], const float32x4_t t[7], const uint32x4_t *m) {
    float32x4_t a;
    __asm__(GRT_A64_DW5S2_VEC1_MASKED_BODY
            : [a] "=&w"(a)
            : [r0] "r"(r[0]), [r1] "r"(r[1]), [r2] "r"(r[2]), [r3] "r"(r[3]), [r4] "r"(r[4]), [t0] "w"(t[0]), [t1] "w"(t[1]), [t2] "w"(t[2]), [t3] "w"(t[3]), [t4] "w"(t[4]), [t5] "w"(t[5]), [t6] "w"(t[6]), [m] "r"(m), [s8] "r"((size_t)8)
            : "x16", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "memory");
    return a;
}

#endif
#endif
