//! NodeName: a pod that names a node (`spec.nodeName`) fits only that node.
//! Source: `pkg/scheduler/framework/plugins/nodename/node_name.go`.
//!
//! Upstream the scheduler never sees pods that already carry `spec.nodeName` (they are bound
//! when created); the filter matters to components that reuse the scheduler's predicates.
//! kubesim binds such pods at creation too, so this filter rejects only in that case.

use super::Ctx;
use crate::scheduler::framework::{Code, FilterResult, Status};
use kubesim_model::NodeId;

/// `ErrReason`
pub const ERR_REASON: &str = "node(s) didn't match the requested node name";

/// Filter.
#[inline(always)]
pub fn filter(ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    match &ctx.state.pod.spec.node_name {
        Some(name) if *name != ctx.cluster.nodes[node.index()].meta.name => {
            Err(Status::fail(Code::UnschedulableAndUnresolvable, ERR_REASON))
        }
        _ => Ok(()),
    }
}
