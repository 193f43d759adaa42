//! `cargo xtask peers`: ghostrt side by side with the engines a user would pick instead
//! (ONNX Runtime, ncnn, MNN, tract) on the same random-weight timm models, batch 1, 224x224.
//!
//! Method: every engine gets the fused deploy model (RepGhostNet after `convert_to_deploy`;
//! ghostrt fuses the same way offline when it packs the train-form state_dict). Each
//! measurement is one process that loads the model once, checks or warms up, then times
//! `--runs` inferences and reports the median. Engines never run concurrently (thread pools
//! that spin would steal each other's cores); they run in interleaved rounds, the order
//! rotated each round, so a noisy neighbour hurts all engines alike; a cell is the median of
//! the per-round medians. Every engine's output on one fixed input is compared with PyTorch's
//! (max |y - y_torch| / max |y_torch|), so a misconfigured engine (fp16 storage, say) shows.
//!
//! The Python side (model export and the per-engine bench scripts) is in `xtask/peers/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

use serde_json::json;

const USAGE: &str = "usage: cargo xtask peers [--models rg050,rg100,rg200,gn100] [--threads 1,2]
    [--runs 50] [--rounds 3] [--python PATH] [--tract PATH] [--skip-install] [--no-write]
  --python: a Python with torch and timm to use (and install the engines into) instead of
            creating target/peers-venv; also $GHOSTRT_PEERS_PYTHON
  --tract:  a tract CLI to use instead of `cargo install tract-cli` into target/peers-tools
  --skip-install: install nothing; engines that are missing are reported as not available
  --no-write: print the table but leave docs/peers.md alone";

/// Outputs further from PyTorch than this (relative to max |y|) are flagged as mismatches.
const TOLERANCE: f64 = 1e-3;

/// How an engine is driven: through ghostrt's or tract's CLI, or by a Python bench script.
#[derive(Clone, Copy, PartialEq)]
enum Driver {
    Ghostrt,
    Tract,
    Script(&'static str),
}

/// One engine: its key in results.json (report.py has the display names), how it runs, its
/// model file in a model folder, the make_models.py export that writes that file, and the
/// Python packages it needs to run and to convert its model.
struct Engine {
    key: &'static str,
    driver: Driver,
    artifact: &'static str,
    export: &'static str,
    packages: &'static [&'static str],
}

#[rustfmt::skip]
const ENGINES: [Engine; 5] = [
    Engine { key: "ghostrt", driver: Driver::Ghostrt, artifact: "model.grt", export: "pack", packages: &[] },
    Engine { key: "ort", driver: Driver::Script("bench_ort.py"), artifact: "model.onnx", export: "onnx", packages: &["onnxruntime"] },
    Engine { key: "ncnn", driver: Driver::Script("bench_ncnn.py"), artifact: "model.ncnn.param", export: "ncnn", packages: &["ncnn", "pnnx"] },
    Engine { key: "mnn", driver: Driver::Script("bench_mnn.py"), artifact: "model.mnn", export: "mnn", packages: &["MNN"] },
    Engine { key: "tract", driver: Driver::Tract, artifact: "model.onnx", export: "onnx", packages: &[] },
];

struct Opts {
    models: Vec<String>,
    threads: Vec<usize>,
    runs: usize,
    rounds: usize,
    python: Option<PathBuf>,
    tract: Option<PathBuf>,
    skip_install: bool,
    write: bool,
}

/// One timed process: median and min over its runs, and its output check when it made one.
struct Sample {
    median: f64,
    min: f64,
    rel_err: Option<f64>,
}

/// What the engines run with: the work folder, the tools, and the package versions.
struct Setup {
    root: PathBuf,
    work: PathBuf,
    python: PathBuf,
    ghostrt: PathBuf,
    tract: Result<PathBuf, String>,
    versions: serde_json::Value,
}

