//! The kernel list: FFI declarations of the C microkernels and one table per ISA.
//!
//! The ABI is `kernels/ghostrt_kernels.h`: every family has one signature, every ISA one
//! implementation of it. A [`KernelSet`] bundles one ISA's implementations; [`all`] is the
//! single list that the planner's kernel selection, the kernel tests and the benches read.
//! A kernel that is not in it does not exist.
//!
//! The fields are raw `unsafe extern "C" fn` pointers: kernels trust their preconditions
//! (buffer lengths, shapes, aliasing), which the planner guarantees and which each type's
//! `# Safety` section spells out. The executor calls them inside `unsafe` blocks.

/// Declare one ISA's C kernels (`grt_f32_<family>_<isa>`, the ABI of
/// `kernels/ghostrt_kernels.h`) and the [`KernelSet`] that lists them: one line per ISA in
/// `scalar.rs`, `x86.rs` and `neon.rs`, so every set has the same signatures by construction.
macro_rules! kernel_set {
    ($(#[$doc:meta])* $name:ident, $isa_name:literal, $isa:ident, mr = $mr:expr, row_split = $rows:expr,
     [$conv:ident, $conv1x1:ident, $dwconv:ident, $gavgpool:ident, $fc:ident, $se:ident, $add:ident]) => {
        extern "C" {
            fn $conv(input: *const f32, cin: usize, h: usize, w: usize, weight: *const f32, bias: *const f32,
                     residual: *const f32, out: *mut f32, cout: usize, oh: usize, ow: usize, k: usize,
                     stride: usize, pad: usize, y0: usize, y1: usize, act: $crate::kernels::Act);
            fn $conv1x1(input: *const f32, cin: usize, hw: usize, ld: usize, weight: *const f32, bias: *const f32,
                        residual: *const f32, out: *mut f32, cout: usize, act: $crate::kernels::Act);
            fn $dwconv(input: *const f32, c: usize, h: usize, w: usize, weight: *const f32, bias: *const f32,
                       residual: *const f32, out: *mut f32, oh: usize, ow: usize, k: usize, stride: usize,
                       pad: usize, y0: usize, y1: usize, act: $crate::kernels::Act);
            fn $gavgpool(input: *const f32, c: usize, hw: usize, out: *mut f32);
            fn $fc(input: *const f32, cin: usize, weight: *const f32, bias: *const f32, out: *mut f32,
                   cout: usize, act: $crate::kernels::Act);
            fn $se(input: *const f32, c: usize, hw: usize, w1: *const f32, b1: *const f32, rd: usize,
                   w2: *const f32, b2: *const f32, gate: $crate::kernels::Act, scratch: *mut f32, out: *mut f32);
            fn $add(a: *const f32, b: *const f32, out: *mut f32, n: usize, act: $crate::kernels::Act);
        }

        $(#[$doc])*
        pub static $name: $crate::kernels::KernelSet = $crate::kernels::KernelSet {
            name: $isa_name,
            isa: $crate::kernels::Isa::$isa,
            conv1x1_mr: $mr,
            row_split: $rows,
            conv: $conv,
            conv1x1: $conv1x1,
            dwconv: $dwconv,
            gavgpool: $gavgpool,
            fc: $fc,
            se: $se,
            add: $add,
        };
    };
}

#[cfg(grt_neon)]
mod neon;
mod scalar;
#[cfg(grt_x86)]
mod x86;

#[cfg(grt_neon)]
pub use neon::NEON;
pub use scalar::SCALAR;
#[cfg(grt_x86)]
pub use x86::{AVX2, AVX512, SSE41};

/// Activation fused into a kernel's store (`GRT_ACT_*`), passed to C as an `int`.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Act {
    /// Identity.
    None = 0,
    /// `max(x, 0)`.
    Relu = 1,
    /// `min(max(x, 0), 6)`.
    Relu6 = 2,
    /// `relu6(x + 3) / 6`, timm's `hard_sigmoid` (the SE gate of GhostNet/RepGhostNet).
    HardSigmoid = 3,
}

impl Act {
    /// Every activation, in ABI order.
    pub const ALL: [Act; 4] = [Act::None, Act::Relu, Act::Relu6, Act::HardSigmoid];
}

/// Instruction set a [`KernelSet`] is compiled for. Adding one (`Sse41`, `Avx2`, `Neon`) is
/// a variant here with its runtime check in [`Isa::available`] (e.g.
/// `is_x86_feature_detected!("avx2")`), a `KernelDir` entry in `build.rs` and a table in a
/// submodule like `scalar.rs`, listed in [`all`] behind the `cfg` that entry sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Isa {
    /// Portable C99; the reference kernels and the fallback on every target.
    Scalar,
    /// x86_64 SSE4.1: the fallback for x86 CPUs without AVX2 (Atom/Celeron of the Goldmont
    /// family on embedded boards, older Core and Xeon).
    Sse41,
    /// x86_64 AVX2 with FMA3.
    Avx2,
    /// x86_64 AVX-512 Foundation (with AVX2 and FMA3).
    Avx512,
    /// ARM Advanced SIMD: baseline on aarch64, required at build time on armv7.
    Neon,
}

