//! The planner's memory logic (concat elimination, slice views, arena reuse, copies) against
//! a naive graph interpreter built on `ghostrt::reference`, on graphs chosen to stress it:
//! concats of graph inputs and outputs, nested concats, a value feeding two concats,
//! non-trivial channel slices, unfused BN and activations, residual convs.

use ghostrt::graph::{Act, BatchNorm, Conv, Graph, Linear, ModelMeta, Op, SqueezeExcite, ValueId};
use ghostrt::kernels;
use ghostrt::plan::{Plan, PlanOptions, SplitPolicy};
use ghostrt::reference::*;
use ghostrt::Session;
use std::sync::Arc;

struct Rng(u64);
impl Rng {
    fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                self.0 = self
                    .0
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((self.0 >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 2.0 * scale
            })
            .collect()
    }
}

/// A value of the naive interpreter: (channels, h, w, data).
type Val = (usize, usize, usize, Vec<f32>);

/// Values computed op by op with the naive reference.
fn interpret(g: &Graph, inputs: &[(usize, usize, Vec<f32>)]) -> Vec<Vec<f32>> {
    let mut vals: Vec<Option<Val>> = vec![None; g.num_values];
    for (gi, (h, w, data)) in g.inputs.iter().zip(inputs) {
        vals[gi.value] = Some((gi.channels, *h, *w, data.clone()));
    }
    for n in &g.nodes {
        let get = |v: ValueId| vals[v].clone().expect("value computed");
        let (c, h, w, x) = get(n.inputs[0]);
        let out = match &n.op {
            Op::Conv(cv) => {
                let mut y = conv2d_ref(
                    &x,
                    c,
                    h,
                    w,
                    g.w(cv.weight),
                    cv.cout,
                    cv.k,
                    cv.stride,
                    cv.pad,
                    cv.groups,
                );
                let res = n.inputs.get(1).map(|&r| get(r).3);
                apply_epilogue(
                    &mut y,
                    cv.cout,
                    cv.bias.map(|b| g.w(b)),
                    res.as_deref(),
                    cv.act,
                );
                let (oh, ow) = (
                    conv_out_size(h, cv.k, cv.stride, cv.pad),
                    conv_out_size(w, cv.k, cv.stride, cv.pad),
                );
                (cv.cout, oh, ow, y)
            }
            Op::BatchNorm(b) => {
                let (gm, bt, mn, vr) = (g.w(b.gamma), g.w(b.beta), g.w(b.mean), g.w(b.var));
                let y = x
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| {
                        let ch = i / (h * w);
                        (v - mn[ch]) / (vr[ch] + b.eps).sqrt() * gm[ch] + bt[ch]
                    })
                    .collect();
                (c, h, w, y)
            }
            Op::Act(a) => (c, h, w, x.iter().map(|&v| act_ref(v, *a)).collect()),
            Op::Add { act } => (c, h, w, add_ref(&x, &get(n.inputs[1]).3, *act)),
            Op::Concat => {
                let mut y = Vec::new();
                let mut cs = 0;
                for &v in &n.inputs {
                    let (ci, _, _, d) = get(v);
                    y.extend(d);
                    cs += ci;
                }
                (cs, h, w, y)
            }
            Op::Slice { start, end } => (end - start, h, w, x[start * h * w..end * h * w].to_vec()),
            Op::GlobalAvgPool => (c, 1, 1, gavgpool_ref(&x, c, h * w)),
            Op::Flatten => (c, h, w, x),
            Op::Linear(l) => (
                l.cout,
                1,
                1,
                fc_ref(&x, g.w(l.weight), l.bias.map(|b| g.w(b)), l.cout, l.act),
            ),
            Op::SqueezeExcite(s) => {
                let y = se_ref(
                    &x,
                    c,
                    h * w,
                    g.w(s.w1),
                    Some(g.w(s.b1)),
                    s.rd,
                    g.w(s.w2),
                    Some(g.w(s.b2)),
                    s.gate,
                );
                (c, h, w, y)
            }
        };
        vals[n.output] = Some(out);
    }
    g.outputs
        .iter()
        .map(|&o| vals[o].clone().expect("output").3)
        .collect()
}

struct B {
    g: Graph,
    rng: Rng,
}

