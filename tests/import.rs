//! Checkpoint import: hand-built zip/pickle/safetensors/npy bytes for every branch and error,
//! plus real `torch.save` and safetensors files made by tests/data/import/make_import_data.py.

use std::path::PathBuf;

use ghostrt::import::zip::crc32;
use ghostrt::import::{load_state_dict, parse_state_dict, pickle, safetensors, torch, StateDict};
use ghostrt::npy::{encode_npy, parse_npy, read_npy, write_npy};
use ghostrt::Tensor;

// ---------------------------------------------------------------------------------------
// Builders

/// A stored-entry zip writer, optionally with zip64 records (as torch writes them) and a
/// compression method to claim.
struct ZipWriter {
    zip64: bool,
    method: u16,
}

impl ZipWriter {
    fn write(&self, entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let offset = out.len() as u32;
            let crc = crc32(data);
            out.extend(0x0403_4b50u32.to_le_bytes());
            out.extend(20u16.to_le_bytes());
            out.extend(0u16.to_le_bytes());
            out.extend(self.method.to_le_bytes());
            out.extend([0u8; 4]);
            out.extend(crc.to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes());
            out.extend(name.as_bytes());
            out.extend(*data);

            central.extend(0x0201_4b50u32.to_le_bytes());
            central.extend([0x1e, 0x03, 20, 0]);
            central.extend(0u16.to_le_bytes());
            central.extend(self.method.to_le_bytes());
            central.extend([0u8; 4]);
            central.extend(crc.to_le_bytes());
            central.extend((data.len() as u32).to_le_bytes());
            central.extend((data.len() as u32).to_le_bytes());
            central.extend((name.len() as u16).to_le_bytes());
            let extra_len: u16 = if self.zip64 { 12 } else { 0 };
            central.extend(extra_len.to_le_bytes());
            central.extend([0u8; 10]); // comment length, disk, attributes
            let off_field = if self.zip64 { u32::MAX } else { offset };
            central.extend(off_field.to_le_bytes());
            central.extend(name.as_bytes());
            if self.zip64 {
                central.extend(1u16.to_le_bytes());
                central.extend(8u16.to_le_bytes());
                central.extend(u64::from(offset).to_le_bytes());
            }
        }
        let cd_offset = out.len();
        out.extend(&central);
        let n = entries.len();
        if self.zip64 {
            let eocd64 = out.len();
            out.extend(0x0606_4b50u32.to_le_bytes());
            out.extend(44u64.to_le_bytes());
            out.extend([0x1e, 0x03, 45, 0]);
            out.extend([0u8; 8]);
            out.extend((n as u64).to_le_bytes());
            out.extend((n as u64).to_le_bytes());
            out.extend((central.len() as u64).to_le_bytes());
            out.extend((cd_offset as u64).to_le_bytes());
            out.extend(0x0706_4b50u32.to_le_bytes());
            out.extend(0u32.to_le_bytes());
            out.extend((eocd64 as u64).to_le_bytes());
            out.extend(1u32.to_le_bytes());
        }
        out.extend(0x0605_4b50u32.to_le_bytes());
        out.extend([0u8; 4]);
        let count: u16 = if self.zip64 { 0xffff } else { n as u16 };
        out.extend(count.to_le_bytes());
        out.extend(count.to_le_bytes());
        out.extend((central.len() as u32).to_le_bytes());
        let cd: u32 = if self.zip64 {
            u32::MAX
        } else {
            cd_offset as u32
        };
        out.extend(cd.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out
    }
}

const STORED: ZipWriter = ZipWriter {
    zip64: false,
    method: 0,
};

/// A torch.save-shaped archive: data.pkl, byteorder, version and data/<key> storages.
fn torch_zip_with(
    zw: &ZipWriter,
    pkl: &[u8],
    storages: &[(&str, Vec<u8>)],
    order: &str,
) -> Vec<u8> {
    let names: Vec<String> = storages
        .iter()
        .map(|(k, _)| format!("archive/data/{k}"))
        .collect();
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("archive/data.pkl", pkl),
        ("archive/byteorder", order.as_bytes()),
    ];
    for (name, (_, data)) in names.iter().zip(storages) {
        entries.push((name, data));
    }
    entries.push(("archive/version", b"3\n"));
    zw.write(&entries)
}

fn torch_zip(pkl: &[u8], storages: &[(&str, Vec<u8>)]) -> Vec<u8> {
    torch_zip_with(&STORED, pkl, storages, "little")
}

/// Pickle opcodes, emitted the way torch.save (protocol 2) does.
#[derive(Clone)]
struct Pk(Vec<u8>);

