//! The executor: a `Model` (deploy graph with weights in place) shared by any number of
//! `Session`s, each owning a plan for one input size and the arena it runs in. `run` only
//! walks the step list; it performs no heap allocation and no shape logic.

mod pool;

use crate::error::{Error, Result};
use crate::graph::{Act, Graph};
use crate::plan::{Kernel, Plan, PlanOptions, Shape, Step};
use pool::Pool;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A loaded model. Cheap to share: clone the `Arc` into sessions on any thread.
pub struct Model {
    pub graph: Arc<Graph>,
}

impl Model {
    pub fn open(path: &Path) -> Result<Model> {
        Ok(Model {
            graph: Arc::new(crate::pack::open(path)?),
        })
    }
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Model> {
        Ok(Model {
            graph: Arc::new(crate::pack::from_bytes(bytes, name)?),
        })
    }
    pub fn from_graph(g: Graph) -> Model {
        Model { graph: Arc::new(g) }
    }
    pub fn plan(&self, input_hw: &[(usize, usize)], opts: PlanOptions) -> Result<Plan> {
        Plan::build(self.graph.clone(), input_hw, opts)
    }
    /// Start a single-threaded session for images of one size per input.
    pub fn session(&self, input_hw: &[(usize, usize)]) -> Result<Session> {
        Session::new(self.plan(input_hw, PlanOptions::default())?)
    }

    /// Start a session that splits each step over `threads` threads.
    pub fn session_with_threads(
        &self,
        input_hw: &[(usize, usize)],
        threads: usize,
    ) -> Result<Session> {
        Session::with_threads(self.plan(input_hw, PlanOptions::default())?, threads)
    }
}

pub struct Session {
    plan: Plan,
    arena: Vec<Line>,
    pool: Pool,
    /// Per-thread SE work rows (partial sums, means, hidden, gates; see `se_part`): thread
    /// i's row starts at line i * se_lines (whole lines each, so threads never share one).
    se_partial: Vec<Line>,
    se_lines: usize,
    barrier: SpinBarrier,
}

/// An atomic alone on its cache line (the barrier's two counters are bumped by different
/// cores; sharing a line would bounce it between them once more).
#[repr(align(64))]
struct Padded(AtomicUsize);

const LINE_FLOATS: usize = 16;
/// One 64-byte cache line of the arena: the planner's offsets are multiples of 16 floats,
/// so every tensor starts on a cache line and vector loads of a row start aligned.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([f32; LINE_FLOATS]);

/// Steps below this many MACs run on one thread: splitting costs more than it saves.
const MIN_SPLIT_MACS: u64 = 1 << 16;

/// Arena base pointer shared with pool workers; each writes a disjoint part of a step.
#[derive(Clone, Copy)]
struct Base(*mut f32);
// SAFETY: workers write disjoint output ranges of one step and only read its inputs.
unsafe impl Sync for Base {}

impl Base {
    /// The pointer (a method, so closures capture the `Sync` wrapper, not the raw field).
    fn ptr(&self) -> *mut f32 {
        self.0
    }
}

impl Session {
    /// A single-threaded session (the default for embedded use).
    pub fn new(plan: Plan) -> Result<Session> {
        Self::with_threads(plan, 1)
    }

