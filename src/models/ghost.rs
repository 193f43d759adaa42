//! GhostNet (Han et al. 2020, timm `ghostnet.py`) and RepGhostNet (Chen et al. 2022, timm
//! `repghost.py` and the official RepGhost repo) in train form, built from state_dict keys.
//!
//! Both share the skeleton: stem conv+BN+ReLU, `blocks.{stage}.{i}` bottlenecks, a final
//! `ConvBnAct` (`blocks.N.0.conv`/`bn1`), global pool, `conv_head` (with bias) + ReLU, and
//! `classifier`. They differ in the ghost module:
//! - GhostNet: `cat([x1, relu?(bn(dw(x1)))])[:, :oup]` with x1 = relu?(bn(conv1x1(x))).
//! - RepGhostNet: `relu?(bn(dw(x1)) + fusion_bn(x1))` (no concat; the identity branch is a BN).
//!   A deploy-form checkpoint has `cheap_operation.{weight,bias}` instead.
//!
//! Channel counts and kernel sizes are read from the weights, so every width works. The
//! stride of a bottleneck is 2 when it has `conv_dw` (timm only builds it for stride > 1 and
//! every cfg uses 2), else 1.

use super::builder::Builder;
use crate::error::{Error, Result};
use crate::graph::{Act, Graph, ModelMeta, ValueId};
use crate::import::StateDict;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    GhostNet,
    RepGhostNet,
}

impl Arch {
    pub fn name(self) -> &'static str {
        match self {
            Arch::GhostNet => "ghostnet",
            Arch::RepGhostNet => "repghostnet",
        }
    }
    pub fn parse(s: &str) -> Option<Arch> {
        match s {
            "ghostnet" => Some(Arch::GhostNet),
            "repghostnet" | "repghost" => Some(Arch::RepGhostNet),
            _ => None,
        }
    }
}

/// Which architecture a state_dict holds: RepGhost keeps the full width in the primary conv
/// (`fusion_bn` or a deploy-form biased `cheap_operation`), GhostNet halves it.
pub fn detect(sd: &StateDict) -> Result<Arch> {
    if !sd.tensors.contains_key("conv_stem.weight")
        || !sd
            .tensors
            .contains_key("blocks.0.0.ghost1.primary_conv.0.weight")
    {
        return Err(Error::model(
            "not a GhostNet/RepGhostNet state_dict: missing `conv_stem.weight` or `blocks.0.0.ghost1.primary_conv.0.weight`",
        ));
    }
    if sd
        .tensors
        .keys()
        .any(|k| k.contains(".fusion_bn.") || k.ends_with("cheap_operation.bias"))
    {
        return Ok(Arch::RepGhostNet);
    }
    // Without a fusion branch (RepGhost built with reparam=False) decide by width: the
    // primary conv of a ghost module makes all `oup` channels in RepGhost, half in GhostNet.
    let primary = sd
        .get("blocks.0.0.ghost1.primary_conv.0.weight")
        .map(|t| t.shape[0])
        .unwrap_or(0);
    let next_in = sd
        .get("blocks.0.0.ghost2.primary_conv.0.weight")
        .map(|t| t.shape[1])
        .unwrap_or(0);
    Ok(if primary == next_in {
        Arch::RepGhostNet
    } else {
        Arch::GhostNet
    })
}

/// Width multiplier, from the final `ConvBnAct` which both families size as
/// `make_divisible(960 * width, 4)`: wide enough to pin the multiplier to two decimals
/// (0.58 -> 556, 1.11 -> 1064). Informational; the graph follows the weights.
fn infer_width(sd: &StateDict) -> f32 {
    let head_in = sd
        .tensors
        .iter()
        .find(|(k, _)| k.starts_with("blocks.") && k.ends_with(".0.conv.weight"))
        .map_or(0, |(_, t)| t.shape[0]);
    (head_in as f32 / 960.0 * 100.0).round() / 100.0
}

