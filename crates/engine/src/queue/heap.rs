//! A 4-ary implicit min-heap of packed `u128` keys.
//!
//! Hand-written because the event loop is pop-heavy. Each entry is a single
//! `u128` — `time << 64 | tie << 32 | slot` — so ordering is one integer
//! comparison and four siblings take 64 bytes, one cache line's worth. With
//! four children per node the tree is half as deep as a binary heap, and
//! the smallest child is found with a branch-free tournament.
//!
//! Pop leaves a hole at the root. If the next operation is a push (the
//! usual "handle an event, schedule its follow-up" pattern), the new key is
//! sifted down from the root: one pass instead of three. Otherwise the hole
//! is closed by "bottom-up" deletion: walk it down to a leaf, then sift the
//! former last entry up, which saves a comparison per level because that
//! entry almost always belongs near the bottom.
//!
//! Measured on the hold model (see `benches/hold.rs`) this is ~10–40%
//! faster than `std::collections::BinaryHeap` on `(u64, u64, u32)`
//! tuples, while the queue around it also supports cancellation.

use std::hint::select_unpredictable;

/// Number of children per node.
const ARITY: usize = 4;

/// Packs an entry. `tie` orders entries with equal `time`; `slot` is carried along.
#[inline(always)]
pub(crate) const fn pack(time: u64, tie: u32, slot: u32) -> u128 {
    ((time as u128) << 64) | ((tie as u128) << 32) | slot as u128
}

/// The time of a packed entry.
#[inline(always)]
pub(crate) const fn time_of(key: u128) -> u64 {
    (key >> 64) as u64
}

/// The tie-breaker of a packed entry.
#[cfg(test)]
#[inline(always)]
pub(crate) const fn tie_of(key: u128) -> u32 {
    (key >> 32) as u32
}

/// The slot of a packed entry.
#[inline(always)]
pub(crate) const fn slot_of(key: u128) -> u32 {
    key as u32
}

/// Index of the smallest key in a non-empty slice (the first one on equality).
#[inline(always)]
fn min_index(children: &[u128]) -> usize {
    if let &[k0, k1, k2, k3] = children {
        // Branch-free tournament: the outcome is unpredictable, so
        // conditional moves beat branches here.
        let lo = k1 < k0;
        let a = select_unpredictable(lo, 1, 0);
        let ka = select_unpredictable(lo, k1, k0);
        let hi = k3 < k2;
        let b = select_unpredictable(hi, 3, 2);
        let kb = select_unpredictable(hi, k3, k2);
        select_unpredictable(kb < ka, b, a)
    } else {
        let mut best = 0;
        for (i, &k) in children.iter().enumerate().skip(1) {
            if k < children[best] {
                best = i;
            }
        }
        best
    }
}

/// A 4-ary min-heap of packed keys.
///
/// `pop` does not restructure the heap right away: it leaves a *hole* at
/// the root. A following `push` drops its key into the hole and sifts it
/// down (one root-to-leaf pass instead of a pop's pass plus two sift-ups),
/// which is what an event loop does most of the time: pop an event, then
/// schedule its follow-up. Any other operation fills the hole first.
#[derive(Clone, Debug, Default)]
pub(crate) struct QuadHeap {
    /// The implicit tree; `v[0]` is meaningless while `hole` is set.
    v: Vec<u128>,
    /// Whether the root slot is vacant.
    hole: bool,
}

impl QuadHeap {
    /// An empty heap with room for `cap` entries.
    pub(crate) fn with_capacity(cap: usize) -> Self {
        QuadHeap { v: Vec::with_capacity(cap), hole: false }
    }

