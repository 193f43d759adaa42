/* Assembly of the full conv1x1 tile, the GEMM's hot loop (included by f32_conv1x1_neon.c).
 *
 * One asm block runs a whole 4-channel tile: the channel loop and the epilogue (bias,
 * residual, activation, store) on the accumulators in registers. GCC 12, given the channel
 * loop in intrinsics, schedules all input loads first and spills accumulators, and an
 * epilogue in C would need the accumulators back from memory.
 *
 * aarch64, 4 x 24 tile: accumulator of channel r, pixel vector j is v(8 + 6 r + j), so
 * channel r's 24 pixels are 6 consecutive registers (two ST1 per channel). The accumulators
 * start as the bias (DUP by lane), so the epilogue has no bias add. Per input channel: one
 * weight load (4 channels, v0 or v7), two input loads (v1..v6, 24 pixels) that also step to
 * the next channel (post-index by the plane stride), 24 FMLA by element; four channels per
 * loop turn. Residual loads and output stores step to the next channel row by post-index.
 * armv7, 4 x 12 tile: accumulators q4..q15 (channel r, vector j in q(4 + 3 r + j)), inputs
 * q1..q3, weights q0 (d0, d1: the scalar of VMLA by scalar must be in d0..d15). With only
 * 13 usable core registers (fewer with a frame pointer and PIC), it counts n = cin - 1
 * channels itself and reads the bias (first, to start the accumulators), the 1/6 of
 * hard-sigmoid, the output and residual pointers and the output row stride from a
 * grt_v7_tile_params. Input per channel: two VLD1 from planes, or one VLDM from a packed
 * panel [cin][12] (grt_neon_gemm_tile's `packed`).
 *
 * Operands: x / x2 point at the tile's first / second input group of channel 0 and step by
 * `stride` bytes (a plane, or a panel row); w at the packed weights [cin][4]; bias at 4
 * floats; o / r at the tile's output / residual in channel 0 (r NULL: no residual), the
 * other channels `ostride` bytes apart.
 */
#ifndef GHOSTRT_CONV1X1_ASM_H
#define GHOSTRT_CONV1X1_ASM_H
#include "neon_common.h"

#ifdef __aarch64__
/* F applied to each accumulator register number. */
#define GRT_EACH24(F) F("8") F("9") F("10") F("11") F("12") F("13") F("14") F("15") F("16") F("17") F("18") F("19") F("20") F("21") F("22") F("23") F("24") F("25") F("26") F("27") F("28") F("29") F("30") F("31")
#define GRT_FMAX0(n) "fmax v" n ".4s, v" n ".4s, v0.4s\n\t"
#define GRT_FMIN6(n) "fmin v" n ".4s, v" n ".4s, v1.4s\n\t"
#define GRT_FADD3(n) "fadd v" n ".4s, v" n ".4s, v2.4s\n\t"
#define GRT_FDIV6(n) "fdiv v" n ".4s, v" n ".4s, v1.4s\n\t"
/* Activations on all 24 accumulators (v0 = 0, v1 = 6, v2 = 3); hard-sigmoid divides by 6
 * like the scalar kernel (bit-identical). */
#define GRT_A64_ACT_NONE ""
#define GRT_A64_ACT_RELU "movi v0.4s, #0\n\t" GRT_EACH24(GRT_FMAX0)
#define GRT_A64_ACT_RELU6                                                                      \
    "movi v0.4s, #0\n\tfmov v1.4s, #6.0\n\t" GRT_EACH24(GRT_FMAX0) GRT_EACH24(GRT_FMIN6)
#define GRT_A64_ACT_HSIG                                                                       \
    "movi v0.4s, #0\n\tfmov v1.4s, #6.0\n\tfmov v2.4s, #3.0\n\t" GRT_EACH24(GRT_FADD3)         \
        GRT_EACH24(GRT_FMAX0) GRT_EACH24(GRT_FMIN6) GRT_EACH24(GRT_FDIV6)

