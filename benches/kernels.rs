//! Kernel benches at the layer shapes of RepGhostNet/GhostNet 1.0x, 224x224: every kernel set
//! this host runs, side by side in one run (`cargo bench --bench kernels`).

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use ghostrt::kernels::{self, Act, KernelSet};
use std::hint::black_box;
use std::ptr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// Depthwise, stem conv, SE, global pool and add at the layer shapes of RepGhostNet 1.0x
// (`rg100`, 224x224) and GhostNet 1.0x (`gn100`, for `add`, which RepGhostNet fuses away).
// Ids are `<op>/<model>_<block>_<layer>_<CxHxW input>/<kernel set>`, e.g.
// `dwconv/rg100_b3_dw5x5s2_36x56x56/avx512`. Convolutions report throughput as elements =
// flops (2 per multiply-add), so criterion's "Gelem/s" reads as GFLOP/s; the memory-bound
// ops report bytes read and written (GB/s). Time is the bench thread's CPU time, as for the
// GEMM benches below (`ThreadTime`).

/// A depthwise layer: name, channels, input size, kernel, stride, fused act, fused residual.
struct DwLayer {
    name: &'static str,
    c: usize,
    hw: usize,
    k: usize,
    stride: usize,
    act: Act,
    residual: bool,
}

const fn dw(
    name: &'static str,
    c: usize,
    hw: usize,
    k: usize,
    stride: usize,
    act: Act,
    residual: bool,
) -> DwLayer {
    DwLayer {
        name,
        c,
        hw,
        k,
        stride,
        act,
        residual,
    }
}

/// Every distinct depthwise shape of RepGhostNet 1.0x at 224x224 (ghost cheap operations
/// with ReLU or the fused residual, strided `conv_dw` and shortcut convs without).
const DW_LAYERS: [DwLayer; 14] = [
    dw("rg100_b0_dw3x3s1_8x112x112", 8, 112, 3, 1, Act::Relu, false),
    dw(
        "rg100_b0_dw3x3s1_16x112x112",
        16,
        112,
        3,
        1,
        Act::None,
        true,
    ),
    dw(
        "rg100_b1_dw3x3s1_24x112x112",
        24,
        112,
        3,
        1,
        Act::Relu,
        false,
    ),
    dw(
        "rg100_b1_dw3x3s2_24x112x112",
        24,
        112,
        3,
        2,
        Act::None,
        false,
    ),
    dw("rg100_b2_dw3x3s1_36x56x56", 36, 56, 3, 1, Act::Relu, false),
    dw("rg100_b3_dw5x5s2_36x56x56", 36, 56, 5, 2, Act::None, false),
    dw("rg100_b4_dw3x3s1_60x28x28", 60, 28, 3, 1, Act::Relu, false),
    dw(
        "rg100_b5_dw3x3s2_120x28x28",
        120,
        28,
        3,
        2,
        Act::None,
        false,
    ),
    dw("rg100_b6_dw3x3s1_80x14x14", 80, 14, 3, 1, Act::None, true),
    dw(
        "rg100_b6_dw3x3s1_336x14x14",
        336,
        14,
        3,
        1,
        Act::Relu,
        false,
    ),
    dw(
        "rg100_b7_dw5x5s2_336x14x14",
        336,
        14,
        5,
        2,
        Act::None,
        false,
    ),
    dw(
        "rg100_b7_dw5x5s2_112x14x14",
        112,
        14,
        5,
        2,
        Act::None,
        false,
    ),
    dw("rg100_b8_dw3x3s1_160x7x7", 160, 7, 3, 1, Act::None, true),
    dw("rg100_b8_dw3x3s1_480x7x7", 480, 7, 3, 1, Act::Relu, false),
];

/// SE layers: name, channels, spatial size, reduced channels (timm `make_divisible(c / 4, 4)`).
const SE_LAYERS: [(&str, usize, usize, usize); 5] = [
    ("rg100_b3_se_36x28x28", 36, 28, 12),
    ("rg100_b4_se_60x28x28", 60, 28, 16),
    ("rg100_b6_se_336x14x14", 336, 14, 84),
    ("rg100_b7_se_336x7x7", 336, 7, 84),
    ("rg100_b8_se_480x7x7", 480, 7, 120),
];

