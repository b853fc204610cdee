//! The workload controllers: they keep the pods a workload asks for, and write its status.
//!
//! Each is a reconcile function run on `SyncWorkload`, which the API queues whenever one of
//! the workload's pods (or, for a Deployment, one of its ReplicaSets) changes.

pub mod daemonset;
pub mod deployment;
pub mod names;
pub mod replicaset;
pub mod statefulset;

use crate::world::{World, streams};
use kubesim_engine::RngStreams;
use kubesim_model::{Kind, Pod, PodStatus, WorkloadId, WorkloadStatus};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The workload controllers (kube-controller-manager's replicaset, deployment, statefulset
/// and daemonset controllers).
pub struct WorkloadControllers {
    rng: ChaCha8Rng,
    daemonset_rng: ChaCha8Rng,
    /// What the DaemonSet controller keeps per DaemonSet between syncs.
    daemonsets: BTreeMap<WorkloadId, daemonset::DaemonSetState>,
}

impl WorkloadControllers {
    /// Controllers drawing pod-name suffixes from the ReplicaSet and DaemonSet streams.
    pub fn new(streams: &RngStreams) -> Self {
        Self {
            rng: streams.stream(streams::REPLICASET),
            daemonset_rng: streams.stream(streams::DAEMONSET),
            daemonsets: BTreeMap::new(),
        }
    }

    /// Handles `SyncWorkload`.
    pub fn sync(&mut self, w: &mut World, id: WorkloadId) {
        w.workload_synced(id);
        match w.cluster.workloads[id.index()].kind {
            Kind::Deployment => deployment::sync(w, id),
            Kind::ReplicaSet => replicaset::sync(w, id, &mut self.rng),
            Kind::StatefulSet => statefulset::sync(w, id),
            Kind::DaemonSet => {
                let st = self.daemonsets.entry(id).or_default();
                daemonset::sync(w, id, &mut self.daemonset_rng, st)
            }
            _ => {}
        }
    }
}

/// `replicas`, `readyReplicas` and `availableReplicas` over a workload's active pods (not
/// terminating, not terminal) that `counts` keeps, as the ReplicaSet and DaemonSet
/// controllers compute them (`calculateStatus`, `updateDaemonSetStatus`).
pub fn active_pod_counts(
    w: &World,
    id: WorkloadId,
    counts: impl Fn(&Pod) -> bool,
) -> WorkloadStatus {
    let now = w.now;
    let mrs = w.cluster.workloads[id.index()].min_ready_seconds;
    let mut st = WorkloadStatus::default();
    for &p in w.cluster.pods_of(id) {
        let pod = &w.cluster.pods[p.index()];
        if !pod.is_active() || !counts(pod) {
            continue;
        }
        st.replicas += 1;
        if pod.is_ready() {
            st.ready_replicas += 1;
        }
        if pod.is_available(now, mrs) {
            st.available_replicas += 1;
        }
    }
    st
}

/// A new pod from a workload's template (`GetPodFromTemplate`): the template's labels,
/// annotations and spec, owned by the workload, bound at once if the template names a node.
pub fn pod_from_template(w: &mut World, id: WorkloadId, name: String) -> Pod {
    let uid = w.cluster.new_uid();
    let wl = &w.cluster.workloads[id.index()];
    let node = wl.template.spec.node_name.as_deref().and_then(|n| w.cluster.node_by_name(n));
    Pod {
        meta: kubesim_model::Meta {
            name,
            namespace: wl.meta.namespace.clone(),
            uid,
            labels: wl.template.labels.clone(),
            annotations: wl.template.annotations.clone(),
            owner: Some(kubesim_model::OwnerRef {
                kind: wl.kind.into(),
                name: wl.meta.name.clone(),
                uid: wl.meta.uid.clone(),
            }),
            creation: w.now,
            deletion: None,
            deletion_grace_seconds: None,
            generation: 1,
        },
        spec: wl.template.spec.clone(),
        node,
        status: PodStatus::default(),
        ready_since: None,
        removed: None,
        behaviour: wl.behaviour,
        ephemeral_containers: Vec::new(),
    }
}
