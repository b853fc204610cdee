//! The plugins of the default profile, one module per upstream plugin, and the order in which
//! the framework runs them (`pkg/scheduler/apis/config/v1/default_plugins.go`
//! `getDefaultPlugins`: the MultiPoint order is the execution order at every extension point).
//!
//! | plugin | PreFilter | Filter | PreScore | Score (weight) | other |
//! | --- | --- | --- | --- | --- | --- |
//! | NodeUnschedulable | | ✓ | | | |
//! | NodeName | | ✓ | | | |
//! | TaintToleration | | ✓ | | ✓ (3) | |
//! | NodeAffinity | ✓ (Skip) | ✓ | ✓ (Skip) | ✓ (2) | |
//! | NodePorts | ✓ (Skip) | ✓ | | | |
//! | NodeResourcesFit | | ✓ | | ✓ (1) | |
//! | PodTopologySpread | ✓ | ✓ | ✓ | ✓ (2) | |
//! | InterPodAffinity | ✓ | ✓ | ✓ | ✓ (2) | |
//! | DefaultPreemption | | | | | PostFilter |
//! | NodeResourcesBalancedAllocation | | | ✓ (Skip) | ✓ (1) | |
//! | ImageLocality | | | | ✓ (1) | |
//!
//! Left out: SchedulingGates (no `schedulingGates` in the model), the volume plugins
//! (VolumeRestrictions, NodeVolumeLimits, VolumeBinding, VolumeZone: volumes are not modelled),
//! DynamicResources, DefaultBinder (binding is the API call in `api::bind_pod`). PrioritySort is
//! the queue's order.

pub mod default_preemption;
pub mod image_locality;
pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources_balanced_allocation;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod pod_topology_spread;
pub mod taint_toleration;

use super::cache::SchedulerCache;
use super::framework::{CycleState, NodeOverlay, PluginId, Status};
use kubesim_model::{Cluster, NodeId};

/// What a plugin's Filter or Score sees: the cluster, the scheduler's cache, the cycle's
/// state, and the node change a preemption dry run or a nominated pod asks to assume.
pub struct Ctx<'a> {
    /// The objects.
    pub cluster: &'a Cluster,
    /// The scheduler's cache.
    pub cache: &'a SchedulerCache,
    /// The cycle's PreFilter/PreScore results.
    pub state: &'a CycleState<'a>,
    /// Pods assumed added to / removed from one node.
    pub overlay: Option<&'a NodeOverlay>,
}

impl Ctx<'_> {
    /// The overlay if it concerns `node`.
    #[inline]
    pub fn overlay_for(&self, node: NodeId) -> Option<&NodeOverlay> {
        NodeOverlay::for_node(self.overlay, node)
    }
}

/// The filter plugins, in upstream order.
pub const FILTERS: [PluginId; 8] = [
    PluginId::NodeUnschedulable,
    PluginId::NodeName,
    PluginId::TaintToleration,
    PluginId::NodeAffinity,
    PluginId::NodePorts,
    PluginId::NodeResourcesFit,
    PluginId::PodTopologySpread,
    PluginId::InterPodAffinity,
];

/// The score plugins, in upstream order, with their default weights.
pub const SCORES: [(PluginId, i64); 7] = [
    (PluginId::TaintToleration, 3),
    (PluginId::NodeAffinity, 2),
    (PluginId::NodeResourcesFit, 1),
    (PluginId::PodTopologySpread, 2),
    (PluginId::InterPodAffinity, 2),
    (PluginId::NodeResourcesBalancedAllocation, 1),
    (PluginId::ImageLocality, 1),
];

/// Runs one plugin's Filter on one node.
#[inline]
pub fn filter(plugin: PluginId, ctx: &Ctx<'_>, node: NodeId) -> Status {
    match plugin {
        PluginId::NodeUnschedulable => node_unschedulable::filter(ctx, node),
        PluginId::NodeName => node_name::filter(ctx, node),
        PluginId::TaintToleration => taint_toleration::filter(ctx, node),
        PluginId::NodeAffinity => node_affinity::filter(ctx, node),
        PluginId::NodePorts => node_ports::filter(ctx, node),
        PluginId::NodeResourcesFit => node_resources_fit::filter(ctx, node),
        PluginId::PodTopologySpread => pod_topology_spread::filtering::filter(ctx, node),
        PluginId::InterPodAffinity => inter_pod_affinity::filtering::filter(ctx, node),
        _ => Status::success(),
    }
}

/// Runs one plugin's Score on one (feasible) node: the raw score.
#[inline]
pub fn score(plugin: PluginId, ctx: &Ctx<'_>, node: NodeId) -> i64 {
    match plugin {
        PluginId::TaintToleration => taint_toleration::score(ctx, node),
        PluginId::NodeAffinity => node_affinity::score(ctx, node),
        PluginId::NodeResourcesFit => node_resources_fit::score(ctx, node),
        PluginId::PodTopologySpread => pod_topology_spread::scoring::score(ctx, node),
        PluginId::InterPodAffinity => inter_pod_affinity::scoring::score(ctx, node),
        PluginId::NodeResourcesBalancedAllocation => {
            node_resources_balanced_allocation::score(ctx, node)
        }
        PluginId::ImageLocality => image_locality::score(ctx, node),
        _ => 0,
    }
}

/// Runs a plugin's NormalizeScore over the feasible nodes' raw scores (plugins without the
/// extension leave them as they are).
pub fn normalize(plugin: PluginId, ctx: &Ctx<'_>, nodes: &[NodeId], scores: &mut [i64]) {
    match plugin {
        PluginId::TaintToleration => taint_toleration::normalize(scores),
        PluginId::NodeAffinity => node_affinity::normalize(scores),
        PluginId::PodTopologySpread => pod_topology_spread::scoring::normalize(ctx, nodes, scores),
        PluginId::InterPodAffinity => inter_pod_affinity::scoring::normalize(ctx, scores),
        _ => {}
    }
}
