//! Remove channel slices that keep every channel (GhostNet's `[:, :oup]` when the concat
//! already has `oup` channels, as for every width whose channels are multiples of 4).

use crate::error::Result;
use crate::graph::{Graph, Op};

pub fn run(mut g: Graph) -> Result<Graph> {
    let channels = channel_counts(&g);
    for i in 0..g.nodes.len() {
        let Op::Slice { start, end } = g.nodes[i].op else {
            continue;
        };
        let x = g.nodes[i].inputs[0];
        if start == 0 && channels[x] == Some(end) {
            let out = g.nodes[i].output;
            g.rewire(out, x);
        }
    }
    g.prune();
    Ok(g)
}

/// Static channel count of every value.
pub fn channel_counts(g: &Graph) -> Vec<Option<usize>> {
    let mut c = vec![None; g.num_values];
    for inp in &g.inputs {
        c[inp.value] = Some(inp.channels);
    }
    for n in &g.nodes {
        let first = n.inputs.first().and_then(|&v| c[v]);
        c[n.output] = match &n.op {
            Op::Conv(cv) => Some(cv.cout),
            Op::Linear(l) => Some(l.cout),
            Op::Concat => n.inputs.iter().map(|&v| c[v]).sum(),
            Op::Slice { start, end } => Some(end - start),
            _ => first,
        };
    }
    c
}
