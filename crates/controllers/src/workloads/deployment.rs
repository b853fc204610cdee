//! The Deployment controller (`pkg/controller/deployment`): one ReplicaSet per template, and a
//! rollout from the old ones to the new one when the template changes.
//!
//! A sync:
//! 1. finds the *new* ReplicaSet, the one whose template equals the Deployment's apart from
//!    the `pod-template-hash` label (`EqualIgnoreHash`), creating it at 0 replicas if there is
//!    none (so a template change back to an earlier one reuses that ReplicaSet, as a
//!    rollback does); the others are *old*;
//! 2. `Recreate`: scales every old ReplicaSet to 0, waits until none of their pods runs
//!    (`oldPodsRunning`), then scales the new one to `spec.replicas`;
//! 3. `RollingUpdate` (`rolloutRolling`): first `reconcileNewReplicaSet` — scale the new one
//!    up by [`new_rs_new_replicas`] (never above `replicas + maxSurge` pods in total, counted
//!    as the sum of the ReplicaSets' `spec.replicas`), or down to `spec.replicas`; if nothing
//!    was scaled up, `reconcileOldReplicaSets` — [`max_scaled_down`] says how many old
//!    replicas may go (`allPods − minAvailable − newRSUnavailable`), unhealthy ones first
//!    (`cleanupUnhealthyReplicas`), then available ones as long as more than `minAvailable`
//!    pods are available (`scaleDownOldReplicaSetsForRollingUpdate`), oldest ReplicaSet first;
//! 4. writes the status summed over its ReplicaSets.
//!
//! `maxSurge` rounds up and `maxUnavailable` down against `spec.replicas`, and both 0 make
//! `maxUnavailable` 1 (`ResolveFenceposts`, [`kubesim_model::workload::resolve_fenceposts`]).
//! Every scaling records `ScalingReplicaSet` ("Scaled up replica set web-5c9d from 1 to 2").
//!
//! The `Progressing` condition follows `syncRolloutStatus`
//! (`pkg/controller/deployment/progress.go`) and `getNewReplicaSet`
//! (`pkg/controller/deployment/sync.go`), with the helpers of
//! `pkg/controller/deployment/util/deployment_util.go`: `NewReplicaSetCreated` when the sync
//! creates the new ReplicaSet (`FoundNewReplicaSet` when it finds one and there is no
//! condition yet); `ReplicaSetUpdated` each time a sync sees progress (more updated, ready or
//! available replicas, or fewer old ones: `DeploymentProgressing`), which moves
//! `lastUpdateTime`; `NewReplicaSetAvailable` once every replica is updated and available and
//! no old one is left (`DeploymentComplete`); and `status: False`, reason
//! `ProgressDeadlineExceeded` when a sync finds no progress for more than
//! `progressDeadlineSeconds` since `lastUpdateTime` (`DeploymentTimedOut`). As
//! `requeueStuckDeployment` does, a Deployment whose rollout is under way is synced again
//! `progressDeadlineSeconds` + 1 s after its last progress, so the timeout is seen then. A
//! timed-out rollout is not stopped: the controller keeps the surge and unavailable pods it
//! has, and only a new template (a fix or a rollback) moves it on. Upstream records no event
//! for these conditions, and neither does kubesim; `state.yaml` shows the condition and
//! [`kubesim_model::trace::RolloutRecord`] what each `rollout` action came to.
//!
//! Simplified: a scale during a rollout is not spread proportionally over the ReplicaSets
//! (the rolling logic absorbs it); no `Available` or `ReplicaFailure` condition, no pause, no
//! `observedGeneration` (a sync always sees the latest generation), no revision history
//! cleanup (old ReplicaSets stay at 0).

use super::names;
use crate::world::{Event, World};
use kubesim_engine::SimDuration;
use kubesim_model::workload::{DeploymentStrategy, resolve_fenceposts};
use kubesim_model::{
    CondStatus, DeploymentCondition, EventType, Kind, Meta, OwnerRef, PodTemplate, Workload,
    WorkloadId, WorkloadSpec, WorkloadStatus,
};
use std::sync::Arc;