impl Pk {
    fn new() -> Self {
        Pk(vec![0x80, 2])
    }
    fn op(mut self, b: u8) -> Self {
        self.0.push(b);
        self
    }
    fn bytes(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
    fn global(self, module: &str, name: &str) -> Self {
        self.op(b'c')
            .bytes(format!("{module}\n{name}\n").as_bytes())
    }
    fn str(mut self, s: &str) -> Self {
        self.0.push(b'X');
        self.0.extend((s.len() as u32).to_le_bytes());
        self.bytes(s.as_bytes())
    }
    fn int(mut self, v: usize) -> Self {
        if v < 256 {
            self.op(b'K').op(v as u8)
        } else if v < 1 << 31 {
            self.0.push(b'J');
            self.bytes(&(v as i32).to_le_bytes())
        } else {
            self.op(0x8a).op(8).bytes(&(v as u64).to_le_bytes())
        }
    }
    fn ints(self, v: &[usize]) -> Self {
        v.iter().fold(self.op(b'('), |p, &x| p.int(x)).op(b't')
    }
    fn ordered_dict(self) -> Self {
        self.global("collections", "OrderedDict").op(b')').op(b'R')
    }
    /// `_rebuild_tensor_v2(('storage', torch.<ty>, key, 'cpu', numel), offset, size, stride,
    /// False, OrderedDict())`
    fn tensor(
        self,
        ty: &str,
        key: &str,
        numel: usize,
        offset: usize,
        size: &[usize],
        stride: &[usize],
    ) -> Self {
        self.global("torch._utils", "_rebuild_tensor_v2")
            .op(b'(')
            .op(b'(')
            .str("storage")
            .global("torch", ty)
            .str(key)
            .str("cpu")
            .int(numel)
            .op(b't')
            .op(b'Q')
            .int(offset)
            .ints(size)
            .ints(stride)
            .op(0x89)
            .ordered_dict()
            .op(b't')
            .op(b'R')
    }
    fn stop(self) -> Vec<u8> {
        self.op(b'.').0
    }
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn ramp(n: usize) -> Vec<f32> {
    (0..n).map(|i| i as f32).collect()
}

/// A one-tensor OrderedDict `{name: tensor}` over storage "0".
fn one_tensor(
    name: &str,
    ty: &str,
    numel: usize,
    offset: usize,
    size: &[usize],
    stride: &[usize],
) -> Vec<u8> {
    Pk::new()
        .ordered_dict()
        .op(b'(')
        .str(name)
        .tensor(ty, "0", numel, offset, size, stride)
        .op(b'u')
        .stop()
}

fn err_text<T: std::fmt::Debug>(r: ghostrt::Result<T>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

fn assert_err<T: std::fmt::Debug>(r: ghostrt::Result<T>, needle: &str) {
    let msg = err_text(r);
    assert!(
        msg.contains(needle),
        "error `{msg}` does not contain `{needle}`"
    );
}

fn tensor(sd: &StateDict, key: &str) -> Tensor {
    match sd.get(key) {
        Some(t) => t.clone(),
        None => panic!(
            "no tensor `{key}` in {:?} (skipped {:?})",
            sd.tensors.keys(),
            sd.skipped
        ),
    }
}

// ---------------------------------------------------------------------------------------
// torch: hand-built

#[test]
fn float32_tensor() {
    let pkl = one_tensor("w", "FloatStorage", 6, 0, &[2, 3], &[3, 1]);
    let file = torch_zip(&pkl, &[("0", f32_bytes(&[1.0, -2.0, 3.5, 0.0, 1e-3, 7.0]))]);
    let sd = parse_state_dict(&file, "mem").unwrap();
    let w = tensor(&sd, "w");
    assert_eq!(w.shape, vec![2, 3]);
    assert_eq!(w.data, vec![1.0, -2.0, 3.5, 0.0, 1e-3, 7.0]);
    assert!(sd.skipped.is_empty());
}

#[test]
fn zip64_archive_reads_like_plain() {
    let pkl = one_tensor("w", "FloatStorage", 3, 0, &[3], &[1]);
    let zw = ZipWriter {
        zip64: true,
        method: 0,
    };
    let file = torch_zip_with(&zw, &pkl, &[("0", f32_bytes(&[1.0, 2.0, 3.0]))], "little");
    let sd = torch::read_torch(&file, "mem").unwrap();
    assert_eq!(tensor(&sd, "w").data, vec![1.0, 2.0, 3.0]);
}

#[test]
fn half_and_bfloat16_tensors() {
    let half: [u16; 6] = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000, 0xfc00];
    let bf: [u16; 4] = [0x3f80, 0xc020, 0x0008, 0x7f80];
    let pkl = Pk::new()
        .ordered_dict()
        .op(b'(')
        .str("h")
        .tensor("HalfStorage", "0", 6, 0, &[6], &[1])
        .str("b")
        .tensor("BFloat16Storage", "1", 4, 0, &[2, 2], &[2, 1])
        .op(b'u')
        .stop();
    let hb: Vec<u8> = half.iter().flat_map(|x| x.to_le_bytes()).collect();
    let bb: Vec<u8> = bf.iter().flat_map(|x| x.to_le_bytes()).collect();
    let sd = parse_state_dict(&torch_zip(&pkl, &[("0", hb), ("1", bb)]), "mem").unwrap();
    let h = tensor(&sd, "h").data;
    assert_eq!(h[..4], [1.0, -2.5, 65504.0, 2f32.powi(-24)]);
    assert!(h[4] == 0.0 && h[4].is_sign_negative());
    assert_eq!(h[5], f32::NEG_INFINITY);
    let b = tensor(&sd, "b");
    assert_eq!(b.shape, vec![2, 2]);
    assert_eq!(
        b.data,
        vec![1.0, -2.5, f32::from_bits(0x0008_0000), f32::INFINITY]
    );
}

#[test]
fn float64_and_big_endian_storages() {
    let pkl = Pk::new()
        .op(b'}')
        .op(b'(')
        .str("d")
        .tensor("DoubleStorage", "0", 2, 0, &[2], &[1])
        .op(b'u')
        .stop();
    let data: Vec<u8> = [0.5f64, -3.25]
        .iter()
        .flat_map(|x| x.to_be_bytes())
        .collect();
    let file = torch_zip_with(&STORED, &pkl, &[("0", data)], "big");
    let sd = parse_state_dict(&file, "mem").unwrap();
    assert_eq!(tensor(&sd, "d").data, vec![0.5, -3.25]);
}

#[test]
fn strided_and_offset_views() {
    // Storage 0..12 seen as a 3x4 grid; "t" is its transpose, "col" column 1 (offset 1,
    // stride 4), "slice" elements 3..7, "bcast" a stride-0 expansion of element 5.
    let pkl = Pk::new()
        .op(b'}')
        .op(b'(')
        .str("t")
        .tensor("FloatStorage", "0", 12, 0, &[4, 3], &[1, 4])
        .str("col")
        .tensor("FloatStorage", "0", 12, 1, &[3], &[4])
        .str("slice")
        .tensor("FloatStorage", "0", 12, 3, &[4], &[1])
        .str("bcast")
        .tensor("FloatStorage", "0", 12, 5, &[2, 3], &[0, 0])
        .op(b'u')
        .stop();
    let sd = parse_state_dict(&torch_zip(&pkl, &[("0", f32_bytes(&ramp(12)))]), "mem").unwrap();
    let t = tensor(&sd, "t");
    assert_eq!(t.shape, vec![4, 3]);
    assert_eq!(
        t.data,
        vec![0., 4., 8., 1., 5., 9., 2., 6., 10., 3., 7., 11.]
    );
    assert_eq!(tensor(&sd, "col").data, vec![1., 5., 9.]);
    assert_eq!(tensor(&sd, "slice").data, vec![3., 4., 5., 6.]);
    assert_eq!(tensor(&sd, "bcast").data, vec![5.0; 6]);
}

#[test]
fn ordered_dict_with_metadata_build_and_skipped_ints() {
    // What nn.Module.state_dict() pickles: OrderedDict, SETITEMS, then BUILD with
    // {'_metadata': OrderedDict(...)}; BatchNorm's num_batches_tracked is an int64 scalar.
    let pkl = Pk::new()
        .ordered_dict()
        .op(b'q')
        .op(0)
        .op(b'(')
        .str("bn.running_var")
        .tensor("FloatStorage", "0", 2, 0, &[2], &[1])
        .str("bn.num_batches_tracked")
        .tensor("LongStorage", "1", 1, 0, &[], &[])
        .op(b'u')
        .op(b'}')
        .str("_metadata")
        .ordered_dict()
        .op(b'(')
        .str("")
        .op(b'}')
        .str("version")
        .int(1)
        .op(b's')
        .op(b'u')
        .op(b's')
        .op(b'b')
        .stop();
    let file = torch_zip(
        &pkl,
        &[
            ("0", f32_bytes(&[4.0, 9.0])),
            ("1", 7i64.to_le_bytes().to_vec()),
        ],
    );
    let sd = parse_state_dict(&file, "mem").unwrap();
    assert_eq!(tensor(&sd, "bn.running_var").data, vec![4.0, 9.0]);
    assert_eq!(sd.skipped, vec!["bn.num_batches_tracked".to_string()]);
    assert_eq!(sd.tensors.len(), 1);
}

#[test]
fn nested_state_dict_with_module_prefix() {
    // {'epoch': 3, 'lr': 0.1, 'state_dict': {'module.fc.weight': T}}; the inner dict is
    // memoized empty, filled later and referenced through BINGET, as pickle shares objects.
    let pkl = Pk::new()
        .op(b'}')
        .op(b'(')
        .str("epoch")
        .int(3)
        .str("lr")
        .op(b'G')
        .bytes(&0.1f64.to_be_bytes())
        .str("inner")
        .op(b'}')
        .op(b'q')
        .op(7)
        .str("state_dict")
        .op(b'h')
        .op(7)
        .op(b'u')
        .op(b'h')
        .op(7)
        .str("module.fc.weight")
        .tensor("FloatStorage", "0", 2, 0, &[2], &[1])
        .op(b's')
        .op(b'0')
        .stop();
    let sd = parse_state_dict(&torch_zip(&pkl, &[("0", f32_bytes(&[1.5, 2.5]))]), "mem").unwrap();
    assert_eq!(sd.tensors.keys().collect::<Vec<_>>(), vec!["fc.weight"]);
    assert_eq!(tensor(&sd, "fc.weight").data, vec![1.5, 2.5]);
}

#[test]
fn parameters_and_protocol4_opcodes() {
    // _rebuild_parameter around a tensor, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL, FRAME.
    let mut p = Pk(vec![0x80, 4, 0x95]).bytes(&0u64.to_le_bytes());
    p = p.op(b'}').op(0x94).op(0x8c).op(1).bytes(b"p");
    p = p
        .op(0x8c)
        .op(12)
        .bytes(b"torch._utils")
        .op(0x8c)
        .op(18)
        .bytes(b"_rebuild_parameter")
        .op(0x93)
        .op(0x94);
    p = p
        .tensor("FloatStorage", "0", 1, 0, &[1], &[1])
        .op(0x88)
        .ordered_dict()
        .op(0x87)
        .op(b'R')
        .op(b's');
    let sd = parse_state_dict(&torch_zip(&p.stop(), &[("0", f32_bytes(&[42.0]))]), "mem").unwrap();
    assert_eq!(tensor(&sd, "p").data, vec![42.0]);
}

#[test]
fn unknown_global_is_refused() {
    let pkl = Pk::new()
        .global("os", "system")
        .str("echo hi")
        .op(0x85)
        .op(b'R')
        .stop();
    assert_err(
        parse_state_dict(&torch_zip(&pkl, &[]), "mem"),
        "unsupported pickle global `os.system`",
    );
    let pkl = Pk::new().global("torch", "load").stop();
    assert_err(
        parse_state_dict(&torch_zip(&pkl, &[]), "mem"),
        "`torch.load`",
    );
}

#[test]
fn unknown_opcode_is_refused() {
    let pkl = Pk::new().op(b'}').op(0xff).stop();
    assert_err(
        parse_state_dict(&torch_zip(&pkl, &[]), "mem"),
        "unknown pickle opcode 0xff at offset 3",
    );
    let pkl = Pk::new().op(b'i').stop();
    assert_err(
        parse_state_dict(&torch_zip(&pkl, &[]), "mem"),
        "unsupported pickle opcode 0x69 (INST)",
    );
}

#[test]
fn malformed_pickles_are_errors() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Pk::new().op(b'}').0, "stream ends before STOP"),
        (Pk::new().op(b't').stop(), "no MARK"),
        (Pk::new().op(b's').stop(), "stack underflow"),
        (
            Pk::new().op(b'h').op(9).stop(),
            "memo key 9 was never stored",
        ),
        (
            Pk::new().op(b'X').bytes(&u32::MAX.to_le_bytes()).stop(),
            "declares 4294967295 bytes",
        ),
        (
            Pk::new().op(b'K').op(1).op(b'}').op(b's').stop(),
            "stack underflow",
        ),
        (Pk::new().op(b'K').op(1).stop(), "the int 1"),
        (
            Pk::new()
                .op(b'}')
                .op(b'K')
                .op(1)
                .op(b'K')
                .op(2)
                .op(b's')
                .stop(),
            "key the int 1",
        ),
        (
            Pk::new()
                .op(b'(')
                .op(b'K')
                .op(1)
                .op(b'K')
                .op(2)
                .op(b'd')
                .op(b'(')
                .op(b'K')
                .op(1)
                .op(b'K')
                .op(1)
                .op(b'u')
                .stop(),
            "key the int 1",
        ),
        (
            Pk::new().op(b'}').op(b'(').op(b'Q').op(b'u').stop(),
            "stack underflow",
        ),
        (
            Pk::new()
                .op(b'}')
                .str("x")
                .str("not a pid")
                .op(b'Q')
                .op(b's')
                .stop(),
            "persistent id",
        ),
    ];
    for (pkl, needle) in cases {
        assert_err(parse_state_dict(&torch_zip(&pkl, &[]), "mem"), needle);
    }
}

