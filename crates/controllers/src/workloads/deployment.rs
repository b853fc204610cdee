//! The Deployment controller (`pkg/controller/deployment`), without rollouts for now: it
//! makes sure the Deployment has a ReplicaSet for its template, scales it to
//! `spec.replicas` (`ScalingReplicaSet` events), and sums its ReplicaSets' status.
//!
//! The newest ReplicaSet the Deployment owns is taken as the current one; template changes
//! (rolling updates with maxSurge/maxUnavailable) come with the voluntary-disruption work.

use super::names;
use crate::world::World;
use kubesim_model::{
    EventType, Kind, Meta, OwnerRef, PodTemplate, Workload, WorkloadId, WorkloadSpec,
    WorkloadStatus,
};
use std::sync::Arc;

/// `pod-template-hash`, the label a Deployment adds to its ReplicaSets' selector and pods.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// Reconciles one Deployment.
pub fn sync(w: &mut World, id: WorkloadId) {
    let owned: Vec<WorkloadId> = (0..w.cluster.workloads.len())
        .map(|i| WorkloadId(i as u32))
        .filter(|&r| w.cluster.workloads[r.index()].owner == Some(id))
        .collect();
    let want = w.cluster.workloads[id.index()].replicas;
    let current = match owned.last() {
        Some(&rs) => rs,
        None => create_replica_set(w, id),
    };
    let rs = &w.cluster.workloads[current.index()];
    if rs.replicas != want {
        let (from, name) = (rs.replicas, rs.meta.name.clone());
        w.cluster.workloads[current.index()].replicas = want;
        let dir = if want > from { "up" } else { "down" };
        w.record_workload(
            id,
            EventType::Normal,
            "ScalingReplicaSet",
            format!("Scaled {dir} replica set {name} from {from} to {want}"),
        );
        w.sync_workload(current);
    }
    let mut st = WorkloadStatus::default();
    for rs in owned {
        let s = w.cluster.workloads[rs.index()].status;
        st.replicas += s.replicas;
        st.ready_replicas += s.ready_replicas;
        st.available_replicas += s.available_replicas;
    }
    w.cluster.workloads[id.index()].status = st;
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
                kind: Kind::Deployment,
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
    };
    w.cluster.add_workload(rs)
}
