//! Fuzz the weight-pack reader and, for packs it accepts, the planner and executor on a small
//! input: any bytes must give an error or a safe run, never a panic or out-of-bounds access.
//! Seeds: packs from `cargo xtask pack-weights` (the checksum is re-sealed by the harness so
//! mutations reach the decoder).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    if bytes.len() >= 64 {
        let sum = ghostrt::pack::checksum(&bytes[64..]);
        bytes[56..64].copy_from_slice(&sum.to_le_bytes());
    }
    let Ok(m) = ghostrt::Model::from_bytes(&bytes, "fuzz") else { return };
    let Ok(plan) = m.plan(&[(9, 7)], Default::default()) else { return };
    // Corrupt shapes can ask for gigabytes legitimately; that is not a bug, skip them.
    if plan.arena_floats > 1 << 22 || plan.total_macs() > 1 << 26 {
        return;
    }
    if let Ok(mut s) = ghostrt::Session::new(plan) {
        let x = vec![0.25f32; s.input_len(0)];
        let mut y = vec![0f32; s.output_len(0)];
        let _ = s.run(&[&x], &mut [&mut y]);
    }
});
