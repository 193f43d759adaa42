//! Portable C99 kernels, `kernels/scalar/*.c`: the fallback on every target.

use super::{Act, Isa, KernelSet};

extern "C" {
    fn grt_f32_conv_scalar(
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
    fn grt_f32_conv1x1_scalar(
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
    fn grt_f32_dwconv_scalar(
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
    fn grt_f32_gavgpool_scalar(input: *const f32, c: usize, hw: usize, out: *mut f32);
    fn grt_f32_fc_scalar(
        input: *const f32,
        cin: usize,
        weight: *const f32,
        bias: *const f32,
        out: *mut f32,
        cout: usize,
        act: Act,
    );
    fn grt_f32_se_scalar(
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
    fn grt_f32_add_scalar(a: *const f32, b: *const f32, out: *mut f32, n: usize, act: Act);
}

/// The portable C99 kernels (`grt_f32_*_scalar`).
pub static SCALAR: KernelSet = KernelSet {
    name: "scalar",
    isa: Isa::Scalar,
    conv1x1_mr: 1,
    conv: grt_f32_conv_scalar,
    conv1x1: grt_f32_conv1x1_scalar,
    dwconv: grt_f32_dwconv_scalar,
    gavgpool: grt_f32_gavgpool_scalar,
    fc: grt_f32_fc_scalar,
    se: grt_f32_se_scalar,
    add: grt_f32_add_scalar,
};
