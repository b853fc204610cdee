//! The ReplicaSet controller (`pkg/controller/replicaset/replica_set.go`).
//!
//! A sync counts the *active* pods (`IsPodActive`: not terminal and no deletionTimestamp), so
//! a replacement is created as soon as a pod starts terminating, and old and new run side by
//! side during the grace period. Missing pods are created (`SuccessfulCreate`), extra ones
//! deleted in upstream's victim order (`SuccessfulDelete`), and the status is written.
//! Simplified: upstream creates in slow-start batches within one sync (1, 2, 4, ...) and caps
//! a sync at `burstReplicas = 500`; without API errors the batches all succeed at the same
//! instant, so kubesim creates all missing pods at once. Orphan adoption by selector is not
//! modelled.

use super::{names, pod_from_template};
use crate::api;
use crate::world::World;
use kubesim_model::{EventType, NodeId, PodId, PodPhase, WorkloadId, WorkloadStatus};
use rand_chacha::ChaCha8Rng;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Reconciles one ReplicaSet.
pub fn sync(w: &mut World, id: WorkloadId, rng: &mut ChaCha8Rng) {
    // The active pods, as the cluster counts them on every pod change (issue 11): only a
    // scale-down lists them.
    let active = w.cluster.workload_counts(id).active as usize;
    let want = w.cluster.workloads[id.index()].replicas as usize;
    if active < want {
        for _ in active..want {
            let rs_name = w.cluster.workloads[id.index()].meta.name.clone();
            let ns = w.cluster.workloads[id.index()].meta.namespace.clone();
            let name = loop {
                let candidate = format!("{rs_name}-{}", names::random_suffix(rng, 5));
                if w.cluster.pod_by_name(&ns, &candidate).is_none() {
                    break candidate;
                }
            };
            let pod = pod_from_template(w, id, name.clone());
            api::create_pod(w, pod, Some(id));
            w.record_workload(
                id,
                EventType::Normal,
                "SuccessfulCreate",
                format!("Created pod: {name}"),
            );
        }
    } else if active > want {
        let active: Vec<PodId> = w
            .cluster
            .pods_of(id)
            .iter()
            .copied()
            .filter(|&p| w.cluster.pods[p.index()].is_active())
            .collect();
        let victims = pods_to_delete(w, active, want);
        for v in victims {
            let name = w.cluster.pods[v.index()].meta.name.clone();
            api::delete_pod(w, v, None);
            w.record_workload(
                id,
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted pod: {name}"),
            );
        }
    }
    update_status(w, id);
}

/// `getPodsToDelete`: the `active.len() - want` lowest-ranked pods by `ActivePodsWithRanks`:
/// unassigned before assigned; Pending before Unknown before Running; not ready before ready;
/// more pods of this ReplicaSet on the same node first; ready for less time first; more
/// restarts first; newer first. (`pod-deletion-cost` is not modelled.)
fn pods_to_delete(w: &World, mut active: Vec<PodId>, want: usize) -> Vec<PodId> {
    let c = &w.cluster;
    // Active pods of this ReplicaSet per node, counted once.
    let mut per_node: BTreeMap<NodeId, usize> = BTreeMap::new();
    for &q in &active {
        if let Some(n) = c.pods[q.index()].node {
            *per_node.entry(n).or_default() += 1;
        }
    }
    let colocated = |p: PodId| c.pods[p.index()].node.map_or(0, |n| per_node[&n]);
    let phase_rank = |ph: PodPhase| match ph {
        PodPhase::Pending => 0,
        PodPhase::Unknown => 1,
        PodPhase::Running => 2,
        _ => 3,
    };
    active.sort_by(|&a, &b| {
        let (pa, pb) = (&c.pods[a.index()], &c.pods[b.index()]);
        pa.node
            .is_some()
            .cmp(&pb.node.is_some())
            .then(phase_rank(pa.status.phase).cmp(&phase_rank(pb.status.phase)))
            .then(pa.is_ready().cmp(&pb.is_ready()))
            .then(colocated(b).cmp(&colocated(a)))
            .then_with(|| match (pa.ready_since, pb.ready_since) {
                // Ready more recently (for less time) goes first.
                (Some(x), Some(y)) => y.cmp(&x),
                _ => Ordering::Equal,
            })
            .then_with(|| {
                let restarts = |p: &kubesim_model::Pod| {
                    p.status.container_statuses.iter().map(|s| s.restart_count).sum::<u32>()
                };
                restarts(pb).cmp(&restarts(pa))
            })
            .then(pb.meta.creation.cmp(&pa.meta.creation))
            .then(pa.meta.uid.cmp(&pb.meta.uid))
    });
    active.truncate(active.len() - want);
    active
}

/// Writes `status.replicas`, `readyReplicas` and `availableReplicas` over the active pods, and
/// tells the owning Deployment when they changed.
pub fn update_status(w: &mut World, id: WorkloadId) {
    let counts = w.cluster.workload_counts(id);
    #[cfg(any(debug_assertions, feature = "consistency-checks"))]
    assert_eq!(*counts, w.cluster.recount_workload(id), "counts of workload {id:?}");
    let mrs = w.cluster.workloads[id.index()].min_ready_seconds;
    let st = WorkloadStatus {
        replicas: counts.active,
        ready_replicas: counts.active_ready,
        available_replicas: counts.available(w.now, mrs),
        ..WorkloadStatus::default()
    };
    let wl = &mut w.cluster.workloads[id.index()];
    if wl.status != st {
        wl.status = st;
        if let Some(owner) = wl.owner {
            w.sync_workload(owner);
        }
    }
}
