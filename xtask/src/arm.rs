//! `cargo xtask arm-test`: builds the test suite for 64-bit and 32-bit ARM Linux and runs it
//! under qemu-user, installing the cross toolchain first when it is missing.
//!
//! The ARM standard libraries come from Debian 12's `libstd-rust-web-dev` (rustc 1.85, which is
//! also our `rust-version`), not from rustup, so these builds use Debian's `/usr/bin/rustc` with
//! whatever `cargo` runs this command. Debian only packages the ARM std as foreign-architecture
//! packages; installing those with apt would pull in a multiarch `libc6:arm64`, under which qemu
//! hangs on thread creation, so they are only unpacked with `dpkg -x`. The linkers and qemu
//! runners are set per target in `.cargo/config.toml`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use std::{env, fs};

const USAGE: &str = "usage: cargo xtask arm-test [--target aarch64|armv7|all] [--no-install] \
                     [-- <extra cargo test args>]";

/// Debian's rustc, which has the ARM std unpacked into its sysroot (`/usr/lib/rustlib`).
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_RUSTDOC: &str = "/usr/bin/rustdoc";
const DEBIAN_RUST_MINOR: &str = "rustc 1.85.";
/// The Debian 12 package version of `rustc-web` and of the std packages matching it.
const DEBIAN_RUST_VERSION: &str = "1.85.0+dfsg3-1~deb12u3";

/// `cargo test` flags that choose what to test. Without any from the caller we pass `--tests`
/// (unit and integration tests, no doctests): cargo 1.89+ cross-runs doctests with
/// `rustdoc --test-runtool`, an option Debian's rustdoc 1.85 does not know. Doctests are
/// target-independent and run in the host `cargo test`.
const TEST_SELECTION_FLAGS: &[&str] = &[
    "--lib",
    "--bin",
    "--bins",
    "--test",
    "--tests",
    "--example",
    "--examples",
    "--bench",
    "--benches",
    "--all-targets",
    "--doc",
];

/// One ARM target: its Rust triple, its GNU cross tools and its Debian architecture.
struct ArmTarget {
    /// Name on the command line.
    name: &'static str,
    triple: &'static str,
    /// Prefix of the cross binutils and gcc, e.g. `aarch64-linux-gnu` for
    /// `aarch64-linux-gnu-gcc`.
    gnu_prefix: &'static str,
    qemu: &'static str,
    /// Debian architecture of the std package unpacked into the sysroot.
    debian_arch: &'static str,
}

const TARGETS: &[ArmTarget] = &[
    ArmTarget {
        name: "aarch64",
        triple: "aarch64-unknown-linux-gnu",
        gnu_prefix: "aarch64-linux-gnu",
        qemu: "qemu-aarch64",
        debian_arch: "arm64",
    },
    ArmTarget {
        name: "armv7",
        triple: "armv7-unknown-linux-gnueabihf",
        gnu_prefix: "arm-linux-gnueabihf",
        qemu: "qemu-arm",
        debian_arch: "armhf",
    },
];

/// Host packages: Debian's rustc with its host std, the cross gcc and libc, and qemu-user.
const HOST_PACKAGES: &[&str] = &[
    "gcc-aarch64-linux-gnu",
    "libc6-dev-arm64-cross",
    "gcc-arm-linux-gnueabihf",
    "libc6-dev-armhf-cross",
    "qemu-user",
];

struct Options {
    targets: Vec<&'static ArmTarget>,
    install: bool,
    cargo_test_args: Vec<String>,
}

