//! Compiles the C microkernels in `kernels/` into one static library, `ghostrt_kernels`.
//!
//! Each ISA has its own directory and compiler flags. A directory is built only when the
//! target architecture can run it, and then sets a `cfg` so `src/kernels` declares and lists
//! its kernels (a kernel that is not compiled is not in the list). Adding an ISA is one entry
//! in `KERNEL_DIRS` plus its table in `src/kernels`.

use std::path::{Path, PathBuf};
use std::{env, fs};

/// One directory of kernels compiled with the same flags.
struct KernelDir {
    /// Directory relative to the crate root; every `*.c` in it is compiled.
    dir: &'static str,
    /// `CARGO_CFG_TARGET_ARCH` values that build it; empty means every target.
    archs: &'static [&'static str],
    /// Extra compiler flags, e.g. `-mavx2 -mfma` (GCC/Clang spelling).
    flags: &'static [&'static str],
    /// `cfg` set for the Rust side when the directory is built.
    cfg: Option<&'static str>,
}

/// Later entries, for example:
/// `KernelDir { dir: "kernels/avx2", archs: &["x86_64"], flags: &["-mavx2", "-mfma"],
/// cfg: Some("grt_avx2") }`, and likewise `kernels/sse` (`-msse4.1`, x86/x86_64) and
/// `kernels/neon` (aarch64; arm with `-mfpu=neon`).
const KERNEL_DIRS: &[KernelDir] = &[
    KernelDir {
        dir: "kernels/scalar",
        archs: &[],
        flags: &[],
        cfg: None,
    },
    KernelDir {
        dir: "kernels/sse",
        archs: &["x86_64"],
        flags: &["-msse4.1"],
        cfg: Some("grt_x86"),
    },
    KernelDir {
        dir: "kernels/avx2",
        archs: &["x86_64"],
        flags: &["-mavx2", "-mfma"],
        cfg: Some("grt_x86"),
    },
    KernelDir {
        dir: "kernels/avx512",
        archs: &["x86_64"],
        flags: &["-mavx512f", "-mavx2", "-mfma", "-mprfchw"],
        cfg: Some("grt_x86"),
    },
    KernelDir {
        dir: "kernels/neon",
        archs: &["aarch64"],
        flags: &[],
        cfg: Some("grt_neon"),
    },
    KernelDir {
        dir: "kernels/neon",
        archs: &["arm"],
        flags: &["-mfpu=neon-vfpv4"],
        cfg: Some("grt_neon"),
    },
];

fn c_files(dir: &Path) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|e| {
            e.unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
                .path()
        })
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    files.sort();
    files
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let arch = env::var("CARGO_CFG_TARGET_ARCH").expect("CARGO_CFG_TARGET_ARCH");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=kernels");

    let mut objects = Vec::new();
    for kd in KERNEL_DIRS {
        if let Some(cfg) = kd.cfg {
            println!("cargo:rustc-check-cfg=cfg({cfg})");
        }
        if !kd.archs.is_empty() && !kd.archs.contains(&arch.as_str()) {
            continue;
        }
        let mut build = cc::Build::new();
        build
            .include(root.join("kernels"))
            .files(c_files(&root.join(kd.dir)))
            // Kernels are always optimized, also in debug builds of the crate.
            .opt_level(2)
            .std("c99")
            .warnings(true)
            .extra_warnings(true);
        for flag in kd.flags {
            build.flag(flag);
        }
        objects.extend(build.compile_intermediates());
        if let Some(cfg) = kd.cfg {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
    cc::Build::new().objects(objects).compile("ghostrt_kernels");
}
