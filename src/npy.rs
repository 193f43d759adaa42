//! `.npy` reading and writing (float32, C order), following numpy's format spec
//! (numpy/lib/format.py): magic `\x93NUMPY`, version, header length, and a Python dict
//! literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces
//! to a multiple of 64 bytes and ended by a newline. Float64 and float16 files are read too,
//! converted to f32.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::import::{checked_numel, decode_floats, DType};
use crate::tensor::Tensor;

const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// numpy aligns the data start to 64 bytes (format.ARRAY_ALIGN).
const ALIGN: usize = 64;

pub fn read_npy(path: &Path) -> Result<Tensor> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_npy(&bytes, &path.display().to_string())
}

pub fn parse_npy(bytes: &[u8], file: &str) -> Result<Tensor> {
    parse(bytes).map_err(|msg| Error::Npy {
        file: file.to_string(),
        msg,
    })
}

fn parse(bytes: &[u8]) -> std::result::Result<Tensor, String> {
    if !bytes.starts_with(MAGIC) {
        return Err("not a .npy file (missing \\x93NUMPY magic)".into());
    }
    let (major, minor) = match bytes.get(6..8) {
        Some(&[a, b]) => (a, b),
        _ => return Err("truncated: no version".into()),
    };
    let (len, start): (usize, usize) = match major {
        1 => match bytes.get(8..10) {
            Some(&[a, b]) => (usize::from(u16::from_le_bytes([a, b])), 10),
            _ => return Err("truncated: no header length".into()),
        },
        2 | 3 => match bytes.get(8..12) {
            Some(&[a, b, c, d]) => (u32::from_le_bytes([a, b, c, d]) as usize, 12),
            _ => return Err("truncated: no header length".into()),
        },
        _ => return Err(format!("unsupported format version {major}.{minor}")),
    };
    let header = start
        .checked_add(len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| {
            format!(
                "truncated: header of {len} bytes extends past end of file (size {})",
                bytes.len()
            )
        })?;
    let data = bytes.get(start + len..).unwrap_or_default();
    // Versions 1 and 2 are latin-1; numpy only ever writes ASCII there, so UTF-8 covers both.
    let text = std::str::from_utf8(header).map_err(|_| "header is not text".to_string())?;
    let h = Header::parse(text)?;

    let (dtype, big_endian) = match h.descr.as_str() {
        "<f4" => (DType::F32, false),
        ">f4" => (DType::F32, true),
        "<f8" => (DType::F64, false),
        ">f8" => (DType::F64, true),
        "<f2" => (DType::F16, false),
        ">f2" => (DType::F16, true),
        d => {
            return Err(format!(
                "unsupported dtype `{d}`; expected float32 ('<f4'), float64 or float16"
            ))
        }
    };
    if h.fortran_order {
        return Err(
            "fortran_order arrays are not supported; save with np.ascontiguousarray".into(),
        );
    }
    let numel = checked_numel(&h.shape).ok_or("shape element count overflows")?;
    let need = numel
        .checked_mul(dtype.size())
        .ok_or("shape byte size overflows")?;
    if data.len() != need {
        return Err(format!(
            "data is {} bytes but shape {:?} of {} needs {need}",
            data.len(),
            h.shape,
            h.descr
        ));
    }
    let values = decode_floats(dtype, data, big_endian).ok_or("bad data length")?;
    Ok(Tensor::new(h.shape, values))
}

