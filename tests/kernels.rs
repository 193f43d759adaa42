//! Every kernel set in `ghostrt::kernels::all()` against the naive reference in
//! `ghostrt::reference`: tile-edge shapes, strides, padding, every activation, with and
//! without bias and residual (also in place), then proptest shapes.
//!
//! Buffers are guarded: inputs, weights and biases sit between NaN guards, so a read past
//! either end poisons a result; outputs sit between canaries that must survive, and start as
//! NaN unless they hold the in-place residual, so an element the kernel forgets is caught.
//!
//! Tolerance: an f32 sum of n terms differs from the exact sum by at most about
//! n * u * sum|terms| (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed.,
//! eq. 3.5; u = EPSILON / 2). The reference is computed in f64, so each element is allowed
//! `EPSILON * (n + 2) * sum|terms|` (bias and residual are two more terms), plus a few ulps
//! for the activation. sum|terms| is the reference run on absolute values. A missing,
//! doubled or shifted tap changes an element by a whole |term|, far more than that.

use ghostrt::kernels::{self, Act, KernelSet};
use ghostrt::reference::{
    act_ref, add_ref, apply_epilogue, conv2d_ref, conv_out_size, fc_ref, gavgpool_ref, se_ref,
};
use proptest::prelude::*;
use std::ptr;

/// Channel counts and widths around the tile sizes 4, 8 and 16 of the kernels.
const EDGES: [usize; 11] = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33];
const GUARD: usize = 16;
const CANARY: f32 = -7777.25;

/// The kernel sets this host can run; prints the ones it cannot.
fn runnable() -> Vec<&'static KernelSet> {
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

/// splitmix64: deterministic data for the edge-case tests.
struct Rng(u64);

impl Rng {
    fn next_f32(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
    /// `n` values uniform in `[-scale, scale)`.
    fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.next_f32() * scale).collect()
    }
}

/// A buffer between `GUARD` guard values on each side.
struct Guarded {
    buf: Vec<f32>,
    len: usize,
    guard: f32,
}

impl Guarded {
    fn new(body: &[f32], guard: f32) -> Self {
        let mut buf = vec![guard; body.len() + 2 * GUARD];
        buf[GUARD..GUARD + body.len()].copy_from_slice(body);
        Guarded {
            buf,
            len: body.len(),
            guard,
        }
    }
    /// Input buffer: a read outside it returns NaN.
    fn input(body: &[f32]) -> Self {
        Guarded::new(body, f32::NAN)
    }
    /// Output buffer of `len` NaNs between canaries.
    fn output(len: usize) -> Self {
        Guarded::new(&vec![f32::NAN; len], CANARY)
    }
    fn ptr(&self) -> *const f32 {
        self.buf[GUARD..].as_ptr()
    }
    fn mut_ptr(&mut self) -> *mut f32 {
        self.buf[GUARD..].as_mut_ptr()
    }
    fn body(&self) -> &[f32] {
        &self.buf[GUARD..GUARD + self.len]
    }
    fn assert_guards(&self, ctx: &str) {
        let (head, rest) = self.buf.split_at(GUARD);
        let tail = &rest[self.len..];
        for (i, g) in head.iter().chain(tail).enumerate() {
            assert!(
                g.to_bits() == self.guard.to_bits(),
                "{ctx}: guard {i} overwritten with {g}"
            );
        }
    }
}

fn opt_ptr(g: &Option<Guarded>) -> *const f32 {
    g.as_ref().map_or(ptr::null(), Guarded::ptr)
}

fn abs(v: &[f32]) -> Vec<f32> {
    v.iter().map(|x| x.abs()).collect()
}

/// Allowed error of an element that sums `n` terms of total magnitude `mag` and then goes
/// through an activation with result `want` (see the file comment).
fn tolerance(n: usize, mag: f32, want: f32) -> f32 {
    f32::EPSILON * ((n + 2) as f32 * mag + 8.0 * (want.abs() + 3.0))
}

fn assert_close(ctx: &str, got: &[f32], want: &[f32], tol: impl Fn(usize) -> f32) {
    assert_eq!(got.len(), want.len(), "{ctx}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let t = tol(i);
        assert!(
            (g - w).abs() <= t,
            "{ctx}: element {i}: got {g}, want {w} (tolerance {t})"
        );
    }
}

/// A convolution window: (k, stride, pad).
type Window = (usize, usize, usize);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Res {
    None,
    Separate,
    InPlace,
}

/// How a conv-like kernel's output is finished: the fused epilogue.
#[derive(Clone, Copy, Debug)]
struct Epi {
    act: Act,
    bias: bool,
    res: Res,
}

/// All 24 epilogues: 4 activations x bias or not x no, separate or in-place residual.
fn epilogues() -> Vec<Epi> {
    let mut v = Vec::new();
    for res in [Res::None, Res::Separate, Res::InPlace] {
        for bias in [false, true] {
            for act in Act::ALL {
                v.push(Epi { act, bias, res });
            }
        }
    }
    v
}

