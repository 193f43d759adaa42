//! `cargo xtask icount`: ARM speed as executed guest instructions under qemu-user.
//!
//! No ARM hardware is needed: `examples/icount_bench.rs` is cross-built in release mode for
//! aarch64 and armv7 and run under `qemu-aarch64` / `qemu-arm` with the instruction-counting
//! TCG plugin of `../shared/tools/qemu-icount` (built here with gcc). Each count is the
//! difference of a run with N inferences and a run with one, divided by N - 1, so start-up,
//! pack loading and planning cancel out. The count is exact and repeatable.
//!
//! Models: RepGhostNet 0.5x/1.0x/2.0x and GhostNet 0.5x/1.0x with 1000 classes (the setting
//! of the ncnn reference numbers), random weights with non-trivial BatchNorm statistics as in
//! `tests/fixtures/make_fixtures.py`. They are generated once with timm into `--dir` (default
//! `/tmp/grt-icount`, never committed) and packed with `pack-weights`.
//!
//! For each target, model and kernel set the whole network is counted; for the per-family
//! breakdown the example drops every step of the plan but one family's (`--family`), so the
//! family is counted at the network's own layer shapes. The results go to
//! `docs/arm-results.md` (`--out`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::{env, fs, thread};

const USAGE: &str = "usage: cargo xtask icount [--targets aarch64,armv7] [--models m1,m2,..] \
[--runs N] [--families neon|all|none] [--jobs N] [--dir DIR] [--python PY] [--plugin-src FILE] \
[--out FILE | --no-write]";

/// The five networks of the report: file stem (timm name) and display name.
const MODELS: [(&str, &str); 5] = [
    ("repghostnet_050", "RepGhostNet 0.5x"),
    ("repghostnet_100", "RepGhostNet 1.0x"),
    ("repghostnet_200", "RepGhostNet 2.0x"),
    ("ghostnet_050", "GhostNet 0.5x"),
    ("ghostnet_100", "GhostNet 1.0x"),
];

/// ncnn NEON fp32, one thread, 224x224, 1000 classes: (target, model, million instructions).
const NCNN: [(&str, &str, f64); 6] = [
    ("aarch64", "repghostnet_050", 18.8),
    ("aarch64", "repghostnet_100", 52.0),
    ("aarch64", "repghostnet_200", 168.4),
    ("aarch64", "ghostnet_050", 21.5),
    ("aarch64", "ghostnet_100", 55.0),
    ("armv7", "repghostnet_100", 59.2),
];

/// Families of the breakdown, as `icount_bench --family` names them.
const FAMILIES: [&str; 7] = ["conv", "conv1x1", "dwconv", "se", "add", "gavgpool", "fc"];
/// The families and `none`: a plan without steps, the executor's fixed cost per inference
/// (input and output copies), which every family count includes and the table subtracts.
const FAMILIES_AND_NONE: [&str; 8] = [
    "conv", "conv1x1", "dwconv", "se", "add", "gavgpool", "fc", "none",
];

/// The counting plugin's source when the workspace is not next to `shared/`.
const SHARED_PLUGIN: &str = "/work/shared/tools/qemu-icount/icount.c";

/// Debian's rustc, which has the ARM standard libraries (see `arm.rs`).
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";

struct Target {
    name: &'static str,
    triple: &'static str,
    qemu: &'static str,
    sysroot: &'static str,
}

const TARGETS: [Target; 2] = [
    Target {
        name: "aarch64",
        triple: "aarch64-unknown-linux-gnu",
        qemu: "qemu-aarch64",
        sysroot: "/usr/aarch64-linux-gnu",
    },
    Target {
        name: "armv7",
        triple: "armv7-unknown-linux-gnueabihf",
        qemu: "qemu-arm",
        sysroot: "/usr/arm-linux-gnueabihf",
    },
];