#[test]
fn deep_nesting_is_bounded() {
    // A million TUPLE1s nest a million deep; nothing may recurse over it.
    let mut p = Pk::new().op(b'N');
    p.0.extend(std::iter::repeat_n(0x85, 1_000_000));
    assert_err(
        parse_state_dict(&torch_zip(&p.stop(), &[]), "mem"),
        "a tuple",
    );
    // Too many MARKs.
    let p = Pk::new().bytes(&vec![b'('; 70_000]).stop();
    assert_err(pickle::load(&p, "mem"), "nested MARKs");
}

#[test]
fn memo_copies_are_bounded() {
    // set(big_list) repeated through the memo would copy the list each time.
    let mut p = Pk::new().op(b']').op(b'q').op(0).op(b'(');
    p.0.extend(std::iter::repeat_n(b'N', 10_000));
    p = p.op(b'e').op(b'0').global("builtins", "set").op(b'q').op(1);
    for _ in 0..2000 {
        p = p.op(b'h').op(1).op(b'h').op(0).op(0x85).op(b'R').op(b'0');
    }
    assert_err(pickle::load(&p.stop(), "mem"), "copies more values");
}

#[test]
fn storage_too_small() {
    let pkl = one_tensor("x", "FloatStorage", 12, 2, &[3, 4], &[4, 1]);
    let file = torch_zip(&pkl, &[("0", f32_bytes(&ramp(12)))]);
    assert_err(
        parse_state_dict(&file, "mem"),
        "tensor `x` storage `0` too small: needs 56 bytes, has 48",
    );
    // Huge strides and sizes: 64-bit only, since these literals do not fit a 32-bit usize
    // (on 32-bit targets the same inputs fail earlier, as overflows).
    #[cfg(target_pointer_width = "64")]
    {
        let pkl = one_tensor("x", "FloatStorage", 4, 0, &[2, 2], &[1, 1 << 60]);
        let file = torch_zip(&pkl, &[("0", f32_bytes(&ramp(4)))]);
        assert_err(parse_state_dict(&file, "mem"), "too small");
        let pkl = one_tensor("x", "FloatStorage", 4, 0, &[1 << 40, 1 << 30], &[0, 0]);
        let file = torch_zip(&pkl, &[("0", f32_bytes(&ramp(4)))]);
        assert_err(parse_state_dict(&file, "mem"), "element count overflows");
        let pkl = one_tensor("x", "FloatStorage", 4, 0, &[1 << 20, 1 << 20], &[0, 0]);
        let file = torch_zip(&pkl, &[("0", f32_bytes(&ramp(4)))]);
        assert_err(
            parse_state_dict(&file, "mem"),
            "more than the file size allows",
        );
    }
    let pkl = one_tensor("x", "FloatStorage", 4, 0, &[4], &[1]);
    assert_err(
        parse_state_dict(&torch_zip(&pkl, &[]), "mem"),
        "no entry `archive/data/0`",
    );
}

