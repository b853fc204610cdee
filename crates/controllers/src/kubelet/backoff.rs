//! The kubelet's back-offs: client-go `flowcontrol.Backoff` without jitter, as the kubelet
//! creates it (`pkg/kubelet/kubelet.go`): CrashLoopBackOff (`initialCrashLoopBackOff` 10 s,
//! `MaxCrashLoopBackOff` 300 s, keyed per pod and container) and the image pull back-off
//! (`imageBackOffPeriod` 10 s, `MaxImageBackOff` 300 s, keyed per pod and image).
//!
//! Pure functions over one key's entry, so the exact restart times can be checked by hand
//! (see the tests).

use kubesim_engine::{SimDuration, SimTime};

/// `initialCrashLoopBackOff` and `imageBackOffPeriod`: 10 s.
pub const INITIAL: SimDuration = SimDuration::from_secs(10);
/// `MaxCrashLoopBackOff` (= `v1beta1.MaxContainerBackOff`) and `MaxImageBackOff`: 300 s.
pub const MAX: SimDuration = SimDuration::from_secs(300);
/// The pod worker's retry after a failed sync that carries no back-off expiry
/// (`backOffPeriod`, 10 s; upstream adds up to 50 % jitter, kubesim does not).
pub const SYNC_RETRY: SimDuration = SimDuration::from_secs(10);

/// One key's back-off (`backoffEntry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The current back-off.
    pub backoff: SimDuration,
    /// When `next` was last called.
    pub last_update: SimTime,
}

/// `hasExpired`: an entry untouched for more than `2 × max` is forgotten ("a container that
/// ran for 10 minutes without problems").
fn has_expired(event_time: SimTime, last_update: SimTime) -> bool {
    event_time.saturating_since(last_update).as_millis() > 2 * MAX.as_millis()
}

/// `Backoff.Next(id, eventTime)` at `now`: starts at [`INITIAL`] (no entry, or expired as of
/// `event_time`), else doubles up to [`MAX`]; `lastUpdate = now`.
pub fn next(entry: Option<Entry>, event_time: SimTime, now: SimTime) -> Entry {
    let backoff = match entry {
        Some(e) if !has_expired(event_time, e.last_update) => {
            SimDuration::from_millis((e.backoff.as_millis() * 2).min(MAX.as_millis()))
        }
        _ => INITIAL,
    };
    Entry { backoff, last_update: now }
}

/// `Backoff.IsInBackOffSince(id, eventTime)` at `now`: false without an entry or when it
/// expired (as of `now`); else whether less than the back-off has passed since `event_time`.
pub fn is_in_backoff_since(entry: Option<Entry>, event_time: SimTime, now: SimTime) -> bool {
    match entry {
        None => false,
        Some(e) if has_expired(now, e.last_update) => false,
        Some(e) => now.saturating_since(event_time) < e.backoff,
    }
}

/// `Backoff.IsInBackOffSinceUpdate(id, now)`: as [`is_in_backoff_since`] with the entry's own
/// last update as the event time (the image pull back-off).
pub fn is_in_backoff_since_update(entry: Option<Entry>, now: SimTime) -> bool {
    entry.is_some_and(|e| is_in_backoff_since(Some(e), e.last_update, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn s(x: u64) -> SimTime {
        SimTime(x * 1000)
    }

    /// Replays the kubelet's `doBackOff` for a container that crashes `run` after each start,
    /// restarting at the first instant the back-off allows (newer kubelets re-sync at the
    /// back-off's expiry). Returns the gaps between each exit (`FinishedAt`) and the restart.
    fn crash_loop(run: SimDuration, crashes: usize) -> Vec<u64> {
        let mut entry = None;
        let mut start = SimTime::ZERO;
        let mut gaps = Vec::new();
        for _ in 0..crashes {
            let finished = start + run;
            // The earliest restart: FinishedAt if not in back-off, else FinishedAt + backoff.
            let restart = if is_in_backoff_since(entry, finished, finished) {
                let e: Entry = entry.expect("in back-off");
                let at = finished + e.backoff;
                assert!(is_in_backoff_since(entry, finished, SimTime(at.0 - 1)));
                assert!(!is_in_backoff_since(entry, finished, at));
                at
            } else {
                finished
            };
            entry = Some(next(entry, finished, restart));
            gaps.push(restart.saturating_since(finished).as_millis() / 1000);
            start = restart;
        }
        gaps
    }

    #[test]
    fn crash_every_second_restarts_at_the_reference_gaps() {
        // Crash 1 at 1 s: no entry -> restart at once, Next sets 10 s. Crash 2: 0 s < 10 s
        // since FinishedAt -> wait 10 s; Next doubles to 20 s. Then 20, 40, 80, 160, and
        // 320 capped to 300, 300 (k8s-semantics.md §4.4).
        assert_eq!(
            crash_loop(SimDuration::from_secs(1), 9),
            vec![0, 10, 20, 40, 80, 160, 300, 300, 300]
        );
    }

    #[test]
    fn a_long_run_resets_the_sequence() {
        // Restarted at 100 s (entry 40 s, lastUpdate 100 s); it then runs 11 min and exits at
        // 760 s: 760 - 100 = 660 s > 2 x 300 s, so the entry has expired: restart at once
        // and Next starts again at 10 s.
        let e = Some(Entry { backoff: SimDuration::from_secs(40), last_update: s(100) });
        assert!(!is_in_backoff_since(e, s(760), s(760)));
        assert_eq!(next(e, s(760), s(760)).backoff, INITIAL);
        // Exiting after only 9 min (640 s): 540 s <= 600 s, still in back-off (40 s), and the
        // next one doubles.
        assert!(is_in_backoff_since(e, s(640), s(640)));
        assert_eq!(next(e, s(640), s(680)).backoff, SimDuration::from_secs(80));
    }

    #[test]
    fn image_backoff_counts_from_the_failed_pull() {
        // Pull fails at 5 s: Next -> 10 s from 5 s. At 14.999 s still in back-off, at 15 s not.
        let e = Some(next(None, s(5), s(5)));
        assert!(is_in_backoff_since_update(e, SimTime(14_999)));
        assert!(!is_in_backoff_since_update(e, s(15)));
        assert!(!is_in_backoff_since_update(None, s(15)));
    }
}
