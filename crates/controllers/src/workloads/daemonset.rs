//! The DaemonSet controller (`pkg/controller/daemon/daemon_controller.go`): one pod per
//! eligible node.
//!
//! A node is eligible (`NodeShouldRunDaemonPod` → `predicates`) when the pod's `nodeSelector`
//! and required node affinity match it and the pod tolerates its `NoSchedule` and `NoExecute`
//! taints. Every DaemonSet pod gets the tolerations of `AddOrUpdateDaemonPodTolerations`
//! (`not-ready` and `unreachable` NoExecute forever; `disk-pressure`, `memory-pressure`,
//! `pid-pressure` and `unschedulable` NoSchedule), so a cordoned node keeps (and gets) its
//! DaemonSet pod — which is why `kubectl drain` needs `--ignore-daemonsets`.
//!
//! A sync creates a pod for each eligible node without an active one (`SuccessfulCreate`
//! "Created pod: <name>"), pinned by a required node affinity on `metadata.name` (the default
//! scheduler binds it, `ReplaceDaemonSetPodNodeNameNodeAffinity`); deletes pods on nodes that
//! are no longer eligible or no longer exist, and failed pods (`SuccessfulDelete`); and
//! writes the status: `desiredNumberScheduled` (kept in [`kubesim_model::Workload::replicas`]),
//! pods scheduled on eligible nodes, ready and available ones. The controller is asked to sync
//! when one of its pods changes and when nodes are added or deleted.
//! Simplified: no rolling update of DaemonSet pods, no back-off for failed pods, no
//! `hostNetwork` toleration.

use super::{names, pod_from_template};
use crate::api;
use crate::world::World;
use kubesim_model::{
    EventType, NodeId, NodeSelectorTerm, Operator, PodId, PodSpec, Requirement, TaintEffect,
    Toleration, TolerationOperator, WorkloadId, WorkloadStatus,
};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The tolerations every DaemonSet pod gets (`AddOrUpdateDaemonPodTolerations`).
pub fn daemon_tolerations() -> Vec<Toleration> {
    let t = |key: &str, effect: TaintEffect| Toleration {
        key: key.to_string(),
        operator: TolerationOperator::Exists,
        value: String::new(),
        effect: Some(effect),
        toleration_seconds: None,
    };
    vec![
        t("node.kubernetes.io/not-ready", TaintEffect::NoExecute),
        t("node.kubernetes.io/unreachable", TaintEffect::NoExecute),
        t("node.kubernetes.io/disk-pressure", TaintEffect::NoSchedule),
        t("node.kubernetes.io/memory-pressure", TaintEffect::NoSchedule),
        t("node.kubernetes.io/pid-pressure", TaintEffect::NoSchedule),
        t("node.kubernetes.io/unschedulable", TaintEffect::NoSchedule),
    ]
}

/// The template's spec with the DaemonSet tolerations added (those it lacks).
fn daemon_spec(w: &World, id: WorkloadId) -> kubesim_model::PodSpec {
    let mut spec = (*w.cluster.workloads[id.index()].template.spec).clone();
    for t in daemon_tolerations() {
        let has = spec.tolerations.iter().any(|x| x.key == t.key && x.effect == t.effect);
        if !has {
            spec.tolerations.push(t);
        }
    }
    spec
}

/// `NodeShouldRunDaemonPod`'s predicates: node name, node selector and required affinity,
/// `NoSchedule`/`NoExecute` taints.
pub fn should_run(spec: &kubesim_model::PodSpec, node: &kubesim_model::Node) -> bool {
    if spec.node_name.as_deref().is_some_and(|n| n != node.name()) {
        return false;
    }
    let labels = node.labels();
    if !spec.node_selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
        return false;
    }
    if let Some(terms) = &spec.node_affinity.required
        && !terms.iter().any(|t| t.matches(labels, node.name()))
    {
        return false;
    }
    node.taints
        .iter()
        .filter(|t| matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute))
        .all(|t| spec.tolerates(t))
}

/// The node a DaemonSet pod is meant for: its binding, else its `metadata.name` affinity
/// (None if that node does not exist).
pub fn target_node(w: &World, p: PodId) -> Option<NodeId> {
    let pod = &w.cluster.pods[p.index()];
    if let Some(n) = pod.node {
        return Some(n);
    }
    let name = pod.spec.node_affinity.required.as_ref()?.iter().find_map(|t| {
        t.match_fields.iter().find(|r| r.key == "metadata.name").and_then(|r| r.values.first())
    })?;
    w.cluster.node_by_name(name)
}

/// What the controller keeps of one DaemonSet between syncs.
#[derive(Debug, Default)]
pub struct DaemonSetState {
    /// The template spec the eligibility was computed for.
    spec: Option<Arc<PodSpec>>,
    /// Per node: eligible at the last look.
    eligible: Vec<bool>,
    eligible_count: u32,
    /// Per node: the active pods bound there that the status counts (replicas, ready,
    /// available without `minReadySeconds`), 0 for a node that is not eligible.
    counted: Vec<[u32; 3]>,
    /// The sum of `counted`.
    total: [u32; 3],
}

