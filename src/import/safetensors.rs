//! `.safetensors` files: an 8-byte little-endian header length, a JSON header
//! `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`
//! and a byte buffer the offsets index (format described in huggingface/safetensors README).
//! The JSON subset parser below handles exactly what such headers contain, with a depth limit.

use crate::error::{Error, Result};
use crate::import::{checked_numel, decode_floats, DType, StateDict, StateDictBuilder};
use crate::tensor::Tensor;

/// The reference implementation refuses headers above 100 MB; so do we.
const MAX_HEADER: u64 = 100_000_000;
const MAX_DEPTH: usize = 32;

/// True if `bytes` starts like a safetensors file: a header length that fits the file,
/// followed by `{`.
pub fn looks_like_safetensors(bytes: &[u8]) -> bool {
    let Some(len) = bytes.get(..8).and_then(|b| b.try_into().ok()) else {
        return false;
    };
    let n = u64::from_le_bytes(len);
    (2..=MAX_HEADER).contains(&n) && n <= (bytes.len() as u64 - 8) && bytes.get(8) == Some(&b'{')
}

pub fn read_safetensors(bytes: &[u8], file: &str) -> Result<StateDict> {
    let err = |msg: String| Error::Safetensors {
        file: file.to_string(),
        msg,
    };
    let Some(len) = bytes.get(..8).and_then(|b| b.try_into().ok()) else {
        return Err(err(format!(
            "truncated: file has {} bytes, less than the 8-byte header length",
            bytes.len()
        )));
    };
    let n = u64::from_le_bytes(len);
    let rest = bytes.len() as u64 - 8;
    if n > MAX_HEADER || n > rest {
        return Err(err(format!(
            "header length {n} exceeds the {rest} bytes after it (or the {MAX_HEADER}-byte limit)"
        )));
    }
    let header_end = 8 + n as usize; // n <= rest, so this fits
    let header = bytes.get(8..header_end).unwrap_or_default();
    let buffer = bytes.get(header_end..).unwrap_or_default();
    let text = std::str::from_utf8(header).map_err(|e| err(format!("header is not UTF-8: {e}")))?;
    let json = Parser::new(text)
        .document()
        .map_err(|m| err(format!("header is not valid JSON: {m}")))?;
    let Json::Obj(fields) = json else {
        return Err(err("header is not a JSON object".into()));
    };

    let mut sd = StateDictBuilder::default();
    let mut spans: Vec<(usize, usize, &str)> = Vec::with_capacity(fields.len());
    for (name, info) in &fields {
        if name == "__metadata__" {
            continue;
        }
        let e = |m: String| err(format!("tensor `{name}`: {m}"));
        let info = TensorInfo::from_json(info).map_err(e)?;
        let (size, float) = dtype_info(&info.dtype).ok_or_else(|| {
            e(format!(
                "unsupported dtype `{}`; expected F64, F32, F16, BF16 or an integer type",
                info.dtype
            ))
        })?;
        let (begin, end) = info.offsets;
        let numel =
            checked_numel(&info.shape).ok_or_else(|| e("shape element count overflows".into()))?;
        let expected = numel
            .checked_mul(size)
            .ok_or_else(|| e("shape byte size overflows".into()))?;
        if begin > end || end > buffer.len() {
            return Err(e(format!(
                "data_offsets [{begin}, {end}] are outside the {}-byte data buffer",
                buffer.len()
            )));
        }
        if end - begin != expected {
            return Err(e(format!(
                "data_offsets [{begin}, {end}] span {} bytes but dtype {} and shape {:?} need \
                 {expected}",
                end - begin,
                info.dtype,
                info.shape
            )));
        }
        spans.push((begin, end, name));
        let raw = buffer.get(begin..end).unwrap_or_default();
        match float {
            Some(dtype) => {
                let data = decode_floats(dtype, raw, false)
                    .ok_or_else(|| e("data length is not a whole number of elements".into()))?;
                sd.insert(name, Tensor::new(info.shape, data))
                    .map_err(err)?;
            }
            None => sd.skip(name).map_err(err)?,
        }
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        if let [(_, end_a, a), (begin_b, _, b)] = pair {
            if begin_b < end_a {
                return Err(err(format!(
                    "tensors `{a}` and `{b}` overlap in the data buffer"
                )));
            }
        }
    }
    Ok(sd.finish())
}

/// (element size, float dtype or `None` for the integer types that go to `skipped`).
fn dtype_info(s: &str) -> Option<(usize, Option<DType>)> {
    Some(match s {
        "F64" => (8, Some(DType::F64)),
        "F32" => (4, Some(DType::F32)),
        "F16" => (2, Some(DType::F16)),
        "BF16" => (2, Some(DType::BF16)),
        "I64" | "U64" => (8, None),
        "I32" | "U32" => (4, None),
        "I16" | "U16" => (2, None),
        "I8" | "U8" | "BOOL" => (1, None),
        _ => return None,
    })
}

struct TensorInfo {
    dtype: String,
    shape: Vec<usize>,
    offsets: (usize, usize),
}

