//! The executor: a `Model` (deploy graph with weights in place) shared by any number of
//! `Session`s, each owning a plan for one input size and the arena it runs in. `run` only
//! walks the step list; it performs no heap allocation and no shape logic.

mod pool;

use crate::error::{Error, Result};
use crate::graph::{Act, Graph};
use crate::plan::{KSplit, Kernel, Plan, PlanOptions, Shape, Step, MAX_KPARTS};
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
        let opts = PlanOptions {
            threads,
            ..Default::default()
        };
        Session::with_threads(self.plan(input_hw, opts)?, threads)
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
    /// Per graph input: the offset its view starts at (past the arena) and the caller's
    /// floats of the image being run (set for each image, null between runs).
    input_at: Vec<InputAt>,
    sync: StepSync,
    /// Images run so far (numbers the claims in `sync`).
    epoch: usize,
    /// Each thread's share of every split step, adapted to the speed each thread showed on
    /// the images before (see `Balance`).
    balance: Balance,
}

/// An atomic alone on its cache line (counters and claims used by different cores would
/// otherwise bounce shared lines between them).
#[repr(align(64))]
struct Padded(AtomicUsize);

const LINE_FLOATS: usize = 16;
/// One 64-byte cache line of the arena: the planner's offsets are multiples of 16 floats,
/// so every tensor starts on a cache line and vector loads of a row start aligned.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([f32; LINE_FLOATS]);

/// Channel splits cut at multiples of this many channels, the same for every kind of step:
/// a depthwise conv then reads exactly the planes its thread's part of the 1x1 before it
/// wrote (whose packed weight tiles, `mr` <= 16 channels, must not be cut), and 16 planes of
/// a 7x7 or 14x14 map end on a 64-byte line, so two threads never write one line.
const CHANNEL_ALIGN: usize = 16;

/// A hint to bring the cache line holding `p` into this core's cache (never faults, no
/// effect on results).
#[inline(always)]
fn prefetch(p: *const f32) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p as *const i8, std::arch::x86_64::_MM_HINT_T1)
    };
    #[cfg(target_arch = "aarch64")]
    // SAFETY: a prefetch never faults and writes nothing.
    unsafe {
        std::arch::asm!("prfm pldl2keep, [{0}]", in(reg) p, options(nostack, readonly, preserves_flags))
    };
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = p;
}

/// Steps below this many MACs run on one thread. Kept low: a step left to one thread makes
/// the others read its output from that core afterwards. Alternating blocks of 2-thread runs
/// against 1-thread runs (`ghostrt bench --compare-threads 2`), 1 << 12 against 1 << 16 gave
/// RepGhostNet 0.5x 1.27-1.28x against 1.20-1.21x, and 1.0x 1.53-1.58x against 1.52-1.56x.
/// Raising it to 1 << 18 or 1 << 20 was worse on both.
const MIN_SPLIT_MACS: u64 = 1 << 12;

/// Fixed-point one of shares and cuts (see `Balance`).
const ONE: u32 = 1 << 16;

/// The cuts of a step that is not split, and of every step on one thread: all in part 0.
static WHOLE: [u32; 2] = [0, ONE];

/// How much of the gap between a thread's share and the share its last image asked for is
/// closed per image: a few images to follow a change, per-image noise damped.
const BALANCE_GAIN: f64 = 0.25;

/// The smallest share of a thread, as a fraction of an even share.
const MIN_SHARE: f64 = 0.25;

/// The share of every split step each thread runs, adapted image by image to how fast each
/// thread ran its parts. Cores are not equally fast: big and little cores on ARM boards,
/// and on a shared host one core is often slower for seconds at a time (another tenant, a
/// lower clock). With fixed halves, the slower core sets the time of every step. Each step
/// is cut at the same fractions (rounded to its own alignment), so a thread keeps the rows
/// or channels it wrote before; a change of shares moves only the boundary between threads.
struct Balance {
    /// Fractions of the work, summing to 1.
    share: Vec<f64>,
    /// `share` as cumulative cut points in units of `ONE`: part `t` is `[cuts[t], cuts[t+1])`.
    cuts: Vec<u32>,
    /// Nanoseconds each thread spent on its own parts of split steps in the last image.
    busy: Vec<Padded>,
    /// Whether `update` moves the shares.
    adapt: bool,
}

impl Balance {
    fn new(threads: usize) -> Balance {
        let mut b = Balance {
            share: vec![1.0 / threads as f64; threads],
            cuts: vec![0; threads + 1],
            busy: (0..threads).map(|_| Padded(AtomicUsize::new(0))).collect(),
            adapt: true,
        };
        b.set_cuts();
        b
    }

