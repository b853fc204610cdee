//! The taint eviction controller (`pkg/controller/tainteviction/taint_eviction.go`, the
//! `NoExecuteTaintManager`): deletes pods from nodes with NoExecute taints they do not
//! tolerate, or tolerate only for a while.
//!
//! # What it does upstream
//! - It watches nodes (only a change in the set of NoExecute taints matters) and pods (a new
//!   `nodeName`, or a deletion). For each pod on a tainted node, `processPodOnNode` matches the
//!   node's NoExecute taints against the pod's tolerations (`GetMatchingTolerations`: for
//!   each taint the first toleration that tolerates it):
//!   - a taint no toleration tolerates → delete now;
//!   - every used toleration without `tolerationSeconds` → tolerated forever (a scheduled
//!     deletion is cancelled);
//!   - else delete at `now + min(tolerationSeconds)` (a value ≤ 0 → now). `now` is when the
//!     controller *processed* the taint, not the taint's `timeAdded`. A deletion already
//!     scheduled for the pod is kept if it fires earlier (its `CreatedAt` wins), so a later
//!     taint does not restart the clock.
//! - All NoExecute taints removed → every scheduled deletion on the node is cancelled, with
//!   `TaintManagerEviction` "Cancelling deletion of Pod ns/name"; a deleted pod's scheduled
//!   deletion is cancelled the same way.
//! - The deletion (`addConditionAndDeletePod`): event `TaintManagerEviction` "Marking for
//!   deletion Pod ns/name", condition `DisruptionTarget=True` (`DeletionByTaintManager`,
//!   "Taint manager: deleting due to NoExecute taint"), then a plain `DELETE` with empty
//!   options: graceful, with the pod's own `terminationGracePeriodSeconds`. It is not an
//!   eviction: PodDisruptionBudgets are not consulted. On a dead node the kubelet cannot
//!   finish the deletion, so the pod stays Terminating.
//!
//! # In kubesim
//! Node and pod updates reach it as events at the instant they happen (the informers' latency
//! is not modelled); a scheduled deletion is one timer ([`Event::TaintEvictionDue`]).
//! Simplified: upstream re-adds a deletion whose `CreatedAt + min` equals the new trigger
//! (cancelling it first, with an event) — with nanosecond clocks that only happens when the
//! same pod is processed twice in one nanosecond; kubesim's millisecond instants make it
//! common (a node update and a pod update in the same instant), so an equal deletion is
//! simply kept.

use crate::api;
use crate::world::{Event, World};
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::{
    CondStatus, EventType, NodeId, PodConditionType, PodId, PodSpec, Taint, TaintEffect,
};
use std::collections::BTreeMap;

/// `DisruptionTarget` reason of a taint-based deletion.
pub const REASON_DELETION_BY_TAINT_MANAGER: &str = "DeletionByTaintManager";

/// A scheduled deletion (`TimedWorker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Work {
    id: u64,
    created_at: SimTime,
    fire_at: SimTime,
}

/// What the tolerations of a pod say about a set of NoExecute taints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tolerance {
    /// Some taint is not tolerated: delete now.
    None,
    /// Every taint is tolerated with no time limit.
    Forever,
    /// Tolerated for this long (`getMinTolerationTime`; 0 means now).
    For(SimDuration),
}

/// `GetMatchingTolerations` + `getMinTolerationTime`.
pub fn tolerance(spec: &PodSpec, taints: &[Taint]) -> Tolerance {
    let mut min: Option<i64> = None;
    for taint in taints {
        let Some(t) = spec.tolerations.iter().find(|t| t.tolerates(taint)) else {
            return Tolerance::None;
        };
        if let Some(s) = t.toleration_seconds {
            min = Some(min.map_or(s, |m| m.min(s)));
        }
    }
    match min {
        None => Tolerance::Forever,
        Some(s) if s <= 0 => Tolerance::For(SimDuration::ZERO),
        Some(s) => Tolerance::For(SimDuration::from_secs(s as u64)),
    }
}

/// The taint eviction controller.
#[derive(Debug, Default)]
pub struct TaintEvictionController {
    /// `taintedNodes`: each node's NoExecute taints as last processed.
    tainted: BTreeMap<NodeId, Vec<Taint>>,
    /// `taintEvictionQueue`: scheduled deletions by pod.
    work: BTreeMap<PodId, Work>,
    next_id: u64,
}

