//! `ghostrt`: run, plan and benchmark a weight pack from the command line.

use ghostrt::plan::{Plan, PlanOptions};
use ghostrt::{npy, Error, Model, Session, Tensor};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// `print!` / `println!` that end the program quietly when stdout is closed early
/// (`ghostrt plan M.grt | head`) instead of panicking, and report any other write error.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write;
        stdout_result(write!(std::io::stdout().lock(), $($t)*));
    }};
}
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write;
        stdout_result(writeln!(std::io::stdout().lock(), $($t)*));
    }};
}

fn stdout_result(r: std::io::Result<()>) {
    match r {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("ghostrt: writing to stdout: {e}");
            std::process::exit(1);
        }
    }
}

const USAGE: &str = "usage:
  ghostrt run MODEL.grt --input x.npy --output y.npy [--threads N]   float32 NCHW .npy in and out
  ghostrt plan MODEL.grt [--input-shape 1x3xHxW] [--copy-concat] [--kernels scalar|sse41|avx2|avx512|neon]
  ghostrt bench MODEL.grt [--runs N] [--threads N] [--input-shape 1x3xHxW] [--copy-concat] [--kernels NAME] [--profile] [--compare-threads N] [--gap-ms MS]
        --gap-ms MS: wait MS milliseconds between timed runs, as frames from a camera arrive
        --compare-threads N: alternate blocks of runs with a session of N threads and with N single-thread sessions side by side (same noise for all)
        --profile: also print each step's median time (a per-layer profile)";

struct Args {
    model: PathBuf,
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    shape: Option<Vec<usize>>,
    runs: usize,
    threads: usize,
    copy_concat: bool,
    profile: bool,
    compare_threads: Option<usize>,
    gap_ms: f64,
    kernels: Option<&'static ghostrt::kernels::KernelSet>,
}

fn parse(args: &[String]) -> Result<Args, Error> {
    let usage = |m: String| Error::Usage(format!("{m}\n{USAGE}"));
    let mut a = Args {
        model: PathBuf::new(),
        input: None,
        output: None,
        shape: None,
        runs: 50,
        threads: 1,
        copy_concat: false,
        profile: false,
        compare_threads: None,
        gap_ms: 0.0,
        kernels: None,
    };
    let mut model = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| usage(format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--input" => a.input = Some(value()?.into()),
            "--output" => a.output = Some(value()?.into()),
            "--input-shape" => {
                let v = value()?;
                let dims: Result<Vec<usize>, _> = v.split('x').map(str::parse).collect();
                a.shape = Some(
                    dims.ok()
                        .filter(|d| d.len() == 4)
                        .ok_or_else(|| usage(format!("--input-shape {v}: expected NxCxHxW")))?,
                );
            }
            "--runs" => {
                a.runs = value()?
                    .parse()
                    .map_err(|_| usage("--runs: expected a number".into()))?
            }
            "--threads" => {
                a.threads = value()?
                    .parse()
                    .map_err(|_| usage("--threads: expected a number".into()))?
            }
            "--compare-threads" => {
                a.compare_threads = Some(
                    value()?
                        .parse()
                        .map_err(|_| usage("--compare-threads: expected a number".into()))?,
                )
            }
            "--gap-ms" => {
                a.gap_ms = value()?
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| usage("--gap-ms: expected a number of milliseconds".into()))?
            }
            "--copy-concat" => a.copy_concat = true,
            "--profile" => a.profile = true,
            "--kernels" => {
                let v = value()?;
                let names: Vec<&str> = ghostrt::kernels::all()
                    .iter()
                    .filter(|k| k.isa.available())
                    .map(|k| k.name)
                    .collect();
                a.kernels = Some(ghostrt::kernels::by_name(&v).ok_or_else(|| {
                    usage(format!("--kernels {v}: this CPU runs {}", names.join(", ")))
                })?);
            }
            s if s.starts_with('-') => return Err(usage(format!("unknown flag {s}"))),
            s if model.is_none() => model = Some(PathBuf::from(s)),
            s => return Err(usage(format!("unexpected argument {s}"))),
        }
    }
    a.model = model.ok_or_else(|| usage("missing MODEL.grt".into()))?;
    Ok(a)
}

