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

    fn bytes(&mut self, n: usize) -> Result<Value> {
        Ok(Value::Bytes(Rc::from(self.take(n)?)))
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

    fn memo_get(&mut self, op: u8, idx: u64) -> Result<()> {
        let v = match self.memo.get(&idx) {
            Some(v) => v.clone(),
            None => return Err(self.op_err(op, &format!("memo key {idx} was never stored"))),
        };
        self.push(v)
    }

    fn run(&mut self) -> Result<Value> {
        loop {
            self.op_pos = self.pos;
            let op = match self.input.get(self.pos) {
                Some(&b) => b,
                None => return Err(self.err("truncated: stream ends before STOP")),
            };
            self.pos += 1;
            match op {
                b'.' => return self.pop(op), // STOP
                0x80 => {
                    // PROTO
                    let p = self.u8()?;
                    if p > 5 {
                        return Err(self.op_err(op, &format!("unsupported protocol {p}")));
                    }
                }
                0x95 => {
                    // FRAME: a length hint only.
                    let n = self.u64()?;
                    self.len(n)?;
                }
                b'(' => {
                    if self.marks.len() >= MAX_MARKS {
                        return Err(self.err(format!("more than {MAX_MARKS} nested MARKs")));
                    }
                    self.marks.push(self.stack.len());
                }
                b'}' => {
                    let v = self.new_obj(Obj::Dict(Vec::new()))?;
                    self.push(v)?;
                }
                b']' => {
                    let v = self.new_obj(Obj::List(Vec::new()))?;
                    self.push(v)?;
                }
                b')' => {
                    let v = self.new_obj(Obj::Tuple(Vec::new()))?;
                    self.push(v)?;
                }
                0x8f => {
                    // EMPTY_SET
                    let v = self.new_obj(Obj::Set(Vec::new()))?;
                    self.push(v)?;
                }
                b'N' => self.push(Value::None)?,
                0x88 => self.push(Value::Bool(true))?,
                0x89 => self.push(Value::Bool(false))?,
                b'J' => {
                    let v = i32::from_le_bytes(self.array()?);
                    self.push(Value::Int(i64::from(v)))?;
                }
                b'K' => {
                    let v = self.u8()?;
                    self.push(Value::Int(i64::from(v)))?;
                }
                b'M' => {
                    let v = self.u16()?;
                    self.push(Value::Int(i64::from(v)))?;
                }
                0x8a | 0x8b => {
                    // LONG1 / LONG4: little-endian two's complement of the given length.
                    let n = if op == 0x8a {
                        u64::from(self.u8()?)
                    } else {
                        u64::from(self.u32()?)
                    };
                    let n = self.len(n)?;
                    let b = self.take(n)?;
                    let v = decode_long(b);
                    self.push(v)?;
                }
                b'G' => {
                    let v = f64::from_be_bytes(self.array()?);
                    self.push(Value::Float(v))?;
                }
                b'X' => {
                    let n = u64::from(self.u32()?);
                    let n = self.len(n)?;
                    let v = self.string(n)?;
                    self.push(v)?;
                }
                0x8c | b'U' => {
                    // SHORT_BINUNICODE, SHORT_BINSTRING (Python 2 str, read as UTF-8)
                    let n = usize::from(self.u8()?);
                    let v = self.string(n)?;
                    self.push(v)?;
                }
                b'T' => {
                    let n = u64::from(self.u32()?);
                    let n = self.len(n)?;
                    let v = self.string(n)?;
                    self.push(v)?;
                }
                0x8d => {
                    let n = self.u64()?;
                    let n = self.len(n)?;
                    let v = self.string(n)?;
                    self.push(v)?;
                }
                b'C' => {
                    let n = usize::from(self.u8()?);
                    let v = self.bytes(n)?;
                    self.push(v)?;
                }
                b'B' => {
                    let n = u64::from(self.u32()?);
                    let n = self.len(n)?;
                    let v = self.bytes(n)?;
                    self.push(v)?;
                }
                0x8e | 0x96 => {
                    // BINBYTES8, BYTEARRAY8
                    let n = self.u64()?;
                    let n = self.len(n)?;
                    let v = self.bytes(n)?;
                    self.push(v)?;
                }
                b'q' => {
                    let i = u64::from(self.u8()?);
                    self.memo_put(op, i)?;
                }
                b'r' => {
                    let i = u64::from(self.u32()?);
                    self.memo_put(op, i)?;
                }
                0x94 => {
                    // MEMOIZE
                    let i = self.memo.len() as u64;
                    self.memo_put(op, i)?;
                }
                b'h' => {
                    let i = u64::from(self.u8()?);
                    self.memo_get(op, i)?;
                }
                b'j' => {
                    let i = u64::from(self.u32()?);
                    self.memo_get(op, i)?;
                }
                b'0' => {
                    // POP: an empty frame above a MARK pops the mark itself.
                    if self.stack.len() == self.fence() && !self.marks.is_empty() {
                        self.marks.pop();
                    } else {
                        self.pop(op)?;
                    }
                }
                b'1' => {
                    self.pop_mark(op)?;
                }
                b'2' => {
                    let v = self.top(op)?.clone();
                    self.push(v)?;
                }
                b't' => {
                    let items = self.pop_mark(op)?;
                    let v = self.new_obj(Obj::Tuple(items))?;
                    self.push(v)?;
                }
                0x85..=0x87 => {
                    // TUPLE1..3
                    let n = usize::from(op - 0x84);
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop(op)?);
                    }
                    items.reverse();
                    let v = self.new_obj(Obj::Tuple(items))?;
                    self.push(v)?;
                }
                b'l' => {
                    let items = self.pop_mark(op)?;
                    let v = self.new_obj(Obj::List(items))?;
                    self.push(v)?;
                }
                b'd' => {
                    let items = self.pop_mark(op)?;
                    let pairs = pairs(items).ok_or_else(|| self.op_err(op, "odd item count"))?;
                    let v = self.new_obj(Obj::Dict(pairs))?;
                    self.push(v)?;
                }
                0x91 => {
                    // FROZENSET
                    let items = self.pop_mark(op)?;
                    let v = self.new_obj(Obj::Set(items))?;
                    self.push(v)?;
                }
                b's' => {
                    let value = self.pop(op)?;
                    let key = self.pop(op)?;
                    self.extend_dict(op, vec![(key, value)])?;
                }
                b'u' => {
                    let items = self.pop_mark(op)?;
                    let pairs = pairs(items).ok_or_else(|| self.op_err(op, "odd item count"))?;
                    self.extend_dict(op, pairs)?;
                }
                b'a' => {
                    let v = self.pop(op)?;
                    self.extend_seq(op, vec![v])?;
                }
                b'e' | 0x90 => {
                    // APPENDS, ADDITEMS
                    let items = self.pop_mark(op)?;
                    self.extend_seq(op, items)?;
                }
                b'c' => {
                    let module = self.line()?.to_string();
                    let name = self.line()?.to_string();
                    let g = self.resolve(&module, &name)?;
                    self.push(Value::Global(g))?;
                }
                0x93 => {
                    // STACK_GLOBAL
                    let name = self.pop(op)?;
                    let module = self.pop(op)?;
                    let (Value::Str(module), Value::Str(name)) = (module, name) else {
                        return Err(self.op_err(op, "module and name must be strings"));
                    };
                    let g = self.resolve(&module, &name)?;
                    self.push(Value::Global(g))?;
                }
                b'R' => {
                    let args = self.pop(op)?;
                    let func = self.pop(op)?;
                    let v = self.call(op, &func, &args)?;
                    self.push(v)?;
                }
                0x81 => {
                    // NEWOBJ: cls.__new__(cls, *args); only OrderedDict is constructible.
                    let _args = self.pop(op)?;
                    let cls = self.pop(op)?;
                    if cls != Value::Global(Global::OrderedDict) {
                        return Err(self.op_err(op, &format!("cannot construct {cls:?}")));
                    }
                    let v = self.new_obj(Obj::Dict(Vec::new()))?;
                    self.push(v)?;
                }
                b'b' => {
                    // BUILD sets instance state: OrderedDict's `_metadata`, a tensor's
                    // Python attributes. Neither matters for weights, so it is dropped.
                    let _state = self.pop(op)?;
                    let target = self.top(op)?.clone();
                    match self.obj_mut(&target) {
                        Some(Obj::Dict(_)) | Some(Obj::Tensor(_)) => {}
                        _ => return Err(self.op_err(op, "BUILD target is not a dict or tensor")),
                    }
                }
                b'Q' => {
                    let pid = self.pop(op)?;
                    let s = self.storage(op, &pid)?;
                    let v = self.new_obj(Obj::Storage(s))?;
                    self.push(v)?;
                }
                _ => {
                    return Err(self.err(match opcode_name(op) {
                        Some(name) => format!(
                            "unsupported pickle opcode 0x{op:02x} ({name}) at offset {}",
                            self.op_pos
                        ),
                        None => {
                            format!("unknown pickle opcode 0x{op:02x} at offset {}", self.op_pos)
                        }
                    }))
                }
            }
        }
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
            Some(Obj::List(l)) if op != 0x90 => {
                l.extend(new);
                Ok(())
            }
            Some(Obj::Set(s)) if op == 0x90 => {
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

/// Names of opcodes this VM knows but refuses (text-protocol and extension forms), so the
/// error says what was found.
fn opcode_name(op: u8) -> Option<&'static str> {
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
        b'R' => "REDUCE",
        b'b' => "BUILD",
        0x81 => "NEWOBJ",
        b'Q' => "BINPERSID",
        b's' => "SETITEM",
        b'u' => "SETITEMS",
        b'a' => "APPEND",
        b'e' => "APPENDS",
        0x90 => "ADDITEMS",
        b't' => "TUPLE",
        0x85 => "TUPLE1",
        0x86 => "TUPLE2",
        0x87 => "TUPLE3",
        b'l' => "LIST",
        b'd' => "DICT",
        0x91 => "FROZENSET",
        b'q' => "BINPUT",
        b'r' => "LONG_BINPUT",
        0x94 => "MEMOIZE",
        b'h' => "BINGET",
        b'j' => "LONG_BINGET",
        b'0' => "POP",
        b'1' => "POP_MARK",
        b'2' => "DUP",
        0x93 => "STACK_GLOBAL",
        b'.' => "STOP",
        0x80 => "PROTO",
        _ => return None,
    })
}
