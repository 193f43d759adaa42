//! Adaptive thread shares against even ones, measured side by side: blocks of back-to-back
//! runs of a 1-thread session, an N-thread session with adaptive shares (the default) and
//! one with even shares, in turn, so machine noise hits all three alike.
//!
//! `cargo run --release --example balance -- MODEL.grt [ROUNDS] [THREADS]`

use ghostrt::Model;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let model = Model::open(
        args.first()
            .expect("usage: balance MODEL.grt [ROUNDS] [THREADS]")
            .as_ref(),
    )
    .expect("model");
    let rounds: usize = args.get(1).map_or(40, |v| v.parse().expect("ROUNDS"));
    let threads: usize = args.get(2).map_or(2, |v| v.parse().expect("THREADS"));
    let hw = model.graph.meta.default_hw;
    let c = model.graph.inputs[0].channels;
    let session = |t: usize, adapt: bool| {
        let mut s = model.session_with_threads(&[hw], t).expect("session");
        s.set_adaptive_shares(adapt);
        s
    };
    let mut sessions = [
        session(1, true),
        session(threads, true),
        session(threads, false),
    ];
    let names = ["1 thread", "adaptive shares", "even shares"];
    let x = vec![0.25f32; c * hw.0 * hw.1];
    let mut y = vec![0.0; sessions[0].output_len(0)];
    const BLOCK: usize = 8;
    let mut times: [Vec<f64>; 3] = Default::default();
    let mut ratios = Vec::new();
    for _ in 0..rounds {
        let mut med = [0.0; 3];
        for (i, s) in sessions.iter_mut().enumerate() {
            let mut b = Vec::new();
            for k in 0..=BLOCK {
                let t = Instant::now();
                s.run(&[&x], &mut [&mut y]).expect("run");
                if k > 0 {
                    b.push(t.elapsed().as_secs_f64() * 1e3);
                }
            }
            times[i].extend_from_slice(&b);
            b.sort_by(f64::total_cmp);
            med[i] = b[b.len() / 2];
        }
        ratios.push(med[2] / med[1]);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let m: Vec<f64> = times.iter_mut().map(median).collect();
    for i in 0..3 {
        println!(
            "{:<16} median {:.3} ms  ({:.2}x over 1 thread)",
            names[i],
            m[i],
            m[0] / m[i]
        );
    }
    println!(
        "even / adaptive, median of per-block ratios: {:.3}; shares at the end: {:?}",
        median(&mut ratios),
        sessions[1]
            .thread_shares()
            .iter()
            .map(|v| (v * 100.0).round() / 100.0)
            .collect::<Vec<_>>()
    );
}