/// Runs a kernel with an epilogue on a `[cout][plane]` output and checks it.
/// `acc`: reference accumulator; `mag`: sum|terms| per element; `n`: terms per element;
/// `call(bias, residual, out)` runs the kernel.
#[allow(clippy::too_many_arguments)]
fn check_epilogue(
    ctx: &str,
    rng: &mut Rng,
    cout: usize,
    acc: &[f32],
    mag: &[f32],
    n: usize,
    epi: Epi,
    call: impl FnOnce(*const f32, *const f32, *mut f32),
) {
    let ctx = format!("{ctx} {epi:?}");
    let bias = epi.bias.then(|| rng.vec(cout, 3.0));
    let res = (epi.res != Res::None).then(|| rng.vec(acc.len(), 3.0));
    let bias_buf = bias.as_deref().map(Guarded::input);
    let mut out = match (epi.res, &res) {
        (Res::InPlace, Some(r)) => Guarded::new(r, CANARY),
        _ => Guarded::output(acc.len()),
    };
    let res_buf = match epi.res {
        Res::Separate => res.as_deref().map(Guarded::input),
        _ => None,
    };
    let out_ptr = out.mut_ptr();
    let res_ptr = match epi.res {
        Res::InPlace => out_ptr as *const f32,
        _ => opt_ptr(&res_buf),
    };
    call(opt_ptr(&bias_buf), res_ptr, out_ptr);
    out.assert_guards(&ctx);

    let mut want = acc.to_vec();
    apply_epilogue(&mut want, cout, bias.as_deref(), res.as_deref(), epi.act);
    let mut m = mag.to_vec();
    let (abias, ares) = (bias.as_deref().map(abs), res.as_deref().map(abs));
    apply_epilogue(&mut m, cout, abias.as_deref(), ares.as_deref(), Act::None);
    assert_close(&ctx, out.body(), &want, |i| tolerance(n, m[i], want[i]));
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum ConvOp {
    /// `KernelSet::conv`, groups = 1.
    Dense,
    /// `KernelSet::dwconv`, groups = cin = cout.
    Depthwise,
    /// `KernelSet::conv1x1` on `h * w` pixels (k = 1, stride 1, pad 0).
    Pointwise,
}

/// One convolution case: operator, (cin, cout), input (h, w) and window.
#[derive(Clone, Copy, Debug)]
struct Conv {
    op: ConvOp,
    ch: (usize, usize),
    size: (usize, usize),
    win: Window,
}

impl Conv {
    fn dense(cin: usize, cout: usize, size: (usize, usize), win: Window) -> Self {
        let (op, ch) = (ConvOp::Dense, (cin, cout));
        Conv { op, ch, size, win }
    }
    fn depthwise(c: usize, size: (usize, usize), win: Window) -> Self {
        let (op, ch) = (ConvOp::Depthwise, (c, c));
        Conv { op, ch, size, win }
    }
    fn pointwise(cin: usize, cout: usize, hw: usize) -> Self {
        let (op, ch, size, win) = (ConvOp::Pointwise, (cin, cout), (1, hw), (1, 1, 0));
        Conv { op, ch, size, win }
    }
    fn groups(&self) -> usize {
        if self.op == ConvOp::Depthwise {
            self.ch.0
        } else {
            1
        }
    }
    fn reference(&self, input: &[f32], weight: &[f32]) -> Vec<f32> {
        let ((cin, cout), (h, w), (k, s, p)) = (self.ch, self.size, self.win);
        conv2d_ref(input, cin, h, w, weight, cout, k, s, p, self.groups())
    }
}

/// Runs convolution `cv` of `ks` and checks it against `conv2d_ref`.
fn check_conv(ks: &KernelSet, cv: Conv, epi: Epi, seed: u64) {
    let mut rng = Rng(seed);
    let ((cin, cout), (h, w), (k, s, p)) = (cv.ch, cv.size, cv.win);
    let (oh, ow) = (conv_out_size(h, k, s, p), conv_out_size(w, k, s, p));
    let n = cin / cv.groups() * k * k;
    let input = rng.vec(cin * h * w, 2.0);
    let weight = rng.vec(cout * n, 1.0);
    let acc = cv.reference(&input, &weight);
    let mag = cv.reference(&abs(&input), &abs(&weight));
    // 1x1 kernels read weights packed for their output-channel tile, as the planner packs them.
    let kernel_weight = match cv.op {
        ConvOp::Pointwise => kernels::pack_conv1x1(&weight, cin, cout, ks.conv1x1_mr),
        _ => weight.clone(),
    };
    let (ib, wb) = (Guarded::input(&input), Guarded::input(&kernel_weight));
    let (i, wt, act) = (ib.ptr(), wb.ptr(), epi.act);
    let ctx = format!("{} {cv:?}", ks.name);
    check_epilogue(&ctx, &mut rng, cout, &acc, &mag, n, epi, |b, r, o| unsafe {
        match cv.op {
            ConvOp::Dense => {
                (ks.conv)(i, cin, h, w, wt, b, r, o, cout, oh, ow, k, s, p, 0, oh, act)
            }
            ConvOp::Depthwise => {
                (ks.dwconv)(i, cin, h, w, wt, b, r, o, oh, ow, k, s, p, 0, oh, act)
            }
            ConvOp::Pointwise => (ks.conv1x1)(i, cin, h * w, h * w, wt, b, r, o, cout, act),
        }
    });
}

fn check_gavgpool(ks: &KernelSet, c: usize, hw: usize, seed: u64) {
    let mut rng = Rng(seed);
    let input = rng.vec(c * hw, 2.0);
    let want = gavgpool_ref(&input, c, hw);
    let mag = gavgpool_ref(&abs(&input), c, hw);
    let ib = Guarded::input(&input);
    let mut out = Guarded::output(c);
    unsafe { (ks.gavgpool)(ib.ptr(), c, hw, out.mut_ptr()) };
    let ctx = format!("{} gavgpool c={c} hw={hw}", ks.name);
    out.assert_guards(&ctx);
    assert_close(&ctx, out.body(), &want, |i| tolerance(hw, mag[i], want[i]));
}

fn check_fc(ks: &KernelSet, cin: usize, cout: usize, bias: bool, act: Act, seed: u64) {
    let mut rng = Rng(seed);
    let input = rng.vec(cin, 2.0);
    let weight = rng.vec(cout * cin, 1.0);
    let b = bias.then(|| rng.vec(cout, 3.0));
    let want = fc_ref(&input, &weight, b.as_deref(), cout, act);
    let ab = b.as_deref().map(abs);
    let mag = fc_ref(&abs(&input), &abs(&weight), ab.as_deref(), cout, Act::None);
    let (ib, wb) = (Guarded::input(&input), Guarded::input(&weight));
    let bb = b.as_deref().map(Guarded::input);
    let mut out = Guarded::output(cout);
    unsafe {
        (ks.fc)(
            ib.ptr(),
            cin,
            wb.ptr(),
            opt_ptr(&bb),
            out.mut_ptr(),
            cout,
            act,
        )
    };
    let ctx = format!("{} fc cin={cin} cout={cout} bias={bias} {act:?}", ks.name);
    out.assert_guards(&ctx);
    assert_close(&ctx, out.body(), &want, |i| tolerance(cin, mag[i], want[i]));
}

/// SE through `ks` against `se_ref`. The error bound is propagated through the three
/// stages: each stage adds its own rounding and passes on the previous error times |w|
/// (every gate is 1-Lipschitz), and the final product scales the gate error by |x|.
#[allow(clippy::too_many_arguments)]
fn check_se(
    ks: &KernelSet,
    c: usize,
    hw: usize,
    rd: usize,
    biases: bool,
    gate: Act,
    in_place: bool,
    seed: u64,
) {
    let mut rng = Rng(seed);
    let input = rng.vec(c * hw, 2.0);
    let (w1, w2) = (rng.vec(rd * c, 1.0), rng.vec(c * rd, 1.0));
    let (b1, b2) = if biases {
        (Some(rng.vec(rd, 1.0)), Some(rng.vec(c, 3.0)))
    } else {
        (None, None)
    };
    let want = se_ref(
        &input,
        c,
        hw,
        &w1,
        b1.as_deref(),
        rd,
        &w2,
        b2.as_deref(),
        gate,
    );

    let eps = f32::EPSILON;
    let (aw1, aw2) = (abs(&w1), abs(&w2));
    let (ab1, ab2) = (b1.as_deref().map(abs), b2.as_deref().map(abs));
    let mag_s = gavgpool_ref(&abs(&input), c, hw);
    let err_s: Vec<f32> = mag_s.iter().map(|m| (hw + 2) as f32 * eps * m).collect();
    let mag_r = fc_ref(&mag_s, &aw1, ab1.as_deref(), rd, Act::None);
    let prop_r = fc_ref(&err_s, &aw1, None, rd, Act::None);
    let err_r: Vec<f32> = (0..rd)
        .map(|j| prop_r[j] + (c + 2) as f32 * eps * mag_r[j])
        .collect();
    let mag_g = fc_ref(&mag_r, &aw2, ab2.as_deref(), c, Act::None);
    let prop_g = fc_ref(&err_r, &aw2, None, c, Act::None);
    let err_g: Vec<f32> = (0..c)
        .map(|j| prop_g[j] + (rd + 2) as f32 * eps * mag_g[j] + 8.0 * eps)
        .collect();

    let ib = Guarded::input(&input);
    let (w1b, w2b) = (Guarded::input(&w1), Guarded::input(&w2));
    let (b1b, b2b) = (
        b1.as_deref().map(Guarded::input),
        b2.as_deref().map(Guarded::input),
    );
    let mut scratch = Guarded::output(c + rd);
    let mut out = if in_place {
        Guarded::new(&input, CANARY)
    } else {
        Guarded::output(c * hw)
    };
    let in_ptr = if in_place { out.ptr() } else { ib.ptr() };
    let (sp, op) = (scratch.mut_ptr(), out.mut_ptr());
    let (p1, p2, q1, q2) = (w1b.ptr(), w2b.ptr(), opt_ptr(&b1b), opt_ptr(&b2b));
    unsafe { (ks.se)(in_ptr, c, hw, p1, q1, rd, p2, q2, gate, sp, op) };
    let ctx = format!(
        "{} se c={c} hw={hw} rd={rd} biases={biases} {gate:?} in_place={in_place}",
        ks.name
    );
    out.assert_guards(&ctx);
    scratch.assert_guards(&format!("{ctx} scratch"));
    assert_close(&ctx, out.body(), &want, |i| {
        input[i].abs() * err_g[i / hw] + 2.0 * eps * want[i].abs()
    });
}

#[derive(Clone, Copy, Debug)]
enum AddOut {
    Separate,
    IntoA,
    IntoB,
}

fn check_add(ks: &KernelSet, n: usize, act: Act, dst: AddOut, seed: u64) {
    let mut rng = Rng(seed);
    let (a, b) = (rng.vec(n, 6.0), rng.vec(n, 6.0));
    let want = add_ref(&a, &b, act);
    let (ab, bb) = (Guarded::input(&a), Guarded::input(&b));
    let mut out = match dst {
        AddOut::Separate => Guarded::output(n),
        AddOut::IntoA => Guarded::new(&a, CANARY),
        AddOut::IntoB => Guarded::new(&b, CANARY),
    };
    let o = out.mut_ptr();
    let (pa, pb) = match dst {
        AddOut::Separate => (ab.ptr(), bb.ptr()),
        AddOut::IntoA => (o as *const f32, bb.ptr()),
        AddOut::IntoB => (ab.ptr(), o as *const f32),
    };
    unsafe { (ks.add)(pa, pb, o, n, act) };
    let ctx = format!("{} add n={n} {act:?} {dst:?}", ks.name);
    out.assert_guards(&ctx);
    let mag: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x.abs() + y.abs()).collect();
    assert_close(&ctx, out.body(), &want, |i| tolerance(0, mag[i], want[i]));
}

