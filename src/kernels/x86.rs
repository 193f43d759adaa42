//! x86_64 kernels: `kernels/sse/*.c` (SSE4.1, the fallback), `kernels/avx2/*.c` (AVX2 +
//! FMA) and `kernels/avx512/*.c` (AVX-512F), chosen at run time by CPU detection
//! (`Isa::available`).

kernel_set!(
    /// SSE4.1 kernels (`grt_f32_*_sse41`), for x86 CPUs without AVX2; 1x1 weights in tiles of
    /// 4 output channels (the MR of `kernels/sse/f32_conv1x1_sse41.c`).
    SSE41, "sse41", Sse41, mr = 4, row_split = true,
    [grt_f32_conv_sse41, grt_f32_conv1x1_sse41, grt_f32_dwconv_sse41, grt_f32_gavgpool_sse41, grt_f32_fc_sse41, grt_f32_se_sse41, grt_f32_add_sse41]
);

kernel_set!(
    /// AVX2 + FMA kernels (`grt_f32_*_avx2`); 1x1 weights in tiles of 8 output channels (the
    /// MR of `kernels/avx2/f32_conv1x1_avx2.c`).
    AVX2, "avx2", Avx2, mr = 8, row_split = true,
    [grt_f32_conv_avx2, grt_f32_conv1x1_avx2, grt_f32_dwconv_avx2, grt_f32_gavgpool_avx2, grt_f32_fc_avx2, grt_f32_se_avx2, grt_f32_add_avx2]
);

kernel_set!(
    /// AVX-512F kernels (`grt_f32_*_avx512`); 1x1 weights in tiles of 16 output channels (the
    /// MR of `kernels/avx512/f32_conv1x1_avx512.c`).
    AVX512, "avx512", Avx512, mr = 16, row_split = true,
    [grt_f32_conv_avx512, grt_f32_conv1x1_avx512, grt_f32_dwconv_avx512, grt_f32_gavgpool_avx512, grt_f32_fc_avx512, grt_f32_se_avx512, grt_f32_add_avx512]
);