pub fn main(args: &[String]) -> Result<(), String> {
    let opts = parse_args(args)?;
    let missing = missing_tools(&opts.targets);
    if !missing.is_empty() {
        if !opts.install {
            return Err(format!(
                "ARM toolchain incomplete ({}) and --no-install was given",
                missing.join("; ")
            ));
        }
        println!(
            "arm-test: ARM toolchain incomplete ({})",
            missing.join("; ")
        );
        install()?;
        let still_missing = missing_tools(&opts.targets);
        if !still_missing.is_empty() {
            return Err(format!(
                "ARM toolchain still incomplete after install: {}",
                still_missing.join("; ")
            ));
        }
    }

    let root = project_root();
    let target_dir = arm_target_dir(&root);
    let mut results = Vec::new();
    for target in &opts.targets {
        println!("\n=== arm-test: {} ({}) ===", target.name, target.triple);
        let start = Instant::now();
        let passed = run_tests(target, &root, &target_dir, &opts.cargo_test_args)?;
        results.push((target, passed, start.elapsed()));
    }

    println!("\n=== arm-test summary ===");
    for (target, passed, elapsed) in &results {
        let verdict = if *passed { "passed" } else { "FAILED" };
        println!(
            "  {:<32} {verdict:<7} {}",
            target.triple,
            format_duration(*elapsed)
        );
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, passed, _)| !passed)
        .map(|(target, _, _)| target.name)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("ARM tests failed on: {}", failed.join(", ")))
    }
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut targets: Vec<&'static ArmTarget> = TARGETS.iter().collect();
    let mut install = true;
    let mut cargo_test_args = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let target_name = match arg.as_str() {
            "--" => {
                cargo_test_args.extend(rest.by_ref().cloned());
                break;
            }
            "--no-install" => {
                install = false;
                continue;
            }
            "--target" => rest.next().map(String::as_str),
            other => match other.strip_prefix("--target=") {
                Some(name) => Some(name),
                None => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            },
        };
        targets = match target_name {
            Some("all") => TARGETS.iter().collect(),
            Some(name) => match TARGETS.iter().find(|t| t.name == name || t.triple == name) {
                Some(target) => vec![target],
                None => return Err(format!("unknown target `{name}`\n{USAGE}")),
            },
            None => return Err(format!("--target needs a value\n{USAGE}")),
        };
    }
    Ok(Options {
        targets,
        install,
        cargo_test_args,
    })
}

/// What is missing for the given targets, one line each; empty when everything is there.
fn missing_tools(targets: &[&ArmTarget]) -> Vec<String> {
    let mut missing = Vec::new();
    match debian_rustc_sysroot() {
        Ok(sysroot) => {
            for target in targets {
                let std_dir = sysroot.join("lib/rustlib").join(target.triple).join("lib");
                if !std_dir.is_dir() {
                    missing.push(format!("no {} std in {}", target.triple, std_dir.display()));
                }
            }
        }
        Err(e) => missing.push(e),
    }
    for target in targets {
        for tool in [
            target.qemu.to_string(),
            format!("{}-gcc", target.gnu_prefix),
        ] {
            if find_on_path(&tool).is_none() {
                missing.push(format!("`{tool}` not on PATH"));
            }
        }
    }
    missing
}

/// The sysroot of Debian's rustc, if it is installed and is 1.85.
fn debian_rustc_sysroot() -> Result<PathBuf, String> {
    if !Path::new(DEBIAN_RUSTC).is_file() {
        return Err(format!("no {DEBIAN_RUSTC}"));
    }
    let version = capture(Command::new(DEBIAN_RUSTC).arg("-V"))?;
    if !version.starts_with(DEBIAN_RUST_MINOR) {
        return Err(format!("{DEBIAN_RUSTC} is `{version}`, want 1.85"));
    }
    capture(Command::new(DEBIAN_RUSTC).args(["--print", "sysroot"])).map(PathBuf::from)
}

fn find_on_path(tool: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
}

/// Installs Debian's rustc 1.85 with the host std, the cross gcc and libc, qemu-user, and
/// unpacks the ARM std packages (never installs them: see the module comment).
fn install() -> Result<(), String> {
    println!("arm-test: installing the ARM toolchain (Debian 12 packages)");
    for target in TARGETS {
        run_privileged(&["dpkg", "--add-architecture", target.debian_arch])?;
    }
    // A mirror that is mid-sync fails one index and makes `apt-get update` exit non-zero while
    // the rest is fresh; the packages below live in `bookworm/main`, and a missing one fails the
    // install with its name, so a failed update is only a warning.
    if let Err(e) = run_privileged(&["apt-get", "update"]) {
        println!("arm-test: warning: {e}; going on with the package lists apt has");
    }

    let rustc_web = format!("rustc-web={DEBIAN_RUST_VERSION}");
    let host_std = format!("libstd-rust-web-dev={DEBIAN_RUST_VERSION}");
    let mut apt_install = vec![
        "env",
        "DEBIAN_FRONTEND=noninteractive",
        "apt-get",
        "install",
        "-y",
        &rustc_web,
        &host_std,
    ];
    apt_install.extend_from_slice(HOST_PACKAGES);
    run_privileged(&apt_install)?;

    let download_dir = env::temp_dir().join("ghostrt-arm-std");
    fs::create_dir_all(&download_dir)
        .map_err(|e| format!("creating {}: {e}", download_dir.display()))?;
    for target in TARGETS {
        let package = format!(
            "libstd-rust-web-dev:{}={DEBIAN_RUST_VERSION}",
            target.debian_arch
        );
        let mut cmd = privileged(&["apt-get", "download", &package]);
        cmd.current_dir(&download_dir);
        run(&mut cmd)?;
        // apt-get download names the file `<package>_<version>_<arch>.deb`.
        let deb = download_dir.join(format!(
            "libstd-rust-web-dev_{DEBIAN_RUST_VERSION}_{}.deb",
            target.debian_arch
        ));
        if !deb.is_file() {
            return Err(format!("apt-get download left no {}", deb.display()));
        }
        let deb = deb.to_string_lossy().into_owned();
        run_privileged(&["dpkg", "-x", &deb, "/"])?;
    }
    Ok(())
}

