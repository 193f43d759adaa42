//! The C API from C: builds `libghostrt.a` for the target these tests were built for, then
//! compiles `examples/c/classify.c` and `tests/c/*.c` against `include/ghostrt.h` and runs
//! them. On the build host the programs run under AddressSanitizer and UBSan (and
//! `api_test` also under valgrind when it is installed); when these tests themselves run
//! under qemu (ARM), the programs are built with the ARM cross gcc and run under qemu too.
//! Also: the header is what `cargo xtask gen-header` generates, the README's link line uses
//! the pinned native library list, and a run through the C API allocates nothing.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

#[allow(dead_code)] // the generator's command-line entry point is not used here
#[path = "../xtask/src/header.rs"]
mod header;

/// What a C program linking `libghostrt.a` needs after it, exactly as
/// `cargo rustc --release --lib -- --print native-static-libs` prints it on Linux (x86_64,
/// aarch64 and armv7 alike).
const NATIVE_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// The build line of the C example as the README and `examples/c/classify.c` give it.
const README_LINK_LINE: &str = "cc examples/c/classify.c -Iinclude target/release/libghostrt.a \
                                -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o classify";

const PACK: &str = "weights/repghostnet_050.grt";
const FIXTURE_INPUT: &str = "tests/fixtures/repghostnet_050/input_224x224.npy";
const FIXTURE_OUTPUT: &str = "tests/fixtures/repghostnet_050/output_224x224.npy";

/// Flags for the test programs (the README line is built as written, without them).
const STRICT_FLAGS: &[&str] = &[
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-pedantic",
    "-g",
    "-O1",
];
const SANITIZER_FLAGS: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
];

/// The rustc cargo uses (`RUSTC`, e.g. Debian's for the ARM targets).
fn rustc() -> Command {
    Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Where and how C programs are built and run for the target of this test binary.
struct Target {
    /// The `--target` triple this binary was built with; `None` for the host default.
    triple: Option<String>,
    /// Cargo's target directory this binary lives in.
    target_dir: PathBuf,
    cc: &'static str,
    /// Command prefix that runs a target program (qemu), empty on the build host.
    runner: Vec<&'static str>,
    /// Whether programs run natively and so can use the sanitizers.
    native: bool,
}

/// The test binary is `<target dir>/[<triple>/]<profile>/deps/c_api-<hash>`; the
/// directory above the profile is a triple if this target's rustc knows it as one (cargo
/// puts a `CACHEDIR.TAG` in both, so that does not tell them apart).
fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let exe = std::env::current_exe().expect("current_exe");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("test binary in <profile>/deps");
        let above = profile_dir
            .parent()
            .expect("profile directory has a parent");
        let name = above.file_name().map(|n| n.to_string_lossy().into_owned());
        let out = rustc()
            .args(["--print", "target-list"])
            .output()
            .expect("spawn rustc");
        let triples = String::from_utf8_lossy(&out.stdout).into_owned();
        let (triple, target_dir) = match name {
            Some(n) if triples.lines().any(|t| t == n) => (
                Some(n),
                above.parent().expect("target directory").to_path_buf(),
            ),
            _ => (None, above.to_path_buf()),
        };
        let (cc, runner, native) = match common::cross() {
            None => ("cc", vec![], true),
            Some(c) => (c.cc, c.runner, false),
        };
        Target {
            triple,
            target_dir,
            cc,
            runner,
            native,
        }
    })
}

/// `cargo build --release --lib` for this binary's target and target directory (once per
/// test run); returns the path of `libghostrt.a`.
fn static_lib() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        let t = target();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--release", "--lib", "--target-dir"])
            .arg(&t.target_dir)
            .current_dir(root());
        let mut dir = t.target_dir.clone();
        if let Some(triple) = &t.triple {
            cmd.args(["--target", triple]);
            dir.push(triple);
        }
        let out = cmd.output().expect("spawn cargo");
        assert!(
            out.status.success(),
            "cargo build --release --lib failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lib = dir.join("release/libghostrt.a");
        assert!(lib.exists(), "{} was not built", lib.display());
        lib
    })
}

