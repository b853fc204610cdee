//! Stopping containers (`killContainer` in `pkg/kubelet/kuberuntime/kuberuntime_container.go`)
//! and the pod's graceful termination.
//!
//! For each running container, with a grace period `g` (the pod's
//! `deletionGracePeriodSeconds`, else the probe's `terminationGracePeriodSeconds` for a liveness
//! or startup kill, else the pod's `terminationGracePeriodSeconds`):
//! 1. `Killing` is recorded (`Stopping container <name>`, or the kill's own message);
//! 2. if the container has a `preStop` hook and `g > 0`, the hook runs, for at most `g`
//!    seconds; `g` loses the whole seconds it took;
//! 3. in a pod with sidecars, the container waits for its turn (app containers at once;
//!    sidecars after every app container and every later sidecar has stopped); `g` loses the
//!    whole seconds waited;
//! 4. `g` is raised to at least 2 s (`minimumGracePeriodInSeconds`);
//! 5. SIGTERM: the application exits after its shutdown time, or SIGKILL ends it after `g`
//!    seconds (exit code 137).
//!
//! Containers stop in parallel. Once all have, a deleted pod gets its terminal phase
//! (Succeeded if every app container exited 0, else Failed; kubelets since v1.27) and the
//! kubelet deletes the object with grace 0. A force-deleted pod's object is already gone: the
//! kubelet still stops its containers with the pod's `terminationGracePeriodSeconds`
//! (`calculateEffectiveGracePeriod` falls back to the spec when the API gave it 0).
//!
//! Simplified: a second delete with a shorter grace period does not shorten a termination
//! already under way.

use kubesim_engine::SimDuration;

/// `minimumGracePeriodInSeconds`
pub const MINIMUM_GRACE_SECONDS: u64 = 2;

/// The SIGTERM-to-SIGKILL budget in seconds of `killContainer`: `grace`, minus the whole
/// seconds the `preStop` hook took (it is cut off at `grace`), minus the whole seconds spent
/// waiting for the container's turn, and at least 2 s.
pub fn stop_budget_secs(
    grace: u64,
    pre_stop: Option<SimDuration>,
    waited: Option<SimDuration>,
) -> u64 {
    let mut g = grace;
    if let Some(d) = pre_stop
        && g > 0
    {
        let took = (d.as_millis() / 1000).min(g);
        g -= took;
    }
    if let Some(d) = waited
        && g > 0
    {
        g = g.saturating_sub(d.as_millis() / 1000);
    }
    g.max(MINIMUM_GRACE_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets() {
        let s = SimDuration::from_secs;
        // A 45 s preStop with the default 30 s grace: the hook is cut off at 30 s, leaving
        // 0 s, raised to 2 s: SIGTERM at 30 s, SIGKILL at 32 s.
        assert_eq!(stop_budget_secs(30, Some(s(30)), None), 2);
        // A 10 s preStop: 20 s left after it.
        assert_eq!(stop_budget_secs(30, Some(s(10)), None), 20);
        // Whole seconds only: a 10.9 s hook takes 10 s off.
        assert_eq!(stop_budget_secs(30, Some(SimDuration::from_millis(10_900)), None), 20);
        // No hook: the whole grace period; grace 0 or 1 still gets 2 s.
        assert_eq!(stop_budget_secs(30, None, None), 30);
        assert_eq!(stop_budget_secs(0, None, None), 2);
        assert_eq!(stop_budget_secs(1, Some(s(5)), None), 2);
        // A sidecar that waited 25 s for the app containers after a 3 s hook: 30-3-25 = 2.
        assert_eq!(stop_budget_secs(30, Some(s(3)), Some(s(25))), 2);
        assert_eq!(stop_budget_secs(60, None, Some(s(12))), 48);
    }
}