    fn set_cuts(&mut self) {
        let mut acc = 0.0;
        for (t, s) in self.share.iter().enumerate() {
            self.cuts[t] = (acc * ONE as f64).round() as u32;
            acc += s;
        }
        self.cuts[self.share.len()] = ONE;
    }

    /// Move every share towards the one that would have made all threads finish their parts
    /// of the last image together: share / time is a thread's speed.
    fn update(&mut self) {
        let busy = |t: usize| self.busy[t].0.load(Ordering::Relaxed) as f64;
        if !self.adapt || (0..self.share.len()).any(|t| busy(t) <= 0.0) {
            return;
        }
        let speed_sum: f64 = (0..self.share.len()).map(|t| self.share[t] / busy(t)).sum();
        let floor = MIN_SHARE / self.share.len() as f64;
        let mut total = 0.0;
        for t in 0..self.share.len() {
            let want = self.share[t] / busy(t) / speed_sum;
            let s = &mut self.share[t];
            *s = (*s + BALANCE_GAIN * (want - *s)).max(floor);
            total += *s;
        }
        self.share.iter_mut().for_each(|s| *s /= total);
        self.set_cuts();
    }
}

/// Where a graph input's view starts (an offset past the arena) and the caller's floats
/// for the current image.
#[derive(Clone, Copy)]
struct InputAt(usize, *const f32);
// SAFETY: the pointer is dereferenced only inside `run`, while the caller's input slices
// it points into are borrowed; between runs it is null.
unsafe impl Send for InputAt {}
unsafe impl Sync for InputAt {}

/// The memory behind step views: the arena (offsets below `arena_floats`) and, past it,
/// the graph inputs, read in place from the caller's buffers (the planner gives inputs no
/// arena space and no step writes them). Shared with pool workers; each writes a disjoint
/// part of a step.
#[derive(Clone, Copy)]
struct Mem {
    arena: *mut f32,
    arena_floats: usize,
    inputs: *const InputAt,
    n_inputs: usize,
}
// SAFETY: as `Base`; the input table outlives the run that uses it.
unsafe impl Sync for Mem {}

impl Mem {
    /// Address of float `off` of the views' address space.
    ///
    /// # Safety
    /// `off` lies in the arena or in a graph input's view, as every planned view does.
    #[inline]
    unsafe fn at(self, off: usize) -> *mut f32 {
        if off < self.arena_floats {
            return self.arena.add(off);
        }
        // Inputs follow the arena in order: the last one starting at or before `off`.
        let mut p = std::ptr::null();
        for i in 0..self.n_inputs {
            let InputAt(start, ptr) = *self.inputs.add(i);
            if start <= off {
                p = ptr.add(off - start);
            }
        }
        p as *mut f32
    }
}

