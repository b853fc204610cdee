//! PodDisruptionBudgets: the spec as written, and the status the disruption controller keeps
//! (`pkg/controller/disruption/disruption.go`) and the Eviction API decrements.

use crate::labels::{LabelSelector, Labels};
use crate::meta::Meta;
use crate::node::CondStatus;
use crate::workload::IntOrPercent;
use kubesim_engine::SimTime;
use std::collections::BTreeMap;

/// `spec.unhealthyPodEvictionPolicy`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnhealthyPodEvictionPolicy {
    /// Unhealthy pods may be evicted only if the budget is met (the default).
    #[default]
    IfHealthyBudget,
    /// Unhealthy running pods may always be evicted.
    AlwaysAllow,
}

impl UnhealthyPodEvictionPolicy {
    /// The policy as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IfHealthyBudget => "IfHealthyBudget",
            Self::AlwaysAllow => "AlwaysAllow",
        }
    }
}

/// `SufficientPods`: the `DisruptionAllowed` condition's reason when disruptions are allowed.
pub const REASON_SUFFICIENT_PODS: &str = "SufficientPods";
/// `InsufficientPods`: the reason when no disruption is allowed.
pub const REASON_INSUFFICIENT_PODS: &str = "InsufficientPods";
/// `SyncFailed`: the reason when the controller could not compute the status (`failSafe`).
pub const REASON_SYNC_FAILED: &str = "SyncFailed";

/// The `DisruptionAllowed` condition of a PDB (`status.conditions[type=DisruptionAllowed]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisruptionAllowedCondition {
    /// `status`
    pub status: CondStatus,
    /// `reason`: `SufficientPods`, `InsufficientPods` or `SyncFailed`.
    pub reason: &'static str,
    /// `message` (the error of a failed sync; empty otherwise).
    pub message: String,
    /// `lastTransitionTime`: moves only when the status changes (`apimeta.SetStatusCondition`).
    pub last_transition: SimTime,
    /// `observedGeneration`
    pub observed_generation: u64,
}

/// `status` of a PDB, as the disruption controller writes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PdbStatus {
    /// `observedGeneration`: the generation the controller last computed (0 until its first
    /// sync, so an eviction before it gets "still being processed").
    pub observed_generation: u64,
    /// `expectedPods`
    pub expected_pods: i32,
    /// `currentHealthy`
    pub current_healthy: i32,
    /// `desiredHealthy`
    pub desired_healthy: i32,
    /// `disruptionsAllowed`
    pub disruptions_allowed: i32,
    /// `disruptedPods`: pod name → when the Eviction API allowed its eviction.
    pub disrupted_pods: BTreeMap<String, SimTime>,
    /// The `DisruptionAllowed` condition (absent before the first sync).
    pub condition: Option<DisruptionAllowedCondition>,
}

impl PdbStatus {
    /// `pdbhelper.UpdateDisruptionAllowedCondition`: True/`SufficientPods` when
    /// `disruptionsAllowed > 0`, else False/`InsufficientPods`; the transition time moves only
    /// when the status changes.
    pub fn update_disruption_allowed_condition(&mut self, now: SimTime) {
        let (status, reason) = if self.disruptions_allowed > 0 {
            (CondStatus::True, REASON_SUFFICIENT_PODS)
        } else {
            (CondStatus::False, REASON_INSUFFICIENT_PODS)
        };
        self.set_condition(status, reason, String::new(), now);
    }

    /// `apimeta.SetStatusCondition` for `DisruptionAllowed`.
    pub fn set_condition(
        &mut self,
        status: CondStatus,
        reason: &'static str,
        message: String,
        now: SimTime,
    ) {
        let last_transition = match &self.condition {
            Some(c) if c.status == status => c.last_transition,
            _ => now,
        };
        self.condition = Some(DisruptionAllowedCondition {
            status,
            reason,
            message,
            last_transition,
            observed_generation: self.observed_generation,
        });
    }
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
    /// `status`
    pub status: PdbStatus,
}

impl Pdb {
    /// Whether the PDB covers a pod of these labels (in the PDB's namespace), for its status,
    /// for the disruption controller's pod → PDB lookup and for the Eviction API alike:
    /// `metav1.LabelSelectorAsSelector` of policy/v1, where a null selector selects nothing
    /// and an empty one (`selector: {}`) every pod of the namespace. Upstream: policy/v1's
    /// `GetPodPodDisruptionBudgets` (client-go `listers/policy/v1/poddisruptionbudget_expansion.go`:
    /// "Unlike the v1beta version, here we let an empty selector match everything"), which both
    /// `getPdbForPod` (`pkg/controller/disruption`) and `EvictionREST.Create` read, and
    /// `getPodsForPdb`; kubernetes PR #119732 made the Eviction API agree.
    pub fn selects(&self, labels: &Labels) -> bool {
        self.selector.as_ref().is_some_and(|s| s.matches(labels))
    }
}