/// (N, H, W) for the model's single input, checking the channel count.
fn input_dims(m: &Model, shape: &[usize], what: &str) -> Result<(usize, usize, usize), Error> {
    let inputs = &m.graph.inputs;
    if inputs.len() != 1 {
        return Err(Error::Usage(format!(
            "this command handles single-input models; the model has {}",
            inputs.len()
        )));
    }
    let c = inputs[0].channels;
    if shape.len() != 4 || shape[1] != c || shape[0] == 0 {
        return Err(Error::Shape {
            what: format!("{what} (model input NxCxHxW with C = {c})"),
            expected: vec![
                1,
                c,
                shape.get(2).copied().unwrap_or(224),
                shape.get(3).copied().unwrap_or(224),
            ],
            found: shape.to_vec(),
        });
    }
    Ok((shape[0], shape[2], shape[3]))
}

fn opts(a: &Args) -> PlanOptions {
    PlanOptions {
        eliminate_concat: !a.copy_concat,
        kernels: a.kernels,
        threads: a.threads,
        ..Default::default()
    }
}

fn default_shape(m: &Model) -> Vec<usize> {
    let (h, w) = m.graph.meta.default_hw;
    vec![1, m.graph.inputs.first().map_or(3, |i| i.channels), h, w]
}

fn run(a: &Args) -> Result<(), Error> {
    let m = Model::open(&a.model)?;
    let in_path = a
        .input
        .as_ref()
        .ok_or_else(|| Error::Usage("run: missing --input x.npy".into()))?;
    let out_path = a
        .output
        .as_ref()
        .ok_or_else(|| Error::Usage("run: missing --output y.npy".into()))?;
    let x = npy::read_npy(in_path)?;
    let (n, h, w) = input_dims(&m, &x.shape, &in_path.display().to_string())?;
    let mut s = Session::with_threads(m.plan(&[(h, w)], opts(a))?, a.threads)?;
    let per = s.output_len(0);
    let mut y = vec![0.0; n * per];
    s.run(&[&x.data], &mut [&mut y])?;
    let (out_view, flat) = s.plan().outputs[0];
    let shape = if flat {
        vec![n, per]
    } else {
        vec![n, out_view.shape.c, out_view.shape.h, out_view.shape.w]
    };
    for (i, row) in y.chunks(per).enumerate() {
        let mut idx: Vec<usize> = (0..row.len()).collect();
        idx.sort_by(|&p, &q| row[q].total_cmp(&row[p]));
        let top: Vec<String> = idx
            .iter()
            .take(5)
            .map(|&k| format!("{k}:{:.4}", row[k]))
            .collect();
        outln!("image {i}: top-5 {}", top.join(" "));
    }
    npy::write_npy(out_path, &Tensor::new(shape, y))?;
    outln!("wrote {}", out_path.display());
    Ok(())
}

fn plan(a: &Args) -> Result<(), Error> {
    let m = Model::open(&a.model)?;
    let shape = a.shape.clone().unwrap_or_else(|| default_shape(&m));
    let (_, h, w) = input_dims(&m, &shape, "--input-shape")?;
    let meta = &m.graph.meta;
    outln!(
        "{}: {} width {} classes {}, input {}",
        a.model.display(),
        meta.arch,
        meta.width,
        meta.num_classes,
        shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("x")
    );
    out!("{}", m.plan(&[(h, w)], opts(a))?);
    Ok(())
}