fn scratch_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_api");
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn show(out: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Compile C sources `srcs` (relative to the crate root) and link them with the static
/// library into `name`, with the strict and (natively) sanitizer flags.
fn compile(srcs: &[&str], name: &str, sanitize: bool) -> PathBuf {
    let t = target();
    let exe = scratch_dir().join(name);
    let mut cmd = Command::new(t.cc);
    cmd.current_dir(root()).args(STRICT_FLAGS);
    if sanitize {
        cmd.args(SANITIZER_FLAGS);
    }
    cmd.args(srcs)
        .arg("-Iinclude")
        .arg(static_lib())
        .args(NATIVE_LIBS)
        .arg("-o")
        .arg(&exe);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", t.cc));
    assert!(
        out.status.success(),
        "compiling {srcs:?} failed:\n{}",
        show(&out)
    );
    exe
}

/// Run a compiled program (under qemu when cross-built) from the crate root.
fn run(prefix: &[&str], exe: &Path, args: &[&str]) -> Output {
    let mut words: Vec<&str> = target().runner.clone();
    words.extend_from_slice(prefix);
    let mut cmd = match words.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.current_dir(root())
        .args(args)
        .env("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
        .env("UBSAN_OPTIONS", "print_stacktrace=1");
    cmd.output()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", exe.display()))
}

/// A run that must exit 0 without any sanitizer or valgrind report.
fn assert_clean(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reported = [
        "Sanitizer",
        "runtime error:",
        "==ERROR",
        "Invalid read",
        "Invalid write",
        "uninitialised",
        "definitely lost",
    ]
    .iter()
    .any(|m| stderr.contains(m));
    assert!(out.status.success() && !reported, "{what}:\n{}", show(out));
}

fn sanitize() -> bool {
    if !target().native {
        eprintln!("skipped sanitizers: the C programs run under qemu");
    }
    target().native
}

#[test]
fn header_is_generated() {
    let generated = header::generate(root()).expect("generate header");
    let committed =
        std::fs::read_to_string(root().join("include/ghostrt.h")).expect("read include/ghostrt.h");
    if let Some(diff) = header::first_difference(&committed, &generated) {
        panic!("include/ghostrt.h is out of date ({diff}); run `cargo xtask gen-header`");
    }
}

#[test]
fn native_libs_are_pinned() {
    let line = format!(
        "cc examples/c/classify.c -Iinclude target/release/libghostrt.a {} -o classify",
        NATIVE_LIBS.join(" ")
    );
    assert_eq!(line, README_LINK_LINE);
    for file in ["README.md", "examples/c/classify.c"] {
        let text = std::fs::read_to_string(root().join(file)).expect(file);
        assert!(
            text.contains(README_LINK_LINE),
            "{file} does not give the link line\n  {README_LINK_LINE}"
        );
    }
    let header = std::fs::read_to_string(root().join("include/ghostrt.h")).expect("header");
    assert!(
        header.contains(&NATIVE_LIBS.join(" ")),
        "include/ghostrt.h names other native libraries"
    );
    // The list comes from std (ghostrt's own dependencies link nothing else): ask this
    // target's rustc for a std-only static library's list.
    let t = target();
    let dir = scratch_dir();
    let src = dir.join("std_only.rs");
    std::fs::write(&src, "pub fn f() {}\n").expect("write std_only.rs");
    let mut cmd = rustc();
    cmd.args([
        "--crate-type",
        "staticlib",
        "--print",
        "native-static-libs",
        "--out-dir",
    ])
    .arg(&dir)
    .arg(&src);
    if let Some(triple) = &t.triple {
        cmd.args(["--target", triple]);
    }
    let out = cmd.output().expect("spawn rustc");
    assert!(out.status.success(), "rustc failed:\n{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let printed = stderr
        .lines()
        .find_map(|l| l.split_once("native-static-libs: "))
        .map(|(_, libs)| libs.trim())
        .expect("rustc printed no native-static-libs");
    assert_eq!(printed, NATIVE_LIBS.join(" "), "the native libraries changed: update NATIVE_LIBS, README.md, examples/c/classify.c and src/capi.rs");
}

#[test]
fn readme_link_line_builds_classify() {
    let t = target();
    let exe = scratch_dir().join("classify_readme");
    let lib = static_lib().to_string_lossy().into_owned();
    let exe_arg = exe.to_string_lossy().into_owned();
    let words: Vec<&str> = README_LINK_LINE
        .split(' ')
        .map(|w| match w {
            "cc" => t.cc,
            "target/release/libghostrt.a" => &lib,
            "classify" => &exe_arg,
            w => w,
        })
        .collect();
    let out = Command::new(words[0])
        .args(&words[1..])
        .current_dir(root())
        .output()
        .expect("spawn cc");
    assert!(out.status.success(), "{README_LINK_LINE}:\n{}", show(&out));
    // Without an input file the example makes up one image of the model's default size.
    let out = run(&[], &exe, &[PACK]);
    assert_clean(&out, "classify");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("input 1x3x224x224, output 1 x 10") && stdout.contains("#5 class"),
        "{}",
        show(&out)
    );
}

#[test]
fn classify_matches_pytorch() {
    let exe = compile(&["examples/c/classify.c"], "classify", sanitize());
    let logits = scratch_dir().join("classify_logits.npy");
    let out = run(
        &[],
        &exe,
        &[PACK, FIXTURE_INPUT, logits.to_str().expect("utf-8 path")],
    );
    assert_clean(&out, "classify");
    let got = ghostrt::npy::read_npy(&logits).expect("read logits");
    let want = ghostrt::npy::read_npy(&root().join(FIXTURE_OUTPUT)).expect("read fixture");
    assert_eq!(got.shape, want.shape);
    let scale = want.data.iter().fold(0f32, |a, v| a.max(v.abs()));
    let err = got
        .data
        .iter()
        .zip(&want.data)
        .fold(0f32, |a, (g, w)| a.max((g - w).abs()));
    assert!(
        err <= 1e-4 * scale,
        "max |C - torch| = {err}, max |torch| = {scale}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("image 0:"),
        "{}",
        show(&out)
    );
}

#[test]
fn api_test() {
    let sanitize = sanitize();
    let exe = compile(&["tests/c/api_test.c"], "api_test", sanitize);
    let args = [PACK, env!("CARGO_PKG_VERSION")];
    let out = run(&[], &exe, &args);
    assert_clean(&out, "api_test");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("checks passed"),
        "{}",
        show(&out)
    );
    // valgrind also sees reads of uninitialized memory, which AddressSanitizer does not.
    if !sanitize {
        return;
    }
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("skipped valgrind: not installed");
        return;
    }
    let plain = compile(&["tests/c/api_test.c"], "api_test_plain", false);
    let out = run(
        &[
            "valgrind",
            "-q",
            "--error-exitcode=1",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
        ],
        &plain,
        &args,
    );
    assert_clean(&out, "api_test under valgrind");
}