/// `pod-template-hash`, the label a Deployment adds to its ReplicaSets' selector and pods.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// `NewRSNewReplicas` for a rolling update: the new ReplicaSet's replicas after scaling up as
/// far as `maxSurge` allows. `current` is the sum of `spec.replicas` over all ReplicaSets.
pub fn new_rs_new_replicas(replicas: i64, surge: i64, current: i64, new_rs: i64) -> i64 {
    let max_total = replicas + surge;
    if current >= max_total {
        return new_rs;
    }
    new_rs + (max_total - current).min(replicas - new_rs)
}

/// `reconcileOldReplicaSets`' bound: how many old replicas may be scaled down now:
/// `allPods − (replicas − maxUnavailable) − (newRS.spec.replicas − newRS.availableReplicas)`.
pub fn max_scaled_down(
    all_pods: i64,
    replicas: i64,
    max_unavailable: i64,
    new_rs_replicas: i64,
    new_rs_available: i64,
) -> i64 {
    let min_available = replicas - max_unavailable;
    let new_rs_unavailable = new_rs_replicas - new_rs_available;
    all_pods - min_available - new_rs_unavailable
}

/// Reconciles one Deployment.
pub fn sync(w: &mut World, id: WorkloadId) {
    let mut owned: Vec<WorkloadId> = (0..w.cluster.workloads.len())
        .map(|i| WorkloadId(i as u32))
        .filter(|&r| w.cluster.workloads[r.index()].owner == Some(id))
        .collect();
    // Oldest first (`ReplicaSetsByCreationTimestamp`: creation, then name).
    owned.sort_by(|a, b| {
        let (x, y) = (&w.cluster.workloads[a.index()].meta, &w.cluster.workloads[b.index()].meta);
        (x.creation, &x.name).cmp(&(y.creation, &y.name))
    });
    let d = &w.cluster.workloads[id.index()];
    let new_rs = owned
        .iter()
        .copied()
        .find(|&r| equal_ignore_hash(&w.cluster.workloads[r.index()].template, &d.template));
    let created = new_rs.is_none();
    let new_rs = match new_rs {
        Some(r) => r,
        None => {
            let r = create_replica_set(w, id);
            owned.push(r);
            r
        }
    };
    let old: Vec<WorkloadId> = owned.iter().copied().filter(|&r| r != new_rs).collect();
    let d = &w.cluster.workloads[id.index()];
    let replicas = i64::from(d.replicas);
    match d.spec {
        WorkloadSpec::Deployment { strategy: DeploymentStrategy::Recreate, .. } => {
            rollout_recreate(w, id, new_rs, &old, replicas)
        }
        WorkloadSpec::Deployment {
            strategy: DeploymentStrategy::RollingUpdate { max_surge, max_unavailable },
            ..
        } => {
            let (surge, unavailable) = resolve_fenceposts(max_surge, max_unavailable, replicas);
            // `MaxUnavailable`: capped at the replicas, 0 for 0 replicas.
            let unavailable = if replicas == 0 { 0 } else { unavailable.min(replicas) };
            rollout_rolling(w, id, new_rs, &old, replicas, surge, unavailable);
        }
        _ => {}
    }
    let mut st = WorkloadStatus::default();
    for &rs in &owned {
        let s = w.cluster.workloads[rs.index()].status;
        st.replicas += s.replicas;
        st.ready_replicas += s.ready_replicas;
        st.available_replicas += s.available_replicas;
    }
    st.updated_replicas = w.cluster.workloads[new_rs.index()].status.replicas;
    let before = std::mem::replace(&mut w.cluster.workloads[id.index()].status, st);
    sync_rollout_status(w, id, new_rs, created, before, st);
}

/// `DeploymentComplete`: every replica updated and available, and no old one left.
fn deployment_complete(replicas: u32, st: &WorkloadStatus) -> bool {
    st.updated_replicas == replicas && st.replicas == replicas && st.available_replicas == replicas
}

/// `DeploymentProgressing`: more updated, ready or available replicas than the status the
/// Deployment had, or fewer old ones.
fn deployment_progressing(before: &WorkloadStatus, after: &WorkloadStatus) -> bool {
    let old_before = before.replicas.saturating_sub(before.updated_replicas);
    let old_after = after.replicas.saturating_sub(after.updated_replicas);
    after.updated_replicas > before.updated_replicas
        || old_after < old_before
        || after.ready_replicas > before.ready_replicas
        || after.available_replicas > before.available_replicas
}

