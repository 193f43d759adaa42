//! Checkpoint readers on arbitrary bytes: every input must give `Ok` or `Err`, never a panic,
//! a hang or an allocation out of proportion to the input.
//!
//! The raw bytes go to every reader. Because the zip layer checks CRC-32s, mutated pickles
//! rarely get past it, so the bytes are also split into a pickle and a storage blob and
//! wrapped in a valid torch.save-shaped archive: that drives the pickle VM and the tensor
//! view code together. Input layout for that mode: 2-byte LE pickle length, pickle, storage.
#![no_main]

use ghostrt::import::zip::crc32;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ghostrt::import::parse_state_dict(data, "fuzz");
    let _ = ghostrt::import::safetensors::read_safetensors(data, "fuzz");
    let _ = ghostrt::npy::parse_npy(data, "fuzz");

    if let [a, b, rest @ ..] = data {
        let n = usize::from(u16::from_le_bytes([*a, *b])).min(rest.len());
        let (pkl, storage) = rest.split_at(n);
        let _ = ghostrt::import::torch::read_torch(&torch_zip(pkl, storage), "fuzz");
    }
});

/// A stored zip with `archive/data.pkl` and storages `archive/data/0`..`7` all holding
/// `storage`, laid out as torch.save does.
fn torch_zip(pkl: &[u8], storage: &[u8]) -> Vec<u8> {
    let names: Vec<String> = (0..8).map(|k| format!("archive/data/{k}")).collect();
    let mut entries: Vec<(&str, &[u8])> = vec![("archive/data.pkl", pkl)];
    entries.extend(names.iter().map(|n| (n.as_str(), storage)));
    entries.push(("archive/byteorder", b"little"));

    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, body) in &entries {
        let crc = crc32(body);
        let fields = |v: &mut Vec<u8>| {
            v.extend([0u8; 4]); // flags, method 0
            v.extend([0u8; 4]); // time, date
            v.extend(crc.to_le_bytes());
            v.extend((body.len() as u32).to_le_bytes());
            v.extend((body.len() as u32).to_le_bytes());
            v.extend((name.len() as u16).to_le_bytes());
            v.extend(0u16.to_le_bytes()); // extra length
        };
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend([20, 0, 20, 0]);
        fields(&mut central);
        central.extend([0u8; 10]); // comment length, disk, attributes
        central.extend((out.len() as u32).to_le_bytes());
        central.extend(name.as_bytes());

        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend([20, 0]);
        fields(&mut out);
        out.extend(name.as_bytes());
        out.extend(*body);
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend([0u8; 2]);
    out
}
