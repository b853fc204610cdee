//! The pod garbage collector (`pkg/controller/podgc/gc_controller.go`): deletes terminated
//! pods above a threshold, and force-deletes pods that no kubelet will ever finish.
//!
//! # What it does upstream
//! Every `gcCheckPeriod` (20 s, from controller start: t = 0 here), `gc` runs, in this order:
//! - `gcTerminated` (only if `--terminated-pod-gc-threshold` > 0; default 12500): when more
//!   pods are in phase Succeeded or Failed than the threshold, it deletes the excess, evicted
//!   pods first (`Failed` with reason `Evicted`), then the oldest by creation time, then by
//!   name (`byEvictionAndCreationTimestamp`). The pods are already terminal, so the deletion is
//!   immediate (grace 0).
//! - `gcTerminating`: pods being deleted on a node that is not Ready and carries the
//!   `node.kubernetes.io/out-of-service` taint (any effect) are force-deleted, evicted ones
//!   first, then the oldest;
//! - `gcOrphaned`: a pod bound to a node missing from the informer puts that node in a
//!   delaying queue for `quarantineTime` (40 s); a pass that finds it there after the
//!   quarantine (and a live GET confirming the node is gone) deletes the pods bound to it,
//!   with condition `DisruptionTarget=True` (`DeletionByPodGC`, "PodGC: node no longer
//!   exists");
//! - `gcUnscheduledTerminating`: pods being deleted that were never bound (kubesim's API
//!   server already deletes those at once, as `CheckGracefulDelete` forces grace 0, so this
//!   pass has nothing to do here).
//!
//! The forced deletions first set the phase to Failed (if not terminal), then delete with
//! grace 0. PodGC records no events.
//!
//! # In kubesim
//! The passes matter only while there is something to collect, so they run (as late events,
//! on the `k × 20 s` grid) only then; [`kick`] queues the next one on the grid when something
//! begins: a pod turns terminal with the terminated pods above the threshold, a Node object
//! with pods bound to it is deleted, or a node gets the out-of-service taint. A pass queues the
//! next one while a node is still out of service or in quarantine. An orphan's node found at
//! pass `g` is ready at `g + 40 s`, which is again a pass, and that pass deletes its pods.

use crate::api;
use crate::world::{Event, World};
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::{CondStatus, NodeId, PodConditionType, PodId, PodPhase};
use std::collections::BTreeMap;

/// `gcCheckPeriod`.
pub const GC_CHECK_PERIOD: SimDuration = SimDuration::from_secs(20);
/// `quarantineTime`: how long a missing node must stay missing before its pods go.
pub const QUARANTINE_TIME: SimDuration = SimDuration::from_secs(40);
/// `node.kubernetes.io/out-of-service`
pub const TAINT_OUT_OF_SERVICE: &str = "node.kubernetes.io/out-of-service";
/// `DisruptionTarget` reason of an orphan deletion.
pub const REASON_DELETION_BY_POD_GC: &str = "DeletionByPodGC";

/// Something PodGC collects may exist now: make sure a pass runs at the next point of the
/// 20 s grid (at or after now).
pub fn kick(w: &mut World) {
    let period = GC_CHECK_PERIOD.as_millis();
    let t = SimTime(w.now.0.div_ceil(period) * period);
    schedule(w, t);
}

fn schedule(w: &mut World, t: SimTime) {
    if w.podgc_next_pass.is_some_and(|p| p <= t && p >= w.now) {
        return;
    }
    w.podgc_next_pass = Some(t);
    w.queue.schedule(t, Event::PodGcPass);
}

fn terminated(w: &World) -> u64 {
    w.cluster.pods_in_phase(PodPhase::Succeeded) + w.cluster.pods_in_phase(PodPhase::Failed)
}

/// Called when pods turned terminal (or at t = 0): a pass at the next tick if the terminated
/// pods are over the threshold.
pub fn terminated_pods_changed(w: &mut World) {
    let threshold = u64::from(w.params.terminated_pod_gc_threshold);
    if threshold == 0 || terminated(w) <= threshold {
        return;
    }
    kick(w);
}

/// The pod garbage collector's own state (the orphans' quarantine).
#[derive(Debug, Default)]
pub struct PodGc {
    /// `nodeQueue`: missing nodes and when their quarantine ends.
    quarantine: BTreeMap<NodeId, SimTime>,
}

impl PodGc {
    /// A collector with nothing to do.
    pub fn new() -> Self {
        Self::default()
    }

    /// Something PodGC collects may exist now: make sure passes run (see [`kick`]).
    pub fn kick(&mut self, w: &mut World) {
        kick(w);
    }