/// (k, stride, pad) for k in {3, 5}, stride in {1, 2}, pad in {0, k/2}.
fn windows() -> Vec<Window> {
    let mut v = Vec::new();
    for k in [3, 5] {
        for stride in [1, 2] {
            for pad in [0, k / 2] {
                v.push((k, stride, pad));
            }
        }
    }
    v
}

#[test]
fn act_reference_matches_definition() {
    let pts = [-4.0f32, -3.0, -0.5, 0.0, 0.5, 3.0, 5.0, 6.0, 9.0];
    for x in pts {
        assert_eq!(act_ref(x, Act::None), x);
        assert_eq!(act_ref(x, Act::Relu), x.max(0.0));
        assert_eq!(act_ref(x, Act::Relu6), x.clamp(0.0, 6.0));
        assert_eq!(
            act_ref(x, Act::HardSigmoid),
            (x + 3.0).clamp(0.0, 6.0) / 6.0
        );
    }
    assert_eq!(act_ref(-3.0, Act::HardSigmoid), 0.0);
    assert_eq!(act_ref(0.0, Act::HardSigmoid), 0.5);
    assert_eq!(act_ref(3.0, Act::HardSigmoid), 1.0);
}

#[test]
fn best_is_listed_and_available() {
    let best = kernels::best();
    assert!(best.isa.available());
    assert!(kernels::all().iter().any(|ks| ptr::eq(*ks, best)));
}

