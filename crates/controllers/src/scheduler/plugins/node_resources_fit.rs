//! NodeResourcesFit: filter on requests against allocatable, score with the default
//! `LeastAllocated` strategy (cpu and memory, weight 1 each).
//! Source: `pkg/scheduler/framework/plugins/noderesources/fit.go`, `least_allocated.go`.

use crate::scheduler::framework::{
    Code, CycleState, MAX_NODE_SCORE, Status, nonzero_requested_on_node,
};
use kubesim_model::{Cluster, NodeId};

/// Upstream plugin name.
pub const NAME: &str = "NodeResourcesFit";

/// Filter: `Too many pods` if the pod count is full, and `Insufficient <resource>` for each
/// resource whose free amount is smaller than the pod's request. Upstream returns
/// `UnschedulableAndUnresolvable` when the request exceeds the node's allocatable outright
/// (no preemption could help), `Unschedulable` otherwise.
pub fn filter(state: &CycleState<'_>, cluster: &Cluster, node: NodeId) -> Status {
    let n = &cluster.nodes[node.index()];
    let alloc = n.allocatable;
    let used = cluster.requested_on_node(node);
    let req = state.requests;
    let mut reasons = Vec::new();
    let mut unresolvable = false;
    if used.pods + 1 > alloc.pods {
        reasons.push("Too many pods".to_string());
    }
    let checks = [
        ("cpu", req.cpu_milli, used.cpu_milli, alloc.cpu_milli),
        ("memory", req.memory, used.memory, alloc.memory),
        (
            "ephemeral-storage",
            req.ephemeral_storage,
            used.ephemeral_storage,
            alloc.ephemeral_storage,
        ),
    ];
    for (name, want, used, alloc) in checks {
        if want == 0 {
            continue;
        }
        if want > alloc.saturating_sub(used) {
            reasons.push(format!("Insufficient {name}"));
            if want > alloc {
                unresolvable = true;
            }
        }
    }
    if reasons.is_empty() {
        Status::success()
    } else {
        let code =
            if unresolvable { Code::UnschedulableAndUnresolvable } else { Code::Unschedulable };
        Status { code, reasons }
    }
}

/// `leastRequestedScore`: `(capacity - requested) * 100 / capacity`, 0 if over capacity.
fn least_requested(requested: u64, capacity: u64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    ((capacity - requested) as i64 * MAX_NODE_SCORE) / capacity as i64
}

/// Score (LeastAllocated): the average over cpu and memory of the free share after placing
/// the pod, counting non-zero requests.
pub fn score(state: &CycleState<'_>, cluster: &Cluster, node: NodeId) -> i64 {
    let n = &cluster.nodes[node.index()];
    let req = nonzero_requested_on_node(cluster, node);
    let cpu =
        least_requested(req.cpu_milli + state.nonzero_requests.cpu_milli, n.allocatable.cpu_milli);
    let mem = least_requested(req.memory + state.nonzero_requests.memory, n.allocatable.memory);
    (cpu + mem) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_requested_formula() {
        // 4 cores, 1 requested: (4000 - 1000) * 100 / 4000 = 75.
        assert_eq!(least_requested(1000, 4000), 75);
        assert_eq!(least_requested(5000, 4000), 0);
        // Integer division truncates: (3 - 1) * 100 / 3 = 66.
        assert_eq!(least_requested(1, 3), 66);
    }
}
