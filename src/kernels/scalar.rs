//! Portable C99 kernels, `kernels/scalar/*.c`: the fallback on every target.

kernel_set!(
    /// The portable C99 kernels (`grt_f32_*_scalar`); 1x1 weights unpacked (`[cout][cin]`).
    SCALAR, "scalar", Scalar, mr = 1, row_split = true,
    [grt_f32_conv_scalar, grt_f32_conv1x1_scalar, grt_f32_dwconv_scalar, grt_f32_gavgpool_scalar, grt_f32_fc_scalar, grt_f32_se_scalar, grt_f32_add_scalar]
);
