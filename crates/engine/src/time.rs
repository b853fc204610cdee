//! Simulated time: instants ([`SimTime`]) and spans ([`SimDuration`]).
//!
//! Both are whole milliseconds held in a `u64`. All arithmetic is
//! saturating integer arithmetic and all formatting is integer-only, so
//! results never depend on floating-point behaviour.

use std::fmt;
use std::ops::{Add, AddAssign, Mul, Sub, SubAssign};

const MS_PER_SEC: u64 = 1_000;
const MS_PER_MIN: u64 = 60 * MS_PER_SEC;
const MS_PER_HOUR: u64 = 60 * MS_PER_MIN;

/// An instant of simulated time: whole milliseconds since scenario start.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct SimTime(pub u64);

/// A span of simulated time in whole milliseconds.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The scenario start.
    pub const ZERO: SimTime = SimTime(0);
    /// The latest representable instant ("never").
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// The instant `ms` milliseconds after scenario start.
    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms)
    }

    /// Milliseconds since scenario start.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time elapsed since scenario start, as a duration.
    pub const fn since_start(self) -> SimDuration {
        SimDuration(self.0)
    }

    /// `self - earlier`, or zero if `earlier` is later than `self`.
    pub const fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, or `None` on overflow.
    pub const fn checked_add(self, d: SimDuration) -> Option<SimTime> {
        match self.0.checked_add(d.0) {
            Some(v) => Some(SimTime(v)),
            None => None,
        }
    }
}

impl SimDuration {
    /// The empty duration.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The longest representable duration.
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms)
    }

    /// A duration of `s` seconds (saturating).
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s.saturating_mul(MS_PER_SEC))
    }

    /// A duration of `m` minutes (saturating).
    pub const fn from_mins(m: u64) -> SimDuration {
        SimDuration(m.saturating_mul(MS_PER_MIN))
    }

    /// A duration of `h` hours (saturating).
    pub const fn from_hours(h: u64) -> SimDuration {
        SimDuration(h.saturating_mul(MS_PER_HOUR))
    }

    /// Whole milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds as a float; for display and reporting only, never for simulation logic.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_SEC as f64
    }

    /// Whether this is the empty duration.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self + rhs`, or `None` on overflow.
    pub const fn checked_add(self, rhs: SimDuration) -> Option<SimDuration> {
        match self.0.checked_add(rhs.0) {
            Some(v) => Some(SimDuration(v)),
            None => None,
        }
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    /// Saturates at [`SimTime::MAX`].
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

impl Sub<SimDuration> for SimTime {
    type Output = SimTime;
    /// Saturates at [`SimTime::ZERO`].
    fn sub(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_sub(rhs.0))
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    /// Saturates at [`SimDuration::ZERO`].
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.saturating_since(rhs)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    /// Saturates at [`SimDuration::MAX`].
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

impl Sub for SimDuration {
    type Output = SimDuration;
    /// Saturates at [`SimDuration::ZERO`].
    fn sub(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(rhs.0))
    }
}

impl SubAssign for SimDuration {
    fn sub_assign(&mut self, rhs: SimDuration) {
        *self = *self - rhs;
    }
}

impl Mul<u64> for SimDuration {
    type Output = SimDuration;
    /// Saturates at [`SimDuration::MAX`].
    fn mul(self, rhs: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(rhs))
    }
}

