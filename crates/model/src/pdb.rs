//! PodDisruptionBudgets (read in the foundation; their behaviour comes with the disruption controller).

use crate::labels::LabelSelector;
use crate::meta::Meta;
use crate::workload::IntOrPercent;

/// `spec.unhealthyPodEvictionPolicy`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnhealthyPodEvictionPolicy {
    /// Unhealthy pods may be evicted only if the budget is met (the default).
    #[default]
    IfHealthyBudget,
    /// Unhealthy running pods may always be evicted.
    AlwaysAllow,
}

/// A PodDisruptionBudget.
#[derive(Debug, Clone, PartialEq)]
pub struct Pdb {
    /// Metadata.
    pub meta: Meta,
    /// `spec.selector` (None selects nothing; empty selects every pod of the namespace).
    pub selector: Option<LabelSelector>,
    /// `spec.minAvailable`
    pub min_available: Option<IntOrPercent>,
    /// `spec.maxUnavailable`
    pub max_unavailable: Option<IntOrPercent>,
    /// `spec.unhealthyPodEvictionPolicy`
    pub unhealthy_pod_eviction_policy: UnhealthyPodEvictionPolicy,
}
