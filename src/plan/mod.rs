//! The static planner: for one input size it infers shapes, chooses a kernel for every op,
//! places concat inputs directly into slices of the concat's buffer (no copies), computes
//! buffer lifetimes and lays out one arena that reuses memory. The result is a flat list of
//! steps whose pointers the executor only has to offset by the arena base.

mod memory;
mod print;
pub mod shapes;

use crate::error::{Error, Result};
use crate::graph::{Act, Graph, Op};
use crate::kernels::{self, KernelSet};
use memory::Buffers;
pub use shapes::Shape;
use std::sync::Arc;

#[derive(Clone, Copy, Debug)]
pub struct PlanOptions {
    /// Make concat producers write into the concat buffer (true) or copy (false: for benches).
    pub eliminate_concat: bool,
    /// Kernel set to use; `None` picks the best one this CPU runs (`kernels::best`).
    pub kernels: Option<&'static KernelSet>,
    /// How steps are shared between threads (no effect on one thread).
    pub split: SplitPolicy,
    /// The thread count the plan is made for: with more than one, reducing 1x1 convs on
    /// small maps get weights packed per input-channel part (see [`KSplit`]).
    /// `Model::session_with_threads` plans with its thread count; a plan runs on any.
    pub threads: usize,
}

/// Which steps a multi-thread session splits by space (pixel ranges of a 1x1, row bands of
/// a KxK conv) rather than by output channels. A space split keeps each thread on the
/// same part of every map, so it reads what it wrote; a channel split makes every thread of
/// a 1x1 read the whole input (half of it from the other core's cache) but keeps whole
/// planes on one thread. Which costs less depends on the map size: `cargo run --release
/// --example thread_policy` measures the candidates side by side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SplitPolicy {
    /// 1x1 convs on maps of at least this many pixels split by pixel ranges.
    pub pixels_min_hw: usize,
    /// SE steps on maps of at least this many pixels split by pixel ranges. Off by default:
    /// RepGhostNet 1.0x's 28x28 SE steps took 41 us a run on 2 threads split by pixels, 29 us
    /// by channels, 14 us on 1 thread (`examples/thread_policy.rs`, alternating).
    pub se_pixels_min_hw: usize,
    /// Depthwise convs on maps of at least this many pixels split by row bands.
    pub dw_rows_min_hw: usize,
    /// From this many pixels on, also the depthwise convs whose channels split unevenly in
    /// two (in units of [`chan_unit`], the larger half more than 1/8 above half: with the
    /// 16-channel units of `line_channel_units: false`, 40 channels go 32/8).
    /// Row bands of one plane cost more than channel ranges (each core's prefetchers pull
    /// the other band's lines: a chain of 28x28 depthwise convs ran 0.83-0.90x on 2 threads
    /// by rows, 1.59-1.71x by channels), but less than a badly uneven channel split.
    pub dw_rows_uneven_min_hw: usize,
    /// Dense KxK convs (the stem) on maps of at least this many pixels split by row bands.
    pub conv_rows_min_hw: usize,
    /// 1x1 convs split by output channels whose input has at least this many times as many
    /// channels as the output split by input channels instead ([`KSplit`]); infinite: never.
    pub ksplit_min_ratio: f32,
    /// Channel splits of steps on maps whose 1x1s split by pixels cut at any plane that
    /// ends on a line, rather than in 16-channel units (see [`chan_unit`]).
    pub line_channel_units: bool,
    /// Also on smaller maps (whose 1x1s split by output channels in 16-channel units), for
    /// the steps that are not 1x1s split by output channels: depthwise convs, SE steps, and
    /// the input-channel ranges and output sums of K-split 1x1s.
    pub small_line_units: bool,
    /// Pixel splits of 1x1 convs (and SE steps) cut at any line of a plane (16 pixels) on
    /// maps whose depthwise convs split by channels, rather than at whole row bands.
    pub line_pixel_units: bool,
}

