//! A pickle virtual machine that only builds inert values. It implements the opcodes
//! `torch.save` emits (protocol 2, plus the protocol 3-5 forms of the same operations) as
//! described in CPython's `Lib/pickletools.py`, but where Python would import and call a
//! global, this VM resolves a short allowlist of names (OrderedDict, torch's tensor rebuild
//! functions, storage types, `torch.Size`, `set`) to markers and evaluates them itself.
//! Any other global is an error, so a malicious checkpoint cannot run code.
//!
//! Containers live in an arena (`Pickle::objects`) and are referred to by index, which gives
//! Python's shared-reference semantics for the memo (a dict memoized empty and filled later is
//! seen filled through every reference) without reference cycles or recursive drops.

use std::collections::HashMap;
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::import::DType;

/// Index of an object in [`Pickle::objects`].
pub type ObjId = usize;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// An integer that does not fit in 64 bits; its value is not kept.
    BigInt,
    Float(f64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    Global(Global),
    Obj(ObjId),
}

/// The globals a checkpoint may name. Nothing else resolves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Global {
    OrderedDict,
    RebuildTensorV2,
    RebuildTensor,
    RebuildParameter,
    RebuildParameterWithState,
    Storage(DType),
    TorchSize,
    Set,
    FrozenSet,
}

/// A reference to `data/<key>` in the archive, from a persistent id
/// `('storage', storage_type, key, location, numel)`.
#[derive(Clone, Debug, PartialEq)]
pub struct StorageRef {
    pub key: Rc<str>,
    pub dtype: DType,
    /// Element count declared by the pickle; the storage file's real size is authoritative.
    pub numel: u64,
}

/// A tensor view as `_rebuild_tensor_v2` describes it: element offset, sizes and strides
/// (in elements) into a storage.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorRef {
    pub storage: StorageRef,
    pub offset: usize,
    pub shape: Vec<usize>,
    pub stride: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Obj {
    Tuple(Vec<Value>),
    List(Vec<Value>),
    /// Insertion-ordered pairs; duplicate keys are resolved by the consumer (last wins).
    Dict(Vec<(Value, Value)>),
    Set(Vec<Value>),
    Storage(StorageRef),
    Tensor(Box<TensorRef>),
}

/// The result of unpickling: the arena and the value `STOP` returned.
#[derive(Debug)]
pub struct Pickle {
    pub objects: Vec<Obj>,
    pub root: Value,
}

impl Pickle {
    /// The arena object a value refers to, if it is one.
    pub fn obj(&self, v: &Value) -> Option<&Obj> {
        match v {
            Value::Obj(id) => self.objects.get(*id),
            _ => None,
        }
    }
}

// Limits against hostile input. Real state_dict pickles stay far below them.
const MAX_STACK: usize = 1 << 20;
const MAX_MARKS: usize = 1 << 16;
const MAX_MEMO: usize = 1 << 22;
const MAX_OBJECTS: usize = 1 << 22;
/// Most dims a tensor may have (torch itself allows 64).
const MAX_DIMS: usize = 64;

/// Unpickle `bytes`; `file` names the source in error messages.
pub fn load(bytes: &[u8], file: &str) -> Result<Pickle> {
    let mut vm = Vm {
        input: bytes,
        pos: 0,
        op_pos: 0,
        file,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        objects: Vec::new(),
        copy_budget: bytes.len().saturating_mul(4).saturating_add(1 << 16),
    };
    let root = vm.run()?;
    Ok(Pickle {
        objects: vm.objects,
        root,
    })
}

struct Vm<'a> {
    input: &'a [u8],
    pos: usize,
    /// Offset of the opcode being executed, for error messages.
    op_pos: usize,
    file: &'a str,
    stack: Vec<Value>,
    /// Stack lengths at each MARK.
    marks: Vec<usize>,
    memo: HashMap<u64, Value>,
    objects: Vec<Obj>,
    /// Values that may still be copied out of existing containers (REDUCE arguments). A few
    /// opcode bytes can copy a large memoized tuple, so copies are bounded by the input size.
    copy_budget: usize,
}