/// Builds and runs `cargo test` for one target; `Ok(false)` when tests (or the build) failed.
fn run_tests(
    target: &ArmTarget,
    root: &Path,
    target_dir: &Path,
    extra: &[String],
) -> Result<bool, String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let env_triple = target.triple.replace('-', "_");
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["test", "--target", target.triple])
        // xtask is host-only tooling and may use newer Rust than 1.85.
        .args(["--workspace", "--exclude", "xtask", "--no-fail-fast"])
        .arg("--target-dir")
        .arg(target_dir)
        .args(default_test_selection(extra))
        .args(extra)
        .env("RUSTC", DEBIAN_RUSTC)
        .env("RUSTDOC", DEBIAN_RUSTDOC)
        .env(
            format!("CC_{env_triple}"),
            format!("{}-gcc", target.gnu_prefix),
        )
        .env(
            format!("AR_{env_triple}"),
            format!("{}-ar", target.gnu_prefix),
        );
    println!("+ {}", describe(&cmd));
    let status = cmd.status().map_err(|e| format!("starting cargo: {e}"))?;
    Ok(status.success())
}

/// `--tests` unless the caller's cargo arguments (those before a `--`) already say what to test.
fn default_test_selection(extra: &[String]) -> Option<&'static str> {
    let chooses = extra.iter().take_while(|a| a.as_str() != "--").any(|a| {
        let flag = a.split('=').next().unwrap_or(a);
        TEST_SELECTION_FLAGS.contains(&flag)
    });
    (!chooses).then_some("--tests")
}

/// A target directory of its own: the host build uses rustup's newer rustc, and sharing
/// `target/` would make the two rebuild each other's host artifacts (build scripts, proc macros).
fn arm_target_dir(root: &Path) -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("arm"),
        None => root.join("target").join("arm"),
    }
}

fn project_root() -> PathBuf {
    let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask_dir.parent().unwrap_or(xtask_dir).to_path_buf()
}

fn is_root() -> bool {
    capture(Command::new("id").arg("-u")).is_ok_and(|uid| uid == "0")
}

/// `argv` as a command, under `sudo` unless we already are root.
fn privileged(argv: &[&str]) -> Command {
    if is_root() {
        let mut cmd = Command::new(argv[0]);
        cmd.args(&argv[1..]);
        cmd
    } else {
        let mut cmd = Command::new("sudo");
        cmd.args(argv);
        cmd
    }
}

fn run_privileged(argv: &[&str]) -> Result<(), String> {
    run(&mut privileged(argv))
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = describe(cmd);
    println!("+ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("starting `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed: {status}"))
    }
}

/// Runs a command and returns its trimmed stdout.
fn capture(cmd: &mut Command) -> Result<String, String> {
    let shown = describe(cmd);
    let out = cmd
        .output()
        .map_err(|e| format!("starting `{shown}`: {e}"))?;
    if !out.status.success() {
        return Err(format!("`{shown}` failed: {}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn describe(cmd: &Command) -> String {
    let envs = cmd.get_envs().filter_map(|(key, value)| {
        value.map(|v| format!("{}={}", key.to_string_lossy(), v.to_string_lossy()))
    });
    let argv = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned());
    envs.chain(argv).collect::<Vec<_>>().join(" ")
}

fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    format!("{}m{:02}s", secs / 60, secs % 60)
}