#[test]
fn conv_epilogues() {
    for ks in runnable() {
        for (i, epi) in epilogues().into_iter().enumerate() {
            let seed = i as u64;
            check_conv(ks, Conv::dense(3, 5, (9, 7), (3, 2, 1)), epi, seed);
            check_conv(ks, Conv::depthwise(5, (9, 7), (3, 1, 1)), epi, seed);
            check_conv(ks, Conv::pointwise(9, 5, 17), epi, seed);
        }
    }
}

#[test]
fn conv_edges() {
    let heights = [1, 2, 3, 4, 5, 7, 9, 16, 17];
    let epis = epilogues();
    for ks in runnable() {
        let mut case = 0usize;
        for (k, s, p) in windows() {
            for h in heights {
                for w in EDGES {
                    if h + 2 * p < k || w + 2 * p < k {
                        continue;
                    }
                    let epi = epis[case % epis.len()];
                    let cin = [1, 3, 4][case % 3];
                    let cout = EDGES[case % EDGES.len()];
                    let cv = Conv::dense(cin, cout, (h, w), (k, s, p));
                    check_conv(ks, cv, epi, case as u64);
                    case += 1;
                }
            }
        }
    }
}

/// Dense 3x3 stride-2 pad-1 convs (the stem) around the x86 kernels' split-table geometry
/// (kernels/x86/dw_conv_impl.h, `cv2_*`): widths whose outputs end just before, at and after
/// a vector and a 128-column table block, odd and even widths, channel counts around the
/// register tile (8 or 4 outputs) and around the table's limit on input channels (5 or 6,
/// then the generic tile), heights from 1 row.
#[test]
fn conv_stem_split_tables() {
    let widths = [
        1, 2, 31, 32, 33, 34, 63, 65, 223, 224, 225, 255, 256, 257, 258, 259, 290,
    ];
    let epis = epilogues();
    for ks in runnable() {
        let mut case = 0usize;
        for w in widths {
            for h in [1, 2, 3, 6, 9] {
                let cin = [1, 3, 5, 6, 7][case % 5];
                let cout = [1, 4, 7, 8, 9, 16, 17][case % 7];
                let epi = epis[case % epis.len()];
                let cv = Conv::dense(cin, cout, (h, w), (3, 2, 1));
                check_conv(ks, cv, epi, 500 + case as u64);
                case += 1;
            }
        }
    }
}

#[test]
fn dwconv_edges() {
    let heights = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33];
    let epis = epilogues();
    for ks in runnable() {
        let mut case = 0usize;
        for (k, s, p) in windows() {
            for h in heights {
                for w in EDGES {
                    if h + 2 * p < k || w + 2 * p < k {
                        continue;
                    }
                    let epi = epis[case % epis.len()];
                    let c = EDGES[case % EDGES.len()];
                    check_conv(ks, Conv::depthwise(c, (h, w), (k, s, p)), epi, case as u64);
                    case += 1;
                }
            }
        }
    }
}

/// Depthwise planes large enough for the NEON 4-channel tile to work in bands of rows
/// (kernels/neon/f32_dwconv_4c_neon.c: more than 4096 padded pixels), with channel counts
/// that leave 1-3 channels for the per-plane path, every window and epilogue; the other
/// sets run the same cases.
#[test]
fn dwconv_large_planes() {
    let epis = epilogues();
    let sizes = [(112, 112), (70, 100), (80, 100), (57, 131)];
    for ks in runnable() {
        for (case, (k, s, p)) in [(3, 1, 1), (3, 2, 1), (5, 1, 2), (5, 2, 2)]
            .into_iter()
            .enumerate()
        {
            for (i, &(h, w)) in sizes.iter().enumerate() {
                let c = [5, 6, 7, 4][(case + i) % 4];
                let epi = epis[(case * 4 + i) % epis.len()];
                let seed = 700 + (case * 4 + i) as u64;
                check_conv(ks, Conv::depthwise(c, (h, w), (k, s, p)), epi, seed);
            }
        }
    }
}

#[test]
fn conv1x1_edges() {
    let epis = epilogues();
    for ks in runnable() {
        let mut case = 0usize;
        for cin in [1, 3, 4, 5, 8, 9, 17, 33] {
            for cout in EDGES {
                for hw in EDGES {
                    let epi = epis[case % epis.len()];
                    check_conv(ks, Conv::pointwise(cin, cout, hw), epi, case as u64);
                    case += 1;
                }
            }
        }
    }
}

#[test]
fn gavgpool_edges() {
    for ks in runnable() {
        for c in EDGES {
            for hw in EDGES.into_iter().chain([49, 196]) {
                check_gavgpool(ks, c, hw, (c * 1000 + hw) as u64);
            }
        }
    }
}

#[test]
fn fc_edges() {
    for ks in runnable() {
        for cin in EDGES.into_iter().chain([960]) {
            for cout in EDGES {
                for bias in [false, true] {
                    for act in Act::ALL {
                        check_fc(ks, cin, cout, bias, act, (cin * 100 + cout) as u64);
                    }
                }
            }
        }
    }
}

#[test]
fn se_edges() {
    for ks in runnable() {
        let mut case = 0usize;
        for c in EDGES {
            for rd in [1, 2, 4, 8] {
                for hw in [1, 3, 16, 17, 49] {
                    let gate = Act::ALL[case % 4];
                    let biases = case % 3 != 0;
                    let in_place = case % 2 == 0;
                    check_se(ks, c, hw, rd, biases, gate, in_place, case as u64);
                    case += 1;
                }
            }
        }
    }
}

#[test]
fn add_edges() {
    for ks in runnable() {
        for n in EDGES.into_iter().chain([1000]) {
            for act in Act::ALL {
                for dst in [AddOut::Separate, AddOut::IntoA, AddOut::IntoB] {
                    check_add(ks, n, act, dst, n as u64);
                }
            }
        }
    }
}

fn act_strategy() -> impl Strategy<Value = Act> {
    (0usize..4).prop_map(|i| Act::ALL[i])
}

