//! The disruption controller (`pkg/controller/disruption/disruption.go`): keeps each
//! PodDisruptionBudget's status, which the Eviction API reads and decrements.
//!
//! One sync (`trySync`) of a PDB:
//! 1. `pods` = the pods of the PDB's namespace its selector selects (policy/v1: a null selector
//!    selects nothing, an empty one every pod) — any phase, terminating ones included;
//! 2. `expectedPods` and `desiredHealthy` ([`expected_pod_count`]): with `maxUnavailable` or a
//!    percentage `minAvailable`, `expected` is the sum of the scale of the pods' controllers
//!    (a Deployment through its ReplicaSet, a standalone ReplicaSet, a StatefulSet) and the
//!    percentage rounds up; with an integer `minAvailable`, `desired` is that integer and
//!    `expected` the number of pods;
//! 3. `disruptedPods` ([`build_disrupted_pod_map`]): the Eviction API's entries are kept while
//!    the pod exists, has no deletionTimestamp and the entry is younger than
//!    [`DELETION_TIMEOUT`] (2 min; an expired one gets a `NotDeleted` warning);
//! 4. `currentHealthy` ([`count_healthy`]): pods without deletionTimestamp, not in
//!    `disruptedPods`, and Ready;
//! 5. `disruptionsAllowed = currentHealthy − desiredHealthy`, 0 if negative or if
//!    `expected ≤ 0` ([`disruptions_allowed`]); the status is written with
//!    `observedGeneration` and the `DisruptionAllowed` condition, and the PDB is re-queued at
//!    the earliest `disruptedPods` expiry.
//!
//! A sync that cannot compute the expected count (a pod whose controller is missing from the
//! scenario, of a kind kubesim does not simulate, or without a scale, e.g. a DaemonSet or a
//! Job under `maxUnavailable` or a percentage: [`unresolved_controller_error`]) records
//! `CalculateExpectedPodCountFailed` and goes to `failSafe`: `disruptionsAllowed = 0` and
//! `DisruptionAllowed=False` with reason `SyncFailed` (the owner reference is kept in the
//! model as written, see [`kubesim_model::OwnerKind`]).
//!
//! The stale `DisruptionTarget` cleanup (`syncStalePodDisruption`): a pod whose
//! `DisruptionTarget` condition is True, whose reason is not `TerminationByKubelet`, that is not
//! terminal and has no deletionTimestamp, has the condition reset to False (reason and message
//! empty, as `UpdatePodCondition` writes them) [`STALE_POD_DISRUPTION_TIMEOUT`] (2 min) after
//! its last transition ([`stale_pod_disruption_wait`]). Upstream checks on every pod add and
//! update; kubesim checks the pods whose condition turned True once their instant is settled
//! (an evicted, preempted or taint-evicted pod is deleted at the same instant, so only a
//! `set-pod-condition` action leaves one), then at the expiry.
//!
//! Event-driven: a PDB is synced when a pod it matches changes (`api::notify_pdb`, which, as
//! upstream's `getPdbForPod`, wakes only the first matching PDB), at its earliest
//! `disruptedPods` expiry, and once at start. Simplified: the controller works with no delay
//! (upstream's work queue runs within milliseconds); the events `NoPods` and
//! `UnmanagedPods`, which upstream repeats on every sync and the event recorder folds into a
//! count, are recorded once each time the situation starts.

use crate::api;
use crate::world::{Event, World};
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::pdb::REASON_SYNC_FAILED;
use kubesim_model::{
    CondStatus, EventType, IntOrPercent, Kind, PdbId, Pod, PodConditionType, PodId,
};
use std::collections::BTreeMap;

/// `DeletionTimeout`: how long an eviction's `disruptedPods` entry is honoured without the pod
/// being deleted.
pub const DELETION_TIMEOUT: SimDuration = SimDuration::from_mins(2);

/// `stalePodDisruptionTimeout` (kube-controller-manager's `DefaultStalePodDisruptionTimeout`,
/// `pkg/controller/disruption/disruption.go`): how long a `DisruptionTarget=True` condition
/// may stay on a pod that is not being deleted before the controller resets it.
pub const STALE_POD_DISRUPTION_TIMEOUT: SimDuration = SimDuration::from_mins(2);