/// Residual adds of GhostNet 1.0x: name, channels, spatial size.
const ADD_LAYERS: [(&str, usize, usize); 3] = [
    ("gn100_b0_add_16x112x112", 16, 112),
    ("gn100_b2_add_24x56x56", 24, 56),
    ("gn100_b4_add_40x28x28", 40, 28),
];

/// Deterministic data in [-1, 1).
fn data(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

/// The kernel sets this host can run; says which it skips.
fn runnable_sets() -> Vec<&'static KernelSet> {
    kernels::all()
        .iter()
        .copied()
        .filter(|ks| {
            let ok = ks.isa.available();
            if !ok {
                eprintln!("skipped: {:?} not available on this host", ks.isa);
            }
            ok
        })
        .collect()
}

/// A group of the depthwise/stem/SE/pool/add benches: short samples like `gemm_group`, on
/// the bench thread's CPU time (`ThreadTime`, below).
fn short_group<'a>(c: &'a mut Criterion<ThreadTime>, name: &str) -> BenchmarkGroup<'a, ThreadTime> {
    let mut g = c.benchmark_group(name);
    g.warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(600))
        .sample_size(60);
    g
}

fn bench_dwconv(c: &mut Criterion<ThreadTime>) {
    let mut g = short_group(c, "dwconv");
    for l in &DW_LAYERS {
        let pad = l.k / 2;
        let o = (l.hw + 2 * pad - l.k) / l.stride + 1;
        let input = data(l.c * l.hw * l.hw, 1);
        let weight = data(l.c * l.k * l.k, 2);
        let bias = data(l.c, 3);
        let res = data(l.c * o * o, 4);
        let mut out = vec![0.0f32; l.c * o * o];
        g.throughput(Throughput::Elements((2 * l.c * o * o * l.k * l.k) as u64));
        for ks in runnable_sets() {
            let r = if l.residual {
                res.as_ptr()
            } else {
                ptr::null()
            };
            g.bench_function(BenchmarkId::new(l.name, ks.name), |b| {
                b.iter(|| unsafe {
                    (ks.dwconv)(
                        input.as_ptr(),
                        l.c,
                        l.hw,
                        l.hw,
                        weight.as_ptr(),
                        bias.as_ptr(),
                        r,
                        out.as_mut_ptr(),
                        o,
                        o,
                        l.k,
                        l.stride,
                        pad,
                        0,
                        o,
                        l.act,
                    )
                });
            });
        }
    }
    g.finish();
}

/// The stem of RepGhostNet/GhostNet 1.0x: 3 -> 16 channels, 3x3 stride 2, ReLU.
fn bench_stem(c: &mut Criterion<ThreadTime>) {
    let mut g = short_group(c, "conv");
    let (cin, cout, hw, k, stride, pad) = (3, 16, 224, 3, 2, 1);
    let o = (hw + 2 * pad - k) / stride + 1;
    let input = data(cin * hw * hw, 5);
    let weight = data(cout * cin * k * k, 6);
    let bias = data(cout, 7);
    let mut out = vec![0.0f32; cout * o * o];
    g.throughput(Throughput::Elements(
        (2 * cout * o * o * cin * k * k) as u64,
    ));
    for ks in runnable_sets() {
        g.bench_function(
            BenchmarkId::new("rg100_stem_conv3x3s2_3x224x224", ks.name),
            |b| {
                b.iter(|| unsafe {
                    (ks.conv)(
                        input.as_ptr(),
                        cin,
                        hw,
                        hw,
                        weight.as_ptr(),
                        bias.as_ptr(),
                        ptr::null(),
                        out.as_mut_ptr(),
                        cout,
                        o,
                        o,
                        k,
                        stride,
                        pad,
                        0,
                        o,
                        Act::Relu,
                    )
                });
            },
        );
    }
    g.finish();
}

