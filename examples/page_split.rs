//! Two threads split a chain of 1x1 convs (C1 <-> C2 channels) by pixel ranges of each plane,
//! with plain planes (`ld = hw`, the cut at half the plane) or planes padded to whole 4 KiB
//! pages with the cut on a page, run alternately with one thread on plain planes. Tests
//! whether a page holding lines of both threads' ranges in every plane is what makes pixel
//! splits of 112x112 maps scale badly (docs/threads.md, "A plane-size effect").
//!
//! `cargo run --release --example page_split -- HW C1 C2 LAYERS ROUNDS` (e.g. `12544 16 8 6 300`)
use ghostrt::kernels::{self, Act};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct P(*mut f32);
unsafe impl Send for P {}
unsafe impl Sync for P {}

fn main() {
    let a: Vec<usize> = std::env::args()
        .skip(1)
        .map(|v| v.parse().expect("number"))
        .collect();
    let (hw, c1, c2, layers, rounds) = (a[0], a[1], a[2], a[3], a[4]);
    let ks = kernels::all()
        .iter()
        .copied()
        .rfind(|k| k.isa.available())
        .expect("a kernel set");
    const PAGE: usize = 1024; // floats
    let padded = hw.div_ceil(PAGE) * PAGE;
    // (name, threads, ld, cut)
    let variants = [
        ("1 thread, plain planes", 1, hw, hw),
        ("1 thread, page planes", 1, padded, hw),
        (
            "2 threads, plain planes, cut at half",
            2,
            hw,
            hw / 2 / 16 * 16,
        ),
        (
            "2 threads, page planes, cut on a page",
            2,
            padded,
            (hw / 2).div_ceil(PAGE) * PAGE,
        ),
        (
            "2 threads, page planes, cut at half",
            2,
            padded,
            hw / 2 / 16 * 16,
        ),
    ];
    let cmax = c1.max(c2);
    let mk = |ci: usize, co: usize| {
        let w: Vec<f32> = (0..ci * co)
            .map(|i| ((i * 7919) % 101) as f32 * 1e-3 - 0.05)
            .collect();
        if ks.conv1x1_mr > 1 {
            kernels::pack_conv1x1(&w, ci, co, ks.conv1x1_mr)
        } else {
            w
        }
    };
    let (w12, w21) = (mk(c1, c2), mk(c2, c1));
    let bias = vec![0.01f32; cmax];
    // Two buffers of cmax planes at the padded stride, each starting on a page.
    let mut mem = vec![0.5f32; 2 * cmax * padded + PAGE];
    let base = mem.as_mut_ptr();
    let skew = (PAGE - (base as usize / 4) % PAGE) % PAGE;
    let buf = [
        P(unsafe { base.add(skew) }),
        P(unsafe { base.add(skew + cmax * padded) }),
    ];
    let mut times = vec![Vec::new(); variants.len()];
    // Both threads walk every round and variant; `sync` counts arrivals (2 a barrier).
    let sync = AtomicUsize::new(0);
    let barrier = |n: &mut usize| {
        *n += 2;
        sync.fetch_add(1, Ordering::AcqRel);
        while sync.load(Ordering::Acquire) < *n {
            std::hint::spin_loop();
        }
    };
    let run = |t: usize, times: &mut Vec<Vec<f64>>| {
        let mut n = 0;
        for r in 0..rounds {
            for (vi, &(_, threads, ld, cut)) in variants.iter().enumerate() {
                barrier(&mut n);
                let t0 = Instant::now();
                if t < threads {
                    let (p0, p1) = if threads == 1 {
                        (0, hw)
                    } else if t == 0 {
                        (0, cut)
                    } else {
                        (cut, hw)
                    };
                    for l in 0..layers {
                        let (src, dst) = (&buf[l % 2], &buf[(l + 1) % 2]);
                        let (ci, co, w) = if l % 2 == 0 {
                            (c1, c2, &w12)
                        } else {
                            (c2, c1, &w21)
                        };
                        unsafe {
                            (ks.conv1x1)(
                                src.0.add(p0),
                                ci,
                                p1 - p0,
                                ld,
                                w.as_ptr(),
                                bias.as_ptr(),
                                std::ptr::null(),
                                dst.0.add(p0),
                                co,
                                Act::Relu,
                            );
                        }
                        if threads == 2 {
                            barrier(&mut n);
                        }
                    }
                }
                // With one thread working, the other waits at the next variant's barrier.
                if t == 0 && r > 2 {
                    times[vi].push(t0.elapsed().as_secs_f64() * 1e6 / layers as f64);
                }
            }
        }
    };
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut sink = vec![Vec::new(); variants.len()];
            run(1, &mut sink)
        });
        run(0, &mut times);
    });
    let one = {
        let mut v = times[0].clone();
        v.sort_by(f64::total_cmp);
        v[v.len() / 4]
    };
    for (v, (name, ..)) in times.iter_mut().zip(variants) {
        v.sort_by(f64::total_cmp);
        let q1 = v[v.len() / 4];
        println!(
            "{name:<40} per layer q1 {q1:7.2} us  median {:7.2}  speedup (q1) {:.2}x",
            v[v.len() / 2],
            one / q1
        );
    }
}
