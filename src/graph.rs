//! Graph IR shared by the model builders, the offline passes, the pack codec and the planner.
//!
//! A graph is a list of nodes in topological order over SSA values. Activations are NCHW
//! per image; every value has a static channel count and, once an input size is chosen,
//! a spatial size that the planner infers. Weights live in the graph's weight table and are
//! either owned (import, offline passes) or mapped in place from a weight pack (runtime).

use crate::error::{Error, Result};
pub use crate::kernels::Act;
use std::sync::Arc;

pub type ValueId = usize;
pub type WeightId = usize;

/// Bytes backing a weight pack: a read-only memory map, or a caller's buffer.
pub enum Backing {
    Map(memmap2::Mmap),
    Bytes(crate::pack::AlignedBytes),
}

impl Backing {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Backing::Map(m) => m,
            Backing::Bytes(b) => b.as_slice(),
        }
    }
}

pub enum WeightData {
    Owned(Vec<f32>),
    /// `len` floats at byte `offset` of the pack; the pack reader has checked bounds and
    /// 64-byte alignment, so the cast in `Weight::data` is sound.
    Mapped {
        backing: Arc<Backing>,
        offset: usize,
        len: usize,
    },
}

pub struct Weight {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: WeightData,
}

impl Weight {
    pub fn owned(name: impl Into<String>, shape: Vec<usize>, data: Vec<f32>) -> Self {
        Weight {
            name: name.into(),
            shape,
            data: WeightData::Owned(data),
        }
    }

