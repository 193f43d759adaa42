//! x86_64 kernels: `kernels/avx2/*.c` (AVX2 + FMA) and `kernels/avx512/*.c` (AVX-512F),
//! chosen at run time by CPU detection (`Isa::available`).

use super::{Act, Isa, KernelSet};

extern "C" {
    fn grt_f32_conv_avx2(
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
    fn grt_f32_conv1x1_avx2(
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
    fn grt_f32_dwconv_avx2(
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
    fn grt_f32_gavgpool_avx2(input: *const f32, c: usize, hw: usize, out: *mut f32);
    fn grt_f32_fc_avx2(
        input: *const f32,
        cin: usize,
        weight: *const f32,
        bias: *const f32,
        out: *mut f32,
        cout: usize,
        act: Act,
    );
    fn grt_f32_se_avx2(
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
    fn grt_f32_add_avx2(a: *const f32, b: *const f32, out: *mut f32, n: usize, act: Act);
}
extern "C" {
    fn grt_f32_conv_avx512(
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
    fn grt_f32_conv1x1_avx512(
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
    fn grt_f32_dwconv_avx512(
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
    fn grt_f32_gavgpool_avx512(input: *const f32, c: usize, hw: usize, out: *mut f32);
    fn grt_f32_fc_avx512(
        input: *const f32,
        cin: usize,
        weight: *const f32,
        bias: *const f32,
        out: *mut f32,
        cout: usize,
        act: Act,
    );
    fn grt_f32_se_avx512(
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
    fn grt_f32_add_avx512(a: *const f32, b: *const f32, out: *mut f32, n: usize, act: Act);
}

/// AVX2 + FMA kernels (`grt_f32_*_avx2`); 1x1 weight tile `conv1x1_mr`.
pub static AVX2: KernelSet = KernelSet {
    name: "avx2",
    isa: Isa::Avx2,
    conv1x1_mr: 8, // MR of kernels/avx2/f32_conv1x1_avx2.c
    conv: grt_f32_conv_avx2,
    conv1x1: grt_f32_conv1x1_avx2,
    dwconv: grt_f32_dwconv_avx2,
    gavgpool: grt_f32_gavgpool_avx2,
    fc: grt_f32_fc_avx2,
    se: grt_f32_se_avx2,
    add: grt_f32_add_avx2,
};

/// AVX-512F kernels (`grt_f32_*_avx512`); 1x1 weight tile `conv1x1_mr`.
pub static AVX512: KernelSet = KernelSet {
    name: "avx512",
    isa: Isa::Avx512,
    conv1x1_mr: 16, // MR of kernels/avx512/f32_conv1x1_avx512.c
    conv: grt_f32_conv_avx512,
    conv1x1: grt_f32_conv1x1_avx512,
    dwconv: grt_f32_dwconv_avx512,
    gavgpool: grt_f32_gavgpool_avx512,
    fc: grt_f32_fc_avx512,
    se: grt_f32_se_avx512,
    add: grt_f32_add_avx512,
};