/// SE out of place, as the planner runs it (in place would also shrink the input by the gate
/// on every iteration, into denormals); throughput counts the tensor read twice and written
/// once.
fn bench_se(c: &mut Criterion<ThreadTime>) {
    let mut g = short_group(c, "se");
    for &(name, ch, hw, rd) in &SE_LAYERS {
        let n = ch * hw * hw;
        let x = data(n, 8);
        let (w1, b1, w2, b2) = (
            data(rd * ch, 9),
            data(rd, 10),
            data(ch * rd, 11),
            data(ch, 12),
        );
        let mut scratch = vec![0.0f32; ch + rd];
        let mut out = vec![0.0f32; n];
        g.throughput(Throughput::Bytes((3 * n * 4) as u64));
        for ks in runnable_sets() {
            g.bench_function(BenchmarkId::new(name, ks.name), |b| {
                b.iter(|| unsafe {
                    (ks.se)(
                        x.as_ptr(),
                        ch,
                        hw * hw,
                        w1.as_ptr(),
                        b1.as_ptr(),
                        rd,
                        w2.as_ptr(),
                        b2.as_ptr(),
                        Act::HardSigmoid,
                        scratch.as_mut_ptr(),
                        out.as_mut_ptr(),
                    )
                });
            });
        }
    }
    g.finish();
}

fn bench_gavgpool(c: &mut Criterion<ThreadTime>) {
    let mut g = short_group(c, "gavgpool");
    let (ch, hw) = (960, 49);
    let input = data(ch * hw, 13);
    let mut out = vec![0.0f32; ch];
    g.throughput(Throughput::Bytes((ch * hw * 4) as u64));
    for ks in runnable_sets() {
        g.bench_function(
            BenchmarkId::new("rg100_head_gavgpool_960x7x7", ks.name),
            |b| {
                b.iter(|| unsafe { (ks.gavgpool)(input.as_ptr(), ch, hw, out.as_mut_ptr()) });
            },
        );
    }
    g.finish();
}

fn bench_add(c: &mut Criterion<ThreadTime>) {
    let mut g = short_group(c, "add");
    for &(name, ch, hw) in &ADD_LAYERS {
        let n = ch * hw * hw;
        let (a, bv) = (data(n, 14), data(n, 15));
        let mut out = vec![0.0f32; n];
        g.throughput(Throughput::Bytes((3 * n * 4) as u64));
        for ks in runnable_sets() {
            g.bench_function(BenchmarkId::new(name, ks.name), |b| {
                b.iter(|| unsafe {
                    (ks.add)(a.as_ptr(), bv.as_ptr(), out.as_mut_ptr(), n, Act::None)
                });
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = dw_benches;
    config = Criterion::default().with_measurement(ThreadTime::new());
    targets = bench_dwconv, bench_stem, bench_se, bench_gavgpool, bench_add
}

// 1x1 conv (GEMM) and FC at the layer shapes of RepGhostNet 1.0x (`rg100`) and GhostNet
// 1.0x (`g100`, its shapes RepGhostNet does not have, and a fused residual), 224x224. Ids are
// `<op>/<model>_<block>_<layer>_<cin>x<cout>[x<h>x<w>]/<kernel set>`, e.g.
// `conv1x1/rg100_b6_ghost1_80x240x14x14/avx512`; throughput is 2 x MACs elements, so
// criterion's "Gelem/s" reads as GFLOP/s. Time is the CPU time of the bench thread
// (`ThreadTime`): on a shared machine wall time also counts the time the thread waits for a
// core. `GRT_BENCH_WALL=1` measures wall time.

/// Criterion measurement: CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`) on
/// Linux, else (or with `GRT_BENCH_WALL=1`) wall time. Values are durations, formatted as
/// criterion formats wall time.
struct ThreadTime {
    wall: bool,
}

impl ThreadTime {
    fn new() -> Self {
        let wall = !cfg!(target_os = "linux") || std::env::var_os("GRT_BENCH_WALL").is_some();
        ThreadTime { wall }
    }

    fn now(&self) -> Duration {
        static START: OnceLock<Instant> = OnceLock::new();
        if self.wall {
            START.get_or_init(Instant::now).elapsed()
        } else {
            thread_cpu_time()
        }
    }
}

#[cfg(target_os = "linux")]
fn thread_cpu_time() -> Duration {
    use std::os::raw::{c_int, c_long};
    #[repr(C)]
    struct Timespec {
        sec: c_long,
        nsec: c_long,
    }
    extern "C" {
        fn clock_gettime(clock: c_int, ts: *mut Timespec) -> c_int;
    }
    const CLOCK_THREAD_CPUTIME_ID: c_int = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `ts` is a writable timespec; this clock exists on every Linux.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.sec as u64, ts.nsec as u32)
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_time() -> Duration {
    unreachable!("ThreadTime measures wall time off Linux")
}

impl Measurement for ThreadTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        self.now()
    }
    fn end(&self, start: Duration) -> Duration {
        self.now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, d: &Duration) -> f64 {
        d.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WallTime.formatter()
    }
}

/// A GEMM family's group: short samples, so that the fastest of them is one the machine's
/// other load left alone; ~100 ids per family take minutes, not an hour.
fn gemm_group<'a>(
    c: &'a mut Criterion<ThreadTime>,
    family: &str,
) -> BenchmarkGroup<'a, ThreadTime> {
    let mut g = c.benchmark_group(family);
    g.warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(600))
        .sample_size(60);
    g
}