fn epi_strategy() -> impl Strategy<Value = Epi> {
    let res = prop_oneof![Just(Res::None), Just(Res::Separate), Just(Res::InPlace)];
    (act_strategy(), any::<bool>(), res).prop_map(|(act, bias, res)| Epi { act, bias, res })
}

/// ((h, w), (k, stride, pad)) with pad < k and a padded input at least as large as k.
fn window_strategy() -> impl Strategy<Value = ((usize, usize), Window)> {
    let k = prop_oneof![Just(1usize), Just(3), Just(5), Just(7)];
    (1usize..=24, 1usize..=24, k, 1usize..=3)
        .prop_flat_map(|(h, w, k, s)| (Just((h, w)), (Just(k), Just(s), 0..k)))
        .prop_filter("kernel larger than padded input", |&((h, w), (k, _, p))| {
            h + 2 * p >= k && w + 2 * p >= k
        })
}

proptest! {
    #[test]
    fn conv_random(cin in 1usize..=6, cout in 1usize..=20, (hw, win) in window_strategy(),
                   epi in epi_strategy(), seed in any::<u64>()) {
        for ks in runnable() {
            check_conv(ks, Conv::dense(cin, cout, hw, win), epi, seed);
        }
    }

    #[test]
    fn dwconv_random(c in 1usize..=40, (hw, win) in window_strategy(),
                     epi in epi_strategy(), seed in any::<u64>()) {
        for ks in runnable() {
            check_conv(ks, Conv::depthwise(c, hw, win), epi, seed);
        }
    }

    /// Stride 1 with "same" padding on planes up to 20 wide: the x86 flat mode (up to 16
    /// columns on AVX2) and its neighbours, with row tails of every length, which the
    /// plain-store tails (kernels/x86/store_tail.h) must write exactly; window_strategy
    /// reaches these shapes in a few percent of cases.
    #[test]
    fn dwconv_same_random(c in 1usize..=12, h in 1usize..=30, w in 1usize..=20,
                          k in prop_oneof![Just(3usize), Just(5)], epi in epi_strategy(),
                          seed in any::<u64>()) {
        for ks in runnable() {
            check_conv(ks, Conv::depthwise(c, (h, w), (k, 1, k / 2)), epi, seed);
        }
    }

    /// The same on wider rows (17 to 70 columns: the AVX2 row-wise padded path up to 32, row
    /// tiles above; every tail).
    #[test]
    fn dwconv_same_wide_random(c in 1usize..=4, h in 1usize..=20, w in 17usize..=70,
                               k in prop_oneof![Just(3usize), Just(5)], epi in epi_strategy(),
                               seed in any::<u64>()) {
        for ks in runnable() {
            check_conv(ks, Conv::depthwise(c, (h, w), (k, 1, k / 2)), epi, seed);
        }
    }

    #[test]
    fn conv1x1_random(cin in 1usize..=80, cout in 1usize..=40, hw in 1usize..=100,
                      epi in epi_strategy(), seed in any::<u64>()) {
        for ks in runnable() {
            check_conv(ks, Conv::pointwise(cin, cout, hw), epi, seed);
        }
    }

    #[test]
    fn head_random(c in 1usize..=64, hw in 1usize..=64, cout in 1usize..=40, bias in any::<bool>(),
                   act in act_strategy(), seed in any::<u64>()) {
        for ks in runnable() {
            check_gavgpool(ks, c, hw, seed);
            check_fc(ks, c, cout, bias, act, seed);
        }
    }

    #[test]
    fn se_random(c in 1usize..=64, hw in 1usize..=64, rd in 1usize..=16, biases in any::<bool>(),
                 gate in act_strategy(), in_place in any::<bool>(), seed in any::<u64>()) {
        for ks in runnable() {
            check_se(ks, c, hw, rd, biases, gate, in_place, seed);
        }
    }

    #[test]
    fn add_random(n in 1usize..=300, act in act_strategy(), dst in 0usize..3, seed in any::<u64>()) {
        let dst = [AddOut::Separate, AddOut::IntoA, AddOut::IntoB][dst];
        for ks in runnable() {
            check_add(ks, n, act, dst, seed);
        }
    }
}

/// Tile edges of the x86 kernels, run on every kernel set. 1x1: AVX2 strips of 24 pixels
/// (4 x 3, 4 x 2, 8 x 1 tiles of an 8-channel pack); AVX-512 strips of 48 pixels (8 x 3 and
/// 4 x NV tiles of a 16-channel pack), tiles of 7 pixels (the last one shorter) x up to 48
/// channels for hw <= 160 where they pad less, and a first strip that aligns the others when
/// hw is a multiple of 16 (so every alignment of `out` mod 64 bytes is tried); channel tiles
/// run blocks of 64 input channels (partial sums kept between blocks). FC: steps of
/// 32 (AVX-512) and 16 (AVX2) inputs with masked tails, 4 rows at a time.
#[test]
fn conv1x1_x86_tile_edges() {
    let epis = epilogues();
    for ks in runnable() {
        let mut case = 0usize;
        for cout in [6, 7, 12, 13, 20, 31, 32, 33, 47, 48, 49, 56, 63, 65] {
            // 193-200, 247: tails of 1-8 pixels after full 48-pixel strips (AVX-512 runs
            // tails of up to 7 as a channel tile).
            for hw in [
                7, 14, 23, 24, 25, 47, 48, 49, 50, 63, 64, 65, 98, 105, 193, 196, 199, 200, 247,
            ] {
                let epi = epis[case % epis.len()];
                // 65 and 130: channel tiles sum in blocks of 64 input channels (48 past 128).
                let cin = [1, 2, 7, 16, 65, 130][case % 6];
                check_conv(ks, Conv::pointwise(cin, cout, hw), epi, case as u64);
                case += 1;
            }
        }

        let (cin, cout, hw) = (5, 13, 208);
        let mut rng = Rng(7);
        let input = rng.vec(cin * hw, 2.0);
        let weight = rng.vec(cout * cin, 1.0);
        let (bias, res) = (rng.vec(cout, 3.0), rng.vec(cout * hw, 3.0));
        let packed = kernels::pack_conv1x1(&weight, cin, cout, ks.conv1x1_mr);
        let mut want = conv2d_ref(&input, cin, 1, hw, &weight, cout, 1, 1, 0, 1);
        apply_epilogue(&mut want, cout, Some(&bias), Some(&res), Act::Relu6);
        let mut mag = conv2d_ref(&abs(&input), cin, 1, hw, &abs(&weight), cout, 1, 1, 0, 1);
        apply_epilogue(
            &mut mag,
            cout,
            Some(&abs(&bias)),
            Some(&abs(&res)),
            Act::None,
        );
        for off in 0..16 {
            let mut buf = vec![CANARY; cout * hw + 16];
            let out = buf[off..].as_mut_ptr();
            let (i, w, b, r) = (input.as_ptr(), packed.as_ptr(), bias.as_ptr(), res.as_ptr());
            unsafe { (ks.conv1x1)(i, cin, hw, hw, w, b, r, out, cout, Act::Relu6) };
            let ctx = format!("{} conv1x1 {cin}x{cout}x{hw} out at +{off} floats", ks.name);
            let outside = buf[..off].iter().chain(&buf[off + cout * hw..]);
            assert!(
                outside.into_iter().all(|&g| g == CANARY),
                "{ctx}: canary overwritten"
            );
            let got = &buf[off..off + cout * hw];
            assert_close(&ctx, got, &want, |i| tolerance(cin, mag[i], want[i]));
        }

        for cin in [31, 32, 47, 48, 63, 64, 65] {
            for cout in [1, 3, 4, 5, 9] {
                let act = Act::ALL[(cin + cout) % 4];
                check_fc(ks, cin, cout, cout % 2 == 1, act, (cin * 100 + cout) as u64);
            }
        }
    }
}

