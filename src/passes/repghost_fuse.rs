//! RepGhost re-parameterization (Chen et al. 2022, sec. 3.2): `dw(x) + b + BN(x)` equals one
//! depthwise conv whose kernel centre gains the BN scale and whose bias gains the BN shift,
//! since BN(x) = x * s + t is a 1x1 depthwise conv. Applies to `Add(dwconv(x), BN(x))` with
//! a stride-1, "same"-padded, odd-sized depthwise conv (timm `switch_to_deploy`).

use super::bn_affine;
use crate::error::Result;
use crate::graph::{Act, Graph, Op};

pub fn run(mut g: Graph) -> Result<Graph> {
    for i in 0..g.nodes.len() {
        let producers = g.producers();
        let uses = g.use_counts();
        let Op::Add { act } = g.nodes[i].op else {
            continue;
        };
        let (a, b) = (g.nodes[i].inputs[0], g.nodes[i].inputs[1]);
        let (Some(pa), Some(pb)) = (producers[a], producers[b]) else {
            continue;
        };
        let (conv_node, bn_node) = match (&g.nodes[pa].op, &g.nodes[pb].op) {
            (Op::Conv(_), Op::BatchNorm(_)) => (pa, pb),
            (Op::BatchNorm(_), Op::Conv(_)) => (pb, pa),
            _ => continue,
        };
        let (Op::Conv(conv), Op::BatchNorm(bn)) =
            (g.nodes[conv_node].op.clone(), g.nodes[bn_node].op.clone())
        else {
            continue;
        };
        let x = g.nodes[conv_node].inputs[0];
        let fusable = conv.is_depthwise()
            && conv.stride == 1
            && conv.k % 2 == 1
            && conv.pad == conv.k / 2
            && conv.act == Act::None
            && g.nodes[conv_node].inputs.len() == 1
            && g.nodes[bn_node].inputs[0] == x
            && uses[g.nodes[conv_node].output] == 1
            && uses[g.nodes[bn_node].output] == 1;
        if !fusable {
            continue;
        }
        let (s, t) = bn_affine(&g, &bn);
        let (k, c) = (conv.k, conv.cout);
        let centre = (k / 2) * k + k / 2;
        for (ch, taps) in g.w_mut(conv.weight)?.chunks_mut(k * k).enumerate() {
            taps[centre] = (taps[centre] as f64 + s[ch]) as f32;
        }
        let old: Vec<f64> = match conv.bias {
            Some(bid) => g.w(bid).iter().map(|&v| v as f64).collect(),
            None => vec![0.0; c],
        };
        let bias: Vec<f32> = (0..c).map(|ch| (old[ch] + t[ch]) as f32).collect();
        let name = format!("{}.bias", g.nodes[conv_node].name);
        let bias = g.add_weight(name, vec![c], bias);
        if let Op::Conv(cv) = &mut g.nodes[conv_node].op {
            cv.bias = Some(bias);
            cv.act = act;
        }
        let (out, conv_out) = (g.nodes[i].output, g.nodes[conv_node].output);
        g.rewire(out, conv_out);
    }
    g.prune();
    Ok(g)
}
