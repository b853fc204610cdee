//! The applications inside the containers: whether they answer their probes.
//!
//! This is the simulated world, not a Kubernetes component. A container's application answers
//! its probes from `ready` after its start (the scenario's behaviour) until it exits, except
//! while a fault set by a scenario action (`make-unhealthy`) applies. The kubelet only learns
//! of it by probing, at its probes' ticks.

use kubesim_engine::SimTime;
use kubesim_model::{Fault, PodId, ProbeKind, ProbeKinds};
use std::collections::BTreeMap;

/// How a probe sent at some instant fares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// The application answers successfully.
    Pass,
    /// The application is not listening yet (before `ready`): the connection is refused.
    NotListening,
    /// The application answers with an error (HTTP 503, non-zero exit, `NOT_SERVING`).
    Error,
    /// The application does not answer: the probe fails after `timeoutSeconds`.
    Timeout,
}

impl Health {
    /// Whether the probe succeeds.
    pub fn passes(self) -> bool {
        self == Self::Pass
    }
}

/// One fault in force.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ActiveFault {
    container: Option<String>,
    from: SimTime,
    until: Option<SimTime>,
    probes: ProbeKinds,
    timeout: bool,
    until_restart: bool,
}

impl ActiveFault {
    /// Whether the fault applies to a probe of this kind at `t`, for the container instance
    /// started at `started_at`.
    fn applies(&self, container: &str, kind: ProbeKind, started_at: SimTime, t: SimTime) -> bool {
        self.container.as_deref().is_none_or(|c| c == container)
            && self.probes.contains(kind)
            && self.from <= t
            && self.until.is_none_or(|u| t < u)
            // A restart after the fault began brings up a healthy process.
            && !(self.until_restart && started_at > self.from)
    }
}

/// The faults of every pod, set by scenario actions.
#[derive(Debug, Clone, Default)]
pub struct AppFaults {
    faults: BTreeMap<PodId, Vec<ActiveFault>>,
}

impl AppFaults {
    /// A fault begins now in a pod.
    pub fn add(&mut self, pod: PodId, now: SimTime, f: &Fault) {
        self.faults.entry(pod).or_default().push(ActiveFault {
            container: f.container.clone(),
            from: now,
            until: f.duration.map(|d| now + d),
            probes: f.probes,
            timeout: f.timeout,
            until_restart: f.until_restart,
        });
    }

    /// Ends the pod's faults (of one container, or all) now.
    pub fn heal(&mut self, pod: PodId, container: Option<&str>, now: SimTime) {
        for f in self.faults.get_mut(&pod).into_iter().flatten() {
            let matches = container.is_none_or(|c| f.container.as_deref().is_none_or(|fc| fc == c));
            if matches && f.until.is_none_or(|u| u > now) {
                f.until = Some(now);
            }
        }
    }

    /// How a probe of `kind` sent at `t` to `container` of `pod` fares, for the instance
    /// started at `started_at` whose application answers from `ready_at`.
    pub fn health(
        &self,
        pod: PodId,
        container: &str,
        kind: ProbeKind,
        started_at: SimTime,
        ready_at: SimTime,
        t: SimTime,
    ) -> Health {
        if t < ready_at {
            return Health::NotListening;
        }
        let mut result = Health::Pass;
        for f in self.faults.get(&pod).into_iter().flatten() {
            if f.applies(container, kind, started_at, t) {
                if f.timeout {
                    return Health::Timeout;
                }
                result = Health::Error;
            }
        }
        result
    }

    /// The first instant after `t` at which the health seen by such a probe may change (the
    /// application starts answering, a fault begins or ends), if any.
    pub fn next_change(
        &self,
        pod: PodId,
        container: &str,
        kind: ProbeKind,
        ready_at: SimTime,
        t: SimTime,
    ) -> Option<SimTime> {
        let mut next: Option<SimTime> = (ready_at > t).then_some(ready_at);
        let mut consider = |x: SimTime| {
            if x > t && next.is_none_or(|n| x < n) {
                next = Some(x);
            }
        };
        for f in self.faults.get(&pod).into_iter().flatten() {
            if f.container.as_deref().is_none_or(|c| c == container) && f.probes.contains(kind) {
                consider(f.from);
                if let Some(u) = f.until {
                    consider(u);
                }
            }
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_engine::SimDuration;

    fn fault(duration: Option<u64>, timeout: bool, until_restart: bool) -> Fault {
        Fault {
            container: None,
            duration: duration.map(SimDuration::from_secs),
            probes: ProbeKinds::ALL,
            timeout,
            until_restart,
        }
    }

    #[test]
    fn health_over_time() {
        let pod = PodId(0);
        let mut a = AppFaults::default();
        let s = |x: u64| SimTime(x * 1000);
        // Started at 0, answers from 2 s; a fault from 60 s for 30 s.
        a.add(pod, s(60), &fault(Some(30), false, false));
        let h = |t| a.health(pod, "app", ProbeKind::Readiness, s(0), s(2), t);
        assert_eq!(h(s(1)), Health::NotListening);
        assert_eq!(h(s(2)), Health::Pass);
        assert_eq!(h(s(60)), Health::Error);
        assert_eq!(h(s(89)), Health::Error);
        assert_eq!(h(s(90)), Health::Pass);
        let n = |t| a.next_change(pod, "app", ProbeKind::Readiness, s(2), t);
        assert_eq!(n(s(0)), Some(s(2)));
        assert_eq!(n(s(2)), Some(s(60)));
        assert_eq!(n(s(60)), Some(s(90)));
        assert_eq!(n(s(90)), None);
    }

    #[test]
    fn until_restart_spares_new_instances_and_heal_ends_faults() {
        let pod = PodId(3);
        let mut a = AppFaults::default();
        let s = |x: u64| SimTime(x * 1000);
        a.add(pod, s(10), &fault(None, true, true));
        // The instance started at 0 hangs; one started at 40 s (after a restart) does not.
        assert_eq!(a.health(pod, "app", ProbeKind::Liveness, s(0), s(0), s(20)), Health::Timeout);
        assert_eq!(a.health(pod, "app", ProbeKind::Liveness, s(40), s(40), s(50)), Health::Pass);
        a.heal(pod, None, s(30));
        assert_eq!(a.health(pod, "app", ProbeKind::Liveness, s(0), s(0), s(30)), Health::Pass);
    }
}
