//! Importers for PyTorch checkpoints (`torch.save` zip format) and `.safetensors`.
//!
//! Both readers are written for untrusted files: every length, offset and count read from the
//! file is bounds-checked before use, and no allocation is sized by a declared number that the
//! file's own size does not back. The pickle reader never executes anything (see `pickle`).

pub mod pickle;
pub mod safetensors;
pub mod torch;
pub mod zip;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// The float tensors of a checkpoint by name, plus the names of entries that are not float
/// tensors (e.g. BatchNorm's `num_batches_tracked`, an int64 counter).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateDict {
    pub tensors: BTreeMap<String, Tensor>,
    pub skipped: Vec<String>,
}

impl StateDict {
    pub fn get(&self, key: &str) -> Option<&Tensor> {
        self.tensors.get(key)
    }
}

/// Collects a reader's entries into a `StateDict`, stripping the `module.` prefix that
/// `nn.DataParallel` adds and refusing a name that is already taken (two keys that differ
/// only by that prefix).
#[derive(Default)]
pub(crate) struct StateDictBuilder {
    sd: StateDict,
    names: HashSet<String>,
}

impl StateDictBuilder {
    fn claim(&mut self, key: &str) -> std::result::Result<String, String> {
        let name = key.strip_prefix("module.").unwrap_or(key);
        if !self.names.insert(name.to_string()) {
            return Err(format!("duplicate tensor name `{name}`"));
        }
        Ok(name.to_string())
    }

    pub(crate) fn insert(&mut self, key: &str, t: Tensor) -> std::result::Result<(), String> {
        let name = self.claim(key)?;
        self.sd.tensors.insert(name, t);
        Ok(())
    }

    pub(crate) fn skip(&mut self, key: &str) -> std::result::Result<(), String> {
        let name = self.claim(key)?;
        self.sd.skipped.push(name);
        Ok(())
    }

    pub(crate) fn finish(self) -> StateDict {
        self.sd
    }
}

/// Read a checkpoint, choosing the format by content: a zip archive is a `torch.save` file,
/// an 8-byte length followed by a JSON object is a `.safetensors` file.
pub fn load_state_dict(path: &Path) -> Result<StateDict> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_state_dict(&bytes, &path.display().to_string())
}

const ACCEPTED: &str = "accepted formats: PyTorch zip checkpoints written by torch.save \
                        (.pt/.pth) and .safetensors files";

/// The in-memory twin of [`load_state_dict`]; `file` names the source in error messages.
pub fn parse_state_dict(bytes: &[u8], file: &str) -> Result<StateDict> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return torch::read_torch(bytes, file);
    }
    // Legacy torch.save output is a bare pickle stream: PROTO opcode first.
    if bytes.first() == Some(&0x80) {
        return Err(Error::Torch {
            file: file.to_string(),
            msg: "legacy (non-zip) torch.save format is not supported; re-save with \
                  torch.save(..., _use_new_zipfile_serialization=True)"
                .to_string(),
        });
    }
    if safetensors::looks_like_safetensors(bytes) {
        return safetensors::read_safetensors(bytes, file);
    }
    let what = if bytes.starts_with(b"\x93NUMPY") {
        "this is a .npy array, not a checkpoint"
    } else if bytes.is_empty() {
        "the file is empty"
    } else {
        "unrecognized file format"
    };
    Err(Error::Model {
        msg: format!("{file}: {what}; {ACCEPTED}"),
    })
}

/// Element types found in checkpoints. Only the float types become `Tensor`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}

impl DType {
    pub fn size(self) -> usize {
        match self {
            DType::F64 | DType::I64 => 8,
            DType::F32 | DType::I32 => 4,
            DType::F16 | DType::BF16 | DType::I16 => 2,
            DType::I8 | DType::U8 | DType::Bool => 1,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F64 | DType::F32 | DType::F16 | DType::BF16)
    }
}

/// IEEE 754 binary16 to binary32. Exact: every half value is representable as a float.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let mant = u32::from(h & 0x3ff);
    match exp {
        // Zero and subnormals: mant * 2^-24, exact in f32.
        0 => {
            let mag = mant as f32 * (1.0 / 16_777_216.0);
            if sign != 0 {
                -mag
            } else {
                mag
            }
        }
        // Infinity and NaN keep their payload.
        0x1f => f32::from_bits(sign | 0x7f80_0000 | (mant << 13)),
        // Re-bias the exponent from 15 to 127.
        _ => f32::from_bits(sign | ((exp + 112) << 23) | (mant << 13)),
    }
}

/// bfloat16 is the upper half of a binary32.
pub fn bf16_to_f32(b: u16) -> f32 {
    f32::from_bits(u32::from(b) << 16)
}

/// Decode one element of a float dtype at the start of `b` (which holds at least
/// `dtype.size()` bytes). Returns `None` for non-float dtypes or a short slice.
pub fn decode_float(dtype: DType, b: &[u8], big_endian: bool) -> Option<f32> {
    fn arr<const N: usize>(b: &[u8], big: bool) -> Option<[u8; N]> {
        let mut a: [u8; N] = b.get(..N)?.try_into().ok()?;
        if big {
            a.reverse();
        }
        Some(a)
    }
    match dtype {
        DType::F32 => Some(f32::from_le_bytes(arr(b, big_endian)?)),
        DType::F64 => Some(f64::from_le_bytes(arr(b, big_endian)?) as f32),
        DType::F16 => Some(f16_to_f32(u16::from_le_bytes(arr(b, big_endian)?))),
        DType::BF16 => Some(bf16_to_f32(u16::from_le_bytes(arr(b, big_endian)?))),
        _ => None,
    }
}

/// Convert a contiguous run of float elements to f32. `bytes.len()` must be a multiple of the
/// element size; returns `None` otherwise or for a non-float dtype.
pub fn decode_floats(dtype: DType, bytes: &[u8], big_endian: bool) -> Option<Vec<f32>> {
    if bytes.len() % dtype.size() != 0 {
        return None;
    }
    // One monomorphic loop per (dtype, byte order) so each compiles to a tight, vectorizable
    // conversion; this runs over every weight of a checkpoint.
    fn each<const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> f32) -> Vec<f32> {
        bytes
            .chunks_exact(N)
            .map(|c| f(c.try_into().unwrap_or([0; N])))
            .collect()
    }
    let be = big_endian;
    Some(match dtype {
        DType::F32 if be => each(bytes, f32::from_be_bytes),
        DType::F32 => each(bytes, f32::from_le_bytes),
        DType::F64 if be => each(bytes, |a| f64::from_be_bytes(a) as f32),
        DType::F64 => each(bytes, |a| f64::from_le_bytes(a) as f32),
        DType::F16 if be => each(bytes, |a| f16_to_f32(u16::from_be_bytes(a))),
        DType::F16 => each(bytes, |a| f16_to_f32(u16::from_le_bytes(a))),
        DType::BF16 if be => each(bytes, |a| bf16_to_f32(u16::from_be_bytes(a))),
        DType::BF16 => each(bytes, |a| bf16_to_f32(u16::from_le_bytes(a))),
        _ => return None,
    })
}

/// Product of a shape with overflow checking.
pub(crate) fn checked_numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}