impl Default for SplitPolicy {
    fn default() -> Self {
        SplitPolicy {
            pixels_min_hw: PIXEL_SPLIT_MIN_HW,
            se_pixels_min_hw: usize::MAX,
            dw_rows_min_hw: DW_ROWS_MIN_HW,
            dw_rows_uneven_min_hw: PIXEL_SPLIT_MIN_HW,
            conv_rows_min_hw: PIXEL_SPLIT_MIN_HW,
            ksplit_min_ratio: KSPLIT_MIN_RATIO,
            line_channel_units: true,
            small_line_units: true,
            line_pixel_units: true,
        }
    }
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            eliminate_concat: true,
            kernels: None,
            split: SplitPolicy::default(),
            threads: 1,
        }
    }
}

/// A tensor placed in the arena: `shape` floats (NCHW, one image) at float offset `offset`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub offset: usize,
    pub shape: Shape,
}

/// Convs on output maps of at least this many pixels are split over threads by pixel ranges
/// (1x1) or row bands (KxK, if the kernel set supports them): 28x28 and up at 224x224 input,
/// so a thread mostly reads what it wrote one step before; smaller maps by output channels.
pub const PIXEL_SPLIT_MIN_HW: usize = 512;

/// Depthwise convs split by row bands from 56x56 on at 224x224 input; on 28x28 maps by
/// channels where they split evenly (`SplitPolicy::dw_rows_uneven_min_hw`). Alternating in
/// one process (`examples/thread_policy.rs`, 2 threads, whole-run medians), against row bands
/// from 28x28, two runs each: RepGhostNet 1.0x 0.7% and 3.0% faster, GhostNet 1.0x 1.7% and
/// 0.1%, 0.5x 0.3% and 1.0%. Every 28x28 depthwise conv by channels was 2% slower on 0.5x,
/// whose 28x28 convs have 12-60 channels (20 split 16/4).
pub const DW_ROWS_MIN_HW: usize = 2048;

/// See [`SplitPolicy::ksplit_min_ratio`].
pub const KSPLIT_MIN_RATIO: f32 = 1.5;

/// Most parts of a [`KSplit`].
pub const MAX_KPARTS: usize = 4;

/// A 1x1 conv split by input channels over `parts` threads: in phase 0, part `p` sums input
/// channels `k[p]` (the planes its thread wrote in the steps before, when those were split
/// by output channels at even shares) for every output channel, with weights `w[p]` packed
/// for that range alone, into plane set `p` of the `parts * cout * hw` floats at arena
/// offset `scratch`; in phase 1 each part adds the partial sums of its output channels,
/// the bias and residual, and applies the activation. Half the output crosses cores
/// instead of half the input (a split by output channels reads every input plane).
#[derive(Clone, Copy)]
pub struct KSplit {
    pub parts: usize,
    pub k: [(usize, usize); MAX_KPARTS],
    pub w: [WPtr; MAX_KPARTS],
    pub scratch: usize,
}

/// Channels per unit of a channel split of a step whose output (or SE input) map has `hw`
/// pixels: the fewest planes that end on a 64-byte line (1 at 28x28 and 56x56, 4 at 14x14,
/// 16 at 7x7), so two threads never write one line. 1x1s split by output channels keep the
/// 16-channel units of their packed weight tiles (exec), but depthwise convs, SE steps and
/// both phases of K-split 1x1s use these: 40 channels at 28x28 go 20/20 instead of 32/8 (or
/// row bands), and a K-split of 240 input channels at 14x14 sums 120 + 120, not 128 + 112.
/// `SplitPolicy::line_channel_units: false` gives 16 everywhere, `small_line_units: false`
/// 16 below `pixels_min_hw`.
pub fn chan_unit(split: &SplitPolicy, hw: usize) -> usize {
    if split.line_channel_units && (hw >= split.pixels_min_hw || split.small_line_units) && hw > 0 {
        per_line(hw)
    } else {
        16 // exec::CHANNEL_ALIGN, floats in a 64-byte line
    }
}