/// A pointer to per-thread SE rows shared with pool workers; each writes its own row.
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

    /// A session whose steps are split over `threads` threads (output channels, rows or
    /// pixels, or elements for elementwise steps). The threads live as long as the session.
    /// Each thread's share of a step starts even and follows the speed each thread showed
    /// on the images before, so a slower core (a little core, or one another process is
    /// using) gets less of every step.
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
        let sync = StepSync::new(&plan, threads.max(MAX_KPARTS));
        let input_at = plan
            .inputs
            .iter()
            .map(|v| InputAt(v.offset, std::ptr::null()))
            .collect();
        Ok(Session {
            plan,
            arena,
            pool,
            se_partial,
            se_lines,
            input_at,
            sync,
            epoch: 0,
            balance: Balance::new(threads),
        })
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Each thread's current share of every split step (see [`Session::with_threads`]):
    /// even at the start, then following how fast each thread ran its parts of the images
    /// before.
    pub fn thread_shares(&self) -> &[f64] {
        &self.balance.share
    }

    /// Nanoseconds each thread spent running its own parts of split steps in the last
    /// image (waits excluded): with the wall time of the run, how much of a multi-thread
    /// run went to work and how much to waiting (`examples/scaling.rs`).
    pub fn last_busy_ns(&self) -> Vec<u64> {
        self.balance
            .busy
            .iter()
            .map(|b| b.0.load(Ordering::Relaxed) as u64)
            .collect()
    }

    /// Fix each thread's share of every split step (normalized to sum to 1), for boards
    /// whose cores are known to differ; shares stop adapting until
    /// [`Session::set_adaptive_shares`] turns it back on, starting from these.
    pub fn set_thread_shares(&mut self, shares: &[f64]) -> Result<()> {
        let n = self.balance.share.len();
        if shares.len() != n || shares.iter().any(|s| !s.is_finite() || *s <= 0.0) {
            return Err(Error::Usage(format!(
                "thread shares {shares:?}: expected {n} positive numbers, one per thread"
            )));
        }
        let total: f64 = shares.iter().sum();
        for (d, s) in self.balance.share.iter_mut().zip(shares) {
            *d = s / total;
        }
        self.balance.adapt = false;
        self.balance.set_cuts();
        Ok(())
    }

    /// Whether thread shares follow the threads' speeds (the default) or stay even. Even
    /// shares make every image cut steps at the same places, so a split whose result
    /// depends on the cut (an SE pooled by pixel parts) gives the same bits every time.
    pub fn set_adaptive_shares(&mut self, adapt: bool) {
        self.balance.adapt = adapt;
        if !adapt {
            let n = self.balance.share.len();
            self.balance
                .share
                .iter_mut()
                .for_each(|s| *s = 1.0 / n as f64);
            self.balance.set_cuts();
        }
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
        let mem = Mem {
            arena: self.floats().as_mut_ptr(),
            arena_floats: self.plan.arena_floats,
            inputs: self.input_at.as_ptr(),
            n_inputs: self.input_at.len(),
        };
        let threads = self.pool.threads();
        if threads == 1 {
            let mut profile = profile;
            for (k, step) in self.plan.steps.iter().enumerate() {
                let t0 = profile.as_ref().map(|_| std::time::Instant::now());
                // SAFETY: the planner sized the arena to hold every view of every step and
                // checked each kernel's parameters against shapes and weight sizes.
                unsafe { exec_part(step, mem, 0, &WHOLE) };
                if let (Some(p), Some(t0)) = (profile.as_deref_mut(), t0) {
                    p[k] += t0.elapsed().as_nanos() as u64;
                }
            }
            return;
        }
        let partial = Base(self.se_partial.as_mut_ptr() as *mut f32);
        let partial_stride = self.se_lines * LINE_FLOATS;
        let steps = &self.plan.steps;
        self.epoch += 1;
        let epoch = self.epoch;
        let sync = &self.sync;
        let cuts = &self.balance.cuts[..];

        let busy = &self.balance.busy[..];
        // Step timings are written by thread 0 only: the cell is touched by no other thread.
        let profile = std::cell::UnsafeCell::new(profile);
        let profile = &SendCell(profile);
        // One parallel region per image: every thread walks the whole step list, runs its own
        // part of each step (the same rows, pixels or channels every step, so it mostly reads
        // what it wrote) and waits until all parts are done before the next step. A part is
        // claimed before it runs; a thread that has waited `TAKEOVER` for a part nobody has
        // claimed runs it itself, so a thread the OS has descheduled (a busy board, a shared
        // VM) holds the image up by one part, not by its time slice.
        self.pool.run(&|t| {
            let mut t0 = std::time::Instant::now();
            let mut own = std::time::Duration::ZERO;
            for (k, step) in steps.iter().enumerate() {
                let split = step.macs >= MIN_SPLIT_MACS;
                let ksplit = match step.kernel {
                    Kernel::Conv1x1 {
                        ksplit: Some(ks), ..
                    } if split => Some(ks),
                    _ => None,
                };
                let parts = match (ksplit, split) {
                    (Some(ks), _) => ks.parts,
                    (None, true) => threads,
                    (None, false) => 1,
                };
                // Even cuts for a K-split planned for another thread count.
                let even = even_cuts(parts);
                let step_cuts = match (split, parts == threads) {
                    (false, _) => &WHOLE[..],
                    (true, true) => cuts,
                    (true, false) => &even[..parts + 1],
                };
                let phases = if split { phases(step) } else { 1 };
                for phase in 0..phases {
                    let slot = sync.slot(k, phase);
                    // SAFETY: the planner sized the arena to hold every view of every step and
                    // checked each kernel's parameters; parts of a split step write disjoint
                    // ranges, each part runs once (claimed), and a step's parts start after
                    // every part of the steps before it has finished (`wait`).
                    let run = |p: usize| unsafe {
                        if let Some(ks) = &ksplit {
                            ksplit_part(step, ks, mem, phase, p, step_cuts)
                        } else if let (Kernel::Se { .. }, true) = (step.kernel, split) {
                            se_part(step, mem, phase, p, step_cuts, &partial, partial_stride)
                        } else {
                            exec_part(step, mem, p, step_cuts)
                        }
                    };
                    // Part t, and t + threads... when a plan has more parts than the
                    // session threads (a K-split planned for more threads).
                    for p in (t..parts).step_by(threads) {
                        if sync.claim(slot, p, epoch) {
                            // Only split steps count towards the balance: while one thread
                            // runs an unsplit step the others can only wait.
                            let start = split.then(std::time::Instant::now);
                            run(p);
                            if let Some(start) = start {
                                own += start.elapsed();
                            }
                            sync.finish(slot);
                        }
                    }
                    sync.wait(slot, parts, epoch, &run);
                }
                if t == 0 {
                    // SAFETY: only thread 0 touches the profile.
                    if let Some(p) = unsafe { (*profile.0.get()).as_deref_mut() } {
                        let now = std::time::Instant::now();
                        p[k] += (now - t0).as_nanos() as u64;
                        t0 = now;
                    }
                }
            }
            busy[t].0.store(own.as_nanos() as usize, Ordering::Relaxed);
        });
        // An image in which a part was taken over says nothing about the threads' speeds.
        if self.sync.late.0.load(Ordering::Relaxed) != epoch {
            self.balance.update();
        }
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
            // Steps read each input where the caller keeps it: no copy into the arena (on
            // RepGhostNet 1.0x the 600 KB copy took 60-75 us a run, 2% of it).
            for (at, x) in self.input_at.iter_mut().zip(inputs) {
                let per = x.len() / n;
                at.1 = x[b * per..].as_ptr();
            }
            self.run_steps(profile.as_deref_mut());
            for (i, y) in outputs.iter_mut().enumerate() {
                let v = self.plan.outputs[i].0;
                let per = v.shape.numel();
                let mem = Mem {
                    arena: self.floats().as_mut_ptr(),
                    arena_floats: self.plan.arena_floats,
                    inputs: self.input_at.as_ptr(),
                    n_inputs: self.input_at.len(),
                };
                // SAFETY: an output view lies in the arena or (an output that is an input
                // or a view of one) in that input's floats of this image.
                unsafe {
                    std::ptr::copy_nonoverlapping(mem.at(v.offset), y[b * per..].as_mut_ptr(), per)
                };
            }
        }
        for at in &mut self.input_at {
            at.1 = std::ptr::null();
        }
        Ok(())
    }
}

