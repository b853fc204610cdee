//! Cluster events the scheduler hears of, and the QueueingHints that decide which
//! unschedulable pods an event moves back to the queue.
//!
//! Source: `pkg/scheduler/framework/types.go` (`ClusterEvent`, `NodeSchedulingPropertiesChange`),
//! `pkg/scheduler/backend/queue/scheduling_queue.go` (`MoveAllToActiveOrBackoffQueue`,
//! `isPodWorthRequeuing`), and each plugin's `EventsToRegister` / `isSchedulableAfter…`.
//!
//! A pod rejected in its last attempt remembers the plugins that rejected it (its
//! *unschedulable plugins*). An event moves it only if one of those plugins' hints says the
//! event may make it schedulable ([`worth_requeuing`]); a pod with no recorded plugin moves on
//! any event. The hints compare the object before and after the change where upstream does.
//! [`ClusterEvent::Unknown`] (a change reported without details through
//! `World::scheduler_cluster_changed`) moves every unschedulable pod.

use super::framework::{PluginId, PluginSet};
use super::plugins::{
    inter_pod_affinity, node_affinity, node_unschedulable, pod_topology_spread, taint_toleration,
};
use kubesim_model::{Cluster, Labels, NodeId, Pod, PodId, Resources, Taint};

/// What a node looked like before an update (the fields the scheduler cares about).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSnapshot {
    /// `metadata.labels`
    pub labels: Labels,
    /// `spec.taints`
    pub taints: Vec<Taint>,
    /// `spec.unschedulable`
    pub unschedulable: bool,
    /// `status.allocatable`
    pub allocatable: Resources,
}

impl NodeSnapshot {
    /// The current state of a node.
    pub fn of(cluster: &Cluster, node: NodeId) -> Self {
        let n = &cluster.nodes[node.index()];
        Self {
            labels: n.meta.labels.to_labels(),
            taints: n.taints.clone(),
            unschedulable: n.unschedulable,
            allocatable: n.allocatable,
        }
    }
}

/// A change the scheduler's informers would deliver.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterEvent {
    /// A node was created.
    NodeAdd(NodeId),
    /// A node changed; the snapshot is its state before.
    NodeUpdate(NodeId, Box<NodeSnapshot>),
    /// A node was deleted.
    NodeDelete(NodeId),
    /// A pod was bound to a node, or created bound (`AssignedPodAdd`).
    AssignedPodAdd(PodId),
    /// A bound pod changed in place (its graceful deletion started) (`AssignedPodUpdate`).
    AssignedPodUpdate(PodId),
    /// A bound pod went away: deleted, or terminal (the scheduler watches only non-terminal
    /// pods) (`AssignedPodDelete`).
    AssignedPodDelete(PodId),
    /// A pod that was never bound was deleted (`UnscheduledPodDelete`).
    UnscheduledPodDelete(PodId),
    /// Something changed and nobody said what: move every unschedulable pod.
    Unknown,
}

/// `isPodWorthRequeuing`: whether the event may make the pod, rejected by `plugins`,
/// schedulable.
pub fn worth_requeuing(
    cluster: &Cluster,
    pod: PodId,
    plugins: PluginSet,
    event: &ClusterEvent,
) -> bool {
    if matches!(event, ClusterEvent::Unknown) || plugins.is_empty() {
        return true;
    }
    let p = &cluster.pods[pod.index()];
    const ALL: [PluginId; 8] = super::plugins::FILTERS;
    ALL.iter().filter(|&&pl| plugins.contains(pl)).any(|&pl| hint(cluster, pl, p, event))
}