impl<'a> Vm<'a> {
    fn err(&self, msg: impl Into<String>) -> Error {
        Error::Torch {
            file: self.file.to_string(),
            msg: format!("data.pkl: {}", msg.into()),
        }
    }

    fn op_err(&self, op: u8, msg: &str) -> Error {
        self.err(format!(
            "{} (opcode 0x{op:02x} at offset {}): {msg}",
            opcode_name(op).unwrap_or("?"),
            self.op_pos
        ))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let input = self.input;
        let end = self.pos.checked_add(n).filter(|&e| e <= input.len());
        match end.and_then(|e| input.get(self.pos..e)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(self.err(format!(
                "truncated: opcode at offset {} needs {n} more bytes, only {} left",
                self.op_pos,
                input.len().saturating_sub(self.pos)
            ))),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        s.try_into().map_err(|_| self.err("internal: short read"))
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A length read from the stream, checked against the bytes that remain so that no
    /// allocation exceeds the input.
    fn len(&mut self, declared: u64) -> Result<usize> {
        let left = self.input.len().saturating_sub(self.pos);
        match usize::try_from(declared) {
            Ok(n) if n <= left => Ok(n),
            _ => Err(self.err(format!(
                "truncated: opcode at offset {} declares {declared} bytes, only {left} left",
                self.op_pos
            ))),
        }
    }

    fn line(&mut self) -> Result<&'a str> {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        let Some(n) = rest.iter().position(|&b| b == b'\n') else {
            return Err(self.err(format!(
                "truncated: unterminated line at offset {}",
                self.pos
            )));
        };
        let s = self.take(n + 1)?;
        let s = s.get(..n).unwrap_or_default();
        std::str::from_utf8(s).map_err(|_| self.err("GLOBAL name is not UTF-8"))
    }

    fn string(&mut self, n: usize) -> Result<Value> {
        let b = self.take(n)?;
        match std::str::from_utf8(b) {
            Ok(s) => Ok(Value::Str(Rc::from(s))),
            Err(_) => Err(self.err(format!(
                "string at offset {} is not valid UTF-8",
                self.op_pos
            ))),
        }
    }

    fn push(&mut self, v: Value) -> Result<()> {
        if self.stack.len() >= MAX_STACK {
            return Err(self.err(format!("stack exceeds {MAX_STACK} items")));
        }
        self.stack.push(v);
        Ok(())
    }

