//! Time formatting by integer arithmetic only: seconds with three decimals for CSV files, and
//! RFC 3339 timestamps from the fixed [`EPOCH`] for `state.yaml`.

use kubesim_engine::SimTime;

/// The wall-clock instant simulated t = 0 stands for in `state.yaml`.
pub const EPOCH: &str = "2026-01-01T00:00:00Z";

/// [`EPOCH`] as seconds since the Unix epoch.
pub const EPOCH_UNIX_SECONDS: u64 = 1_767_225_600;

/// Milliseconds as seconds with exactly three decimals: `61250` → `61.250`.
pub fn secs_3(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// A simulated instant as an RFC 3339 UTC timestamp, taking t = 0 as [`EPOCH`]:
/// `SimTime(60_000)` → `2026-01-01T00:01:00Z`.
///
/// Like `metav1.Time`, which the API server serializes at second precision, the
/// milliseconds are dropped.
pub fn rfc3339(t: SimTime) -> String {
    let secs = EPOCH_UNIX_SECONDS + t.0 / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day)
/// (Howard Hinnant's `civil_from_days`, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_with_three_decimals() {
        assert_eq!(secs_3(61_250), "61.250");
        assert_eq!(secs_3(0), "0.000");
        assert_eq!(secs_3(5), "0.005");
        assert_eq!(secs_3(3_600_000), "3600.000");
    }

    #[test]
    fn rfc3339_from_epoch() {
        assert_eq!(rfc3339(SimTime(0)), EPOCH);
        assert_eq!(rfc3339(SimTime(60_000)), "2026-01-01T00:01:00Z");
        // Milliseconds are dropped, like metav1.Time.
        assert_eq!(rfc3339(SimTime(90_999)), "2026-01-01T00:01:30Z");
        assert_eq!(rfc3339(SimTime(25 * 3_600_000 + 61_000)), "2026-01-02T01:01:01Z");
        // 2026 is not a leap year: day 59 is March 1st.
        assert_eq!(rfc3339(SimTime(59 * 86_400_000)), "2026-03-01T00:00:00Z");
        // Across a year boundary and a leap day (2028-02-29).
        assert_eq!(rfc3339(SimTime(365 * 86_400_000)), "2027-01-01T00:00:00Z");
        assert_eq!(rfc3339(SimTime((365 + 365 + 59) * 86_400_000)), "2028-02-29T00:00:00Z");
    }
}
