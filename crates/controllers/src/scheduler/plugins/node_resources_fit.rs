//! NodeResourcesFit: filter on requests against allocatable, score with the default
//! `LeastAllocated` strategy (cpu and memory, weight 1 each).
//! Source: `pkg/scheduler/framework/plugins/noderesources/fit.go`, `least_allocated.go`.

use super::Ctx;
use crate::scheduler::framework::{Code, FilterResult, MAX_NODE_SCORE, Reason, Status};
use kubesim_model::{NodeId, Resources};

/// The requests of the pods on a node as the filter counts them (`NodeInfo.Requested`, pod
/// count in `pods`), with the overlay applied.
#[inline(always)]
pub fn requested(ctx: &Ctx<'_>, node: NodeId) -> Resources {
    let used = ctx.cache.node_info(node).requested;
    if ctx.overlay.is_none() {
        return used;
    }
    with_overlay(ctx, node, used)
}

#[cold]
fn with_overlay(ctx: &Ctx<'_>, node: NodeId, mut used: Resources) -> Resources {
    if let Some(o) = ctx.overlay_for(node) {
        for p in &o.removed {
            used -= ctx.cluster.pods[p.index()].spec.requests();
        }
        for p in &o.added {
            used += ctx.cluster.pods[p.index()].spec.requests();
        }
    }
    used
}

/// Filter: `Too many pods` if the pod count is full, and `Insufficient <resource>` for each
/// resource whose free amount is smaller than the pod's request. Upstream returns
/// `UnschedulableAndUnresolvable` when the request exceeds the node's allocatable outright
/// (no preemption could help), `Unschedulable` otherwise.
#[inline(always)]
pub fn filter(ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    // The common case first: everything fits.
    if fits(ctx, node) {
        return Ok(());
    }
    insufficient(ctx.cache.node_info(node).allocatable, requested(ctx, node), ctx.state.requests)
}

/// Filter's verdict without the failure status (whose reasons are built only when they are
/// read): the walk over the nodes rejects most nodes of a full cluster here.
#[inline(always)]
pub fn fits(ctx: &Ctx<'_>, node: NodeId) -> bool {
    let alloc = ctx.cache.node_info(node).allocatable;
    let used = requested(ctx, node);
    let req = ctx.state.requests;
    used.pods < alloc.pods
        && (req.cpu_milli == 0 || req.cpu_milli <= alloc.cpu_milli.saturating_sub(used.cpu_milli))
        && (req.memory == 0 || req.memory <= alloc.memory.saturating_sub(used.memory))
        && (req.ephemeral_storage == 0
            || req.ephemeral_storage
                <= alloc.ephemeral_storage.saturating_sub(used.ephemeral_storage))
}

/// The failure status: every resource that does not fit.
#[cold]
fn insufficient(alloc: Resources, used: Resources, req: Resources) -> FilterResult {
    let too_many = used.pods + 1 > alloc.pods;
    let short = |want: u64, used: u64, alloc: u64| want > 0 && want > alloc.saturating_sub(used);
    let cpu = short(req.cpu_milli, used.cpu_milli, alloc.cpu_milli);
    let mem = short(req.memory, used.memory, alloc.memory);
    let eph = short(req.ephemeral_storage, used.ephemeral_storage, alloc.ephemeral_storage);
    if !(too_many || cpu || mem || eph) {
        return Ok(());
    }
    let mut reasons: Vec<Reason> = Vec::new();
    if too_many {
        reasons.push("Too many pods".into());
    }
    let unresolvable = (cpu && req.cpu_milli > alloc.cpu_milli)
        || (mem && req.memory > alloc.memory)
        || (eph && req.ephemeral_storage > alloc.ephemeral_storage);
    for (bad, name) in [
        (cpu, "Insufficient cpu"),
        (mem, "Insufficient memory"),
        (eph, "Insufficient ephemeral-storage"),
    ] {
        if bad {
            reasons.push(name.into());
        }
    }
    let code = if unresolvable { Code::UnschedulableAndUnresolvable } else { Code::Unschedulable };
    Err(Status::fail_all(code, reasons))
}

/// `leastRequestedScore`: `(capacity - requested) * 100 / capacity`, 0 if over capacity.
fn least_requested(requested: u64, capacity: u64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    ((capacity - requested) as i64 * MAX_NODE_SCORE) / capacity as i64
}

/// Score (LeastAllocated): the average over cpu and memory of the free share after placing
/// the pod, counting non-zero requests (the node's running sum, kept by the cluster).
#[inline]
pub fn score(ctx: &Ctx<'_>, node: NodeId) -> i64 {
    let info = ctx.cache.node_info(node);
    let (alloc, req) = (info.allocatable, info.nonzero_requested);
    let pod = ctx.state.nonzero_requests;
    let cpu = least_requested(req.cpu_milli + pod.cpu_milli, alloc.cpu_milli);
    let mem = least_requested(req.memory + pod.memory, alloc.memory);
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