    /// Handles [`Event::PodGcPass`] (`gc`).
    pub fn pass(&mut self, w: &mut World) {
        let now = w.now;
        if w.podgc_next_pass != Some(now) {
            return;
        }
        // `podgc_next_pass` stays at now during the pass: what the pass itself turns terminal
        // does not queue a second pass in this instant.
        gc_terminated(w);
        let mut again = self.gc_terminating(w);
        again |= self.gc_orphaned(w);
        // gcUnscheduledTerminating: nothing to do (see the module docs).
        w.podgc_next_pass = None;
        let threshold = u64::from(w.params.terminated_pod_gc_threshold);
        again |= threshold > 0 && terminated(w) > threshold;
        if again {
            schedule(w, now + GC_CHECK_PERIOD);
        }
    }

    /// `gcTerminating`. Returns whether a node still carries the out-of-service taint.
    fn gc_terminating(&mut self, w: &mut World) -> bool {
        let tainted: Vec<NodeId> = w
            .cluster
            .live_nodes()
            .filter(|&n| {
                w.cluster.nodes[n.index()].taints.iter().any(|t| t.key == TAINT_OUT_OF_SERVICE)
            })
            .collect();
        let mut victims: Vec<PodId> = Vec::new();
        for &n in &tainted {
            if w.cluster.nodes[n.index()].is_ready() {
                continue;
            }
            victims.extend(w.cluster.pods_on_node(n).iter().copied().filter(|&p| {
                let pod = &w.cluster.pods[p.index()];
                pod.meta.deletion.is_some() && !pod.status.phase.is_terminal()
            }));
        }
        // byEvictionAndCreationTimestamp: evicted pods first, then the oldest.
        victims.sort_by_key(|&p| {
            let pod = &w.cluster.pods[p.index()];
            (pod.status.reason.as_deref() != Some("Evicted"), pod.meta.creation, p)
        });
        for p in victims {
            mark_failed_and_delete(w, p, false);
        }
        !tainted.is_empty()
    }

    /// `gcOrphaned`. Returns whether a missing node is still in quarantine.
    fn gc_orphaned(&mut self, w: &mut World) -> bool {
        let now = w.now;
        let missing: Vec<NodeId> = w
            .cluster
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| {
                n.removed.is_some() && !w.cluster.pods_on_node(NodeId(*i as u32)).is_empty()
            })
            .map(|(i, _)| NodeId(i as u32))
            .collect();
        for &n in &missing {
            // AddAfter: a node already waiting keeps its earlier time.
            self.quarantine.entry(n).or_insert(now + QUARANTINE_TIME);
        }
        let ready: Vec<NodeId> =
            self.quarantine.iter().filter(|(_, t)| **t <= now).map(|(n, _)| *n).collect();
        for n in ready {
            self.quarantine.remove(&n);
            if w.cluster.nodes[n.index()].removed.is_none() {
                continue;
            }
            let pods: Vec<PodId> = w.cluster.pods_on_node(n).iter().copied().collect();
            for p in pods {
                mark_failed_and_delete(w, p, true);
            }
        }
        !self.quarantine.is_empty()
    }
}

/// `gcTerminated`: deletes the terminated pods above the threshold.
fn gc_terminated(w: &mut World) {
    let threshold = u64::from(w.params.terminated_pod_gc_threshold);
    let count = terminated(w);
    if threshold == 0 || count <= threshold {
        return;
    }
    let mut pods: Vec<PodId> = w
        .cluster
        .live_pods()
        .filter(|p| w.cluster.pods[p.index()].status.phase.is_terminal())
        .collect();
    let key = |p: &PodId| {
        let pod = &w.cluster.pods[p.index()];
        let evicted =
            pod.status.phase == PodPhase::Failed && pod.status.reason.as_deref() == Some("Evicted");
        (!evicted, pod.meta.creation, pod.meta.name.clone())
    };
    pods.sort_by_cached_key(key);
    let excess = (count - threshold) as usize;
    for p in pods.into_iter().take(excess) {
        api::delete_pod(w, p, Some(0));
    }
}

/// `markFailedAndDeletePodWithCondition`: the orphan condition, phase Failed, then a delete
/// with grace 0.
fn mark_failed_and_delete(w: &mut World, p: PodId, orphan: bool) {
    if orphan {
        api::set_pod_condition(
            w,
            p,
            PodConditionType::DisruptionTarget,
            CondStatus::True,
            REASON_DELETION_BY_POD_GC,
            "PodGC: node no longer exists",
        );
    }
    if !w.cluster.pods[p.index()].status.phase.is_terminal() {
        api::set_pod_phase(w, p, PodPhase::Failed);
    }
    api::delete_pod(w, p, Some(0));
}