    fn new_obj(&mut self, o: Obj) -> Result<Value> {
        if self.objects.len() >= MAX_OBJECTS {
            return Err(self.err(format!("more than {MAX_OBJECTS} objects")));
        }
        self.objects.push(o);
        Ok(Value::Obj(self.objects.len() - 1))
    }

    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self, op: u8) -> Result<Value> {
        if self.stack.len() <= self.fence() {
            return Err(self.op_err(op, "stack underflow"));
        }
        self.stack
            .pop()
            .ok_or_else(|| self.op_err(op, "stack underflow"))
    }

    fn top(&self, op: u8) -> Result<&Value> {
        if self.stack.len() <= self.fence() {
            return Err(self.op_err(op, "stack underflow"));
        }
        self.stack
            .last()
            .ok_or_else(|| self.op_err(op, "stack underflow"))
    }

    /// Items pushed since the last MARK, removing the mark.
    fn pop_mark(&mut self, op: u8) -> Result<Vec<Value>> {
        let Some(m) = self.marks.pop() else {
            return Err(self.op_err(op, "no MARK on the stack"));
        };
        if m > self.stack.len() {
            return Err(self.op_err(op, "internal: mark above stack"));
        }
        Ok(self.stack.split_off(m))
    }

    fn obj_mut(&mut self, v: &Value) -> Option<&mut Obj> {
        match v {
            Value::Obj(id) => self.objects.get_mut(*id),
            _ => None,
        }
    }

    fn memo_put(&mut self, op: u8, idx: u64) -> Result<()> {
        if self.memo.len() >= MAX_MEMO && !self.memo.contains_key(&idx) {
            return Err(self.err(format!("memo exceeds {MAX_MEMO} entries")));
        }
        let v = self.top(op)?.clone();
        self.memo.insert(idx, v);
        Ok(())
    }

    fn memo_get(&self, op: u8, idx: u64) -> Result<Value> {
        match self.memo.get(&idx) {
            Some(v) => Ok(v.clone()),
            None => Err(self.op_err(op, &format!("memo key {idx} was never stored"))),
        }
    }

    fn run(&mut self) -> Result<Value> {
        loop {
            self.op_pos = self.pos;
            let Some(&op) = self.input.get(self.pos) else {
                return Err(self.err("truncated: stream ends before STOP"));
            };
            self.pos += 1;
            if op == op::STOP {
                return self.pop(op);
            }
            if let Some(v) = self.step(op)? {
                self.push(v)?;
            }
        }
    }

    /// Execute one opcode (its byte already consumed); returns the value to push, if any.
    fn step(&mut self, op: u8) -> Result<Option<Value>> {
        use op::*;
        let v = match op {
            PROTO => {
                let p = self.u8()?;
                if p > 5 {
                    return Err(self.op_err(op, &format!("unsupported protocol {p}")));
                }
                return Ok(None);
            }
            FRAME => {
                // Only a length hint for buffered readers; check it and go on.
                let n = self.u64()?;
                self.len(n)?;
                return Ok(None);
            }
            MARK => {
                if self.marks.len() >= MAX_MARKS {
                    return Err(self.err(format!("more than {MAX_MARKS} nested MARKs")));
                }
                self.marks.push(self.stack.len());
                return Ok(None);
            }
            EMPTY_DICT => self.new_obj(Obj::Dict(Vec::new()))?,
            EMPTY_LIST => self.new_obj(Obj::List(Vec::new()))?,
            EMPTY_TUPLE => self.new_obj(Obj::Tuple(Vec::new()))?,
            EMPTY_SET => self.new_obj(Obj::Set(Vec::new()))?,
            NONE => Value::None,
            NEWTRUE => Value::Bool(true),
            NEWFALSE => Value::Bool(false),
            BININT => Value::Int(i64::from(i32::from_le_bytes(self.array()?))),
            BININT1 => Value::Int(i64::from(self.u8()?)),
            BININT2 => Value::Int(i64::from(self.u16()?)),
            LONG1 | LONG4 => {
                let n = self.arg_len(op)?;
                decode_long(self.take(n)?)
            }
            BINFLOAT => Value::Float(f64::from_be_bytes(self.array()?)),
            // Python 2 `str` (BINSTRING) is read as UTF-8, like torch.load's default.
            BINUNICODE | SHORT_BINUNICODE | BINUNICODE8 | BINSTRING | SHORT_BINSTRING => {
                let n = self.arg_len(op)?;
                self.string(n)?
            }
            BINBYTES | SHORT_BINBYTES | BINBYTES8 | BYTEARRAY8 => {
                let n = self.arg_len(op)?;
                Value::Bytes(Rc::from(self.take(n)?))
            }
            BINPUT => {
                let i = u64::from(self.u8()?);
                return self.memo_put(op, i).map(|()| None);
            }
            LONG_BINPUT => {
                let i = u64::from(self.u32()?);
                return self.memo_put(op, i).map(|()| None);
            }
            MEMOIZE => {
                let i = self.memo.len() as u64;
                return self.memo_put(op, i).map(|()| None);
            }
            BINGET => {
                let i = u64::from(self.u8()?);
                self.memo_get(op, i)?
            }
            LONG_BINGET => {
                let i = u64::from(self.u32()?);
                self.memo_get(op, i)?
            }
            POP => {
                // With nothing above the last MARK, POP discards the mark itself.
                if self.stack.len() == self.fence() && !self.marks.is_empty() {
                    self.marks.pop();
                } else {
                    self.pop(op)?;
                }
                return Ok(None);
            }
            POP_MARK => {
                self.pop_mark(op)?;
                return Ok(None);
            }
            DUP => self.top(op)?.clone(),
            TUPLE => {
                let items = self.pop_mark(op)?;
                self.new_obj(Obj::Tuple(items))?
            }
            TUPLE1 | TUPLE2 | TUPLE3 => {
                let n = usize::from(op - TUPLE1 + 1);
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.pop(op)?);
                }
                items.reverse();
                self.new_obj(Obj::Tuple(items))?
            }
            LIST => {
                let items = self.pop_mark(op)?;
                self.new_obj(Obj::List(items))?
            }
            DICT => {
                let items = self.pop_mark(op)?;
                let pairs = pairs(items).ok_or_else(|| self.op_err(op, "odd item count"))?;
                self.new_obj(Obj::Dict(pairs))?
            }
            FROZENSET => {
                let items = self.pop_mark(op)?;
                self.new_obj(Obj::Set(items))?
            }
            SETITEM => {
                let value = self.pop(op)?;
                let key = self.pop(op)?;
                self.extend_dict(op, vec![(key, value)])?;
                return Ok(None);
            }
            SETITEMS => {
                let items = self.pop_mark(op)?;
                let pairs = pairs(items).ok_or_else(|| self.op_err(op, "odd item count"))?;
                self.extend_dict(op, pairs)?;
                return Ok(None);
            }
            APPEND => {
                let v = self.pop(op)?;
                self.extend_seq(op, vec![v])?;
                return Ok(None);
            }
            APPENDS | ADDITEMS => {
                let items = self.pop_mark(op)?;
                self.extend_seq(op, items)?;
                return Ok(None);
            }
            GLOBAL => {
                let module = self.line()?;
                let name = self.line()?;
                Value::Global(self.resolve(module, name)?)
            }
            STACK_GLOBAL => {
                let name = self.pop(op)?;
                let module = self.pop(op)?;
                let (Value::Str(module), Value::Str(name)) = (module, name) else {
                    return Err(self.op_err(op, "module and name must be strings"));
                };
                Value::Global(self.resolve(&module, &name)?)
            }
            REDUCE => {
                let args = self.pop(op)?;
                let func = self.pop(op)?;
                self.call(op, &func, &args)?
            }
            NEWOBJ => {
                // cls.__new__(cls, *args); only OrderedDict is constructible.
                let _args = self.pop(op)?;
                let cls = self.pop(op)?;
                if cls != Value::Global(Global::OrderedDict) {
                    return Err(self.op_err(op, &format!("cannot construct {cls:?}")));
                }
                self.new_obj(Obj::Dict(Vec::new()))?
            }
            BUILD => {
                // Instance state: OrderedDict's `_metadata`, a tensor's Python attributes.
                // Neither matters for weights, so it is dropped.
                let _state = self.pop(op)?;
                let target = self.top(op)?.clone();
                return match self.obj_mut(&target) {
                    Some(Obj::Dict(_)) | Some(Obj::Tensor(_)) => Ok(None),
                    _ => Err(self.op_err(op, "target is not a dict or tensor")),
                };
            }
            BINPERSID => {
                let pid = self.pop(op)?;
                let s = self.storage(op, &pid)?;
                self.new_obj(Obj::Storage(s))?
            }
            _ => {
                return Err(self.err(match opcode_name(op) {
                    Some(name) => format!(
                        "unsupported pickle opcode 0x{op:02x} ({name}) at offset {}",
                        self.op_pos
                    ),
                    None => format!("unknown pickle opcode 0x{op:02x} at offset {}", self.op_pos),
                }))
            }
        };
        Ok(Some(v))
    }

    /// The length argument of a counted opcode: 1, 4 or 8 bytes by opcode, checked against
    /// the bytes that remain.
    fn arg_len(&mut self, op: u8) -> Result<usize> {
        use op::*;
        let n = match op {
            LONG1 | SHORT_BINUNICODE | SHORT_BINSTRING | SHORT_BINBYTES => u64::from(self.u8()?),
            LONG4 | BINUNICODE | BINSTRING | BINBYTES => u64::from(self.u32()?),
            _ => self.u64()?,
        };
        self.len(n)
    }

    fn extend_dict(&mut self, op: u8, new: Vec<(Value, Value)>) -> Result<()> {
        let target = self.top(op)?.clone();
        match self.obj_mut(&target) {
            Some(Obj::Dict(d)) => {
                d.extend(new);
                Ok(())
            }
            _ => Err(self.op_err(op, "target is not a dict")),
        }
    }

    fn extend_seq(&mut self, op: u8, new: Vec<Value>) -> Result<()> {
        let target = self.top(op)?.clone();
        match self.obj_mut(&target) {
            Some(Obj::List(l)) if op != op::ADDITEMS => {
                l.extend(new);
                Ok(())
            }
            Some(Obj::Set(s)) if op == op::ADDITEMS => {
                s.extend(new);
                Ok(())
            }
            _ => Err(self.op_err(op, "target is not a list or set")),
        }
    }

    fn resolve(&self, module: &str, name: &str) -> Result<Global> {
        let g = match (module, name) {
            ("collections", "OrderedDict") => Global::OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2") => Global::RebuildTensorV2,
            ("torch._utils", "_rebuild_tensor") => Global::RebuildTensor,
            ("torch._utils", "_rebuild_parameter") => Global::RebuildParameter,
            ("torch._utils", "_rebuild_parameter_with_state") => Global::RebuildParameterWithState,
            ("torch", "Size") => Global::TorchSize,
            ("builtins" | "__builtin__", "set") => Global::Set,
            ("builtins" | "__builtin__", "frozenset") => Global::FrozenSet,
            ("torch", storage) => match storage_dtype(storage) {
                Some(d) => Global::Storage(d),
                None => return Err(self.unsupported_global(module, name)),
            },
            _ => return Err(self.unsupported_global(module, name)),
        };
        Ok(g)
    }

    fn unsupported_global(&self, module: &str, name: &str) -> Error {
        self.err(format!(
            "unsupported pickle global `{module}.{name}` at offset {}: only tensors, storages \
             and (Ordered)dicts can be loaded, never arbitrary Python objects; save just the \
             model's state_dict",
            self.op_pos
        ))
    }

    /// A copy of a tuple's or list's items; `Ok(None)` if `v` is neither.
    fn items(&mut self, v: &Value) -> Result<Option<Vec<Value>>> {
        let t = match self.obj_ref(v) {
            Some(Obj::Tuple(t) | Obj::List(t)) => t,
            _ => return Ok(None),
        };
        match self.copy_budget.checked_sub(t.len()) {
            Some(left) => {
                let t = t.clone();
                self.copy_budget = left;
                Ok(Some(t))
            }
            None => Err(self.err("pickle copies more values than its size can justify")),
        }
    }

    /// Evaluate `func(*args)` for an allowlisted global.
    fn call(&mut self, op: u8, func: &Value, args: &Value) -> Result<Value> {
        let Value::Global(g) = func else {
            return Err(self.op_err(op, "REDUCE target is not a global"));
        };
        let Some(args) = self.items(args)? else {
            return Err(self.op_err(op, "REDUCE arguments are not a tuple"));
        };
        match g {
            Global::OrderedDict if args.is_empty() => self.new_obj(Obj::Dict(Vec::new())),
            Global::TorchSize | Global::Set | Global::FrozenSet => {
                let [arg] = args.as_slice() else {
                    return Err(self.op_err(op, &format!("{g:?} takes one argument")));
                };
                let Some(items) = self.items(arg)? else {
                    return Err(self.op_err(op, &format!("{g:?} argument is not a sequence")));
                };
                match g {
                    Global::TorchSize => self.new_obj(Obj::Tuple(items)),
                    _ => self.new_obj(Obj::Set(items)),
                }
            }
            Global::RebuildTensorV2 | Global::RebuildTensor => {
                let t = self.rebuild_tensor(op, &args)?;
                self.new_obj(Obj::Tensor(Box::new(t)))
            }
            Global::RebuildParameter | Global::RebuildParameterWithState => match args.first() {
                Some(t @ Value::Obj(id))
                    if matches!(self.objects.get(*id), Some(Obj::Tensor(_))) =>
                {
                    Ok(t.clone())
                }
                _ => Err(self.op_err(op, "_rebuild_parameter argument is not a tensor")),
            },
            _ => Err(self.op_err(
                op,
                &format!("cannot call {g:?} with {} arguments", args.len()),
            )),
        }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
    /// backward_hooks[, metadata])` (torch/_utils.py); `_rebuild_tensor` takes the first four.
    fn rebuild_tensor(&mut self, op: u8, args: &[Value]) -> Result<TensorRef> {
        let bad = |what: &str| self.op_err(op, &format!("_rebuild_tensor: {what}"));
        let [storage, offset, size, stride, ..] = args else {
            return Err(bad("expected at least 4 arguments"));
        };
        let storage = match self.obj_ref(storage) {
            Some(Obj::Storage(s)) => s.clone(),
            _ => return Err(bad("first argument is not a storage")),
        };
        let offset = as_usize(offset).ok_or_else(|| bad("storage offset is not a small int"))?;
        let shape = self.usizes(size).map_err(|e| bad(&format!("size {e}")))?;
        let stride = self
            .usizes(stride)
            .map_err(|e| bad(&format!("stride {e}")))?;
        if shape.len() != stride.len() {
            return Err(bad(&format!(
                "size has {} dims but stride has {}",
                shape.len(),
                stride.len()
            )));
        }
        Ok(TensorRef {
            storage,
            offset,
            shape,
            stride,
        })
    }

    fn obj_ref(&self, v: &Value) -> Option<&Obj> {
        match v {
            Value::Obj(id) => self.objects.get(*id),
            _ => None,
        }
    }

    /// A size or stride tuple; the error completes "size ..." / "stride ...".
    fn usizes(&self, v: &Value) -> std::result::Result<Vec<usize>, String> {
        match self.obj_ref(v) {
            Some(Obj::Tuple(t) | Obj::List(t)) if t.len() > MAX_DIMS => {
                Err(format!("has {} dims, more than {MAX_DIMS}", t.len()))
            }
            Some(Obj::Tuple(t) | Obj::List(t)) => t
                .iter()
                .map(as_usize)
                .collect::<Option<Vec<usize>>>()
                .ok_or_else(|| "holds something other than non-negative ints".to_string()),
            _ => Err("is not a tuple".to_string()),
        }
    }

    /// Persistent id `('storage', storage_type, key, location, numel)` (torch/serialization.py).
    fn storage(&self, op: u8, pid: &Value) -> Result<StorageRef> {
        let bad = || {
            self.op_err(
                op,
                "persistent id is not ('storage', <dtype>Storage, key, location, numel)",
            )
        };
        let Some(Obj::Tuple(t)) = self.obj_ref(pid) else {
            return Err(bad());
        };
        let [Value::Str(tag), Value::Global(Global::Storage(dtype)), Value::Str(key), _, numel] =
            t.as_slice()
        else {
            return Err(bad());
        };
        if &**tag != "storage" {
            return Err(bad());
        }
        let numel = match numel {
            Value::Int(n) => u64::try_from(*n).map_err(|_| bad())?,
            _ => return Err(bad()),
        };
        Ok(StorageRef {
            key: key.clone(),
            dtype: *dtype,
            numel,
        })
    }
}

