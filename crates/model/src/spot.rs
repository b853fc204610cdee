//! Spot node pools (`priority: spot` on a node pool): the provider's spot label and taint on
//! every node, and how an interruption notice plays out on the pool's nodes.
//!
//! | provider | label | taint | notice |
//! | --- | --- | --- | --- |
//! | `aks` | `kubernetes.azure.com/scalesetpriority: spot` | `kubernetes.azure.com/scalesetpriority=spot:NoSchedule` | 30 s (Azure Scheduled Events `Preempt`) |
//! | `gke` | `cloud.google.com/gke-spot: "true"` | none (users add their own) | 30 s (Compute Engine preemption notice) |
//! | `eks` | `eks.amazonaws.com/capacityType: SPOT` | none | 2 min (EC2 Spot Instance interruption notice) |
//!
//! Sources: AKS "Add a spot node pool" (the label and taint AKS puts on spot nodes), GKE
//! "Spot VMs" (the `cloud.google.com/gke-spot` label; GKE enables the kubelet's graceful node
//! shutdown with `shutdownGracePeriod` 30 s and `shutdownGracePeriodCriticalPods` 15 s), EKS
//! managed node groups (the `eks.amazonaws.com/capacityType` label), EC2 "Spot Instance
//! interruption notices" (two minutes).

use crate::action::SpotHandler;
use crate::node::{Taint, TaintEffect};
use kubesim_engine::SimDuration;

/// The cloud whose spot conventions a pool follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Azure Kubernetes Service.
    Aks,
    /// Google Kubernetes Engine.
    Gke,
    /// Amazon Elastic Kubernetes Service.
    Eks,
}

impl Provider {
    /// The name as written in a scenario.
    pub fn name(self) -> &'static str {
        match self {
            Self::Aks => "aks",
            Self::Gke => "gke",
            Self::Eks => "eks",
        }
    }

    /// The label the provider puts on a spot node: (key, value).
    pub fn spot_label(self) -> (&'static str, &'static str) {
        match self {
            Self::Aks => ("kubernetes.azure.com/scalesetpriority", "spot"),
            Self::Gke => ("cloud.google.com/gke-spot", "true"),
            Self::Eks => ("eks.amazonaws.com/capacityType", "SPOT"),
        }
    }

    /// The taint the provider puts on a spot node (AKS only).
    pub fn spot_taint(self) -> Option<Taint> {
        match self {
            Self::Aks => Some(Taint {
                key: "kubernetes.azure.com/scalesetpriority".into(),
                value: "spot".into(),
                effect: TaintEffect::NoSchedule,
                time_added: None,
            }),
            Self::Gke | Self::Eks => None,
        }
    }

    /// Time from the interruption notice to the machine's termination: 30 s on Azure and
    /// Google Cloud, 2 min on AWS.
    pub fn notice(self) -> SimDuration {
        match self {
            Self::Aks | Self::Gke => SimDuration::from_secs(30),
            Self::Eks => SimDuration::from_mins(2),
        }
    }

    /// What reacts to the notice unless the pool says otherwise: the kubelet's graceful node
    /// shutdown on GKE (enabled there by default), a termination handler's cordon-and-drain on
    /// EKS (AWS Node Termination Handler, Karpenter) and AKS (a Scheduled Events handler).
    pub fn default_handler(self) -> SpotHandler {
        match self {
            Self::Gke => SpotHandler::Shutdown,
            Self::Aks | Self::Eks => SpotHandler::Drain,
        }
    }
}

/// A node pool with `priority: spot`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpotPool {
    /// Index of the node pool in `Cluster::pools`.
    pub pool: usize,
    /// The provider whose label, taint and notice the pool's nodes get.
    pub provider: Provider,
    /// What reacts to an interruption notice (`interruptionHandler`).
    pub handler: SpotHandler,
    /// The kubelet's `shutdownGracePeriod` (graceful node shutdown; default 30 s, GKE's).
    pub shutdown_grace_period: SimDuration,
    /// The kubelet's `shutdownGracePeriodCriticalPods` (default 15 s, GKE's): the last part of
    /// `shutdownGracePeriod`, kept for pods of priority `system-cluster-critical` and above.
    pub shutdown_grace_period_critical_pods: SimDuration,
}

/// `scheduling.SystemCriticalPriority`: pods at or above it are the graceful node shutdown's
/// critical pods.
pub const SYSTEM_CRITICAL_PRIORITY: i32 = 2_000_000_000;
