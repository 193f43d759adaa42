//! Executor properties: `Session::run` never allocates; one model serves sessions on several
//! threads with identical results.

use ghostrt::{import, models, passes, Model};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;
use std::sync::Arc;

/// Counts allocations made by the current thread (other test threads do not interfere).
struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.with(|c| c.get())
}

fn model(name: &str) -> Model {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let file = ["state_dict.pth", "state_dict.safetensors"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists())
        .expect("fixture");
    let sd = import::load_state_dict(&file).expect("load");
    let g = passes::optimize(models::build(&sd, None).expect("build")).expect("passes");
    Model::from_bytes(&ghostrt::pack::encode(&g).expect("encode"), name).expect("pack")
}

fn input(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect()
}

#[test]
fn run_does_not_allocate() {
    for name in ["repghostnet_050", "ghostnet_050"] {
        let m = model(name);
        let mut s = m.session(&[(97, 131)]).expect("session");
        let x = input(2 * s.input_len(0));
        let mut y = vec![0.0; 2 * s.output_len(0)];
        s.run(&[&x], &mut [&mut y]).expect("warm-up run");
        let before = allocs();
        s.run(&[&x], &mut [&mut y]).expect("run");
        let during = allocs() - before;
        assert_eq!(during, 0, "{name}: Session::run allocated {during} times");
        // The counter works: a session does allocate its arena.
        let before = allocs();
        let _s2 = m.session(&[(33, 33)]).expect("session");
        assert!(allocs() > before, "allocation counter is not counting");
    }
}

#[test]
fn one_model_many_threads() {
    let m = Arc::new(model("repghostnet_050"));
    let x = Arc::new(input(3 * 64 * 80));
    let reference = {
        let mut s = m.session(&[(64, 80)]).expect("session");
        let mut y = vec![0.0; s.output_len(0)];
        s.run(&[&x], &mut [&mut y]).expect("run");
        y
    };
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (m, x) = (m.clone(), x.clone());
            std::thread::spawn(move || {
                let mut s = m.session(&[(64, 80)]).expect("session");
                let mut y = vec![0.0; s.output_len(0)];
                for _ in 0..3 {
                    s.run(&[&x], &mut [&mut y]).expect("run");
                }
                y
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("thread"), reference);
    }
}

#[test]
fn wrong_buffer_sizes_are_errors() {
    let m = model("ghostnet_050");
    let mut s = m.session(&[(32, 32)]).expect("session");
    let x = input(s.input_len(0));
    let mut y = vec![0.0; s.output_len(0)];
    let short = &x[..x.len() - 1];
    assert!(s.run(&[short], &mut [&mut y]).is_err());
    let mut long_y = vec![0.0; s.output_len(0) + 1];
    assert!(s.run(&[&x], &mut [&mut long_y]).is_err());
    assert!(s.run(&[], &mut [&mut y]).is_err());
    let empty: &[f32] = &[];
    assert!(s.run(&[empty], &mut [&mut y]).is_err());
    s.run(&[&x], &mut [&mut y]).expect("valid sizes run");
}

#[test]
fn threaded_sessions_match_single_threaded() {
    // ghostnet_100 at 224x224 has SE steps large enough to be split over threads.
    for (name, h, w) in [
        ("repghostnet_050", 97, 131),
        ("ghostnet_050", 97, 131),
        ("ghostnet_100", 224, 224),
    ] {
        let m = model(name);
        let x = input(3 * h * w);
        let mut s1 = m.session(&[(h, w)]).expect("session");
        let mut y1 = vec![0.0; s1.output_len(0)];
        s1.run(&[&x], &mut [&mut y1]).expect("run");
        for threads in [2, 3] {
            let mut s = m.session_with_threads(&[(h, w)], threads).expect("session");
            let mut y = vec![0.0; s.output_len(0)];
            for _ in 0..3 {
                s.run(&[&x], &mut [&mut y]).expect("run");
                let scale = y1.iter().fold(0f32, |a, v| a.max(v.abs()));
                let err = y
                    .iter()
                    .zip(&y1)
                    .fold(0f32, |a, (p, q)| a.max((p - q).abs()));
                assert!(
                    err <= 1e-6 * scale,
                    "{name} with {threads} threads differs by {err}"
                );
            }
        }
    }
    assert!(m_threads_rejected());
}

fn m_threads_rejected() -> bool {
    model("ghostnet_050")
        .session_with_threads(&[(32, 32)], 0)
        .is_err()
}