pub fn build(sd: &StateDict, arch: Arch) -> Result<Graph> {
    let num_classes = sd.get("classifier.weight").map(|t| t.shape[0]).unwrap_or(0);
    let meta = ModelMeta {
        arch: arch.name().to_string(),
        width: infer_width(sd),
        num_classes,
        default_hw: (224, 224),
    };
    let in_chans = sd
        .get("conv_stem.weight")
        .map(|t| t.shape.get(1).copied().unwrap_or(0))
        .unwrap_or(0);
    let mut b = Builder::new(sd, meta);
    let x = b.input("input", in_chans);
    let x = b.conv("conv_stem", x, 2, false, false)?;
    let x = b.bn("bn1", x)?;
    let mut x = b.act("act1", x, Act::Relu);

    let mut stage = 0;
    while b.has(&format!("blocks.{stage}.0.conv.weight"))
        || b.has(&format!("blocks.{stage}.0.ghost1.primary_conv.0.weight"))
    {
        let mut i = 0;
        loop {
            let p = format!("blocks.{stage}.{i}");
            if b.has(&format!("{p}.conv.weight")) {
                let y = b.conv(&format!("{p}.conv"), x, 1, false, false)?;
                let y = b.bn(&format!("{p}.bn1"), y)?;
                x = b.act(&format!("{p}.act1"), y, Act::Relu);
            } else if b.has(&format!("{p}.ghost1.primary_conv.0.weight")) {
                x = bottleneck(&mut b, &p, x, arch)?;
            } else {
                break;
            }
            i += 1;
        }
        stage += 1;
    }
    if stage == 0 {
        return Err(Error::model("no `blocks.*` found"));
    }
    let x = b.gavgpool("global_pool", x);
    let x = b.conv("conv_head", x, 1, false, true)?;
    let x = b.act("act2", x, Act::Relu);
    let mut x = b.flatten("flatten", x);
    if num_classes > 0 {
        x = b.linear("classifier", x)?;
    }
    b.finish(vec![x])
}

/// Output channels a ghost module must produce: what its reader consumes.
fn ghost_out_channels(b: &Builder, p: &str, which: &str, block_in: usize) -> Result<usize> {
    let first = |keys: &[(String, usize)]| -> Option<usize> {
        keys.iter()
            .find_map(|(k, dim)| b.shape(k).ok().and_then(|s| s.get(*dim).copied()))
    };
    let found = if which == "ghost1" {
        first(&[
            (format!("{p}.conv_dw.weight"), 0),
            (format!("{p}.se.conv_reduce.weight"), 1),
            (format!("{p}.ghost2.primary_conv.0.weight"), 1),
        ])
    } else if b.has(&format!("{p}.shortcut.3.weight")) {
        first(&[(format!("{p}.shortcut.3.weight"), 0)])
    } else {
        Some(block_in)
    };
    found.ok_or_else(|| Error::model(format!("{p}.{which}: cannot tell its output channels")))
}

fn bottleneck(b: &mut Builder, p: &str, x: ValueId, arch: Arch) -> Result<ValueId> {
    let block_in = b.channels(x);
    let stride = if b.has(&format!("{p}.conv_dw.weight")) {
        2
    } else {
        1
    };
    let mid = ghost_out_channels(b, p, "ghost1", block_in)?;
    let mut y = ghost_module(b, &format!("{p}.ghost1"), x, mid, true, arch)?;
    if stride > 1 {
        y = b.conv(&format!("{p}.conv_dw"), y, stride, true, false)?;
        y = b.bn(&format!("{p}.bn_dw"), y)?;
    }
    if b.has(&format!("{p}.se.conv_reduce.weight")) {
        y = b.se(&format!("{p}.se"), y, Act::HardSigmoid)?;
    }
    let out = ghost_out_channels(b, p, "ghost2", block_in)?;
    let y = ghost_module(b, &format!("{p}.ghost2"), y, out, false, arch)?;
    let shortcut = if b.has(&format!("{p}.shortcut.0.weight")) {
        let s = b.conv(&format!("{p}.shortcut.0"), x, stride, true, false)?;
        let s = b.bn(&format!("{p}.shortcut.1"), s)?;
        let s = b.conv(&format!("{p}.shortcut.2"), s, 1, false, false)?;
        b.bn(&format!("{p}.shortcut.3"), s)?
    } else {
        if stride != 1 || block_in != out {
            return Err(Error::model(format!(
                "{p}: identity shortcut but the block maps {block_in} to {out} channels at stride {stride}"
            )));
        }
        x
    };
    b.add(&format!("{p}.add"), y, shortcut)
}