struct Header {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

enum Lit {
    Str(String),
    Bool(bool),
    Tuple(Vec<usize>),
}

impl Header {
    /// Parse the dict literal numpy writes with `repr` (keys and strings in quotes, `True`/
    /// `False`, a tuple of ints for the shape). Nothing else is accepted.
    fn parse(text: &str) -> std::result::Result<Header, String> {
        let mut p = Lexer { s: text, pos: 0 };
        let (mut descr, mut fortran, mut shape) = (None, None, None);
        p.expect("{")?;
        loop {
            if p.eat("}") {
                break;
            }
            let key = p.string()?;
            p.expect(":")?;
            let value = p.literal()?;
            match (key.as_str(), value) {
                ("descr", Lit::Str(s)) => descr = Some(s),
                ("fortran_order", Lit::Bool(b)) => fortran = Some(b),
                ("shape", Lit::Tuple(t)) => shape = Some(t),
                (k, _) => return Err(format!("header has an unexpected or mistyped key `{k}`")),
            }
            if !p.eat(",") {
                p.expect("}")?;
                break;
            }
        }
        if !p.rest().trim().is_empty() {
            return Err("header has characters after the dict".into());
        }
        match (descr, fortran, shape) {
            (Some(descr), Some(fortran_order), Some(shape)) => Ok(Header {
                descr,
                fortran_order,
                shape,
            }),
            _ => Err("header lacks one of 'descr', 'fortran_order', 'shape'".into()),
        }
    }
}

struct Lexer<'a> {
    s: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        self.s.get(self.pos..).unwrap_or_default()
    }

    fn skip_ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(tok) {
            self.pos += tok.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &str) -> std::result::Result<(), String> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(format!("bad header: expected `{tok}` at byte {}", self.pos))
        }
    }

    fn string(&mut self) -> std::result::Result<String, String> {
        self.skip_ws();
        let r = self.rest();
        let quote = match r.chars().next() {
            Some(q @ ('\'' | '"')) => q,
            _ => {
                return Err(format!(
                    "bad header: expected a string at byte {}",
                    self.pos
                ))
            }
        };
        let body = r.get(1..).unwrap_or_default();
        let Some(end) = body.find(quote) else {
            return Err("bad header: unterminated string".into());
        };
        let s = body.get(..end).unwrap_or_default().to_string();
        self.pos += end + 2;
        Ok(s)
    }

    fn literal(&mut self) -> std::result::Result<Lit, String> {
        self.skip_ws();
        if self.eat("True") {
            return Ok(Lit::Bool(true));
        }
        if self.eat("False") {
            return Ok(Lit::Bool(false));
        }
        if self.eat("(") {
            let mut dims = Vec::new();
            loop {
                if self.eat(")") {
                    return Ok(Lit::Tuple(dims));
                }
                dims.push(self.int()?);
                if !self.eat(",") {
                    self.expect(")")?;
                    return Ok(Lit::Tuple(dims));
                }
            }
        }
        Ok(Lit::Str(self.string()?))
    }

    fn int(&mut self) -> std::result::Result<usize, String> {
        self.skip_ws();
        let r = self.rest();
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        let v = r
            .get(..n)
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| format!("bad header: expected a dimension at byte {}", self.pos))?;
        self.pos += n;
        Ok(v)
    }
}

/// The `.npy` bytes of `t` (version 1.0, or 2.0 if the header would not fit in 64 KiB).
pub fn encode_npy(t: &Tensor) -> Vec<u8> {
    let dims: Vec<String> = t.shape.iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims.join("")),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    let v1 = header.len() + 1 + 10 <= usize::from(u16::MAX);
    let prefix = if v1 { 10 } else { 12 };
    let pad = (ALIGN - (prefix + header.len() + 1) % ALIGN) % ALIGN;
    header.extend(std::iter::repeat_n(' ', pad));
    header.push('\n');

    let mut out = Vec::with_capacity(prefix + header.len() + t.data.len() * 4);
    out.extend_from_slice(MAGIC);
    if v1 {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&[2, 0]);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    for v in &t.data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Write `t` to `path` atomically: a temporary file in the same directory, then a rename, so
/// a reader never sees half a file.
pub fn write_npy(path: &Path, t: &Tensor) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::Usage(format!("{}: not a file path", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(&encode_npy(t))?;
            f.sync_all()
        })
        .map_err(|e| Error::io(&tmp, e))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
