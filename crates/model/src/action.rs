//! The scenario's timeline of operations, resolved to object ids where the target is fixed.

use crate::labels::LabelSelector;
use crate::meta::{NodeId, WorkloadId};
use kubesim_engine::SimTime;

/// Which pods a `delete-pod` action deletes. Pod names of controllers are random, so a
/// selector is the usual way; it is resolved when the action runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodTarget {
    /// The pod of this name.
    Name {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// Up to `count` live, not-terminating pods matching `selector` (and bound to `node`, if given).
    Selector {
        /// Namespace.
        namespace: String,
        /// Label selector.
        selector: LabelSelector,
        /// Only pods on this node.
        node: Option<NodeId>,
        /// How many pods.
        count: u32,
        /// Which of the matching pods.
        pick: Pick,
    },
}

/// How a selector-based action picks among matching pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pick {
    /// Oldest creation time first (ties by name).
    #[default]
    Oldest,
    /// Newest creation time first (ties by name).
    Newest,
    /// Uniformly at random, from the action stream.
    Random,
}

/// What an action does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    /// `kubectl cordon`: mark nodes unschedulable.
    Cordon {
        /// The nodes.
        nodes: Vec<NodeId>,
    },
    /// `kubectl uncordon`.
    Uncordon {
        /// The nodes.
        nodes: Vec<NodeId>,
    },
    /// `kubectl delete pod` (graceful unless `force`).
    DeletePod {
        /// Which pods.
        target: PodTarget,
        /// `--grace-period` (None = the pod's `terminationGracePeriodSeconds`).
        grace_period_seconds: Option<u64>,
        /// `--force` with `--grace-period=0`: the object goes at once, the kubelet cleans up later.
        force: bool,
    },
    /// `kubectl scale --replicas`.
    Scale {
        /// The workload (Deployment, ReplicaSet or StatefulSet).
        workload: WorkloadId,
        /// New `spec.replicas`.
        replicas: u32,
    },
}

/// One timed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// When it runs.
    pub at: SimTime,
    /// What it does.
    pub kind: ActionKind,
    /// A short label for charts and the summary, e.g. `cordon node-1`.
    pub label: String,
}