pub fn main(args: &[String]) -> Result<(), String> {
    let opts = parse(args)?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent folder")?
        .to_path_buf();
    let work = root.join("target/peers");
    fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let setup = prepare(&opts, root, work)?;
    let models = build_models(&opts, &setup)?;
    let load_before = loadavg();
    let (mut rows, mut checks) = (Vec::new(), serde_json::Map::new());
    for (model, avail) in &models {
        let mut found = check(&setup, model, avail);
        for &threads in &opts.threads {
            let cells = measure(&opts, &setup, model, avail, threads, &mut found);
            rows.push(json!({"model": model, "threads": threads, "cells": cells}));
        }
        let per_engine = ENGINES.iter().zip(found).filter_map(|(e, c)| {
            let c = c?.map_or_else(|why| json!({"error": why}), |err| json!({"rel_err": err}));
            Some((e.key.to_string(), c))
        });
        checks.insert(model.clone(), per_engine.collect());
    }
    let sh = |prog: &str, args: &[&str]| {
        let mut cmd = Command::new(prog);
        run(cmd.args(args).current_dir(&setup.root), None).unwrap_or_default()
    };
    let results = json!({
        "options": {"models": opts.models, "threads": opts.threads, "runs": opts.runs,
                    "rounds": opts.rounds},
        "tolerance": TOLERANCE,
        "date": sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).trim(),
        "cpu": sh("lscpu", &[]).lines().find_map(|l| l.strip_prefix("Model name:"))
            .map_or("unknown", str::trim),
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "loadavg": [load_before, loadavg()],
        "git": sh("git", &["describe", "--always", "--dirty"]).trim(),
        "versions": setup.versions,
        "engines": ENGINES.iter().map(|e| e.key).collect::<Vec<_>>(),
        "checks": checks,
        "rows": rows,
    });
    let path = setup.work.join("results.json");
    let text = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
    fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut render = Command::new(&setup.python);
    render
        .arg(setup.root.join("xtask/peers/report.py"))
        .arg(&path);
    if opts.write {
        render.arg("--write").arg(setup.root.join("docs/peers.md"));
    }
    println!("\n{}", run(&mut render, None)?);
    Ok(())
}

/// The 1, 5 and 15 minute load averages: how busy the shared machine was.
fn loadavg() -> String {
    let text = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        models: ["rg050", "rg100", "rg200", "gn100"].map(timm_name).to_vec(),
        threads: vec![1, 2],
        runs: 50,
        rounds: 3,
        python: env::var_os("GHOSTRT_PEERS_PYTHON").map(PathBuf::from),
        tract: None,
        skip_install: false,
        write: true,
    };
    let list = |v: &str| -> Result<Vec<usize>, String> {
        v.split(',')
            .map(|t| t.parse().map_err(|_| format!("{v}: expected numbers")))
            .collect()
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or(format!("{a} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--models" => o.models = value()?.split(',').map(timm_name).collect(),
            "--threads" => o.threads = list(&value()?)?,
            "--runs" => o.runs = list(&value()?)?[0].max(1),
            "--rounds" => o.rounds = list(&value()?)?[0].max(1),
            "--python" => o.python = Some(PathBuf::from(value()?)),
            "--tract" => o.tract = Some(PathBuf::from(value()?)),
            "--skip-install" => o.skip_install = true,
            "--no-write" => o.write = false,
            _ => return Err(format!("unknown argument {a}\n{USAGE}")),
        }
    }
    Ok(o)
}

/// `rg050` -> `repghostnet_050`, `gn100` -> `ghostnet_100`; timm names pass through.
fn timm_name(s: &str) -> String {
    if let Some(w) = s.strip_prefix("rg") {
        format!("repghostnet_{w}")
    } else if let Some(w) = s.strip_prefix("gn") {
        format!("ghostnet_{w}")
    } else {
        s.to_string()
    }
}

