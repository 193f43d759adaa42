//! Fuse a residual `Add(y, r)` into the conv producing `y`: the conv's epilogue adds `r`
//! before its activation, saving a pass over the tensor. The conv must have no activation,
//! be read only by the add, and `r` must not depend on the conv. The graph is re-sorted
//! afterwards because `r` may have been computed after the conv so far.

use crate::error::Result;
use crate::graph::{Act, Graph, Op};

pub fn run(mut g: Graph) -> Result<Graph> {
    let mut changed = false;
    for i in 0..g.nodes.len() {
        let Op::Add { act } = g.nodes[i].op else {
            continue;
        };
        let producers = g.producers();
        let uses = g.use_counts();
        let inputs = [g.nodes[i].inputs[0], g.nodes[i].inputs[1]];
        for (y, r) in [(inputs[0], inputs[1]), (inputs[1], inputs[0])] {
            let Some(p) = producers[y] else { continue };
            let ok = matches!(&g.nodes[p].op, Op::Conv(c) if c.act == Act::None)
                && g.nodes[p].inputs.len() == 1
                && uses[y] == 1
                && !g.depends_on(r, p);
            if !ok {
                continue;
            }
            g.nodes[p].inputs.push(r);
            if let Op::Conv(c) = &mut g.nodes[p].op {
                c.act = act;
            }
            let out = g.nodes[i].output;
            g.rewire(out, y);
            changed = true;
            break;
        }
    }
    g.prune();
    if changed {
        g.toposort()?;
    }
    Ok(g)
}
