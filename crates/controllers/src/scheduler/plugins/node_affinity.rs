//! NodeAffinity: filter on `nodeSelector` and required node affinity; score by the weights of
//! matching preferred terms.
//! Source: `pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go`,
//! `k8s.io/component-helpers/scheduling/corev1/nodeaffinity`.

use crate::scheduler::framework::{Code, CycleState, Status, default_normalize_score};
use kubesim_model::{Cluster, NodeId, PodSpec};

/// Upstream plugin name.
pub const NAME: &str = "NodeAffinity";
/// `ErrReasonPod`
pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";

/// Whether a node satisfies the pod's `nodeSelector` and required node affinity
/// (`GetRequiredNodeAffinity(pod).Match(node)`): every selector pair, and at least one of
/// the required terms.
pub fn matches_required(spec: &PodSpec, labels: &kubesim_model::Labels, node_name: &str) -> bool {
    if !spec.node_selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
        return false;
    }
    match &spec.node_affinity.required {
        None => true,
        Some(terms) => terms.iter().any(|t| t.matches(labels, node_name)),
    }
}

/// Filter.
pub fn filter(state: &CycleState<'_>, cluster: &Cluster, node: NodeId) -> Status {
    let n = &cluster.nodes[node.index()];
    if matches_required(&state.pod.spec, &n.meta.labels, &n.meta.name) {
        Status::success()
    } else {
        Status::fail(Code::UnschedulableAndUnresolvable, ERR_REASON_POD)
    }
}

/// Raw score: the sum of the weights of the preferred terms the node matches.
pub fn score(state: &CycleState<'_>, cluster: &Cluster, node: NodeId) -> i64 {
    let n = &cluster.nodes[node.index()];
    state
        .pod
        .spec
        .node_affinity
        .preferred
        .iter()
        .filter(|p| p.term.matches(&n.meta.labels, &n.meta.name))
        .map(|p| i64::from(p.weight))
        .sum()
}

/// Normalisation: scaled to the maximum.
pub fn normalize(scores: &mut [i64]) {
    default_normalize_score(scores, false);
}
