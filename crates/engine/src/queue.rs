//! The event queue: a priority queue of payloads keyed by [`SimTime`].
//!
//! Events pop in `(time, insertion order)` order, so events scheduled for
//! the same instant come out first-in first-out — a property the whole
//! simulator's determinism rests on.
//!
//! Payloads live in a slab (a `Vec` with a free list); the heap itself only
//! holds one packed `u128` per event (time, 32-bit tie-breaker, slot), so
//! ordering is a single integer comparison. Cancellation is lazy:
//! [`EventQueue::cancel`] drops the payload and marks the slot, and the
//! stale heap entry is skipped when it reaches the top. Should stale
//! entries ever outnumber live ones, the heap is compacted in one O(n) pass.
//!
//! The tie-breaker is a 32-bit counter; when it runs out (after ~4 billion
//! schedulings) all pending entries are renumbered in order, which keeps
//! FIFO order intact at an O(n log n) cost that is negligible amortised.

mod heap;

use crate::time::SimTime;
use heap::{QuadHeap, pack, slot_of, time_of};

/// Stale heap entries tolerated before compaction is even considered.
const COMPACT_MIN_DEAD: usize = 1024;

/// Handle to a scheduled event, used to cancel it.
///
/// An id names exactly one scheduling: once that event has popped or been
/// cancelled the id is inert, even if its storage is reused by later events.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct EventId {
    /// Globally unique sequence number of the scheduling.
    seq: u64,
    /// Slab slot that held (or holds) the payload.
    slot: u32,
}

impl EventId {
    /// The scheduling sequence number: 0 for the first event ever
    /// scheduled on the queue, then 1, 2, … (useful in traces).
    pub const fn seq(self) -> u64 {
        self.seq
    }
}

/// One slab slot.
#[derive(Clone, Debug)]
struct Slot<E> {
    /// Sequence number of the most recent event stored here.
    seq: u64,
    /// The payload; `None` once popped or cancelled.
    payload: Option<E>,
}