impl Isa {
    /// Whether the running CPU can execute kernels of this ISA (runtime detection).
    pub fn available(self) -> bool {
        match self {
            Isa::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Sse41 => std::arch::is_x86_feature_detected!("sse4.1"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Sse41 | Isa::Avx2 | Isa::Avx512 => false,
            Isa::Neon => cfg!(grt_neon),
        }
    }
}

/// Dense KxK conv, groups = 1 (the stem): `grt_f32_conv_<isa>`.
///
/// Arguments: `in, cin, h, w, weight, bias, residual, out, cout, oh, ow, k, stride, pad, y0,
/// y1, act`: output rows `[y0, y1)` of every plane are computed (pointers are those of whole
/// planes).
///
/// # Safety
/// `in` holds `cin*h*w` floats, `weight` `cout*cin*k*k` (OIHW), `bias` `cout` or is null,
/// `residual` and `out` `cout*oh*ow` (`residual` may be null or equal `out`);
/// `k, stride >= 1`, `oh = (h + 2 pad - k) / stride + 1 >= 1` and likewise `ow`;
/// `0 <= y0 < y1 <= oh`; `out` does not overlap `in` or `weight`.
pub type ConvFn = unsafe extern "C" fn(
    *const f32,
    usize,
    usize,
    usize,
    *const f32,
    *const f32,
    *const f32,
    *mut f32,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    Act,
);

/// 1x1 conv (a GEMM): `grt_f32_conv1x1_<isa>`.
///
/// Arguments: `in, cin, hw, ld, weight, bias, residual, out, cout, act`: `hw` pixels of each
/// channel plane, planes `ld >= hw` floats apart (a pixel range of larger planes when
/// `ld > hw`).
///
/// # Safety
/// `in` holds `cin` planes of `hw` floats `ld` apart, `weight` `cout*cin` (packed),
/// `bias` `cout` or is null, `residual` and `out` `cout` such planes (`residual` may be null
/// or equal `out`); `cin >= 1`; `out` does not overlap `in` or `weight`.
pub type Conv1x1Fn = unsafe extern "C" fn(
    *const f32,
    usize,
    usize,
    usize,
    *const f32,
    *const f32,
    *const f32,
    *mut f32,
    usize,
    Act,
);

/// Depthwise KxK conv: `grt_f32_dwconv_<isa>`.
///
/// Arguments: `in, c, h, w, weight, bias, residual, out, oh, ow, k, stride, pad, y0, y1, act`
/// (output rows `[y0, y1)`, as for [`ConvFn`]).
///
/// # Safety
/// `in` holds `c*h*w` floats, `weight` `c*k*k`, `bias` `c` or is null, `residual` and `out`
/// `c*oh*ow` (`residual` may be null or equal `out`); `k, stride >= 1`,
/// `oh = (h + 2 pad - k) / stride + 1 >= 1` and likewise `ow`; `0 <= y0 < y1 <= oh`; `out`
/// does not overlap `in` or `weight`.
pub type DwConvFn = unsafe extern "C" fn(
    *const f32,
    usize,
    usize,
    usize,
    *const f32,
    *const f32,
    *const f32,
    *mut f32,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    Act,
);

/// Global average pool: `grt_f32_gavgpool_<isa>`. Arguments: `in, c, hw, out`.
///
/// # Safety
/// `in` holds `c*hw` floats, `out` `c`; `hw >= 1`; they do not overlap.
pub type GavgPoolFn = unsafe extern "C" fn(*const f32, usize, usize, *mut f32);

/// Fully connected: `grt_f32_fc_<isa>`. Arguments: `in, cin, weight, bias, out, cout, act`.
///
/// # Safety
/// `in` holds `cin` floats, `weight` `cout*cin`, `bias` `cout` or is null, `out` `cout`;
/// `out` overlaps nothing else.
pub type FcFn =
    unsafe extern "C" fn(*const f32, usize, *const f32, *const f32, *mut f32, usize, Act);

/// Squeeze-and-excitation: `grt_f32_se_<isa>`.
///
/// Arguments: `in, c, hw, w1, b1, rd, w2, b2, gate, scratch, out`.
///
/// # Safety
/// `in` and `out` hold `c*hw` floats (`out` equals `in` or does not overlap it), `w1`
/// `rd*c`, `b1` `rd` or null, `w2` `c*rd`, `b2` `c` or null, `scratch` `c + rd` overlapping
/// nothing else; `c, hw, rd >= 1`.
pub type SeFn = unsafe extern "C" fn(
    *const f32,
    usize,
    usize,
    *const f32,
    *const f32,
    usize,
    *const f32,
    *const f32,
    Act,
    *mut f32,
    *mut f32,
);

/// Elementwise add: `grt_f32_add_<isa>`. Arguments: `a, b, out, n, act`.
///
/// # Safety
/// `a`, `b` and `out` hold `n` floats; `out` equals `a`, equals `b`, or overlaps neither.
pub type AddFn = unsafe extern "C" fn(*const f32, *const f32, *mut f32, usize, Act);

/// One ISA's implementation of every kernel family.
#[derive(Clone, Copy, Debug)]
pub struct KernelSet {
    /// Name for plan dumps, test and bench output, e.g. `"scalar"`.
    pub name: &'static str,
    /// Instruction set the kernels need; check [`Isa::available`] before calling them.
    pub isa: Isa,
    /// Output-channel tile of `conv1x1`: its weights are packed by [`pack_conv1x1`].
    pub conv1x1_mr: usize,
    /// Whether `conv` and `dwconv` compute a band of output rows (`y0 > 0` or `y1 < oh`) at
    /// full speed. The planner splits those steps over threads by rows (each thread then
    /// reads only its band of the input, written by the same thread one step before) only
    /// when this is set, and by channels otherwise.
    pub row_split: bool,
    pub conv: ConvFn,
    pub conv1x1: Conv1x1Fn,
    pub dwconv: DwConvFn,
    pub gavgpool: GavgPoolFn,
    pub fc: FcFn,
    pub se: SeFn,
    pub add: AddFn,
}

/// Every kernel set compiled into this build, from the portable fallback to the most
/// specialized; some may not be [`Isa::available`] on the running CPU.
pub fn all() -> &'static [&'static KernelSet] {
    #[cfg(grt_x86)]
    static ALL: [&KernelSet; 4] = [&SCALAR, &SSE41, &AVX2, &AVX512];
    #[cfg(grt_neon)]
    static ALL: [&KernelSet; 2] = [&SCALAR, &NEON];
    #[cfg(not(any(grt_x86, grt_neon)))]
    static ALL: [&KernelSet; 1] = [&SCALAR];
    &ALL
}

