//! Workload for counting executed instructions under qemu (`cargo xtask icount`): runs a
//! weight pack N times on one thread, optionally keeping only the steps of one kernel family.
//!
//! usage: icount_bench PACK.grt [--hw HxW] [--runs N] [--kernels NAME] [--family NAME]
//! [--step I]
//!
//! `--step I` keeps only step I of the (family-filtered) plan and prints it: per-layer counts.
//!
//! `--family conv1x1` drops every other step from the plan before the session starts, so the
//! run executes exactly the instructions of that family's kernels at the network's own layer
//! shapes (arena offsets stay valid; the data is whatever the arena holds, and these kernels
//! do not branch on data), plus the executor's fixed cost, which `--family none` (no step at
//! all) measures alone. Counting N = 6 and N = 1 and dividing the difference by 5 removes
//! start-up, pack loading and planning. Prints one line of `key=value` pairs: the kernel set,
//! the family, the runs, and the MACs per inference of the whole plan and of each family.

use ghostrt::kernels;
use ghostrt::plan::{Kernel, Plan, PlanOptions, Step};
use ghostrt::{Model, Session};
use std::path::PathBuf;
use std::process::ExitCode;

/// Kernel families, the unit of the per-family breakdown.
const FAMILIES: [&str; 8] = [
    "conv", "conv1x1", "dwconv", "se", "add", "gavgpool", "fc", "other",
];

fn family(step: &Step) -> &'static str {
    match step.kernel {
        Kernel::Conv { .. } => "conv",
        Kernel::Conv1x1 { .. } => "conv1x1",
        Kernel::DwConv { .. } => "dwconv",
        Kernel::Se { .. } => "se",
        Kernel::Add { .. } => "add",
        Kernel::GlobalAvgPool { .. } => "gavgpool",
        Kernel::Fc { .. } => "fc",
        _ => "other",
    }
}

struct Args {
    pack: PathBuf,
    hw: (usize, usize),
    runs: usize,
    kernels: String,
    family: Option<String>,
    step: Option<usize>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        pack: PathBuf::new(),
        hw: (224, 224),
        runs: 1,
        kernels: "neon".into(),
        family: None,
        step: None,
    };
    let mut pack = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--hw" => {
                let v = value()?;
                let (h, w) = v.split_once('x').ok_or(format!("--hw {v}: expected HxW"))?;
                a.hw = (
                    h.parse().map_err(|_| format!("--hw {v}"))?,
                    w.parse().map_err(|_| format!("--hw {v}"))?,
                );
            }
            "--runs" => {
                a.runs = value()?
                    .parse()
                    .map_err(|_| "--runs: expected a number".to_string())?
            }
            "--kernels" => a.kernels = value()?,
            "--step" => {
                a.step = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--step: expected a step index".to_string())?,
                )
            }
            "--family" => {
                let f = value()?;
                if f != "all" && f != "none" && !FAMILIES.contains(&f.as_str()) {
                    return Err(format!(
                        "--family {f}: expected all, none or one of {}",
                        FAMILIES.join(", ")
                    ));
                }
                a.family = (f != "all").then_some(f);
            }
            s if s.starts_with('-') => return Err(format!("unknown flag {s}")),
            s if pack.is_none() => pack = Some(PathBuf::from(s)),
            s => return Err(format!("unexpected argument {s}")),
        }
    }
    a.pack = pack.ok_or(
        "usage: icount_bench PACK.grt [--hw HxW] [--runs N] [--kernels NAME] [--family NAME] \
         [--step I]",
    )?;
    Ok(a)
}

fn run(a: &Args) -> Result<(), String> {
    let ks = kernels::by_name(&a.kernels)
        .ok_or(format!("kernel set {} is not available here", a.kernels))?;
    let model = Model::open(&a.pack).map_err(|e| e.to_string())?;
    let mut plan: Plan = model
        .plan(
            &[a.hw],
            PlanOptions {
                kernels: Some(ks),
                ..Default::default()
            },
        )
        .map_err(|e| e.to_string())?;
    let total = plan.total_macs();
    let mut macs = [0u64; FAMILIES.len()];
    for s in &plan.steps {
        let i = FAMILIES
            .iter()
            .position(|f| *f == family(s))
            .unwrap_or(FAMILIES.len() - 1);
        macs[i] += s.macs;
    }
    if let Some(f) = &a.family {
        plan.steps.retain(|s| family(s) == f);
    }
    if let Some(i) = a.step {
        let s = plan.steps.get(i).ok_or(format!(
            "--step {i}: the plan has {} steps",
            plan.steps.len()
        ))?;
        let shape = format!(
            "{} {:?} -> {:?}",
            s.name,
            s.inputs.first().map(|v| v.shape),
            s.output.shape
        );
        let (k, macs) = (s.kernel_name.clone(), s.macs);
        plan.steps = vec![plan.steps.swap_remove(i)];
        println!("step={i} kernel={k} macs={macs} {shape}");
    }
    let steps = plan.steps.len();
    let mut session = Session::new(plan).map_err(|e| e.to_string())?;
    let x: Vec<f32> = (0..session.input_len(0))
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let mut y = vec![0.0; session.output_len(0)];
    for _ in 0..a.runs {
        session
            .run(&[&x], &mut [&mut y])
            .map_err(|e| e.to_string())?;
    }
    let per_family: Vec<String> = FAMILIES
        .iter()
        .zip(macs)
        .map(|(f, m)| format!("macs_{f}={m}"))
        .collect();
    println!(
        "kernels={} family={} runs={} steps={steps} macs={total} {} y0={}",
        ks.name,
        a.family.as_deref().unwrap_or("all"),
        a.runs,
        per_family.join(" "),
        y[0]
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args).and_then(|a| run(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("icount_bench: {e}");
            ExitCode::FAILURE
        }
    }
}