fn hint(cluster: &Cluster, plugin: PluginId, p: &Pod, ev: &ClusterEvent) -> bool {
    let spec = &p.spec;
    let node_now = |n: NodeId| &cluster.nodes[n.index()];
    match (plugin, ev) {
        // NodeUnschedulable: a node that became schedulable for the pod.
        (PluginId::NodeUnschedulable, ClusterEvent::NodeAdd(n)) => {
            !node_now(*n).unschedulable || node_unschedulable::tolerates_unschedulable(spec)
        }
        (PluginId::NodeUnschedulable, ClusterEvent::NodeUpdate(n, old)) => {
            old.unschedulable && !node_now(*n).unschedulable
        }
        // NodeName: the node the pod names appeared.
        (PluginId::NodeName, ClusterEvent::NodeAdd(n)) => {
            spec.node_name.as_deref().is_none_or(|name| name == node_now(*n).meta.name)
        }
        // TaintToleration: a node whose taints the pod now tolerates (and did not before).
        (PluginId::TaintToleration, ClusterEvent::NodeAdd(n)) => {
            taint_toleration::untolerated_taint(spec, &node_now(*n).taints).is_none()
        }
        (PluginId::TaintToleration, ClusterEvent::NodeUpdate(n, old)) => {
            taint_toleration::untolerated_taint(spec, &old.taints).is_some()
                && taint_toleration::untolerated_taint(spec, &node_now(*n).taints).is_none()
        }
        // NodeAffinity: a node that now matches the pod's required affinity.
        (PluginId::NodeAffinity, ClusterEvent::NodeAdd(n)) => {
            let node = node_now(*n);
            node_affinity::matches_required(spec, &node.meta.labels, &node.meta.name)
        }
        (PluginId::NodeAffinity, ClusterEvent::NodeUpdate(n, old)) => {
            let node = node_now(*n);
            !node_affinity::matches_required(spec, &old.labels, &node.meta.name)
                && node_affinity::matches_required(spec, &node.meta.labels, &node.meta.name)
        }
        // NodePorts: a new node, or a deleted pod that held one of the wanted ports.
        (PluginId::NodePorts, ClusterEvent::NodeAdd(_)) => true,
        (PluginId::NodePorts, ClusterEvent::AssignedPodDelete(q)) => {
            let used = &cluster.pods[q.index()].spec.host_ports;
            used.iter().any(|u| spec.host_ports.iter().any(|w| w.conflicts(u)))
        }
        // NodeResourcesFit: any scheduled pod that goes frees resources; a node big enough,
        // or one whose allocatable grew.
        (PluginId::NodeResourcesFit, ClusterEvent::AssignedPodDelete(_)) => true,
        (PluginId::NodeResourcesFit, ClusterEvent::NodeAdd(n)) => {
            fits_empty(p, node_now(*n).allocatable)
        }
        (PluginId::NodeResourcesFit, ClusterEvent::NodeUpdate(n, old)) => {
            let new = node_now(*n).allocatable;
            let grew = new.cpu_milli > old.allocatable.cpu_milli
                || new.memory > old.allocatable.memory
                || new.ephemeral_storage > old.allocatable.ephemeral_storage
                || new.pods > old.allocatable.pods;
            grew && fits_empty(p, new)
        }
        // PodTopologySpread: a matching pod came or went; a node with the keys came, went, or
        // changed its labels or taints.
        (
            PluginId::PodTopologySpread,
            ClusterEvent::AssignedPodAdd(q) | ClusterEvent::AssignedPodDelete(q),
        ) => {
            let qp = &cluster.pods[q.index()];
            qp.meta.namespace == p.meta.namespace
                && spec.topology_spread_constraints.iter().any(|c| {
                    pod_topology_spread::common::effective_selector(c, &p.meta.labels)
                        .is_some_and(|s| s.matches(&qp.meta.labels))
                })
        }
        (PluginId::PodTopologySpread, ClusterEvent::NodeAdd(n) | ClusterEvent::NodeDelete(n)) => {
            let labels = &node_now(*n).meta.labels;
            spec.topology_spread_constraints.iter().all(|c| labels.contains_key(&c.topology_key))
        }
        (PluginId::PodTopologySpread, ClusterEvent::NodeUpdate(n, old)) => {
            let node = node_now(*n);
            old.taints != node.taints
                || spec.topology_spread_constraints.iter().any(|c| {
                    old.labels.get(&c.topology_key) != node.meta.labels.get(&c.topology_key)
                })
        }
        // InterPodAffinity: a pod matching a required affinity term came; a pod matching an
        // anti-affinity term (or whose anti-affinity excluded this pod) went; node labels.
        (PluginId::InterPodAffinity, ClusterEvent::AssignedPodAdd(q)) => {
            let qp = &cluster.pods[q.index()];
            spec.pod_affinity.required.iter().any(|t| inter_pod_affinity::term_matches(p, t, qp))
        }
        (PluginId::InterPodAffinity, ClusterEvent::AssignedPodDelete(q)) => {
            let qp = &cluster.pods[q.index()];
            spec.pod_anti_affinity
                .required
                .iter()
                .any(|t| inter_pod_affinity::term_matches(p, t, qp))
                || qp
                    .spec
                    .pod_anti_affinity
                    .required
                    .iter()
                    .any(|t| inter_pod_affinity::term_matches(qp, t, p))
        }
        (PluginId::InterPodAffinity, ClusterEvent::NodeAdd(_)) => true,
        (PluginId::InterPodAffinity, ClusterEvent::NodeUpdate(n, old)) => {
            old.labels != *node_now(*n).meta.labels
        }
        _ => false,
    }
}

/// `isFit` of NodeResourcesFit's node hints: the pod's requests fit the node's allocatable.
fn fits_empty(p: &Pod, alloc: Resources) -> bool {
    let r = p.spec.requests();
    r.cpu_milli <= alloc.cpu_milli
        && r.memory <= alloc.memory
        && r.ephemeral_storage <= alloc.ephemeral_storage
        && alloc.pods >= 1
}