fn bench(a: &Args) -> Result<(), Error> {
    let m = Model::open(&a.model)?;
    let shape = a.shape.clone().unwrap_or_else(|| default_shape(&m));
    let (n, h, w) = input_dims(&m, &shape, "--input-shape")?;
    let plan: Plan = m.plan(&[(h, w)], opts(a))?;
    let macs = plan.total_macs() * n as u64;
    let mut s = Session::with_threads(plan, a.threads)?;
    let x: Vec<f32> = (0..n * s.input_len(0))
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let mut y = vec![0.0; n * s.output_len(0)];
    s.run(&[&x], &mut [&mut y])?;
    let mut times = Vec::with_capacity(a.runs.max(1));
    for _ in 0..a.runs.max(1) {
        if a.gap_ms > 0.0 {
            std::thread::sleep(std::time::Duration::from_secs_f64(a.gap_ms / 1e3));
        }
        let t = Instant::now();
        s.run(&[&x], &mut [&mut y])?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    outln!(
        "{}: {} runs, {} thread(s), input {}: median {median:.3} ms, min {:.3} ms, {:.1} MMAC, {:.2} GMAC/s (median), kernels {}, arena {} KiB",
        a.model.display(),
        times.len(),
        a.threads,
        shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x"),
        times[0],
        macs as f64 / 1e6,
        macs as f64 / median / 1e6,
        s.plan().kernel_set,
        s.plan().arena_floats * 4 / 1024
    );
    if a.profile {
        profile(&mut s, &x, &mut y, a.runs.max(1))?;
    }
    if let Some(t2) = a.compare_threads {
        compare_threads(
            &m,
            opts(a),
            (h, w),
            &mut s,
            a.threads,
            t2,
            &x,
            a.runs.max(1),
        )?;
    }
    Ok(())
}

/// Alternate blocks of runs of `s` (`t1` threads), of a new session of `t2` threads and of
/// `t2` single-thread sessions side by side, so all see the same machine noise; print the
/// medians, the median of the per-block ratios and the share of the machine's limit reached.
#[allow(clippy::too_many_arguments)]
fn compare_threads(
    m: &Model,
    opts: PlanOptions,
    hw: (usize, usize),
    s: &mut Session,
    t1: usize,
    t2: usize,
    x: &[f32],
    runs: usize,
) -> Result<(), Error> {
    const BLOCK: usize = 8;
    let rounds = runs.div_ceil(BLOCK);
    let mut s2 = Session::with_threads(
        m.plan(
            &[hw],
            PlanOptions {
                threads: t2,
                ..opts
            },
        )?,
        t2,
    )?;
    let mut y = vec![0.0; x.len() / s.input_len(0) * s.output_len(0)];
    s2.run(&[x], &mut [&mut y])?;
    // The machine's own limit, measured in the same window: `t2` independent single-thread
    // sessions, one per thread, each running one image at the same moment. Perfect splitting
    // of one image over `t2` threads could at best take 1/t2 of that (cores that all run are
    // slower than one alone: shared caches, memory, power and clock limits, other tenants).
    let mut pair_sessions = (0..t2)
        .map(|_| Session::with_threads(m.plan(&[hw], PlanOptions { threads: 1, ..opts })?, 1))
        .collect::<Result<Vec<_>, Error>>()?;
    let start = std::sync::Barrier::new(t2);
    let end = std::sync::Barrier::new(t2);
    let took: Vec<std::sync::atomic::AtomicU64> = (0..t2)
        .map(|_| std::sync::atomic::AtomicU64::new(0))
        .collect();
    let failed = std::sync::atomic::AtomicBool::new(false);
    let (mut a, mut b, mut r, mut p) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    std::thread::scope(|scope| -> Result<(), Error> {
        let (first, helpers) = pair_sessions.split_at_mut(1);
        for (i, hs) in helpers.iter_mut().enumerate() {
            let (start, end, took, failed) = (&start, &end, &took, &failed);
            scope.spawn(move || {
                let mut hy = vec![0.0; x.len() / hs.input_len(0) * hs.output_len(0)];
                for _ in 0..rounds * (BLOCK + 1) {
                    start.wait();
                    let t = Instant::now();
                    if hs.run(&[x], &mut [&mut hy]).is_err() {
                        failed.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    let ns = t.elapsed().as_nanos() as u64;
                    took[i + 1].store(ns, std::sync::atomic::Ordering::Relaxed);
                    end.wait();
                }
            });
        }
        let block_median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        for _ in 0..rounds {
            // A block of back-to-back runs of each (the first, after the others ran, is
            // dropped): the way a session runs frames, with the same noise for all three.
            let (mut ba, mut bb) = (Vec::new(), Vec::new());
            for k in 0..=BLOCK {
                let t = Instant::now();
                s.run(&[x], &mut [&mut y])?;
                if k > 0 {
                    ba.push(t.elapsed().as_secs_f64() * 1e3);
                }
            }
            for k in 0..=BLOCK {
                let t = Instant::now();
                s2.run(&[x], &mut [&mut y])?;
                if k > 0 {
                    bb.push(t.elapsed().as_secs_f64() * 1e3);
                }
            }
            for k in 0..=BLOCK {
                start.wait();
                let t = Instant::now();
                first[0].run(&[x], &mut [&mut y])?;
                took[0].store(
                    t.elapsed().as_nanos() as u64,
                    std::sync::atomic::Ordering::Relaxed,
                );
                end.wait();
                let slowest = took
                    .iter()
                    .map(|v| v.load(std::sync::atomic::Ordering::Relaxed))
                    .max()
                    .unwrap_or(0);
                if k > 0 {
                    p.push(slowest as f64 / 1e6);
                }
            }
            a.extend_from_slice(&ba);
            b.extend_from_slice(&bb);
            r.push(block_median(&mut ba) / block_median(&mut bb));
        }
        Ok(())
    })?;
    if failed.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(Error::Usage("a side-by-side session failed".into()));
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ma, mb, mr, mp) = (med(&mut a), med(&mut b), med(&mut r), med(&mut p));
    let shares: Vec<String> = s2
        .thread_shares()
        .iter()
        .map(|v| format!("{v:.2}"))
        .collect();
    outln!(
        "alternating blocks of {BLOCK} runs ({} each): {t1} thread(s) median {ma:.3} ms (min {:.3}), {t2} thread(s) median {mb:.3} ms (min {:.3}); speedup {:.2}x (medians), {mr:.2}x (median of block ratios)",
        a.len(),
        a[0],
        b[0],
        ma / mb
    );
    outln!(
        "machine limit in the same window: {t2} single-thread sessions side by side take {mp:.3} ms per image (median of the slowest), so {t2} threads could reach {:.2}x over one ({:.0}% of it reached)",
        t2 as f64 * ma / mp,
        100.0 * (ma / mb) / (t2 as f64 * ma / mp)
    );
    outln!(
        "thread shares of the {t2}-thread session at the end: {}",
        shares.join(" / ")
    );
    Ok(())
}

/// Per-step medians over `runs` profiled runs, and each step's share of their sum.
fn profile(s: &mut Session, x: &[f32], y: &mut [f32], runs: usize) -> Result<(), Error> {
    let steps = s.plan().steps.len();
    let mut samples = vec![Vec::with_capacity(runs); steps];
    let mut ns = vec![0u64; steps];
    for _ in 0..runs {
        ns.iter_mut().for_each(|t| *t = 0);
        s.run_profiled(&[x], &mut [y], &mut ns)?;
        for (k, t) in ns.iter().enumerate() {
            samples[k].push(*t);
        }
    }
    let (med, min): (Vec<f64>, Vec<f64>) = samples
        .iter_mut()
        .map(|v| {
            v.sort_unstable();
            (v[v.len() / 2] as f64 / 1e3, v[0] as f64 / 1e3)
        })
        .unzip();
    let total: f64 = med.iter().sum();
    outln!(
        "{:>4} {:>9} {:>9} {:>6} {:>8}  {:<28} {:<14} name",
        "step",
        "us",
        "min us",
        "%",
        "GMAC/s",
        "kernel",
        "output"
    );
    for (k, st) in s.plan().steps.iter().enumerate() {
        outln!(
            "{k:>4} {:>9.1} {:>9.1} {:>6.2} {:>8.2}  {:<28} {:<14} {}",
            med[k],
            min[k],
            100.0 * med[k] / total,
            st.macs as f64 / med[k].max(1e-3) / 1e3,
            st.kernel_name,
            st.output.shape.to_string(),
            st.name
        );
    }
    outln!(
        "sum of step medians: {total:.1} us, of step minima: {:.1} us",
        min.iter().sum::<f64>()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some(cmd @ ("run" | "plan" | "bench")) => parse(&args[1..]).and_then(|a| match cmd {
            "run" => run(&a),
            "plan" => plan(&a),
            _ => bench(&a),
        }),
        _ => Err(Error::Usage(USAGE.into())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ghostrt: {e}");
            ExitCode::FAILURE
        }
    }
}
