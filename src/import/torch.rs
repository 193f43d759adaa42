//! `torch.save` checkpoints: a zip archive holding `<archive>/data.pkl` (the pickled object),
//! `<archive>/data/<key>` (raw storage bytes) and `<archive>/byteorder` (torch/serialization.py,
//! `_save`). The pickle is unpickled inertly (see `pickle`), the state_dict is picked out of it,
//! and each float tensor view is copied out of its storage as f32.

use std::collections::HashMap;
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::import::pickle::{self, Obj, Pickle, TensorRef, Value};
use crate::import::zip::ZipArchive;
use crate::import::{checked_numel, decode_float, decode_floats, StateDict, StateDictBuilder};
use crate::tensor::Tensor;

/// Keys under which training checkpoints commonly nest the model's state_dict, in the order
/// they are tried.
const NESTED_KEYS: [&str; 4] = ["state_dict", "model", "model_ema", "module"];
const MAX_NESTING: usize = 4;

pub fn read_torch(bytes: &[u8], file: &str) -> Result<StateDict> {
    let err = |msg: String| Error::Torch {
        file: file.to_string(),
        msg,
    };
    let zip = ZipArchive::parse(bytes, file)?;
    let prefix = archive_prefix(&zip).ok_or_else(|| {
        err("zip archive has no `<archive>/data.pkl`; it is not a torch.save checkpoint".into())
    })?;
    let big_endian = match zip.entry(&format!("{prefix}byteorder")) {
        // Files from before torch 1.10 have no byteorder record and are little-endian.
        None => false,
        Some(e) => match zip.read(e)? {
            b"little" => false,
            b"big" => true,
            other => {
                return Err(err(format!(
                    "byteorder record is `{}`, expected `little` or `big`",
                    String::from_utf8_lossy(other.get(..32).unwrap_or(other))
                )))
            }
        },
    };
    let pkl = zip.read_name(&format!("{prefix}data.pkl"))?;
    let p = pickle::load(pkl, file)?;
    let entries = select_state_dict(&p, &p.root, 0).map_err(err)?;

    let mut sd = StateDictBuilder::default();
    let mut storages: HashMap<Rc<str>, &[u8]> = HashMap::new();
    // Output elements may exceed stored ones only through overlapping views (stride 0);
    // bound them by the file size so a tiny file cannot demand a huge allocation.
    let mut budget = bytes.len().saturating_mul(4).saturating_add(4096);
    for (key, value) in entries {
        let t = match p.obj(value) {
            Some(Obj::Tensor(t)) if t.storage.dtype.is_float() => t,
            _ => {
                sd.skip(key).map_err(err)?;
                continue;
            }
        };
        let storage_key = &t.storage.key;
        let data = match storages.get(storage_key) {
            Some(d) => *d,
            None => {
                let name = format!("{prefix}data/{storage_key}");
                let Some(entry) = zip.entry(&name) else {
                    return Err(err(format!(
                        "tensor `{key}` refers to storage `{storage_key}`, but the archive has \
                         no entry `{name}`"
                    )));
                };
                let d = zip.read(entry)?;
                storages.insert(storage_key.clone(), d);
                d
            }
        };
        let tensor = materialize(t, data, big_endian, &mut budget)
            .map_err(|m| err(format!("tensor `{key}` {m}")))?;
        sd.insert(key, tensor).map_err(err)?;
    }
    Ok(sd.finish())
}

/// `<archive>/` for the entry `<archive>/data.pkl` (the archive name is the file stem the
/// checkpoint was first saved under, or `archive`).
fn archive_prefix(zip: &ZipArchive<'_>) -> Option<String> {
    zip.entries().iter().find_map(|e| {
        let dir = e.name.strip_suffix("data.pkl")?;
        let ok = dir.is_empty() || (dir.ends_with('/') && dir.matches('/').count() == 1);
        ok.then(|| dir.to_string())
    })
}

/// The (name, value) pairs of the state_dict inside the unpickled object: the top-level dict
/// itself if it holds tensors, else the first of `NESTED_KEYS` that leads to one.
fn select_state_dict<'p>(
    p: &'p Pickle,
    v: &'p Value,
    depth: usize,
) -> std::result::Result<Vec<(&'p str, &'p Value)>, String> {
    let Some(Obj::Dict(pairs)) = p.obj(v) else {
        return Err(format!(
            "the checkpoint holds {}, expected a dict of tensors (a state_dict)",
            describe(p, v)
        ));
    };
    // Later duplicates replace earlier ones, as in Python.
    let mut out: Vec<(&str, &Value)> = Vec::with_capacity(pairs.len());
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (k, val) in pairs {
        let Value::Str(k) = k else {
            return Err(format!("state_dict key {} is not a string", describe(p, k)));
        };
        match index.get(&**k) {
            Some(&i) => {
                if let Some(slot) = out.get_mut(i) {
                    slot.1 = val;
                }
            }
            None => {
                index.insert(k, out.len());
                out.push((k, val));
            }
        }
    }
    let is_tensor = |v: &Value| matches!(p.obj(v), Some(Obj::Tensor(_)));
    if out.is_empty() || out.iter().any(|(_, v)| is_tensor(v)) {
        return Ok(out);
    }
    if depth < MAX_NESTING {
        for name in NESTED_KEYS {
            if let Some(&(_, inner)) = out.iter().find(|(k, _)| *k == name) {
                if matches!(p.obj(inner), Some(Obj::Dict(_))) {
                    if let Ok(found) = select_state_dict(p, inner, depth + 1) {
                        if !found.is_empty() {
                            return Ok(found);
                        }
                    }
                }
            }
        }
    }
    let keys: Vec<&str> = out.iter().take(10).map(|(k, _)| *k).collect();
    Err(format!(
        "no tensors found: the top-level dict has keys [{}{}] and none of `{}` holds a \
         state_dict",
        keys.join(", "),
        if out.len() > keys.len() { ", ..." } else { "" },
        NESTED_KEYS.join("`, `")
    ))
}