/// Python with the packages, the tract CLI, the ghostrt binary, and every version.
fn prepare(opts: &Opts, root: PathBuf, work: PathBuf) -> Result<Setup, String> {
    let peers = root.join("xtask/peers");
    let python = match &opts.python {
        Some(p) => p.clone(),
        None => {
            let venv = root.join("target/peers-venv");
            let python = venv.join("bin/python");
            if !python.exists() && !opts.skip_install {
                println!("creating {}", venv.display());
                let mut venv_cmd = Command::new("python3");
                venv_cmd.arg("-m").arg("venv").arg(&venv);
                run(&mut venv_cmd, None)?;
            }
            python
        }
    };
    if !python.exists() && python.components().count() > 1 {
        return Err(format!(
            "no {}: run without --skip-install, or pass --python",
            python.display()
        ));
    }
    let versions = || -> Result<serde_json::Value, String> {
        json_result(&run(
            Command::new(&python).arg(peers.join("versions.py")),
            None,
        )?)
    };
    let mut v = versions()?;
    if !opts.skip_install {
        let reqs = fs::read_to_string(peers.join("requirements.txt"))
            .map_err(|e| format!("requirements.txt: {e}"))?;
        let log = work.join("pip-install.log");
        for pkg in reqs.lines().map(str::trim) {
            if pkg.is_empty() || pkg.starts_with('#') || installed(&v, pkg) {
                continue;
            }
            println!("pip install {pkg} (log: {})", log.display());
            let mut pip = Command::new(&python);
            pip.args(["-m", "pip", "install", pkg]);
            if let Err(e) = run(&mut pip, Some(&log)) {
                println!("  {pkg} did not install: {e}");
            }
        }
        v = versions()?;
    }
    for core in ["numpy", "torch", "timm"] {
        if !installed(&v, core) {
            return Err(format!("{}: {core} is {}", python.display(), v[core]));
        }
    }
    let tract = find_tract(opts, &root, &work);
    v["tract"] = match &tract {
        Ok(t) => {
            let out = run(Command::new(t).arg("--version"), None).unwrap_or_default();
            // "tract-cli 0.23.9"
            out.split_whitespace().last().unwrap_or("unknown").into()
        }
        Err(why) => why.as_str().into(),
    };
    println!("building ghostrt (cargo build --release --bin ghostrt)");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(&root)
        .args(["build", "--release", "--bin", "ghostrt"]);
    run(&mut build, None)?;
    let target = env::var_os("CARGO_TARGET_DIR").map_or(root.join("target"), PathBuf::from);
    Ok(Setup {
        ghostrt: target.join("release/ghostrt"),
        root,
        work,
        python,
        tract,
        versions: v,
    })
}

fn installed(versions: &serde_json::Value, pkg: &str) -> bool {
    versions[pkg]
        .as_str()
        .is_some_and(|s| !s.starts_with("not available"))
}

fn find_tract(opts: &Opts, root: &Path, work: &Path) -> Result<PathBuf, String> {
    if let Some(t) = &opts.tract {
        return Ok(t.clone());
    }
    let tools = root.join("target/peers-tools");
    let local = tools.join("bin/tract");
    if !local.exists() && !opts.skip_install {
        let log = work.join("tract-install.log");
        println!("cargo install tract-cli (log: {})", log.display());
        let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut install = Command::new(cargo);
        // multithread-mm: without it the CLI refuses --threads.
        install
            .args([
                "install",
                "--locked",
                "tract-cli",
                "--features",
                "multithread-mm",
            ])
            .arg("--target-dir")
            .arg(tools.join("build"))
            .arg("--root")
            .arg(&tools);
        run(&mut install, Some(&log))
            .map_err(|e| format!("not available: cargo install tract-cli failed ({e})"))?;
    }
    if local.exists() {
        return Ok(local);
    }
    run(Command::new("tract").arg("--version"), None)
        .map(|_| PathBuf::from("tract"))
        .map_err(|_| "not available: no tract CLI (--skip-install)".to_string())
}

