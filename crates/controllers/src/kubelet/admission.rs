//! Kubelet admission (`pkg/kubelet/lifecycle/predicate.go` `predicateAdmitHandler.Admit`):
//! the node's allocatable against the pods the kubelet already runs. A rejected pod goes
//! straight to `Failed` with reason `OutOf<resource>` and message `Pod was rejected: ...`.
//!
//! Simplified: only resources and the pod count are checked (the node name, selectors and
//! taints were checked by the scheduler, and kubesim's scheduler and kubelet share one view).
//! A pod created with `nodeName` skips the scheduler: upstream's admission would also reject
//! it for a NoExecute taint it does not tolerate; here the taint eviction controller deletes
//! it instead (at once without `tolerationSeconds`; a controller recreating such pods loops
//! at one instant until the run's stall guard stops it, see `MAX_EVENTS_PER_INSTANT`).

use crate::world::World;
use kubesim_model::{NodeId, PodId};

/// Why the kubelet rejects a pod: `(reason, message)`, or None to admit it.
pub fn check(w: &World, pod: PodId, node: NodeId) -> Option<(&'static str, String)> {
    let p = &w.cluster.pods[pod.index()];
    let n = &w.cluster.nodes[node.index()];
    // The cluster's accounting already includes this pod; compare the total.
    let used = w.cluster.requested_on_node(node);
    let req = p.spec.requests();
    let alloc = n.allocatable;
    let over = [
        ("pods", used.pods > alloc.pods, req.pods, used.pods - req.pods, alloc.pods),
        (
            "cpu",
            used.cpu_milli > alloc.cpu_milli,
            req.cpu_milli,
            used.cpu_milli - req.cpu_milli,
            alloc.cpu_milli,
        ),
        ("memory", used.memory > alloc.memory, req.memory, used.memory - req.memory, alloc.memory),
    ]
    .into_iter()
    .find(|o| o.1)?;
    let (res, _, want, used, cap) = over;
    let reason: &'static str = match res {
        "pods" => "OutOfpods",
        "cpu" => "OutOfcpu",
        _ => "OutOfmemory",
    };
    Some((
        reason,
        format!(
            "Pod was rejected: Node didn't have enough resource: {res}, requested: {want}, used: {used}, capacity: {cap}"
        ),
    ))
}
