//! A 4-ary implicit min-heap of packed `u128` keys.
//!
//! Hand-written because the event loop is pop-heavy. Each entry is a single
//! `u128` — `time << 64 | tie << 32 | slot` — so ordering is one integer
//! comparison and four siblings fill exactly one 64-byte cache line's worth
//! of memory. With four children per node the tree is half as deep as a
//! binary heap, and the smallest child is found with a branch-free
//! tournament. Pop walks the hole down to a leaf and then sifts the former
//! last element up ("bottom-up" deletion), which saves a comparison per
//! level because that element almost always belongs near the bottom.

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
#[derive(Clone, Debug, Default)]
pub(crate) struct QuadHeap {
    v: Vec<u128>,
}

impl QuadHeap {
    /// An empty heap with room for `cap` entries.
    pub(crate) fn with_capacity(cap: usize) -> Self {
        QuadHeap { v: Vec::with_capacity(cap) }
    }

    /// Number of entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.v.len()
    }

    /// The smallest entry.
    #[inline]
    pub(crate) fn first(&self) -> Option<u128> {
        self.v.first().copied()
    }

    /// Removes every entry.
    pub(crate) fn clear(&mut self) {
        self.v.clear();
    }

    /// Inserts `key`.
    #[inline]
    pub(crate) fn push(&mut self, key: u128) {
        let hole = self.v.len();
        self.v.push(key);
        self.sift_up(hole, key);
    }

    /// Removes and returns the smallest entry.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<u128> {
        let last = self.v.pop()?;
        let Some(&top) = self.v.first() else {
            return Some(last);
        };
        // Walk the hole from the root down to a leaf, always promoting the
        // smallest child, then drop `last` into it and sift it up.
        let n = self.v.len();
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
        Some(top)
    }

    /// Keeps only the entries for which `keep` returns true, then restores
    /// the heap property in O(n).
    pub(crate) fn retain(&mut self, keep: impl FnMut(&u128) -> bool) {
        self.v.retain(keep);
        let n = self.v.len();
        if n < 2 {
            return;
        }
        let last_parent = (n - 2) / ARITY;
        for i in (0..=last_parent).rev() {
            self.sift_down(i);
        }
    }

    /// Rewrites every entry through `f`, which must preserve the relative
    /// order of all entries. Entries are visited in ascending order and the
    /// heap ends up sorted. O(n log n).
    pub(crate) fn remap_sorted(&mut self, mut f: impl FnMut(usize, u128) -> u128) {
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

    /// Classic top-down sift of the entry at `hole` (used by `retain`).
    fn sift_down(&mut self, mut hole: usize) {
        let n = self.v.len();
        let key = self.v[hole];
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
    fn min_index_prefers_first_of_equal_keys() {
        assert_eq!(min_index(&[5, 5, 5, 5]), 0);
        assert_eq!(min_index(&[9, 3, 3, 4]), 1);
        assert_eq!(min_index(&[9, 8, 7, 3]), 3);
        assert_eq!(min_index(&[9, 8, 7]), 2);
        assert_eq!(min_index(&[1]), 0);
    }
}