/// Exports the models (when their folder is not there yet) and packs each for ghostrt; per
/// model, per engine: Ok(model file) or Err(why the engine cannot run it).
type Avail = Vec<Result<PathBuf, String>>;

fn build_models(opts: &Opts, s: &Setup) -> Result<Vec<(String, Avail)>, String> {
    let missing: Vec<&str> = opts
        .models
        .iter()
        .filter(|m| !s.work.join(m).join("status.json").exists())
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let log = s.work.join("make-models.log");
        println!("exporting {} (log: {})", missing.join(","), log.display());
        let mut make = Command::new(&s.python);
        make.arg(s.root.join("xtask/peers/make_models.py"))
            .arg("--out")
            .arg(&s.work)
            .args(["--models", &missing.join(",")]);
        run(&mut make, Some(&log))?;
    }
    let mut out = Vec::new();
    for m in &opts.models {
        let dir = s.work.join(m);
        let status: serde_json::Value = read_json(&dir.join("status.json"))?;
        let grt = dir.join("model.grt");
        crate::pack_weights::main(&[
            dir.join("state_dict.pth").display().to_string(),
            "-o".into(),
            grt.display().to_string(),
        ])?;
        let avail = ENGINES
            .iter()
            .map(|e| availability(e, s, &dir, &status))
            .collect();
        out.push((m.clone(), avail));
    }
    Ok(out)
}

fn availability(
    e: &Engine,
    s: &Setup,
    dir: &Path,
    status: &serde_json::Value,
) -> Result<PathBuf, String> {
    if e.driver == Driver::Tract {
        s.tract.clone()?;
    }
    for pkg in e.packages {
        if !installed(&s.versions, pkg) {
            return Err(format!("not available: {pkg}: {}", s.versions[*pkg]));
        }
    }
    let file = dir.join(e.artifact);
    if file.exists() {
        return Ok(file);
    }
    match status["errors"][e.export].as_str() {
        Some(why) => Err(format!("not available: {} export failed: {why}", e.export)),
        None => Err(format!("not available: no {}", file.display())),
    }
}

/// Output checks that need their own process (ghostrt, tract); the Python peers check
/// inside their bench process, filled in by `measure`.
fn check(s: &Setup, model: &str, avail: &Avail) -> Vec<Option<Result<f64, String>>> {
    let dir = s.work.join(model);
    let (input, reference) = (dir.join("input.npy"), dir.join("reference.npy"));
    ENGINES
        .iter()
        .zip(avail)
        .map(|(e, a)| {
            let file = a.as_ref().ok()?;
            let r = match e.driver {
                Driver::Ghostrt => {
                    let out = dir.join("ghostrt_out.npy");
                    let mut cmd = Command::new(&s.ghostrt);
                    cmd.arg("run").arg(file).arg("--input").arg(&input);
                    run(cmd.arg("--output").arg(&out), None)
                        .and_then(|_| rel_err(s, &out, &reference))
                }
                Driver::Tract => tract_check(s, file, &dir, &reference),
                Driver::Script(_) => return None,
            };
            report_check(model, e, &r);
            Some(r)
        })
        .collect()
}

fn report_check(model: &str, e: &Engine, r: &Result<f64, String>) {
    match r {
        Ok(err) if *err <= TOLERANCE => println!("check {model} {}: rel err {err:.2e}", e.key),
        Ok(err) => println!("check {model} {}: rel err {err:.2e}: MISMATCH", e.key),
        Err(why) => println!("check {model} {}: failed: {why}", e.key),
    }
}

/// max |y - y_torch| / max |y_torch| for an output file (.npy or .npz), by compare.py.
fn rel_err(s: &Setup, out: &Path, reference: &Path) -> Result<f64, String> {
    let mut cmd = Command::new(&s.python);
    cmd.arg(s.root.join("xtask/peers/compare.py"))
        .arg(out)
        .arg(reference);
    let j = json_result(&run(&mut cmd, None)?)?;
    j["rel_err"].as_f64().ok_or(format!("compare.py: {j}"))
}

