//! Random durations: the [`Dist`] enum and its sampling.
//!
//! Samples are computed in `f64` milliseconds and rounded to the nearest
//! whole millisecond, so simulated time itself stays integral.
//!
//! Degenerate distributions — [`Dist::Constant`], and any other variant
//! whose spread is zero (see [`Dist::is_constant`]) — return their value
//! without drawing from the generator, so making one duration constant
//! never shifts the draws seen by anything else sharing the stream.

use std::fmt;

use rand::Rng;
use rand::RngExt;
use rand_distr::{Distribution, Exp1, LogNormal, Normal};

use crate::time::SimDuration;

/// How many times a negative `Normal` draw is redrawn before clamping to zero.
const NORMAL_MAX_REDRAWS: usize = 16;

/// A distribution of durations.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always the same duration.
    Constant(SimDuration),
    /// Uniform over whole milliseconds in `[min, max]`, both inclusive.
    Uniform {
        /// Smallest value.
        min: SimDuration,
        /// Largest value.
        max: SimDuration,
    },
    /// Normal, truncated at zero (negative draws are redrawn up to 16
    /// times, then clamped to zero).
    Normal {
        /// Mean of the untruncated distribution.
        mean: SimDuration,
        /// Standard deviation of the untruncated distribution.
        stddev: SimDuration,
    },
    /// Exponential (memoryless), e.g. inter-arrival times of a Poisson process.
    Exponential {
        /// Mean value (1/rate).
        mean: SimDuration,
    },
    /// Log-normal: `median * exp(sigma * Z)` with `Z` standard normal.
    LogNormal {
        /// Median value (`exp(mu)`).
        median: SimDuration,
        /// Shape: standard deviation of the underlying normal; dimensionless, `>= 0`.
        sigma: f64,
    },
}

/// Rounds a non-negative float of milliseconds to whole milliseconds
/// (negative and NaN become zero, overflow saturates).
fn round_ms(x: f64) -> SimDuration {
    if x > 0.0 {
        // `as` saturates at u64::MAX.
        SimDuration(x.round() as u64)
    } else {
        SimDuration::ZERO
    }
}

impl Dist {
    /// Draws one duration, rounded to the nearest millisecond.
    ///
    /// Deterministic for a given generator state. Never panics: an invalid
    /// distribution (see [`validate`](Self::validate)) yields an unspecified
    /// but deterministic value.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        if self.is_constant() {
            return self.mean();
        }
        match *self {
            Dist::Constant(d) => d,
            Dist::Uniform { min, max } => {
                let (lo, hi) = (min.0.min(max.0), min.0.max(max.0));
                SimDuration(rng.random_range(lo..=hi))
            }
            Dist::Normal { mean, stddev } => {
                let Ok(normal) = Normal::new(mean.0 as f64, stddev.0 as f64) else {
                    return mean;
                };
                let mut x = normal.sample(rng);
                for _ in 0..NORMAL_MAX_REDRAWS {
                    if x >= 0.0 {
                        break;
                    }
                    x = normal.sample(rng);
                }
                round_ms(x)
            }
            Dist::Exponential { mean } => {
                let unit: f64 = Exp1.sample(rng);
                round_ms(unit * mean.0 as f64)
            }
            Dist::LogNormal { median, sigma } => {
                let Ok(lognormal) = LogNormal::new((median.0 as f64).ln(), sigma) else {
                    return median;
                };
                round_ms(lognormal.sample(rng))
            }
        }
    }

    /// Whether every sample is the same value, in which case sampling
    /// consumes no randomness: `Constant`, `Uniform` with `min == max`,
    /// `Normal` with zero `stddev`, `Exponential` with zero mean, and
    /// `LogNormal` with zero median or zero sigma.
    pub fn is_constant(&self) -> bool {
        match *self {
            Dist::Constant(_) => true,
            Dist::Uniform { min, max } => min == max,
            Dist::Normal { stddev, .. } => stddev.is_zero(),
            Dist::Exponential { mean } => mean.is_zero(),
            Dist::LogNormal { median, sigma } => median.is_zero() || sigma == 0.0,
        }
    }

    /// Approximate mean, for documentation and sanity checks (the `Normal`
    /// figure ignores truncation at zero; `LogNormal` is
    /// `median * exp(sigma² / 2)`, rounded).
    pub fn mean(&self) -> SimDuration {
        match *self {
            Dist::Constant(d) => d,
            Dist::Uniform { min, max } => {
                let (lo, hi) = (min.0.min(max.0), min.0.max(max.0));
                SimDuration(lo + (hi - lo) / 2)
            }
            Dist::Normal { mean, .. } | Dist::Exponential { mean } => mean,
            Dist::LogNormal { median, sigma } => {
                if sigma == 0.0 || median.is_zero() {
                    median
                } else {
                    round_ms(median.0 as f64 * (sigma * sigma / 2.0).exp())
                }
            }
        }
    }

    /// Checks the parameters: `Uniform` needs `min <= max`; `LogNormal`
    /// needs a finite `sigma >= 0`.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            Dist::Uniform { min, max } if min > max => {
                Err(format!("uniform distribution has min ({min}) greater than max ({max})"))
            }
            Dist::LogNormal { sigma, .. } if !sigma.is_finite() || sigma < 0.0 => {
                Err(format!("log-normal sigma must be finite and non-negative, got {sigma}"))
            }
            _ => Ok(()),
        }
    }
}

