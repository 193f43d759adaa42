//! Binary encoding of the graph section and tensor table (see `weights/FORMAT.md`).
//! Every read is bounds-checked; every id and size is validated against the tables so a
//! corrupt pack is an error, never a panic or an out-of-bounds kernel access.

use super::{checksum, header, ALIGN, HEADER_SIZE};
use crate::error::{Error, Result};
use crate::graph::{
    Act, Backing, BatchNorm, Conv, Graph, GraphInput, Linear, ModelMeta, Node, Op, SqueezeExcite,
    Weight, WeightData,
};
use std::sync::Arc;

/// Caps that keep a corrupt count from turning into a huge allocation.
const MAX_COUNT: usize = 1 << 20;
const MAX_DIMS: usize = 8;

struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: usize) {
        self.0.extend_from_slice(&(v as u32).to_le_bytes());
    }
    fn u64(&mut self, v: usize) {
        self.0.extend_from_slice(&(v as u64).to_le_bytes());
    }
    fn f32(&mut self, v: f32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt(&mut self, v: Option<usize>) {
        self.u32(v.map_or(0, |x| x + 1));
    }
}

fn act_code(a: Act) -> u8 {
    a as i32 as u8
}

fn act_from(code: u8, r: &R) -> Result<Act> {
    match code {
        0 => Ok(Act::None),
        1 => Ok(Act::Relu),
        2 => Ok(Act::Relu6),
        3 => Ok(Act::HardSigmoid),
        _ => Err(r.err(format!("unknown activation code {code}"))),
    }
}

