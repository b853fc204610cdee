//! The filter and score plugins of the default profile that kubesim implements, one module per
//! upstream plugin, in upstream's order (`pkg/scheduler/apis/config/v1/default_plugins.go`).

pub mod node_affinity;
pub mod node_name;
pub mod node_resources_balanced_allocation;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod taint_toleration;

use super::framework::{CycleState, Status};
use kubesim_model::{Cluster, NodeId};

/// A filter: the verdict on one node.
pub type FilterFn = fn(&CycleState<'_>, &Cluster, NodeId) -> Status;

/// A score: the raw score of one feasible node.
pub type ScoreFn = fn(&CycleState<'_>, &Cluster, NodeId) -> i64;

/// A normalisation of raw scores over the feasible nodes.
pub type NormalizeFn = fn(&mut [i64]);

/// The filters, in upstream order.
pub const FILTERS: &[(&str, FilterFn)] = &[
    (node_unschedulable::NAME, node_unschedulable::filter),
    (node_name::NAME, node_name::filter),
    (taint_toleration::NAME, taint_toleration::filter),
    (node_affinity::NAME, node_affinity::filter),
    (node_resources_fit::NAME, node_resources_fit::filter),
];

/// A score plugin with its default weight and normalisation.
pub struct ScorePlugin {
    /// Upstream name.
    pub name: &'static str,
    /// Default weight in the profile.
    pub weight: i64,
    /// Raw score.
    pub score: ScoreFn,
    /// NormalizeScore extension, if the plugin has one.
    pub normalize: Option<NormalizeFn>,
}

/// The score plugins, in upstream order, with default weights.
pub const SCORES: &[ScorePlugin] = &[
    ScorePlugin {
        name: taint_toleration::NAME,
        weight: 3,
        score: taint_toleration::score,
        normalize: Some(taint_toleration::normalize),
    },
    ScorePlugin {
        name: node_affinity::NAME,
        weight: 2,
        score: node_affinity::score,
        normalize: Some(node_affinity::normalize),
    },
    ScorePlugin {
        name: node_resources_fit::NAME,
        weight: 1,
        score: node_resources_fit::score,
        normalize: None,
    },
    ScorePlugin {
        name: node_resources_balanced_allocation::NAME,
        weight: 1,
        score: node_resources_balanced_allocation::score,
        normalize: None,
    },
];