/// `rounds` interleaved rounds for one model and thread count; per engine key, the median of
/// the round medians, the fastest run, the round medians, or why there is none.
fn measure(
    o: &Opts,
    s: &Setup,
    model: &str,
    avail: &Avail,
    threads: usize,
    checks: &mut [Option<Result<f64, String>>],
) -> serde_json::Map<String, serde_json::Value> {
    let mut samples: Vec<Vec<Sample>> = ENGINES.iter().map(|_| Vec::new()).collect();
    let mut errors: Vec<Option<String>> = vec![None; ENGINES.len()];
    for round in 0..o.rounds {
        let mut line = format!(
            "{model} threads {threads} round {}/{}:",
            round + 1,
            o.rounds
        );
        for k in 0..ENGINES.len() {
            let i = (k + round) % ENGINES.len();
            let (e, Ok(file)) = (&ENGINES[i], &avail[i]) else {
                continue;
            };
            match time_one(e, s, file, model, threads, o.runs) {
                Ok(sample) => {
                    let _ = write!(line, " {} {:.2} ms", e.key, sample.median);
                    if let (Some(err), None) = (sample.rel_err, &checks[i]) {
                        report_check(model, e, &Ok(err));
                        checks[i] = Some(Ok(err));
                    }
                    samples[i].push(sample);
                }
                Err(why) => {
                    let _ = write!(line, " {} failed", e.key);
                    errors[i] = Some(why);
                }
            }
        }
        println!("{line}");
    }
    let cell = |i: usize| {
        let mut medians: Vec<f64> = samples[i].iter().map(|x| x.median).collect();
        medians.sort_by(f64::total_cmp);
        let min = samples[i]
            .iter()
            .map(|x| x.min)
            .fold(f64::INFINITY, f64::min);
        match (&avail[i], medians.len(), &errors[i]) {
            (Err(why), _, _) => json!({"error": why}),
            (_, 0, why) => json!({"error": format!("failed: {}", why.as_deref().unwrap_or("?"))}),
            (_, n, _) => json!({
                "median_ms": (medians[(n - 1) / 2] + medians[n / 2]) / 2.0,
                "min_ms": min.is_finite().then_some(min),
                "round_medians_ms": medians,
            }),
        }
    };
    ENGINES
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key.to_string(), cell(i)))
        .collect()
}

fn time_one(
    e: &Engine,
    s: &Setup,
    file: &Path,
    model: &str,
    threads: usize,
    runs: usize,
) -> Result<Sample, String> {
    let (t, n) = (threads.to_string(), runs.to_string());
    let dir = s.work.join(model);
    match e.driver {
        Driver::Ghostrt => {
            let mut cmd = Command::new(&s.ghostrt);
            cmd.arg("bench")
                .arg(file)
                .args(["--runs", &n, "--threads", &t]);
            let out = run(&mut cmd, None)?;
            let number = |key: &str| -> Result<f64, String> {
                let rest = out
                    .split(key)
                    .nth(1)
                    .ok_or(format!("no `{key}` in: {out}"))?;
                let num = rest.split_whitespace().next().unwrap_or("");
                num.parse()
                    .map_err(|_| format!("`{key} {num}`: not a number"))
            };
            Ok(Sample {
                median: number("median ")?,
                min: number("min ")?,
                rel_err: None,
            })
        }
        Driver::Tract => tract_bench(s, file, threads, runs),
        Driver::Script(script) => {
            let mut cmd = Command::new(&s.python);
            cmd.arg(s.root.join("xtask/peers").join(script))
                .arg(file)
                .arg("--input")
                .arg(dir.join("input.npy"))
                .arg("--reference")
                .arg(dir.join("reference.npy"))
                .args(["--threads", &t, "--runs", &n]);
            let j = json_result(&run(&mut cmd, None)?)?;
            let f = |k: &str| j[k].as_f64().ok_or(format!("no {k} in {j}"));
            Ok(Sample {
                median: f("median_ms")?,
                min: f("min_ms")?,
                rel_err: j["rel_err"].as_f64(),
            })
        }
    }
}