/// The fewest runs of `len` floats, laid end to end, that end on a 64-byte line (16 floats):
/// 16 / gcd(len, 16).
fn per_line(len: usize) -> usize {
    let mut g = 16;
    while len % g != 0 {
        g /= 2;
    }
    16 / g
}

/// Rows per unit of a row band whose rows are `w` floats: bands of whole 64-byte lines (16
/// floats) of each plane, so two threads never write one line (exec uses the same).
pub fn band_rows(w: usize) -> usize {
    per_line(w)
}

/// Pixels per unit of a pixel split (1x1 or SE) on an `h x w` map. Where the depthwise
/// convs split by row bands (`split.dw_rows_min_hw`), the same whole row bands, so a thread
/// reads the rows it wrote; elsewhere one 64-byte line (16 pixels) if planes are whole
/// lines: a 28x28 map splits 400/384 pixels, not 448/336 (4-row units of 7 lines).
pub fn px_unit(split: &SplitPolicy, h: usize, w: usize) -> usize {
    let hw = h * w;
    if split.line_pixel_units && hw < split.dw_rows_min_hw && hw % 16 == 0 {
        16
    } else {
        band_rows(w) * w
    }
}

/// Whether a depthwise conv with output `out` splits by row bands under `split`.
fn dw_split_rows(ks: &KernelSet, split: &SplitPolicy, out: Shape) -> bool {
    let unit = chan_unit(split, out.hw());
    let units = out.c.div_ceil(unit);
    let larger = (units.div_ceil(2) * unit).min(out.c);
    let uneven = 8 * (2 * larger) > 9 * out.c;
    ks.row_split
        && (out.hw() >= split.dw_rows_min_hw || (uneven && out.hw() >= split.dw_rows_uneven_min_hw))
}

/// The kernel a step calls, with the parameters the planner chose.
#[derive(Clone, Copy)]
pub enum Kernel {
    /// `split_rows`: threads share the step by bands of output rows (see
    /// [`kernels::KernelSet::row_split`]), otherwise by output channels.
    Conv {
        f: kernels::ConvFn,
        k: usize,
        stride: usize,
        pad: usize,
        split_rows: bool,
    },
    /// `mr`: output-channel tile of the packed weights (splits must respect it).
    /// `split_pixels`: threads share the step by pixel ranges (each reads only its pixels of
    /// the input and the weights are shared) rather than by output channels (each reads the
    /// whole input): large maps, where few channels would split unevenly and the input is
    /// big, go by pixels.
    Conv1x1 {
        f: kernels::Conv1x1Fn,
        mr: usize,
        split_pixels: bool,
        /// Split by input channels (on a session of more than one thread).
        ksplit: Option<KSplit>,
    },
    DwConv {
        f: kernels::DwConvFn,
        k: usize,
        stride: usize,
        pad: usize,
        split_rows: bool,
    },
    Fc {
        f: kernels::FcFn,
    },
    GlobalAvgPool {
        f: kernels::GavgPoolFn,
    },
    /// `scratch`: arena float offset of c (rounded up to 16) + rd floats. Split over
    /// threads, SE runs in three phases: channel sums (the kernel set's `pool` over channel
    /// ranges, or pixel ranges when `split_pixels`) into `scratch[..c]`; the means and the
    /// part's rows of the first FC into the rd floats after the rounded c (16-row units, each
    /// on its own lines); the gates of the part's channels (`fc`) and their scale.
    Se {
        f: kernels::SeFn,
        pool: kernels::GavgPoolFn,
        fc: kernels::FcFn,
        /// Split over threads by pixel ranges (large maps) rather than channel ranges.
        split_pixels: bool,
        rd: usize,
        gate: Act,
        scratch: usize,
    },
    Add {
        f: kernels::AddFn,
    },
    /// A standalone activation (only in unfused graphs), applied by the executor.
    Act,
    /// Copy a tensor into a channel slice of a concat buffer (only with concat elimination off).
    Copy,
}

