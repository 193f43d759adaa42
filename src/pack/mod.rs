//! The ghostrt weight pack (`.grt`): a deploy graph plus 64-byte aligned little-endian f32
//! tensors, mapped in place at load time. Format: `weights/FORMAT.md`.

mod codec;

use crate::error::{Error, Result};
use crate::graph::{Backing, Graph};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

pub const MAGIC: [u8; 8] = *b"GHOSTRT\0";
pub const VERSION: u32 = 1;
pub const HEADER_SIZE: usize = 64;
pub const ALIGN: usize = 64;

/// A caller's pack bytes copied into 64-byte aligned storage (for loading from memory).
pub struct AlignedBytes {
    words: Vec<[u64; 8]>,
    len: usize,
}

impl AlignedBytes {
    pub fn copy_from(bytes: &[u8]) -> Self {
        let mut words = vec![[0u64; 8]; bytes.len().div_ceil(64)];
        for (chunk, w) in bytes.chunks(64).zip(words.iter_mut()) {
            let mut buf = [0u8; 64];
            buf[..chunk.len()].copy_from_slice(chunk);
            for (i, x) in w.iter_mut().enumerate() {
                let mut b = [0u8; 8];
                b.copy_from_slice(&buf[i * 8..i * 8 + 8]);
                *x = u64::from_ne_bytes(b);
            }
        }
        AlignedBytes {
            words,
            len: bytes.len(),
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `words` owns at least `len` initialized bytes; u8 has no alignment needs.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr() as *const u8, self.len) }
    }
}

/// FNV-1a over little-endian 64-bit words (the tail zero-padded to a word): a fast
/// corruption check, not a cryptographic one.
pub fn checksum(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(PRIME);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(PRIME);
    }
    h
}

/// Serialize a graph whose weights are all in memory.
pub fn encode(g: &Graph) -> Result<Vec<u8>> {
    codec::encode(g)
}

/// Write a pack atomically: a temp file beside `path`, synced, then renamed over it.
pub fn write(path: &Path, g: &Graph) -> Result<()> {
    let bytes = encode(g)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.tmp.{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        f.write_all(&bytes).map_err(|e| Error::io(&tmp, e))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Open a pack file by memory-mapping it; weights stay in the mapping.
pub fn open(path: &Path) -> Result<Graph> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    // SAFETY: the mapping is read-only. Like every mmap-based loader we rely on the file not
    // being truncated or rewritten while mapped; `write` replaces packs by rename, which
    // leaves existing mappings intact.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
    decode(Arc::new(Backing::Map(map)), &path.display().to_string())
}

/// Load a pack from a caller's bytes (copied once into aligned storage).
pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Graph> {
    decode(
        Arc::new(Backing::Bytes(AlignedBytes::copy_from(bytes))),
        name,
    )
}

fn decode(backing: Arc<Backing>, file: &str) -> Result<Graph> {
    if !cfg!(target_endian = "little") {
        return Err(Error::pack(
            file,
            "packs are little-endian; this host is big-endian",
        ));
    }
    let bytes = backing.bytes();
    let hdr = Header::parse(bytes, file)?;
    let graph_bytes = &bytes[hdr.graph_offset..hdr.graph_offset + hdr.graph_len];
    let g = codec::decode(graph_bytes, file, &backing, hdr.data_offset, hdr.data_len)?;
    Ok(g)
}

struct Header {
    graph_offset: usize,
    graph_len: usize,
    data_offset: usize,
    data_len: usize,
}

impl Header {
    fn parse(bytes: &[u8], file: &str) -> Result<Header> {
        if bytes.len() < HEADER_SIZE {
            return Err(Error::pack(
                file,
                format!(
                    "truncated: {} bytes, shorter than the {HEADER_SIZE}-byte header",
                    bytes.len()
                ),
            ));
        }
        if bytes[..8] != MAGIC {
            return Err(Error::pack(
                file,
                "not a ghostrt weight pack (bad magic; expected \"GHOSTRT\\0\")",
            ));
        }
        let u32_at =
            |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
        let u64_at = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[o..o + 8]);
            u64::from_le_bytes(b)
        };
        let version = u32_at(8);
        if version != VERSION {
            return Err(Error::pack(file, format!("format version {version}, this ghostrt reads version {VERSION}; repack with `cargo xtask pack-weights`")));
        }
        let file_size = u64_at(16);
        if file_size != bytes.len() as u64 {
            return Err(Error::pack(
                file,
                format!(
                    "truncated or padded: header says {file_size} bytes, file has {}",
                    bytes.len()
                ),
            ));
        }
        let fields = [u64_at(24), u64_at(32), u64_at(40), u64_at(48)];
        let [go, gl, doff, dl] = fields.map(|v| usize::try_from(v).unwrap_or(usize::MAX));
        let in_file = |o: usize, l: usize| {
            o >= HEADER_SIZE && o.checked_add(l).is_some_and(|e| e <= bytes.len())
        };
        if !in_file(go, gl) || !in_file(doff, dl) || doff % ALIGN != 0 {
            return Err(Error::pack(
                file,
                format!(
                    "section table out of bounds: graph {go}+{gl}, data {doff}+{dl}, file {}",
                    bytes.len()
                ),
            ));
        }
        let stored = u64_at(56);
        let actual = checksum(&bytes[HEADER_SIZE..]);
        if stored != actual {
            return Err(Error::pack(file, format!("checksum mismatch (stored {stored:016x}, computed {actual:016x}): the file is corrupt")));
        }
        Ok(Header {
            graph_offset: go,
            graph_len: gl,
            data_offset: doff,
            data_len: dl,
        })
    }
}

/// Build the 64-byte header for sections already laid out (used by the codec).
pub(crate) fn header(
    file_size: usize,
    graph: (usize, usize),
    data: (usize, usize),
    sum: u64,
) -> [u8; HEADER_SIZE] {
    let mut h = [0u8; HEADER_SIZE];
    h[..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..16].copy_from_slice(&(HEADER_SIZE as u32).to_le_bytes());
    for (i, v) in [file_size, graph.0, graph.1, data.0, data.1]
        .into_iter()
        .enumerate()
    {
        h[16 + 8 * i..24 + 8 * i].copy_from_slice(&(v as u64).to_le_bytes());
    }
    h[56..64].copy_from_slice(&sum.to_le_bytes());
    h
}
