//! Offline graph passes, one per file, each a function `Graph -> Result<Graph>`. They run in
//! `cargo xtask pack-weights` (and in tests); the pack stores the resulting deploy graph.

pub mod act_fuse;
pub mod bn_fold;
pub mod repghost_fuse;
pub mod residual_fuse;
pub mod slice_noop;

use crate::error::Result;
use crate::graph::Graph;

pub type Pass = fn(Graph) -> Result<Graph>;

/// The deploy pipeline, in order, with names for `--print-passes` style reports.
pub const PIPELINE: [(&str, Pass); 6] = [
    ("bn_fold", bn_fold::run),
    ("repghost_fuse", repghost_fuse::run),
    ("slice_noop", slice_noop::run),
    ("act_fuse", act_fuse::run),
    ("residual_fuse", residual_fuse::run),
    ("act_fuse", act_fuse::run),
];

/// Run every pass of the deploy pipeline.
pub fn optimize(mut g: Graph) -> Result<Graph> {
    for (_, pass) in PIPELINE {
        g = pass(g)?;
    }
    Ok(g)
}

/// Per-channel BN scale and shift in f64: y = x * s + t, s = gamma / sqrt(var + eps),
/// t = beta - mean * s.
pub(crate) fn bn_affine(g: &Graph, bn: &crate::graph::BatchNorm) -> (Vec<f64>, Vec<f64>) {
    let (gamma, beta, mean, var) = (g.w(bn.gamma), g.w(bn.beta), g.w(bn.mean), g.w(bn.var));
    let s: Vec<f64> = (0..bn.c)
        .map(|i| gamma[i] as f64 / (var[i] as f64 + bn.eps as f64).sqrt())
        .collect();
    let t = (0..bn.c)
        .map(|i| beta[i] as f64 - mean[i] as f64 * s[i])
        .collect();
    (s, t)
}
