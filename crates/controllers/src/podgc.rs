//! PodGC (`pkg/controller/podgc/gc_controller.go`): `gcTerminated`.
//!
//! Upstream runs every `gcCheckPeriod` = 20 s (from controller start, t = 0 here). When more
//! pods are in phase Succeeded or Failed than `--terminated-pod-gc-threshold` (default 12500;
//! 0 disables it), it deletes the excess, evicted pods first (`Failed` with reason `Evicted`),
//! then the oldest by creation time, then by name (`byEvictionAndCreationTimestamp`). The
//! pods are already terminal, so the deletion is immediate (grace 0). PodGC records no event.
//!
//! kubesim runs a pass only when it can do something: when a pod turns terminal and the count
//! is above the threshold, a pass is queued at the next 20 s tick.
//!
//! Not here yet: `gcOrphaned` (pods of deleted nodes), `gcTerminating` (out-of-service nodes)
//! and `gcUnscheduledTerminating` come with node failure.

use crate::api;
use crate::world::{Event, World};
use kubesim_engine::SimTime;
use kubesim_model::{PodId, PodPhase};

/// `gcCheckPeriod`
pub const GC_CHECK_PERIOD_MS: u64 = 20_000;

fn terminated(w: &World) -> u64 {
    w.cluster.pods_in_phase(PodPhase::Succeeded) + w.cluster.pods_in_phase(PodPhase::Failed)
}

/// Called when pods turned terminal (or at t = 0): queue a pass at the next tick if the
/// terminated pods are over the threshold.
pub fn terminated_pods_changed(w: &mut World) {
    let threshold = u64::from(w.params.terminated_pod_gc_threshold);
    if threshold == 0 || w.podgc_pending || terminated(w) <= threshold {
        return;
    }
    w.podgc_pending = true;
    let at = SimTime(w.now.0.div_ceil(GC_CHECK_PERIOD_MS) * GC_CHECK_PERIOD_MS);
    w.schedule_at(at, Event::PodGcPass);
}

/// One pass of `gcTerminated`.
pub fn pass(w: &mut World) {
    w.podgc_pending = false;
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
