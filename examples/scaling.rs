//! Thread scaling of one kind of layer in isolation: a chain of `LAYERS` identical 1x1 convs
//! (C1 -> C2 -> C1 ...; C2 = 0 for none), each followed by a 3x3 depthwise conv if DW is 1,
//! on an HxH map, run alternately on one and two threads.
//!
//! `cargo run --release --example scaling -- H C1 C2 LAYERS DW RUNS` (e.g. `14 80 120 20 1 300`);
//! `STEPS=1` also prints per-step minima.
use ghostrt::graph::{Act, Conv, Graph, ModelMeta, Op};
use ghostrt::Model;
use std::time::Instant;

pub fn chain(hw: usize, c1: usize, c2: usize, layers: usize, dw: bool) -> Graph {
    let mut g = Graph::new(ModelMeta {
        arch: "x".into(),
        width: 1.0,
        num_classes: 1,
        default_hw: (hw, hw),
    });
    let mut x = g.add_input("x", c1);
    let mut c = c1;
    for i in 0..layers {
        let co = if c == c1 { c2 } else { c1 };
        if c2 > 0 {
            let w = g.add_weight(
                format!("w{i}"),
                vec![co, c, 1, 1],
                (0..co * c)
                    .map(|j| ((j * 7919) % 101) as f32 * 1e-3 - 0.05)
                    .collect(),
            );
            let b = g.add_weight(format!("b{i}"), vec![co], vec![0.01; co]);
            x = g.push(
                format!("pw{i}"),
                Op::Conv(Conv {
                    cin: c,
                    cout: co,
                    k: 1,
                    stride: 1,
                    pad: 0,
                    groups: 1,
                    weight: w,
                    bias: Some(b),
                    act: Act::Relu,
                }),
                vec![x],
            );
            c = co;
        }
        if dw {
            let w = g.add_weight(
                format!("dw{i}"),
                vec![c, 1, 3, 3],
                (0..c * 9)
                    .map(|j| ((j * 31) % 17) as f32 * 1e-2 - 0.08)
                    .collect(),
            );
            let b = g.add_weight(format!("dwb{i}"), vec![c], vec![0.01; c]);
            x = g.push(
                format!("dw{i}"),
                Op::Conv(Conv {
                    cin: c,
                    cout: c,
                    k: 3,
                    stride: 1,
                    pad: 1,
                    groups: c,
                    weight: w,
                    bias: Some(b),
                    act: Act::Relu,
                }),
                vec![x],
            );
        }
    }
    g.outputs.push(x);
    g
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let (hw, c1, c2, layers, dw, runs) =
        (args[0], args[1], args[2], args[3], args[4] != 0, args[5]);
    let m = Model::from_graph(chain(hw, c1, c2, layers, dw));
    let mut s1 = m.session(&[(hw, hw)]).unwrap();
    // SPLIT=channels: split every step by channels (default: the planner's policy).
    let split = match std::env::var("SPLIT").as_deref() {
        Ok("channels") => ghostrt::plan::SplitPolicy {
            pixels_min_hw: usize::MAX,
            se_pixels_min_hw: usize::MAX,
            dw_rows_min_hw: usize::MAX,
            dw_rows_uneven_min_hw: usize::MAX,
            conv_rows_min_hw: usize::MAX,
            ksplit_min_ratio: f32::INFINITY,
            line_channel_units: true,
            small_line_units: true,
            line_pixel_units: true,
        },
        _ => Default::default(),
    };
    let plan = m
        .plan(
            &[(hw, hw)],
            ghostrt::plan::PlanOptions {
                split,
                threads: 2,
                ..Default::default()
            },
        )
        .unwrap();
    let mut s2 = ghostrt::Session::with_threads(plan, 2).unwrap();
    let x = vec![0.5f32; c1 * hw * hw];
    let mut y = vec![0f32; s1.output_len(0)];
    let mut t = [Vec::new(), Vec::new()];
    let mut busy = [Vec::new(), Vec::new()];
    for r in 0..runs {
        for (k, s) in [&mut s1, &mut s2].into_iter().enumerate() {
            let t0 = Instant::now();
            s.run(&[&x], &mut [&mut y]).unwrap();
            if r > 2 {
                t[k].push(
                    t0.elapsed().as_secs_f64() * 1e6
                        / (layers as f64 * if dw && c2 > 0 { 2.0 } else { 1.0 }),
                );
                if k == 1 {
                    for (v, b) in busy.iter_mut().zip(s.last_busy_ns()) {
                        v.push(b as f64 / 1e3);
                    }
                }
            }
        }
    }
    if std::env::var("STEPS").is_ok() {
        let n = s1.plan().steps.len();
        let mut best = [vec![u64::MAX; n], vec![u64::MAX; n]];
        for _ in 0..runs {
            for (k, s) in [&mut s1, &mut s2].into_iter().enumerate() {
                let mut p = vec![0u64; n];
                s.run_profiled(&[&x], &mut [&mut y], &mut p).unwrap();
                for (b, v) in best[k].iter_mut().zip(&p) {
                    *b = (*b).min(*v);
                }
            }
        }
        for (i, st) in s1.plan().steps.iter().enumerate() {
            println!(
                "{i:3} {:>28} 1t {:7.2} 2t {:7.2} x{:.2}",
                st.name,
                best[0][i] as f64 / 1e3,
                best[1][i] as f64 / 1e3,
                best[0][i] as f64 / best[1][i] as f64
            );
        }
    }
    for v in t.iter_mut().chain(busy.iter_mut()) {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    }
    let med = |v: &Vec<f64>| v[v.len() / 2];
    println!("hw {hw} c {c1}/{c2} dw {dw}: per step 1t med {:.2} min {:.2} us, 2t med {:.2} min {:.2} us, speedup med {:.2} min {:.2}",
        med(&t[0]), t[0][0], med(&t[1]), t[1][0], med(&t[0]) / med(&t[1]), t[0][0] / t[1][0]);
    let steps = layers as f64 * if dw && c2 > 0 { 2.0 } else { 1.0 };
    println!(
        "2t busy per step (median, own parts only): thread 0 {:.2} us, thread 1 {:.2} us",
        med(&busy[0]) / steps,
        med(&busy[1]) / steps
    );
}