/// The x86 channel tiles (vectors along output channels, small maps): input channels past the
/// AVX2 kernel's minimum (128) in one, two and more blocks, every grouping of 8- and 16-channel
/// packed tiles (80 channels go 3 + 3 + 2 + 2 on AVX2; 112 and 160 go 3 + 2 + 2 and
/// 3 + 3 + 2 + 2 on AVX-512), tails of 1-6 pixels, every epilogue,
/// and the short tails of larger maps that follow full pixel strips.
#[test]
fn conv1x1_channel_tiles() {
    let epis = epilogues();
    for ks in runnable() {
        let mut case = 0usize;
        for cin in [128, 129, 200] {
            for cout in [1, 8, 20, 24, 40, 48, 80, 88, 112, 160] {
                // 193, 196, 244: tails of 1 and 4 pixels after full strips, run as a
                // channel tile by both kernels.
                for hw in [1, 3, 4, 5, 7, 49, 50, 100, 193, 196, 244] {
                    let epi = epis[case % epis.len()];
                    check_conv(ks, Conv::pointwise(cin, cout, hw), epi, 9000 + case as u64);
                    case += 1;
                }
            }
        }
    }
}

/// A 1x1 conv over `cin` planes of `ld` floats: random input, weights (packed for `ks`),
/// bias and residual, and the reference output with its magnitudes for the tolerance.
struct PointwiseCase {
    input: Vec<f32>,
    packed: Vec<f32>,
    bias: Vec<f32>,
    res: Vec<f32>,
    want: Vec<f32>,
    mag: Vec<f32>,
}

impl PointwiseCase {
    fn new(ks: &KernelSet, cin: usize, cout: usize, ld: usize, act: Act, seed: u64) -> Self {
        let mut rng = Rng(seed);
        let input = rng.vec(cin * ld, 2.0);
        let weight = rng.vec(cout * cin, 1.0);
        let (bias, res) = (rng.vec(cout, 3.0), rng.vec(cout * ld, 3.0));
        let packed = kernels::pack_conv1x1(&weight, cin, cout, ks.conv1x1_mr);
        let mut want = conv2d_ref(&input, cin, 1, ld, &weight, cout, 1, 1, 0, 1);
        apply_epilogue(&mut want, cout, Some(&bias), Some(&res), act);
        let mut mag = conv2d_ref(&abs(&input), cin, 1, ld, &abs(&weight), cout, 1, 1, 0, 1);
        let (abias, ares) = (abs(&bias), abs(&res));
        apply_epilogue(&mut mag, cout, Some(&abias), Some(&ares), Act::None);
        PointwiseCase {
            input,
            packed,
            bias,
            res,
            want,
            mag,
        }
    }
}

/// The 1x1 strips of the AVX2 kernel read the input in place when its channel rows are
/// 32-byte aligned (ld a multiple of 8 floats from an aligned base) and spread over the L1
/// sets, and through a packed copy of each 24-pixel strip otherwise (with at most 1024 input channels and 16 output channels
/// or more). Both paths on every kernel set: the input at every float offset of a 64-byte
/// aligned buffer, rows 196 (14x14), 200 and 56 floats apart, input channels on either side
/// of the copy's limit, aligned rows that crowd a few L1 sets (copied as well) and ones that
/// do not; rows `ld > hw` apart must keep the pixels past hw untouched.
#[test]
fn conv1x1_aligned_and_packed_strips() {
    for ks in runnable() {
        for (case, &(cin, cout, hw, ld)) in [
            (40, 24, 196, 196),
            (40, 24, 196, 200),
            (9, 17, 48, 56),
            (3, 16, 24, 24),
            (1024, 16, 25, 32),
            (1025, 20, 30, 33),
            // Aligned rows 1 KiB and 4 KiB apart (4 and 1 L1 sets): copied from 12 and 3
            // input channels on (use_packed_strips in the AVX2 kernel), read in place below.
            (16, 20, 250, 256),
            (8, 16, 256, 256),
            (12, 16, 100, 1024),
        ]
        .iter()
        .enumerate()
        {
            let act = Act::ALL[case % 4];
            let pc = PointwiseCase::new(ks, cin, cout, ld, act, 300 + case as u64);
            let mut buf = vec![0.0f32; cin * ld + 32];
            let base = (64 - buf.as_ptr() as usize % 64) % 64 / 4;
            for off in [0, 1, 2, 4, 8] {
                let at = base + off;
                buf[at..at + cin * ld].copy_from_slice(&pc.input);
                let mut out = vec![CANARY; cout * ld];
                unsafe {
                    (ks.conv1x1)(
                        buf.as_ptr().add(at),
                        cin,
                        hw,
                        ld,
                        pc.packed.as_ptr(),
                        pc.bias.as_ptr(),
                        pc.res.as_ptr(),
                        out.as_mut_ptr(),
                        cout,
                        act,
                    )
                };
                let ctx = format!(
                    "{} conv1x1 {cin}x{cout}x{hw} ld {ld} input at +{off}",
                    ks.name
                );
                for (i, &v) in out.iter().enumerate() {
                    if i % ld >= hw {
                        assert!(
                            v == CANARY,
                            "{ctx}: wrote channel {} pixel {}",
                            i / ld,
                            i % ld
                        );
                    }
                }
                let (got, exp): (Vec<f32>, Vec<usize>) = out
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % ld < hw)
                    .map(|(i, &v)| (v, i))
                    .unzip();
                let w: Vec<f32> = exp.iter().map(|&i| pc.want[i]).collect();
                assert_close(&ctx, &got, &w, |j| {
                    tolerance(cin, pc.mag[exp[j]], pc.want[exp[j]])
                });
            }
        }
    }
}

