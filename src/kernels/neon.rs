//! ARM NEON kernels, `kernels/neon/*.c`, for aarch64 and armv7 (`-mfpu=neon-vfpv4`).

kernel_set!(
    /// NEON kernels (`grt_f32_*_neon`); 1x1 weights in tiles of 4 output channels (the MR of
    /// `kernels/neon/f32_conv1x1_neon.c`).
    NEON, "neon", Neon, mr = 4, row_split = false,
    [grt_f32_conv_neon, grt_f32_conv1x1_neon, grt_f32_dwconv_neon, grt_f32_gavgpool_neon, grt_f32_fc_neon, grt_f32_se_neon, grt_f32_add_neon]
);
