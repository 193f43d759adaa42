//! A tiny persistent thread pool for splitting one step over threads. Workers spin briefly
//! on a generation counter (steps are short, so waking by condvar alone would cost more
//! than the work) and then park. Dispatching a job allocates nothing.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Spins before a worker parks; a step takes tens of microseconds at most between jobs.
const SPIN_LIMIT: u32 = 1 << 16;

type Job = *const (dyn Fn(usize) + Sync);

struct Shared {
    generation: AtomicUsize,
    finished: AtomicUsize,
    quit: AtomicBool,
    /// The current job; written by the dispatcher before bumping `generation`.
    job: Mutex<Option<SendJob>>,
    wake: Condvar,
}

#[derive(Clone, Copy)]
struct SendJob(Job);
// SAFETY: the job is only dereferenced while `run` keeps the closure alive and blocks.
unsafe impl Send for SendJob {}

pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    /// A pool of `threads - 1` workers (the caller is thread 0).
    pub fn new(threads: usize) -> std::io::Result<Pool> {
        let shared = Arc::new(Shared {
            generation: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            quit: AtomicBool::new(false),
            job: Mutex::new(None),
            wake: Condvar::new(),
        });
        let mut workers = Vec::new();
        for index in 1..threads.max(1) {
            let s = shared.clone();
            let h = std::thread::Builder::new()
                .name(format!("ghostrt-{index}"))
                .spawn(move || worker(&s, index))?;
            workers.push(h);
        }
        Ok(Pool { shared, workers })
    }

    pub fn threads(&self) -> usize {
        self.workers.len() + 1
    }

    /// Run `f(i)` for every thread index i in 0..threads(), returning when all are done.
    pub fn run(&self, f: &(dyn Fn(usize) + Sync)) {
        if self.workers.is_empty() {
            f(0);
            return;
        }
        let s = &*self.shared;
        s.finished.store(0, Ordering::Relaxed);
        {
            let mut job = s.job.lock().unwrap_or_else(|e| e.into_inner());
            // SAFETY (lifetime erasure): we do not return until every worker has finished
            // with the job, so the closure outlives every use.
            let erased: Job = unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), Job>(f) };
            *job = Some(SendJob(erased));
            s.generation.fetch_add(1, Ordering::Release);
            s.wake.notify_all();
        }
        f(0);
        let mut spins = 0u32;
        while s.finished.load(Ordering::Acquire) < self.workers.len() {
            // On an oversubscribed machine a worker may be descheduled: stop burning the
            // time slice it needs.
            spins += 1;
            if spins < 1 << 12 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

fn worker(s: &Shared, index: usize) {
    let mut seen = 0;
    loop {
        let mut spins = 0;
        while s.generation.load(Ordering::Acquire) == seen && !s.quit.load(Ordering::Acquire) {
            if spins < SPIN_LIMIT {
                spins += 1;
                if spins % 256 == 0 {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
            } else {
                let guard = s.job.lock().unwrap_or_else(|e| e.into_inner());
                if s.generation.load(Ordering::Acquire) == seen && !s.quit.load(Ordering::Acquire) {
                    drop(s.wake.wait(guard).unwrap_or_else(|e| e.into_inner()));
                }
            }
        }
        if s.quit.load(Ordering::Acquire) {
            return;
        }
        seen = s.generation.load(Ordering::Acquire);
        let job = *s.job.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(SendJob(f)) = job {
            // SAFETY: the dispatcher keeps the closure alive until `finished` counts us.
            unsafe { (*f)(index) };
        }
        s.finished.fetch_add(1, Ordering::Release);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        {
            let _g = self.shared.job.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.quit.store(true, Ordering::Release);
            self.shared.wake.notify_all();
        }
        for h in self.workers.drain(..) {
            let _ = h.join();
        }
    }
}
