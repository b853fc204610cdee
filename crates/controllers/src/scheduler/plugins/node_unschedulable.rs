//! NodeUnschedulable: rejects cordoned nodes (`spec.unschedulable`) unless the pod tolerates
//! the `node.kubernetes.io/unschedulable:NoSchedule` taint.
//! Source: `pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go`.

use crate::scheduler::framework::{Code, CycleState, Status};
use kubesim_model::{Cluster, NodeId, TAINT_UNSCHEDULABLE, Taint, TaintEffect};

/// Upstream plugin name.
pub const NAME: &str = "NodeUnschedulable";
/// `ErrReasonUnschedulable`
pub const ERR_REASON_UNSCHEDULABLE: &str = "node(s) were unschedulable";

/// Filter.
pub fn filter(state: &CycleState<'_>, cluster: &Cluster, node: NodeId) -> Status {
    let n = &cluster.nodes[node.index()];
    if !n.unschedulable {
        return Status::success();
    }
    let taint = Taint {
        key: TAINT_UNSCHEDULABLE.to_string(),
        value: String::new(),
        effect: TaintEffect::NoSchedule,
        time_added: None,
    };
    if state.pod.spec.tolerates(&taint) {
        return Status::success();
    }
    Status::fail(Code::UnschedulableAndUnresolvable, ERR_REASON_UNSCHEDULABLE)
}