/// `SetDeploymentCondition`: nothing changes if status and reason are the same; otherwise the
/// new condition replaces the old one, keeping `lastTransitionTime` if the status is the same.
fn set_condition(cond: &mut Option<DeploymentCondition>, new: DeploymentCondition) {
    if let Some(c) = cond.as_ref() {
        if c.status == new.status && c.reason == new.reason {
            return;
        }
        if c.status == new.status {
            let last_transition = c.last_transition;
            *cond = Some(DeploymentCondition { last_transition, ..new });
            return;
        }
    }
    *cond = Some(new);
}

/// The `Progressing` condition (`getNewReplicaSet` and `syncRolloutStatus`), the
/// `requeueStuckDeployment` timer, and the trace's rollout records.
fn sync_rollout_status(
    w: &mut World,
    id: WorkloadId,
    new_rs: WorkloadId,
    created: bool,
    before: WorkloadStatus,
    after: WorkloadStatus,
) {
    let now = w.now;
    let d = &w.cluster.workloads[id.index()];
    let replicas = d.replicas;
    let WorkloadSpec::Deployment { progress_deadline_seconds, .. } = d.spec else { return };
    let complete = deployment_complete(replicas, &after);
    if complete {
        for r in w.trace.rollouts.iter_mut().filter(|r| r.workload == id && r.superseded.is_none())
        {
            r.complete.get_or_insert(now);
        }
    }
    let Some(deadline) = progress_deadline_seconds else {
        // No deadline: upstream removes the condition.
        w.cluster.workloads[id.index()].progressing = None;
        return;
    };
    let rs = format!("\"{}\"", w.cluster.workloads[new_rs.index()].meta.name);
    let cond = |status, reason, message| DeploymentCondition {
        status,
        reason,
        message,
        last_update: now,
        last_transition: now,
    };
    let mut current = d.progressing.clone();
    // getNewReplicaSet
    if created {
        set_condition(
            &mut current,
            cond(CondStatus::True, "NewReplicaSetCreated", format!("Created new replica set {rs}")),
        );
    } else if current.is_none() {
        set_condition(
            &mut current,
            cond(CondStatus::True, "FoundNewReplicaSet", format!("Found new replica set {rs}")),
        );
    }
    // syncRolloutStatus
    let already_complete = after.replicas == after.updated_replicas
        && current.as_ref().is_some_and(|c| c.reason == "NewReplicaSetAvailable");
    let mut timed_out_now = false;
    if !already_complete {
        if complete {
            set_condition(
                &mut current,
                cond(
                    CondStatus::True,
                    "NewReplicaSetAvailable",
                    format!("ReplicaSet {rs} has successfully progressed."),
                ),
            );
        } else if deployment_progressing(&before, &after) {
            // Progress moves `lastUpdateTime` even when the reason stays the same.
            let mut c = cond(
                CondStatus::True,
                "ReplicaSetUpdated",
                format!("ReplicaSet {rs} is progressing."),
            );
            if let Some(old) = &current
                && old.status == CondStatus::True
            {
                c.last_transition = old.last_transition;
            }
            current = Some(c);
        } else if let Some(timed_out) = current.as_ref().and_then(|c| {
            // DeploymentTimedOut: no progress for more than the deadline.
            let over = c.reason == "ProgressDeadlineExceeded"
                || c.last_update + SimDuration::from_secs(deadline) < now;
            (c.reason != "NewReplicaSetAvailable" && over)
                .then_some(c.reason == "ProgressDeadlineExceeded")
        }) {
            timed_out_now = !timed_out;
            set_condition(
                &mut current,
                cond(
                    CondStatus::False,
                    "ProgressDeadlineExceeded",
                    format!("ReplicaSet {rs} has timed out progressing."),
                ),
            );
        }
    }
    if timed_out_now {
        for r in w
            .trace
            .rollouts
            .iter_mut()
            .filter(|r| r.workload == id && r.complete.is_none() && r.superseded.is_none())
        {
            r.deadline_exceeded.get_or_insert(now);
        }
    }
    // requeueStuckDeployment: a rollout under way is looked at again `progressDeadlineSeconds`
    // (+1 s) after its last progress. One timer per rollout under way: set when one starts
    // (or resumes after a timeout); [`progress_check`] moves it on while progress is made.
    let was_under_way = w.cluster.workloads[id.index()].progressing.as_ref().is_some_and(under_way);
    if let Some(c) = &current
        && under_way(c)
        && !was_under_way
    {
        let due = c.last_update + SimDuration::from_secs(deadline + 1);
        w.schedule_at(due, Event::DeploymentProgressCheck(id));
    }
    w.cluster.workloads[id.index()].progressing = current;
}