impl B {
    fn w(&mut self, n: usize, scale: f32) -> usize {
        let data = self.rng.vec(n, scale);
        let id = self.g.weights.len();
        self.g.add_weight(format!("w{id}"), vec![n], data)
    }
    /// A 1x1 conv of `x` (with a bias if `bias`) plus the residual `res`, then `act`.
    fn pointwise_res(
        &mut self,
        x: ValueId,
        res: ValueId,
        cin: usize,
        cout: usize,
        bias: bool,
        act: Act,
    ) -> ValueId {
        let weight = self.w(cout * cin, 0.3);
        let bias = bias.then(|| self.w(cout, 0.1));
        let op = Op::Conv(Conv {
            cin,
            cout,
            k: 1,
            stride: 1,
            pad: 0,
            groups: 1,
            weight,
            bias,
            act,
        });
        self.op(op, vec![x, res])
    }
    #[allow(clippy::too_many_arguments)]
    fn conv(
        &mut self,
        x: ValueId,
        cin: usize,
        cout: usize,
        k: usize,
        stride: usize,
        dw: bool,
        act: Act,
    ) -> ValueId {
        let groups = if dw { cin } else { 1 };
        let weight = self.w(cout * cin / groups * k * k, 0.5);
        let bias = Some(self.w(cout, 0.2));
        let op = Op::Conv(Conv {
            cin,
            cout,
            k,
            stride,
            pad: k / 2,
            groups,
            weight,
            bias,
            act,
        });
        self.g
            .push(format!("conv{}", self.g.nodes.len()), op, vec![x])
    }
    fn op(&mut self, op: Op, inputs: Vec<ValueId>) -> ValueId {
        self.g.push(format!("n{}", self.g.nodes.len()), op, inputs)
    }
}

/// Two inputs; exercises every op and the awkward aliasing cases.
fn tricky_graph(seed: u64) -> Graph {
    let mut b = B {
        g: Graph::new(ModelMeta::default()),
        rng: Rng(seed),
    };
    let x = b.g.add_input("x", 5);
    let z = b.g.add_input("z", 3);
    let a = b.conv(x, 5, 6, 3, 1, false, Act::Relu);
    let d = b.conv(a, 6, 6, 3, 1, true, Act::None);
    // A concat reading a graph input (must be copied) and a value that also feeds another concat.
    let cat1 = b.op(Op::Concat, vec![z, a, d]);
    let cat2 = b.op(Op::Concat, vec![d, a]);
    let s1 = b.op(Op::Slice { start: 2, end: 13 }, vec![cat1]);
    let s2 = b.op(Op::Slice { start: 0, end: 11 }, vec![cat2]);
    let sum = b.op(Op::Add { act: Act::Relu6 }, vec![s1, s2]);
    let bn: Vec<usize> = (0..4)
        .map(|i| b.w(11, if i == 3 { 0.0 } else { 0.5 }))
        .collect();
    let var = b.rng.vec(11, 0.4).iter().map(|v| v.abs() + 0.5).collect();
    b.g.weights[bn[3]].data = ghostrt::graph::WeightData::Owned(var);
    let n = b.op(
        Op::BatchNorm(BatchNorm {
            c: 11,
            gamma: bn[0],
            beta: bn[1],
            mean: bn[2],
            var: bn[3],
            eps: 1e-5,
        }),
        vec![sum],
    );
    let act = b.op(Op::Act(Act::HardSigmoid), vec![n]);
    let (w1, b1, w2, b2) = (
        b.w(3 * 11, 0.5),
        b.w(3, 0.2),
        b.w(11 * 3, 0.5),
        b.w(11, 0.2),
    );
    let se = b.op(
        Op::SqueezeExcite(SqueezeExcite {
            c: 11,
            rd: 3,
            w1,
            b1,
            w2,
            b2,
            gate: Act::HardSigmoid,
        }),
        vec![act],
    );
    // A residual conv reading a slice of a concat as its residual.
    let r = b.pointwise_res(se, s2, 11, 11, false, Act::Relu);
    let down = b.conv(r, 11, 7, 3, 2, false, Act::None);
    // Nested concat: a concat of a concat, then a stride-2 depthwise on it.
    let cat3 = b.op(Op::Concat, vec![down, down]);
    let dd = b.conv(cat3, 14, 14, 5, 1, true, Act::Relu);
    // A reducing 1x1 (split by input channels on threads) with a bias and a residual.
    let e = b.conv(dd, 14, 48, 1, 1, false, Act::Relu);
    let red = b.pointwise_res(e, dd, 48, 14, true, Act::Relu6);
    let gap = b.op(Op::GlobalAvgPool, vec![red]);
    let f = b.op(Op::Flatten, vec![gap]);
    let lw = b.w(4 * 14, 0.3);
    let lb = Some(b.w(4, 0.1));
    let out = b.op(
        Op::Linear(Linear {
            cin: 14,
            cout: 4,
            weight: lw,
            bias: lb,
            act: Act::None,
        }),
        vec![f],
    );
    // Outputs: the logits and an intermediate that is also a concat input.
    b.g.outputs = vec![out, a];
    b.g
}