/// Pointer to weights that live as long as the plan (mapped pack, graph, or `Plan::aux`).
#[derive(Clone, Copy, Debug)]
pub struct WPtr(pub *const f32);

impl WPtr {
    pub const NULL: WPtr = WPtr(std::ptr::null());
}

// SAFETY: weights are immutable for the life of the plan that owns (or Arc-holds) them.
unsafe impl Send for WPtr {}
unsafe impl Sync for WPtr {}

pub struct Step {
    pub name: String,
    pub kernel_name: String,
    pub kernel: Kernel,
    /// Weight pointers in the order the kernel takes them (w, b, w2, b2); null if absent.
    pub weights: [WPtr; 4],
    pub act: Act,
    /// inputs[0] is the main input; inputs[1] the residual (conv) or second operand (add).
    pub inputs: Vec<View>,
    pub output: View,
    pub macs: u64,
    /// Channels per unit when threads split this step by channels (a KxK or depthwise conv's
    /// output channels, an SE step's channels): see [`chan_unit`].
    pub chan_unit: usize,
    /// Pixels per unit when threads split this step by pixel ranges (a 1x1 conv or SE step
    /// with `split_pixels`): see [`px_unit`].
    pub px_unit: usize,
}

pub struct Plan {
    pub steps: Vec<Step>,
    /// Floats of the arena. View offsets below it are in the arena; offsets at or past it
    /// are in a graph input (`inputs`, in order from `arena_floats` on), which steps read
    /// in place from the caller's buffer: inputs are never copied into the arena, and no
    /// step writes them.
    pub arena_floats: usize,
    /// Sum of the sizes of every buffer, as if none shared memory.
    pub unshared_floats: usize,
    pub inputs: Vec<View>,
    /// Output views and whether each is flat (NC rather than NCHW).
    pub outputs: Vec<(View, bool)>,
    pub kernel_set: &'static str,
    /// Weights derived at plan time (BN affine of unfused graphs); pointed to by steps.
    _aux: Vec<Vec<f32>>,
    /// Keeps the weights that steps point into alive.
    _graph: Arc<Graph>,
}

impl Plan {
    pub fn total_macs(&self) -> u64 {
        self.steps.iter().map(|s| s.macs).sum()
    }

