//! The pod garbage collector (`pkg/controller/podgc/gc_controller.go`): force-deletes pods
//! that no kubelet will ever finish.
//!
//! # What it does upstream
//! Every `gcCheckPeriod` (20 s): `gcTerminated` (only past `--terminated-pod-gc-threshold`),
//! then
//! - `gcTerminating`: pods being deleted on a node that is not Ready and carries the
//!   `node.kubernetes.io/out-of-service` taint (any effect) are force-deleted, evicted ones
//!   first, then the oldest;
//! - `gcOrphaned`: a pod bound to a node missing from the informer puts that node in a
//!   delaying queue for `quarantineTime` (40 s); a pass that finds it there after the
//!   quarantine (and a live GET confirming the node is gone) deletes the pods bound to it,
//!   with condition `DisruptionTarget=True` (`DeletionByPodGC`, "PodGC: node no longer
//!   exists");
//! - `gcUnscheduledTerminating`: pods being deleted that were never bound (kubesim's API
//!   server already deletes those at once, as `CheckGracefulDelete` forces grace 0).
//!
//! Every deletion first sets the phase to Failed (if not terminal), then deletes with grace 0.
//! PodGC records no events.
//!
//! # In kubesim
//! The passes matter only while there is something to collect, so they run (as late events,
//! on the `k × 20 s` grid) only while a Node object with pods bound to it has been deleted or a
//! node carries the out-of-service taint; [`PodGc::kick`] starts them when either begins. An
//! orphan's node found at pass `g` is ready at `g + 40 s`, which is again a pass, and that
//! pass deletes its pods.
//! Not here: `gcTerminated` (deleting terminal pods above `--terminated-pod-gc-threshold`)
//! belongs with the kubelet lifecycle work, which is where terminal pods accumulate.

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

/// The pod garbage collector.
#[derive(Debug, Default)]
pub struct PodGc {
    /// `nodeQueue`: missing nodes and when their quarantine ends.
    quarantine: BTreeMap<NodeId, SimTime>,
    /// The next pass already scheduled.
    next_pass: Option<SimTime>,
}

impl PodGc {
    /// A collector with nothing to do.
    pub fn new() -> Self {
        Self::default()
    }

    /// Something PodGC collects may exist now: make sure passes run.
    pub fn kick(&mut self, w: &mut World) {
        let period = GC_CHECK_PERIOD.as_millis();
        let t = SimTime(w.now.0.div_ceil(period) * period);
        self.schedule(w, t);
    }

    fn schedule(&mut self, w: &mut World, t: SimTime) {
        if self.next_pass.is_some_and(|p| p <= t && p >= w.now) {
            return;
        }
        self.next_pass = Some(t);
        w.queue.schedule(t, Event::PodGcPass);
    }

    /// Handles [`Event::PodGcPass`] (`gc`).
    pub fn pass(&mut self, w: &mut World) {
        let now = w.now;
        if self.next_pass != Some(now) {
            return;
        }
        self.next_pass = None;
        let mut again = self.gc_terminating(w);
        again |= self.gc_orphaned(w);
        if again {
            self.schedule(w, now + GC_CHECK_PERIOD);
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
