//! ARM NEON kernels, `kernels/neon/*.c`, for aarch64 and armv7 (`-mfpu=neon-vfpv4`).

use super::{Act, Isa, KernelSet};

extern "C" {
    fn grt_f32_conv_neon(
        input: *const f32,
        cin: usize,
        h: usize,
        w: usize,
        weight: *const f32,
        bias: *const f32,
        residual: *const f32,
        out: *mut f32,
        cout: usize,
        oh: usize,
        ow: usize,
        k: usize,
        stride: usize,
        pad: usize,
        act: Act,
    );
    fn grt_f32_conv1x1_neon(
        input: *const f32,
        cin: usize,
        hw: usize,
        weight: *const f32,
        bias: *const f32,
        residual: *const f32,
        out: *mut f32,
        cout: usize,
        act: Act,
    );
    fn grt_f32_dwconv_neon(
        input: *const f32,
        c: usize,
        h: usize,
        w: usize,
        weight: *const f32,
        bias: *const f32,
        residual: *const f32,
        out: *mut f32,
        oh: usize,
        ow: usize,
        k: usize,
        stride: usize,
        pad: usize,
        act: Act,
    );
    fn grt_f32_gavgpool_neon(input: *const f32, c: usize, hw: usize, out: *mut f32);
    fn grt_f32_fc_neon(
        input: *const f32,
        cin: usize,
        weight: *const f32,
        bias: *const f32,
        out: *mut f32,
        cout: usize,
        act: Act,
    );
    fn grt_f32_se_neon(
        input: *const f32,
        c: usize,
        hw: usize,
        w1: *const f32,
        b1: *const f32,
        rd: usize,
        w2: *const f32,
        b2: *const f32,
        gate: Act,
        scratch: *mut f32,
        out: *mut f32,
    );
    fn grt_f32_add_neon(a: *const f32, b: *const f32, out: *mut f32, n: usize, act: Act);
}

/// NEON kernels (`grt_f32_*_neon`); 1x1 weight tile `conv1x1_mr`.
pub static NEON: KernelSet = KernelSet {
    name: "neon",
    isa: Isa::Neon,
    conv1x1_mr: 4,
    conv: grt_f32_conv_neon,
    conv1x1: grt_f32_conv1x1_neon,
    dwconv: grt_f32_dwconv_neon,
    gavgpool: grt_f32_gavgpool_neon,
    fc: grt_f32_fc_neon,
    se: grt_f32_se_neon,
    add: grt_f32_add_neon,
};
