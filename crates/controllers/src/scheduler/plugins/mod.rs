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
use super::framework::{CycleState, FilterResult, NodeOverlay, PluginId, PluginSet};
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

/// Runs the Filters of [`FILTERS`], in that order, on one node, skipping those whose PreFilter
/// said Skip; the first failure stops them and is returned with its plugin. (Written out
/// rather than looped over [`FILTERS`], so that each step compiles to its plugin's code: this
/// runs for hundreds of nodes per pod.)
#[inline(always)]
pub fn run_filters(
    ctx: &Ctx<'_>,
    node: NodeId,
) -> Result<(), (PluginId, super::framework::Status)> {
    let skip = PluginSet(ctx.state.skip_filter.0 | ctx.state.pass_filter.0);
    macro_rules! step {
        ($id:expr, $f:path) => {
            if !skip.contains($id) {
                if let Err(st) = $f(ctx, node) {
                    return Err(($id, st));
                }
            }
        };
    }
    step!(PluginId::NodeUnschedulable, node_unschedulable::filter);
    step!(PluginId::NodeName, node_name::filter);
    step!(PluginId::TaintToleration, taint_toleration::filter);
    step!(PluginId::NodeAffinity, node_affinity::filter);
    step!(PluginId::NodePorts, node_ports::filter);
    step!(PluginId::NodeResourcesFit, node_resources_fit::filter);
    step!(PluginId::PodTopologySpread, pod_topology_spread::filtering::filter);
    step!(PluginId::InterPodAffinity, inter_pod_affinity::filtering::filter);
    Ok(())
}

/// Whether a node passes every Filter that applies. The verdict does not depend on the
/// order, so the cheapest selective filters run first (NodeAffinity when it is one bit, then
/// PodTopologySpread, InterPodAffinity, NodeResourcesFit, which reject most); which plugin rejected a node, which depends on the order,
/// is worked out with [`run_filters`] only when it matters (no node fits, or `explain`).
#[inline(always)]
pub fn passes(ctx: &Ctx<'_>, node: NodeId) -> bool {
    let skip = PluginSet(ctx.state.skip_filter.0 | ctx.state.pass_filter.0);
    macro_rules! step {
        ($id:expr, $f:path) => {
            if !skip.contains($id) && $f(ctx, node).is_err() {
                return false;
            }
        };
    }
    if ctx.state.node_affinity.is_some() {
        // A bit per node (pods pinned to a pool reject most nodes here).
        step!(PluginId::NodeAffinity, node_affinity::filter);
    }
    step!(PluginId::PodTopologySpread, pod_topology_spread::filtering::filter);
    step!(PluginId::InterPodAffinity, inter_pod_affinity::filtering::filter);
    if !skip.contains(PluginId::NodeResourcesFit) && !node_resources_fit::fits(ctx, node) {
        return false;
    }
    step!(PluginId::NodeUnschedulable, node_unschedulable::filter);
    step!(PluginId::TaintToleration, taint_toleration::filter);
    if ctx.state.node_affinity.is_none() {
        step!(PluginId::NodeAffinity, node_affinity::filter);
    }
    step!(PluginId::NodePorts, node_ports::filter);
    step!(PluginId::NodeName, node_name::filter);
    true
}

/// Runs one plugin's Filter on one node.
pub fn filter(plugin: PluginId, ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    match plugin {
        PluginId::NodeUnschedulable => node_unschedulable::filter(ctx, node),
        PluginId::NodeName => node_name::filter(ctx, node),
        PluginId::TaintToleration => taint_toleration::filter(ctx, node),
        PluginId::NodeAffinity => node_affinity::filter(ctx, node),
        PluginId::NodePorts => node_ports::filter(ctx, node),
        PluginId::NodeResourcesFit => node_resources_fit::filter(ctx, node),
        PluginId::PodTopologySpread => pod_topology_spread::filtering::filter(ctx, node),
        PluginId::InterPodAffinity => inter_pod_affinity::filtering::filter(ctx, node),
        _ => Ok(()),
    }
}

/// Scores every feasible node with one plugin (`out[i]` for `nodes[i]`): one loop per plugin,
/// so that per-pod values are hoisted and constant plugins cost nothing per node.
pub fn score_nodes(plugin: PluginId, ctx: &Ctx<'_>, nodes: &[NodeId], out: &mut [i64]) {
    #[inline(always)]
    fn each(nodes: &[NodeId], out: &mut [i64], f: impl Fn(NodeId) -> i64) {
        let out = &mut out[..nodes.len()];
        for i in 0..nodes.len() {
            out[i] = f(nodes[i]);
        }
    }
    match plugin {
        PluginId::TaintToleration => each(nodes, out, |n| taint_toleration::score(ctx, n)),
        PluginId::NodeAffinity => each(nodes, out, |n| node_affinity::score(ctx, n)),
        PluginId::NodeResourcesFit => each(nodes, out, |n| node_resources_fit::score(ctx, n)),
        PluginId::PodTopologySpread => {
            each(nodes, out, |n| pod_topology_spread::scoring::score(ctx, n))
        }
        PluginId::InterPodAffinity => {
            each(nodes, out, |n| inter_pod_affinity::scoring::score(ctx, n))
        }
        PluginId::NodeResourcesBalancedAllocation => {
            each(nodes, out, |n| node_resources_balanced_allocation::score(ctx, n))
        }
        PluginId::ImageLocality if ctx.state.images.images.is_empty() => {
            // No node holds any of the pod's images: the same score everywhere.
            out.fill(image_locality::calculate_priority(0, ctx.state.images.num_containers));
        }
        PluginId::ImageLocality => each(nodes, out, |n| image_locality::score(ctx, n)),
        _ => out.fill(0),
    }
}

/// Whether a plugin's normalised score is the same on every node for this pod, known before
/// scoring (TaintToleration when no node has a PreferNoSchedule taint, ImageLocality when no
/// node holds any of the pod's images). Adding the same amount to every total changes no
/// choice, so the cycle may leave such a plugin out (`explain` still shows it).
pub fn constant_score(plugin: PluginId, ctx: &Ctx<'_>, any_prefer_taints: bool) -> bool {
    match plugin {
        PluginId::TaintToleration => !any_prefer_taints,
        PluginId::ImageLocality => ctx.state.images.images.is_empty(),
        _ => false,
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