/// 1x1 conv over a pixel range of larger planes (`ld > hw`), as a thread computes its share:
/// every range of a plane split at ragged points must equal the whole-plane result, and
/// pixels outside the range (the other threads' part) must stay untouched.
#[test]
fn conv1x1_pixel_ranges() {
    for ks in runnable() {
        for (case, &(cin, cout, ld)) in [(3, 5, 50), (16, 13, 196), (8, 33, 1000), (24, 16, 3136)]
            .iter()
            .enumerate()
        {
            let act = Act::ALL[case % 4];
            let pc = PointwiseCase::new(ks, cin, cout, ld, act, 100 + case as u64);
            for cuts in [
                vec![0, 1, ld],
                vec![0, 3, 4, 21, ld],
                vec![0, ld / 2 - 5, ld - 2, ld],
            ] {
                let mut out = vec![CANARY; cout * ld];
                for pair in cuts.windows(2) {
                    let (p0, n) = (pair[0], pair[1] - pair[0]);
                    let before = out.clone();
                    unsafe {
                        (ks.conv1x1)(
                            pc.input.as_ptr().add(p0),
                            cin,
                            n,
                            ld,
                            pc.packed.as_ptr(),
                            pc.bias.as_ptr(),
                            pc.res.as_ptr().add(p0),
                            out.as_mut_ptr().add(p0),
                            cout,
                            act,
                        )
                    };
                    let ctx = format!("{} conv1x1 {cin}x{cout} ld {ld} pixels {p0}..+{n}", ks.name);
                    for (i, (&a, &b)) in out.iter().zip(&before).enumerate() {
                        let p = i % ld;
                        assert!(
                            (p0..p0 + n).contains(&p) || a.to_bits() == b.to_bits(),
                            "{ctx}: wrote outside its range at channel {} pixel {p}",
                            i / ld
                        );
                    }
                }
                let ctx = format!("{} conv1x1 {cin}x{cout} ld {ld} cuts {cuts:?}", ks.name);
                assert_close(&ctx, &out, &pc.want, |i| {
                    tolerance(cin, pc.mag[i], pc.want[i])
                });
            }
        }
    }
}

