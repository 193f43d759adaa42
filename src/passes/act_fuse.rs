//! Fuse a standalone activation into the op that produces its input (conv, add, linear), so
//! it is applied in that op's store instead of a separate pass over memory.

use crate::error::Result;
use crate::graph::{Act, Graph, Op};

pub fn run(mut g: Graph) -> Result<Graph> {
    for i in 0..g.nodes.len() {
        let producers = g.producers();
        let uses = g.use_counts();
        let Op::Act(act) = g.nodes[i].op else {
            continue;
        };
        let x = g.nodes[i].inputs[0];
        let Some(p) = producers[x] else { continue };
        if uses[x] != 1 {
            continue;
        }
        let slot = match &mut g.nodes[p].op {
            Op::Conv(c) => &mut c.act,
            Op::Linear(l) => &mut l.act,
            Op::Add { act } => act,
            _ => continue,
        };
        if *slot != Act::None {
            continue;
        }
        *slot = act;
        let out = g.nodes[i].output;
        g.rewire(out, x);
    }
    g.prune();
    Ok(g)
}
