//! A tiny persistent thread pool for splitting one step over threads.
//!
//! A step lasts 1 to 100 microseconds, so dispatch must cost well under one: the job is
//! published through atomics alone (no lock on the hot path), and workers spin on a
//! generation counter, parking on a condvar only after a long idle spell. The dispatcher takes
//! the lock and notifies only when a worker has said it is going to sleep. A worker that has
//! to sleep for each step costs a wake-up (an inter-processor interrupt, several microseconds
//! on a virtual machine), which is what the measured dispatch cost was before this design:
//! 4-5 us per step on this machine's two vCPUs, against a 0.3 us cross-core round trip.
//! Dispatching a job allocates nothing.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Spin iterations (each a PAUSE, tens of ns) before a worker parks: about a millisecond.
/// A job is a whole image (one parallel region). Back-to-back images (video frames) find the
/// worker spinning; a worker that has parked costs a wake-up, which on a virtual machine
/// whose idle vCPU the host has given away can take far longer than the spin. Spinning much
/// longer burns a core that other sessions, processes or the battery need: four 2-thread
/// sessions run in turn (`examples/reparam_vs_concat.rs`) spun through each other's runs with
/// 1 << 17 spins (a few ms), and 2 threads were then no faster than 1.
const SPIN_LIMIT: u32 = 1 << 15;
/// Spins between `yield_now` calls while waiting, so an oversubscribed machine still runs
/// whatever thread we wait for; rare enough to keep the wake-up latency in the spin.
const YIELD_EVERY: u32 = 1 << 10;

type Job = *const (dyn Fn(usize) + Sync);

/// Keeps a hot atomic on its own cache line (no false sharing between the counters).
#[repr(align(64))]
struct Padded<T>(T);

struct Shared {
    generation: Padded<AtomicUsize>,
    finished: Padded<AtomicUsize>,
    /// Workers parked (or about to park) on `wake`.
    sleepers: AtomicUsize,
    quit: AtomicBool,
    /// The current job: written by the dispatcher only while every worker is idle (all
    /// have counted themselves in `finished`), before the Release bump of `generation`
    /// that publishes it; read by workers after their Acquire load of `generation`.
    job: UnsafeCell<Option<Job>>,
    lock: Mutex<()>,
    wake: Condvar,
}

// SAFETY: `job` is only accessed under the generation protocol described on the field.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    /// A pool of `threads - 1` workers (the caller is thread 0).
    pub fn new(threads: usize) -> std::io::Result<Pool> {
        let shared = Arc::new(Shared {
            generation: Padded(AtomicUsize::new(0)),
            finished: Padded(AtomicUsize::new(0)),
            sleepers: AtomicUsize::new(0),
            quit: AtomicBool::new(false),
            job: UnsafeCell::new(None),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        });
        let mut pool = Pool {
            shared,
            workers: Vec::new(),
        };
        for index in 1..threads.max(1) {
            let s = pool.shared.clone();
            let h = std::thread::Builder::new()
                .name(format!("ghostrt-{index}"))
                .spawn(move || worker(&s, index))?;
            pool.workers.push(h);
        }
        Ok(pool)
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
        // SAFETY (lifetime erasure): we do not return until every worker has finished with
        // the job, so the closure outlives every use. Every worker is idle here (the previous
        // `run` waited for all of them), so nobody reads `job` while we write it.
        unsafe {
            let erased: Job = std::mem::transmute::<&(dyn Fn(usize) + Sync), Job>(f);
            *s.job.get() = Some(erased);
        }
        s.finished.0.store(0, Ordering::Relaxed);
        // SeqCst pairs with the worker's SeqCst `sleepers` increment and generation check:
        // either it sees the new generation, or we see it counted as a sleeper.
        s.generation.0.fetch_add(1, Ordering::SeqCst);
        if s.sleepers.load(Ordering::SeqCst) > 0 {
            let _g = s.lock.lock().unwrap_or_else(|e| e.into_inner());
            s.wake.notify_all();
        }
        f(0);
        let mut spins = 0u32;
        let mut since = None;
        while s.finished.0.load(Ordering::Acquire) < self.workers.len() {
            spins = spins.wrapping_add(1);
            if spins % YIELD_EVERY == 0 {
                // A descheduled worker needs the time slice we would burn; after a long wait
                // (more threads than free cores) a yield does not give it, a short sleep does.
                let t = *since.get_or_insert_with(std::time::Instant::now);
                if t.elapsed() >= std::time::Duration::from_micros(500) {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                } else {
                    std::thread::yield_now();
                }
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

fn worker(s: &Shared, index: usize) {
    let mut seen = 0;
    loop {
        let mut spins = 0u32;
        loop {
            let g = s.generation.0.load(Ordering::Acquire);
            if g != seen || s.quit.load(Ordering::Relaxed) {
                break;
            }
            spins += 1;
            if spins < SPIN_LIMIT {
                if spins % YIELD_EVERY == 0 {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
                continue;
            }
            let guard = s.lock.lock().unwrap_or_else(|e| e.into_inner());
            s.sleepers.fetch_add(1, Ordering::SeqCst);
            let mut guard = guard;
            while s.generation.0.load(Ordering::SeqCst) == seen && !s.quit.load(Ordering::SeqCst) {
                guard = s.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
            }
            s.sleepers.fetch_sub(1, Ordering::SeqCst);
            drop(guard);
            spins = 0;
        }
        if s.quit.load(Ordering::Acquire) {
            return;
        }
        seen = s.generation.0.load(Ordering::Acquire);
        // SAFETY: published by the Acquire load above; the dispatcher keeps the closure alive
        // and does not touch `job` until `finished` counts us.
        if let Some(f) = unsafe { *s.job.get() } {
            unsafe { (*f)(index) };
        }
        s.finished.0.fetch_add(1, Ordering::Release);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        {
            let _g = self.shared.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.quit.store(true, Ordering::SeqCst);
            self.shared.wake.notify_all();
        }
        for h in self.workers.drain(..) {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_index_runs_once_per_job_even_after_parking() {
        let pool = Pool::new(3).unwrap();
        let hits: Vec<AtomicUsize> = (0..3).map(|_| AtomicUsize::new(0)).collect();
        for round in 0..200 {
            pool.run(&|i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            if round == 100 {
                // Long enough for the workers to park: the next job must wake them.
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
        for h in &hits {
            assert_eq!(h.load(Ordering::Relaxed), 200);
        }
    }
}