    /// A session whose steps are split over `threads` threads (output channels, or output
    /// elements for elementwise steps). The threads live as long as the session.
    pub fn with_threads(plan: Plan, threads: usize) -> Result<Session> {
        if threads == 0 || threads > 256 {
            return Err(Error::Usage(format!(
                "thread count {threads}: expected 1 to 256"
            )));
        }
        let pool = Pool::new(threads)
            .map_err(|e| Error::Usage(format!("cannot start {threads} threads: {e}")))?;
        let mut arena = Vec::new();
        let n = plan.arena_floats;
        let lines = n.div_ceil(LINE_FLOATS);
        arena.try_reserve_exact(lines).map_err(|_| {
            Error::plan(
                "arena",
                format!("cannot allocate the {}-byte arena", n.saturating_mul(4)),
            )
        })?;
        arena.resize(lines, Line([0.0; LINE_FLOATS]));
        // Each thread's SE work row (see `se_part`): 3c + rd floats for the largest SE.
        let se_floats = plan
            .steps
            .iter()
            .filter_map(|st| match st.kernel {
                Kernel::Se { rd, .. } if threads > 1 => Some(3 * st.inputs[0].shape.c + rd),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let se_lines = se_floats.div_ceil(LINE_FLOATS);
        let se_partial = vec![Line([0.0; LINE_FLOATS]); se_lines * threads];
        Ok(Session {
            plan,
            arena,
            pool,
            se_partial,
            se_lines,
            barrier: SpinBarrier::new(),
        })
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The arena as floats.
    fn floats(&mut self) -> &mut [f32] {
        let n = self.arena.len() * LINE_FLOATS;
        // SAFETY: `Line` is `repr(C)` over 16 f32 with no padding, so the lines are `n`
        // contiguous, initialized floats.
        unsafe { std::slice::from_raw_parts_mut(self.arena.as_mut_ptr() as *mut f32, n) }
    }

    /// Floats per image of each input and each output.
    pub fn input_len(&self, i: usize) -> usize {
        self.plan.inputs[i].shape.numel()
    }
    pub fn output_len(&self, i: usize) -> usize {
        self.plan.outputs[i].0.shape.numel()
    }

    /// Run a batch: each `inputs[i]` holds N images (N * input_len(i) floats, NCHW), each
    /// `outputs[i]` receives N * output_len(i) floats. N is the same for every tensor.
    pub fn run(&mut self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) -> Result<()> {
        self.run_inner(inputs, outputs, None)
    }

    /// `run`, adding each step's wall time in nanoseconds to `step_ns[step]` (one entry per
    /// plan step): a per-layer profile (`ghostrt bench --profile`). Timing costs a clock read
    /// per step; otherwise it is `run`.
    pub fn run_profiled(
        &mut self,
        inputs: &[&[f32]],
        outputs: &mut [&mut [f32]],
        step_ns: &mut [u64],
    ) -> Result<()> {
        if step_ns.len() != self.plan.steps.len() {
            return Err(Error::Usage(format!(
                "profile: {} slots for {} steps",
                step_ns.len(),
                self.plan.steps.len()
            )));
        }
        self.run_inner(inputs, outputs, Some(step_ns))
    }

    fn run_steps(&mut self, profile: Option<&mut [u64]>) {
        let base = Base(self.floats().as_mut_ptr());
        let parts = self.pool.threads();
        if parts == 1 {
            let mut profile = profile;
            for (k, step) in self.plan.steps.iter().enumerate() {
                let t0 = profile.as_ref().map(|_| std::time::Instant::now());
                // SAFETY: the planner sized the arena to hold every view of every step and
                // checked each kernel's parameters against shapes and weight sizes.
                unsafe { exec_part(step, base, 0, 1) };
                if let (Some(p), Some(t0)) = (profile.as_deref_mut(), t0) {
                    p[k] += t0.elapsed().as_nanos() as u64;
                }
            }
            return;
        }
        let partial = Base(self.se_partial.as_mut_ptr() as *mut f32);
        let partial_stride = self.se_lines * LINE_FLOATS;
        let steps = &self.plan.steps;
        let barrier = &self.barrier;
        // Step timings are written by thread 0 only (a `Mutex` would do, but the region
        // must not block): the cell is touched by no other thread.
        let profile = std::cell::UnsafeCell::new(profile);
        let profile = &SendCell(profile);
        // One parallel region per image: every thread walks the whole step list, runs its
        // part of each step and meets the others at a barrier (one cross-core round trip)
        // before the next. Steps too small to split run on thread 0 alone.
        self.pool.run(&|t| {
            let mut t0 = std::time::Instant::now();
            for (k, step) in steps.iter().enumerate() {
                if step.macs < MIN_SPLIT_MACS {
                    if t == 0 {
                        // SAFETY: as in the single-thread loop; the others wait.
                        unsafe { exec_part(step, base, 0, 1) };
                    }
                } else if let Kernel::Se { .. } = step.kernel {
                    // SAFETY: as for exec_part; the phases are separated by barriers.
                    unsafe { se_part(step, base, t, parts, barrier, &partial, partial_stride) };
                } else {
                    // A fixed part per thread: the same rows, pixels or channels of every
                    // step, so a thread mostly reads what it wrote. No work stealing: a shared
                    // counter costs cross-core line transfers (measured 2.5 us a step here,
                    // more than a small step's work) and moves data between cores.
                    // SAFETY: parts of a split step write disjoint ranges.
                    unsafe { exec_part(step, base, t, parts) };
                }
                barrier.wait(parts);
                if t == 0 {
                    // SAFETY: only thread 0 touches the profile.
                    if let Some(p) = unsafe { (*profile.0.get()).as_deref_mut() } {
                        let now = std::time::Instant::now();
                        p[k] += (now - t0).as_nanos() as u64;
                        t0 = now;
                    }
                }
            }
        });
    }

    fn run_inner(
        &mut self,
        inputs: &[&[f32]],
        outputs: &mut [&mut [f32]],
        mut profile: Option<&mut [u64]>,
    ) -> Result<()> {
        if inputs.len() != self.plan.inputs.len() || outputs.len() != self.plan.outputs.len() {
            return Err(Error::Usage(format!(
                "model takes {} input(s) and {} output(s); got {} and {}",
                self.plan.inputs.len(),
                self.plan.outputs.len(),
                inputs.len(),
                outputs.len()
            )));
        }
        let per0 = self.input_len(0);
        let n = inputs[0].len().checked_div(per0).unwrap_or(0);
        for (i, x) in inputs.iter().enumerate() {
            let per = self.input_len(i);
            if n == 0 || x.len() != n * per {
                return Err(Error::Usage(format!(
                    "input {i}: {} floats is not a whole batch of {} images of shape {} ({per} floats each)",
                    x.len(),
                    n.max(1),
                    self.plan.inputs[i].shape
                )));
            }
        }
        for (i, y) in outputs.iter().enumerate() {
            let per = self.output_len(i);
            if y.len() != n * per {
                return Err(Error::Usage(format!(
                    "output {i}: buffer of {} floats, need {} ({n} x {per})",
                    y.len(),
                    n * per
                )));
            }
        }
        for b in 0..n {
            for (i, x) in inputs.iter().enumerate() {
                let v = self.plan.inputs[i];
                let per = v.shape.numel();
                self.floats()[v.offset..v.offset + per].copy_from_slice(&x[b * per..(b + 1) * per]);
            }
            self.run_steps(profile.as_deref_mut());
            for (i, y) in outputs.iter_mut().enumerate() {
                let v = self.plan.outputs[i].0;
                let per = v.shape.numel();
                y[b * per..(b + 1) * per].copy_from_slice(&self.floats()[v.offset..v.offset + per]);
            }
        }
        Ok(())
    }
}

/// Thread `t`'s share of an SE step, with one barrier: channel sums (pixel ranges into this
/// thread's `partial` row when `split_pixels`, whose neighbouring steps are split by pixels
/// too; channel ranges into `scratch[..c]` with the kernel set's pool otherwise), then, on
/// every thread from the shared sums, the means, both FCs (a few thousand MACs, cheaper to
/// repeat than to split behind two more barriers) and the scale of this thread's pixels or
/// channels. Row `t` of `partial`: sums `[0, c)`, means `[c, 2c)`, hidden `[2c, 2c + rd)`,
/// gates `[2c + rd, 3c + rd)`.
///
/// # Safety
/// As [`exec_part`]; `step.kernel` is `Kernel::Se`; `partial` holds `parts` rows of
/// `stride >= 3c + rd` floats; every thread of the region calls this.
unsafe fn se_part(
    step: &Step,
    base: Base,
    t: usize,
    parts: usize,
    barrier: &SpinBarrier,
    partial: &Base,
    stride: usize,
) {
    let Kernel::Se {
        pool: gap,
        fc,
        rd,
        gate,
        scratch,
        split_pixels,
        ..
    } = step.kernel
    else {
        return;
    };
    let x = step.inputs[0];
    let (c, hw) = (x.shape.c, x.shape.hw());
    let [w1, b1, w2, b2] = step.weights.map(|p| p.0);
    let (xo, oo) = (x.offset, step.output.offset);
    let p = base.ptr();
    let shared = p.add(scratch);
    let row = partial.ptr().add(t * stride);
    let (means, hidden, gates) = (row.add(c), row.add(2 * c), row.add(2 * c + rd));
    let pixels = range(hw, t, parts, band_align(x.shape.w) * x.shape.w);
    let (c0, c1) = if split_pixels {
        (0, c)
    } else {
        range(c, t, parts, 1)
    };
    if split_pixels {
        let (p0, p1) = pixels;
        for ch in 0..c {
            let plane = std::slice::from_raw_parts(p.add(xo + ch * hw + p0), p1 - p0);
            *row.add(ch) = sum(plane);
        }
    } else if c1 > c0 {
        gap(p.add(xo + c0 * hw), c1 - c0, hw, shared.add(c0));
    }
    barrier.wait(parts);
    if split_pixels {
        for ch in 0..c {
            let total: f32 = (0..parts)
                .map(|i| *partial.ptr().add(i * stride + ch))
                .sum();
            *means.add(ch) = total / hw as f32;
        }
    } else {
        std::ptr::copy_nonoverlapping(shared, means, c);
    }
    fc(means, c, w1, b1, hidden, rd, Act::Relu);
    if c1 > c0 {
        fc(
            hidden,
            rd,
            w2.add(c0 * rd),
            b2.add(c0),
            gates.add(c0),
            c1 - c0,
            gate,
        );
    }
    let (p0, p1) = if split_pixels { pixels } else { (0, hw) };
    for ch in c0..c1 {
        let g = *gates.add(ch);
        let at = ch * hw + p0;
        let src = std::slice::from_raw_parts(p.add(xo + at) as *const f32, p1 - p0);
        let dst = std::slice::from_raw_parts_mut(p.add(oo + at), p1 - p0);
        for (d, v) in dst.iter_mut().zip(src) {
            *d = v * g;
        }
    }
}

/// A reusable spinning barrier for the threads of one parallel region: arriving costs one
/// atomic add, releasing one store the waiters see (a cross-core round trip in all).
struct SpinBarrier {
    arrived: Padded,
    generation: Padded,
}

impl SpinBarrier {
    fn new() -> SpinBarrier {
        SpinBarrier {
            arrived: Padded(AtomicUsize::new(0)),
            generation: Padded(AtomicUsize::new(0)),
        }
    }

    /// Wait until `n` threads have called `wait` (in this round).
    fn wait(&self, n: usize) {
        let g = self.generation.0.load(Ordering::Acquire);
        if self.arrived.0.fetch_add(1, Ordering::AcqRel) + 1 == n {
            // Last to arrive: nobody can arrive again before the generation moves.
            self.arrived.0.store(0, Ordering::Relaxed);
            self.generation
                .0
                .store(g.wrapping_add(1), Ordering::Release);
        } else {
            let mut spins = 0u32;
            while self.generation.0.load(Ordering::Acquire) == g {
                spins = spins.wrapping_add(1);
                if spins % 1024 == 0 {
                    // An oversubscribed machine: let the thread we wait for run.
                    std::thread::yield_now();
                } else {
                    std::sync::atomic::compiler_fence(Ordering::SeqCst);
                }
            }
        }
    }
}

/// Makes a cell shareable with the region's closure; only thread 0 touches the contents.
struct SendCell<T>(std::cell::UnsafeCell<T>);
// SAFETY: accessed by one thread only (see `run_steps`).
unsafe impl<T> Sync for SendCell<T> {}

/// Sum of a slice with 8 independent partial sums (vectorizes; no serial add chain).
fn sum(v: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let mut chunks = v.chunks_exact(8);
    for ch in &mut chunks {
        for (a, x) in acc.iter_mut().zip(ch) {
            *a += x;
        }
    }
    acc.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
}

/// Output channels and output rows of part `part` of a KxK conv step: a band of rows of every
/// channel (`split_rows`) or every row of a range of channels.
fn conv_part(
    os: Shape,
    split_rows: bool,
    part: usize,
    parts: usize,
) -> ((usize, usize), (usize, usize)) {
    if split_rows {
        ((0, os.c), range(os.h, part, parts, band_align(os.w)))
    } else {
        (range(os.c, part, parts, 1), (0, os.h))
    }
}

/// Rows per unit of a row band: bands of whole 64-byte lines (16 floats) of each output
/// plane, so two threads never write one cache line (false sharing in every plane).
fn band_align(ow: usize) -> usize {
    let mut g = 16;
    while ow % g != 0 {
        g /= 2;
    }
    16 / g
}

/// `[start, end)` of part `i` of `n` over `total` items, boundaries on multiples of `align`.
fn range(total: usize, i: usize, n: usize, align: usize) -> (usize, usize) {
    let units = total.div_ceil(align);
    let at = |k: usize| (units * k / n * align).min(total);
    (at(i), at(i + 1))
}

/// Run part `part` of `parts` of a step: convs split over output channels (1x1 convs on
/// whole weight tiles), elementwise steps over elements; SE runs whole on part 0.
///
/// # Safety
/// `base` must point to an arena of at least `plan.arena_floats` floats for the plan that
/// produced `step`.
unsafe fn exec_part(step: &Step, base: Base, part: usize, parts: usize) {
    let base = base.0;
    let x = &step.inputs[0];
    let inp = base.add(x.offset) as *const f32;
    let out = base.add(step.output.offset);
    let res = step
        .inputs
        .get(1)
        .map_or(std::ptr::null(), |r| base.add(r.offset) as *const f32);
    let [w, b, w2, b2] = step.weights.map(|p| p.0);
    let (xs, os) = (x.shape, step.output.shape);
    let act = step.act;
    let (ohw, ihw) = (os.hw(), xs.hw());
    let off = |p: *const f32, n: usize| if p.is_null() { p } else { p.add(n) };
    match step.kernel {
        Kernel::Conv {
            f,
            k,
            stride,
            pad,
            split_rows,
        } => {
            let ((c0, c1), (y0, y1)) = conv_part(os, split_rows, part, parts);
            if c1 > c0 && y1 > y0 {
                let wo = c0 * xs.c * k * k;
                f(
                    inp,
                    xs.c,
                    xs.h,
                    xs.w,
                    w.add(wo),
                    off(b, c0),
                    off(res, c0 * ohw),
                    out.add(c0 * ohw),
                    c1 - c0,
                    os.h,
                    os.w,
                    k,
                    stride,
                    pad,
                    y0,
                    y1,
                    act,
                )
            }
        }
        Kernel::Conv1x1 {
            f,
            split_pixels: true,
            ..
        } => {
            // Pixel ranges are whole row bands (see `band_align`, so they start on 64-byte
            // lines): the same rows as the neighbouring depthwise steps' bands, so a thread
            // reads what it wrote and only the halo rows cross cores.
            let (p0, p1) = range(ohw, part, parts, band_align(os.w) * os.w);
            if p1 > p0 {
                f(
                    inp.add(p0),
                    xs.c,
                    p1 - p0,
                    ihw,
                    w,
                    b,
                    off(res, p0),
                    out.add(p0),
                    os.c,
                    act,
                )
            }
        }
        Kernel::Conv1x1 { f, mr, .. } => {
            let (c0, c1) = range(os.c, part, parts, mr);
            if c1 > c0 {
                f(
                    inp,
                    xs.c,
                    ihw,
                    ihw,
                    w.add(c0 * xs.c),
                    off(b, c0),
                    off(res, c0 * ohw),
                    out.add(c0 * ohw),
                    c1 - c0,
                    act,
                )
            }
        }
        Kernel::DwConv {
            f,
            k,
            stride,
            pad,
            split_rows,
        } => {
            let ((c0, c1), (y0, y1)) = conv_part(os, split_rows, part, parts);
            if c1 > c0 && y1 > y0 {
                f(
                    inp.add(c0 * ihw),
                    c1 - c0,
                    xs.h,
                    xs.w,
                    w.add(c0 * k * k),
                    off(b, c0),
                    off(res, c0 * ohw),
                    out.add(c0 * ohw),
                    os.h,
                    os.w,
                    k,
                    stride,
                    pad,
                    y0,
                    y1,
                    act,
                )
            }
        }
        Kernel::Fc { f } => {
            let (o0, o1) = range(os.c, part, parts, 1);
            if o1 > o0 {
                f(
                    inp,
                    xs.c,
                    w.add(o0 * xs.c),
                    off(b, o0),
                    out.add(o0),
                    o1 - o0,
                    act,
                )
            }
        }
        Kernel::GlobalAvgPool { f } => {
            let (c0, c1) = range(xs.c, part, parts, 1);
            if c1 > c0 {
                f(inp.add(c0 * ihw), c1 - c0, ihw, out.add(c0))
            }
        }
        Kernel::Se {
            f,
            rd,
            gate,
            scratch,
            ..
        } => {
            if part == 0 {
                f(
                    inp,
                    xs.c,
                    ihw,
                    w,
                    b,
                    rd,
                    w2,
                    b2,
                    gate,
                    base.add(scratch),
                    out,
                )
            }
        }
        Kernel::Add { f } => {
            let (i0, i1) = range(os.numel(), part, parts, 16);
            if i1 > i0 {
                f(inp.add(i0), res.add(i0), out.add(i0), i1 - i0, act)
            }
        }
        Kernel::Act => {
            let (i0, i1) = range(os.numel(), part, parts, 16);
            for i in i0..i1 {
                *out.add(i) = apply_act(*inp.add(i), act);
            }
        }
        Kernel::Copy => {
            let (i0, i1) = range(xs.numel(), part, parts, 16);
            std::ptr::copy(inp.add(i0), out.add(i0), i1 - i0)
        }
    }
}

fn apply_act(v: f32, act: Act) -> f32 {
    match act {
        Act::None => v,
        Act::Relu => v.max(0.0),
        Act::Relu6 => v.clamp(0.0, 6.0),
        Act::HardSigmoid => (v + 3.0).clamp(0.0, 6.0) / 6.0,
    }
}
