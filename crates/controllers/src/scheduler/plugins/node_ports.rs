//! NodePorts: a pod asking for `hostPort`s fits only nodes where no other pod holds them.
//! Source: `pkg/scheduler/framework/plugins/nodeports/node_ports.go`.

use super::Ctx;
use crate::scheduler::framework::{Code, FilterResult, Status};
use kubesim_model::{HostPort, NodeId, PodId};

/// `ErrReason`
pub const ERR_REASON: &str = "node(s) didn't have free ports for the requested pod ports";

/// PreFilter: Skip when the pod asks for no host port.
pub fn pre_filter(ports: &[HostPort]) -> Code {
    if ports.is_empty() { Code::Skip } else { Code::Success }
}

/// Filter: every requested host port must be free among the pods on the node (with the
/// overlay's victims gone and nominated pods added).
pub fn filter(ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    let wanted = &ctx.state.pod.spec.host_ports;
    let overlay = ctx.overlay_for(node);
    let removed = |p: &PodId| overlay.is_some_and(|o| o.removed.contains(p));
    let on_node = ctx
        .cluster
        .pods_on_node(node)
        .iter()
        .filter(|&&p| ctx.cache.assigned_node(p) == Some(node) && !removed(&p));
    let added = overlay.into_iter().flat_map(|o| o.added.iter());
    for p in on_node.chain(added) {
        let used = &ctx.cluster.pods[p.index()].spec.host_ports;
        if used.iter().any(|u| wanted.iter().any(|w| w.conflicts(u))) {
            return Err(Status::fail(Code::Unschedulable, ERR_REASON));
        }
    }
    Ok(())
}