#[test]
fn zip_errors() {
    let pkl = one_tensor("w", "FloatStorage", 2, 0, &[2], &[1]);
    let good = torch_zip(&pkl, &[("0", f32_bytes(&[1.0, 2.0]))]);

    // Cut short: the end-of-central-directory record is gone.
    assert_err(
        parse_state_dict(&good[..good.len() - 10], "mem"),
        "truncated or corrupt zip archive",
    );
    assert_err(
        torch::read_torch(b"hello world, not a zip at all", "mem"),
        "not a zip archive",
    );

    // Central directory offset pointing past the end.
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 6..n - 2].copy_from_slice(&(n as u32 + 100).to_le_bytes());
    assert_err(
        parse_state_dict(&bad, "mem"),
        &format!("truncated: central directory at offset {}", n + 100),
    );
    assert_err(
        parse_state_dict(&bad, "mem"),
        &format!("end of file (size {n})"),
    );

    // A flipped data byte fails the CRC.
    let mut bad = good.clone();
    let storage = f32_bytes(&[1.0, 2.0]);
    let at = bad.windows(8).position(|w| w == storage).unwrap();
    bad[at + 5] ^= 1;
    assert_err(parse_state_dict(&bad, "mem"), "CRC-32");

    // Deflate-compressed entries.
    let deflated = torch_zip_with(
        &ZipWriter {
            zip64: false,
            method: 8,
        },
        &pkl,
        &[],
        "little",
    );
    assert_err(
        parse_state_dict(&deflated, "mem"),
        "deflate-compressed (method 8)",
    );

    // A zip without data.pkl.
    let other = STORED.write(&[("readme.txt", b"hi")]);
    assert_err(
        parse_state_dict(&other, "mem"),
        "not a torch.save checkpoint",
    );

    // Entry count larger than the central directory can hold.
    let mut bad = good.clone();
    bad[n - 12..n - 10].copy_from_slice(&500u16.to_le_bytes());
    assert_err(parse_state_dict(&bad, "mem"), "500 entries cannot fit");
}