/// A rollout is under way: the condition is neither complete nor timed out.
fn under_way(c: &DeploymentCondition) -> bool {
    matches!(c.reason, "NewReplicaSetCreated" | "FoundNewReplicaSet" | "ReplicaSetUpdated")
}

/// `Event::DeploymentProgressCheck`: if the rollout made progress since the timer was set,
/// the timer moves to `progressDeadlineSeconds` + 1 s after that progress; otherwise the
/// Deployment is synced, and the sync finds it timed out (`DeploymentTimedOut`).
pub fn progress_check(w: &mut World, id: WorkloadId) {
    let d = &w.cluster.workloads[id.index()];
    let WorkloadSpec::Deployment { progress_deadline_seconds: Some(deadline), .. } = d.spec else {
        return;
    };
    let Some(c) = d.progressing.as_ref().filter(|c| under_way(c)) else { return };
    let due = c.last_update + SimDuration::from_secs(deadline + 1);
    if due > w.now {
        w.schedule_at(due, Event::DeploymentProgressCheck(id));
    } else {
        w.sync_workload(id);
    }
}

fn spec_replicas(w: &World, rs: WorkloadId) -> i64 {
    i64::from(w.cluster.workloads[rs.index()].replicas)
}

fn rollout_rolling(
    w: &mut World,
    id: WorkloadId,
    new_rs: WorkloadId,
    old: &[WorkloadId],
    replicas: i64,
    surge: i64,
    unavailable: i64,
) {
    // reconcileNewReplicaSet
    let new_replicas = spec_replicas(w, new_rs);
    if new_replicas > replicas {
        scale(w, id, new_rs, replicas);
        return;
    }
    if new_replicas < replicas {
        let current: i64 = old.iter().chain([&new_rs]).map(|&r| spec_replicas(w, r)).sum();
        let target = new_rs_new_replicas(replicas, surge, current, new_replicas);
        if target != new_replicas {
            scale(w, id, new_rs, target);
            return;
        }
    }
    // reconcileOldReplicaSets
    let old_pods: i64 = old.iter().map(|&r| spec_replicas(w, r)).sum();
    if old_pods == 0 {
        return;
    }
    let all_pods = old_pods + spec_replicas(w, new_rs);
    let new_available = i64::from(w.cluster.workloads[new_rs.index()].status.available_replicas);
    let max_down =
        max_scaled_down(all_pods, replicas, unavailable, spec_replicas(w, new_rs), new_available);
    if max_down <= 0 {
        return;
    }
    // cleanupUnhealthyReplicas: old ReplicaSets' unavailable replicas, oldest first.
    let mut cleaned = 0;
    for &rs in old {
        if cleaned >= max_down {
            break;
        }
        let (spec, avail) = (
            spec_replicas(w, rs),
            i64::from(w.cluster.workloads[rs.index()].status.available_replicas),
        );
        if spec == 0 || spec == avail {
            continue;
        }
        let down = (max_down - cleaned).min(spec - avail);
        scale(w, id, rs, spec - down);
        cleaned += down;
    }
    // scaleDownOldReplicaSetsForRollingUpdate
    let min_available = replicas - unavailable;
    let available: i64 = old
        .iter()
        .chain([&new_rs])
        .map(|&r| i64::from(w.cluster.workloads[r.index()].status.available_replicas))
        .sum();
    if available <= min_available {
        return;
    }
    let total = available - min_available;
    let mut done = 0;
    for &rs in old {
        if done >= total {
            break;
        }
        let spec = spec_replicas(w, rs);
        if spec == 0 {
            continue;
        }
        let down = spec.min(total - done);
        scale(w, id, rs, spec - down);
        done += down;
    }
}

fn rollout_recreate(
    w: &mut World,
    id: WorkloadId,
    new_rs: WorkloadId,
    old: &[WorkloadId],
    replicas: i64,
) {
    for &rs in old {
        if spec_replicas(w, rs) != 0 {
            scale(w, id, rs, 0);
        }
    }
    // oldPodsRunning: any pod of an old ReplicaSet that has not terminated (terminating pods
    // count until they are gone).
    let running = old.iter().any(|&rs| {
        w.cluster.pods_of(rs).iter().any(|&p| !w.cluster.pods[p.index()].status.phase.is_terminal())
    });
    if running {
        return;
    }
    if spec_replicas(w, new_rs) != replicas {
        scale(w, id, new_rs, replicas);
    }
}

