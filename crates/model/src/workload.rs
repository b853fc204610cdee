//! Workloads: Deployments, ReplicaSets, StatefulSets and DaemonSets with their pod templates.

use crate::labels::LabelSelector;
use crate::meta::{Kind, Meta, WorkloadId};
use crate::pod::PodTemplate;

/// An integer or a percentage (`intstr.IntOrString`), as in `maxSurge: 25%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    /// An absolute number.
    Int(i64),
    /// A percentage of a total.
    Percent(i64),
}

impl IntOrPercent {
    /// `GetScaledValueFromIntOrPercent`: the integer, or `percent × total / 100` rounded up or down.
    pub fn scaled(self, total: i64, round_up: bool) -> i64 {
        match self {
            Self::Int(v) => v,
            Self::Percent(p) => {
                let num = p * total;
                if round_up {
                    num.div_euclid(100) + i64::from(num.rem_euclid(100) != 0)
                } else {
                    num.div_euclid(100)
                }
            }
        }
    }

    /// Parses `3` or `"25%"`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.strip_suffix('%') {
            Some(p) => p.parse().ok().map(Self::Percent),
            None => s.parse().ok().map(Self::Int),
        }
    }
}

impl std::fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// `spec.strategy` of a Deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentStrategy {
    /// `RollingUpdate` with `maxSurge` and `maxUnavailable` (defaults 25% / 25%).
    RollingUpdate {
        /// `maxSurge`
        max_surge: IntOrPercent,
        /// `maxUnavailable`
        max_unavailable: IntOrPercent,
    },
    /// `Recreate`
    Recreate,
}

impl Default for DeploymentStrategy {
    fn default() -> Self {
        Self::RollingUpdate {
            max_surge: IntOrPercent::Percent(25),
            max_unavailable: IntOrPercent::Percent(25),
        }
    }
}

/// `spec.podManagementPolicy` of a StatefulSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PodManagementPolicy {
    /// One pod at a time, in ordinal order (the default).
    #[default]
    OrderedReady,
    /// All at once.
    Parallel,
}

/// Kind-specific parts of a workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkloadSpec {
    /// A Deployment.
    Deployment {
        /// `spec.strategy`
        strategy: DeploymentStrategy,
        /// `spec.progressDeadlineSeconds` (the API server's default is 600); None when it is
        /// `math.MaxInt32`, which upstream's `HasProgressDeadline` reads as "no deadline".
        progress_deadline_seconds: Option<u64>,
    },
    /// A ReplicaSet (owned by a Deployment or standalone).
    ReplicaSet {
        /// The `pod-template-hash` label value, if owned by a Deployment.
        template_hash: Option<String>,
    },
    /// A StatefulSet.
    StatefulSet {
        /// `spec.podManagementPolicy`
        pod_management_policy: PodManagementPolicy,
        /// `spec.serviceName`
        service_name: String,
    },
    /// A DaemonSet: one pod per eligible node. Its [`Workload::replicas`] holds
    /// `status.desiredNumberScheduled` (the DaemonSet has no `spec.replicas`), written by its
    /// controller.
    DaemonSet {
        /// `spec.updateStrategy.rollingUpdate.maxUnavailable` (default 1).
        max_unavailable: IntOrPercent,
        /// `spec.updateStrategy.rollingUpdate.maxSurge` (default 0).
        max_surge: IntOrPercent,
    },
}

/// Status counters of a workload, as its controller would write them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkloadStatus {
    /// `status.replicas`: pods that exist and are not terminating... as upstream counts (active pods).
    pub replicas: u32,
    /// `status.readyReplicas`
    pub ready_replicas: u32,
    /// `status.availableReplicas`
    pub available_replicas: u32,
    /// `status.updatedReplicas` (Deployments: pods of the ReplicaSet of the current template).
    pub updated_replicas: u32,
}

