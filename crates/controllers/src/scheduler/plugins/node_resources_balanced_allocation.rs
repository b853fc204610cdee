//! NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory shares stay balanced.
//! Source: `pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go`
//! (the classic formula; newer masters score the improvement in balance instead).

use crate::scheduler::framework::{CycleState, MAX_NODE_SCORE};
use kubesim_model::{Cluster, NodeId};

/// Upstream plugin name.
pub const NAME: &str = "NodeResourcesBalancedAllocation";

/// `(1 - |f_cpu - f_mem| / 2) * 100` with `f = min(requested / allocatable, 1)`, counting the
/// real requests (not the non-zero defaults) including the incoming pod.
pub fn score(state: &CycleState<'_>, cluster: &Cluster, node: NodeId) -> i64 {
    let n = &cluster.nodes[node.index()];
    let used = cluster.requested_on_node(node);
    let mut fractions = Vec::with_capacity(2);
    for (req, alloc) in [
        (used.cpu_milli + state.requests.cpu_milli, n.allocatable.cpu_milli),
        (used.memory + state.requests.memory, n.allocatable.memory),
    ] {
        if alloc == 0 {
            continue;
        }
        fractions.push((req as f64 / alloc as f64).min(1.0));
    }
    let std = if fractions.len() == 2 { ((fractions[0] - fractions[1]) / 2.0).abs() } else { 0.0 };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}