/// `nonTerminatingPodHasStaleDisruptionCondition`: None if the pod has no stale-able
/// condition (being deleted, terminal, no `DisruptionTarget=True`, or one the kubelet added:
/// reason `TerminationByKubelet`, which may take arbitrarily long to be followed by a
/// deletion); else how long until it is stale (zero: now).
pub fn stale_pod_disruption_wait(pod: &Pod, now: SimTime) -> Option<SimDuration> {
    if pod.meta.deletion.is_some() || pod.status.phase.is_terminal() {
        return None;
    }
    let c = pod.status.condition(PodConditionType::DisruptionTarget)?;
    if c.status != CondStatus::True || &*c.reason == REASON_TERMINATION_BY_KUBELET {
        return None;
    }
    let stale_at = c.last_transition + STALE_POD_DISRUPTION_TIMEOUT;
    Some(stale_at.saturating_since(now))
}

/// `PodReasonTerminationByKubelet`
pub const REASON_TERMINATION_BY_KUBELET: &str = "TerminationByKubelet";

/// Queues the stale-condition check of the pods whose `DisruptionTarget` turned True at the
/// instant just settled (see the module docs).
pub fn queue_stale_pod_disruption_checks(w: &mut World) {
    let mut pods = std::mem::take(&mut w.disruption_target_set);
    pods.sort_unstable();
    pods.dedup();
    for p in pods {
        let pod = &w.cluster.pods[p.index()];
        if pod.removed.is_some() {
            continue;
        }
        if let Some(wait) = stale_pod_disruption_wait(pod, w.now) {
            w.queue.schedule(w.now + wait, Event::StalePodDisruption(p));
        }
    }
}

/// `syncStalePodDisruption`: resets a stale `DisruptionTarget` condition to False, or looks
/// again when it will be stale.
pub fn sync_stale_pod_disruption(w: &mut World, p: PodId) {
    let pod = &w.cluster.pods[p.index()];
    if pod.removed.is_some() {
        return;
    }
    match stale_pod_disruption_wait(pod, w.now) {
        None => {}
        Some(wait) if !wait.is_zero() => {
            w.queue.schedule(w.now + wait, Event::StalePodDisruption(p));
        }
        Some(_) => api::set_pod_condition(
            w,
            p,
            PodConditionType::DisruptionTarget,
            CondStatus::False,
            "",
            "",
        ),
    }
}

/// What a sync needs to know of one selected pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodFacts<'a> {
    /// `metadata.name`
    pub name: &'a str,
    /// Has a deletionTimestamp.
    pub terminating: bool,
    /// `Ready=True` (`IsPodReady`).
    pub ready: bool,
}

/// `getExpectedPodCount`: `(expectedCount, desiredHealthy, unmanaged pods)`.
/// `scale` is `getExpectedScale`: the sum of the pods' controllers' scale and the pods
/// without a controller, or the error that makes the sync fail; it is asked only when the
/// spec needs it.
pub fn expected_pod_count(
    min_available: Option<IntOrPercent>,
    max_unavailable: Option<IntOrPercent>,
    pods: usize,
    scale: impl FnOnce() -> Result<(i64, usize), String>,
) -> Result<(i64, i64, usize), String> {
    if let Some(mu) = max_unavailable {
        let (expected, unmanaged) = scale()?;
        let max_unavailable = mu.scaled(expected, true);
        let desired = (expected - max_unavailable).max(0);
        return Ok((expected, desired, unmanaged));
    }
    match min_available {
        Some(IntOrPercent::Int(v)) => Ok((pods as i64, v, 0)),
        Some(pct @ IntOrPercent::Percent(_)) => {
            let (expected, unmanaged) = scale()?;
            Ok((expected, pct.scaled(expected, true), unmanaged))
        }
        None => Ok((0, 0, 0)),
    }
}

/// `updatePdbStatus`: `currentHealthy − desiredHealthy`, or 0 if that is negative or nothing
/// is expected ("so that PDBs which currently match no pods are in a safe state when their
/// first pods appear").
pub fn disruptions_allowed(current_healthy: i64, desired_healthy: i64, expected: i64) -> i64 {
    let allowed = current_healthy - desired_healthy;
    if expected <= 0 || allowed <= 0 { 0 } else { allowed }
}