    pub fn build(
        graph: Arc<Graph>,
        input_hw: &[(usize, usize)],
        opts: PlanOptions,
    ) -> Result<Plan> {
        let ks = opts.kernels.unwrap_or_else(kernels::best);
        if !ks.isa.available() {
            return Err(Error::plan(
                "kernels",
                format!("kernel set {} does not run on this CPU", ks.name),
            ));
        }
        let g = &*graph;
        let (shapes, flat) = shapes::infer(g, input_hw)?;
        let shape = |v: usize| {
            shapes[v].ok_or_else(|| Error::plan("graph", format!("value {v} has no shape")))
        };
        let producers = g.producers();
        let mut bufs = Buffers::new(g.num_values);
        for inp in &g.inputs {
            bufs.define_external(inp.value, shape(inp.value)?.numel());
        }
        // Concat elimination: an input produced by a compute op, not already placed elsewhere
        // and not a graph output, is written by its producer straight into the concat buffer.
        let mut copies: Vec<Vec<(usize, usize)>> = vec![Vec::new(); g.nodes.len()];
        for (i, n) in g.nodes.iter().enumerate() {
            if n.op != Op::Concat {
                continue;
            }
            bufs.define(n.output, shape(n.output)?.numel());
            let mut off = 0;
            for &v in &n.inputs {
                let is_compute = producers[v].is_some_and(|p| {
                    !matches!(g.nodes[p].op, Op::Concat | Op::Slice { .. } | Op::Flatten)
                });
                let s = shape(v)?;
                if opts.eliminate_concat
                    && is_compute
                    && !bufs.is_placed(v)
                    && !g.outputs.contains(&v)
                {
                    bufs.place(v, n.output, off * s.hw());
                } else {
                    copies[i].push((v, off * s.hw()));
                }
                off += s.c;
            }
        }
        let mut aux: Vec<Vec<f32>> = Vec::new();
        let mut steps: Vec<Step> = Vec::new();
        // Per step: (input refs, output ref, scratch buffer), resolved after layout.
        let mut refs: Vec<(Vec<memory::Ref>, memory::Ref, Option<usize>)> = Vec::new();
        for (i, n) in g.nodes.iter().enumerate() {
            let out_shape = shape(n.output)?;
            match &n.op {
                Op::Slice { start, .. } => {
                    bufs.alias(n.output, n.inputs[0], start * out_shape.hw());
                    continue;
                }
                Op::Flatten => {
                    bufs.alias(n.output, n.inputs[0], 0);
                    continue;
                }
                Op::Concat => {
                    for &(v, off) in &copies[i] {
                        let s = steps.len();
                        bufs.read(v, s);
                        bufs.write(n.output, s);
                        let out_ref = bufs.loc(n.output).shifted(off);
                        refs.push((vec![bufs.loc(v)], out_ref, None));
                        steps.push(Step {
                            name: format!("{}[copy]", n.name),
                            kernel_name: "copy".into(),
                            kernel: Kernel::Copy,
                            weights: [WPtr::NULL; 4],
                            act: Act::None,
                            inputs: vec![View {
                                offset: 0,
                                shape: shape(v)?,
                            }],
                            output: View {
                                offset: 0,
                                shape: shape(v)?,
                            },
                            macs: 0,
                            chan_unit: 16,
                            px_unit: 16,
                        });
                    }
                    continue;
                }
                _ => {}
            }
            if !bufs.is_placed(n.output) {
                bufs.define(n.output, out_shape.numel());
            }
            let s = steps.len();
            for &v in &n.inputs {
                bufs.read(v, s);
            }
            bufs.write(n.output, s);
            let (mut step, scratch_floats) = select(g, ks, &opts, n, &shapes, out_shape, &mut aux)?;
            let scratch = scratch_floats.map(|f| bufs.scratch(f, s));
            refs.push((
                n.inputs.iter().map(|&v| bufs.loc(v)).collect(),
                bufs.loc(n.output),
                scratch,
            ));
            step.inputs = n
                .inputs
                .iter()
                .map(|&v| View {
                    offset: 0,
                    shape: shapes[v].unwrap_or(out_shape),
                })
                .collect();
            steps.push(step);
        }
        for &o in &g.outputs {
            bufs.read(o, steps.len());
        }
        let layout = bufs.layout();
        for (step, (ins, out, scratch)) in steps.iter_mut().zip(&refs) {
            for (v, r) in step.inputs.iter_mut().zip(ins) {
                v.offset = layout.offset(*r);
            }
            step.output.offset = layout.offset(*out);
            let at = |b: &usize| layout.offset(memory::Ref { buf: *b, off: 0 });
            match (&mut step.kernel, scratch) {
                (Kernel::Se { scratch: off, .. }, Some(b)) => *off = at(b),
                (
                    Kernel::Conv1x1 {
                        ksplit: Some(k), ..
                    },
                    Some(b),
                ) => k.scratch = at(b),
                _ => {}
            }
        }
        // Graph inputs live past the arena, in the caller's buffers: read, never written.
        if let Some(st) = steps
            .iter()
            .find(|st| st.output.offset + st.output.shape.numel() > layout.arena_floats)
        {
            return Err(Error::plan(
                &st.name,
                "would write into a graph input (inputs are read in place)",
            ));
        }
        let view = |v: usize| -> Result<View> {
            Ok(View {
                offset: layout.offset(bufs.loc(v)),
                shape: shape(v)?,
            })
        };
        let inputs = g
            .inputs
            .iter()
            .map(|i| view(i.value))
            .collect::<Result<Vec<_>>>()?;
        let outputs = g
            .outputs
            .iter()
            .map(|&o| Ok((view(o)?, flat[o])))
            .collect::<Result<Vec<_>>>()?;
        Ok(Plan {
            steps,
            arena_floats: layout.arena_floats,
            unshared_floats: layout.unshared_floats,
            inputs,
            outputs,
            kernel_set: ks.name,
            _aux: aux,
            _graph: graph,
        })
    }
}