/// Part `p` of `parts` of one phase of an SE step. Phase 0: channel sums (pixel ranges into
/// row `p` of `partial` when `split_pixels`, whose neighbouring steps are split by pixels too;
/// channel ranges into `scratch[..c]` with the kernel set's pool otherwise). Phase 1: the
/// means, then this part's rows of the first FC into the `rd` floats of `scratch` that start
/// on the line after the sums (in 16-row units, so no two parts write one line). That FC's
/// weights are the larger half of an SE's and come from memory, so each core reads only its
/// rows; with every part computing all rows, SE steps on 7x7 maps ran at 1.35x on two
/// threads. Phase 2: the second FC for this part's channels (all of them when
/// `split_pixels`) and the scale of this part's channels or pixels.
/// Row `p` of `partial`: sums `[0, c)`, means `[c, 2c)`, gates `[2c + rd, 3c + rd)`.
///
/// # Safety
/// As [`exec_part`]; `step.kernel` is `Kernel::Se`; `partial` holds `parts` rows of
/// `stride >= 3c + rd` floats; each phase runs after all of the phase before.
unsafe fn se_part(
    step: &Step,
    mem: Mem,
    phase: usize,
    part: usize,
    cuts: &[u32],
    partial: &Base,
    stride: usize,
) {
    let parts = cuts.len() - 1;
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
    // The input (maybe a graph input, read in place) and the output (in the arena).
    let (xp, op) = (mem.at(x.offset), mem.at(step.output.offset));
    let shared = mem.arena.add(scratch);
    let row = partial.ptr().add(part * stride);
    let (means, gates) = (row.add(c), row.add(2 * c + rd));
    let pixels = range(hw, part, cuts, step.px_unit);
    let (c0, c1) = if split_pixels {
        (0, c)
    } else {
        range(c, part, cuts, step.chan_unit)
    };
    if phase == 0 {
        if split_pixels {
            let (p0, p1) = pixels;
            for ch in 0..c {
                let plane = std::slice::from_raw_parts(xp.add(ch * hw + p0), p1 - p0);
                *row.add(ch) = sum(plane);
            }
        } else if c1 > c0 {
            gap(xp.add(c0 * hw), c1 - c0, hw, shared.add(c0));
        }
        return;
    }
    // The hidden units, shared: each part computes its rows, every part reads all of them.
    let hidden = shared.add(c.next_multiple_of(LINE_FLOATS));
    if phase == 1 {
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
        let (h0, h1) = range(rd, part, cuts, LINE_FLOATS);
        if h1 > h0 {
            fc(
                means,
                c,
                w1.add(h0 * c),
                b1.add(h0),
                hidden.add(h0),
                h1 - h0,
                Act::Relu,
            );
        }
        return;
    }
    let (g0, g1) = if split_pixels { (0, c) } else { (c0, c1) };
    if g1 > g0 {
        fc(
            hidden,
            rd,
            w2.add(g0 * rd),
            b2.add(g0),
            gates.add(g0),
            g1 - g0,
            gate,
        );
    }
    let (p0, p1) = if split_pixels { pixels } else { (0, hw) };
    for ch in c0..c1 {
        let g = *gates.add(ch);
        let at = ch * hw + p0;
        // Raw pointers, not slices: the output may be the input (an in-place SE), and a
        // shared and a mutable slice over the same floats may not coexist.
        let (src, dst) = (xp.add(at) as *const f32, op.add(at));
        for i in 0..p1 - p0 {
            *dst.add(i) = *src.add(i) * g;
        }
    }
}