/// `buildDisruptedPodMap`: the entries of `previous` for pods that still exist without a
/// deletionTimestamp and whose entry has not expired; the earliest expiry (when to sync
/// again); and the pods whose entry expired (`NotDeleted`).
pub fn build_disrupted_pod_map<'a>(
    previous: &BTreeMap<String, SimTime>,
    pods: &[PodFacts<'a>],
    now: SimTime,
) -> (BTreeMap<String, SimTime>, Option<SimTime>, Vec<&'a str>) {
    let mut result = BTreeMap::new();
    let mut recheck: Option<SimTime> = None;
    let mut not_deleted = Vec::new();
    if previous.is_empty() {
        return (result, recheck, not_deleted);
    }
    for p in pods {
        if p.terminating {
            continue;
        }
        let Some(&at) = previous.get(p.name) else { continue };
        let expected_deletion = at + DELETION_TIMEOUT;
        if expected_deletion < now {
            not_deleted.push(p.name);
        } else {
            if recheck.is_none_or(|r| expected_deletion < r) {
                recheck = Some(expected_deletion);
            }
            result.insert(p.name.to_string(), at);
        }
    }
    (result, recheck, not_deleted)
}

/// `countHealthyPods`: Ready pods that are not being deleted and not expected to be deleted
/// soon (a `disruptedPods` entry younger than [`DELETION_TIMEOUT`]).
pub fn count_healthy(
    pods: &[PodFacts<'_>],
    disrupted: &BTreeMap<String, SimTime>,
    now: SimTime,
) -> i64 {
    pods.iter()
        .filter(|p| !p.terminating)
        .filter(|p| disrupted.get(p.name).is_none_or(|&at| at + DELETION_TIMEOUT <= now))
        .filter(|p| p.ready)
        .count() as i64
}

/// The disruption controller.
#[derive(Debug, Default)]
pub struct DisruptionController {
    /// Per PDB: `NoPods` was recorded and the PDB still selects no pod.
    no_pods: Vec<bool>,
    /// Per PDB: `UnmanagedPods` was recorded and unmanaged pods are still selected.
    unmanaged: Vec<bool>,
}

impl DisruptionController {
    /// A controller for the cluster's PDBs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles `SyncPdb`.
    ///
    /// The counts come from [`kubesim_model::PdbCounts`], which the cluster keeps by ±1 on
    /// every pod change, so a sync costs O(log pods + `disruptedPods` + controllers) instead
    /// of a walk over the PDB's pods (issue 11); the result is the same as upstream's full
    /// recount, which debug builds check after every sync.
    pub fn sync(&mut self, w: &mut World, id: PdbId) {
        w.pdb_synced(id);
        let n = w.cluster.pdbs.len();
        self.no_pods.resize(n, false);
        self.unmanaged.resize(n, false);
        let now = w.now;
        #[cfg(any(debug_assertions, feature = "consistency-checks"))]
        assert_eq!(
            *w.cluster.pdb_counts(id),
            w.cluster.recount_pdb(id),
            "PDB counts of {}",
            w.cluster.pdbs[id.index()].meta.name
        );
        let pods = w.cluster.pods_of_pdb(id).len();

        if pods == 0 {
            if !std::mem::replace(&mut self.no_pods[id.index()], true) {
                record_pdb(w, id, EventType::Normal, "NoPods", "No matching pods found".into());
            }
        } else {
            self.no_pods[id.index()] = false;
        }

        let pdb = &w.cluster.pdbs[id.index()];
        let counted = expected_pod_count(pdb.min_available, pdb.max_unavailable, pods, || {
            expected_scale(w, id)
        });
        let (expected, desired, unmanaged) = match counted {
            Ok(c) => c,
            Err(e) => {
                record_pdb(
                    w,
                    id,
                    EventType::Warning,
                    "CalculateExpectedPodCountFailed",
                    format!("Failed to calculate the number of expected pods: {e}"),
                );
                self.fail_safe(w, id, e);
                return;
            }
        };
        if unmanaged == 0 {
            self.unmanaged[id.index()] = false;
        } else if !std::mem::replace(&mut self.unmanaged[id.index()], true) {
            let selector = w.cluster.pdbs[id.index()]
                .selector
                .as_ref()
                .map_or_else(|| "nil".to_string(), |s| s.to_string());
            record_pdb(
                w,
                id,
                EventType::Warning,
                "UnmanagedPods",
                format!(
                    "Pods selected by this PodDisruptionBudget (selector: {selector}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value."
                ),
            );
        }

        // `disruptedPods` names the few pods the Eviction API let go: the facts of those
        // (among the selected pods) are all that the map and the discount need.
        let pdb = &w.cluster.pdbs[id.index()];
        let ns = &pdb.meta.namespace;
        let selected = w.cluster.pods_of_pdb(id);
        let facts: Vec<PodFacts<'_>> = pdb
            .status
            .disrupted_pods
            .keys()
            .filter_map(|name| w.cluster.pod_by_name(ns, name))
            .filter(|p| selected.contains(p))
            .map(|p| {
                let pod = &w.cluster.pods[p.index()];
                PodFacts {
                    name: &pod.meta.name,
                    terminating: pod.meta.deletion.is_some(),
                    ready: pod.is_ready(),
                }
            })
            .collect();
        let (disrupted, recheck, not_deleted) =
            build_disrupted_pod_map(&pdb.status.disrupted_pods, &facts, now);
        // `countHealthyPods`: the kept count of Ready pods without deletionTimestamp, less
        // those the new map still expects to be deleted.
        let discounted =
            count_healthy(&facts, &BTreeMap::new(), now) - count_healthy(&facts, &disrupted, now);
        let healthy = i64::from(w.cluster.pdb_counts(id).healthy) - discounted;
        let not_deleted: Vec<String> = not_deleted.into_iter().map(str::to_string).collect();
        drop(facts);

        let pdb = &w.cluster.pdbs[id.index()];
        let ns = pdb.meta.namespace.clone();
        for name in not_deleted {
            if let Some(pod) = w.cluster.pod_by_name(&ns, &name) {
                // Upstream formats the PDB as `pdb.Namespace, pdb.Namespace` (sic).
                w.record_pod(
                    pod,
                    EventType::Warning,
                    "NotDeleted",
                    format!("Pod was expected by PDB {ns}/{ns} to be deleted but it wasn't"),
                );
            }
        }
        let pdb = &w.cluster.pdbs[id.index()];
        let mut status = pdb.status.clone();
        status.current_healthy = healthy as i32;
        status.desired_healthy = desired as i32;
        status.expected_pods = expected as i32;
        status.disruptions_allowed = disruptions_allowed(healthy, desired, expected) as i32;
        status.disrupted_pods = disrupted;
        status.observed_generation = pdb.meta.generation;
        status.update_disruption_allowed_condition(now);
        api::write_pdb_status(w, id, status);
        if let Some(at) = recheck {
            w.schedule_at(at, Event::SyncPdb(id));
        }
    }

    /// `failSafe`: no disruption allowed until a sync succeeds.
    fn fail_safe(&mut self, w: &mut World, id: PdbId, err: String) {
        let now = w.now;
        let mut status = w.cluster.pdbs[id.index()].status.clone();
        status.disruptions_allowed = 0;
        status.set_condition(CondStatus::False, REASON_SYNC_FAILED, err, now);
        api::write_pdb_status(w, id, status);
    }
}

/// `getExpectedScale` over kubesim's controllers: the sum of the scale of the distinct
/// controllers of the PDB's pods (a ReplicaSet owned by a Deployment counts as the
/// Deployment), and the number of pods without a controller, from the kept
/// [`kubesim_model::PdbCounts`]. A controller reference to an object that is not in the
/// cluster, or to a kind without a scale subresource, is an error; its message names the
/// first such pod by name, as upstream's walk over the pods finds it, so only then are the
/// pods walked.
fn expected_scale(w: &World, id: PdbId) -> Result<(i64, usize), String> {
    let c = &w.cluster;
    let counts = c.pdb_counts(id);
    if counts.unscalable == 0 {
        let scale = counts.scale_owners.keys().map(|r| i64::from(c.workloads[r.index()].replicas));
        return Ok((scale.sum(), counts.unmanaged as usize));
    }
    let mut pods: Vec<PodId> = c.pods_of_pdb(id).iter().copied().collect();
    pods.sort_by(|a, b| c.pods[a.index()].meta.name.cmp(&c.pods[b.index()].meta.name));
    for &p in &pods {
        let pod = &c.pods[p.index()];
        let Some(owner) = &pod.meta.owner else { continue };
        let Some(wid) = c.controller_of(p) else {
            return Err(unresolved_controller_error(&owner.kind, &pod.meta.name));
        };
        let root = match c.workloads[wid.index()].owner {
            Some(d) if c.workloads[d.index()].kind == Kind::Deployment => d,
            _ => wid,
        };
        if !matches!(
            c.workloads[root.index()].kind,
            Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet
        ) {
            let resource = match owner.kind.known() {
                Some(Kind::DaemonSet) => "daemonsets.apps",
                _ => "pods",
            };
            return Err(format!("{resource} does not implement the scale subresource"));
        }
    }
    // Not reached: the counts saw an unscalable pod (debug builds check them on every sync).
    let scale = counts.scale_owners.keys().map(|r| i64::from(c.workloads[r.index()].replicas));
    Ok((scale.sum(), counts.unmanaged as usize))
}

/// The error of `getExpectedScale` for a pod whose controller reference kubesim cannot
/// resolve (the object is not in the scenario, or its kind is not simulated). Upstream
/// (`pkg/controller/disruption/disruption.go`, `finders` then `getScaleController`): the
/// ReplicationController/Deployment/ReplicaSet/StatefulSet finders find nothing, and the scale
/// subresource lookup answers NotFound; `implementsScale` then tells a kind whose resource
/// serves `/scale` (the error is "found no controllers for pod" — kubesim assumes so of a kind
/// it does not know, e.g. a custom resource) from one that does not ("<resource> does not
/// implement the scale subresource": DaemonSets, Jobs, CronJobs, Nodes of mirror pods).
pub fn unresolved_controller_error(kind: &kubesim_model::OwnerKind, pod: &str) -> String {
    let group = kind.api_version().rsplit_once('/').map_or("", |(g, _)| g);
    let resource = match (group, kind.as_str()) {
        ("apps", "DaemonSet") => Some("daemonsets.apps"),
        ("batch", "Job") => Some("jobs.batch"),
        ("batch", "CronJob") => Some("cronjobs.batch"),
        ("", "Node") => Some("nodes"),
        ("", "Pod") => Some("pods"),
        _ => None,
    };
    match resource {
        Some(r) => format!("{r} does not implement the scale subresource"),
        None => format!("found no controllers for pod {pod:?}"),
    }
}

fn record_pdb(w: &mut World, id: PdbId, t: EventType, reason: &'static str, message: String) {
    let (ns, name) = {
        let m = &w.cluster.pdbs[id.index()].meta;
        (m.namespace.clone(), m.name.clone())
    };
    w.record(t, Kind::PodDisruptionBudget, &ns, &name, reason, message, None);
}

#[cfg(test)]
mod tests {
    use super::*;
    use IntOrPercent::{Int, Percent};

    fn no_scale() -> Result<(i64, usize), String> {
        panic!("an integer minAvailable does not look at controllers")
    }

    #[test]
    fn integer_min_available_counts_pods() {
        // The walkthrough's PDB: minAvailable 2 over 3 pods -> expected 3, desired 2.
        assert_eq!(expected_pod_count(Some(Int(2)), None, 3, no_scale), Ok((3, 2, 0)));
        // A replacement that exists next to its terminating predecessor counts as a pod too.
        assert_eq!(expected_pod_count(Some(Int(2)), None, 4, no_scale), Ok((4, 2, 0)));
    }

    #[test]
    fn percentages_round_up_against_the_controllers_scale() {
        let scale = |n| move || Ok((n, 0));
        // minAvailable 50% of 3 -> ceil(1.5) = 2; of 5 -> ceil(2.5) = 3; 100% of 3 -> 3.
        assert_eq!(expected_pod_count(Some(Percent(50)), None, 3, scale(3)), Ok((3, 2, 0)));
        assert_eq!(expected_pod_count(Some(Percent(50)), None, 9, scale(5)), Ok((5, 3, 0)));
        assert_eq!(expected_pod_count(Some(Percent(100)), None, 3, scale(3)), Ok((3, 3, 0)));
        // maxUnavailable 1 of 3 -> desired 2 (the reference's drain timeline).
        assert_eq!(expected_pod_count(None, Some(Int(1)), 3, scale(3)), Ok((3, 2, 0)));
        // maxUnavailable 33% of 3 -> ceil(0.99) = 1 -> desired 2; 10% of 3 -> ceil(0.3) = 1.
        assert_eq!(expected_pod_count(None, Some(Percent(33)), 3, scale(3)), Ok((3, 2, 0)));
        assert_eq!(expected_pod_count(None, Some(Percent(10)), 3, scale(3)), Ok((3, 2, 0)));
        // maxUnavailable 25% of 10 -> ceil(2.5) = 3 -> desired 7.
        assert_eq!(expected_pod_count(None, Some(Percent(25)), 10, scale(10)), Ok((10, 7, 0)));
        // maxUnavailable larger than the scale: desired clamps at 0.
        assert_eq!(expected_pod_count(None, Some(Int(5)), 3, scale(3)), Ok((3, 0, 0)));
        // maxUnavailable wins when both are given (validation forbids it; the code checks it first).
        assert_eq!(expected_pod_count(Some(Int(3)), Some(Int(1)), 3, scale(3)), Ok((3, 2, 0)));
        // Neither: nothing expected, nothing desired.
        assert_eq!(expected_pod_count(None, None, 3, no_scale), Ok((0, 0, 0)));
        // A scale error fails the sync.
        assert_eq!(
            expected_pod_count(None, Some(Int(1)), 1, || Err(
                "found no controllers for pod \"x\"".into()
            )),
            Err("found no controllers for pod \"x\"".to_string())
        );
    }

    #[test]
    fn allowed_is_clamped() {
        assert_eq!(disruptions_allowed(3, 2, 3), 1);
        assert_eq!(disruptions_allowed(2, 2, 3), 0);
        assert_eq!(disruptions_allowed(1, 2, 3), 0);
        // Nothing expected (no pods yet): no disruption, whatever the counts.
        assert_eq!(disruptions_allowed(2, 0, 0), 0);
    }

    #[test]
    fn disrupted_pods_expire_after_two_minutes() {
        let t = |s: u64| SimTime(s * 1000);
        let prev: BTreeMap<String, SimTime> =
            [("a".to_string(), t(10)), ("b".to_string(), t(10)), ("c".to_string(), t(100))].into();
        let pods = [
            PodFacts { name: "a", terminating: true, ready: true },
            PodFacts { name: "b", terminating: false, ready: true },
            PodFacts { name: "c", terminating: false, ready: true },
            PodFacts { name: "d", terminating: false, ready: true },
        ];
        // At 60 s: a is terminating (dropped), b and c are kept; recheck at b's expiry 10+120.
        let (m, recheck, gone) = build_disrupted_pod_map(&prev, &pods, t(60));
        assert_eq!(m.keys().collect::<Vec<_>>(), ["b", "c"]);
        assert_eq!(recheck, Some(t(130)));
        assert!(gone.is_empty());
        // Healthy: d only (a terminating, b and c expected to be deleted soon).
        assert_eq!(count_healthy(&pods, &m, t(60)), 1);
        // At 130 s b's entry is exactly 2 min old: still kept (expiry not *before* now), but
        // no longer discounted (expiry not *after* now): it counts as healthy again.
        let (m, _, gone) = build_disrupted_pod_map(&prev, &pods, t(130));
        assert!(m.contains_key("b") && gone.is_empty());
        assert_eq!(count_healthy(&pods, &m, t(130)), 2);
        // At 131 s it is dropped with NotDeleted.
        let (m, recheck, gone) = build_disrupted_pod_map(&prev, &pods, t(131));
        assert_eq!(gone, ["b"]);
        assert_eq!(m.keys().collect::<Vec<_>>(), ["c"]);
        assert_eq!(recheck, Some(t(220)));
    }

    #[test]
    fn unready_and_terminating_pods_are_not_healthy() {
        let pods = [
            PodFacts { name: "a", terminating: false, ready: false },
            PodFacts { name: "b", terminating: true, ready: true },
            PodFacts { name: "c", terminating: false, ready: true },
        ];
        assert_eq!(count_healthy(&pods, &BTreeMap::new(), SimTime(0)), 1);
    }
}