#[test]
fn sniffing_and_legacy_format() {
    assert_err(
        parse_state_dict(b"\x80\x02\x8a\x0alegacy", "old.pth"),
        "legacy (non-zip) torch.save format is not supported",
    );
    assert_err(parse_state_dict(b"", "empty.pt"), "the file is empty");
    assert_err(parse_state_dict(b"GGUF....", "x.bin"), "accepted formats");
    assert_err(
        parse_state_dict(&encode_npy(&Tensor::zeros(vec![1])), "a.npy"),
        ".npy array",
    );
    let missing = PathBuf::from("/nonexistent/ghostrt/x.pt");
    assert_err(load_state_dict(&missing), "/nonexistent/ghostrt/x.pt");
}

// ---------------------------------------------------------------------------------------
// safetensors: hand-built

fn safetensors_file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

#[test]
fn safetensors_dtypes_and_skipped_ints() {
    let mut data = f32_bytes(&[1.0, 2.0, 3.0, 4.0]);
    data.extend([0x00, 0x3c, 0x00, 0xc0]); // f16 1, -2
    data.extend([0x80, 0x3f]); // bf16 1
    data.extend(5i64.to_le_bytes());
    let header = r#"{"__metadata__":{"format":"pt"},
        "w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},
        "h":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},
        "b\u00e9":{"dtype":"BF16","shape":[],"data_offsets":[20,22]},
        "n":{"dtype":"I64","shape":[1],"data_offsets":[22,30]}}   "#;
    let sd = parse_state_dict(&safetensors_file(header, &data), "m.safetensors").unwrap();
    assert_eq!(tensor(&sd, "w").shape, vec![2, 2]);
    assert_eq!(tensor(&sd, "w").data, vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(tensor(&sd, "h").data, vec![1.0, -2.0]);
    assert_eq!(tensor(&sd, "bé").shape, Vec::<usize>::new());
    assert_eq!(tensor(&sd, "bé").data, vec![1.0]);
    assert_eq!(sd.skipped, vec!["n".to_string()]);
}

