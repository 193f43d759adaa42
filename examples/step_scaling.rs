//! Per-step thread scaling: one single-thread and one N-thread session of a model run in
//! turn, many times (both see the same machine noise); prints each step's lower-quartile
//! time on both and their ratio, so the steps that do not scale stand out.
//!
//! `cargo run --release --example step_scaling -- MODEL.grt [RUNS] [THREADS]`

use ghostrt::{Model, Session};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let model = Model::open(
        args.first()
            .expect("usage: step_scaling MODEL.grt [RUNS] [THREADS]")
            .as_ref(),
    )
    .expect("model");
    let runs: usize = args.get(1).map_or(300, |v| v.parse().expect("RUNS"));
    let threads: usize = args.get(2).map_or(2, |v| v.parse().expect("THREADS"));
    let hw = model.graph.meta.default_hw;
    let c = model.graph.inputs[0].channels;
    let mut sessions: Vec<Session> = [1, threads]
        .iter()
        .map(|&t| model.session_with_threads(&[hw], t).expect("session"))
        .collect();
    let x = vec![0.25f32; c * hw.0 * hw.1];
    let mut y = vec![0f32; sessions[0].output_len(0)];
    let n = sessions[0].plan().steps.len();
    let mut samples = vec![vec![Vec::with_capacity(runs); n]; 2];
    let mut whole = vec![Vec::new(); 2];
    let mut busy = vec![Vec::new(); threads];
    for r in 0..runs + 5 {
        for (i, s) in sessions.iter_mut().enumerate() {
            let mut p = vec![0u64; n];
            let t0 = std::time::Instant::now();
            s.run_profiled(&[&x], &mut [&mut y], &mut p).expect("run");
            if r >= 5 {
                whole[i].push(t0.elapsed().as_secs_f64() * 1e6);
                if i == 1 {
                    for (v, b) in busy.iter_mut().zip(s.last_busy_ns()) {
                        v.push(b as f64 / 1e3);
                    }
                }
                for (v, t) in samples[i].iter_mut().zip(&p) {
                    v.push(*t as f64 / 1e3);
                }
            }
        }
    }
    let q = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 4]
    };
    let steps = &sessions[0].plan().steps;
    let (mut s1, mut s2) = (0.0, 0.0);
    println!(
        "{:>4} {:>8} {:>8} {:>6}  {:<28} {:<14} name",
        "step", "1t us", "Nt us", "ratio", "kernel", "output"
    );
    for k in 0..n {
        let a = q(&mut samples[0][k]);
        let b = q(&mut samples[1][k]);
        s1 += a;
        s2 += b;
        println!(
            "{k:>4} {a:>8.1} {b:>8.1} {:>6.2}  {:<28} {:<14} {}",
            a / b.max(1e-3),
            steps[k].kernel_name,
            steps[k].output.shape.to_string(),
            steps[k].name
        );
    }
    let (w1, w2) = (q(&mut whole[0]), q(&mut whole[1]));
    println!(
        "sum of step quartiles: {s1:.0} us / {s2:.0} us = {:.2}x; whole runs (lower quartile) {w1:.0} / {w2:.0} us = {:.2}x",
        s1 / s2,
        w1 / w2
    );
    let busy: Vec<String> = busy.iter_mut().map(|v| format!("{:.0}", q(v))).collect();
    println!(
        "{threads}-thread run: each thread's own parts of split steps took (lower quartile) {} us",
        busy.join(" / ")
    );
}
