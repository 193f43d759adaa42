//! Fold a BatchNorm into the conv that feeds it: W' = W * s[o], b' = b * s[o] + t[o]
//! (s, t from `bn_affine`). Applies when the conv output is read by the BN alone.

use super::bn_affine;
use crate::error::Result;
use crate::graph::{Act, Graph, Op};

pub fn run(mut g: Graph) -> Result<Graph> {
    for i in 0..g.nodes.len() {
        let producers = g.producers();
        let uses = g.use_counts();
        let Op::BatchNorm(bn) = g.nodes[i].op.clone() else {
            continue;
        };
        let x = g.nodes[i].inputs[0];
        let Some(p) = producers[x] else { continue };
        let Op::Conv(conv) = g.nodes[p].op.clone() else {
            continue;
        };
        if uses[x] != 1 || conv.act != Act::None || g.nodes[p].inputs.len() != 1 {
            continue;
        }
        let (s, t) = bn_affine(&g, &bn);
        let per_out = g.weights[conv.weight].numel() / conv.cout;
        for (o, row) in g.w_mut(conv.weight)?.chunks_mut(per_out).enumerate() {
            for v in row {
                *v = (*v as f64 * s[o]) as f32;
            }
        }
        let old_bias: Vec<f64> = match conv.bias {
            Some(b) => g.w(b).iter().map(|&v| v as f64).collect(),
            None => vec![0.0; conv.cout],
        };
        let bias: Vec<f32> = (0..conv.cout)
            .map(|o| (old_bias[o] * s[o] + t[o]) as f32)
            .collect();
        let name = format!("{}.bias", g.nodes[p].name);
        let bias = g.add_weight(name, vec![conv.cout], bias);
        if let Op::Conv(c) = &mut g.nodes[p].op {
            c.bias = Some(bias);
        }
        let out = g.nodes[i].output;
        g.rewire(out, x);
    }
    g.prune();
    Ok(g)
}