impl TensorInfo {
    fn from_json(j: &Json) -> std::result::Result<Self, String> {
        let Json::Obj(fields) = j else {
            return Err("entry is not a JSON object".into());
        };
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v);
        let dtype = match get("dtype") {
            Some(Json::Str(s)) => s.clone(),
            _ => return Err("missing string field `dtype`".into()),
        };
        let ints = |k: &str| -> std::result::Result<Vec<usize>, String> {
            match get(k) {
                Some(Json::Arr(a)) => a
                    .iter()
                    .map(Json::as_usize)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("`{k}` holds something other than non-negative ints")),
                _ => Err(format!("missing array field `{k}`")),
            }
        };
        let shape = ints("shape")?;
        let offsets = match ints("data_offsets")?.as_slice() {
            [a, b] => (*a, *b),
            other => {
                return Err(format!(
                    "`data_offsets` has {} items, expected 2",
                    other.len()
                ))
            }
        };
        Ok(TensorInfo {
            dtype,
            shape,
            offsets,
        })
    }
}

#[derive(Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    /// The number's text; only non-negative integers are ever interpreted.
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn as_usize(&self) -> Option<usize> {
        match self {
            Json::Num(s) if s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
            _ => None,
        }
    }
}

/// Recursive-descent parser for RFC 8259 JSON over a `&str`.
struct Parser<'a> {
    s: &'a str,
    pos: usize,
    depth: usize,
}

type PResult<T> = std::result::Result<T, String>;

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Self {
        Parser {
            s,
            pos: 0,
            depth: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn fail<T>(&self, what: &str) -> PResult<T> {
        Err(format!("{what} at byte {}", self.pos))
    }

    fn expect(&mut self, c: u8) -> PResult<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail(&format!("expected `{}`", c as char))
        }
    }

    /// A whole document: one value, then only whitespace (writers pad headers with spaces).
    fn document(mut self) -> PResult<Json> {
        let v = self.value()?;
        self.ws();
        if self.pos != self.s.len() {
            return self.fail("trailing characters");
        }
        Ok(v)
    }

    fn value(&mut self) -> PResult<Json> {
        self.ws();
        match self.peek() {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'n') => self.word("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => self.fail("unexpected character"),
            None => self.fail("unexpected end"),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> PResult<Json>) -> PResult<Json> {
        if self.depth >= MAX_DEPTH {
            return self.fail(&format!("nesting deeper than {MAX_DEPTH}"));
        }
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn word(&mut self, w: &str, v: Json) -> PResult<Json> {
        if self.s.get(self.pos..).is_some_and(|r| r.starts_with(w)) {
            self.pos += w.len();
            Ok(v)
        } else {
            self.fail("invalid literal")
        }
    }

    fn object(&mut self) -> PResult<Json> {
        self.expect(b'{')?;
        let mut fields: Vec<(String, Json)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Obj(fields));
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            self.expect(b':')?;
            let v = self.value()?;
            if !seen.insert(key.clone()) {
                return self.fail(&format!("duplicate key {key:?}"));
            }
            fields.push((key, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Obj(fields));
                }
                _ => return self.fail("expected `,` or `}`"),
            }
        }
    }

    fn array(&mut self) -> PResult<Json> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Arr(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Arr(items));
                }
                _ => return self.fail("expected `,` or `]`"),
            }
        }
    }

    fn number(&mut self) -> PResult<Json> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > s
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        if !digits(self) {
            return self.fail("invalid number");
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return self.fail("invalid number");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return self.fail("invalid number");
            }
        }
        Ok(Json::Num(
            self.s.get(start..self.pos).unwrap_or_default().to_string(),
        ))
    }

    fn hex4(&mut self) -> PResult<u32> {
        let h = self.s.get(self.pos..self.pos + 4).unwrap_or_default();
        match u32::from_str_radix(h, 16) {
            Ok(v) if h.len() == 4 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                self.pos += 4;
                Ok(v)
            }
            _ => self.fail("invalid \\u escape"),
        }
    }

    fn string(&mut self) -> PResult<String> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control character at once;
            // those are ASCII, so the run ends on a char boundary.
            let rest = self.s.get(self.pos..).unwrap_or_default();
            let run = rest
                .bytes()
                .position(|b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            out.push_str(rest.get(..run).unwrap_or_default());
            self.pos += run;
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = self.peek();
                    self.pos += 1;
                    match c {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => out.push(self.unicode_escape()?),
                        _ => return self.fail("invalid escape"),
                    }
                }
                Some(_) => return self.fail("control character in string"),
                None => return self.fail("unterminated string"),
            }
        }
    }

    /// `\uXXXX`, combining a UTF-16 surrogate pair when one follows.
    fn unicode_escape(&mut self) -> PResult<char> {
        let hi = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&hi) {
            if self.s.get(self.pos..).is_some_and(|r| r.starts_with("\\u")) {
                self.pos += 2;
                let lo = self.hex4()?;
                if !(0xdc00..0xe000).contains(&lo) {
                    return self.fail("unpaired surrogate");
                }
                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
            } else {
                return self.fail("unpaired surrogate");
            }
        } else {
            hi
        };
        match char::from_u32(code) {
            Some(c) => Ok(c),
            None => self.fail("unpaired surrogate"),
        }
    }
}