/// Dense and depthwise convs over bands of output rows (`y0 > 0`, `y1 < oh`), as threads
/// split them: the bands together must equal the whole-plane result, and no band may write
/// a row outside itself. Every kernel set, strides 1 and 2, k 3 and 5, narrow and wide rows,
/// bands of one row and bands at the borders.
#[test]
fn conv_row_bands() {
    let cases = [
        (ConvOp::Depthwise, 5, 5, (11, 9), (3, 1, 1)),
        (ConvOp::Depthwise, 3, 3, (28, 28), (3, 2, 1)),
        (ConvOp::Depthwise, 4, 4, (30, 37), (5, 2, 2)),
        (ConvOp::Depthwise, 2, 2, (14, 14), (5, 1, 2)),
        (ConvOp::Depthwise, 3, 3, (14, 14), (3, 1, 1)),
        (ConvOp::Depthwise, 2, 2, (13, 16), (3, 1, 1)),
        (ConvOp::Depthwise, 3, 3, (56, 40), (3, 1, 1)),
        (ConvOp::Depthwise, 2, 2, (9, 7), (3, 2, 1)),
        // stride-1 "same" planes up to 16 wide (the x86 flat mode): narrower than a
        // vector, one column, and tall ones
        (ConvOp::Depthwise, 3, 3, (7, 7), (3, 1, 1)),
        (ConvOp::Depthwise, 2, 2, (6, 1), (3, 1, 1)),
        (ConvOp::Depthwise, 2, 2, (9, 16), (5, 1, 2)),
        (ConvOp::Depthwise, 2, 2, (700, 16), (3, 1, 1)),
        (ConvOp::Depthwise, 1, 1, (1300, 5), (5, 1, 2)),
        // stride-1 rows of 17-32 columns through the padded scratch in chunks of rows
        // (AVX2), and wider ones (row tiles)
        (ConvOp::Depthwise, 2, 2, (400, 32), (3, 1, 1)),
        (ConvOp::Depthwise, 2, 2, (300, 20), (5, 1, 2)),
        (ConvOp::Depthwise, 2, 2, (60, 229), (3, 1, 1)),
        // the widths AVX2 specializes (constant 56 and 112)
        (ConvOp::Depthwise, 3, 3, (20, 56), (3, 1, 1)),
        (ConvOp::Depthwise, 2, 2, (9, 112), (3, 1, 1)),
        (ConvOp::Dense, 3, 16, (33, 40), (3, 2, 1)),
        (ConvOp::Dense, 2, 5, (12, 70), (3, 1, 1)),
        (ConvOp::Dense, 3, 6, (17, 19), (5, 2, 2)),
        (ConvOp::Dense, 3, 16, (224, 224), (3, 2, 1)),
        (ConvOp::Dense, 5, 9, (13, 257), (3, 2, 1)),
        (ConvOp::Dense, 1, 17, (6, 258), (3, 2, 1)),
    ];
    for ks in runnable() {
        for (case, &(op, cin, cout, (h, w), (k, s, p))) in cases.iter().enumerate() {
            let cv = Conv {
                op,
                ch: (cin, cout),
                size: (h, w),
                win: (k, s, p),
            };
            let (oh, ow) = (conv_out_size(h, k, s, p), conv_out_size(w, k, s, p));
            let mut rng = Rng(300 + case as u64);
            let n = cin / cv.groups() * k * k;
            let input = rng.vec(cin * h * w, 2.0);
            let weight = rng.vec(cout * n, 1.0);
            let (bias, res) = (rng.vec(cout, 3.0), rng.vec(cout * oh * ow, 3.0));
            let act = Act::ALL[case % 4];
            let mut want = cv.reference(&input, &weight);
            apply_epilogue(&mut want, cout, Some(&bias), Some(&res), act);
            let mut mag = cv.reference(&abs(&input), &abs(&weight));
            apply_epilogue(
                &mut mag,
                cout,
                Some(&abs(&bias)),
                Some(&abs(&res)),
                Act::None,
            );
            for cuts in [
                vec![0, 1, oh],
                vec![0, oh / 2, oh],
                vec![0, 2, 3, oh - 1, oh],
            ] {
                let mut out = vec![CANARY; cout * oh * ow];
                for pair in cuts.windows(2) {
                    let (y0, y1) = (pair[0], pair[1]);
                    let before = out.clone();
                    let (i, wt, b, r, o) = (
                        input.as_ptr(),
                        weight.as_ptr(),
                        bias.as_ptr(),
                        res.as_ptr(),
                        out.as_mut_ptr(),
                    );
                    unsafe {
                        match op {
                            ConvOp::Dense => (ks.conv)(
                                i, cin, h, w, wt, b, r, o, cout, oh, ow, k, s, p, y0, y1, act,
                            ),
                            _ => {
                                (ks.dwconv)(i, cin, h, w, wt, b, r, o, oh, ow, k, s, p, y0, y1, act)
                            }
                        }
                    };
                    let ctx = format!("{} {cv:?} rows {y0}..{y1}", ks.name);
                    for (idx, (&a, &bf)) in out.iter().zip(&before).enumerate() {
                        let y = idx / ow % oh;
                        assert!(
                            (y0..y1).contains(&y) || a.to_bits() == bf.to_bits(),
                            "{ctx}: wrote row {y} of channel {}",
                            idx / (oh * ow)
                        );
                    }
                }
                let ctx = format!("{} {cv:?} bands {cuts:?}", ks.name);
                assert_close(&ctx, &out, &want, |i| tolerance(n, mag[i], want[i]));
            }
        }
    }
}

/// 3x3 stride-2 depthwise convs on rows of whole 64-byte lines from a line-aligned input:
/// the AVX-512 kernel's aligned path (kernels/x86/dw_dwconv_impl.h, `dw_s2k3_aligned`),
/// which the other tests reach only when the allocator happens to align their input. Whole
/// planes and two row bands; NaN right after the input catches a read past it.
#[test]
fn dwconv_stride2_aligned_rows() {
    let epis = epilogues();
    let mut case = 0u64;
    for ks in runnable() {
        for w in [16, 32, 48, 112] {
            for h in [1, 2, 3, 6, 17] {
                for c in [1, 5] {
                    let epi = epis[case as usize % epis.len()];
                    let mut rng = Rng(900 + case);
                    let (k, s, p) = (3, 2, 1);
                    let (oh, ow) = (conv_out_size(h, k, s, p), conv_out_size(w, k, s, p));
                    let input = rng.vec(c * h * w, 2.0);
                    let weight = rng.vec(c * k * k, 1.0);
                    let acc = conv2d_ref(&input, c, h, w, &weight, c, k, s, p, c);
                    let mag = conv2d_ref(&abs(&input), c, h, w, &abs(&weight), c, k, s, p, c);
                    let mut buf = vec![f32::NAN; c * h * w + 32];
                    let off = (16 - (buf.as_ptr() as usize / 4) % 16) % 16;
                    buf[off..off + c * h * w].copy_from_slice(&input);
                    let i = buf[off..].as_ptr();
                    assert_eq!(i as usize % 64, 0);
                    let (wt, act, mid) = (weight.as_ptr(), epi.act, oh / 2);
                    let ctx = format!("{} aligned dw3x3s2 c={c} {h}x{w}", ks.name);
                    check_epilogue(
                        &ctx,
                        &mut rng,
                        c,
                        &acc,
                        &mag,
                        k * k,
                        epi,
                        |b, r, o| unsafe {
                            if case % 2 == 0 {
                                (ks.dwconv)(i, c, h, w, wt, b, r, o, oh, ow, k, s, p, 0, oh, act)
                            } else {
                                (ks.dwconv)(i, c, h, w, wt, b, r, o, oh, ow, k, s, p, 0, mid, act);
                                (ks.dwconv)(i, c, h, w, wt, b, r, o, oh, ow, k, s, p, mid, oh, act)
                            }
                        },
                    );
                    case += 1;
                }
            }
        }
    }
}

/// Depthwise rows wider than the x86 kernels' per-call table of border-block masks
/// (kernels/x86/dw_dwconv_impl.h, `DW_MASK_TABLE`): with that many column blocks the masks
/// are computed per block instead. Both strides, both kernel sizes, ragged last blocks.
#[test]
fn dwconv_wide_rows() {
    let epis = epilogues();
    let cases = [
        (400, (3, 1, 1)),
        (397, (5, 1, 2)),
        (401, (3, 2, 1)),
        (403, (5, 2, 2)),
    ];
    for ks in runnable() {
        for (i, &(w, win)) in cases.iter().enumerate() {
            let epi = epis[(7 * i) % epis.len()];
            check_conv(ks, Conv::depthwise(3, (5, w), win), epi, i as u64);
        }
    }
}
