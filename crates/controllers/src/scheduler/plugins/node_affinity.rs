//! NodeAffinity: filter on `nodeSelector` and required node affinity; score by the weights of
//! matching preferred terms.
//! Source: `pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go`,
//! `k8s.io/component-helpers/scheduling/corev1/nodeaffinity`.
//!
//! Simplified: upstream's PreFilter also narrows the node list when the required terms name
//! nodes by `metadata.name` (`PreFilterResult`); kubesim runs the filter on every node, which
//! gives the same verdicts.

use super::Ctx;
use crate::scheduler::framework::{Code, FilterResult, Status, default_normalize_score};
use kubesim_model::{Labels, NodeId, NodeSelectorTerm, PodSpec};

/// `ErrReasonPod`
pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";

/// Whether a node with these labels and name satisfies a `nodeSelector` and required terms:
/// every selector pair, and at least one of the terms (`RequiredNodeAffinity.Match`).
pub fn matches_terms(
    node_selector: &Labels,
    required: Option<&[NodeSelectorTerm]>,
    labels: &Labels,
    node_name: &str,
) -> bool {
    if !node_selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
        return false;
    }
    match required {
        None => true,
        Some(terms) => terms.iter().any(|t| t.matches(labels, node_name)),
    }
}

/// Whether a node satisfies the pod's `nodeSelector` and required node affinity
/// (`GetRequiredNodeAffinity(pod).Match(node)`).
pub fn matches_required(spec: &PodSpec, labels: &Labels, node_name: &str) -> bool {
    matches_terms(&spec.node_selector, spec.node_affinity.required.as_deref(), labels, node_name)
}

/// PreFilter: Skip when the pod has neither a `nodeSelector` nor required node affinity.
pub fn pre_filter(spec: &PodSpec) -> Code {
    if spec.node_selector.is_empty() && spec.node_affinity.required.is_none() {
        Code::Skip
    } else {
        Code::Success
    }
}

/// Filter.
#[inline]
pub fn filter(ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    let n = &ctx.cluster.nodes[node.index()];
    if matches_required(&ctx.state.pod.spec, &n.meta.labels, &n.meta.name) {
        Ok(())
    } else {
        Err(Status::fail(Code::UnschedulableAndUnresolvable, ERR_REASON_POD))
    }
}

/// PreScore: Skip when the pod has no preferred node affinity.
pub fn pre_score(spec: &PodSpec) -> Code {
    if spec.node_affinity.preferred.is_empty() { Code::Skip } else { Code::Success }
}

/// Raw score: the sum of the weights of the preferred terms the node matches.
pub fn score(ctx: &Ctx<'_>, node: NodeId) -> i64 {
    let n = &ctx.cluster.nodes[node.index()];
    ctx.state
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
