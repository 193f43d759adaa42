/* armv7 assembly for the flattened 3x3 stride 1 depthwise plane
 * (f32_dwconv3x3s1_flat_neon.c): blocks of 2 output vectors (8 outputs) and single vectors.
 *
 * GCC 12 for armv7 computes every load address with a separate add and reloads the taps;
 * here two VLD1 load the 9 taps into q0..q2 (tap t is d(t / 2)[t % 2], in d0..d15 as VMLA
 * by scalar requires), each tap's inputs are one VLD1 that also steps a pointer copy by one
 * float. Masked variants keep
 * the kx = 0 and kx = 2 column sums in q10..q13 and clear them with the column masks (m0,
 * and m2 at a fixed offset in struct grt_dw_flat_masks) before adding them to the kx = 1
 * sums. 44 instructions per 8 outputs masked, 34 unmasked.
 *
 * Operands: r0, r1, r2 point at the block's input in kernel rows 0, 1, 2 (column -1), t at
 * the 9 taps (12 floats readable), m0 at the block's first kx = 0 mask.
 */
#ifndef GHOSTRT_DWCONV_V7_ASM_H
#define GHOSTRT_DWCONV_V7_ASM_H
#include "dwconv_neon.h"
#ifndef __aarch64__
#include <stddef.h>

/* Byte offset of m[1][v] from m[0][v]. */
#define GRT_V7_M2_OFFSET "2112"
typedef char grt_v7_m2_offset_check[offsetof(struct grt_dw_flat_masks, m[1]) == 2112 ? 1 : -1];

#define GRT_V7_BLOCK2_MASKED \
    "mov %[x], %[r0]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmul.f32 q10, q8, d0[0]\n\t" \
    "vmul.f32 q11, q9, d0[0]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmul.f32 %q[a0], q8, d0[1]\n\t" \
    "vmul.f32 %q[a1], q9, d0[1]\n\t" \
    "vld1.32 {d16-d19}, [%[x]]\n\t" \
    "vmul.f32 q12, q8, d1[0]\n\t" \
    "vmul.f32 q13, q9, d1[0]\n\t" \
    "mov %[x], %[r1]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmla.f32 q10, q8, d1[1]\n\t" \
    "vmla.f32 q11, q9, d1[1]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmla.f32 %q[a0], q8, d2[0]\n\t" \
    "vmla.f32 %q[a1], q9, d2[0]\n\t" \
    "vld1.32 {d16-d19}, [%[x]]\n\t" \
    "vmla.f32 q12, q8, d2[1]\n\t" \
    "vmla.f32 q13, q9, d2[1]\n\t" \
    "mov %[x], %[r2]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmla.f32 q10, q8, d3[0]\n\t" \
    "vmla.f32 q11, q9, d3[0]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmla.f32 %q[a0], q8, d3[1]\n\t" \
    "vmla.f32 %q[a1], q9, d3[1]\n\t" \
    "vld1.32 {d16-d19}, [%[x]]\n\t" \
    "vmla.f32 q12, q8, d4[0]\n\t" \
    "vmla.f32 q13, q9, d4[0]\n\t" \
    "vld1.32 {d16-d19}, [%[m0]]\n\tvand q10, q10, q8\n\tvand q11, q11, q9\n\t" \
    "add %[x], %[m0], #" GRT_V7_M2_OFFSET "\n\tvld1.32 {d16-d19}, [%[x]]\n\t" \
    "vand q12, q12, q8\n\tvand q13, q13, q9\n\t" \
    "vadd.f32 %q[a0], %q[a0], q10\n\tvadd.f32 %q[a1], %q[a1], q11\n\t" \
    "vadd.f32 %q[a0], %q[a0], q12\n\tvadd.f32 %q[a1], %q[a1], q13\n\t"

#define GRT_V7_BLOCK2 \
    "mov %[x], %[r0]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmul.f32 %q[a0], q8, d0[0]\n\t" \
    "vmul.f32 %q[a1], q9, d0[0]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmla.f32 %q[a0], q8, d0[1]\n\t" \
    "vmla.f32 %q[a1], q9, d0[1]\n\t" \
    "vld1.32 {d16-d19}, [%[x]]\n\t" \
    "vmla.f32 %q[a0], q8, d1[0]\n\t" \
    "vmla.f32 %q[a1], q9, d1[0]\n\t" \
    "mov %[x], %[r1]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmla.f32 %q[a0], q8, d1[1]\n\t" \
    "vmla.f32 %q[a1], q9, d1[1]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmla.f32 %q[a0], q8, d2[0]\n\t" \
    "vmla.f32 %q[a1], q9, d2[0]\n\t" \
    "vld1.32 {d16-d19}, [%[x]]\n\t" \
    "vmla.f32 %q[a0], q8, d2[1]\n\t" \
    "vmla.f32 %q[a1], q9, d2[1]\n\t" \
    "mov %[x], %[r2]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmla.f32 %q[a0], q8, d3[0]\n\t" \
    "vmla.f32 %q[a1], q9, d3[0]\n\t" \
    "vld1.32 {d16-d19}, [%[x]], %[four]\n\t" \
    "vmla.f32 %q[a0], q8, d3[1]\n\t" \
    "vmla.f32 %q[a1], q9, d3[1]\n\t" \
    "vld1.32 {d16-d19}, [%[x]]\n\t" \
    "vmla.f32 %q[a0], q8, d4[0]\n\t" \
    "vmla.f32 %q[a1], q9, d4[0]\n\t"