#[test]
fn safetensors_errors() {
    let data = f32_bytes(&[1.0, 2.0]);
    let case = |h: &str| safetensors::read_safetensors(&safetensors_file(h, &data), "m");
    assert_err(
        case(r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}}"#),
        "outside the 8-byte data buffer",
    );
    assert_err(
        case(r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,0]}}"#),
        "data_offsets [4, 0]",
    );
    assert_err(
        case(r#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#),
        "need 12",
    );
    assert_err(
        case(
            r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"v":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        ),
        "overlap",
    );
    assert_err(
        case(r#"{"w":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}"#),
        "unsupported dtype `F8_E4M3`",
    );
    // On 32-bit targets a dimension of 2^32 is already out of range for usize.
    let want = if cfg!(target_pointer_width = "64") {
        "overflows"
    } else {
        "non-negative ints"
    };
    assert_err(
        case(r#"{"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}"#),
        want,
    );
    assert_err(
        case(r#"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#),
        "non-negative ints",
    );
    assert_err(
        case(r#"{"w":{"dtype":"F32","shape":[2]}}"#),
        "missing array field `data_offsets`",
    );
    assert_err(case(r#"{"w":1,"w":2}"#), "duplicate key");
    assert_err(case(r#"{"w":[1,2"#), "not valid JSON");
    assert_err(
        case(&format!("{}{}", "[".repeat(100), "]".repeat(100))),
        "nesting deeper",
    );
    assert_err(
        case(
            r#"{"module.w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
        ),
        "duplicate tensor name `w`",
    );
    let mut huge = safetensors_file("{}", &[]);
    huge[..8].copy_from_slice(&1000u64.to_le_bytes());
    assert_err(
        safetensors::read_safetensors(&huge, "m"),
        "header length 1000 exceeds",
    );
    assert_err(safetensors::read_safetensors(b"abc", "m"), "truncated");
}

// ---------------------------------------------------------------------------------------
// npy

#[test]
fn npy_round_trip() {
    for shape in [vec![], vec![5], vec![2, 3], vec![1, 2, 3, 2]] {
        let n: usize = shape.iter().product();
        let t = Tensor::new(
            shape.clone(),
            (0..n).map(|i| i as f32 * 0.5 - 1.0).collect(),
        );
        let bytes = encode_npy(&t);
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let header_end = 10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!(header_end % 64, 0);
        assert_eq!(bytes[header_end - 1], b'\n');
        assert_eq!(parse_npy(&bytes, "mem").unwrap(), t);
    }
    let dir = std::env::temp_dir().join(format!("ghostrt-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.npy");
    let t = Tensor::new(vec![2, 2], vec![1.0, f32::MIN_POSITIVE, -0.0, 3.0e38]);
    write_npy(&path, &t).unwrap();
    assert_eq!(read_npy(&path).unwrap(), t);
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "temporary file left behind");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn npy_with(header: &str, data: &[u8], version: u8) -> Vec<u8> {
    let mut out = b"\x93NUMPY".to_vec();
    out.extend([version, 0]);
    if version == 1 {
        out.extend((header.len() as u16).to_le_bytes());
    } else {
        out.extend((header.len() as u32).to_le_bytes());
    }
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

#[test]
fn npy_other_versions_and_dtypes() {
    let f8: Vec<u8> = [1.5f64, -2.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let h = "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2,)}\n";
    assert_eq!(
        parse_npy(&npy_with(h, &f8, 2), "m").unwrap().data,
        vec![1.5, -2.0]
    );
    let h = "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 1), }  \n";
    let t = parse_npy(&npy_with(h, &[0x00, 0x3c], 3), "m").unwrap();
    assert_eq!((t.shape, t.data), (vec![1, 1], vec![1.0]));
    let be: Vec<u8> = 2.5f32.to_be_bytes().to_vec();
    let h = "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n";
    assert_eq!(
        parse_npy(&npy_with(h, &be, 1), "m").unwrap().data,
        vec![2.5]
    );
}

#[test]
fn npy_bad_headers() {
    let d = f32_bytes(&[1.0, 2.0]);
    let case = |h: &str, data: &[u8]| parse_npy(&npy_with(h, data, 1), "m");
    assert_err(
        case(
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",
            &d,
        ),
        "fortran_order",
    );
    assert_err(
        case(
            "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
            &d,
        ),
        "unsupported dtype `<i8`",
    );
    assert_err(
        case(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
            &d,
        ),
        "needs 12",
    );
    assert_err(
        case("{'descr': '<f4', 'fortran_order': False, }", &d),
        "lacks one of",
    );
    assert_err(
        case(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
            &d,
        ),
        "expected a dimension",
    );
    assert_err(
        case(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
            &d,
        ),
        "bad header",
    );
    assert_err(
        case(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,) } junk",
            &d,
        ),
        "after the dict",
    );
    assert_err(
        case("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", &d),
        "bad header",
    );
    assert_err(
        parse_npy(b"\x93NUMPY\x01\x00\xff\xff{", "m"),
        "extends past end of file",
    );
    assert_err(parse_npy(b"\x93NUMPY\x04\x00", "m"), "version 4.0");
    assert_err(parse_npy(b"PK\x03\x04", "m"), "missing \\x93NUMPY magic");
}

// ---------------------------------------------------------------------------------------
// Real files from torch.save / safetensors (tests/data/import/make_import_data.py)

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/import")
        .join(name)
}

fn ramp_f(n: usize, scale: f32, bias: f32) -> Vec<f32> {
    (0..n).map(|i| i as f32 * scale + bias).collect()
}

#[test]
fn real_fp32_module_state_dict() {
    let sd = load_state_dict(&data("fp32.pt")).unwrap();
    let w = tensor(&sd, "0.weight");
    assert_eq!(w.shape, vec![2, 3, 2, 2]);
    assert_eq!(w.data, ramp_f(24, 0.25, -1.0));
    assert_eq!(tensor(&sd, "0.bias").data, vec![0.5, -1.25]);
    assert_eq!(tensor(&sd, "1.weight").data, vec![1.0, 2.0]);
    assert_eq!(tensor(&sd, "1.bias").data, vec![0.0, -0.5]);
    assert_eq!(tensor(&sd, "1.running_mean").data, vec![0.125, 0.25]);
    assert_eq!(tensor(&sd, "1.running_var").data, vec![4.0, 9.0]);
    assert_eq!(tensor(&sd, "extra.double").data, ramp_f(5, 0.5, 0.0));
    assert_eq!(sd.skipped, vec!["1.num_batches_tracked".to_string()]);
    assert_eq!(sd.tensors.len(), 7);
}

#[test]
fn real_half_and_bfloat16() {
    let sd = load_state_dict(&data("halves.pt")).unwrap();
    let h = tensor(&sd, "half").data;
    assert_eq!(h[..4], [1.0, -2.5, 65504.0, 2f32.powi(-24)]);
    assert!(h[4] == 0.0 && h[4].is_sign_negative());
    assert_eq!(h[5], 0.099_975_586);
    let b = tensor(&sd, "bf16").data;
    let bits: Vec<u32> = b.iter().map(|x| x.to_bits() >> 16).collect();
    assert_eq!(bits, vec![0x3f80, 0xc020, 0x7f62, 0x0008, 0x8000, 0x3dcc]);
}

#[test]
fn real_strided_views() {
    let sd = load_state_dict(&data("strided.pt")).unwrap();
    assert_eq!(tensor(&sd, "base").data, ramp(12));
    let t = tensor(&sd, "t");
    assert_eq!(t.shape, vec![4, 3]);
    assert_eq!(
        t.data,
        vec![0., 4., 8., 1., 5., 9., 2., 6., 10., 3., 7., 11.]
    );
    assert_eq!(tensor(&sd, "slice").data, vec![3., 4., 5., 6.]);
    assert_eq!(tensor(&sd, "col").data, vec![1., 5., 9.]);
}

#[test]
fn real_nested_checkpoint() {
    let sd = load_state_dict(&data("nested.pt")).unwrap();
    assert_eq!(
        sd.tensors.keys().collect::<Vec<_>>(),
        vec!["bias", "weight"]
    );
    let w = tensor(&sd, "weight");
    assert_eq!(w.shape, vec![2, 3]);
    assert_eq!(w.data, ramp_f(6, 0.5, -1.0));
    assert_eq!(tensor(&sd, "bias").data, vec![0.25, -0.75]);
}

#[test]
fn real_safetensors() {
    let sd = load_state_dict(&data("model.safetensors")).unwrap();
    let a = tensor(&sd, "a.f32");
    assert_eq!(a.shape, vec![2, 3]);
    assert_eq!(a.data, ramp_f(6, 0.25, -1.0));
    assert_eq!(tensor(&sd, "b.f16").data, ramp_f(4, 0.5, -1.0));
    assert_eq!(tensor(&sd, "c.bf16").data, ramp_f(4, 0.5, -1.0));
    assert_eq!(sd.skipped, vec!["d.i64".to_string()]);
}

#[test]
fn real_files_cut_anywhere_are_errors_not_panics() {
    for name in [
        "fp32.pt",
        "halves.pt",
        "strided.pt",
        "nested.pt",
        "proto4.pt",
        "model.safetensors",
    ] {
        let bytes = std::fs::read(data(name)).unwrap();
        for cut in (0..bytes.len()).step_by(7) {
            assert!(
                parse_state_dict(&bytes[..cut], name).is_err(),
                "{name} cut at {cut}"
            );
        }
        // Flip each byte in turn: any outcome but a panic is fine.
        for i in (0..bytes.len()).step_by(3) {
            let mut b = bytes.clone();
            b[i] ^= 0x5a;
            let _ = parse_state_dict(&b, name);
        }
    }
}

#[test]
fn real_protocol4_with_parameter() {
    let sd = load_state_dict(&data("proto4.pt")).unwrap();
    assert_eq!(tensor(&sd, "p").data, ramp_f(4, 2.0, 1.0));
    assert_eq!(tensor(&sd, "buf").data, ramp_f(3, -1.0, 0.0));
}

#[test]
fn real_legacy_file_is_refused_with_a_hint() {
    assert_err(
        load_state_dict(&data("legacy.pt")),
        "_use_new_zipfile_serialization=True",
    );
}