fn describe(p: &Pickle, v: &Value) -> String {
    match (v, p.obj(v)) {
        (_, Some(Obj::Tuple(_))) => "a tuple".into(),
        (_, Some(Obj::List(_))) => "a list".into(),
        (_, Some(Obj::Dict(_))) => "a dict".into(),
        (_, Some(Obj::Set(_))) => "a set".into(),
        (_, Some(Obj::Storage(_))) => "a storage".into(),
        (_, Some(Obj::Tensor(_))) => "a single tensor".into(),
        (Value::Str(s), _) => format!("the string {:?}", s.chars().take(40).collect::<String>()),
        (Value::Int(i), _) => format!("the int {i}"),
        (Value::None, _) => "None".into(),
        (other, _) => format!("{other:?}"),
    }
}

/// Copy the view `t` out of its storage bytes as f32, honouring offset and strides (in
/// elements). The error completes the sentence "tensor `name` ...".
fn materialize(
    t: &TensorRef,
    storage: &[u8],
    big_endian: bool,
    budget: &mut usize,
) -> std::result::Result<Tensor, String> {
    let dtype = t.storage.dtype;
    let esize = dtype.size();
    let numel = checked_numel(&t.shape).ok_or("has a size whose element count overflows")?;
    *budget = budget.checked_sub(numel).ok_or_else(|| {
        format!("has {numel} elements, more than the file size allows (expanded views are not supported)")
    })?;
    if numel == 0 {
        return Ok(Tensor::new(t.shape.clone(), Vec::new()));
    }
    // Last element the view touches; every dim is >= 1 here since numel > 0.
    let last = t
        .shape
        .iter()
        .zip(&t.stride)
        .try_fold(t.offset, |acc, (&n, &s)| {
            acc.checked_add((n - 1).checked_mul(s)?)
        });
    let needs = last
        .and_then(|l| l.checked_add(1))
        .and_then(|n| n.checked_mul(esize));
    let too_small = || {
        format!(
            "storage `{}` too small: needs {} bytes, has {}",
            t.storage.key,
            needs.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string()),
            storage.len()
        )
    };
    match needs {
        Some(n) if n <= storage.len() => {}
        _ => return Err(too_small()),
    }

    let contiguous = {
        let mut expect = 1usize;
        let mut ok = true;
        for (&n, &s) in t.shape.iter().zip(&t.stride).rev() {
            if n != 1 && s != expect {
                ok = false;
            }
            expect = expect.saturating_mul(n);
        }
        ok
    };
    let data = if contiguous {
        // Both ends are <= `needs`, which fits the storage; checked arithmetic regardless.
        let start = t.offset.checked_mul(esize);
        let len = numel.checked_mul(esize);
        start
            .zip(len)
            .and_then(|(s, n)| storage.get(s..s.checked_add(n)?))
            .and_then(|b| decode_floats(dtype, b, big_endian))
            .ok_or_else(too_small)?
    } else {
        gather(t, storage, big_endian, numel).ok_or_else(too_small)?
    };
    Ok(Tensor::new(t.shape.clone(), data))
}

/// Strided copy by walking a multi-index like an odometer. Offsets stay within the bound
/// checked by the caller while a dim is in range; stepping past a dim's end may exceed it
/// briefly, hence the wrapping arithmetic that is undone by the following subtraction.
fn gather(t: &TensorRef, storage: &[u8], big_endian: bool, numel: usize) -> Option<Vec<f32>> {
    let esize = t.storage.dtype.size();
    let mut out = Vec::with_capacity(numel);
    let mut idx = vec![0usize; t.shape.len()];
    let mut off = t.offset;
    for _ in 0..numel {
        let b = storage.get(off.checked_mul(esize)?..)?;
        out.push(decode_float(t.storage.dtype, b, big_endian)?);
        for ((i, &n), &s) in idx.iter_mut().zip(&t.shape).zip(&t.stride).rev() {
            *i += 1;
            off = off.wrapping_add(s);
            if *i < n {
                break;
            }
            off = off.wrapping_sub(s.wrapping_mul(n));
            *i = 0;
        }
    }
    Some(out)
}
