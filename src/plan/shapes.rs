//! Shape inference for one image of a given input size, with every op's parameters checked
//! against its input shape and its weights, so kernels only ever see consistent arguments.

use crate::error::{Error, Result};
use crate::graph::{Graph, Op};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub c: usize,
    pub h: usize,
    pub w: usize,
}

impl Shape {
    pub fn numel(&self) -> usize {
        self.c * self.h * self.w
    }
    pub fn hw(&self) -> usize {
        self.h * self.w
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}x{}", self.c, self.h, self.w)
    }
}

fn conv_out(size: usize, k: usize, stride: usize, pad: usize) -> Option<usize> {
    let padded = pad.checked_mul(2)?.checked_add(size)?;
    (padded >= k && stride > 0).then(|| (padded - k) / stride + 1)
}

/// Product that reports overflow instead of wrapping (graphs may come from corrupt packs).
fn prod(dims: &[usize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
}

/// Largest tensor the planner accepts (8 GiB on 64-bit, 256 MiB on 32-bit targets): beyond
/// it a shape is corrupt, and arena arithmetic stays far from overflow.
const MAX_FLOATS: usize = if usize::BITS == 64 { 1 << 31 } else { 1 << 26 };

/// Infer the shape of every value for input sizes `inputs[i] = (h, w)`.
/// Also reports which values are flat (after `Flatten`), for output shapes.
pub fn infer(g: &Graph, inputs: &[(usize, usize)]) -> Result<(Vec<Option<Shape>>, Vec<bool>)> {
    if inputs.len() != g.inputs.len() {
        return Err(Error::Usage(format!(
            "model has {} input(s), {} size(s) given",
            g.inputs.len(),
            inputs.len()
        )));
    }
    let mut shapes: Vec<Option<Shape>> = vec![None; g.num_values];
    let mut flat = vec![false; g.num_values];
    for (inp, &(h, w)) in g.inputs.iter().zip(inputs) {
        if h == 0 || w == 0 || prod(&[inp.channels, h, w]).is_none_or(|n| n > MAX_FLOATS) {
            return Err(Error::Usage(format!(
                "input `{}`: unusable size {}x{h}x{w}",
                inp.name, inp.channels
            )));
        }
        shapes[inp.value] = Some(Shape {
            c: inp.channels,
            h,
            w,
        });
    }
    for n in &g.nodes {
        let err = |msg: String| Error::plan(&n.name, msg);
        let mut ins = Vec::with_capacity(n.inputs.len());
        for &v in &n.inputs {
            ins.push(
                shapes[v].ok_or_else(|| err(format!("reads value {v} before it is computed")))?,
            );
        }
        if shapes[n.output].is_some() {
            return Err(err(format!("value {} is written twice", n.output)));
        }
        let arity = match &n.op {
            Op::Conv(_) => 1..=2,
            Op::Add { .. } => 2..=2,
            Op::Concat => 1..=usize::MAX,
            _ => 1..=1,
        };
        if !arity.contains(&ins.len()) {
            return Err(err(format!("{} op with {} inputs", n.op.kind(), ins.len())));
        }
        let x = ins[0];
        let wlen = |id: usize| g.weights[id].numel();
        let out = match &n.op {
            Op::Conv(c) => {
                let ok = c.cin == x.c
                    && c.groups > 0
                    && c.cin % c.groups == 0
                    && c.cout % c.groups == 0
                    && c.k > 0
                    && prod(&[c.cout, c.cin / c.groups.max(1), c.k, c.k]) == Some(wlen(c.weight))
                    && c.bias.is_none_or(|b| wlen(b) == c.cout);
                if !ok {
                    return Err(err(format!(
                        "conv {}->{} k{} groups {} does not fit input {x} / its weights",
                        c.cin, c.cout, c.k, c.groups
                    )));
                }
                let (oh, ow) = match (
                    conv_out(x.h, c.k, c.stride, c.pad),
                    conv_out(x.w, c.k, c.stride, c.pad),
                ) {
                    (Some(h), Some(w)) => (h, w),
                    _ => return Err(err(format!("kernel {} larger than padded input {x}", c.k))),
                };
                let o = Shape {
                    c: c.cout,
                    h: oh,
                    w: ow,
                };
                if let Some(r) = ins.get(1) {
                    if *r != o {
                        return Err(err(format!("residual {r} does not match output {o}")));
                    }
                }
                o
            }
            Op::BatchNorm(b) => {
                if b.c != x.c
                    || [b.gamma, b.beta, b.mean, b.var]
                        .iter()
                        .any(|&w| wlen(w) != b.c)
                {
                    return Err(err(format!("batchnorm of {} channels on input {x}", b.c)));
                }
                x
            }
            Op::Act(_) => x,
            Op::Add { .. } => {
                if ins[1] != x {
                    return Err(err(format!("adding {} to {x}", ins[1])));
                }
                x
            }
            Op::Concat => {
                if ins.iter().any(|s| s.h != x.h || s.w != x.w) {
                    return Err(err("concat of inputs with different spatial sizes".into()));
                }
                let c = ins.iter().try_fold(0usize, |a, s| a.checked_add(s.c));
                Shape {
                    c: c.ok_or_else(|| err("concat channel count overflows".into()))?,
                    ..x
                }
            }
            Op::Slice { start, end } => {
                if start >= end || *end > x.c {
                    return Err(err(format!("channel slice {start}..{end} of {x}")));
                }
                Shape {
                    c: end - start,
                    ..x
                }
            }
            Op::GlobalAvgPool => Shape { c: x.c, h: 1, w: 1 },
            Op::Flatten => {
                if x.hw() != 1 {
                    return Err(err(format!("flatten of {x}: spatial size must be 1x1")));
                }
                flat[n.output] = true;
                x
            }
            Op::Linear(l) => {
                let ok = l.cin == x.c
                    && x.hw() == 1
                    && prod(&[l.cin, l.cout]) == Some(wlen(l.weight))
                    && l.bias.is_none_or(|b| wlen(b) == l.cout);
                if !ok {
                    return Err(err(format!("linear {}->{} on input {x}", l.cin, l.cout)));
                }
                flat[n.output] = true;
                Shape {
                    c: l.cout,
                    h: 1,
                    w: 1,
                }
            }
            Op::SqueezeExcite(s) => {
                let ok = s.c == x.c
                    && prod(&[s.rd, s.c]) == Some(wlen(s.w1))
                    && wlen(s.b1) == s.rd
                    && wlen(s.w2) == wlen(s.w1)
                    && wlen(s.b2) == s.c;
                if !ok || s.rd == 0 {
                    return Err(err(format!(
                        "squeeze-excite {}->{} on input {x}",
                        s.c, s.rd
                    )));
                }
                x
            }
        };
        if prod(&[out.c, out.h, out.w]).is_none_or(|n| n > MAX_FLOATS) {
            return Err(err(format!("output {out} is implausibly large")));
        }
        shapes[n.output] = Some(out);
    }
    for &o in &g.outputs {
        if shapes[o].is_none() {
            return Err(Error::plan(
                "outputs",
                format!("output value {o} is never computed"),
            ));
        }
    }
    Ok((shapes, flat))
}
