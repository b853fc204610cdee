//! Classic "hold model" benchmark of the event queue.
//!
//! The queue is prefilled with `N` pending events at random times; each
//! operation then pops the earliest event and schedules a replacement at
//! `now + U[1, 1_000_000]` ms, keeping the size constant at `N`. Reported
//! throughput is hold operations (= events processed) per second.
//!
//! Variants, all in one group so the ratios are visible:
//! - `ours/N`: [`EventQueue`];
//! - `binary_heap/N`: the same loop on `std::collections::BinaryHeap<Reverse<(u64, u64, u32)>>`;
//! - `ours_cancel10/N`: [`EventQueue`] where 10% of operations additionally
//!   cancel a recently scheduled event (replacing it if it was still pending).

#![allow(missing_docs)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kubesim_engine::{EventId, EventQueue, SimDuration, SimTime};

/// Hold operations per timed iteration.
const OPS: u64 = 10_000;
/// Size of the ring of recent ids that cancellation victims are drawn from.
const RECENT: usize = 1024;
/// Largest increment, in ms.
const MAX_DT: u64 = 1_000_000;

/// SplitMix64: a tiny, fast generator so that the RNG does not dominate.
struct SplitMix(u64);

impl SplitMix {
    #[inline]
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-ish increment in `[1, MAX_DT]` (modulo bias is irrelevant here).
    #[inline]
    fn dt(&mut self) -> u64 {
        1 + self.next() % MAX_DT
    }
}

fn prefilled_queue(n: usize, rng: &mut SplitMix) -> EventQueue<u32> {
    let mut q = EventQueue::with_capacity(n + 1);
    for i in 0..n {
        q.schedule(SimTime(rng.dt()), i as u32);
    }
    q
}

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(OPS));

    for n in [1_000usize, 150_000] {
        // Each variant's state lives outside the measured closure, so it is
        // prefilled once and every sample continues the same steady-state
        // hold process (criterion calls the closure once per sample).
        let mut rng = SplitMix(n as u64);
        let mut q = prefilled_queue(n, &mut rng);
        group.bench_function(BenchmarkId::new("ours", n), |b| {
            b.iter(|| {
                for _ in 0..OPS {
                    let (now, ev) = q.pop().expect("hold keeps the queue full");
                    q.schedule(now + SimDuration(rng.dt()), black_box(ev));
                }
            });
        });
        assert_eq!(q.len(), n);
        drop(q);

        let mut rng = SplitMix(n as u64);
        let mut heap = BinaryHeap::with_capacity(n + 1);
        let mut seq = 0u64;
        for i in 0..n {
            heap.push(Reverse((rng.dt(), seq, i as u32)));
            seq += 1;
        }
        group.bench_function(BenchmarkId::new("binary_heap", n), |b| {
            b.iter(|| {
                for _ in 0..OPS {
                    let Reverse((now, _, ev)) = heap.pop().expect("hold keeps the heap full");
                    heap.push(Reverse((now + rng.dt(), seq, black_box(ev))));
                    seq += 1;
                }
            });
        });
        assert_eq!(heap.len(), n);
        drop(heap);

        let mut rng = SplitMix(n as u64);
        let mut q = prefilled_queue(n, &mut rng);
        // Ring of recently scheduled ids to pick cancellation victims from.
        let mut recent: Vec<EventId> = Vec::with_capacity(RECENT);
        let mut next = 0usize;
        group.bench_function(BenchmarkId::new("ours_cancel10", n), |b| {
            b.iter(|| {
                for _ in 0..OPS {
                    let (now, ev) = q.pop().expect("hold keeps the queue full");
                    let id = q.schedule(now + SimDuration(rng.dt()), black_box(ev));
                    if recent.len() < RECENT {
                        recent.push(id);
                    } else {
                        recent[next] = id;
                        next = (next + 1) % RECENT;
                    }
                    let r = rng.next();
                    if r.is_multiple_of(10) {
                        let victim = recent[(r >> 32) as usize % recent.len()];
                        if q.cancel(victim) {
                            q.schedule(now + SimDuration(rng.dt()), ev);
                        }
                    }
                }
            });
        });
        assert_eq!(q.len(), n);
    }
    group.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
