//! NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory shares stay balanced.
//! Source: `pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go`
//! (`balancedResourceScorer`; PreScore skips best-effort pods, issue #129138).

use super::Ctx;
use crate::scheduler::framework::{Code, MAX_NODE_SCORE};
use kubesim_model::{NodeId, Resources};

/// PreScore: Skip for a best-effort pod (no cpu or memory request), so that such pods do not
/// all pile onto the same node.
pub fn pre_score(requests: Resources) -> Code {
    if requests.cpu_milli == 0 && requests.memory == 0 { Code::Skip } else { Code::Success }
}

/// `(1 - |f_cpu - f_mem| / 2) * 100` with `f = min(requested / allocatable, 1)`, counting the
/// real requests (not the non-zero defaults) including the incoming pod.
#[inline]
pub fn score(ctx: &Ctx<'_>, node: NodeId) -> i64 {
    let info = ctx.cache.node_info(node);
    let (alloc, used) = (info.allocatable, info.requested);
    let req = ctx.state.requests;
    let mut fractions = [0f64; 2];
    let mut k = 0;
    for (r, alloc) in [
        (used.cpu_milli + req.cpu_milli, alloc.cpu_milli),
        (used.memory + req.memory, alloc.memory),
    ] {
        if alloc == 0 {
            continue;
        }
        fractions[k] = (r as f64 / alloc as f64).min(1.0);
        k += 1;
    }
    let std = if k == 2 { ((fractions[0] - fractions[1]) / 2.0).abs() } else { 0.0 };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}