fn ghost_module(
    b: &mut Builder,
    p: &str,
    x: ValueId,
    oup: usize,
    relu: bool,
    arch: Arch,
) -> Result<ValueId> {
    let x1 = b.conv(&format!("{p}.primary_conv.0"), x, 1, false, false)?;
    let x1 = b.bn(&format!("{p}.primary_conv.1"), x1)?;
    let x1 = if relu {
        b.act(&format!("{p}.primary_conv.2"), x1, Act::Relu)
    } else {
        x1
    };
    match arch {
        Arch::GhostNet => {
            let x2 = b.conv(&format!("{p}.cheap_operation.0"), x1, 1, true, false)?;
            let x2 = b.bn(&format!("{p}.cheap_operation.1"), x2)?;
            let x2 = if relu {
                b.act(&format!("{p}.cheap_operation.2"), x2, Act::Relu)
            } else {
                x2
            };
            let cat = b.concat(&format!("{p}.cat"), vec![x1, x2]);
            if b.channels(cat) == oup {
                Ok(cat)
            } else {
                b.slice(&format!("{p}.slice"), cat, oup)
            }
        }
        Arch::RepGhostNet => {
            if b.channels(x1) != oup {
                return Err(Error::model(format!(
                    "{p}: primary conv makes {} channels, the next layer reads {oup}",
                    b.channels(x1)
                )));
            }
            let deploy = b.has(&format!("{p}.cheap_operation.weight"));
            let mut x2 = if deploy {
                b.conv(&format!("{p}.cheap_operation"), x1, 1, true, true)?
            } else {
                let c = b.conv(&format!("{p}.cheap_operation.0"), x1, 1, true, false)?;
                b.bn(&format!("{p}.cheap_operation.1"), c)?
            };
            if b.has(&format!("{p}.fusion_bn.0.weight")) {
                let id = b.bn(&format!("{p}.fusion_bn.0"), x1)?;
                x2 = b.add(&format!("{p}.fusion_add"), x2, id)?;
            }
            Ok(if relu {
                b.act(&format!("{p}.relu"), x2, Act::Relu)
            } else {
                x2
            })
        }
    }
}

/// One ghost module of a state_dict (e.g. `blocks.6.3.ghost1`) as a graph of its own, with
/// ReLU as in a bottleneck's first module: the unit of the concat-vs-reparam benches.
pub fn module_graph(sd: &StateDict, prefix: &str, arch: Arch) -> Result<Graph> {
    let shape = |k: &str| sd.get(k).map(|t| t.shape.clone()).unwrap_or_default();
    let primary = shape(&format!("{prefix}.primary_conv.0.weight"));
    let (init, cin) = match primary.as_slice() {
        [o, i, ..] => (*o, *i),
        _ => {
            return Err(Error::model(format!(
                "missing tensor `{prefix}.primary_conv.0.weight`"
            )))
        }
    };
    let oup = if arch == Arch::GhostNet {
        2 * init
    } else {
        init
    };
    let meta = ModelMeta {
        arch: format!("{} module {prefix}", arch.name()),
        ..Default::default()
    };
    let mut b = Builder::new(sd, meta);
    let x = b.input("input", cin);
    let y = ghost_module(&mut b, prefix, x, oup, true, arch)?;
    Ok(b.finish_partial(vec![y]))
}