/// How long a thread waits for a part nobody has started before running it itself: far
/// longer than two threads' parts of one step ever differ (tens of microseconds), far
/// shorter than an OS time slice (milliseconds).
const TAKEOVER: std::time::Duration = std::time::Duration::from_micros(200);

/// The wait once a takeover has happened in this image: a thread the OS has descheduled
/// usually stays off its core for the rest of its time slice, and with more threads than
/// free cores one always is. Measured with 3 threads on 2 cores (RepGhostNet 1.0x): 17 ms a
/// run with `TAKEOVER` at every step.
const SLEEP_AFTER: std::time::Duration = std::time::Duration::from_micros(500);

const TAKEOVER_AFTER_LATE: std::time::Duration = std::time::Duration::from_micros(10);

/// Completion counters and part claims of every (step, phase) of a plan. Counters only grow
/// (image `e` is complete at `parts * e`) and a claim holds the number of the image it was
/// taken for, so nothing is reset between images: each line stays in the cache of the core
/// that uses it, and only a takeover moves one.
struct StepSync {
    /// First slot of each step (SE steps have three phases, K-split 1x1s two, others one).
    first: Vec<usize>,
    done: Vec<Padded>,
    /// `threads` claims per slot.
    claims: Vec<Padded>,
    threads: usize,
    /// The last image in which a part was taken over.
    late: Padded,
}

impl StepSync {
    /// Slots for `plan`, with claims for up to `parts` parts a step.
    fn new(plan: &Plan, parts: usize) -> StepSync {
        StepSync::with_phases(plan.steps.iter().map(phases), parts)
    }

    fn with_phases(phases: impl Iterator<Item = usize>, threads: usize) -> StepSync {
        let mut first = Vec::new();
        let mut n = 0;
        for ph in phases {
            first.push(n);
            n += ph;
        }
        let pad = || Padded(AtomicUsize::new(0));
        StepSync {
            first,
            done: (0..n).map(|_| pad()).collect(),
            claims: (0..n * threads).map(|_| pad()).collect(),
            threads,
            late: pad(),
        }
    }

    fn slot(&self, step: usize, phase: usize) -> usize {
        self.first[step] + phase
    }

    /// Take part `p` of `slot` for image `epoch`; false if another thread has.
    fn claim(&self, slot: usize, p: usize, epoch: usize) -> bool {
        let c = &self.claims[slot * self.threads + p].0;
        c.load(Ordering::Relaxed) != epoch && c.swap(epoch, Ordering::AcqRel) != epoch
    }

    /// A claimed part has finished (its writes are published to `wait`ers).
    fn finish(&self, slot: usize) {
        self.done[slot].0.fetch_add(1, Ordering::AcqRel);
    }

