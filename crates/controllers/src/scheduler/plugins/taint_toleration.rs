//! TaintToleration: filter rejects a node with an untolerated NoSchedule or NoExecute taint;
//! score counts untolerated PreferNoSchedule taints (fewer is better).
//! Source: `pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go`.

use crate::scheduler::framework::{Code, CycleState, Status, default_normalize_score};
use kubesim_model::{Cluster, NodeId, TaintEffect};

/// Upstream plugin name.
pub const NAME: &str = "TaintToleration";

/// Filter: the first untolerated NoSchedule/NoExecute taint rejects the node
/// (`node(s) had untolerated taint {key: value}`).
pub fn filter(state: &CycleState<'_>, cluster: &Cluster, node: NodeId) -> Status {
    let n = &cluster.nodes[node.index()];
    for t in &n.taints {
        if t.effect == TaintEffect::PreferNoSchedule {
            continue;
        }
        if !state.pod.spec.tolerates(t) {
            return Status::fail(
                Code::UnschedulableAndUnresolvable,
                format!("node(s) had untolerated taint {{{}: {}}}", t.key, t.value),
            );
        }
    }
    Status::success()
}

/// Raw score: the number of PreferNoSchedule taints the pod does not tolerate (upstream only
/// considers tolerations with effect PreferNoSchedule or empty).
pub fn score(state: &CycleState<'_>, cluster: &Cluster, node: NodeId) -> i64 {
    let n = &cluster.nodes[node.index()];
    n.taints
        .iter()
        .filter(|t| t.effect == TaintEffect::PreferNoSchedule)
        .filter(|t| {
            !state
                .pod
                .spec
                .tolerations
                .iter()
                .filter(|tol| tol.effect.is_none_or(|e| e == TaintEffect::PreferNoSchedule))
                .any(|tol| tol.tolerates(t))
        })
        .count() as i64
}

/// Normalisation: reversed (`helper.DefaultNormalizeScore(MaxNodeScore, true, ...)`).
pub fn normalize(scores: &mut [i64]) {
    default_normalize_score(scores, true);
}