#define GRT_V7_VEC1_MASKED \
    "mov %[x], %[r0]\n\t" \
    "vld1.32 {d16-d17}, [%[x]], %[four]\n\t" \
    "vmul.f32 q10, q8, d0[0]\n\t" \
    "vld1.32 {d16-d17}, [%[x]], %[four]\n\t" \
    "vmul.f32 %q[a0], q8, d0[1]\n\t" \
    "vld1.32 {d16-d17}, [%[x]]\n\t" \
    "vmul.f32 q12, q8, d1[0]\n\t" \
    "mov %[x], %[r1]\n\t" \
    "vld1.32 {d16-d17}, [%[x]], %[four]\n\t" \
    "vmla.f32 q10, q8, d1[1]\n\t" \
    "vld1.32 {d16-d17}, [%[x]], %[four]\n\t" \
    "vmla.f32 %q[a0], q8, d2[0]\n\t" \
    "vld1.32 {d16-d17}, [%[x]]\n\t" \
    "vmla.f32 q12, q8, d2[1]\n\t" \
    "mov %[x], %[r2]\n\t" \
    "vld1.32 {d16-d17}, [%[x]], %[four]\n\t" \
    "vmla.f32 q10, q8, d3[0]\n\t" \
    "vld1.32 {d16-d17}, [%[x]], %[four]\n\t" \
    "vmla.f32 %q[a0], q8, d3[1]\n\t" \
    "vld1.32 {d16-d17}, [%[x]]\n\t" \
    "vmla.f32 q12, q8, d4[0]\n\t" \
    "vld1.32 {d16-d17}, [%[m0]]\n\tvand q10, q10, q8\n\t" \
    "add %[x], %[m0], #" GRT_V7_M2_OFFSET "\n\tvld1.32 {d16-d17}, [%[x]]\n\t" \
    "vand q12, q12, q8\n\t" \
    "vadd.f32 %q[a0], %q[a0], q10\n\tvadd.f32 %q[a0], %q[a0], q12\n\t"

GRT_INLINE void grt_v7_dw3s1_flat_block2(const float *r0, const float *r1, const float *r2,
                                         const float *t, const uint32x4_t *m0, int masked,
                                         float32x4_t acc[2]) {
    float32x4_t a0, a1;
    const float *x;
    const size_t four = 4;
    if (masked) {
        __asm__("mov %[x], %[t]\n\tvld1.32 {d0-d3}, [%[x]]!\n\tvld1.32 {d4-d5}, [%[x]]\n\t" GRT_V7_BLOCK2_MASKED
                : [a0] "=&w"(a0), [a1] "=&w"(a1), [x] "=&r"(x)
                : [r0] "r"(r0), [r1] "r"(r1), [r2] "r"(r2), [four] "r"(four), [t] "r"(t),
                  [m0] "r"(m0)
                : "q0", "q1", "q2", "q8", "q9", "q10", "q11", "q12", "q13", "memory");
    } else {
        __asm__("mov %[x], %[t]\n\tvld1.32 {d0-d3}, [%[x]]!\n\tvld1.32 {d4-d5}, [%[x]]\n\t" GRT_V7_BLOCK2
                : [a0] "=&w"(a0), [a1] "=&w"(a1), [x] "=&r"(x)
                : [r0] "r"(r0), [r1] "r"(r1), [r2] "r"(r2), [four] "r"(four), [t] "r"(t)
                : "q0", "q1", "q2", "q8", "q9", "memory");
    }
    acc[0] = a0;
    acc[1] = a1;
}

GRT_INLINE float32x4_t grt_v7_dw3s1_flat_vec1(const float *r0, const float *r1,
                                              const float *r2, const float *t,
                                              const uint32x4_t *m0) {
    float32x4_t a0;
    const float *x;
    const size_t four = 4;
    __asm__("mov %[x], %[t]\n\tvld1.32 {d0-d3}, [%[x]]!\n\tvld1.32 {d4-d5}, [%[x]]\n\t" GRT_V7_VEC1_MASKED
            : [a0] "=&w"(a0), [x] "=&r"(x)
            : [r0] "r"(r0), [r1] "r"(r1), [r2] "r"(r2), [four] "r"(four), [t] "r"(t),
              [m0] "r"(m0)
            : "q0", "q1", "q2", "q8", "q10", "q12", "memory");
    return a0;
}

#endif
#endif