/// Reconciles one DaemonSet.
///
/// Upstream looks at every node on every sync. A node where neither the Node object nor one of
/// the DaemonSet's pods changed since the last sync is at rest — that sync created the pod it
/// lacked and deleted the failed, extra or misplaced ones — so a sync visits only the nodes
/// [`crate::world::DaemonSetWatch`] collected (all of them on the first sync and after a
/// template change) and the pods that target them. Creations and deletions come out in the
/// same order as a walk over every node would make them, so the result is the same; the cost
/// follows the change, not the cluster (issue 11).
pub fn sync(w: &mut World, id: WorkloadId, rng: &mut ChaCha8Rng, st: &mut DaemonSetState) {
    let template = Arc::clone(&w.cluster.workloads[id.index()].template.spec);
    let watch = w.daemonsets.entry(id).or_default();
    let all = std::mem::take(&mut watch.all)
        || st.spec.as_ref().is_none_or(|s| !Arc::ptr_eq(s, &template));
    let dirty = std::mem::take(&mut watch.dirty);
    let spec = daemon_spec(w, id);
    st.spec = Some(template);
    let n_nodes = w.cluster.nodes.len();
    st.eligible.resize(n_nodes, false);
    st.counted.resize(n_nodes, [0; 3]);
    let visit: Vec<NodeId> = if all {
        (0..n_nodes).map(|i| NodeId(i as u32)).collect()
    } else {
        dirty.into_iter().collect()
    };
    // Pods by the node they target, for the visited nodes (every pod on a full visit); pods
    // whose node is gone are under None.
    let mut by_node: BTreeMap<Option<NodeId>, Vec<PodId>> = BTreeMap::new();
    if all {
        for &p in w.cluster.pods_of(id) {
            by_node.entry(target_node(w, p)).or_default().push(p);
        }
        let unbound: BTreeSet<PodId> = w
            .cluster
            .pods_of(id)
            .iter()
            .copied()
            .filter(|&p| w.cluster.pods[p.index()].node.is_none())
            .collect();
        w.daemonsets.entry(id).or_default().unbound = unbound;
    } else {
        for &n in &visit {
            let bound = w.cluster.pods_on_node(n).iter().copied();
            let ours: Vec<PodId> =
                bound.filter(|&p| w.cluster.controller_of(p) == Some(id)).collect();
            if !ours.is_empty() {
                by_node.insert(Some(n), ours);
            }
        }
        for &p in &w.daemonsets[&id].unbound {
            let t = target_node(w, p);
            if t.is_none_or(|n| visit.binary_search(&n).is_ok()) {
                by_node.entry(t).or_default().push(p);
            }
        }
        for pods in by_node.values_mut() {
            pods.sort_unstable();
        }
    }
    let mut eligible: Vec<NodeId> = Vec::new();
    for &n in &visit {
        let node = &w.cluster.nodes[n.index()];
        let e = node.removed.is_none() && should_run(&spec, node);
        if e != st.eligible[n.index()] {
            st.eligible[n.index()] = e;
            if e {
                st.eligible_count += 1;
            } else {
                st.eligible_count -= 1;
            }
        }
        if e {
            eligible.push(n);
        }
    }
    let mut to_delete: Vec<PodId> = Vec::new();
    let mut to_create: Vec<NodeId> = Vec::new();
    for &n in &eligible {
        let pods = by_node.remove(&Some(n)).unwrap_or_default();
        let mut active = 0;
        for p in pods {
            let pod = &w.cluster.pods[p.index()];
            if pod.status.phase == kubesim_model::PodPhase::Failed && pod.meta.deletion.is_none() {
                to_delete.push(p);
            } else if pod.is_active() {
                active += 1;
                if active > 1 {
                    to_delete.push(p);
                }
            }
        }
        if active == 0 {
            to_create.push(n);
        }
    }
    // Pods on nodes that are not eligible (or gone).
    for pods in by_node.into_values() {
        for p in pods {
            if w.cluster.pods[p.index()].meta.deletion.is_none() {
                to_delete.push(p);
            }
        }
    }
    let ds_name = w.cluster.workloads[id.index()].meta.name.clone();
    let ns = w.cluster.workloads[id.index()].meta.namespace.clone();
    for n in to_create {
        let node_name = w.cluster.nodes[n.index()].meta.name.clone();
        let name = loop {
            let candidate = format!("{ds_name}-{}", names::random_suffix(rng, 5));
            if w.cluster.pod_by_name(&ns, &candidate).is_none() {
                break candidate;
            }
        };
        let mut pod = pod_from_template(w, id, name.clone());
        let mut s = spec.clone();
        s.node_affinity.required = Some(vec![NodeSelectorTerm {
            match_expressions: Vec::new(),
            match_fields: vec![Requirement {
                key: "metadata.name".into(),
                operator: Operator::In,
                values: vec![node_name],
            }],
        }]);
        pod.spec = Arc::new(s);
        pod.node = None;
        let p = api::create_pod(w, pod, Some(id));
        w.daemonset_pod_changed(id, p);
        w.record_workload(
            id,
            EventType::Normal,
            "SuccessfulCreate",
            format!("Created pod: {name}"),
        );
    }
    for p in to_delete {
        let name = w.cluster.pods[p.index()].meta.name.clone();
        api::delete_pod(w, p, None);
        w.record_workload(
            id,
            EventType::Normal,
            "SuccessfulDelete",
            format!("Deleted pod: {name}"),
        );
    }
    update_status(w, id, &visit, st);
}

