//! Warnings about a loaded scenario: things that are valid but cannot do what the author
//! surely meant. Today: a pod (or a workload's pod template) that requests more of a resource
//! than any node of the scenario offers, so kube-scheduler's `NodeResourcesFit` filter
//! (`Insufficient <resource>`) rejects it on every node and it stays Pending forever.

use kubesim_model::quantity::{format_bytes, format_millicpu};
use kubesim_model::trace::workload_ref;
use kubesim_model::{ActionKind, NewNodes, Resources, Scenario};

/// The largest allocatable of each resource over every node the scenario can have: the
/// nodes at the start, its node pools (new and upgraded nodes are made from them) and the
/// nodes `add-node` actions bring.
fn largest_allocatable(s: &Scenario) -> Resources {
    let mut max = Resources::default();
    for n in &s.cluster.nodes {
        max = max.max(n.allocatable);
    }
    for p in &s.cluster.pools {
        max = max.max(p.allocatable);
    }
    for a in &s.actions {
        if let ActionKind::AddNode { nodes: NewNodes::Node(n) } = &a.kind {
            max = max.max(n.allocatable);
        }
    }
    max
}

/// Each request of `req` that exceeds `max`, as `(resource, requested, offered)`.
fn too_large(req: Resources, max: Resources) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    if req.cpu_milli > max.cpu_milli {
        out.push(("cpu", format_millicpu(req.cpu_milli), format_millicpu(max.cpu_milli)));
    }
    if req.memory > max.memory {
        out.push(("memory", format_bytes(req.memory), format_bytes(max.memory)));
    }
    if req.ephemeral_storage > max.ephemeral_storage {
        out.push((
            "ephemeral-storage",
            format_bytes(req.ephemeral_storage),
            format_bytes(max.ephemeral_storage),
        ));
    }
    out
}

/// Pods and pod templates that request a resource no node offers enough of, one line each,
/// naming the pod (or workload) and the resource. Pods of a workload are judged by the
/// workload's template; pods given on their own (or dumped without their controller) one by
/// one. Requests count as the scheduler counts them (`PodRequests`: init containers, sidecars).
pub fn warnings(s: &Scenario) -> Vec<String> {
    if s.cluster.nodes.is_empty() && s.cluster.pools.is_empty() {
        // Already a note ("the cluster has no nodes").
        return Vec::new();
    }
    let max = largest_allocatable(s);
    let mut out = Vec::new();
    let say = |who: String, verb: &str, (res, req, offered): (&str, String, String)| {
        format!(
            "{who} {verb} {res} {req}, more than any node offers (at most {offered}): \
             it can never be scheduled"
        )
    };
    for id in s.cluster.top_level_workloads() {
        let w = &s.cluster.workloads[id.index()];
        let who = format!("{}'s pods", workload_ref(w.kind, &w.meta.namespace, &w.meta.name));
        for t in too_large(w.template.spec.requests(), max) {
            out.push(say(who.clone(), "request", t));
        }
    }
    for id in s.cluster.live_pods() {
        if s.cluster.controller_of(id).is_some() {
            continue;
        }
        let p = &s.cluster.pods[id.index()];
        if p.node.is_some() {
            // Already bound: the scheduler never looks at it.
            continue;
        }
        let who = format!("pod {}/{}", p.meta.namespace, p.meta.name);
        for t in too_large(p.spec.requests(), max) {
            out.push(say(who.clone(), "requests", t));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_resource_over_the_largest_node() {
        let max = Resources { cpu_milli: 4000, memory: 16 << 30, ephemeral_storage: 0, pods: 110 };
        let req =
            Resources { cpu_milli: 500, memory: 32 << 30, ephemeral_storage: 1 << 30, pods: 1 };
        let got = too_large(req, max);
        assert_eq!(
            got,
            vec![
                ("memory", "32Gi".to_string(), "16Gi".to_string()),
                ("ephemeral-storage", "1Gi".to_string(), "0".to_string()),
            ]
        );
        // Equal to the allocatable fits (NodeResourcesFit rejects only what exceeds it).
        assert!(too_large(max, max).is_empty());
    }
}
