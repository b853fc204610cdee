//! NodeUnschedulable: rejects cordoned nodes (`spec.unschedulable`) unless the pod tolerates
//! the `node.kubernetes.io/unschedulable:NoSchedule` taint.
//! Source: `pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go`.

use super::Ctx;
use crate::scheduler::framework::{Code, FilterResult, Status};
use kubesim_model::{NodeId, PodSpec, TAINT_UNSCHEDULABLE, TaintEffect};

/// `ErrReasonUnschedulable`
pub const ERR_REASON_UNSCHEDULABLE: &str = "node(s) were unschedulable";

/// Whether the pod tolerates `node.kubernetes.io/unschedulable:NoSchedule`.
pub fn tolerates_unschedulable(spec: &PodSpec) -> bool {
    spec.tolerations.iter().any(|t| {
        t.effect.is_none_or(|e| e == TaintEffect::NoSchedule)
            && (t.key.is_empty() || t.key == TAINT_UNSCHEDULABLE)
            && (t.operator == kubesim_model::TolerationOperator::Exists || t.value.is_empty())
    })
}

/// Filter.
#[inline(always)]
pub fn filter(ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    if !ctx.cache.node_info(node).unschedulable || tolerates_unschedulable(&ctx.state.pod.spec) {
        return Ok(());
    }
    Err(Status::fail(Code::UnschedulableAndUnresolvable, ERR_REASON_UNSCHEDULABLE))
}