/// A deterministic future-event list with FIFO tie-breaking and O(1) cancellation.
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    /// Heap of packed `(time, tie, slot)` keys, including cancelled ones.
    heap: QuadHeap,
    /// Payload storage, indexed by heap entries' slot.
    slab: Vec<Slot<E>>,
    /// Slots whose heap entry has left the heap, ready for reuse.
    free: Vec<u32>,
    /// Number of live (scheduled, not cancelled, not popped) events.
    live: usize,
    /// Sequence number for the next scheduling; equals the number ever scheduled.
    next_seq: u64,
    /// 32-bit tie-breaker for the next heap entry; increases with `next_seq`
    /// and is renumbered (order-preserving) when it reaches `tie_limit`.
    next_tie: u32,
    /// Renumbering threshold; `u32::MAX` except in tests.
    tie_limit: u32,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `cap` pending events before reallocating.
    pub fn with_capacity(cap: usize) -> Self {
        EventQueue {
            heap: QuadHeap::with_capacity(cap),
            slab: Vec::with_capacity(cap),
            free: Vec::with_capacity(cap),
            live: 0,
            next_seq: 0,
            next_tie: 0,
            tie_limit: u32::MAX,
        }
    }

    /// Number of live (pending, not cancelled) events.
    #[inline]
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no live events remain.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Number of events ever scheduled on this queue (including cancelled ones).
    #[inline]
    pub fn scheduled_total(&self) -> u64 {
        self.next_seq
    }

    /// Schedules `ev` to fire at `at` and returns a handle for [`cancel`](Self::cancel).
    ///
    /// Events with equal `at` pop in the order they were scheduled. The queue
    /// does not check `at` against the time last popped; that is the
    /// caller's policy.
    ///
    /// # Panics
    ///
    /// If about `u32::MAX` events are pending at once.
    #[inline]
    pub fn schedule(&mut self, at: SimTime, ev: E) -> EventId {
        if self.next_tie >= self.tie_limit {
            self.renumber_ties();
        }
        let tie = self.next_tie;
        self.next_tie += 1;
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = Slot { seq, payload: Some(ev) };
                slot
            }
            None => {
                let slot = u32::try_from(self.slab.len())
                    .ok()
                    .filter(|&s| s < u32::MAX)
                    .expect("EventQueue: too many pending events");
                self.slab.push(Slot { seq, payload: Some(ev) });
                slot
            }
        };
        self.heap.push(pack(at.0, tie, slot));
        self.live += 1;
        EventId { seq, slot }
    }

    /// Cancels a pending event. Returns `true` if it was pending and is now
    /// cancelled; `false` (and no effect) if it already popped or was
    /// already cancelled.
    ///
    /// O(1): the payload is dropped now, the heap entry later (amortised
    /// O(n) compaction runs if cancelled entries ever outnumber live ones).
    pub fn cancel(&mut self, id: EventId) -> bool {
        let Some(slot) = self.slab.get_mut(id.slot as usize) else {
            return false;
        };
        if slot.seq != id.seq || slot.payload.is_none() {
            return false;
        }
        slot.payload = None;
        self.live -= 1;
        let dead = self.heap.len() - self.live;
        if dead >= COMPACT_MIN_DEAD && dead > self.live {
            self.compact();
        }
        true
    }

    /// Whether `id` is still pending (scheduled, not yet popped or cancelled).
    pub fn is_pending(&self, id: EventId) -> bool {
        self.slab.get(id.slot as usize).is_some_and(|s| s.seq == id.seq && s.payload.is_some())
    }

    /// Removes and returns the earliest live event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_with_id().map(|(t, _, ev)| (t, ev))
    }

    /// Like [`pop`](Self::pop), also returning the id the event was scheduled under.
    #[inline]
    pub fn pop_with_id(&mut self) -> Option<(SimTime, EventId, E)> {
        // Lazy deletion: cancelled entries are skipped (and their slots
        // recycled) as they surface.
        loop {
            let top = self.heap.pop()?;
            let slot = slot_of(top);
            self.free.push(slot);
            let entry = &mut self.slab[slot as usize];
            if let Some(ev) = entry.payload.take() {
                self.live -= 1;
                let id = EventId { seq: entry.seq, slot };
                return Some((SimTime(time_of(top)), id, ev));
            }
        }
    }

    /// Pops the earliest live event if it is due at or before `limit`.
    #[inline]
    pub fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        match self.peek_time() {
            Some(t) if t <= limit => self.pop(),
            _ => None,
        }
    }

    /// Time of the earliest live event, without removing it.
    ///
    /// Takes `&mut self` because it discards cancelled entries sitting at
    /// the top of the heap (keeping `pop` free of that bookkeeping).
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.discard_dead_top();
        self.heap.first().map(|k| SimTime(time_of(k)))
    }

    /// Time and payload of the earliest live event, without removing it
    /// (`&mut self` for the same reason as [`peek_time`](Self::peek_time)).
    pub fn peek(&mut self) -> Option<(SimTime, &E)> {
        self.discard_dead_top();
        let top = self.heap.first()?;
        let ev = self.slab[slot_of(top) as usize].payload.as_ref()?;
        Some((SimTime(time_of(top)), ev))
    }

    /// Removes every event. Ids issued before remain inert; sequence
    /// numbering (and [`scheduled_total`](Self::scheduled_total)) continues.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.free.clear();
        // Keep the slots' sequence numbers so old ids cannot match new events.
        for (i, slot) in self.slab.iter_mut().enumerate() {
            slot.payload = None;
            self.free.push(i as u32);
        }
        self.live = 0;
        self.next_tie = 0;
    }

    /// Discards cancelled entries from the top of the heap, so that the
    /// top (if any) is live.
    #[inline]
    fn discard_dead_top(&mut self) {
        while let Some(top) = self.heap.first() {
            let slot = slot_of(top);
            if self.slab[slot as usize].payload.is_some() {
                return;
            }
            self.heap.pop();
            self.free.push(slot);
        }
    }

    /// Drops every cancelled entry from the heap in one O(n) pass.
    fn compact(&mut self) {
        let slab = &self.slab;
        let free = &mut self.free;
        self.heap.retain(|&k| {
            let live = slab[slot_of(k) as usize].payload.is_some();
            if !live {
                free.push(slot_of(k));
            }
            live
        });
        debug_assert_eq!(self.heap.len(), self.live);
    }

    /// Reassigns tie-breakers `0..len` in heap order once the 32-bit
    /// counter is exhausted (every ~4 billion schedulings). Relative order
    /// of all pending events is unchanged.
    #[cold]
    fn renumber_ties(&mut self) {
        self.compact();
        let n = self.heap.len();
        assert!(n < self.tie_limit as usize, "EventQueue: too many pending events");
        self.heap.remap_sorted(|rank, k| pack(time_of(k), rank as u32, slot_of(k)));
        self.next_tie = n as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn t(ms: u64) -> SimTime {
        SimTime(ms)
    }

    fn drain<E>(q: &mut EventQueue<E>) -> Vec<(SimTime, E)> {
        std::iter::from_fn(|| q.pop()).collect()
    }

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut q = EventQueue::new();
        q.schedule(t(30), "c");
        q.schedule(t(10), "a");
        q.schedule(t(20), "b");
        q.schedule(t(10), "a2");
        q.schedule(t(0), "z");
        assert_eq!(q.len(), 5);
        assert_eq!(q.peek_time(), Some(t(0)));
        assert_eq!(q.peek(), Some((t(0), &"z")));
        let out = drain(&mut q);
        assert_eq!(out, vec![(t(0), "z"), (t(10), "a"), (t(10), "a2"), (t(20), "b"), (t(30), "c")]);
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
        assert_eq!(q.peek_time(), None);
        assert_eq!(q.scheduled_total(), 5);
    }

    #[test]
    fn many_ties_stay_fifo() {
        let mut q = EventQueue::new();
        // 5 distinct times, 1000 events each, interleaved insertion.
        for i in 0..5_000u32 {
            q.schedule(t(u64::from(i % 5) * 100), i);
        }
        let out = drain(&mut q);
        assert_eq!(out.len(), 5_000);
        for w in out.windows(2) {
            let ((ta, a), (tb, b)) = (w[0], w[1]);
            assert!(ta < tb || (ta == tb && a < b), "{ta:?}/{a} before {tb:?}/{b}");
        }
    }

    #[test]
    fn ties_interleaved_with_pops_stay_fifo() {
        // Events scheduled "now" while draining come after those already queued for now.
        let mut q = EventQueue::new();
        q.schedule(t(5), 0);
        q.schedule(t(5), 1);
        let (_, first) = q.pop().unwrap();
        assert_eq!(first, 0);
        q.schedule(t(5), 2);
        q.schedule(t(5), 3);
        let rest: Vec<_> = drain(&mut q).into_iter().map(|(_, e)| e).collect();
        assert_eq!(rest, vec![1, 2, 3]);
    }

    #[test]
    fn cancel_skips_event() {
        let mut q = EventQueue::new();
        let _a = q.schedule(t(1), 'a');
        let b = q.schedule(t(2), 'b');
        let _c = q.schedule(t(3), 'c');
        assert!(q.is_pending(b));
        assert!(q.cancel(b));
        assert!(!q.is_pending(b));
        assert_eq!(q.len(), 2);
        assert!(!q.cancel(b), "double cancel must be a no-op");
        assert_eq!(q.len(), 2);
        assert_eq!(drain(&mut q), vec![(t(1), 'a'), (t(3), 'c')]);
    }

    #[test]
    fn cancel_top_updates_peek() {
        let mut q = EventQueue::new();
        let a = q.schedule(t(1), 'a');
        let b = q.schedule(t(1), 'b');
        q.schedule(t(9), 'c');
        assert!(q.cancel(b));
        assert_eq!(q.peek_time(), Some(t(1)));
        assert!(q.cancel(a));
        assert_eq!(q.peek_time(), Some(t(9)));
        assert_eq!(q.peek(), Some((t(9), &'c')));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn cancel_everything_empties_queue() {
        let mut q = EventQueue::new();
        let ids: Vec<_> = (0..10u64).map(|i| q.schedule(t(i), i)).collect();
        for id in ids.iter().rev() {
            assert!(q.cancel(*id));
        }
        assert!(q.is_empty());
        assert_eq!(q.peek_time(), None);
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn cancel_after_pop_returns_false() {
        let mut q = EventQueue::new();
        let a = q.schedule(t(1), 'a');
        q.schedule(t(2), 'b');
        assert_eq!(q.pop(), Some((t(1), 'a')));
        assert!(!q.cancel(a));
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop(), Some((t(2), 'b')));
    }

    #[test]
    fn stale_id_cannot_cancel_slot_reuser() {
        let mut q = EventQueue::new();
        let old = q.schedule(t(1), "old");
        assert_eq!(q.pop(), Some((t(1), "old")));
        // The freed slot is reused by the next scheduling.
        let new = q.schedule(t(2), "new");
        assert_eq!(new.slot, old.slot, "test premise: storage reused");
        assert!(!q.cancel(old));
        assert!(q.is_pending(new));
        assert_eq!(q.pop(), Some((t(2), "new")));

        // Same after a cancellation frees the slot (once its stale heap
        // entry has surfaced and been discarded).
        let c = q.schedule(t(3), "c");
        assert!(q.cancel(c));
        assert_eq!(q.peek_time(), None);
        let d = q.schedule(t(4), "d");
        assert_eq!(d.slot, c.slot, "test premise: storage reused");
        assert!(!q.cancel(c));
        assert_eq!(q.pop(), Some((t(4), "d")));
    }

    #[test]
    fn pop_with_id_reports_the_scheduled_id() {
        let mut q = EventQueue::new();
        let a = q.schedule(t(2), 'a');
        let b = q.schedule(t(1), 'b');
        assert_eq!(a.seq(), 0);
        assert_eq!(b.seq(), 1);
        assert_eq!(q.pop_with_id(), Some((t(1), b, 'b')));
        assert_eq!(q.pop_with_id(), Some((t(2), a, 'a')));
    }

    #[test]
    fn pop_until_respects_limit() {
        let mut q = EventQueue::new();
        q.schedule(t(10), 1);
        q.schedule(t(20), 2);
        assert_eq!(q.pop_until(t(9)), None);
        assert_eq!(q.pop_until(t(10)), Some((t(10), 1)));
        assert_eq!(q.pop_until(t(15)), None);
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn clear_keeps_old_ids_inert() {
        let mut q = EventQueue::new();
        let a = q.schedule(t(1), 1);
        q.schedule(t(2), 2);
        q.clear();
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
        let b = q.schedule(t(3), 3);
        assert!(!q.cancel(a));
        assert!(q.is_pending(b));
        assert_eq!(q.scheduled_total(), 3);
        assert_eq!(drain(&mut q), vec![(t(3), 3)]);
    }

    #[test]
    fn mass_cancellation_compacts_heap() {
        let mut q = EventQueue::new();
        let ids: Vec<_> = (0..10_000u64).map(|i| q.schedule(t(i), i)).collect();
        // Cancel all but every 10th event, never the top, to force compaction.
        for id in ids.iter().skip(1).filter(|id| id.seq() % 10 != 0) {
            assert!(q.cancel(*id));
        }
        assert_eq!(q.len(), 1_000);
        assert!(
            q.heap.len() < 2 * 1_000 + COMPACT_MIN_DEAD,
            "heap not compacted: {}",
            q.heap.len()
        );
        let out: Vec<u64> = drain(&mut q).into_iter().map(|(_, e)| e).collect();
        let expected: Vec<u64> = (0..10_000).filter(|i| i % 10 == 0).collect();
        assert_eq!(out, expected);
        assert_eq!(q.heap.len(), 0);
    }

    #[test]
    fn payloads_are_dropped_on_cancel() {
        let marker = std::rc::Rc::new(());
        let mut q = EventQueue::new();
        let id = q.schedule(t(5), std::rc::Rc::clone(&marker));
        q.schedule(t(1), std::rc::Rc::clone(&marker));
        assert_eq!(std::rc::Rc::strong_count(&marker), 3);
        assert!(q.cancel(id));
        assert_eq!(std::rc::Rc::strong_count(&marker), 2);
        drop(q);
        assert_eq!(std::rc::Rc::strong_count(&marker), 1);
    }

    /// Reference model: a vector of `(time, seq, payload)` searched linearly.
    #[derive(Default)]
    struct Model {
        items: Vec<(u64, u64, u64)>,
    }

    impl Model {
        fn pop(&mut self) -> Option<(u64, u64)> {
            let i = (0..self.items.len()).min_by_key(|&i| (self.items[i].0, self.items[i].1))?;
            let (time, _, payload) = self.items.remove(i);
            Some((time, payload))
        }
        fn cancel(&mut self, seq: u64) -> bool {
            match self.items.iter().position(|it| it.1 == seq) {
                Some(i) => {
                    self.items.remove(i);
                    true
                }
                None => false,
            }
        }
        fn peek_time(&self) -> Option<u64> {
            self.items.iter().map(|it| (it.0, it.1)).min().map(|k| k.0)
        }
    }

    /// Runs `steps` random operations on a queue and the reference model,
    /// comparing every result. Schedules use a narrow time window to force
    /// many ties; cancels pick any id ever issued (often stale).
    fn check_against_model(seed: u64, steps: u64, tie_limit: u32, max_len: usize) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut q = EventQueue::new();
        q.tie_limit = tie_limit;
        let mut model = Model::default();
        let mut ids: Vec<EventId> = Vec::new();
        let mut now = 0u64;
        for step in 0..steps {
            let op = if q.len() >= max_len { 5 } else { rng.random_range(0..10u32) };
            match op {
                0..=4 => {
                    let at = now + rng.random_range(0..50u64);
                    let id = q.schedule(t(at), step);
                    model.items.push((at, id.seq(), step));
                    ids.push(id);
                }
                5..=7 => {
                    let got = q.pop().map(|(time, e)| (time.0, e));
                    assert_eq!(got, model.pop(), "pop at step {step}");
                    if let Some((time, _)) = got {
                        now = time;
                    }
                }
                _ => {
                    if !ids.is_empty() {
                        let id = ids[rng.random_range(0..ids.len())];
                        assert_eq!(q.cancel(id), model.cancel(id.seq()), "cancel at {step}");
                    }
                }
            }
            assert_eq!(q.len(), model.items.len());
            assert_eq!(q.peek_time().map(|x| x.0), model.peek_time());
        }
        while let Some(m) = model.pop() {
            assert_eq!(q.pop().map(|(time, e)| (time.0, e)), Some(m));
        }
        assert_eq!(q.pop(), None);
        assert_eq!(q.scheduled_total(), ids.len() as u64);
    }

    #[test]
    fn randomized_against_reference_model() {
        check_against_model(0x5eed, 10_000, u32::MAX, usize::MAX);
    }

    #[test]
    fn randomized_with_frequent_tie_renumbering() {
        // A tiny tie-breaker space forces renumbering every few hundred
        // schedulings; FIFO order among equal times must survive it.
        check_against_model(7, 20_000, 256, 100);
        check_against_model(8, 5_000, 16, 8);
    }

    #[test]
    fn renumbering_keeps_fifo_among_ties() {
        let mut q = EventQueue::new();
        q.tie_limit = 4;
        let mut expected = Vec::new();
        // Keep three events pending at the same time while scheduling many more.
        for i in 0..3u32 {
            q.schedule(t(10), i);
            expected.push(i);
        }
        for i in 3..40u32 {
            q.schedule(t(10), i);
            expected.push(i);
            let (_, e) = q.pop().unwrap();
            assert_eq!(e, expected.remove(0));
        }
        let rest: Vec<u32> = drain(&mut q).into_iter().map(|(_, e)| e).collect();
        assert_eq!(rest, expected);
    }
}