/// `updateDaemonSetStatus`: `desiredNumberScheduled` (the eligible nodes) and the active pods
/// bound to eligible nodes, ready and available ones; the visited nodes are recounted.
fn update_status(w: &mut World, id: WorkloadId, visit: &[NodeId], st: &mut DaemonSetState) {
    let now = w.now;
    let mrs = w.cluster.workloads[id.index()].min_ready_seconds;
    for &n in visit {
        let mut c = [0u32; 3];
        if st.eligible[n.index()] {
            for &p in w.cluster.pods_on_node(n) {
                let pod = &w.cluster.pods[p.index()];
                if w.cluster.controller_of(p) != Some(id) || !pod.is_active() {
                    continue;
                }
                c[0] += 1;
                c[1] += u32::from(pod.is_ready());
                c[2] += u32::from(pod.is_available(now, 0));
            }
        }
        let old = std::mem::replace(&mut st.counted[n.index()], c);
        for i in 0..3 {
            st.total[i] = st.total[i] - old[i] + c[i];
        }
    }
    let mut status = WorkloadStatus {
        replicas: st.total[0],
        ready_replicas: st.total[1],
        available_replicas: st.total[2],
        updated_replicas: st.total[0],
    };
    if mrs > 0 {
        // Availability moves with time: counted over the pods.
        status.available_replicas = w
            .cluster
            .pods_of(id)
            .iter()
            .map(|&p| &w.cluster.pods[p.index()])
            .filter(|pod| pod.is_active() && pod.node.is_some_and(|n| st.eligible[n.index()]))
            .filter(|pod| pod.is_available(now, mrs))
            .count() as u32;
    }
    #[cfg(any(debug_assertions, feature = "consistency-checks"))]
    {
        let eligible: Vec<NodeId> = w
            .cluster
            .live_nodes()
            .filter(|&n| should_run(&daemon_spec(w, id), &w.cluster.nodes[n.index()]))
            .collect();
        assert_eq!(eligible.len() as u32, st.eligible_count, "eligible nodes of {id:?}");
        let mut full = old_status(w, id, &eligible);
        full.updated_replicas = full.replicas;
        assert_eq!(full, status, "status of DaemonSet {id:?}");
    }
    let wl = &mut w.cluster.workloads[id.index()];
    wl.replicas = st.eligible_count;
    wl.status = status;
}

/// The status computed over every pod (for the debug check).
#[cfg(any(debug_assertions, feature = "consistency-checks"))]
fn old_status(w: &World, id: WorkloadId, eligible: &[NodeId]) -> WorkloadStatus {
    let mut is_eligible = vec![false; w.cluster.nodes.len()];
    for n in eligible {
        is_eligible[n.index()] = true;
    }
    super::active_pod_counts(w, id, |pod| pod.node.is_some_and(|n| is_eligible[n.index()]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_model::build::{NodeBuilder, SpecBuilder};

    #[test]
    fn cordoned_and_tainted_nodes() {
        let mut spec = SpecBuilder::new().build();
        spec.tolerations.extend(daemon_tolerations());
        // A cordoned node keeps its DaemonSet pod: the unschedulable taint is tolerated.
        let mut cordoned = NodeBuilder::new("n1").build();
        cordoned.unschedulable = true;
        cordoned.taints.push(kubesim_model::Taint {
            key: kubesim_model::TAINT_UNSCHEDULABLE.into(),
            value: String::new(),
            effect: TaintEffect::NoSchedule,
            time_added: None,
        });
        assert!(should_run(&spec, &cordoned));
        // A dedicated node the pod does not tolerate is not eligible; PreferNoSchedule is.
        let gpu = NodeBuilder::new("g1").taint("dedicated", "gpu", TaintEffect::NoSchedule).build();
        assert!(!should_run(&spec, &gpu));
        let soft = NodeBuilder::new("s1").taint("x", "y", TaintEffect::PreferNoSchedule).build();
        assert!(should_run(&spec, &soft));
        // A node selector restricts the nodes.
        let mut picky = spec.clone();
        picky.node_selector.insert("disk".into(), "ssd".into());
        assert!(!should_run(&picky, &NodeBuilder::new("h1").build()));
        assert!(should_run(&picky, &NodeBuilder::new("h2").label("disk", "ssd").build()));
    }
}