/// The most specialized kernel set the running CPU can execute.
pub fn best() -> &'static KernelSet {
    all()
        .iter()
        .rev()
        .find(|ks| ks.isa.available())
        .copied()
        .unwrap_or(&SCALAR)
}

/// Kernel set chosen by name (`GHOSTRT_KERNELS=scalar` and the like), if built and available.
pub fn by_name(name: &str) -> Option<&'static KernelSet> {
    all()
        .iter()
        .copied()
        .find(|ks| ks.name == name && ks.isa.available())
}

/// Pack `[cout][cin]` 1x1 weights for a kernel with output-channel tile `mr`: tiles of `mr`
/// output channels, each `[cin][mr]` (the `mr` weights one input channel contributes to the
/// tile are contiguous, ready for broadcast loads); `cout` is zero-padded up to a multiple of
/// `mr`. With `mr == 1` this is the plain `[cout][cin]` layout.
pub fn pack_conv1x1(w: &[f32], cin: usize, cout: usize, mr: usize) -> Vec<f32> {
    let tiles = cout.div_ceil(mr);
    let mut packed = vec![0.0; tiles * cin * mr];
    for co in 0..cout {
        let (t, r) = (co / mr, co % mr);
        for ci in 0..cin {
            packed[(t * cin + ci) * mr + r] = w[co * cin + ci];
        }
    }
    packed
}