/// `tract MODEL -i 1,3,224,224,f32 -O [--threads T]`: the optimized model on a fixed shape.
/// One thread is tract's default (no pool); more threads set up its compute pool.
fn tract_cmd(s: &Setup, file: &Path, threads: usize) -> Result<Command, String> {
    let mut cmd = Command::new(s.tract.as_ref()?);
    // The error itself, not anyhow's backtrace, is what a failed run reports.
    cmd.env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0");
    cmd.arg(file).args(["-i", "1,3,224,224,f32", "-O"]);
    if threads > 1 {
        cmd.args(["--threads", &threads.to_string()]);
    }
    Ok(cmd)
}

fn tract_check(s: &Setup, file: &Path, dir: &Path, reference: &Path) -> Result<f64, String> {
    let out = dir.join("tract_out.npz");
    let mut cmd = tract_cmd(s, file, 1)?;
    cmd.arg("run")
        .arg("--input-from-npz")
        .arg(dir.join("input.npz"))
        .arg("--save-outputs-npz")
        .arg(&out);
    run(&mut cmd, None)?;
    rel_err(s, &out, reference)
}

/// tract's `bench` reports the mean over its loops (it keeps no per-run times), so its
/// cell is a median over rounds of means; like the Python peers it stops after 30 s.
fn tract_bench(s: &Setup, file: &Path, threads: usize, runs: usize) -> Result<Sample, String> {
    let mut cmd = tract_cmd(s, file, threads)?;
    let input = file.with_file_name("input.npz");
    cmd.args(["--machine-friendly", "bench", "--input-from-npz"])
        .arg(input)
        .args(["--warmup-loops", "5"])
        .args(["--max-loops", &runs.to_string(), "--max-time", "30000"]);
    let out = run(&mut cmd, None)?;
    let secs: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("real:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or(format!("no `real: SECONDS` in tract's output: {out}"))?;
    Ok(Sample {
        median: secs * 1e3,
        min: f64::NAN,
        rel_err: None,
    })
}

/// Runs a command to the end; its stdout, or an error with the last line of its stderr. With
/// `log`, both streams are appended there instead (installs and exports are verbose).
fn run(cmd: &mut Command, log: Option<&Path>) -> Result<String, String> {
    let program = Path::new(cmd.get_program());
    let what = program
        .file_name()
        .unwrap_or(program.as_os_str())
        .to_string_lossy()
        .into_owned();
    let out = cmd.output().map_err(|e| format!("starting {what}: {e}"))?;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    if let Some(log) = log {
        let mut text = fs::read_to_string(log).unwrap_or_default();
        let _ = write!(text, "$ {cmd:?}\n{stdout}{stderr}\n");
        fs::write(log, text).map_err(|e| format!("{}: {e}", log.display()))?;
    }
    if out.status.success() {
        return Ok(stdout);
    }
    // The last line says why: a Python exception, pip's or tract's error.
    let why = stderr.lines().rev().find(|l| !l.trim().is_empty());
    Err(format!(
        "{what} exited with {}: {}",
        out.status
            .code()
            .map_or("a signal".into(), |c| c.to_string()),
        why.unwrap_or("no message").trim()
    ))
}

/// The last line of a script's stdout that is a JSON object (engines print banners first);
/// an {"error": ...} object becomes Err.
fn json_result(stdout: &str) -> Result<serde_json::Value, String> {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or(format!("no JSON line in: {stdout}"))?;
    let j: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("{e}: {line}"))?;
    match j["error"].as_str() {
        Some(why) => Err(why.to_string()),
        None => Ok(j),
    }
}

fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