#define GRT_ROW_STEP(op, x, a0, a1, a2, a3, w)                                                \
    op " v" a0 ".4s, " x ".4s, " w ".s[0]\n\t"                                                 \
    op " v" a1 ".4s, " x ".4s, " w ".s[1]\n\t"                                                 \
    op " v" a2 ".4s, " x ".4s, " w ".s[2]\n\t"                                                 \
    op " v" a3 ".4s, " x ".4s, " w ".s[3]\n\t"
#define GRT_STEP(op, w)                                                                        \
    GRT_ROW_STEP(op, "v1", "8", "14", "20", "26", w)                                           \
    GRT_ROW_STEP(op, "v2", "9", "15", "21", "27", w)                                           \
    GRT_ROW_STEP(op, "v3", "10", "16", "22", "28", w)                                          \
    GRT_ROW_STEP(op, "v4", "11", "17", "23", "29", w)                                          \
    GRT_ROW_STEP(op, "v5", "12", "18", "24", "30", w)                                          \
    GRT_ROW_STEP(op, "v6", "13", "19", "25", "31", w)
#define GRT_LOAD_X                                                                             \
    "ld1 {v1.4s, v2.4s, v3.4s, v4.4s}, [%[x]], %[stride]\n\t"                                  \
    "ld1 {v5.4s, v6.4s}, [%[x2]], %[stride]\n\t"
/* Channel r's 6 accumulators (register numbers as strings) = bias lane l of v0. */
#define GRT_DUP_ROW(a0, a1, a2, a3, a4, a5, l)                                                 \
    "dup v" a0 ".4s, v0.s[" l "]\n\tdup v" a1 ".4s, v0.s[" l "]\n\t"                          \
    "dup v" a2 ".4s, v0.s[" l "]\n\tdup v" a3 ".4s, v0.s[" l "]\n\t"                          \
    "dup v" a4 ".4s, v0.s[" l "]\n\tdup v" a5 ".4s, v0.s[" l "]\n\t"
/* Adds channel r's residual row at r, stepping r to the next channel's row (ostride is the
 * row stride minus the 64 bytes the first load steps). */
#define GRT_RES_ROW(a0, a1, a2, a3, a4, a5)                                                    \
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[r]], #64\n\t"                                       \
    "ld1 {v4.4s, v5.4s}, [%[r]], %[ostride]\n\t"                                              \
    "fadd v" a0 ".4s, v" a0 ".4s, v0.4s\n\tfadd v" a1 ".4s, v" a1 ".4s, v1.4s\n\t"             \
    "fadd v" a2 ".4s, v" a2 ".4s, v2.4s\n\tfadd v" a3 ".4s, v" a3 ".4s, v3.4s\n\t"             \
    "fadd v" a4 ".4s, v" a4 ".4s, v4.4s\n\tfadd v" a5 ".4s, v" a5 ".4s, v5.4s\n\t"
/* Stores channel r's row at o, stepping o to the next channel's row. */
#define GRT_STORE_ROW(a0, a1, a2, a3, a4, a5)                                                  \
    "st1 {v" a0 ".4s, v" a1 ".4s, v" a2 ".4s, v" a3 ".4s}, [%[o]], #64\n\t"                    \
    "st1 {v" a4 ".4s, v" a5 ".4s}, [%[o]], %[ostride]\n\t"

