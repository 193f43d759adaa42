//! A read-only zip reader for the archives `torch.save` writes: stored (uncompressed) entries,
//! with or without zip64 records. Layout follows PKWARE's APPNOTE.TXT (sections 4.3.6-4.3.16).
//! Nothing here trusts the file: each record is bounds-checked against the buffer before it is
//! read, and entry data is checked against its CRC-32 when it is read.

use std::collections::HashMap;

use crate::error::{Error, Result};

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD64_SIG: u32 = 0x0606_4b50;
const EOCD64_LOCATOR_SIG: u32 = 0x0706_4b50;
const EOCD_LEN: usize = 22;
const EOCD64_LOCATOR_LEN: usize = 20;
const EOCD64_LEN: usize = 56;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;
const MAX_COMMENT: usize = 0xffff;
const ZIP64_EXTRA_ID: u16 = 0x0001;

/// One file in the archive, as described by the central directory.
#[derive(Clone, Debug)]
pub struct ZipEntry {
    pub name: String,
    pub method: u16,
    pub flags: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub size: u64,
    pub local_header_offset: u64,
}

/// A parsed archive borrowing the file's bytes; entry data is handed out as sub-slices.
pub struct ZipArchive<'a> {
    bytes: &'a [u8],
    file: String,
    entries: Vec<ZipEntry>,
    by_name: HashMap<String, usize>,
}