impl From<std::time::Duration> for SimDuration {
    /// Truncates to whole milliseconds, saturating.
    fn from(d: std::time::Duration) -> SimDuration {
        SimDuration(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

impl From<SimDuration> for std::time::Duration {
    fn from(d: SimDuration) -> std::time::Duration {
        std::time::Duration::from_millis(d.0)
    }
}

/// Writes `secs` followed by `.mmm` with trailing zeros removed (nothing if `ms == 0`).
fn write_secs_frac(f: &mut fmt::Formatter<'_>, secs: u64, ms: u64) -> fmt::Result {
    if ms == 0 {
        return write!(f, "{secs}");
    }
    let (digits, width) = if ms.is_multiple_of(100) {
        (ms / 100, 1)
    } else if ms.is_multiple_of(10) {
        (ms / 10, 2)
    } else {
        (ms, 3)
    };
    write!(f, "{secs}.{digits:0width$}")
}

impl fmt::Display for SimDuration {
    /// Go `time.Duration` style at millisecond precision:
    /// `0s`, `250ms`, `1.5s`, `1m30.25s`, `2h0m5s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0;
        if total == 0 {
            return f.write_str("0s");
        }
        if total < MS_PER_SEC {
            return write!(f, "{total}ms");
        }
        let hours = total / MS_PER_HOUR;
        let mins = (total % MS_PER_HOUR) / MS_PER_MIN;
        let secs = (total % MS_PER_MIN) / MS_PER_SEC;
        let ms = total % MS_PER_SEC;
        if hours > 0 {
            write!(f, "{hours}h{mins}m")?;
        } else if mins > 0 {
            write!(f, "{mins}m")?;
        }
        write_secs_frac(f, secs, ms)?;
        f.write_str("s")
    }
}

impl fmt::Display for SimTime {
    /// A clock since scenario start, `HH:MM:SS.mmm`; hours grow past 24 (`26:00:00.000`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0;
        let hours = total / MS_PER_HOUR;
        let mins = (total % MS_PER_HOUR) / MS_PER_MIN;
        let secs = (total % MS_PER_MIN) / MS_PER_SEC;
        let ms = total % MS_PER_SEC;
        write!(f, "{hours:02}:{mins:02}:{secs:02}.{ms:03}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(ms: u64) -> String {
        SimDuration::from_millis(ms).to_string()
    }

    #[test]
    fn duration_display_matches_go_style() {
        assert_eq!(d(0), "0s");
        assert_eq!(d(1), "1ms");
        assert_eq!(d(250), "250ms");
        assert_eq!(d(999), "999ms");
        assert_eq!(d(1_000), "1s");
        assert_eq!(d(1_500), "1.5s");
        assert_eq!(d(1_050), "1.05s");
        assert_eq!(d(1_001), "1.001s");
        assert_eq!(d(45_000), "45s");
        assert_eq!(d(60_000), "1m0s");
        assert_eq!(d(90_000), "1m30s");
        assert_eq!(d(90_250), "1m30.25s");
        assert_eq!(d(3_600_000), "1h0m0s");
        assert_eq!(d(2 * 3_600_000 + 5_000), "2h0m5s");
        assert_eq!(d(26 * 3_600_000 + 61_007), "26h1m1.007s");
        assert_eq!(d(u64::MAX), "5124095576030h25m51.615s");
    }

    #[test]
    fn time_display_is_a_clock() {
        assert_eq!(SimTime::ZERO.to_string(), "00:00:00.000");
        assert_eq!(SimTime(90_250).to_string(), "00:01:30.250");
        assert_eq!(SimTime(26 * 3_600_000).to_string(), "26:00:00.000");
        assert_eq!(SimTime(3_723_004).to_string(), "01:02:03.004");
        assert_eq!(SimTime(100 * 3_600_000 + 59_999).to_string(), "100:00:59.999");
    }

    #[test]
    fn constructors_and_accessors() {
        assert_eq!(SimDuration::from_secs(3).as_millis(), 3_000);
        assert_eq!(SimDuration::from_mins(2).as_millis(), 120_000);
        assert_eq!(SimDuration::from_hours(1), SimDuration::from_mins(60));
        assert_eq!(SimDuration::from_secs(u64::MAX), SimDuration::MAX);
        assert_eq!(SimDuration::from_millis(1_500).as_secs_f64(), 1.5);
        assert_eq!(SimTime::default(), SimTime::ZERO);
        assert_eq!(SimDuration::from(std::time::Duration::from_micros(2_999)), SimDuration(2));
    }

    #[test]
    fn arithmetic_saturates() {
        let t = SimTime(1_000);
        assert_eq!(t + SimDuration(500), SimTime(1_500));
        assert_eq!(SimTime::MAX + SimDuration(1), SimTime::MAX);
        assert_eq!(SimTime(1_500) - SimTime(1_000), SimDuration(500));
        assert_eq!(SimTime(1_000) - SimTime(1_500), SimDuration::ZERO);
        assert_eq!(SimTime(10) - SimDuration(20), SimTime::ZERO);
        assert_eq!(SimTime::MAX.checked_add(SimDuration(1)), None);
        assert_eq!(SimDuration(3) - SimDuration(5), SimDuration::ZERO);
        assert_eq!(SimDuration::MAX + SimDuration(1), SimDuration::MAX);
        assert_eq!(SimDuration(7) * 3, SimDuration(21));
        let mut u = SimTime::ZERO;
        u += SimDuration::from_secs(2);
        assert_eq!(u, SimTime(2_000));
    }

    #[test]
    fn ordering_is_numeric() {
        assert!(SimTime(1) < SimTime(2));
        assert!(SimDuration::from_secs(59) < SimDuration::from_mins(1));
    }
}
