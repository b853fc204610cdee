//! NodeName: a pod that names a node (`spec.nodeName`) fits only that node.
//! Source: `pkg/scheduler/framework/plugins/nodename/node_name.go`.
//!
//! Upstream the scheduler never sees pods that already carry `spec.nodeName` (they are bound
//! when created); the filter matters to components that reuse the scheduler's predicates.
//! kubesim binds such pods at creation too, so this filter rejects only in that case.

use crate::scheduler::framework::{Code, CycleState, Status};
use kubesim_model::{Cluster, NodeId};

/// Upstream plugin name.
pub const NAME: &str = "NodeName";
/// `ErrReason`
pub const ERR_REASON: &str = "node(s) didn't match the requested node name";

/// Filter.
pub fn filter(state: &CycleState<'_>, cluster: &Cluster, node: NodeId) -> Status {
    match &state.pod.spec.node_name {
        Some(name) if *name != cluster.nodes[node.index()].meta.name => {
            Status::fail(Code::UnschedulableAndUnresolvable, ERR_REASON)
        }
        _ => Status::success(),
    }
}