fn as_usize(v: &Value) -> Option<usize> {
    match v {
        Value::Int(n) => usize::try_from(*n).ok(),
        _ => None,
    }
}

fn pairs(items: Vec<Value>) -> Option<Vec<(Value, Value)>> {
    if items.len() % 2 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Some(out)
}

/// LONG1/LONG4 payload: little-endian two's complement, empty means 0.
fn decode_long(b: &[u8]) -> Value {
    if b.len() > 8 {
        return Value::BigInt;
    }
    let negative = b.last().is_some_and(|&x| x & 0x80 != 0);
    let mut buf = if negative { [0xffu8; 8] } else { [0u8; 8] };
    for (d, s) in buf.iter_mut().zip(b) {
        *d = *s;
    }
    Value::Int(i64::from_le_bytes(buf))
}

fn storage_dtype(name: &str) -> Option<DType> {
    Some(match name {
        "FloatStorage" => DType::F32,
        "HalfStorage" => DType::F16,
        "BFloat16Storage" => DType::BF16,
        "DoubleStorage" => DType::F64,
        "LongStorage" => DType::I64,
        "IntStorage" => DType::I32,
        "ShortStorage" => DType::I16,
        "CharStorage" => DType::I8,
        "ByteStorage" => DType::U8,
        "BoolStorage" => DType::Bool,
        _ => return None,
    })
}