/* The whole 4 x 24 tile with activation sequence ACT. */
#define GRT_A64_TILE(ACT)                                                                      \
    __asm__ volatile(                                                                          \
        "ld1 {v0.4s}, [%[bias]]\n\t"                                                           \
        GRT_DUP_ROW("8", "9", "10", "11", "12", "13", "0")                                     \
        GRT_DUP_ROW("14", "15", "16", "17", "18", "19", "1")                                   \
        GRT_DUP_ROW("20", "21", "22", "23", "24", "25", "2")                                   \
        GRT_DUP_ROW("26", "27", "28", "29", "30", "31", "3")                                   \
        "ld1 {v0.4s}, [%[w]], #16\n\t" GRT_LOAD_X GRT_STEP("fmla", "v0")                       \
        "cbz %[quads], 2f\n\t"                                                                 \
        "1:\n\t"                                                                               \
        "ldp q0, q7, [%[w]], #32\n\t" GRT_LOAD_X GRT_STEP("fmla", "v0")                        \
        GRT_LOAD_X GRT_STEP("fmla", "v7")                                                      \
        "ldp q0, q7, [%[w]], #32\n\t" GRT_LOAD_X GRT_STEP("fmla", "v0")                        \
        GRT_LOAD_X GRT_STEP("fmla", "v7")                                                      \
        "subs %[quads], %[quads], #1\n\t"                                                      \
        "b.ne 1b\n\t"                                                                          \
        "2:\n\t"                                                                               \
        "tbz %[rem], #1, 5f\n\t"                                                               \
        "ldp q0, q7, [%[w]], #32\n\t" GRT_LOAD_X GRT_STEP("fmla", "v0")                        \
        GRT_LOAD_X GRT_STEP("fmla", "v7")                                                      \
        "5:\n\t"                                                                               \
        "tbz %[rem], #0, 3f\n\t"                                                               \
        "ld1 {v0.4s}, [%[w]], #16\n\t" GRT_LOAD_X GRT_STEP("fmla", "v0")                       \
        "3:\n\t"                                                                               \
        "cbz %[r], 4f\n\t"                                                                     \
        GRT_RES_ROW("8", "9", "10", "11", "12", "13")                                          \
        GRT_RES_ROW("14", "15", "16", "17", "18", "19")                                        \
        GRT_RES_ROW("20", "21", "22", "23", "24", "25")                                        \
        GRT_RES_ROW("26", "27", "28", "29", "30", "31")                                        \
        "4:\n\t" ACT                                                                           \
        GRT_STORE_ROW("8", "9", "10", "11", "12", "13")                                        \
        GRT_STORE_ROW("14", "15", "16", "17", "18", "19")                                      \
        GRT_STORE_ROW("20", "21", "22", "23", "24", "25")                                      \
        GRT_STORE_ROW("26", "27", "28", "29", "30", "31")                                      \
        : [x] "+r"(x), [x2] "+r"(x2), [quads] "+r"(quads), [w] "+r"(w), [o] "+r"(o),          \
          [r] "+r"(r)                                                                          \
        : [rem] "r"(rem), [stride] "r"(stride), [ostride] "r"(ostride), [bias] "r"(bias)      \
        : "cc", "memory", "x16", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9",   \
          "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21",  \
          "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31")
#else
/* F applied to each accumulator register number. */
#define GRT_EACH12(F) F("4") F("5") F("6") F("7") F("8") F("9") F("10") F("11") F("12") F("13") F("14") F("15")
#define GRT_VMAX0(n) "vmax.f32 q" n ", q" n ", q0\n\t"
#define GRT_VMIN6(n) "vmin.f32 q" n ", q" n ", q1\n\t"
#define GRT_VADD3(n) "vadd.f32 q" n ", q" n ", q2\n\t"
#define GRT_VMUL6TH(n) "vmul.f32 q" n ", q" n ", q3\n\t"
/* Activations on all 12 accumulators (q0 = 0, q1 = 6, q2 = 3, q3 = 1/6: armv7 has no vector
 * divide, hard-sigmoid multiplies like grt_neon_act). */
#define GRT_V7_ACT_NONE ""
#define GRT_V7_ACT_RELU "vmov.i32 q0, #0\n\t" GRT_EACH12(GRT_VMAX0)
#define GRT_V7_ACT_RELU6                                                                       \
    "vmov.i32 q0, #0\n\tvmov.f32 q1, #6.0\n\t" GRT_EACH12(GRT_VMAX0) GRT_EACH12(GRT_VMIN6)
#define GRT_V7_ACT_HSIG                                                                        \
    "vmov.i32 q0, #0\n\tvmov.f32 q1, #6.0\n\tvmov.f32 q2, #3.0\n\t"                            \
    "add %[x2], %[params], #16\n\tvld1.32 {d6[], d7[]}, [%[x2]]\n\t" GRT_EACH12(GRT_VADD3) GRT_EACH12(GRT_VMAX0)         \
        GRT_EACH12(GRT_VMIN6) GRT_EACH12(GRT_VMUL6TH)

#define GRT_ROW_STEP(op, x, a0, a1, a2, a3)                                                    \
    op ".f32 q" a0 ", " x ", d0[0]\n\t"                                                        \
    op ".f32 q" a1 ", " x ", d0[1]\n\t"                                                        \
    op ".f32 q" a2 ", " x ", d1[0]\n\t"                                                        \
    op ".f32 q" a3 ", " x ", d1[1]\n\t"
/* Input loads of one channel: from planes `stride` bytes apart, or (PACKED) from a packed
 * panel [cin][12] with one VLDM that steps to the next channel by itself. */
#define GRT_V7_LOAD_PLANES                                                                     \
    "vld1.32 {d2-d5}, [%[x]], %[stride]\n\t"                                                   \
    "vld1.32 {d6-d7}, [%[x2]], %[stride]\n\t"
#define GRT_V7_LOAD_PACKED "vldmia %[x]!, {d2-d7}\n\t"
#define GRT_STEP(op, LOADX)                                                                    \
    "vld1.32 {d0-d1}, [%[w]]!\n\t" LOADX                                                       \
    GRT_ROW_STEP(op, "q1", "4", "7", "10", "13") GRT_ROW_STEP(op, "q2", "5", "8", "11", "14")  \
    GRT_ROW_STEP(op, "q3", "6", "9", "12", "15")
/* Channel r's 3 accumulators = bias lane d[l]. */
#define GRT_DUP_ROW(a0, a1, a2, dl)                                                            \
    "vdup.32 q" a0 ", " dl "\n\tvdup.32 q" a1 ", " dl "\n\tvdup.32 q" a2 ", " dl "\n\t"
/* Adds channel r's residual row (w holds the residual pointer, free after the channel
 * loop) and steps w to the next channel's row (stride: the row stride minus 32 bytes). */
#define GRT_RES_ROW(a0, a1, a2)                                                                \
    "vld1.32 {d0-d3}, [%[w]]!\n\tvld1.32 {d4-d5}, [%[w]], %[stride]\n\t"                     \
    "vadd.f32 q" a0 ", q" a0 ", q0\n\tvadd.f32 q" a1 ", q" a1 ", q1\n\t"                       \
    "vadd.f32 q" a2 ", q" a2 ", q2\n\t"
/* Stores channel r's row (d registers of its 3 accumulators; n holds the output pointer)
 * and steps n to the next channel's row. */
#define GRT_STORE_ROW(d4, d2)                                                                  \
    "vst1.32 {" d4 "}, [%[n]]!\n\tvst1.32 {" d2 "}, [%[n]], %[stride]\n\t"

/* The whole 4 x 12 tile with activation sequence ACT. */
#define GRT_V7_TILE(ACT, LOADX)                                                                     \
    __asm__ volatile(                                                                          \
        "vld1.32 {d0-d1}, [%[params]]\n\t"                                                     \
        GRT_DUP_ROW("4", "5", "6", "d0[0]") GRT_DUP_ROW("7", "8", "9", "d0[1]")               \
        GRT_DUP_ROW("10", "11", "12", "d1[0]") GRT_DUP_ROW("13", "14", "15", "d1[1]")         \
        GRT_STEP("vmla", LOADX)                                                                \
        "tst %[n], #1\n\t"                                                                     \
        "beq 2f\n\t" GRT_STEP("vmla", LOADX)                                                     \
        "2:\n\t"                                                                               \
        "tst %[n], #2\n\t"                                                                     \
        "beq 5f\n\t" GRT_STEP("vmla", LOADX) GRT_STEP("vmla", LOADX)                             \
        "5:\n\t"                                                                               \
        "lsrs %[n], %[n], #2\n\t"                                                              \
        "beq 3f\n\t"                                                                           \
        "1:\n\t" GRT_STEP("vmla", LOADX) GRT_STEP("vmla", LOADX)                                 \
        GRT_STEP("vmla", LOADX) GRT_STEP("vmla", LOADX)                                        \
        "subs %[n], %[n], #1\n\t"                                                              \
        "bne 1b\n\t"                                                                           \
        "3:\n\t"                                                                               \
        "ldr %[stride], [%[params], #28]\n\t"                                                  \
        "ldr %[w], [%[params], #24]\n\t"                                                       \
        "cmp %[w], #0\n\t"                                                                     \
        "beq 4f\n\t"                                                                           \
        GRT_RES_ROW("4", "5", "6") GRT_RES_ROW("7", "8", "9")                                  \
        GRT_RES_ROW("10", "11", "12") GRT_RES_ROW("13", "14", "15")                            \
        "4:\n\t" ACT                                                                           \
        "ldr %[n], [%[params], #20]\n\t"                                                       \
        GRT_STORE_ROW("d8-d11", "d12-d13") GRT_STORE_ROW("d14-d17", "d18-d19")                 \
        GRT_STORE_ROW("d20-d23", "d24-d25") GRT_STORE_ROW("d26-d29", "d30-d31")                \
        : [x] "+r"(x), [x2] "+r"(x2), [n] "+r"(n), [w] "+r"(w), [stride] "+r"(stride)          \
        : [params] "r"(&params)                                                                \
        : "cc", "memory", "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10",   \
          "q11", "q12", "q13", "q14", "q15")

/* The armv7 tile's constants and row pointers, read by offset (32-bit pointers). */
struct grt_v7_tile_params {
    float bias[4];  /* offset 0 */
    float sixth;    /* 16 */
    float *o;       /* 20 */
    const float *r; /* 24 */
    size_t ostride; /* 28: bytes between output (and residual) channel rows, minus 32 */
};
#endif


/* One full tile (4 x 24 on aarch64, 4 x 12 on armv7): x / w / bias / o / r as above; input
 * channels `xstride` bytes apart, output and residual channel rows `ostride` bytes apart.
 * packed (a constant): x is a packed panel [cin][4 * GRT_GEMM_NV] (xstride is then its row
 * size), which armv7 reads with one VLDM per channel; aarch64 reads it like planes. */
#ifdef __aarch64__
#define GRT_GEMM_NV 6
#else
#define GRT_GEMM_NV 3
#endif
GRT_INLINE void grt_neon_gemm_tile(const float *x, size_t xstride, size_t cin, const float *w,
                                   const float *bias, float *o, const float *r,
                                   size_t ostride, const int packed, const int act) {
    size_t stride = xstride;
#ifdef __aarch64__
    size_t quads = (cin - 1) / 4;
    const size_t rem = (cin - 1) % 4;
    const float *x2 = x + 16;
    ostride -= 64; /* the first load / store of a row steps 64 bytes */
    (void)packed;
    switch (act) {
    case GRT_ACT_RELU:
        GRT_A64_TILE(GRT_A64_ACT_RELU);
        break;
    case GRT_ACT_RELU6:
        GRT_A64_TILE(GRT_A64_ACT_RELU6);
        break;
    case GRT_ACT_HARDSIGMOID:
        GRT_A64_TILE(GRT_A64_ACT_HSIG);
        break;
    default:
        GRT_A64_TILE(GRT_A64_ACT_NONE);
        break;
    }
#else
    const float *x2 = x + 8;
    size_t n = cin - 1;
    const struct grt_v7_tile_params params = {{bias[0], bias[1], bias[2], bias[3]},
                                              1.0f / 6.0f, o, r, ostride - 32};
#define GRT_V7_TILE_ACT(LOADX)                                                                 \
    switch (act) {                                                                             \
    case GRT_ACT_RELU:                                                                         \
        GRT_V7_TILE(GRT_V7_ACT_RELU, LOADX);                                                   \
        break;                                                                                 \
    case GRT_ACT_RELU6:                                                                        \
        GRT_V7_TILE(GRT_V7_ACT_RELU6, LOADX);                                                  \
        break;                                                                                 \
    case GRT_ACT_HARDSIGMOID:                                                                  \
        GRT_V7_TILE(GRT_V7_ACT_HSIG, LOADX);                                                   \
        break;                                                                                 \
    default:                                                                                   \
        GRT_V7_TILE(GRT_V7_ACT_NONE, LOADX);                                                   \
        break;                                                                                 \
    }
    if (packed) {
        GRT_V7_TILE_ACT(GRT_V7_LOAD_PACKED)
    } else {
        GRT_V7_TILE_ACT(GRT_V7_LOAD_PLANES)
    }
#undef GRT_V7_TILE_ACT
#endif
}

#endif