#[test]
fn threads_test() {
    let exe = compile(&["tests/c/threads_test.c"], "threads_test", sanitize());
    let out = run(&[], &exe, &[PACK]);
    assert_clean(&out, "threads_test");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("match"),
        "{}",
        show(&out)
    );
}

/// Counts allocations made by the current thread.
struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn run_through_the_c_api_does_not_allocate() {
    use ghostrt::capi::ghostrt_status::GHOSTRT_OK;
    use ghostrt::capi::{model, session};
    let path =
        std::ffi::CString::new(root().join(PACK).to_str().expect("utf-8 path")).expect("path");
    let mut m = std::ptr::null_mut();
    let mut s = std::ptr::null_mut();
    let mut opts = session::ghostrt_session_options_default();
    opts.input_height = 64;
    opts.input_width = 80;
    let x: Vec<f32> = (0..2 * 3 * 64 * 80)
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let mut y = vec![0f32; 2 * 10];
    // SAFETY: valid pointers and lengths; handles freed once at the end.
    unsafe {
        assert_eq!(model::ghostrt_model_load(path.as_ptr(), &mut m), GHOSTRT_OK);
        assert_eq!(session::ghostrt_session_new(m, &opts, &mut s), GHOSTRT_OK);
        assert_eq!(
            session::ghostrt_session_run(s, x.as_ptr(), x.len(), y.as_mut_ptr(), y.len()),
            GHOSTRT_OK
        );
        let before = ALLOCS.with(Cell::get);
        assert_eq!(
            session::ghostrt_session_run(s, x.as_ptr(), x.len(), y.as_mut_ptr(), y.len()),
            GHOSTRT_OK
        );
        let during = ALLOCS.with(Cell::get) - before;
        assert_eq!(during, 0, "ghostrt_session_run allocated {during} times");
        session::ghostrt_session_free(s);
        model::ghostrt_model_free(m);
    }
    assert!(y.iter().all(|v| v.is_finite()));
}
