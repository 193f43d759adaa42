//! The executor: a `Model` (deploy graph with weights in place) shared by any number of
//! `Session`s, each owning a plan for one input size and the arena it runs in. `run` only
//! walks the step list; it performs no heap allocation and no shape logic.

use crate::error::{Error, Result};
use crate::graph::{Act, Graph};
use crate::plan::{Kernel, Plan, PlanOptions, Step};
use std::path::Path;
use std::sync::Arc;

/// A loaded model. Cheap to share: clone the `Arc` into sessions on any thread.
pub struct Model {
    pub graph: Arc<Graph>,
}

impl Model {
    pub fn open(path: &Path) -> Result<Model> {
        Ok(Model { graph: Arc::new(crate::pack::open(path)?) })
    }
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Model> {
        Ok(Model { graph: Arc::new(crate::pack::from_bytes(bytes, name)?) })
    }
    pub fn from_graph(g: Graph) -> Model {
        Model { graph: Arc::new(g) }
    }
    pub fn plan(&self, input_hw: &[(usize, usize)], opts: PlanOptions) -> Result<Plan> {
        Plan::build(self.graph.clone(), input_hw, opts)
    }
    /// Start a session for a batch of images of one size per input.
    pub fn session(&self, input_hw: &[(usize, usize)]) -> Result<Session> {
        Session::new(self.plan(input_hw, PlanOptions::default())?)
    }
}

pub struct Session {
    plan: Plan,
    arena: Vec<f32>,
}

impl Session {
    pub fn new(plan: Plan) -> Result<Session> {
        let mut arena = Vec::new();
        let n = plan.arena_floats;
        arena.try_reserve_exact(n).map_err(|_| Error::plan("arena", format!("cannot allocate the {}-byte arena", n.saturating_mul(4))))?;
        arena.resize(n, 0.0f32);
        Ok(Session { plan, arena })
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
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
                return Err(Error::Usage(format!("output {i}: buffer of {} floats, need {} ({n} x {per})", y.len(), n * per)));
            }
        }
        for b in 0..n {
            for (i, x) in inputs.iter().enumerate() {
                let v = self.plan.inputs[i];
                let per = v.shape.numel();
                self.arena[v.offset..v.offset + per].copy_from_slice(&x[b * per..(b + 1) * per]);
            }
            let base = self.arena.as_mut_ptr();
            for step in &self.plan.steps {
                // SAFETY: the planner sized the arena to hold every view of every step and
                // checked each kernel's parameters against shapes and weight sizes.
                unsafe { exec_step(step, base) };
            }
            for (i, y) in outputs.iter_mut().enumerate() {
                let v = self.plan.outputs[i].0;
                let per = v.shape.numel();
                y[b * per..(b + 1) * per].copy_from_slice(&self.arena[v.offset..v.offset + per]);
            }
        }
        Ok(())
    }
}

/// # Safety
/// `base` must point to an arena of at least `plan.arena_floats` floats for the plan that
/// produced `step`.
unsafe fn exec_step(step: &Step, base: *mut f32) {
    let x = &step.inputs[0];
    let inp = base.add(x.offset) as *const f32;
    let out = base.add(step.output.offset);
    let res = step.inputs.get(1).map_or(std::ptr::null(), |r| base.add(r.offset) as *const f32);
    let [w, b, w2, b2] = step.weights.map(|p| p.0);
    let (xs, os) = (x.shape, step.output.shape);
    let act = step.act;
    match step.kernel {
        Kernel::Conv { f, k, stride, pad } => f(inp, xs.c, xs.h, xs.w, w, b, res, out, os.c, os.h, os.w, k, stride, pad, act),
        Kernel::Conv1x1 { f } => f(inp, xs.c, xs.hw(), w, b, res, out, os.c, act),
        Kernel::DwConv { f, k, stride, pad } => f(inp, xs.c, xs.h, xs.w, w, b, res, out, os.h, os.w, k, stride, pad, act),
        Kernel::Fc { f } => f(inp, xs.c, w, b, out, os.c, act),
        Kernel::GlobalAvgPool { f } => f(inp, xs.c, xs.hw(), out),
        Kernel::Se { f, rd, gate, scratch } => f(inp, xs.c, xs.hw(), w, b, rd, w2, b2, gate, base.add(scratch), out),
        Kernel::Add { f } => f(inp, res, out, os.numel(), act),
        Kernel::Act => {
            for i in 0..os.numel() {
                *out.add(i) = apply_act(*inp.add(i), step.act);
            }
        }
        Kernel::Copy => std::ptr::copy(inp, out, xs.numel()),
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