/// Sets a ReplicaSet's `spec.replicas` and records `ScalingReplicaSet` on the Deployment.
fn scale(w: &mut World, id: WorkloadId, rs: WorkloadId, to: i64) {
    let to = u32::try_from(to.max(0)).unwrap_or(u32::MAX);
    let r = &mut w.cluster.workloads[rs.index()];
    let from = r.replicas;
    if from == to {
        return;
    }
    r.replicas = to;
    r.meta.generation += 1;
    let name = r.meta.name.clone();
    let dir = if to > from { "up" } else { "down" };
    w.record_workload(
        id,
        EventType::Normal,
        "ScalingReplicaSet",
        format!("Scaled {dir} replica set {name} from {from} to {to}"),
    );
    w.sync_workload(rs);
}

/// `EqualIgnoreHash`: the templates are equal once the `pod-template-hash` label is removed.
fn equal_ignore_hash(rs: &PodTemplate, d: &PodTemplate) -> bool {
    let mut labels = rs.labels.clone();
    labels.remove(POD_TEMPLATE_HASH);
    labels == d.labels && rs.annotations == d.annotations && rs.spec == d.spec
}

/// Creates the ReplicaSet `<deployment>-<hash>` at 0 replicas (the sync then scales it up).
fn create_replica_set(w: &mut World, id: WorkloadId) -> WorkloadId {
    let uid = w.cluster.new_uid();
    let d = &w.cluster.workloads[id.index()];
    let hash = names::template_hash(&format!("{:?}", d.template));
    let mut template: PodTemplate = d.template.clone();
    template.labels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
    template.spec = Arc::clone(&d.template.spec);
    let mut selector = d.selector.clone();
    selector.match_labels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
    let mut labels = d.template.labels.clone();
    labels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
    let rs = Workload {
        meta: Meta {
            name: format!("{}-{hash}", d.meta.name),
            namespace: d.meta.namespace.clone(),
            uid,
            labels,
            annotations: Default::default(),
            owner: Some(OwnerRef {
                kind: Kind::Deployment.into(),
                name: d.meta.name.clone(),
                uid: d.meta.uid.clone(),
            }),
            creation: w.now,
            deletion: None,
            deletion_grace_seconds: None,
            generation: 1,
        },
        kind: Kind::ReplicaSet,
        replicas: 0,
        selector,
        template,
        min_ready_seconds: d.min_ready_seconds,
        spec: WorkloadSpec::ReplicaSet { template_hash: Some(hash) },
        owner: Some(id),
        status: WorkloadStatus::default(),
        behaviour: d.behaviour,
        progressing: None,
    };
    w.cluster.add_workload(rs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_replica_set_grows_by_the_surge() {
        // 10 replicas, surge 3: all 10 pods still in the old RS -> the new one may have 3.
        assert_eq!(new_rs_new_replicas(10, 3, 10, 0), 3);
        // Already 13 in total: no room.
        assert_eq!(new_rs_new_replicas(10, 3, 13, 3), 3);
        // Old RS scaled down to 5, new at 3 (8 in total): up to 13 -> +5 -> 8.
        assert_eq!(new_rs_new_replicas(10, 3, 8, 3), 8);
        // Never above replicas: 0 old, new at 9 -> 10.
        assert_eq!(new_rs_new_replicas(10, 3, 9, 9), 10);
        // 3 replicas with the default 25%: surge 1 -> the first step makes 1 new pod.
        assert_eq!(new_rs_new_replicas(3, 1, 3, 0), 1);
    }

    #[test]
    fn old_replica_sets_shrink_within_max_unavailable() {
        // 3 replicas, surge 1, unavailable 0: 3 old + 1 new (not yet available): 4 - 3 - 1 = 0.
        assert_eq!(max_scaled_down(4, 3, 0, 1, 0), 0);
        // The new pod became available: 4 - 3 - 0 = 1 old pod may go.
        assert_eq!(max_scaled_down(4, 3, 0, 1, 1), 1);
        // 10 replicas, 3 surge, 2 unavailable: 13 pods, 3 new not available: 13 - 8 - 3 = 2.
        assert_eq!(max_scaled_down(13, 10, 2, 3, 0), 2);
    }
}