/// Little-endian field reader over one record.
struct Fields<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    fn new(b: &'a [u8]) -> Self {
        Fields { b, pos: 0 }
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.b.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

fn read_u32(b: &[u8], at: usize) -> Option<u32> {
    Fields::new(b.get(at..)?).u32()
}

impl<'a> ZipArchive<'a> {
    pub fn parse(bytes: &'a [u8], file: &str) -> Result<Self> {
        let mut z = ZipArchive {
            bytes,
            file: file.to_string(),
            entries: Vec::new(),
            by_name: HashMap::new(),
        };
        let (cd_offset, cd_size, count) = z.find_central_directory()?;
        z.read_central_directory(cd_offset, cd_size, count)?;
        Ok(z)
    }

    fn err(&self, msg: impl Into<String>) -> Error {
        Error::Torch {
            file: self.file.clone(),
            msg: msg.into(),
        }
    }

    pub fn entries(&self) -> &[ZipEntry] {
        &self.entries
    }

    pub fn entry(&self, name: &str) -> Option<&ZipEntry> {
        self.by_name.get(name).and_then(|&i| self.entries.get(i))
    }

    /// Locate the end-of-central-directory record (scanning back over a comment of up to 64 KiB)
    /// and, if present, the zip64 record it points to. Returns (offset, size, entry count).
    fn find_central_directory(&self) -> Result<(u64, u64, u64)> {
        let len = self.bytes.len();
        let eocd = if len < EOCD_LEN {
            None
        } else {
            let last = len - EOCD_LEN;
            let first = last.saturating_sub(MAX_COMMENT);
            (first..=last)
                .rev()
                .find(|&i| read_u32(self.bytes, i) == Some(EOCD_SIG))
        };
        let Some(eocd) = eocd else {
            let msg = if self.bytes.starts_with(b"PK") {
                "truncated or corrupt zip archive: no end-of-central-directory record \
                 (the file was probably cut short)"
            } else {
                "not a zip archive: no end-of-central-directory record"
            };
            return Err(self.err(msg));
        };
        let short = || {
            self.err(format!(
                "truncated: end-of-central-directory at offset {eocd}"
            ))
        };
        let mut f = Fields::new(self.bytes.get(eocd..).ok_or_else(short)?);
        f.take(4).ok_or_else(short)?;
        let disk = f.u16().ok_or_else(short)?;
        let cd_disk = f.u16().ok_or_else(short)?;
        let _count_here = f.u16().ok_or_else(short)?;
        let count = f.u16().ok_or_else(short)?;
        let cd_size = f.u32().ok_or_else(short)?;
        let cd_offset = f.u32().ok_or_else(short)?;
        if disk != 0 || cd_disk != 0 {
            return Err(self.err("multi-disk (split) zip archives are not supported"));
        }
        if let Some(loc) = eocd.checked_sub(EOCD64_LOCATOR_LEN) {
            if read_u32(self.bytes, loc) == Some(EOCD64_LOCATOR_SIG) {
                return self.read_zip64_eocd(loc);
            }
        }
        Ok((u64::from(cd_offset), u64::from(cd_size), u64::from(count)))
    }

    fn read_zip64_eocd(&self, locator: usize) -> Result<(u64, u64, u64)> {
        let bad = || self.err(format!("truncated: zip64 locator at offset {locator}"));
        let mut f = Fields::new(self.bytes.get(locator..).ok_or_else(bad)?);
        f.take(8).ok_or_else(bad)?; // signature, disk with the zip64 record
        let at = f.u64().ok_or_else(bad)?;
        let start = usize::try_from(at)
            .ok()
            .filter(|&s| {
                s.checked_add(EOCD64_LEN)
                    .is_some_and(|e| e <= self.bytes.len())
            })
            .ok_or_else(|| {
                self.err(format!(
                    "truncated: zip64 end-of-central-directory at offset {at} extends past end \
                     of file (size {})",
                    self.bytes.len()
                ))
            })?;
        let mut f = Fields::new(self.bytes.get(start..).ok_or_else(bad)?);
        if f.u32() != Some(EOCD64_SIG) {
            return Err(self.err(format!(
                "corrupt zip archive: no zip64 end-of-central-directory signature at offset {at}"
            )));
        }
        f.take(8 + 2 + 2).ok_or_else(bad)?; // record size, versions
        let disk = f.u32().ok_or_else(bad)?;
        let cd_disk = f.u32().ok_or_else(bad)?;
        let _count_here = f.u64().ok_or_else(bad)?;
        let count = f.u64().ok_or_else(bad)?;
        let cd_size = f.u64().ok_or_else(bad)?;
        let cd_offset = f.u64().ok_or_else(bad)?;
        if disk != 0 || cd_disk != 0 {
            return Err(self.err("multi-disk (split) zip archives are not supported"));
        }
        Ok((cd_offset, cd_size, count))
    }

    fn read_central_directory(&mut self, offset: u64, size: u64, count: u64) -> Result<()> {
        let len = self.bytes.len();
        let range = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(size).ok())
            .and_then(|(o, s)| self.bytes.get(o..o.checked_add(s)?));
        let Some(cd) = range else {
            return Err(self.err(format!(
                "truncated: central directory at offset {offset} (size {size}) extends past \
                 end of file (size {len})"
            )));
        };
        // Each header takes at least CENTRAL_LEN bytes, which bounds a believable count.
        if count > (cd.len() / CENTRAL_LEN) as u64 {
            return Err(self.err(format!(
                "corrupt zip archive: {count} entries cannot fit in a central directory of \
                 {size} bytes"
            )));
        }
        let mut pos = 0usize;
        for i in 0..count {
            let entry = self.parse_central_header(cd, &mut pos).ok_or_else(|| {
                self.err(format!(
                    "corrupt zip archive: central directory entry {i} at offset {} is \
                     truncated or has a bad signature",
                    offset.saturating_add(pos as u64)
                ))
            })?;
            if entry.name.is_empty() {
                return Err(self.err(format!("corrupt zip archive: entry {i} has an empty name")));
            }
            if self.by_name.contains_key(&entry.name) {
                return Err(self.err(format!(
                    "corrupt zip archive: duplicate entry `{}`",
                    entry.name
                )));
            }
            self.by_name.insert(entry.name.clone(), self.entries.len());
            self.entries.push(entry);
        }
        Ok(())
    }

    /// Parse the central header at `cd[*pos..]` and advance `pos` past it.
    fn parse_central_header(&self, cd: &[u8], pos: &mut usize) -> Option<ZipEntry> {
        let mut f = Fields::new(cd.get(*pos..)?);
        if f.u32()? != CENTRAL_SIG {
            return None;
        }
        f.take(4)?; // versions
        let flags = f.u16()?;
        let method = f.u16()?;
        f.take(4)?; // time, date
        let crc32 = f.u32()?;
        let mut compressed_size = u64::from(f.u32()?);
        let mut size = u64::from(f.u32()?);
        let name_len = usize::from(f.u16()?);
        let extra_len = usize::from(f.u16()?);
        let comment_len = usize::from(f.u16()?);
        f.take(8)?; // disk start, attributes
        let mut local_header_offset = u64::from(f.u32()?);
        let name_bytes = f.take(name_len)?;
        let extra = f.take(extra_len)?;
        f.take(comment_len)?;
        *pos = pos.checked_add(f.pos)?;

        // Zip64 extended information (APPNOTE 4.5.3): present fields are those whose 32-bit
        // value is saturated, in the order size, compressed size, header offset.
        let mut ex = Fields::new(extra);
        while let (Some(id), Some(n)) = (ex.u16(), ex.u16()) {
            let body = ex.take(usize::from(n))?;
            if id == ZIP64_EXTRA_ID {
                let mut z = Fields::new(body);
                if size == 0xffff_ffff {
                    size = z.u64()?;
                }
                if compressed_size == 0xffff_ffff {
                    compressed_size = z.u64()?;
                }
                if local_header_offset == 0xffff_ffff {
                    local_header_offset = z.u64()?;
                }
            }
        }
        Some(ZipEntry {
            name: String::from_utf8_lossy(name_bytes).into_owned(),
            method,
            flags,
            crc32,
            compressed_size,
            size,
            local_header_offset,
        })
    }

    /// The bytes of a stored entry, after checking its local header and CRC-32.
    pub fn read(&self, entry: &ZipEntry) -> Result<&'a [u8]> {
        let name = &entry.name;
        if entry.flags & 1 != 0 {
            return Err(self.err(format!("zip entry `{name}` is encrypted")));
        }
        match entry.method {
            0 => {}
            8 => {
                return Err(self.err(format!(
                    "zip entry `{name}` is deflate-compressed (method 8); only stored entries \
                     are supported, as written by torch.save (re-save the checkpoint with \
                     torch.save instead of re-zipping it)"
                )))
            }
            m => {
                return Err(self.err(format!(
                    "zip entry `{name}` uses compression method {m}; only stored (0) is supported"
                )))
            }
        }
        if entry.compressed_size != entry.size {
            return Err(self.err(format!(
                "zip entry `{name}` is stored but its compressed size {} differs from its size {}",
                entry.compressed_size, entry.size
            )));
        }
        let len = self.bytes.len();
        let at = entry.local_header_offset;
        let header = usize::try_from(at)
            .ok()
            .and_then(|a| self.bytes.get(a..))
            .filter(|h| h.len() >= LOCAL_LEN)
            .ok_or_else(|| {
                self.err(format!(
                    "truncated: local header of `{name}` at offset {at} extends past end of \
                     file (size {len})"
                ))
            })?;
        let mut f = Fields::new(header);
        let bad_local = || self.err(format!("corrupt zip archive: bad local header of `{name}`"));
        if f.u32() != Some(LOCAL_SIG) {
            return Err(bad_local());
        }
        f.take(22).ok_or_else(bad_local)?; // versions..sizes; the central copy is authoritative
        let name_len = usize::from(f.u16().ok_or_else(bad_local)?);
        let extra_len = usize::from(f.u16().ok_or_else(bad_local)?);
        if f.take(name_len) != Some(name.as_bytes()) {
            return Err(self.err(format!(
                "corrupt zip archive: local header at offset {at} does not name `{name}`"
            )));
        }
        // at + LOCAL_LEN + name + extra fits in usize because `header` was sliced at `at`.
        let start = usize::try_from(at)
            .ok()
            .and_then(|a| a.checked_add(LOCAL_LEN + name_len + extra_len));
        let data = start
            .zip(usize::try_from(entry.size).ok())
            .and_then(|(s, n)| self.bytes.get(s..s.checked_add(n)?))
            .ok_or_else(|| {
                self.err(format!(
                    "truncated: data of `{name}` ({} bytes at offset {}) extends past end of \
                     file (size {len})",
                    entry.size,
                    start.map_or(u64::MAX, |s| s as u64)
                ))
            })?;
        let crc = crc32(data);
        if crc != entry.crc32 {
            return Err(self.err(format!(
                "corrupt zip archive: CRC-32 of `{name}` is {crc:08x}, expected {:08x}",
                entry.crc32
            )));
        }
        Ok(data)
    }

    pub fn read_name(&self, name: &str) -> Result<&'a [u8]> {
        match self.entry(name) {
            Some(e) => self.read(e),
            None => Err(self.err(format!("zip archive has no entry `{name}`"))),
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as zip uses it, computed eight bytes
/// at a time with the "slicing-by-8" tables (Kounavis & Berry, Intel, 2005): table k maps a
/// byte to its CRC contribution k positions further along.
pub fn crc32(data: &[u8]) -> u32 {
    const TABLES: [[u32; 256]; 8] = {
        let mut t = [[0u32; 256]; 8];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[0][i] = c;
            i += 1;
        }
        let mut k = 1;
        while k < 8 {
            let mut i = 0;
            while i < 256 {
                let prev = t[k - 1][i];
                t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
                i += 1;
            }
            k += 1;
        }
        t
    };
    let [t0, t1, t2, t3, t4, t5, t6, t7] = &TABLES;
    let at = |t: &[u32; 256], x: u32| t[(x & 0xff) as usize];
    let mut c = !0u32;
    let mut chunks = data.chunks_exact(8);
    for ch in &mut chunks {
        let w = u64::from_le_bytes(ch.try_into().unwrap_or([0; 8]));
        let lo = (w as u32) ^ c;
        let hi = (w >> 32) as u32;
        c = at(t7, lo)
            ^ at(t6, lo >> 8)
            ^ at(t5, lo >> 16)
            ^ at(t4, lo >> 24)
            ^ at(t3, hi)
            ^ at(t2, hi >> 8)
            ^ at(t1, hi >> 16)
            ^ at(t0, hi >> 24);
    }
    for &b in chunks.remainder() {
        c = at(t0, c ^ u32::from(b)) ^ (c >> 8);
    }
    !c
}