#[test]
fn planner_matches_naive_interpreter() {
    for seed in 1..4 {
        let g = Arc::new(tricky_graph(seed));
        // The large maps split every step over threads (row bands, pixel ranges, SE phases).
        for (h, w) in [(9, 7), (16, 16), (1, 5), (23, 2), (64, 72), (57, 61)] {
            let mut rng = Rng(seed * 100 + h as u64);
            let xs = vec![
                (h, w, rng.vec(5 * h * w, 1.0)),
                (h, w, rng.vec(3 * h * w, 1.0)),
            ];
            let want = interpret(&g, &xs);
            for ks in kernels::all().iter().filter(|k| k.isa.available()) {
                for eliminate_concat in [true, false] {
                    // With threads: the default split, and every step split by space (row
                    // bands and pixel ranges down to 1 pixel) or by channels (and every 1x1
                    // that can by input channels).
                    let policies = [
                        SplitPolicy::default(),
                        SplitPolicy {
                            pixels_min_hw: 0,
                            se_pixels_min_hw: 0,
                            dw_rows_min_hw: 0,
                            dw_rows_uneven_min_hw: 0,
                            conv_rows_min_hw: 0,
                            ksplit_min_ratio: 0.0,
                            line_channel_units: true,
                            small_line_units: true,
                            line_pixel_units: true,
                        },
                        // 1x1s by pixels, depthwise and SE by channels in units of the
                        // fewest planes that end on a line (4 at 14x14, 16 at 7x7, 1 at 8x8).
                        SplitPolicy {
                            pixels_min_hw: 0,
                            se_pixels_min_hw: usize::MAX,
                            dw_rows_min_hw: usize::MAX,
                            dw_rows_uneven_min_hw: usize::MAX,
                            conv_rows_min_hw: usize::MAX,
                            ksplit_min_ratio: f32::INFINITY,
                            line_channel_units: true,
                            small_line_units: true,
                            line_pixel_units: true,
                        },
                        SplitPolicy {
                            pixels_min_hw: usize::MAX,
                            se_pixels_min_hw: usize::MAX,
                            dw_rows_min_hw: usize::MAX,
                            dw_rows_uneven_min_hw: usize::MAX,
                            conv_rows_min_hw: usize::MAX,
                            ksplit_min_ratio: 0.0,
                            line_channel_units: true,
                            small_line_units: true,
                            line_pixel_units: true,
                        },
                        // The default with 16-channel units and row-band pixel units everywhere.
                        SplitPolicy {
                            line_channel_units: false,
                            small_line_units: false,
                            line_pixel_units: false,
                            ..SplitPolicy::default()
                        },
                    ];
                    // (session threads, threads the plan is made for, policy): plans also
                    // run on fewer or more threads than they were made for.
                    let runs: Vec<(usize, usize, SplitPolicy)> = if h * w > 1000 {
                        let mut r: Vec<_> = [1, 2, 3]
                            .into_iter()
                            .flat_map(|t| policies.iter().map(move |&p| (t, t, p)))
                            .collect();
                        r.extend([
                            (2, 3, policies[3]),
                            (1, 2, policies[3]),
                            (3, 2, policies[3]),
                        ]);
                        r
                    } else {
                        vec![(1, 1, SplitPolicy::default()), (2, 2, policies[1])]
                    };
                    for (t, pt, split) in runs {
                        let opts = PlanOptions {
                            eliminate_concat,
                            kernels: Some(ks),
                            split,
                            threads: pt,
                        };
                        let plan = Plan::build(g.clone(), &[(h, w), (h, w)], opts).expect("plan");
                        let mut s = Session::with_threads(plan, t).expect("session");
                        // Even shares, then uneven ones (a slow core): every cut must
                        // still cover each step exactly once.
                        let uneven: &[f64] = match t {
                            1 => &[],
                            2 => &[0.2, 0.8],
                            _ => &[0.55, 0.1, 0.35],
                        };
                        for shares in [&[][..], uneven] {
                            if !shares.is_empty() {
                                s.set_thread_shares(shares).expect("shares");
                            }
                            let mut y0 = vec![0.0; s.output_len(0)];
                            let mut y1 = vec![0.0; s.output_len(1)];
                            s.run(&[&xs[0].2, &xs[1].2], &mut [&mut y0, &mut y1])
                                .expect("run");
                            for (got, want) in [(&y0, &want[0]), (&y1, &want[1])] {
                                let scale = want.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
                                let err = got
                                    .iter()
                                    .zip(want)
                                    .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
                                assert!(
                                err <= 1e-5 * scale,
                                "seed {seed} {h}x{w} {} concat-elim {eliminate_concat} threads {t} (plan {pt}) shares {shares:?} {split:?}: err {err}",
                                ks.name
                            );
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn arena_reuses_memory_and_views_cost_nothing() {
    let g = Arc::new(tricky_graph(7));
    let plan = Plan::build(g.clone(), &[(32, 32), (32, 32)], PlanOptions::default()).expect("plan");
    assert!(plan.arena_floats < plan.unshared_floats);
    // Exactly the unavoidable copies: the graph input `z`, the graph output `a`, and the
    // second concat use of `d`, `a` and `down` (each already placed in an earlier concat).
    let copies = plan
        .steps
        .iter()
        .filter(|s| s.kernel_name == "copy")
        .count();
    assert_eq!(copies, 5, "{plan}");
    // Slices, flattens and concats themselves are views: no step of their own.
    let views = g
        .nodes
        .iter()
        .filter(|n| matches!(n.op, Op::Concat | Op::Slice { .. } | Op::Flatten))
        .count();
    assert_eq!(plan.steps.len(), g.nodes.len() - views + copies);
}

/// Graph inputs are read in place from the caller's buffers (no arena copy): steps that
/// read an input directly (a conv with an input as its residual too), outputs that are a
/// slice or a flatten of an input, and batches whose images sit at different places of the
/// caller's slices all see the right image.
#[test]
fn inputs_are_read_in_place_for_every_image() {
    let mut b = B {
        g: Graph::new(ModelMeta::default()),
        rng: Rng(42),
    };
    let x = b.g.add_input("x", 4);
    let z = b.g.add_input("z", 4);
    let weight = b.w(4 * 4, 0.5);
    let conv = b.op(
        Op::Conv(Conv {
            cin: 4,
            cout: 4,
            k: 1,
            stride: 1,
            pad: 0,
            groups: 1,
            weight,
            bias: None,
            act: Act::None,
        }),
        vec![x, z],
    );
    let part = b.op(Op::Slice { start: 1, end: 3 }, vec![z]);
    let dw = b.conv(x, 4, 4, 3, 1, true, Act::Relu);
    b.g.outputs = vec![conv, part, dw];
    let g = Arc::new(b.g);
    let (h, w) = (6, 5);
    let images = 3;
    let mut rng = Rng(7);
    let xs: Vec<f32> = rng.vec(images * 4 * h * w, 1.0);
    let zs: Vec<f32> = rng.vec(images * 4 * h * w, 1.0);
    for t in [1, 2] {
        let plan = Plan::build(g.clone(), &[(h, w), (h, w)], PlanOptions::default()).expect("plan");
        // The inputs take no arena space.
        assert!(plan.inputs.iter().all(|v| v.offset >= plan.arena_floats));
        let mut s = Session::with_threads(plan, t).expect("session");
        let mut ys: Vec<Vec<f32>> = (0..3)
            .map(|o| vec![0.0; images * s.output_len(o)])
            .collect();
        {
            let [y0, y1, y2] = &mut ys[..] else {
                unreachable!()
            };
            s.run(&[&xs, &zs], &mut [y0, y1, y2]).expect("run");
        }
        for i in 0..images {
            let per = 4 * h * w;
            let one = [
                (h, w, xs[i * per..(i + 1) * per].to_vec()),
                (h, w, zs[i * per..(i + 1) * per].to_vec()),
            ];
            let want = interpret(&g, &one);
            for (o, want) in want.iter().enumerate() {
                let n = want.len();
                let got = &ys[o][i * n..(i + 1) * n];
                let err = got
                    .iter()
                    .zip(want)
                    .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
                assert!(err <= 1e-5, "threads {t} image {i} output {o}: err {err}");
            }
        }
    }
}
