//! The StatefulSet controller (`pkg/controller/statefulset/stateful_set_control.go`), basic:
//! pods `<name>-<ordinal>` with stable names; a pod that is deleted is recreated with the same
//! name only once the old object is gone (names are unique), so a pod stuck terminating on a
//! dead node blocks its replacement.
//!
//! `OrderedReady` (the default): create ordinals in increasing order, one at a time, and stop
//! while any pod is terminating or not Running and Ready; scale down from the highest
//! ordinal, one at a time. `Parallel`: create and delete without waiting.
//! Simplified: no revisions/rolling updates, no PVCs, failed pods are deleted and recreated.

use super::pod_from_template;
use crate::api;
use crate::world::World;
use kubesim_model::{
    EventType, PodId, PodPhase, WorkloadId, WorkloadSpec, WorkloadStatus,
    workload::PodManagementPolicy,
};

/// `statefulset.kubernetes.io/pod-name`
pub const LABEL_POD_NAME: &str = "statefulset.kubernetes.io/pod-name";
/// `apps.kubernetes.io/pod-index`
pub const LABEL_POD_INDEX: &str = "apps.kubernetes.io/pod-index";

/// Reconciles one StatefulSet.
pub fn sync(w: &mut World, id: WorkloadId) {
    let wl = &w.cluster.workloads[id.index()];
    let ordered = matches!(
        wl.spec,
        WorkloadSpec::StatefulSet { pod_management_policy: PodManagementPolicy::OrderedReady, .. }
    );
    let (ns, set_name, replicas) =
        (wl.meta.namespace.clone(), wl.meta.name.clone(), wl.replicas as usize);
    // Live pods by ordinal.
    let mut by_ordinal: Vec<(usize, PodId)> = w
        .cluster
        .pods_of(id)
        .iter()
        .filter_map(|&p| {
            let name = &w.cluster.pods[p.index()].meta.name;
            let ord = name.strip_prefix(&set_name)?.strip_prefix('-')?.parse::<usize>().ok()?;
            Some((ord, p))
        })
        .collect();
    by_ordinal.sort();
    let healthy = |w: &World, p: PodId| {
        let pod = &w.cluster.pods[p.index()];
        pod.status.phase == PodPhase::Running && pod.is_ready() && pod.meta.deletion.is_none()
    };

    // Failed pods are deleted, to be recreated once gone.
    for &(_, p) in &by_ordinal {
        let pod = &w.cluster.pods[p.index()];
        if pod.status.phase == PodPhase::Failed && pod.meta.deletion.is_none() {
            delete(w, id, p, &set_name);
        }
    }

    let mut blocked = false;
    for ord in 0..replicas {
        match by_ordinal.iter().find(|(o, _)| *o == ord) {
            Some(&(_, p)) => {
                if ordered && !healthy(w, p) {
                    blocked = true;
                    break;
                }
            }
            None => {
                let name = format!("{set_name}-{ord}");
                if w.cluster.pod_by_name(&ns, &name).is_some() {
                    // A pod of that name exists but is not ours (or not yet gone): wait.
                    blocked = true;
                    break;
                }
                let mut pod = pod_from_template(w, id, name.clone());
                pod.meta.labels.insert(LABEL_POD_NAME.into(), name.clone());
                pod.meta.labels.insert(LABEL_POD_INDEX.into(), ord.to_string());
                api::create_pod(w, pod, Some(id));
                w.record_workload(
                    id,
                    EventType::Normal,
                    "SuccessfulCreate",
                    format!("create Pod {name} in StatefulSet {set_name} successful"),
                );
                if ordered {
                    blocked = true;
                    break;
                }
            }
        }
    }

    // Scale down: condemned pods (ordinal >= replicas), highest first.
    let condemned: Vec<PodId> =
        by_ordinal.iter().rev().filter(|(o, _)| *o >= replicas).map(|&(_, p)| p).collect();
    if !(condemned.is_empty() || ordered && blocked) {
        for p in condemned {
            let terminating = w.cluster.pods[p.index()].meta.deletion.is_some();
            if ordered && terminating {
                break;
            }
            if !terminating {
                delete(w, id, p, &set_name);
                if ordered {
                    break;
                }
            }
        }
    }
    update_status(w, id);
}

fn delete(w: &mut World, id: WorkloadId, p: PodId, set_name: &str) {
    let name = w.cluster.pods[p.index()].meta.name.clone();
    api::delete_pod(w, p, None);
    w.record_workload(
        id,
        EventType::Normal,
        "SuccessfulDelete",
        format!("delete Pod {name} in StatefulSet {set_name} successful"),
    );
}

/// Status over the set's live pods: replicas that exist, Running and Ready ones, and those
/// available for `minReadySeconds`.
fn update_status(w: &mut World, id: WorkloadId) {
    let now = w.now;
    let mrs = w.cluster.workloads[id.index()].min_ready_seconds;
    let mut st = WorkloadStatus::default();
    for &p in w.cluster.pods_of(id) {
        let pod = &w.cluster.pods[p.index()];
        st.replicas += 1;
        if pod.status.phase == PodPhase::Running && pod.is_ready() {
            st.ready_replicas += 1;
            if pod.is_available(now, mrs) {
                st.available_replicas += 1;
            }
        }
    }
    w.cluster.workloads[id.index()].status = st;
}
