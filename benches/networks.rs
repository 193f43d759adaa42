//! The RepGhost comparison (Chen et al. 2022): feature reuse by concat (GhostNet) against
//! re-parameterized feature reuse (RepGhostNet), at block and network level, measured side by
//! side in one run. Models are the test fixtures (timm, random weights, 10 classes), so the
//! shapes are the real 224x224 ones.
//!
//! Variants:
//! - `ghost_concat_copy`: GhostNet with a concat that copies (planner elimination off);
//! - `ghost_concat_free`: GhostNet with producers writing into the concat buffer;
//! - `repghost_unfused`: RepGhostNet with BN folded but the two branches kept (dw conv, identity
//!   BN as a 1x1 depthwise op, add, ReLU): the train-form structure;
//! - `repghost_reparam`: the deploy form, one biased depthwise conv per module.
//!
//! `cargo bench --bench networks`; `cargo xtask bench-report` turns the results into a table.

mod variants;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ghostrt::models::{self, ghost::module_graph, Arch};
use ghostrt::plan::{Plan, PlanOptions};
use ghostrt::Session;
use std::time::Duration;
use variants::{state_dict, variants, Variant};

fn bench_variants(
    c: &mut Criterion,
    group: &str,
    hw: (usize, usize),
    vs: &[Variant],
    threads: &[usize],
) {
    let mut g = c.benchmark_group(group);
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for v in vs {
        let opts = PlanOptions {
            eliminate_concat: v.eliminate_concat,
            ..Default::default()
        };
        for &t in threads {
            // Planned for its thread count, as `Model::session_with_threads` does (K-split).
            let opts = PlanOptions { threads: t, ..opts };
            let plan = Plan::build(v.graph.clone(), &[hw], opts).expect("plan");
            g.throughput(Throughput::Elements(plan.total_macs()));
            let mut s = Session::with_threads(plan, t).expect("session");
            let x: Vec<f32> = (0..s.input_len(0))
                .map(|i| (i % 255) as f32 / 128.0 - 1.0)
                .collect();
            let mut y = vec![0.0; s.output_len(0)];
            g.bench_with_input(BenchmarkId::new(v.name, format!("{t}t")), &(), |b, _| {
                b.iter(|| s.run(&[&x], &mut [&mut y]).expect("run"))
            });
        }
    }
    g.finish();
}

/// Ghost modules at the shapes where the two networks meet the same stage (1.0x, 224x224):
/// (GhostNet module, RepGhostNet module, input spatial size).
const BLOCKS: [(&str, &str, usize); 3] = [
    ("b1_112x112", "blocks.1.0.ghost1", 112),
    ("b4_28x28", "blocks.4.0.ghost1", 28),
    ("b6_14x14", "blocks.6.3.ghost1", 14),
];

fn blocks(c: &mut Criterion) {
    let (gsd, rsd) = (state_dict("ghostnet_100"), state_dict("repghostnet_100"));
    for (label, prefix, hw) in BLOCKS {
        let vs = variants(
            &|| module_graph(&gsd, prefix, Arch::GhostNet).expect("ghost module"),
            &|| module_graph(&rsd, prefix, Arch::RepGhostNet).expect("repghost module"),
        );
        bench_variants(c, &format!("block_{label}"), (hw, hw), &vs, &[1]);
    }
}

fn networks(c: &mut Criterion) {
    for (width, g, r) in [
        ("050", "ghostnet_050", "repghostnet_050"),
        ("100", "ghostnet_100", "repghostnet_100"),
    ] {
        let (gsd, rsd) = (state_dict(g), state_dict(r));
        let vs = variants(&|| models::build(&gsd, None).expect("ghostnet"), &|| {
            models::build(&rsd, None).expect("repghostnet")
        });
        bench_variants(c, &format!("net_{width}"), (224, 224), &vs, &[1, 2]);
    }
}

criterion_group!(benches, blocks, networks);
criterion_main!(benches);