    /// Wait until every part of `slot` has finished for image `epoch`; after `TAKEOVER`
    /// run any part still unclaimed.
    fn wait(&self, slot: usize, parts: usize, epoch: usize, run: &dyn Fn(usize)) {
        let target = parts * epoch;
        let done = &self.done[slot].0;
        let mut spins = 0u32;
        let mut since: Option<std::time::Instant> = None;
        while done.load(Ordering::Acquire) < target {
            spins = spins.wrapping_add(1);
            if spins % 256 == 0 {
                let t = *since.get_or_insert_with(std::time::Instant::now);
                let patience = if self.late.0.load(Ordering::Relaxed) == epoch {
                    TAKEOVER_AFTER_LATE
                } else {
                    TAKEOVER
                };
                if t.elapsed() >= patience {
                    for p in 0..parts {
                        if self.claim(slot, p, epoch) {
                            self.late.0.store(epoch, Ordering::Relaxed);
                            run(p);
                            self.finish(slot);
                        }
                    }
                }
            }
            if spins % 128 == 0 {
                // On an oversubscribed machine the thread we wait for may need this core (a
                // yield costs ~0.3 us here, every few microseconds of spinning); after
                // `SLEEP_AFTER` a yield is not enough to give it (the scheduler keeps
                // picking the spinner).
                if since.is_some_and(|t| t.elapsed() >= SLEEP_AFTER) {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                } else {
                    std::thread::yield_now();
                }
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

/// Phases of a step split over threads: an SE step pools in all parts, then computes its
/// hidden units (the first FC, split by rows), then its gates and scales; a K-split 1x1
/// sums partial products in all parts, then adds them up.
fn phases(step: &Step) -> usize {
    match step.kernel {
        Kernel::Se { .. } => 3,
        Kernel::Conv1x1 {
            ksplit: Some(_), ..
        } => 2,
        _ => 1,
    }
}

/// Cuts of `parts <= MAX_KPARTS` even shares (the first `parts + 1` entries).
fn even_cuts(parts: usize) -> [u32; MAX_KPARTS + 1] {
    let mut c = [ONE; MAX_KPARTS + 1];
    for (i, v) in c.iter_mut().enumerate().take(parts.min(MAX_KPARTS) + 1) {
        *v = (ONE as u64 * i as u64 / parts.max(1) as u64) as u32;
    }
    c
}

/// Part `p` of one phase of a 1x1 conv split by input channels (see [`KSplit`]).
///
/// # Safety
/// As [`exec_part`]; `ks` is the step's; its scratch holds `ks.parts * cout * hw` floats;
/// phase 1 runs after every part of phase 0; `cuts` has `ks.parts + 1` entries.
unsafe fn ksplit_part(step: &Step, ks: &KSplit, mem: Mem, phase: usize, p: usize, cuts: &[u32]) {
    let Kernel::Conv1x1 { f, .. } = step.kernel else {
        return;
    };
    let x = step.inputs[0];
    let hw = x.shape.hw();
    let cout = step.output.shape.c;
    let n = cout * hw;
    let partial = mem.arena.add(ks.scratch);
    if phase == 0 {
        let (k0, k1) = ks.k[p];
        let inp = mem.at(x.offset) as *const f32;
        f(
            inp.add(k0 * hw),
            k1 - k0,
            hw,
            hw,
            ks.w[p].0,
            std::ptr::null(),
            std::ptr::null(),
            partial.add(p * n),
            cout,
            Act::None,
        );
        return;
    }
    let (c0, c1) = range(cout, p, cuts, step.chan_unit);
    if c1 <= c0 {
        return;
    }
    let [_, b, ..] = step.weights.map(|w| w.0);
    let out_at = mem.at(step.output.offset).add(c0 * hw);
    // The residual, unless it is the output itself (an in-place residual, which the kernel
    // contract allows): then the output already holds it.
    let res = step
        .inputs
        .get(1)
        .map(|r| mem.at(r.offset).add(c0 * hw) as *const f32)
        .filter(|&r| !std::ptr::eq(r, out_at));
    let in_place = res.is_none() && step.inputs.len() > 1;
    let part = |q: usize, c: usize| {
        std::slice::from_raw_parts(partial.add(q * n + (c0 + c) * hw) as *const f32, hw)
    };
    // One pass per plane: the partial sums of the first two parts (the other's come from its
    // core's cache), the bias, the residual and the activation; more parts add theirs first.
    for c in 0..c1 - c0 {
        let out = std::slice::from_raw_parts_mut(out_at.add(c * hw), hw);
        let bias = if b.is_null() { 0.0 } else { *b.add(c0 + c) };
        // Two parts at least: a K-split is planned only for more than one thread.
        let second = part(1, c);
        let res = res.map(|r| std::slice::from_raw_parts(r.add(c * hw), hw));
        if ks.parts > 2 {
            // Rare (a K-split planned for more than two threads): the extra parts go into the
            // output first, which the pass below then reads as an in-place residual.
            if !in_place {
                out.fill(0.0);
            }
            for q in 2..ks.parts {
                for (o, v) in out.iter_mut().zip(part(q, c)) {
                    *o += v;
                }
            }
        }
        finish_plane(
            out,
            part(0, c),
            second,
            res,
            in_place || ks.parts > 2,
            bias,
            step.act,
        );
    }
}

/// `out[i] = act(a[i] + b[i] + bias + res[i] (+ out[i] if `acc`))`: the last pass of a
/// K-split part, one plane at a time. Each case is its own loop, so each vectorizes (one
/// loop with the cases as branches inside ran the K-split steps 18% slower).
fn finish_plane(
    out: &mut [f32],
    a: &[f32],
    b: &[f32],
    res: Option<&[f32]>,
    acc: bool,
    bias: f32,
    act: Act,
) {
    fn sum<const ACC: bool>(out: &mut [f32], a: &[f32], b: &[f32], r: Option<&[f32]>, bias: f32) {
        match r {
            Some(r) => {
                for (((o, &x), &y), &z) in out.iter_mut().zip(a).zip(b).zip(r) {
                    *o = x + y + bias + z + if ACC { *o } else { 0.0 };
                }
            }
            None => {
                for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                    *o = x + y + bias + if ACC { *o } else { 0.0 };
                }
            }
        }
    }
    if acc {
        sum::<true>(out, a, b, res, bias);
    } else {
        sum::<false>(out, a, b, res, bias);
    }
    match act {
        Act::None => {}
        Act::Relu => out.iter_mut().for_each(|o| *o = o.max(0.0)),
        a => out.iter_mut().for_each(|o| *o = apply_act(*o, a)),
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
    unit: usize,
    part: usize,
    cuts: &[u32],
) -> ((usize, usize), (usize, usize)) {
    if split_rows {
        (
            (0, os.c),
            range(os.h, part, cuts, crate::plan::band_rows(os.w)),
        )
    } else {
        (range(os.c, part, cuts, unit), (0, os.h))
    }
}

/// `[start, end)` of part `i` over `total` items, boundaries on multiples of `align`: part
/// `i` gets the share from `cuts[i]` to `cuts[i + 1]` (fractions of `ONE`, see `Balance`).
fn range(total: usize, i: usize, cuts: &[u32], align: usize) -> (usize, usize) {
    let units = total.div_ceil(align) as u64;
    let at = |k: usize| {
        let u = (units * cuts[k] as u64 + ONE as u64 / 2) / ONE as u64;
        (u as usize * align).min(total)
    };
    (at(i), at(i + 1))
}

/// Run part `part` of `parts` of a step: convs split over output channels (1x1 convs on
/// whole weight tiles), elementwise steps over elements; SE runs whole on part 0.
///
/// # Safety
/// `mem` must map the arena of at least `plan.arena_floats` floats and the inputs of the
/// current image for the plan that
/// produced `step`.
unsafe fn exec_part(step: &Step, mem: Mem, part: usize, cuts: &[u32]) {
    let parts = cuts.len() - 1;
    let base = mem.arena;
    let x = &step.inputs[0];
    let inp = mem.at(x.offset) as *const f32;
    let out = mem.at(step.output.offset);
    let res = step
        .inputs
        .get(1)
        .map_or(std::ptr::null(), |r| mem.at(r.offset) as *const f32);
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
            let ((c0, c1), (y0, y1)) = conv_part(os, split_rows, step.chan_unit, part, cuts);
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
            // Pixel ranges start on 64-byte lines, in whole row bands where the neighbouring
            // depthwise steps split by rows (the same rows, so a thread reads what it wrote
            // and only the halo rows cross cores); see `plan::px_unit`.
            let (p0, p1) = range(ohw, part, cuts, step.px_unit);
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
            let (c0, c1) = range(os.c, part, cuts, CHANNEL_ALIGN.max(mr));
            if parts > 1 && c1 > c0 {
                // The input planes other threads wrote (their channel parts of the step
                // before): requested up front, all at once, instead of one strided demand miss
                // at a time inside the GEMM (a 14x14 1x1 + dw chain: 2-thread medians 7-8%
                // lower in 3 of 3 alternating runs, `examples/scaling.rs`).
                let (i0, i1) = range(xs.c, part, cuts, CHANNEL_ALIGN);
                for (a, b) in [(0, i0), (i1, xs.c)] {
                    let mut at = a * ihw;
                    while at < b * ihw {
                        prefetch(inp.add(at));
                        at += LINE_FLOATS;
                    }
                }
            }
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
            let ((c0, c1), (y0, y1)) = conv_part(os, split_rows, step.chan_unit, part, cuts);
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
            let (o0, o1) = range(os.c, part, cuts, 1);
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
            let (c0, c1) = range(xs.c, part, cuts, CHANNEL_ALIGN);
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
            let (i0, i1) = range(os.numel(), part, cuts, 16);
            if i1 > i0 {
                f(inp.add(i0), res.add(i0), out.add(i0), i1 - i0, act)
            }
        }
        Kernel::Act => {
            let (i0, i1) = range(os.numel(), part, cuts, 16);
            for i in i0..i1 {
                *out.add(i) = apply_act(*inp.add(i), act);
            }
        }
        Kernel::Copy => {
            let (i0, i1) = range(xs.numel(), part, cuts, 16);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn ksplit_final_pass_adds_everything_once() {
        let n = 37; // not a multiple of any vector width
        let f = |k: usize, s: f32| {
            (0..n)
                .map(|i| ((i * 7 + k) % 11) as f32 * s - 1.0)
                .collect()
        };
        let (a, b, r, prior): (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>) =
            (f(1, 0.5), f(2, 0.25), f(3, 0.125), f(4, 0.75));
        for act in [Act::None, Act::Relu, Act::Relu6, Act::HardSigmoid] {
            for res in [false, true] {
                for acc in [false, true] {
                    let mut out = prior.clone();
                    finish_plane(&mut out, &a, &b, res.then_some(&r[..]), acc, 0.3, act);
                    for i in 0..n {
                        let mut v = a[i] + b[i] + 0.3;
                        if res {
                            v += r[i];
                        }
                        if acc {
                            v += prior[i];
                        }
                        let want = apply_act(v, act);
                        assert!(
                            (out[i] - want).abs() < 1e-6,
                            "{act:?} res {res} acc {acc} at {i}: {} vs {want}",
                            out[i]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn shares_follow_thread_speeds_and_cuts_cover_everything() {
        let mut b = Balance::new(2);
        assert_eq!(b.cuts, [0, ONE / 2, ONE]);
        // Thread 1 takes twice as long per unit of work: it should end with a third.
        for _ in 0..60 {
            b.busy[0]
                .0
                .store((b.share[0] * 1e6) as usize, Ordering::Relaxed);
            b.busy[1]
                .0
                .store((b.share[1] * 2e6) as usize, Ordering::Relaxed);
            b.update();
        }
        assert!((b.share[1] - 1.0 / 3.0).abs() < 0.01, "{:?}", b.share);
        // A thread that never runs a split step (no time) leaves the shares alone.
        b.busy[0].0.store(0, Ordering::Relaxed);
        let before = b.share.clone();
        b.update();
        assert_eq!(before, b.share);
        // However uneven the cuts, the parts of any step cover it once, in order, on
        // multiples of the alignment.
        let mut b3 = Balance::new(3);
        b3.share = vec![0.7, 0.05, 0.25];
        b3.set_cuts();
        for total in [1, 5, 16, 80, 97, 112 * 112] {
            for align in [1, 3, 16] {
                let mut at = 0;
                for p in 0..3 {
                    let (s, e) = range(total, p, &b3.cuts, align);
                    assert_eq!(s, at, "{total} {align} part {p}");
                    assert!(e >= s && (e == total || e % align == 0));
                    at = e;
                }
                assert_eq!(at, total);
            }
        }
    }

    #[test]
    fn a_part_nobody_claims_is_taken_over_once() {
        let sync = StepSync::with_phases([1, 2].into_iter(), 2);
        let ran = Mutex::new(Vec::new());
        let run = |p: usize| ran.lock().unwrap().push(p);
        // Image 1: thread 0 runs its part of slot 0; thread 1 never comes.
        let slot = sync.slot(0, 0);
        assert!(sync.claim(slot, 0, 1));
        run(0);
        sync.finish(slot);
        let t = std::time::Instant::now();
        sync.wait(slot, 2, 1, &run);
        assert!(t.elapsed() >= TAKEOVER);
        assert_eq!(*ran.lock().unwrap(), vec![0, 1]);
        // The late thread finds its part taken and does not run it again.
        assert!(!sync.claim(slot, 1, 1));
        // Image 2: claims are fresh without any reset; phases have their own slots.
        assert!(sync.claim(slot, 0, 2) && sync.claim(slot, 1, 2));
        assert_eq!(sync.slot(1, 1), 2);
        sync.finish(slot);
        sync.finish(slot);
        sync.wait(slot, 2, 2, &|_| panic!("nothing left to take over"));
    }
}