/// A workload controller object.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Metadata.
    pub meta: Meta,
    /// Deployment, ReplicaSet, StatefulSet or DaemonSet.
    pub kind: Kind,
    /// `spec.replicas` (default 1).
    pub replicas: u32,
    /// `spec.selector`
    pub selector: LabelSelector,
    /// `spec.template`
    pub template: PodTemplate,
    /// `spec.minReadySeconds`
    pub min_ready_seconds: u64,
    /// Kind-specific fields.
    pub spec: WorkloadSpec,
    /// The owning workload (a Deployment for its ReplicaSets).
    pub owner: Option<WorkloadId>,
    /// Status counters.
    pub status: WorkloadStatus,
    /// Index of the behaviour (timings) the pods of this workload follow.
    pub behaviour: crate::behaviour::BehaviourId,
    /// A Deployment's `Progressing` condition, as its controller last wrote it (None: not
    /// written yet, or no progress deadline).
    pub progressing: Option<DeploymentCondition>,
}

/// `spec.progressDeadlineSeconds` when a Deployment does not set it (the API server's
/// defaulting, `pkg/apis/apps/v1/defaults.go`).
pub const DEFAULT_PROGRESS_DEADLINE_SECONDS: u64 = 600;

/// A Deployment condition (`apps/v1 DeploymentCondition`); kubesim keeps the `Progressing`
/// one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentCondition {
    /// `status`
    pub status: crate::node::CondStatus,
    /// `reason`: `NewReplicaSetCreated`, `FoundNewReplicaSet`, `ReplicaSetUpdated`,
    /// `NewReplicaSetAvailable` or `ProgressDeadlineExceeded`.
    pub reason: &'static str,
    /// `message`, e.g. `ReplicaSet "web-5c9d" has timed out progressing.`
    pub message: String,
    /// `lastUpdateTime`: the last time progress was seen (or the condition changed).
    pub last_update: kubesim_engine::SimTime,
    /// `lastTransitionTime`: the last time `status` changed.
    pub last_transition: kubesim_engine::SimTime,
}

/// `ResolveFenceposts` (`pkg/controller/deployment/util/deployment_util.go`): `maxSurge`
/// scaled with rounding up and `maxUnavailable` with rounding down against `desired`; when
/// both come out 0, `maxUnavailable` becomes 1 ("surge might not work due to quota").
pub fn resolve_fenceposts(
    max_surge: IntOrPercent,
    max_unavailable: IntOrPercent,
    desired: i64,
) -> (i64, i64) {
    let surge = max_surge.scaled(desired, true);
    let mut unavailable = max_unavailable.scaled(desired, false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_or_percent_rounding() {
        // ResolveFenceposts: 10 replicas, 25% surge rounds up to 3, 25% unavailable down to 2.
        assert_eq!(IntOrPercent::Percent(25).scaled(10, true), 3);
        assert_eq!(IntOrPercent::Percent(25).scaled(10, false), 2);
        assert_eq!(IntOrPercent::Percent(25).scaled(3, true), 1);
        assert_eq!(IntOrPercent::Percent(25).scaled(3, false), 0);
        assert_eq!(IntOrPercent::Int(2).scaled(100, false), 2);
        assert_eq!(IntOrPercent::parse("30%"), Some(IntOrPercent::Percent(30)));
        assert_eq!(IntOrPercent::parse("4"), Some(IntOrPercent::Int(4)));
        assert_eq!(IntOrPercent::parse("x%"), None);
    }

    #[test]
    fn resolve_fenceposts_examples() {
        use IntOrPercent::{Int, Percent};
        // The reference's examples with the 25%/25% defaults: 10 replicas -> surge ceil(2.5)=3,
        // unavailable floor(2.5)=2; 3 replicas -> ceil(0.75)=1 and floor(0.75)=0; 1 replica ->
        // 1 and 0.
        assert_eq!(resolve_fenceposts(Percent(25), Percent(25), 10), (3, 2));
        assert_eq!(resolve_fenceposts(Percent(25), Percent(25), 3), (1, 0));
        assert_eq!(resolve_fenceposts(Percent(25), Percent(25), 1), (1, 0));
        // maxSurge 0 and a percentage that rounds down to 0: unavailable becomes 1.
        assert_eq!(resolve_fenceposts(Int(0), Percent(25), 3), (0, 1));
        // Integers are taken as they are.
        assert_eq!(resolve_fenceposts(Int(2), Int(1), 10), (2, 1));
        // 0 replicas: 0 and 0, so unavailable 1.
        assert_eq!(resolve_fenceposts(Percent(25), Percent(25), 0), (0, 1));
    }
}
