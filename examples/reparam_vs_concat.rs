//! The RepGhost comparison measured alternately: GhostNet with a copying concat, GhostNet with
//! the planner's concat removal, RepGhostNet in train form (branches unfused) and
//! re-parameterized, run one after the other in every round so host noise hits all four
//! alike (criterion's `benches/networks.rs` runs them one bench after another). Prints
//! medians and the median of per-round ratios.
//!
//! `cargo run --release --example reparam_vs_concat -- [WIDTH: 050|100] [THREADS] [ROUNDS]`
//! (fixture weights: timm models with random weights, 10 classes, 224x224).

#[path = "../benches/variants/mod.rs"]
mod variants;

use ghostrt::models;
use ghostrt::plan::{Plan, PlanOptions};
use ghostrt::Session;
use variants::{state_dict, variants};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let width = args.first().map_or("100", |s| s.as_str());
    let threads: usize = args.get(1).map_or(1, |v| v.parse().expect("THREADS"));
    let rounds: usize = args.get(2).map_or(200, |v| v.parse().expect("ROUNDS"));
    let gsd = state_dict(&format!("ghostnet_{width}"));
    let rsd = state_dict(&format!("repghostnet_{width}"));
    // Copy, concat-free, unfused, reparam (the bench's order).
    let variants = variants(&|| models::build(&gsd, None).expect("ghostnet"), &|| {
        models::build(&rsd, None).expect("repghostnet")
    });
    let mut sessions: Vec<Session> = variants
        .iter()
        .map(|v| {
            let opts = PlanOptions {
                eliminate_concat: v.eliminate_concat,
                threads,
                ..Default::default()
            };
            let plan = Plan::build(v.graph.clone(), &[(224, 224)], opts).expect("plan");
            Session::with_threads(plan, threads).expect("session")
        })
        .collect();
    let x: Vec<f32> = (0..sessions[0].input_len(0))
        .map(|i| (i % 255) as f32 / 128.0 - 1.0)
        .collect();
    let mut y = vec![0.0; sessions[0].output_len(0)];
    let mut t: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(rounds)).collect();
    for r in 0..rounds + 3 {
        for (i, s) in sessions.iter_mut().enumerate() {
            let t0 = std::time::Instant::now();
            s.run(&[&x], &mut [&mut y]).expect("run");
            if r >= 3 {
                t[i].push(t0.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    let med = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let ratio = |a: usize, b: usize| {
        let r: Vec<f64> = t[a].iter().zip(&t[b]).map(|(x, y)| x / y).collect();
        med(&r)
    };
    print!("width {width}, {threads} thread(s), {rounds} rounds, median ms:");
    for (v, ti) in variants.iter().zip(&t) {
        print!(" {} {:.3};", v.name, med(ti));
    }
    println!();
    println!(
        "median of per-round ratios: copy / concat-free {:.2}x, unfused / reparam {:.2}x, copy / reparam {:.2}x, concat-free / reparam {:.2}x",
        ratio(0, 1),
        ratio(2, 3),
        ratio(0, 3),
        ratio(1, 3)
    );
}
