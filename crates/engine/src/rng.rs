//! Seeded, independent random streams.
//!
//! Every component that needs randomness asks for its own stream by a
//! caller-chosen `u64` id. All streams share the scenario seed as the ChaCha
//! key and differ in the ChaCha stream (nonce), so they are statistically
//! independent and — more importantly — adding draws to one component never
//! shifts the numbers another component sees.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Factory for the per-component random streams of one simulation run.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct RngStreams {
    /// The scenario seed.
    pub seed: u64,
}

impl RngStreams {
    /// Streams derived from `seed`.
    pub const fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    /// A fresh generator for stream `id`, positioned at the start of the stream.
    ///
    /// Equivalent to `ChaCha8Rng::seed_from_u64(seed)` followed by
    /// `set_stream(id)`; calling it twice with the same id yields two
    /// generators producing the same sequence.
    pub fn stream(&self, id: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(id);
        rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, RngExt};

    const GOLDEN: [u64; 3] = [2370525664269707216, 6019739031913071421, 11352947354031309824];
    const GOLDEN_RANGE: u64 = 128_506;

    fn draws(rng: &mut ChaCha8Rng) -> Vec<u64> {
        (0..64).map(|_| rng.next_u64()).collect()
    }

    #[test]
    fn same_seed_and_stream_repeat() {
        let s = RngStreams::new(42);
        assert_eq!(draws(&mut s.stream(7)), draws(&mut s.stream(7)));
        assert_eq!(draws(&mut s.stream(7)), draws(&mut RngStreams { seed: 42 }.stream(7)));
    }

    #[test]
    fn streams_differ() {
        let s = RngStreams::new(42);
        let a = draws(&mut s.stream(0));
        let b = draws(&mut s.stream(1));
        let c = draws(&mut s.stream(u64::MAX));
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(b, c);
        // No shared values at all between two streams' prefixes.
        assert!(a.iter().all(|x| !b.contains(x)));
    }

    #[test]
    fn seeds_differ() {
        assert_ne!(
            draws(&mut RngStreams::new(1).stream(3)),
            draws(&mut RngStreams::new(2).stream(3))
        );
    }

    #[test]
    fn stream_matches_documented_construction() {
        let mut expected = ChaCha8Rng::seed_from_u64(99);
        expected.set_stream(5);
        let mut got = RngStreams::new(99).stream(5);
        assert_eq!(got.get_stream(), 5);
        assert_eq!(draws(&mut got), draws(&mut expected));
    }

    #[test]
    fn golden_values_are_stable() {
        // Pins the exact output so that a dependency upgrade that changes
        // the generator (and with it every simulation result) is noticed.
        let mut r = RngStreams::new(42).stream(7);
        let got: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        assert_eq!(got, GOLDEN);
        let mut r = RngStreams::new(42).stream(7);
        assert_eq!(r.random_range(0..1_000_000u64), GOLDEN_RANGE);
    }
}
