//! `cargo xtask pack-weights INPUT -o OUTPUT.grt`: PyTorch state_dict -> deploy graph ->
//! weight pack. The offline planner passes run here, so the pack holds fused weights.

use ghostrt::models::{self, Arch};
use ghostrt::{import, pack, passes};
use std::path::PathBuf;

pub fn main(args: &[String]) -> Result<(), String> {
    let mut input = None;
    let mut output = None;
    let mut arch = None;
    let mut width = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |flag: &str| it.next().cloned().ok_or(format!("{flag} needs a value"));
        match a.as_str() {
            "-o" | "--output" => output = Some(PathBuf::from(value(a)?)),
            "--arch" => {
                let v = value(a)?;
                arch = Some(
                    Arch::parse(&v)
                        .ok_or(format!("--arch {v}: expected repghostnet or ghostnet"))?,
                );
            }
            "--width" => {
                let v = value(a)?;
                width = Some(
                    v.parse::<f32>()
                        .map_err(|_| format!("--width {v}: not a number"))?,
                );
            }
            s if s.starts_with('-') => return Err(format!("unknown flag {s}")),
            s if input.is_none() => input = Some(PathBuf::from(s)),
            s => return Err(format!("unexpected argument {s}")),
        }
    }
    let input =
        input.ok_or("pack-weights: missing INPUT (a .pth/.pt or .safetensors state_dict)")?;
    let output = output.ok_or("pack-weights: missing -o OUTPUT.grt")?;
    let sd = import::load_state_dict(&input).map_err(|e| e.to_string())?;
    let mut g = models::build(&sd, arch).map_err(|e| format!("{}: {e}", input.display()))?;
    if let Some(w) = width {
        if (w - g.meta.width).abs() > 1e-3 {
            eprintln!(
                "note: weights look like width {}, recording --width {w} as given",
                g.meta.width
            );
        }
        g.meta.width = w;
    }
    let mut report = vec![format!(
        "{:<16} {:>5} nodes {:>5} weights",
        "train form",
        g.nodes.len(),
        g.weights.len()
    )];
    for (name, pass) in passes::PIPELINE {
        g = pass(g).map_err(|e| format!("pass {name}: {e}"))?;
        report.push(format!(
            "{name:<16} {:>5} nodes {:>5} weights",
            g.nodes.len(),
            g.weights.len()
        ));
    }
    pack::write(&output, &g).map_err(|e| e.to_string())?;
    let bytes = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
    println!(
        "{}: {} width {} classes {} ({} state_dict tensors, {} skipped)",
        input.display(),
        g.meta.arch,
        g.meta.width,
        g.meta.num_classes,
        sd.tensors.len(),
        sd.skipped.len()
    );
    for line in report {
        println!("  {line}");
    }
    println!("wrote {} ({bytes} bytes)", output.display());
    Ok(())
}