/// Input channel ranges for `parts` threads at even shares, cut at multiples of 16 channels
/// like the executor's channel splits (so each range is the planes one thread wrote), and
/// `w` (`[cout][cin]`) packed for each range; `None` if a range would be empty.
fn ksplit(
    w: &[f32],
    cin: usize,
    cout: usize,
    mr: usize,
    parts: usize,
    unit: usize,
    aux: &mut Vec<Vec<f32>>,
) -> Option<KSplit> {
    if parts < 2 {
        return None; // exec::ksplit_part adds at least two parts' sums
    }
    let units = cin.div_ceil(unit);
    let at = |p: usize| ((units * p + parts / 2) / parts * unit).min(cin);
    let mut k = [(0, 0); MAX_KPARTS];
    let mut wp = [WPtr::NULL; MAX_KPARTS];
    for p in 0..parts {
        let (k0, k1) = (at(p), at(p + 1));
        if k1 <= k0 {
            return None;
        }
        let sub: Vec<f32> = (0..cout)
            .flat_map(|co| w[co * cin + k0..co * cin + k1].iter().copied())
            .collect();
        aux.push(if mr > 1 {
            kernels::pack_conv1x1(&sub, k1 - k0, cout, mr)
        } else {
            sub
        });
        k[p] = (k0, k1);
        wp[p] = WPtr(aux[aux.len() - 1].as_ptr());
    }
    Some(KSplit {
        parts,
        k,
        w: wp,
        scratch: 0,
    })
}

