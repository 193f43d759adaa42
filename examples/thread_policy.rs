//! Which way to split each kind of step over threads, measured side by side: sessions of
//! one model with different [`SplitPolicy`]s (plus a single-thread session) run in turn,
//! many times, so machine noise hits all of them alike; per-step median times are summed
//! by op and map size.
//!
//! `cargo run --release --example thread_policy -- MODEL.grt [RUNS] [THREADS]`

use ghostrt::plan::{PlanOptions, SplitPolicy};
use ghostrt::{Model, Session};
use std::collections::BTreeMap;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let model = Model::open(
        args.first()
            .expect("usage: thread_policy MODEL.grt [RUNS] [THREADS]")
            .as_ref(),
    )
    .expect("model");
    let runs: usize = args.get(1).map_or(300, |v| v.parse().expect("RUNS"));
    let threads: usize = args.get(2).map_or(2, |v| v.parse().expect("THREADS"));
    let hw = model.graph.meta.default_hw;
    let c = model.graph.inputs[0].channels;
    let all = |n| SplitPolicy {
        pixels_min_hw: n,
        se_pixels_min_hw: usize::MAX,
        dw_rows_min_hw: n,
        dw_rows_uneven_min_hw: n,
        conv_rows_min_hw: n,
        ksplit_min_ratio: f32::INFINITY,
        line_channel_units: true,
        small_line_units: true,
        line_pixel_units: true,
    };
    let d = SplitPolicy::default();
    let ks = |r: f32| SplitPolicy {
        ksplit_min_ratio: r,
        ..d
    };
    let policies: Vec<(&str, usize, SplitPolicy)> = vec![
        ("1 thread", 1, d),
        ("default", threads, d),
        (
            "16-channel units (before)",
            threads,
            SplitPolicy {
                line_channel_units: false,
                ..d
            },
        ),
        (
            "1x1 pixel splits in row bands (before)",
            threads,
            SplitPolicy {
                line_pixel_units: false,
                ..d
            },
        ),
        ("channels everywhere", threads, all(usize::MAX)),
        ("K-split every 1x1 split by channels", threads, ks(0.0)),
        ("no K-split", threads, ks(f32::INFINITY)),
        (
            "dw by channels from 56x56 on",
            threads,
            SplitPolicy {
                dw_rows_min_hw: usize::MAX,
                dw_rows_uneven_min_hw: usize::MAX,
                ..d
            },
        ),
    ];
    let mut sessions: Vec<Session> = policies
        .iter()
        .map(|&(_, t, split)| {
            let plan = model
                .plan(
                    &[hw],
                    PlanOptions {
                        split,
                        threads: t,
                        ..Default::default()
                    },
                )
                .expect("plan");
            Session::with_threads(plan, t).expect("session")
        })
        .collect();
    let x = vec![0.25f32; c * hw.0 * hw.1];
    let mut y = vec![0f32; sessions[0].output_len(0)];
    let n = sessions[0].plan().steps.len();
    let mut samples = vec![vec![Vec::with_capacity(runs); n]; sessions.len()];
    let mut whole = vec![Vec::new(); sessions.len()];
    // Blocks of runs per session, the first of each block not counted: a pool's workers
    // spin for about a millisecond after their image, and would otherwise take a core
    // from the session after them.
    const BLOCK: usize = 8;
    for _ in 0..runs.div_ceil(BLOCK) {
        for (i, s) in sessions.iter_mut().enumerate() {
            for r in 0..BLOCK + 2 {
                let mut p = vec![0u64; n];
                let t0 = std::time::Instant::now();
                s.run_profiled(&[&x], &mut [&mut y], &mut p).expect("run");
                if r >= 2 {
                    whole[i].push(t0.elapsed().as_secs_f64() * 1e3);
                    for (v, t) in samples[i].iter_mut().zip(&p) {
                        v.push(*t);
                    }
                }
            }
        }
    }
    // Per-step medians: minima would credit a thread with steps another thread ran while it
    // was descheduled (takeover).
    let best: Vec<Vec<u64>> = samples
        .iter_mut()
        .map(|per| {
            per.iter_mut()
                .map(|v| {
                    v.sort_unstable();
                    v[v.len() / 2]
                })
                .collect()
        })
        .collect();
    let steps = &sessions[0].plan().steps;
    let group = |k: usize| {
        let st = &steps[k];
        let op = st.kernel_name.split('/').next().unwrap_or("").to_string();
        format!("{op} {}x{}", st.output.shape.h, st.output.shape.w)
    };
    let mut groups: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for k in 0..n {
        let e = groups
            .entry(group(k))
            .or_insert_with(|| vec![0.0; sessions.len()]);
        for (sum, b) in e.iter_mut().zip(&best) {
            *sum += b[k] as f64 / 1e3;
        }
    }
    print!("{:<22}", "step group (med us)");
    for i in 0..sessions.len() {
        print!(" {:>9}", format!("[{i}]"));
    }
    println!();
    for (g, v) in &groups {
        print!("{g:<22}");
        for t in v {
            print!(" {t:>9.1}");
        }
        println!();
    }
    for (i, (name, t, _)) in policies.iter().enumerate() {
        let w = &mut whole[i];
        w.sort_by(|a, b| a.total_cmp(b));
        let sum: f64 = best[i].iter().map(|&v| v as f64 / 1e3).sum();
        println!(
            "[{i}] {name} ({t} thread(s)): sum of step medians {sum:.0} us, whole run median {:.3} ms, min {:.3} ms",
            w[w.len() / 2],
            w[0]
        );
    }
}