    /// Number of entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.v.len() - usize::from(self.hole)
    }

    /// The smallest entry.
    #[inline]
    pub(crate) fn first(&mut self) -> Option<u128> {
        self.fill_hole();
        self.v.first().copied()
    }

    /// Removes every entry.
    pub(crate) fn clear(&mut self) {
        self.v.clear();
        self.hole = false;
    }

    /// Inserts `key`.
    #[inline]
    pub(crate) fn push(&mut self, key: u128) {
        if self.hole {
            self.hole = false;
            self.sift_down(0, key);
        } else {
            let hole = self.v.len();
            self.v.push(key);
            self.sift_up(hole, key);
        }
    }

    /// Removes and returns the smallest entry, leaving a hole at the root.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<u128> {
        self.fill_hole();
        let top = self.v.first().copied()?;
        self.hole = true;
        Some(top)
    }

    /// Closes a hole left by `pop`: walks it from the root down to a leaf,
    /// always promoting the smallest child, then moves the last entry into
    /// it and sifts that up ("bottom-up" deletion, which saves a comparison
    /// per level because the last entry almost always belongs near the
    /// bottom).
    #[inline]
    fn fill_hole(&mut self) {
        if !self.hole {
            return;
        }
        self.hole = false;
        let Some(last) = self.v.pop() else {
            return;
        };
        let n = self.v.len();
        if n == 0 {
            // The hole was the only slot.
            return;
        }
        let mut hole = 0;
        loop {
            let first_child = ARITY * hole + 1;
            if first_child >= n {
                break;
            }
            let end = n.min(first_child + ARITY);
            let child = first_child + min_index(&self.v[first_child..end]);
            self.v[hole] = self.v[child];
            hole = child;
        }
        self.sift_up(hole, last);
    }

    /// Keeps only the entries for which `keep` returns true, then restores
    /// the heap property in O(n).
    pub(crate) fn retain(&mut self, keep: impl FnMut(&u128) -> bool) {
        self.fill_hole();
        self.v.retain(keep);
        let n = self.v.len();
        if n < 2 {
            return;
        }
        let last_parent = (n - 2) / ARITY;
        for i in (0..=last_parent).rev() {
            self.sift_down(i, self.v[i]);
        }
    }

    /// Rewrites every entry through `f`, which must preserve the relative
    /// order of all entries. Entries are visited in ascending order and the
    /// heap ends up sorted. O(n log n).
    pub(crate) fn remap_sorted(&mut self, mut f: impl FnMut(usize, u128) -> u128) {
        self.fill_hole();
        self.v.sort_unstable();
        for (rank, key) in self.v.iter_mut().enumerate() {
            *key = f(rank, *key);
        }
        // A sorted array is a valid heap as long as `f` kept the order.
        debug_assert!(self.v.is_sorted());
    }

    /// Moves `key` from `hole` towards the root until its parent is smaller.
    #[inline(always)]
    fn sift_up(&mut self, mut hole: usize, key: u128) {
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            let p = self.v[parent];
            if key >= p {
                break;
            }
            self.v[hole] = p;
            hole = parent;
        }
        self.v[hole] = key;
    }

    /// Classic top-down sift: places `key` at `hole` or below, moving
    /// smaller children up.
    #[inline(always)]
    fn sift_down(&mut self, mut hole: usize, key: u128) {
        let n = self.v.len();
        loop {
            let first_child = ARITY * hole + 1;
            if first_child >= n {
                break;
            }
            let end = n.min(first_child + ARITY);
            let child = first_child + min_index(&self.v[first_child..end]);
            let c = self.v[child];
            if c >= key {
                break;
            }
            self.v[hole] = c;
            hole = child;
        }
        self.v[hole] = key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(h: &mut QuadHeap) -> Vec<(u64, u32)> {
        std::iter::from_fn(|| h.pop().map(|k| (time_of(k), tie_of(k)))).collect()
    }

    #[test]
    fn packing_round_trips_and_orders() {
        let k = pack(u64::MAX, 7, u32::MAX);
        assert_eq!((time_of(k), tie_of(k), slot_of(k)), (u64::MAX, 7, u32::MAX));
        assert!(pack(1, u32::MAX, u32::MAX) < pack(2, 0, 0));
        assert!(pack(5, 1, u32::MAX) < pack(5, 2, 0), "tie beats slot");
    }

    #[test]
    fn pops_sorted_for_every_small_size() {
        // Exercises every shape of the last, partially filled sibling group.
        for n in 0..40u32 {
            let mut h = QuadHeap::default();
            for i in 0..n {
                h.push(pack(u64::from(i * 7919 % 13), i, 99 - i));
            }
            let out = drain(&mut h);
            let mut expected: Vec<_> = (0..n).map(|i| (u64::from(i * 7919 % 13), i)).collect();
            expected.sort_unstable();
            assert_eq!(out, expected, "n = {n}");
        }
    }

    #[test]
    fn retain_restores_heap_order() {
        let mut h = QuadHeap::with_capacity(100);
        for i in 0..100u32 {
            h.push(pack(u64::from(i * 37 % 17), i, i));
        }
        h.retain(|&k| !slot_of(k).is_multiple_of(3));
        assert_eq!(h.len(), 66);
        let out = drain(&mut h);
        let mut expected: Vec<_> =
            (0..100u32).filter(|i| i % 3 != 0).map(|i| (u64::from(i * 37 % 17), i)).collect();
        expected.sort_unstable();
        assert_eq!(out, expected);
    }

    #[test]
    fn remap_sorted_visits_in_order() {
        let mut h = QuadHeap::default();
        for i in 0..50u32 {
            h.push(pack(u64::from(i % 5), 1_000 + i, i));
        }
        h.remap_sorted(|rank, k| pack(time_of(k), rank as u32, slot_of(k)));
        let out = drain(&mut h);
        assert_eq!(out.len(), 50);
        for (rank, (time, tie)) in out.into_iter().enumerate() {
            assert_eq!(tie as usize, rank);
            assert_eq!(time, rank as u64 / 10);
        }
    }

    #[test]
    fn randomized_against_binary_heap() {
        use rand::{RngExt, SeedableRng};
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;

        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut h = QuadHeap::default();
        let mut reference = BinaryHeap::new();
        for step in 0..20_000u32 {
            match rng.random_range(0..20u32) {
                // Push, often right after a pop so the key fills the hole.
                0..=8 => {
                    let k = pack(rng.random_range(0..100), step, rng.random());
                    h.push(k);
                    reference.push(Reverse(k));
                }
                9..=17 => assert_eq!(h.pop(), reference.pop().map(|r| r.0), "step {step}"),
                18 => assert_eq!(h.first(), reference.peek().map(|r| r.0), "step {step}"),
                _ => {
                    let m = rng.random_range(2..5u32);
                    h.retain(|&k| !slot_of(k).is_multiple_of(m));
                    reference.retain(|r| !slot_of(r.0).is_multiple_of(m));
                }
            }
            assert_eq!(h.len(), reference.len(), "step {step}");
        }
    }

    #[test]
    fn hole_is_filled_by_push_or_closed_on_demand() {
        let mut h = QuadHeap::default();
        for t in [5u64, 1, 9, 3] {
            h.push(pack(t, 0, 0));
        }
        assert_eq!(h.pop().map(time_of), Some(1));
        assert_eq!(h.len(), 3);
        h.push(pack(2, 0, 0)); // fills the hole
        assert_eq!(h.len(), 4);
        assert_eq!(h.pop().map(time_of), Some(2));
        assert_eq!(h.first().map(time_of), Some(3)); // closes the hole
        assert_eq!(h.len(), 3);
        assert_eq!(drain(&mut h).into_iter().map(|(t, _)| t).collect::<Vec<_>>(), [3, 5, 9]);
        assert_eq!(h.pop(), None);
        assert_eq!(h.first(), None);
        assert_eq!(h.len(), 0);
        h.push(pack(4, 0, 0));
        assert_eq!(h.pop().map(time_of), Some(4));
        assert_eq!(h.len(), 0);
        assert_eq!(h.pop(), None);
    }

    #[test]
    fn min_index_prefers_first_of_equal_keys() {
        assert_eq!(min_index(&[5, 5, 5, 5]), 0);
        assert_eq!(min_index(&[9, 3, 3, 4]), 1);
        assert_eq!(min_index(&[9, 8, 7, 3]), 3);
        assert_eq!(min_index(&[9, 8, 7]), 2);
        assert_eq!(min_index(&[1]), 0);
    }
}
