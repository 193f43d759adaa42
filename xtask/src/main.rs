//! `cargo xtask <command>`: project automation, one file per command.

mod arm;
mod bench_report;
mod header;
mod icount;
mod pack_weights;
mod peers;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>
commands:
  pack-weights INPUT -o OUTPUT.grt [--arch repghostnet|ghostnet] [--width W]
                       PyTorch .pth/.pt or .safetensors state_dict -> ghostrt weight pack
  arm-test [--target aarch64|armv7|all] [--no-install]
                       install the ARM cross toolchain if missing, run the test suite under qemu
  bench-report [--write-readme]
                       criterion results of `cargo bench --bench networks` -> markdown table
  gen-header [--check]  write include/ghostrt.h from src/capi.rs (--check: fail if it is stale)
  icount [--targets aarch64,armv7] [--models ..] [--families neon|all|none] [--out FILE]
                       ARM instructions per inference under qemu (scalar and NEON) -> docs/arm-results.md
  peers [--models rg050,rg100,rg200,gn100] [--threads 1,2] [--runs 50] [--skip-install] [--python PATH]
                       ghostrt vs ONNX Runtime, ncnn, MNN, tract -> docs/peers.md";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("pack-weights") => pack_weights::main(&args[1..]),
        Some("arm-test") => arm::main(&args[1..]),
        Some("gen-header") => header::main(&args[1..]),
        Some("bench-report") => bench_report::main(&args[1..]),
        Some("icount") => icount::main(&args[1..]),
        Some("peers") => peers::main(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