impl TaintEvictionController {
    /// A controller with no scheduled deletions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Pods with a deletion scheduled: when it was scheduled and when it fires.
    pub fn scheduled(&self) -> impl Iterator<Item = (PodId, SimTime, SimTime)> + '_ {
        self.work.iter().map(|(p, w)| (*p, w.created_at, w.fire_at))
    }

    fn cancel_with_event(&mut self, w: &mut World, pod: PodId) {
        if self.work.remove(&pod).is_some() {
            let msg = format!("Cancelling deletion of Pod {}", pod_key(w, pod));
            record_pod_event(w, pod, msg);
        }
    }

    /// Handles [`Event::TaintEvictionNodeUpdate`] (`handleNodeUpdate`).
    pub fn node_updated(&mut self, w: &mut World, node: NodeId) {
        let n = &w.cluster.nodes[node.index()];
        if n.removed.is_some() {
            self.tainted.remove(&node);
            return;
        }
        let taints: Vec<Taint> =
            n.taints.iter().filter(|t| t.effect == TaintEffect::NoExecute).cloned().collect();
        if self.tainted.get(&node).is_some_and(|old| same_taints(old, &taints)) {
            return;
        }
        if taints.is_empty() {
            self.tainted.remove(&node);
        } else {
            self.tainted.insert(node, taints.clone());
        }
        let pods: Vec<PodId> = w.cluster.pods_on_node(node).iter().copied().collect();
        if taints.is_empty() {
            for p in pods {
                self.cancel_with_event(w, p);
            }
            return;
        }
        for p in pods {
            self.process_pod_on_node(w, p, &taints);
        }
    }

    /// Handles [`Event::TaintEvictionPodUpdate`] (`handlePodUpdate`).
    pub fn pod_updated(&mut self, w: &mut World, pod: PodId) {
        let p = &w.cluster.pods[pod.index()];
        if p.removed.is_some() {
            self.cancel_with_event(w, pod);
            return;
        }
        let Some(node) = p.node else { return };
        let Some(taints) = self.tainted.get(&node).cloned() else { return };
        self.process_pod_on_node(w, pod, &taints);
    }

    /// `processPodOnNode`.
    fn process_pod_on_node(&mut self, w: &mut World, pod: PodId, taints: &[Taint]) {
        let now = w.now;
        let spec = std::sync::Arc::clone(&w.cluster.pods[pod.index()].spec);
        let min = match tolerance(&spec, taints) {
            Tolerance::None => {
                self.cancel_with_event(w, pod);
                self.add_work(w, pod, now, now);
                return;
            }
            Tolerance::Forever => {
                self.cancel_with_event(w, pod);
                return;
            }
            Tolerance::For(d) => d,
        };
        // A deletion already scheduled is kept: its `CreatedAt` is not after now, so it fires
        // no later than `now + min` would (upstream re-adds it only when `CreatedAt == now`,
        // see the module docs).
        if self.work.contains_key(&pod) {
            return;
        }
        self.add_work(w, pod, now, now + min);
    }

    fn add_work(&mut self, w: &mut World, pod: PodId, created_at: SimTime, fire_at: SimTime) {
        self.next_id += 1;
        let id = self.next_id;
        self.work.insert(pod, Work { id, created_at, fire_at });
        w.schedule_at(fire_at, Event::TaintEvictionDue(pod, id));
    }

    /// Handles [`Event::TaintEvictionDue`]: the deletion (`deletePodHandler`).
    pub fn due(&mut self, w: &mut World, pod: PodId, id: u64) {
        if self.work.get(&pod).is_none_or(|wk| wk.id != id) {
            return;
        }
        // The worker finishes and leaves the queue.
        self.work.remove(&pod);
        let msg = format!("Marking for deletion Pod {}", pod_key(w, pod));
        record_pod_event(w, pod, msg);
        if w.cluster.pods[pod.index()].removed.is_some() {
            return;
        }
        api::set_pod_condition(
            w,
            pod,
            PodConditionType::DisruptionTarget,
            CondStatus::True,
            REASON_DELETION_BY_TAINT_MANAGER,
            "Taint manager: deleting due to NoExecute taint",
        );
        api::delete_pod(w, pod, None);
    }
}

fn same_taints(a: &[Taint], b: &[Taint]) -> bool {
    // `helper.Semantic.DeepEqual` on the NoExecute taints (timeAdded included).
    a == b
}

fn pod_key(w: &World, pod: PodId) -> String {
    let p = &w.cluster.pods[pod.index()];
    format!("{}/{}", p.meta.namespace, p.meta.name)
}

/// `TaintManagerEviction` events are about the pod (with its node, for `events.csv`).
fn record_pod_event(w: &mut World, pod: PodId, msg: String) {
    w.record_pod(pod, EventType::Normal, "TaintManagerEviction", msg);
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_model::build::SpecBuilder;
    use kubesim_model::{TAINT_NOT_READY, TAINT_UNREACHABLE, Toleration, TolerationOperator};

    fn taint(key: &str) -> Taint {
        Taint {
            key: key.into(),
            value: String::new(),
            effect: TaintEffect::NoExecute,
            time_added: None,
        }
    }

    fn tol(key: &str, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: key.into(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: seconds,
        }
    }

    #[test]
    fn min_toleration_time() {
        let mut s = SpecBuilder::new().build();
        // No toleration: deleted at once.
        assert_eq!(tolerance(&s, &[taint(TAINT_UNREACHABLE)]), Tolerance::None);
        s.tolerations = vec![tol(TAINT_NOT_READY, Some(300)), tol(TAINT_UNREACHABLE, Some(120))];
        // Both taints tolerated: the smaller of the two times.
        assert_eq!(
            tolerance(&s, &[taint(TAINT_UNREACHABLE), taint(TAINT_NOT_READY)]),
            Tolerance::For(SimDuration::from_secs(120))
        );
        // A third taint nobody tolerates.
        assert_eq!(
            tolerance(&s, &[taint(TAINT_UNREACHABLE), taint("node.kubernetes.io/out-of-service")]),
            Tolerance::None
        );
        // DaemonSet-style tolerations (no seconds): forever.
        s.tolerations = vec![tol(TAINT_UNREACHABLE, None)];
        assert_eq!(tolerance(&s, &[taint(TAINT_UNREACHABLE)]), Tolerance::Forever);
        // The first matching toleration is the one used: an Exists-everything toleration
        // listed first tolerates forever even if a timed one follows.
        s.tolerations = vec![
            Toleration {
                key: String::new(),
                operator: TolerationOperator::Exists,
                value: String::new(),
                effect: None,
                toleration_seconds: None,
            },
            tol(TAINT_UNREACHABLE, Some(10)),
        ];
        assert_eq!(tolerance(&s, &[taint(TAINT_UNREACHABLE)]), Tolerance::Forever);
        // tolerationSeconds <= 0 means now.
        s.tolerations = vec![tol(TAINT_UNREACHABLE, Some(-5))];
        assert_eq!(tolerance(&s, &[taint(TAINT_UNREACHABLE)]), Tolerance::For(SimDuration::ZERO));
    }
}