/// Opcode bytes, named as in CPython's `Lib/pickletools.py`.
mod op {
    pub const MARK: u8 = b'(';
    pub const STOP: u8 = b'.';
    pub const POP: u8 = b'0';
    pub const POP_MARK: u8 = b'1';
    pub const DUP: u8 = b'2';
    pub const BININT: u8 = b'J';
    pub const BININT1: u8 = b'K';
    pub const BININT2: u8 = b'M';
    pub const NONE: u8 = b'N';
    pub const BINPERSID: u8 = b'Q';
    pub const REDUCE: u8 = b'R';
    pub const BINSTRING: u8 = b'T';
    pub const SHORT_BINSTRING: u8 = b'U';
    pub const BINUNICODE: u8 = b'X';
    pub const APPEND: u8 = b'a';
    pub const BUILD: u8 = b'b';
    pub const GLOBAL: u8 = b'c';
    pub const DICT: u8 = b'd';
    pub const EMPTY_DICT: u8 = b'}';
    pub const APPENDS: u8 = b'e';
    pub const BINGET: u8 = b'h';
    pub const LONG_BINGET: u8 = b'j';
    pub const LIST: u8 = b'l';
    pub const EMPTY_LIST: u8 = b']';
    pub const BINPUT: u8 = b'q';
    pub const LONG_BINPUT: u8 = b'r';
    pub const SETITEM: u8 = b's';
    pub const TUPLE: u8 = b't';
    pub const EMPTY_TUPLE: u8 = b')';
    pub const SETITEMS: u8 = b'u';
    pub const BINFLOAT: u8 = b'G';
    // Protocol 2
    pub const PROTO: u8 = 0x80;
    pub const NEWOBJ: u8 = 0x81;
    pub const TUPLE1: u8 = 0x85;
    pub const TUPLE2: u8 = 0x86;
    pub const TUPLE3: u8 = 0x87;
    pub const NEWTRUE: u8 = 0x88;
    pub const NEWFALSE: u8 = 0x89;
    pub const LONG1: u8 = 0x8a;
    pub const LONG4: u8 = 0x8b;
    // Protocol 3
    pub const BINBYTES: u8 = b'B';
    pub const SHORT_BINBYTES: u8 = b'C';
    // Protocol 4
    pub const SHORT_BINUNICODE: u8 = 0x8c;
    pub const BINUNICODE8: u8 = 0x8d;
    pub const BINBYTES8: u8 = 0x8e;
    pub const EMPTY_SET: u8 = 0x8f;
    pub const ADDITEMS: u8 = 0x90;
    pub const FROZENSET: u8 = 0x91;
    pub const STACK_GLOBAL: u8 = 0x93;
    pub const MEMOIZE: u8 = 0x94;
    pub const FRAME: u8 = 0x95;
    // Protocol 5
    pub const BYTEARRAY8: u8 = 0x96;
}