/// A 1x1 conv layer: name, cin, cout, (h, w), activation, residual add fused.
struct Pointwise(&'static str, usize, usize, (usize, usize), Act, bool);

/// Every distinct 1x1 conv shape of RepGhostNet 1.0x (`rg100`), then the GhostNet 1.0x
/// (`g100`) shapes RepGhostNet does not have and one with a fused residual (GhostNet adds
/// the shortcut in its last 1x1 conv).
#[rustfmt::skip]
const POINTWISE: &[Pointwise] = &[
    Pointwise("rg100_b0_ghost1_16x8x112x112", 16, 8, (112, 112), Act::Relu, false),
    Pointwise("rg100_b0_ghost2_8x16x112x112", 8, 16, (112, 112), Act::None, false),
    Pointwise("rg100_b1_ghost1_16x24x112x112", 16, 24, (112, 112), Act::Relu, false),
    Pointwise("rg100_b1_ghost2_24x24x56x56", 24, 24, (56, 56), Act::None, false),
    Pointwise("rg100_b1_shortcut_16x24x56x56", 16, 24, (56, 56), Act::None, false),
    Pointwise("rg100_b2_ghost1_24x36x56x56", 24, 36, (56, 56), Act::Relu, false),
    Pointwise("rg100_b2_ghost2_36x24x56x56", 36, 24, (56, 56), Act::None, false),
    Pointwise("rg100_b3_ghost2_36x40x28x28", 36, 40, (28, 28), Act::None, false),
    Pointwise("rg100_b3_shortcut_24x40x28x28", 24, 40, (28, 28), Act::None, false),
    Pointwise("rg100_b4_ghost1_40x60x28x28", 40, 60, (28, 28), Act::Relu, false),
    Pointwise("rg100_b4_ghost2_60x40x28x28", 60, 40, (28, 28), Act::None, false),
    Pointwise("rg100_b5_ghost1_40x120x28x28", 40, 120, (28, 28), Act::Relu, false),
    Pointwise("rg100_b5_ghost2_120x80x14x14", 120, 80, (14, 14), Act::None, false),
    Pointwise("rg100_b5_shortcut_40x80x14x14", 40, 80, (14, 14), Act::None, false),
    Pointwise("rg100_b6_ghost1_80x100x14x14", 80, 100, (14, 14), Act::Relu, false),
    Pointwise("rg100_b6_ghost2_100x80x14x14", 100, 80, (14, 14), Act::None, false),
    Pointwise("rg100_b6_ghost1_80x120x14x14", 80, 120, (14, 14), Act::Relu, false),
    Pointwise("rg100_b6_ghost1_80x240x14x14", 80, 240, (14, 14), Act::Relu, false),
    Pointwise("rg100_b6_ghost2_240x112x14x14", 240, 112, (14, 14), Act::None, false),
    Pointwise("rg100_b6_shortcut_80x112x14x14", 80, 112, (14, 14), Act::None, false),
    Pointwise("rg100_b6_ghost1_112x336x14x14", 112, 336, (14, 14), Act::Relu, false),
    Pointwise("rg100_b6_ghost2_336x112x14x14", 336, 112, (14, 14), Act::None, false),
    Pointwise("rg100_b7_ghost2_336x160x7x7", 336, 160, (7, 7), Act::None, false),
    Pointwise("rg100_b7_shortcut_112x160x7x7", 112, 160, (7, 7), Act::None, false),
    Pointwise("rg100_b8_ghost1_160x480x7x7", 160, 480, (7, 7), Act::Relu, false),
    Pointwise("rg100_b8_ghost2_480x160x7x7", 480, 160, (7, 7), Act::None, false),
    Pointwise("rg100_b9_conv_160x960x7x7", 160, 960, (7, 7), Act::Relu, false),
    Pointwise("g100_b1_ghost2_48x12x56x56", 48, 12, (56, 56), Act::None, false),
    Pointwise("g100_b4_ghost2_120x20x28x28", 120, 20, (28, 28), Act::None, false),
    Pointwise("g100_b6_ghost1_80x92x14x14", 80, 92, (14, 14), Act::Relu, false),
    Pointwise("g100_b6_ghost2_672x56x14x14", 672, 56, (14, 14), Act::None, false),
    Pointwise("g100_b6_shortcut_80x112x14x14_res", 80, 112, (14, 14), Act::None, true),
    Pointwise("g100_b8_ghost2_960x80x7x7", 960, 80, (7, 7), Act::None, false),
];

fn conv1x1(c: &mut Criterion<ThreadTime>) {
    let mut g = gemm_group(c, "conv1x1");
    let sets = runnable_sets();
    for (i, &Pointwise(name, cin, cout, (h, w), act, res)) in POINTWISE.iter().enumerate() {
        let hw = h * w;
        let input = data(cin * hw, i as u32);
        let weight = data(cout * cin, i as u32 + 1000);
        let bias = data(cout, i as u32 + 2000);
        let residual = res.then(|| data(cout * hw, i as u32 + 3000));
        let mut out = vec![0.0f32; cout * hw];
        g.throughput(Throughput::Elements(2 * (cin * cout * hw) as u64));
        for ks in &sets {
            // Packed once, as the planner does at plan time.
            let packed = kernels::pack_conv1x1(&weight, cin, cout, ks.conv1x1_mr);
            let r = residual.as_ref().map_or(ptr::null(), |r| r.as_ptr());
            g.bench_function(BenchmarkId::new(name, ks.name), |b| {
                b.iter(|| unsafe {
                    (ks.conv1x1)(
                        black_box(input.as_ptr()),
                        cin,
                        hw,
                        hw,
                        packed.as_ptr(),
                        bias.as_ptr(),
                        r,
                        out.as_mut_ptr(),
                        cout,
                        act,
                    )
                })
            });
        }
    }
    g.finish();
}

/// A fully connected layer: name, cin, cout, activation.
struct Linear(&'static str, usize, usize, Act);

/// The classifier heads: `conv_head` (a 1x1 conv on 1x1 pixels, run as FC) and the
/// ImageNet classifier of 1.0x, and the widest `conv_head` (2.0x).
const LINEAR: &[Linear] = &[
    Linear("rg100_conv_head_960x1280", 960, 1280, Act::Relu),
    Linear("rg100_classifier_1280x1000", 1280, 1000, Act::None),
    Linear("rg200_conv_head_1920x1280", 1920, 1280, Act::Relu),
];

fn fc(c: &mut Criterion<ThreadTime>) {
    let mut g = gemm_group(c, "fc");
    let sets = runnable_sets();
    for (i, &Linear(name, cin, cout, act)) in LINEAR.iter().enumerate() {
        let input = data(cin, i as u32);
        let weight = data(cout * cin, i as u32 + 1000);
        let bias = data(cout, i as u32 + 2000);
        let mut out = vec![0.0f32; cout];
        g.throughput(Throughput::Elements(2 * (cin * cout) as u64));
        for ks in &sets {
            g.bench_function(BenchmarkId::new(name, ks.name), |b| {
                b.iter(|| unsafe {
                    (ks.fc)(
                        black_box(input.as_ptr()),
                        cin,
                        weight.as_ptr(),
                        bias.as_ptr(),
                        out.as_mut_ptr(),
                        cout,
                        act,
                    )
                })
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = gemm_benches;
    config = Criterion::default().with_measurement(ThreadTime::new());
    targets = conv1x1, fc
}

criterion_main!(dw_benches, gemm_benches);