pub fn encode(g: &Graph) -> Result<Vec<u8>> {
    let mut b = W(Vec::new());
    b.str(&g.meta.arch);
    b.f32(g.meta.width);
    b.u32(g.meta.num_classes);
    b.u32(g.meta.default_hw.0);
    b.u32(g.meta.default_hw.1);
    b.u32(g.num_values);
    b.u32(g.inputs.len());
    for i in &g.inputs {
        b.str(&i.name);
        b.u32(i.value);
        b.u32(i.channels);
    }
    b.u32(g.outputs.len());
    for &o in &g.outputs {
        b.u32(o);
    }
    b.u32(g.weights.len());
    let mut data_len = 0usize;
    for w in &g.weights {
        b.str(&w.name);
        b.u32(w.shape.len());
        for &d in &w.shape {
            b.u64(d);
        }
        b.u64(data_len);
        b.u64(w.numel());
        data_len += (w.numel() * 4).next_multiple_of(ALIGN);
    }
    b.u32(g.nodes.len());
    for n in &g.nodes {
        b.str(&n.name);
        encode_op(&mut b, &n.op);
        b.u32(n.inputs.len());
        for &i in &n.inputs {
            b.u32(i);
        }
        b.u32(n.output);
    }
    let graph_len = b.0.len();
    let data_offset = (HEADER_SIZE + graph_len).next_multiple_of(ALIGN);
    let total = data_offset + data_len;
    let mut out = vec![0u8; total];
    out[HEADER_SIZE..HEADER_SIZE + graph_len].copy_from_slice(&b.0);
    let mut off = data_offset;
    for w in &g.weights {
        let data = w.data();
        if data.len() != w.numel() {
            return Err(Error::model(format!(
                "weight `{}`: {} values for shape {:?}",
                w.name,
                data.len(),
                w.shape
            )));
        }
        for (i, v) in data.iter().enumerate() {
            out[off + 4 * i..off + 4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        off += (w.numel() * 4).next_multiple_of(ALIGN);
    }
    let sum = checksum(&out[HEADER_SIZE..]);
    let hdr = header(
        total,
        (HEADER_SIZE, graph_len),
        (data_offset, data_len),
        sum,
    );
    out[..HEADER_SIZE].copy_from_slice(&hdr);
    Ok(out)
}

fn encode_op(b: &mut W, op: &Op) {
    match op {
        Op::Conv(c) => {
            b.u8(1);
            for v in [c.cin, c.cout, c.k, c.stride, c.pad, c.groups, c.weight] {
                b.u32(v);
            }
            b.opt(c.bias);
            b.u8(act_code(c.act));
        }
        Op::BatchNorm(n) => {
            b.u8(2);
            for v in [n.c, n.gamma, n.beta, n.mean, n.var] {
                b.u32(v);
            }
            b.f32(n.eps);
        }
        Op::Act(a) => {
            b.u8(3);
            b.u8(act_code(*a));
        }
        Op::Add { act } => {
            b.u8(4);
            b.u8(act_code(*act));
        }
        Op::Concat => b.u8(5),
        Op::Slice { start, end } => {
            b.u8(6);
            b.u32(*start);
            b.u32(*end);
        }
        Op::GlobalAvgPool => b.u8(7),
        Op::Flatten => b.u8(8),
        Op::Linear(l) => {
            b.u8(9);
            for v in [l.cin, l.cout, l.weight] {
                b.u32(v);
            }
            b.opt(l.bias);
            b.u8(act_code(l.act));
        }
        Op::SqueezeExcite(s) => {
            b.u8(10);
            for v in [s.c, s.rd, s.w1, s.b1, s.w2, s.b2] {
                b.u32(v);
            }
            b.u8(act_code(s.gate));
        }
    }
}

struct R<'a> {
    b: &'a [u8],
    pos: usize,
    file: &'a str,
}

impl R<'_> {
    fn err(&self, msg: impl std::fmt::Display) -> Error {
        Error::pack(
            self.file,
            format!("graph section, byte {}: {msg}", self.pos),
        )
    }
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| self.err(format!("truncated: need {n} more bytes")))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<usize> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
    }
    fn u64(&mut self) -> Result<usize> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        usize::try_from(u64::from_le_bytes(a))
            .map_err(|_| self.err("value does not fit this platform"))
    }
    fn f32(&mut self) -> Result<f32> {
        let s = self.take(4)?;
        Ok(f32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn count(&mut self, what: &str) -> Result<usize> {
        let n = self.u32()?;
        if n > MAX_COUNT || n > self.b.len() {
            return Err(self.err(format!("implausible {what} count {n}")));
        }
        Ok(n)
    }
    fn str(&mut self) -> Result<String> {
        let n = self.count("string length")?;
        let s = self.take(n)?;
        String::from_utf8(s.to_vec()).map_err(|_| self.err("string is not UTF-8"))
    }
    fn id(&mut self, limit: usize, what: &str) -> Result<usize> {
        let v = self.u32()?;
        if v >= limit {
            return Err(self.err(format!("{what} id {v} out of range (have {limit})")));
        }
        Ok(v)
    }
    fn opt_id(&mut self, limit: usize, what: &str) -> Result<Option<usize>> {
        match self.u32()? {
            0 => Ok(None),
            v if v - 1 < limit => Ok(Some(v - 1)),
            v => Err(self.err(format!("{what} id {} out of range (have {limit})", v - 1))),
        }
    }
}

pub fn decode(
    bytes: &[u8],
    file: &str,
    backing: &Arc<Backing>,
    data_offset: usize,
    data_len: usize,
) -> Result<Graph> {
    let mut r = R {
        b: bytes,
        pos: 0,
        file,
    };
    let meta = ModelMeta {
        arch: r.str()?,
        width: r.f32()?,
        num_classes: r.u32()?,
        default_hw: (r.u32()?, r.u32()?),
    };
    let num_values = r.count("value")?;
    let mut g = Graph::new(meta);
    g.num_values = num_values;
    for _ in 0..r.count("input")? {
        let name = r.str()?;
        let value = r.id(num_values, "value")?;
        let channels = r.u32()?;
        g.inputs.push(GraphInput {
            name,
            value,
            channels,
        });
    }
    for _ in 0..r.count("output")? {
        g.outputs.push(r.id(num_values, "value")?);
    }
    for _ in 0..r.count("weight")? {
        let name = r.str()?;
        let ndim = r.u32()?;
        if ndim > MAX_DIMS {
            return Err(r.err(format!("tensor `{name}` has {ndim} dimensions")));
        }
        let mut shape = Vec::with_capacity(ndim);
        for _ in 0..ndim {
            shape.push(r.u64()?);
        }
        let offset = r.u64()?;
        let len = r.u64()?;
        let numel = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        let fits = offset % ALIGN == 0
            && numel == Some(len)
            && len
                .checked_mul(4)
                .and_then(|b| b.checked_add(offset))
                .is_some_and(|end| end <= data_len);
        if !fits {
            return Err(r.err(format!(
                "tensor `{name}` (shape {shape:?}, {len} values at data offset {offset}) does not fit the {data_len}-byte data section"
            )));
        }
        g.weights.push(Weight {
            name,
            shape,
            data: WeightData::Mapped {
                backing: backing.clone(),
                offset: data_offset + offset,
                len,
            },
        });
    }
    let nw = g.weights.len();
    for _ in 0..r.count("node")? {
        let name = r.str()?;
        let op = decode_op(&mut r, nw)?;
        let mut inputs = Vec::new();
        for _ in 0..r.count("node input")? {
            inputs.push(r.id(num_values, "value")?);
        }
        let output = r.id(num_values, "value")?;
        g.nodes.push(Node {
            name,
            op,
            inputs,
            output,
        });
    }
    if r.pos != bytes.len() {
        return Err(r.err(format!("{} trailing bytes", bytes.len() - r.pos)));
    }
    Ok(g)
}

fn decode_op(r: &mut R, nw: usize) -> Result<Op> {
    let tag = r.u8()?;
    Ok(match tag {
        1 => {
            let [cin, cout, k, stride, pad, groups] =
                [r.u32()?, r.u32()?, r.u32()?, r.u32()?, r.u32()?, r.u32()?];
            let weight = r.id(nw, "weight")?;
            let bias = r.opt_id(nw, "weight")?;
            let act = act_from(r.u8()?, r)?;
            Op::Conv(Conv {
                cin,
                cout,
                k,
                stride,
                pad,
                groups,
                weight,
                bias,
                act,
            })
        }
        2 => {
            let c = r.u32()?;
            let [gamma, beta, mean, var] = [
                r.id(nw, "weight")?,
                r.id(nw, "weight")?,
                r.id(nw, "weight")?,
                r.id(nw, "weight")?,
            ];
            Op::BatchNorm(BatchNorm {
                c,
                gamma,
                beta,
                mean,
                var,
                eps: r.f32()?,
            })
        }
        3 => Op::Act(act_from(r.u8()?, r)?),
        4 => Op::Add {
            act: act_from(r.u8()?, r)?,
        },
        5 => Op::Concat,
        6 => Op::Slice {
            start: r.u32()?,
            end: r.u32()?,
        },
        7 => Op::GlobalAvgPool,
        8 => Op::Flatten,
        9 => {
            let [cin, cout] = [r.u32()?, r.u32()?];
            let weight = r.id(nw, "weight")?;
            let bias = r.opt_id(nw, "weight")?;
            Op::Linear(Linear {
                cin,
                cout,
                weight,
                bias,
                act: act_from(r.u8()?, r)?,
            })
        }
        10 => {
            let [c, rd] = [r.u32()?, r.u32()?];
            let [w1, b1, w2, b2] = [
                r.id(nw, "weight")?,
                r.id(nw, "weight")?,
                r.id(nw, "weight")?,
                r.id(nw, "weight")?,
            ];
            Op::SqueezeExcite(SqueezeExcite {
                c,
                rd,
                w1,
                b1,
                w2,
                b2,
                gate: act_from(r.u8()?, r)?,
            })
        }
        t => return Err(r.err(format!("unknown op tag {t}"))),
    })
}
