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
    EventType, NodeId, NodeSelectorTerm, Operator, PodId, Requirement, TaintEffect, Toleration,
    TolerationOperator, WorkloadId,
};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
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
fn target_node(w: &World, p: PodId) -> Option<NodeId> {
    let pod = &w.cluster.pods[p.index()];
    if let Some(n) = pod.node {
        return Some(n);
    }
    let name = pod.spec.node_affinity.required.as_ref()?.iter().find_map(|t| {
        t.match_fields.iter().find(|r| r.key == "metadata.name").and_then(|r| r.values.first())
    })?;
    w.cluster.node_by_name(name)
}

/// Reconciles one DaemonSet.
pub fn sync(w: &mut World, id: WorkloadId, rng: &mut ChaCha8Rng) {
    let spec = daemon_spec(w, id);
    let eligible: Vec<NodeId> = w
        .cluster
        .live_nodes()
        .filter(|&n| should_run(&spec, &w.cluster.nodes[n.index()]))
        .collect();
    let mut by_node: BTreeMap<Option<NodeId>, Vec<PodId>> = BTreeMap::new();
    for &p in w.cluster.pods_of(id) {
        by_node.entry(target_node(w, p)).or_default().push(p);
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
        api::create_pod(w, pod, Some(id));
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
    update_status(w, id, &eligible);
}

fn update_status(w: &mut World, id: WorkloadId, eligible: &[NodeId]) {
    let mut is_eligible = vec![false; w.cluster.nodes.len()];
    for n in eligible {
        is_eligible[n.index()] = true;
    }
    let mut st =
        super::active_pod_counts(w, id, |pod| pod.node.is_some_and(|n| is_eligible[n.index()]));
    st.updated_replicas = st.replicas;
    let wl = &mut w.cluster.workloads[id.index()];
    wl.replicas = eligible.len() as u32;
    wl.status = st;
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