/// Pick the kernel for a compute node; also returns the scratch floats it needs. Views are
/// filled in by the caller once the arena layout is known.
fn select(
    g: &Graph,
    ks: &KernelSet,
    opts: &PlanOptions,
    n: &crate::graph::Node,
    shapes: &[Option<Shape>],
    out: Shape,
    aux: &mut Vec<Vec<f32>>,
) -> Result<(Step, Option<usize>)> {
    let x = shapes[n.inputs[0]].unwrap_or(out);
    let split = &opts.split;
    let mut scratch = match &n.op {
        // The SE kernel's c + rd floats; split over threads, the hidden units start on the
        // line after the c sums (exec::se_part), so the parts' rows never share a line.
        Op::SqueezeExcite(se) => Some(se.c.next_multiple_of(16) + se.rd),
        _ => None,
    };
    let wp = |id: usize| WPtr(g.w(id).as_ptr());
    let opt = |id: Option<usize>| id.map_or(WPtr::NULL, wp);
    let isa = ks.name;
    let (kernel, kernel_name, weights, act, macs) = match &n.op {
        Op::Conv(c) => {
            let macs = (out.numel() * (c.cin / c.groups) * c.k * c.k) as u64;
            let w = [wp(c.weight), opt(c.bias), WPtr::NULL, WPtr::NULL];
            if c.is_depthwise() {
                let k = Kernel::DwConv {
                    f: ks.dwconv,
                    k: c.k,
                    stride: c.stride,
                    pad: c.pad,
                    split_rows: dw_split_rows(ks, split, out),
                };
                (
                    k,
                    format!("dwconv{}x{}s{}/{isa}", c.k, c.k, c.stride),
                    w,
                    c.act,
                    macs,
                )
            } else if c.is_pointwise() && out.hw() == 1 && n.inputs.len() == 1 {
                (Kernel::Fc { f: ks.fc }, format!("fc/{isa}"), w, c.act, macs)
            } else if c.is_pointwise() {
                // Weights are packed once here, in the layout this kernel set's GEMM reads.
                let mut w = w;
                if ks.conv1x1_mr > 1 {
                    aux.push(kernels::pack_conv1x1(
                        g.w(c.weight),
                        c.cin,
                        c.cout,
                        ks.conv1x1_mr,
                    ));
                    w[0] = WPtr(aux[aux.len() - 1].as_ptr());
                }
                let split_pixels = out.hw() >= split.pixels_min_hw;
                let ksplit = if opts.threads > 1
                    && opts.threads <= MAX_KPARTS
                    && !split_pixels
                    && c.cin as f32 >= split.ksplit_min_ratio * c.cout as f32
                {
                    ksplit(
                        g.w(c.weight),
                        c.cin,
                        c.cout,
                        ks.conv1x1_mr,
                        opts.threads,
                        chan_unit(split, x.hw()),
                        aux,
                    )
                } else {
                    None
                };
                if let Some(k) = &ksplit {
                    scratch = Some(k.parts * c.cout * out.hw());
                }
                (
                    Kernel::Conv1x1 {
                        f: ks.conv1x1,
                        mr: ks.conv1x1_mr.max(1),
                        split_pixels,
                        ksplit,
                    },
                    format!("conv1x1/{isa}"),
                    w,
                    c.act,
                    macs,
                )
            } else if c.groups == 1 {
                let k = Kernel::Conv {
                    f: ks.conv,
                    k: c.k,
                    stride: c.stride,
                    pad: c.pad,
                    split_rows: ks.row_split && out.hw() >= split.conv_rows_min_hw,
                };
                (
                    k,
                    format!("conv{}x{}s{}/{isa}", c.k, c.k, c.stride),
                    w,
                    c.act,
                    macs,
                )
            } else {
                return Err(Error::plan(
                    &n.name,
                    format!("grouped conv with {} groups is not supported", c.groups),
                ));
            }
        }
        Op::BatchNorm(b) => {
            // Unfused BN runs as a 1x1 depthwise conv with the affine computed here.
            let (sc, sh) = crate::passes::bn_affine(g, b);
            aux.push(sc.iter().map(|&v| v as f32).collect());
            aux.push(sh.iter().map(|&v| v as f32).collect());
            let w = [
                WPtr(aux[aux.len() - 2].as_ptr()),
                WPtr(aux[aux.len() - 1].as_ptr()),
                WPtr::NULL,
                WPtr::NULL,
            ];
            let k = Kernel::DwConv {
                f: ks.dwconv,
                k: 1,
                stride: 1,
                pad: 0,
                split_rows: dw_split_rows(ks, split, out),
            };
            (
                k,
                format!("dwconv1x1s1/{isa}"),
                w,
                Act::None,
                out.numel() as u64,
            )
        }
        Op::Act(a) => (Kernel::Act, "act/rust".into(), [WPtr::NULL; 4], *a, 0),
        Op::Add { act } => (
            Kernel::Add { f: ks.add },
            format!("add/{isa}"),
            [WPtr::NULL; 4],
            *act,
            0,
        ),
        Op::GlobalAvgPool => (
            Kernel::GlobalAvgPool { f: ks.gavgpool },
            format!("gavgpool/{isa}"),
            [WPtr::NULL; 4],
            Act::None,
            x.numel() as u64,
        ),
        Op::Linear(l) => {
            let w = [wp(l.weight), opt(l.bias), WPtr::NULL, WPtr::NULL];
            (
                Kernel::Fc { f: ks.fc },
                format!("fc/{isa}"),
                w,
                l.act,
                (l.cin * l.cout) as u64,
            )
        }
        Op::SqueezeExcite(se) => {
            let k = Kernel::Se {
                f: ks.se,
                pool: ks.gavgpool,
                fc: ks.fc,
                split_pixels: x.hw() >= split.se_pixels_min_hw,
                rd: se.rd,
                gate: se.gate,
                scratch: 0,
            };
            let w = [wp(se.w1), wp(se.b1), wp(se.w2), wp(se.b2)];
            (
                k,
                format!("se/{isa}"),
                w,
                Act::None,
                (2 * se.c * se.rd + 2 * x.numel()) as u64,
            )
        }
        Op::Concat | Op::Slice { .. } | Op::Flatten => {
            unreachable!("views are handled by the caller")
        }
    };
    let step = Step {
        name: n.name.clone(),
        kernel_name,
        kernel,
        weights,
        act,
        inputs: Vec::new(),
        output: View {
            offset: 0,
            shape: out,
        },
        macs,
        chan_unit: chan_unit(
            split,
            match n.op {
                Op::SqueezeExcite(_) => x.hw(),
                _ => out.hw(),
            },
        ),
        px_unit: px_unit(split, out.h, out.w),
    };
    Ok((step, scratch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depthwise_split_by_rows_on_large_maps_and_uneven_channels() {
        let ks = kernels::all()
            .iter()
            .copied()
            .find(|k| k.row_split)
            .expect("a kernel set with row bands");
        let d = SplitPolicy::default();
        let at = |c, hw| dw_split_rows(ks, &d, Shape { c, h: hw, w: hw });
        // 56x56 and up: rows, whatever the channels.
        assert!(at(120, 56) && at(16, 112));
        // 28x28: channels (any plane of a 28x28 map ends on a line, so 40 go 20/20).
        assert!(!at(60, 28) && !at(120, 28) && !at(30, 28));
        assert!(!at(40, 28) && !at(36, 28) && !at(20, 28) && !at(9, 28));
        // ... unless they are too few to halve evenly: 3 go 2/1.
        assert!(at(3, 28));
        // A map whose planes end on a line only every 4 planes (14x14 when 1x1s split by
        // pixels): 6 channels go 4/2, uneven, so rows.
        let px14 = SplitPolicy {
            pixels_min_hw: 196,
            dw_rows_uneven_min_hw: 196,
            ..d
        };
        assert_eq!(chan_unit(&px14, 196), 4);
        assert_eq!(chan_unit(&d, 784), 1);
        // Smaller maps: the same units, but 16 at 7x7 (49 floats a plane).
        assert_eq!(chan_unit(&d, 196), 4);
        assert_eq!(chan_unit(&d, 49), 16);
        let small16 = SplitPolicy {
            small_line_units: false,
            ..d
        };
        assert_eq!(chan_unit(&small16, 196), 16);
        assert_eq!(chan_unit(&small16, 784), 1);
        // Pixel units: one line on 28x28, whole row bands where depthwise convs take rows.
        assert_eq!(px_unit(&d, 28, 28), 16);
        assert_eq!(px_unit(&d, 56, 56), 2 * 56);
        assert_eq!(px_unit(&d, 112, 112), 112);
        assert_eq!(px_unit(&d, 14, 14), 8 * 14);
        let rows = SplitPolicy {
            line_pixel_units: false,
            ..d
        };
        assert_eq!(px_unit(&rows, 28, 28), 4 * 28);
        assert!(dw_split_rows(ks, &px14, Shape { c: 6, h: 14, w: 14 }));
        assert!(!dw_split_rows(ks, &px14, Shape { c: 8, h: 14, w: 14 }));
        // Below PIXEL_SPLIT_MIN_HW: channels.
        assert!(!at(40, 14) && !at(20, 14));
        // Kernel sets without row bands never split by rows.
        if let Some(neon) = kernels::all().iter().find(|k| !k.row_split) {
            assert!(!dw_split_rows(
                neon,
                &d,
                Shape {
                    c: 40,
                    h: 56,
                    w: 56
                }
            ));
        }
    }
}