    pub fn data(&self) -> &[f32] {
        match &self.data {
            WeightData::Owned(v) => v,
            WeightData::Mapped {
                backing,
                offset,
                len,
            } => {
                let bytes = &backing.bytes()[*offset..*offset + *len * 4];
                // SAFETY: the pack reader checked that `offset` is 64-byte aligned within a
                // page-aligned mapping (or an aligned buffer), that the range is in bounds,
                // and that the target is little-endian, so these bytes are valid f32s.
                unsafe { std::slice::from_raw_parts(bytes.as_ptr() as *const f32, *len) }
            }
        }
    }

    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Conv {
    pub cin: usize,
    pub cout: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub groups: usize,
    pub weight: WeightId,
    pub bias: Option<WeightId>,
    pub act: Act,
}

impl Conv {
    pub fn is_depthwise(&self) -> bool {
        self.groups > 1 && self.groups == self.cin && self.cin == self.cout
    }
    pub fn is_pointwise(&self) -> bool {
        self.groups == 1 && self.k == 1 && self.stride == 1 && self.pad == 0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm {
    pub c: usize,
    pub gamma: WeightId,
    pub beta: WeightId,
    pub mean: WeightId,
    pub var: WeightId,
    pub eps: f32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Linear {
    pub cin: usize,
    pub cout: usize,
    pub weight: WeightId,
    pub bias: Option<WeightId>,
    pub act: Act,
}

/// Squeeze-and-excitation as one op: global mean, 1x1 reduce + ReLU, 1x1 expand + gate,
/// channel scale (timm `SqueezeExcite` with `gate_layer='hard_sigmoid'`).
#[derive(Clone, Debug, PartialEq)]
pub struct SqueezeExcite {
    pub c: usize,
    pub rd: usize,
    pub w1: WeightId,
    pub b1: WeightId,
    pub w2: WeightId,
    pub b2: WeightId,
    pub gate: Act,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// inputs: [x] or [x, residual] (residual added before the activation).
    Conv(Conv),
    BatchNorm(BatchNorm),
    Act(Act),
    /// inputs: [a, b]; act applied after the sum.
    Add {
        act: Act,
    },
    /// Channel concat of all inputs.
    Concat,
    /// Channels [start, end) of the input.
    Slice {
        start: usize,
        end: usize,
    },
    GlobalAvgPool,
    /// NCHW -> NC (only after a 1x1 spatial size).
    Flatten,
    Linear(Linear),
    SqueezeExcite(SqueezeExcite),
}

impl Op {
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Conv(_) => "conv",
            Op::BatchNorm(_) => "batchnorm",
            Op::Act(_) => "act",
            Op::Add { .. } => "add",
            Op::Concat => "concat",
            Op::Slice { .. } => "slice",
            Op::GlobalAvgPool => "gavgpool",
            Op::Flatten => "flatten",
            Op::Linear(_) => "linear",
            Op::SqueezeExcite(_) => "se",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub op: Op,
    pub inputs: Vec<ValueId>,
    pub output: ValueId,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GraphInput {
    pub name: String,
    pub value: ValueId,
    pub channels: usize,
}

/// What the pack records about where a graph came from; informational except `arch`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelMeta {
    pub arch: String,
    pub width: f32,
    pub num_classes: usize,
    pub default_hw: (usize, usize),
}

pub struct Graph {
    pub nodes: Vec<Node>,
    pub weights: Vec<Weight>,
    pub inputs: Vec<GraphInput>,
    pub outputs: Vec<ValueId>,
    pub num_values: usize,
    pub meta: ModelMeta,
}

impl Graph {
    pub fn new(meta: ModelMeta) -> Self {
        Graph {
            nodes: Vec::new(),
            weights: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            num_values: 0,
            meta,
        }
    }

    pub fn add_input(&mut self, name: &str, channels: usize) -> ValueId {
        let value = self.new_value();
        self.inputs.push(GraphInput {
            name: name.to_string(),
            value,
            channels,
        });
        value
    }

    pub fn new_value(&mut self) -> ValueId {
        self.num_values += 1;
        self.num_values - 1
    }

    pub fn add_weight(
        &mut self,
        name: impl Into<String>,
        shape: Vec<usize>,
        data: Vec<f32>,
    ) -> WeightId {
        self.weights.push(Weight::owned(name, shape, data));
        self.weights.len() - 1
    }

    pub fn push(&mut self, name: impl Into<String>, op: Op, inputs: Vec<ValueId>) -> ValueId {
        let output = self.new_value();
        self.nodes.push(Node {
            name: name.into(),
            op,
            inputs,
            output,
        });
        output
    }

    pub fn w(&self, id: WeightId) -> &[f32] {
        self.weights[id].data()
    }

    /// Mutable access to an owned weight (offline passes only).
    pub fn w_mut(&mut self, id: WeightId) -> Result<&mut Vec<f32>> {
        let name = self.weights[id].name.clone();
        match &mut self.weights[id].data {
            WeightData::Owned(v) => Ok(v),
            WeightData::Mapped { .. } => Err(Error::plan(name, "cannot rewrite a mapped weight")),
        }
    }

    /// Index of the node producing each value (None for graph inputs).
    pub fn producers(&self) -> Vec<Option<usize>> {
        let mut p = vec![None; self.num_values];
        for (i, n) in self.nodes.iter().enumerate() {
            p[n.output] = Some(i);
        }
        p
    }

    /// Number of readers of each value (graph outputs count as readers).
    pub fn use_counts(&self) -> Vec<usize> {
        let mut u = vec![0; self.num_values];
        for n in &self.nodes {
            for &i in &n.inputs {
                u[i] += 1;
            }
        }
        for &o in &self.outputs {
            u[o] += 1;
        }
        u
    }

    /// Replace every read of `from` by `to`.
    pub fn rewire(&mut self, from: ValueId, to: ValueId) {
        for n in &mut self.nodes {
            for i in &mut n.inputs {
                if *i == from {
                    *i = to;
                }
            }
        }
        for o in &mut self.outputs {
            if *o == from {
                *o = to;
            }
        }
    }

    /// Drop nodes whose outputs nobody reads, and weights nobody references; renumber.
    pub fn prune(&mut self) {
        loop {
            let uses = self.use_counts();
            let before = self.nodes.len();
            self.nodes.retain(|n| uses[n.output] > 0);
            if self.nodes.len() == before {
                break;
            }
        }
        self.prune_weights();
    }

    fn prune_weights(&mut self) {
        let mut used = vec![false; self.weights.len()];
        for n in &self.nodes {
            for w in op_weights(&n.op) {
                used[w] = true;
            }
        }
        let mut remap = vec![usize::MAX; self.weights.len()];
        let mut kept = Vec::new();
        for (i, w) in std::mem::take(&mut self.weights).into_iter().enumerate() {
            if used[i] {
                remap[i] = kept.len();
                kept.push(w);
            }
        }
        self.weights = kept;
        for n in &mut self.nodes {
            map_op_weights(&mut n.op, |w| remap[w]);
        }
    }

    /// Stable topological sort (Kahn's algorithm, lowest original index first), needed
    /// after a pass adds an input that is produced later in the current order.
    pub fn toposort(&mut self) -> Result<()> {
        let producers = self.producers();
        let n = self.nodes.len();
        let mut indeg = vec![0usize; n];
        let mut readers: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, node) in self.nodes.iter().enumerate() {
            for &v in &node.inputs {
                if let Some(p) = producers[v] {
                    indeg[i] += 1;
                    readers[p].push(i);
                }
            }
        }
        let mut ready: std::collections::BTreeSet<usize> =
            (0..n).filter(|&i| indeg[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &r in &readers[i] {
                indeg[r] -= 1;
                if indeg[r] == 0 {
                    ready.insert(r);
                }
            }
        }
        if order.len() != n {
            return Err(Error::plan("graph", "cycle in graph"));
        }
        let mut old: Vec<Option<Node>> = std::mem::take(&mut self.nodes)
            .into_iter()
            .map(Some)
            .collect();
        self.nodes = order.into_iter().filter_map(|i| old[i].take()).collect();
        Ok(())
    }

    /// True if `target` is reachable backwards from value `v` (v depends on target's output).
    pub fn depends_on(&self, v: ValueId, target_node: usize) -> bool {
        let producers = self.producers();
        let mut stack = vec![v];
        let mut seen = vec![false; self.num_values];
        while let Some(x) = stack.pop() {
            if seen[x] {
                continue;
            }
            seen[x] = true;
            if let Some(p) = producers[x] {
                if p == target_node {
                    return true;
                }
                stack.extend(self.nodes[p].inputs.iter().copied());
            }
        }
        false
    }
}

/// Weight ids an op references, in a fixed order (the pack codec relies on it).
pub fn op_weights(op: &Op) -> Vec<WeightId> {
    match op {
        Op::Conv(c) => std::iter::once(c.weight).chain(c.bias).collect(),
        Op::BatchNorm(b) => vec![b.gamma, b.beta, b.mean, b.var],
        Op::Linear(l) => std::iter::once(l.weight).chain(l.bias).collect(),
        Op::SqueezeExcite(s) => vec![s.w1, s.b1, s.w2, s.b2],
        _ => Vec::new(),
    }
}

fn map_op_weights(op: &mut Op, f: impl Fn(WeightId) -> WeightId) {
    match op {
        Op::Conv(c) => {
            c.weight = f(c.weight);
            c.bias = c.bias.map(&f);
        }
        Op::BatchNorm(b) => {
            b.gamma = f(b.gamma);
            b.beta = f(b.beta);
            b.mean = f(b.mean);
            b.var = f(b.var);
        }
        Op::Linear(l) => {
            l.weight = f(l.weight);
            l.bias = l.bias.map(&f);
        }
        Op::SqueezeExcite(s) => {
            s.w1 = f(s.w1);
            s.b1 = f(s.b1);
            s.w2 = f(s.w2);
            s.b2 = f(s.b2);
        }
        _ => {}
    }
}