/// Writes 1000-class state_dicts of the named timm models: random weights scaled so
/// activations stay O(1), random BN statistics and affine (make_fixtures.py `randomize`).
const MAKE_MODELS_PY: &str = r#"import sys, torch, timm
out = sys.argv[1]
for name in sys.argv[2:]:
    gen = torch.Generator().manual_seed(sum(map(ord, name)))
    m = timm.create_model(name, pretrained=False, num_classes=1000)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                c = mod.num_features
                mod.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                mod.running_var.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)
                mod.weight.copy_(torch.rand(c, generator=gen) * 0.6 + 0.45)
                mod.bias.copy_(torch.randn(c, generator=gen) * 0.1)
            elif isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
                fan_in = mod.weight[0].numel()
                mod.weight.copy_(torch.randn(mod.weight.shape, generator=gen) * (1.0 / fan_in) ** 0.5)
                if mod.bias is not None:
                    mod.bias.copy_(torch.randn(mod.bias.shape, generator=gen) * 0.1)
    torch.save(m.state_dict(), f"{out}/{name}.pth")
    print("wrote", f"{out}/{name}.pth")
"#;

struct Args {
    targets: Vec<&'static Target>,
    models: Vec<(&'static str, &'static str)>,
    runs: u64,
    families: String,
    jobs: usize,
    dir: PathBuf,
    python: String,
    plugin_src: PathBuf,
    out: Option<PathBuf>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn parse(args: &[String]) -> Result<Args, String> {
    let jobs = thread::available_parallelism().map_or(2, |n| n.get());
    let mut a = Args {
        targets: TARGETS.iter().collect(),
        models: MODELS.to_vec(),
        runs: 6,
        families: "neon".into(),
        jobs,
        dir: PathBuf::from("/tmp/grt-icount"),
        python: env::var("GRT_PYTHON").unwrap_or_else(|_| "/work/pyenv/bin/python".into()),
        plugin_src: [
            root().join("../shared/tools/qemu-icount/icount.c"),
            PathBuf::from(SHARED_PLUGIN),
        ]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(SHARED_PLUGIN)),
        out: Some(root().join("docs/arm-results.md")),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or(format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--targets" => {
                let v = value()?;
                a.targets = v
                    .split(',')
                    .map(|t| {
                        TARGETS
                            .iter()
                            .find(|x| x.name == t)
                            .ok_or(format!("--targets: unknown target {t}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--models" => {
                let v = value()?;
                a.models = v
                    .split(',')
                    .map(|m| {
                        MODELS
                            .iter()
                            .copied()
                            .find(|x| x.0 == m)
                            .ok_or(format!("--models: unknown model {m}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--runs" => {
                a.runs = value()?
                    .parse()
                    .map_err(|_| "--runs: expected a number".to_string())?;
                if a.runs < 2 {
                    return Err("--runs must be at least 2".into());
                }
            }
            "--families" => {
                a.families = value()?;
                if !["neon", "all", "none"].contains(&a.families.as_str()) {
                    return Err(format!(
                        "--families {}: expected neon, all or none",
                        a.families
                    ));
                }
            }
            "--jobs" => {
                a.jobs = value()?
                    .parse()
                    .map_err(|_| "--jobs: expected a number".to_string())?
            }
            "--dir" => a.dir = PathBuf::from(value()?),
            "--python" => a.python = value()?,
            "--plugin-src" => a.plugin_src = PathBuf::from(value()?),
            "--out" => a.out = Some(PathBuf::from(value()?)),
            "--no-write" => a.out = None,
            s => return Err(format!("unknown argument {s}\n{USAGE}")),
        }
    }
    a.jobs = a.jobs.max(1);
    Ok(a)
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The counting plugin, built from its source (checked to load in this qemu by the first run).
fn build_plugin(a: &Args) -> Result<PathBuf, String> {
    let so = a.dir.join("libicount.so");
    run(Command::new("gcc")
        .args(["-O2", "-shared", "-fPIC", "-o"])
        .arg(&so)
        .arg(&a.plugin_src))?;
    Ok(so)
}

/// 1000-class weight packs of the models, generated and packed when missing.
fn make_packs(a: &Args) -> Result<(), String> {
    let missing: Vec<&str> = a
        .models
        .iter()
        .map(|m| m.0)
        .filter(|m| {
            !a.dir.join(format!("{m}.grt")).exists() && !a.dir.join(format!("{m}.pth")).exists()
        })
        .collect();
    if !missing.is_empty() {
        let script = a.dir.join("make_models.py");
        fs::write(&script, MAKE_MODELS_PY).map_err(|e| format!("{}: {e}", script.display()))?;
        eprintln!(
            "icount: generating {} with timm ({})",
            missing.join(", "),
            a.python
        );
        run(Command::new(&a.python)
            .arg(&script)
            .arg(&a.dir)
            .args(&missing))?;
    }
    for (m, _) in &a.models {
        let grt = a.dir.join(format!("{m}.grt"));
        if !grt.exists() {
            let pth = a.dir.join(format!("{m}.pth"));
            let args: Vec<String> = vec![
                pth.display().to_string(),
                "-o".into(),
                grt.display().to_string(),
            ];
            crate::pack_weights::main(&args)?;
        }
    }
    Ok(())
}

/// Cross-builds the example; returns the binary.
fn build_example(t: &Target) -> Result<PathBuf, String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = root().join("target/arm");
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root())
        .args([
            "build",
            "--quiet",
            "--release",
            "--example",
            "icount_bench",
            "--target",
            t.triple,
            "--target-dir",
        ])
        .arg(&target_dir);
    if Path::new(DEBIAN_RUSTC).exists() {
        cmd.env("RUSTC", DEBIAN_RUSTC);
    }
    eprintln!("icount: building examples/icount_bench.rs for {}", t.triple);
    run(&mut cmd)?;
    Ok(target_dir
        .join(t.triple)
        .join("release/examples/icount_bench"))
}

/// One measurement: target, model, kernel set, family ("all" for the whole network).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    target: &'static str,
    model: &'static str,
    kernels: &'static str,
    family: &'static str,
}

/// Result of a measurement: instructions per inference and the example's `key=value` line.
#[derive(Clone, Debug, Default)]
struct Count {
    insns: u64,
    info: BTreeMap<String, String>,
}

impl Count {
    fn macs(&self, key: &str) -> u64 {
        self.info.get(key).and_then(|v| v.parse().ok()).unwrap_or(0)
    }
}

/// Guest instructions of one qemu run of the example.
fn count_once(
    t: &Target,
    bin: &Path,
    plugin: &Path,
    dir: &Path,
    k: &Key,
    runs: u64,
    tag: &str,
) -> Result<(u64, String), String> {
    let file = dir.join(format!(
        "count-{}-{}-{}-{}-{runs}-{tag}.txt",
        k.target, k.model, k.kernels, k.family
    ));
    let stdout = run(Command::new(t.qemu)
        .arg("-L")
        .arg(t.sysroot)
        .arg("-plugin")
        .arg(plugin)
        .arg(bin)
        .arg(dir.join(format!("{}.grt", k.model)))
        .args([
            "--hw",
            "224x224",
            "--kernels",
            k.kernels,
            "--family",
            k.family,
            "--runs",
        ])
        .arg(runs.to_string())
        .env("ICOUNT_OUT", &file))?;
    let text = fs::read_to_string(&file)
        .map_err(|e| format!("{}: {e} (did the plugin load?)", file.display()))?;
    let _ = fs::remove_file(&file);
    let n = text
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .ok_or(format!(
            "{}: unexpected plugin output {text:?}",
            file.display()
        ))?;
    Ok((n, stdout))
}

fn measure(
    t: &Target,
    bin: &Path,
    plugin: &Path,
    dir: &Path,
    k: &Key,
    runs: u64,
) -> Result<Count, String> {
    let (one, _) = count_once(t, bin, plugin, dir, k, 1, "a")?;
    let (many, line) = count_once(t, bin, plugin, dir, k, runs, "b")?;
    let info = line
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Ok(Count {
        insns: many.saturating_sub(one) / (runs - 1),
        info,
    })
}

fn ncnn(target: &str, model: &str) -> Option<f64> {
    NCNN.iter()
        .find(|n| n.0 == target && n.1 == model)
        .map(|n| n.2)
}

fn mi(n: u64) -> String {
    format!("{:.1}", n as f64 / 1e6)
}

fn report(a: &Args, results: &BTreeMap<Key, Count>, versions: &str) -> String {
    let get = |t: &'static str, m: &'static str, ks: &'static str, f: &'static str| {
        results.get(&Key {
            target: t,
            model: m,
            kernels: ks,
            family: f,
        })
    };
    let mut s = String::new();
    s.push_str("# ARM instruction counts\n\n");
    s.push_str(
        "Generated by `cargo xtask icount` (xtask/src/icount.rs); do not edit by hand. Guest \
instructions executed per 224x224 inference under qemu-user with the counting plugin of \
`../shared/tools/qemu-icount`, counted as (N = ",
    );
    s.push_str(&format!(
        "{} runs - 1 run) / {}, one thread. Models have 1000 classes and random weights \
(instruction counts do not depend on the values). MACs are `Plan::total_macs`. ncnn: NEON \
fp32, one thread, the reference figures of the task. Design notes: `docs/arm-kernels.md`.\n\n",
        a.runs,
        a.runs - 1
    ));
    s.push_str(&format!("Toolchain: {versions}\n\n"));
    s.push_str("## Whole network (million instructions per inference)\n\n");
    s.push_str("| model | MMAC | target | scalar | NEON | NEON instr/MAC | NEON vs scalar | ncnn | NEON / ncnn |\n");
    s.push_str("|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for (m, name) in &a.models {
        for t in &a.targets {
            let (sc, ne) = (
                get(t.name, m, "scalar", "all"),
                get(t.name, m, "neon", "all"),
            );
            let macs = ne.or(sc).map_or(0, |c| c.macs("macs"));
            let cell = |c: Option<&Count>| c.map_or("-".to_string(), |c| mi(c.insns));
            let per_mac = ne.map_or("-".into(), |c| {
                format!("{:.3}", c.insns as f64 / macs.max(1) as f64)
            });
            let speedup = match (sc, ne) {
                (Some(s), Some(n)) if n.insns > 0 => {
                    format!("{:.2}x", s.insns as f64 / n.insns as f64)
                }
                _ => "-".into(),
            };
            let (bar, ratio) = match (ncnn(t.name, m), ne) {
                (Some(b), Some(n)) => (
                    format!("{b:.1}"),
                    format!("{:.2}", n.insns as f64 / 1e6 / b),
                ),
                (Some(b), None) => (format!("{b:.1}"), "-".into()),
                _ => ("-".into(), "-".into()),
            };
            s.push_str(&format!(
                "| {name} | {:.1} | {} | {} | {} | {per_mac} | {speedup} | {bar} | {ratio} |\n",
                macs as f64 / 1e6,
                t.name,
                cell(sc),
                cell(ne)
            ));
        }
    }
    let kinds: &[&'static str] = match a.families.as_str() {
        "all" => &["neon", "scalar"],
        "neon" => &["neon"],
        _ => &[],
    };
    for ks in kinds {
        s.push_str(&format!(
            "\n## Per kernel family, {ks} (million instructions per inference, instr/MAC, share of the network)\n\n\
Each family counted alone at the network's layer shapes (`icount_bench --family`), minus \
the fixed cost of an inference without steps; \"rest\" is the network total minus the \
families: the executor and the input/output copies.\n\n"
        ));
        for t in &a.targets {
            s.push_str(&format!("### {}\n\n| family |", t.name));
            for (_, name) in &a.models {
                s.push_str(&format!(" {name} |"));
            }
            s.push_str("\n|---|");
            for _ in &a.models {
                s.push_str("---:|");
            }
            s.push('\n');
            for f in FAMILIES.iter().chain(["rest"].iter()) {
                s.push_str(&format!("| {f} |"));
                for (m, _) in &a.models {
                    let total = get(t.name, m, ks, "all");
                    let base = get(t.name, m, ks, "none").map_or(0, |c| c.insns);
                    let own = |g: &'static str| {
                        get(t.name, m, ks, g).map(|c| (c.insns.saturating_sub(base), c))
                    };
                    let cell = if *f == "rest" {
                        total.map(|tot| {
                            let fams: u64 =
                                FAMILIES.iter().filter_map(|g| own(g)).map(|(n, _)| n).sum();
                            let rest = tot.insns.saturating_sub(fams);
                            format!(
                                "{} ({:.1}%)",
                                mi(rest),
                                100.0 * rest as f64 / tot.insns.max(1) as f64
                            )
                        })
                    } else {
                        own(f).map(|(n, c)| {
                            let macs = c.macs(&format!("macs_{f}"));
                            let share =
                                total.map_or(0.0, |tot| 100.0 * n as f64 / tot.insns.max(1) as f64);
                            if macs > 0 {
                                format!(
                                    "{} ({:.2}/MAC, {share:.1}%)",
                                    mi(n),
                                    n as f64 / macs as f64
                                )
                            } else {
                                format!("{} ({share:.1}%)", mi(n))
                            }
                        })
                    };
                    s.push_str(&format!(" {} |", cell.unwrap_or_else(|| "-".into())));
                }
                s.push('\n');
            }
            s.push('\n');
        }
    }
    s
}

fn versions(a: &Args) -> String {
    let first_line = |cmd: &mut Command| {
        run(cmd)
            .ok()
            .and_then(|o| o.lines().next().map(str::to_string))
            .unwrap_or_default()
    };
    let mut v = vec![first_line(Command::new(DEBIAN_RUSTC).arg("--version"))];
    for t in &a.targets {
        v.push(first_line(Command::new(t.qemu).arg("--version")));
    }
    v.push(first_line(
        Command::new("aarch64-linux-gnu-gcc").arg("--version"),
    ));
    v.retain(|s| !s.is_empty());
    v.join("; ")
}

pub fn main(args: &[String]) -> Result<(), String> {
    let a = parse(args)?;
    fs::create_dir_all(&a.dir).map_err(|e| format!("{}: {e}", a.dir.display()))?;
    let plugin = build_plugin(&a)?;
    make_packs(&a)?;
    let mut jobs: Vec<(&'static Target, PathBuf, Key)> = Vec::new();
    for t in &a.targets {
        let bin = build_example(t)?;
        for (m, _) in &a.models {
            for ks in ["neon", "scalar"] {
                let with_families = a.families == "all" || (a.families == "neon" && ks == "neon");
                let fams: &[&'static str] = if with_families {
                    &FAMILIES_AND_NONE
                } else {
                    &[]
                };
                for f in ["all"].iter().chain(fams) {
                    jobs.push((
                        t,
                        bin.clone(),
                        Key {
                            target: t.name,
                            model: m,
                            kernels: ks,
                            family: f,
                        },
                    ));
                }
            }
        }
    }
    eprintln!(
        "icount: {} measurements on {} qemu jobs at a time",
        jobs.len(),
        a.jobs
    );
    let queue = Arc::new(Mutex::new(jobs));
    let results: Arc<Mutex<BTreeMap<Key, Count>>> = Arc::default();
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let workers: Vec<_> = (0..a.jobs)
        .map(|_| {
            let (queue, results, errors) = (queue.clone(), results.clone(), errors.clone());
            let (plugin, dir, runs) = (plugin.clone(), a.dir.clone(), a.runs);
            thread::spawn(move || loop {
                let job = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                let Some((t, bin, key)) = job else { break };
                match measure(t, &bin, &plugin, &dir, &key, runs) {
                    Ok(c) => {
                        eprintln!(
                            "  {} {} {} {}: {} M",
                            key.target,
                            key.model,
                            key.kernels,
                            key.family,
                            mi(c.insns)
                        );
                        if let Ok(mut r) = results.lock() {
                            r.insert(key, c);
                        }
                    }
                    Err(e) => {
                        if let Ok(mut errs) = errors.lock() {
                            errs.push(e);
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join()
            .map_err(|_| "a measurement thread panicked".to_string())?;
    }
    let errors = errors.lock().map(|e| e.clone()).unwrap_or_default();
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    let results = results.lock().map(|r| r.clone()).unwrap_or_default();
    let text = report(&a, &results, &versions(&a));
    print!("{text}");
    if let Some(out) = &a.out {
        if let Some(parent) = out.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        fs::write(out, &text).map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!("icount: wrote {}", out.display());
    }
    Ok(())
}
