//! Human-readable plan: one line per step with its kernel, shapes and arena offsets.

use super::{Kernel, Plan, View};
use crate::graph::Act;
use std::fmt;

fn view(v: &View) -> String {
    format!("{}@{}", v.shape, v.offset)
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>4}  {:<38} {:<28} {:<36} {:<20} {:>10}",
            "#", "step", "kernel", "inputs (CxHxW@float offset)", "output", "MACs"
        )?;
        for (i, s) in self.steps.iter().enumerate() {
            let ins: Vec<String> = s.inputs.iter().map(view).collect();
            let mut kernel = s.kernel_name.clone();
            if s.act != Act::None {
                kernel.push_str(&format!("+{:?}", s.act).to_lowercase());
            }
            let fused_residual = matches!(
                s.kernel,
                Kernel::Conv { .. } | Kernel::Conv1x1 { .. } | Kernel::DwConv { .. }
            );
            if fused_residual && s.inputs.len() > 1 {
                kernel.push_str("+res");
            }
            match s.kernel {
                Kernel::Conv1x1 {
                    split_pixels: true, ..
                } => kernel.push_str(&format!(" |px{}", s.px_unit)),
                Kernel::Conv1x1 {
                    ksplit: Some(k), ..
                } => kernel.push_str(&format!(" |k{}", k.parts)),
                Kernel::DwConv {
                    split_rows: false, ..
                }
                | Kernel::Conv {
                    split_rows: false, ..
                }
                | Kernel::Se {
                    split_pixels: false,
                    ..
                } if s.chan_unit != 16 => kernel.push_str(&format!(" |c{}", s.chan_unit)),
                _ => {}
            }
            writeln!(
                f,
                "{i:>4}  {:<38} {:<28} {:<36} {:<20} {:>10}",
                s.name,
                kernel,
                ins.join(" "),
                view(&s.output),
                s.macs
            )?;
        }
        let marked = |px: bool| {
            self.steps.iter().any(|s| match s.kernel {
                Kernel::Conv1x1 {
                    split_pixels,
                    ksplit,
                    ..
                } => (px && split_pixels) || (!px && ksplit.is_some()),
                _ => false,
            })
        };
        if marked(true) || marked(false) {
            writeln!(
                f,
                "on threads: |pxN splits a 1x1 by pixel ranges in units of N pixels, |kN by input channels in N parts (summed in a second phase), |cN by channels in units of N; others by output channels in units of 16, or rows"
            )?;
        }
        let kib = |floats: usize| floats as f64 * 4.0 / 1024.0;
        writeln!(f, "kernels: {}", self.kernel_set)?;
        writeln!(
            f,
            "steps: {}, MACs: {} ({:.1} M)",
            self.steps.len(),
            self.total_macs(),
            self.total_macs() as f64 / 1e6
        )?;
        writeln!(
            f,
            "arena: {} bytes ({:.1} KiB); all buffers unshared: {} bytes ({:.1} KiB)",
            self.arena_floats * 4,
            kib(self.arena_floats),
            self.unshared_floats * 4,
            kib(self.unshared_floats)
        )
    }
}
