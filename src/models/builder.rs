//! Turns state_dict entries into graph nodes, checking every key and shape on the way, and
//! remembering which keys were used so leftovers can be reported.

use crate::error::{Error, Result};
use crate::graph::{
    Act, BatchNorm, Conv, Graph, Linear, ModelMeta, Op, SqueezeExcite, ValueId, WeightId,
};
use crate::import::StateDict;
use std::collections::BTreeSet;

/// PyTorch's BatchNorm2d default.
pub const BN_EPS: f32 = 1e-5;

pub struct Builder<'a> {
    sd: &'a StateDict,
    pub g: Graph,
    used: BTreeSet<String>,
    /// Channel count of each value built so far.
    chans: Vec<usize>,
}

impl<'a> Builder<'a> {
    pub fn new(sd: &'a StateDict, meta: ModelMeta) -> Self {
        Builder {
            sd,
            g: Graph::new(meta),
            used: BTreeSet::new(),
            chans: Vec::new(),
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.sd.get(key).is_some()
    }

    pub fn shape(&self, key: &str) -> Result<Vec<usize>> {
        self.sd
            .get(key)
            .map(|t| t.shape.clone())
            .ok_or_else(|| Error::model(format!("missing tensor `{key}`")))
    }

    pub fn channels(&self, v: ValueId) -> usize {
        self.chans[v]
    }

    fn track(&mut self, v: ValueId, c: usize) -> ValueId {
        if self.chans.len() <= v {
            self.chans.resize(v + 1, 0);
        }
        self.chans[v] = c;
        v
    }

    pub fn input(&mut self, name: &str, c: usize) -> ValueId {
        let v = self.g.add_input(name, c);
        self.track(v, c)
    }

    /// Load `key`, requiring `expected` (None = any size in that dimension).
    pub fn weight(&mut self, key: &str, expected: &[Option<usize>]) -> Result<WeightId> {
        let t = self
            .sd
            .get(key)
            .ok_or_else(|| Error::model(format!("missing tensor `{key}`")))?;
        let ok = t.shape.len() == expected.len()
            && t.shape
                .iter()
                .zip(expected)
                .all(|(&d, e)| e.is_none_or(|e| e == d));
        if !ok {
            return Err(Error::Shape {
                what: format!("tensor `{key}`"),
                expected: expected.iter().map(|e| e.unwrap_or(0)).collect(),
                found: t.shape.clone(),
            });
        }
        self.used.insert(key.to_string());
        Ok(self.g.add_weight(key, t.shape.clone(), t.data.clone()))
    }

    /// `nn.Conv2d` at `prefix` reading `x`; kernel size and output channels come from the
    /// weight, padding is `k / 2` (every conv in these networks is "same"-padded).
    pub fn conv(
        &mut self,
        prefix: &str,
        x: ValueId,
        stride: usize,
        depthwise: bool,
        bias: bool,
    ) -> Result<ValueId> {
        let cin = self.channels(x);
        let key = format!("{prefix}.weight");
        let shape = self.shape(&key)?;
        if shape.len() != 4 || shape[2] != shape[3] || shape[2] % 2 == 0 {
            return Err(Error::model(format!(
                "tensor `{key}` has shape {shape:?}; expected a square odd-sized conv kernel [out, in, k, k]"
            )));
        }
        let k = shape[2];
        let (cout, per_group, groups) = if depthwise {
            (cin, 1, cin)
        } else {
            (shape[0], cin, 1)
        };
        let weight = self.weight(&key, &[Some(cout), Some(per_group), Some(k), Some(k)])?;
        let bias = if bias {
            Some(self.weight(&format!("{prefix}.bias"), &[Some(cout)])?)
        } else {
            None
        };
        let op = Op::Conv(Conv {
            cin,
            cout,
            k,
            stride,
            pad: k / 2,
            groups,
            weight,
            bias,
            act: Act::None,
        });
        let v = self.g.push(prefix, op, vec![x]);
        Ok(self.track(v, cout))
    }

    pub fn bn(&mut self, prefix: &str, x: ValueId) -> Result<ValueId> {
        let c = self.channels(x);
        let mut w = |s: &str| self.weight(&format!("{prefix}.{s}"), &[Some(c)]);
        let (gamma, beta, mean, var) = (
            w("weight")?,
            w("bias")?,
            w("running_mean")?,
            w("running_var")?,
        );
        let op = Op::BatchNorm(BatchNorm {
            c,
            gamma,
            beta,
            mean,
            var,
            eps: BN_EPS,
        });
        let v = self.g.push(prefix, op, vec![x]);
        Ok(self.track(v, c))
    }

    pub fn act(&mut self, name: &str, x: ValueId, act: Act) -> ValueId {
        let c = self.channels(x);
        let v = self.g.push(name, Op::Act(act), vec![x]);
        self.track(v, c)
    }

    pub fn add(&mut self, name: &str, a: ValueId, b: ValueId) -> Result<ValueId> {
        let (ca, cb) = (self.channels(a), self.channels(b));
        if ca != cb {
            return Err(Error::model(format!(
                "{name}: adding {ca} channels to {cb} channels"
            )));
        }
        let v = self.g.push(name, Op::Add { act: Act::None }, vec![a, b]);
        Ok(self.track(v, ca))
    }

    pub fn concat(&mut self, name: &str, xs: Vec<ValueId>) -> ValueId {
        let c = xs.iter().map(|&x| self.channels(x)).sum();
        let v = self.g.push(name, Op::Concat, xs);
        self.track(v, c)
    }

    pub fn slice(&mut self, name: &str, x: ValueId, end: usize) -> Result<ValueId> {
        let c = self.channels(x);
        if end > c {
            return Err(Error::model(format!(
                "{name}: slicing {end} channels out of {c}"
            )));
        }
        let v = self.g.push(name, Op::Slice { start: 0, end }, vec![x]);
        Ok(self.track(v, end))
    }

    /// timm `SqueezeExcite` (conv_reduce + ReLU + conv_expand + gate) as one op.
    pub fn se(&mut self, prefix: &str, x: ValueId, gate: Act) -> Result<ValueId> {
        let c = self.channels(x);
        let rd = *self
            .shape(&format!("{prefix}.conv_reduce.weight"))?
            .first()
            .unwrap_or(&0);
        let w1 = self.weight(
            &format!("{prefix}.conv_reduce.weight"),
            &[Some(rd), Some(c), Some(1), Some(1)],
        )?;
        let b1 = self.weight(&format!("{prefix}.conv_reduce.bias"), &[Some(rd)])?;
        let w2 = self.weight(
            &format!("{prefix}.conv_expand.weight"),
            &[Some(c), Some(rd), Some(1), Some(1)],
        )?;
        let b2 = self.weight(&format!("{prefix}.conv_expand.bias"), &[Some(c)])?;
        let op = Op::SqueezeExcite(SqueezeExcite {
            c,
            rd,
            w1,
            b1,
            w2,
            b2,
            gate,
        });
        let v = self.g.push(prefix, op, vec![x]);
        Ok(self.track(v, c))
    }

    pub fn gavgpool(&mut self, name: &str, x: ValueId) -> ValueId {
        let c = self.channels(x);
        let v = self.g.push(name, Op::GlobalAvgPool, vec![x]);
        self.track(v, c)
    }

    pub fn flatten(&mut self, name: &str, x: ValueId) -> ValueId {
        let c = self.channels(x);
        let v = self.g.push(name, Op::Flatten, vec![x]);
        self.track(v, c)
    }

    pub fn linear(&mut self, prefix: &str, x: ValueId) -> Result<ValueId> {
        let cin = self.channels(x);
        let cout = *self
            .shape(&format!("{prefix}.weight"))?
            .first()
            .unwrap_or(&0);
        let weight = self.weight(&format!("{prefix}.weight"), &[Some(cout), Some(cin)])?;
        let bias = Some(self.weight(&format!("{prefix}.bias"), &[Some(cout)])?);
        let op = Op::Linear(Linear {
            cin,
            cout,
            weight,
            bias,
            act: Act::None,
        });
        let v = self.g.push(prefix, op, vec![x]);
        Ok(self.track(v, cout))
    }

    /// Finish: every float tensor of the state_dict must have been used, otherwise the
    /// architecture was misdetected or the checkpoint belongs to another model.
    pub fn finish(self, outputs: Vec<ValueId>) -> Result<Graph> {
        let unused: Vec<&String> = self
            .sd
            .tensors
            .keys()
            .filter(|k| !self.used.contains(*k))
            .collect();
        if !unused.is_empty() {
            let shown: Vec<&str> = unused.iter().take(5).map(|s| s.as_str()).collect();
            return Err(Error::model(format!(
                "{} tensor(s) of the state_dict are not part of a {} network: {}{}",
                unused.len(),
                self.g.meta.arch,
                shown.join(", "),
                if unused.len() > 5 { ", ..." } else { "" }
            )));
        }
        let mut g = self.g;
        g.outputs = outputs;
        Ok(g)
    }

    /// Finish a graph built from part of a state_dict (no leftover-key check).
    pub fn finish_partial(self, outputs: Vec<ValueId>) -> Graph {
        let mut g = self.g;
        g.outputs = outputs;
        g
    }
}