impl From<SimDuration> for Dist {
    /// A constant distribution.
    fn from(d: SimDuration) -> Dist {
        Dist::Constant(d)
    }
}

impl fmt::Display for Dist {
    /// Short human-readable form, e.g. `uniform(1s, 5s)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dist::Constant(d) => write!(f, "{d}"),
            Dist::Uniform { min, max } => write!(f, "uniform({min}, {max})"),
            Dist::Normal { mean, stddev } => write!(f, "normal(mean={mean}, stddev={stddev})"),
            Dist::Exponential { mean } => write!(f, "exponential(mean={mean})"),
            Dist::LogNormal { median, sigma } => {
                write!(f, "lognormal(median={median}, sigma={sigma})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::RngStreams;
    use rand_chacha::ChaCha8Rng;

    const GOLDEN_SAMPLES: [[u64; 4]; 4] = [
        [20, 19, 14, 12],
        [1513, 1633, 927, 380],
        [11582, 23866, 2017, 6107],
        [4706, 5748, 1770, 711],
    ];

    fn ms(v: u64) -> SimDuration {
        SimDuration::from_millis(v)
    }

    fn rng() -> ChaCha8Rng {
        RngStreams::new(1234).stream(1)
    }

    fn all_random() -> Vec<Dist> {
        vec![
            Dist::Uniform { min: ms(10), max: ms(20) },
            Dist::Normal { mean: ms(1_000), stddev: ms(300) },
            Dist::Exponential { mean: ms(5_000) },
            Dist::LogNormal { median: ms(2_000), sigma: 0.5 },
        ]
    }

    /// Draws `n` samples and returns them with the generator's next `u64`.
    fn run(d: &Dist, n: usize) -> (Vec<SimDuration>, u64) {
        let mut r = rng();
        let v = (0..n).map(|_| d.sample(&mut r)).collect();
        (v, r.next_u64())
    }

    #[test]
    fn constant_consumes_no_randomness() {
        let mut a = rng();
        let mut b = rng();
        let c = Dist::Constant(ms(1_500));
        for _ in 0..10 {
            assert_eq!(c.sample(&mut a), ms(1_500));
        }
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn degenerate_distributions_behave_like_constants() {
        let cases = [
            (Dist::Uniform { min: ms(7), max: ms(7) }, ms(7)),
            (Dist::Normal { mean: ms(9), stddev: ms(0) }, ms(9)),
            (Dist::Exponential { mean: ms(0) }, ms(0)),
            (Dist::LogNormal { median: ms(4), sigma: 0.0 }, ms(4)),
            (Dist::LogNormal { median: ms(0), sigma: 1.0 }, ms(0)),
        ];
        for (d, want) in cases {
            assert!(d.is_constant(), "{d:?}");
            let mut a = rng();
            assert_eq!(d.sample(&mut a), want, "{d:?}");
            assert_eq!(a.next_u64(), rng().next_u64(), "{d:?} consumed randomness");
        }
    }

    #[test]
    fn random_distributions_consume_randomness() {
        let fresh = rng().next_u64();
        for d in all_random() {
            assert!(!d.is_constant());
            let (_, next) = run(&d, 1);
            assert_ne!(next, fresh, "{d:?} consumed nothing");
        }
    }

    #[test]
    fn uniform_stays_within_bounds_and_covers_them() {
        let d = Dist::Uniform { min: ms(10), max: ms(20) };
        let (v, _) = run(&d, 2_000);
        assert!(v.iter().all(|x| (ms(10)..=ms(20)).contains(x)));
        assert!(v.contains(&ms(10)) && v.contains(&ms(20)), "both ends inclusive");
    }

    #[test]
    fn sampling_is_deterministic() {
        for d in all_random() {
            let (a, na) = run(&d, 500);
            let (b, nb) = run(&d, 500);
            assert_eq!(a, b, "{d:?}");
            assert_eq!(na, nb);
            // And not trivially constant.
            assert!(a.iter().any(|x| *x != a[0]), "{d:?}");
        }
    }

    #[test]
    fn empirical_means_are_close() {
        for d in all_random() {
            let (v, _) = run(&d, 20_000);
            let avg = v.iter().map(|x| x.0 as f64).sum::<f64>() / v.len() as f64;
            let want = d.mean().0 as f64;
            assert!((avg - want).abs() / want < 0.05, "{d:?}: mean {avg} vs {want}");
        }
    }

    #[test]
    fn normal_is_truncated_at_zero() {
        let d = Dist::Normal { mean: ms(10), stddev: ms(1_000) };
        let (v, _) = run(&d, 5_000);
        // Every value is a valid (non-negative by type) duration, and the
        // redraws leave a spread well above the mean.
        assert!(v.iter().any(|x| x.0 > 500));
        let avg = v.iter().map(|x| x.0 as f64).sum::<f64>() / v.len() as f64;
        assert!(avg > 500.0, "truncation should push the mean up, got {avg}");
    }

    #[test]
    fn lognormal_median_is_close() {
        let d = Dist::LogNormal { median: ms(2_000), sigma: 1.0 };
        let (mut v, _) = run(&d, 10_001);
        v.sort_unstable();
        let median = v[5_000].0 as f64;
        assert!((median - 2_000.0).abs() < 100.0, "median {median}");
    }

    #[test]
    fn validation() {
        assert!(Dist::Constant(ms(1)).validate().is_ok());
        for d in all_random() {
            assert!(d.validate().is_ok(), "{d:?}");
        }
        let bad_uniform = Dist::Uniform { min: ms(5), max: ms(1) };
        let err = bad_uniform.validate().unwrap_err();
        assert!(err.contains("5ms") && err.contains("1ms"), "{err}");
        for sigma in [-0.1, f64::NAN, f64::INFINITY] {
            let d = Dist::LogNormal { median: ms(1), sigma };
            assert!(d.validate().is_err(), "{sigma}");
            // Sampling an invalid distribution must not panic.
            let _ = d.sample(&mut rng());
        }
        // Reversed uniform bounds still sample within the range.
        let x = bad_uniform.sample(&mut rng());
        assert!((ms(1)..=ms(5)).contains(&x));
    }

    #[test]
    fn means() {
        assert_eq!(Dist::Constant(ms(3)).mean(), ms(3));
        assert_eq!(Dist::Uniform { min: ms(10), max: ms(21) }.mean(), ms(15));
        assert_eq!(Dist::Exponential { mean: ms(8) }.mean(), ms(8));
        // exp(0.5) * 1000 = 1648.72
        assert_eq!(Dist::LogNormal { median: ms(1_000), sigma: 1.0 }.mean(), ms(1_649));
    }

    #[test]
    fn display() {
        assert_eq!(Dist::Constant(ms(1_500)).to_string(), "1.5s");
        assert_eq!(Dist::Uniform { min: ms(1_000), max: ms(5_000) }.to_string(), "uniform(1s, 5s)");
        assert_eq!(
            Dist::LogNormal { median: ms(2_000), sigma: 0.5 }.to_string(),
            "lognormal(median=2s, sigma=0.5)"
        );
    }

    #[test]
    fn golden_samples_are_stable() {
        // Pins exact outputs: a change here means every simulation result
        // changes (dependency upgrade or platform float differences).
        let got: Vec<Vec<u64>> =
            all_random().iter().map(|d| run(d, 4).0.into_iter().map(|x| x.0).collect()).collect();
        assert_eq!(got, GOLDEN_SAMPLES);
    }

    #[test]
    fn round_ms_rounds_to_nearest() {
        assert_eq!(round_ms(1.49), ms(1));
        assert_eq!(round_ms(1.5), ms(2));
        assert_eq!(round_ms(-3.0), ms(0));
        assert_eq!(round_ms(f64::NAN), ms(0));
        assert_eq!(round_ms(f64::INFINITY), SimDuration::MAX);
    }
}