/// Opcode names for error messages, including the ones this VM refuses (text-protocol forms,
/// extension registry, instance creation, out-of-band buffers).
fn opcode_name(op: u8) -> Option<&'static str> {
    use op::*;
    Some(match op {
        b'F' => "FLOAT",
        b'I' => "INT",
        b'L' => "LONG",
        b'P' => "PERSID",
        b'S' => "STRING",
        b'V' => "UNICODE",
        b'g' => "GET",
        b'p' => "PUT",
        b'i' => "INST",
        b'o' => "OBJ",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        0x92 => "NEWOBJ_EX",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        REDUCE => "REDUCE",
        BUILD => "BUILD",
        NEWOBJ => "NEWOBJ",
        BINPERSID => "BINPERSID",
        SETITEM => "SETITEM",
        SETITEMS => "SETITEMS",
        APPEND => "APPEND",
        APPENDS => "APPENDS",
        ADDITEMS => "ADDITEMS",
        TUPLE | TUPLE1 | TUPLE2 | TUPLE3 => "TUPLE",
        LIST => "LIST",
        DICT => "DICT",
        FROZENSET => "FROZENSET",
        BINPUT | LONG_BINPUT | MEMOIZE => "PUT",
        BINGET | LONG_BINGET => "GET",
        POP => "POP",
        POP_MARK => "POP_MARK",
        DUP => "DUP",
        STACK_GLOBAL => "STACK_GLOBAL",
        STOP => "STOP",
        PROTO => "PROTO",
        _ => return None,
    })
}
