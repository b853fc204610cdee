//! The scenario's timeline of operations, resolved to object ids where the target is fixed.

use crate::labels::LabelSelector;
use crate::meta::{NodeId, WorkloadId};
use crate::node::{Taint, TaintEffect};
use kubesim_engine::{SimDuration, SimTime};

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
    // ----- Node faults and node operations (node health) ---------------------------------
    /// The nodes lose power: heartbeats stop and every container stops with them.
    CrashNode {
        /// The nodes.
        nodes: Vec<NodeId>,
    },
    /// The kubelets stop (the machines keep running): heartbeats stop, containers keep
    /// running, nothing on those nodes progresses or reports.
    StopKubelet {
        /// The nodes.
        nodes: Vec<NodeId>,
    },
    /// A network partition between the nodes and the control plane: the kubelets and their
    /// containers keep running but neither heartbeats nor pod status reach the API server,
    /// and the kubelets do not hear of API changes.
    Partition {
        /// The nodes cut off.
        nodes: Vec<NodeId>,
    },
    /// Every node of a zone fails at once.
    ZoneOutage {
        /// The zone (value of `topology.kubernetes.io/zone`).
        zone: String,
        /// Its nodes (resolved when the scenario is read).
        nodes: Vec<NodeId>,
        /// How the nodes fail.
        mode: OutageMode,
    },
    /// The nodes recover from whatever fault they have: a crashed node boots, a stopped
    /// kubelet starts, a partition heals.
    RecoverNode {
        /// The nodes.
        nodes: Vec<NodeId>,
    },
    /// Every node of a zone recovers.
    RecoverZone {
        /// The zone.
        zone: String,
        /// Its nodes.
        nodes: Vec<NodeId>,
    },
    /// The machines are gone and their Node objects are deleted (`kubectl delete node`).
    DeleteNode {
        /// The nodes.
        nodes: Vec<NodeId>,
    },
    /// A spot (preemptible) interruption: a notice, then the machine is terminated `notice`
    /// later and the cloud controller deletes its Node object once it is not Ready.
    SpotInterruption {
        /// The nodes.
        nodes: Vec<NodeId>,
        /// Time between the notice and the termination (AWS 2 min, GCP and Azure 30 s).
        notice: SimDuration,
        /// What reacts to the notice.
        handler: SpotHandler,
    },
    /// `kubectl taint nodes <nodes> key=value:effect` (an existing taint with the same key
    /// and effect is overwritten).
    Taint {
        /// The nodes.
        nodes: Vec<NodeId>,
        /// The taint (`timeAdded` is set when it is applied, for NoExecute taints).
        taint: Taint,
    },
    /// `kubectl taint nodes <nodes> key[:effect]-`.
    Untaint {
        /// The nodes.
        nodes: Vec<NodeId>,
        /// The key.
        key: String,
        /// The effect (None removes the key with every effect).
        effect: Option<TaintEffect>,
    },
}

impl ActionKind {
    /// Whether the action acts on nodes' health or taints (run by the node-health
    /// components rather than as a plain API call).
    pub fn is_node_operation(&self) -> bool {
        !matches!(
            self,
            Self::Cordon { .. }
                | Self::Uncordon { .. }
                | Self::DeletePod { .. }
                | Self::Scale { .. }
        )
    }
}

/// How the nodes of a zone outage fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutageMode {
    /// Power loss: like [`ActionKind::CrashNode`] on every node (the default).
    #[default]
    Crash,
    /// The zone is cut off from the control plane: like [`ActionKind::Partition`].
    Partition,
}

/// What reacts to a spot interruption notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpotHandler {
    /// A termination handler (AWS Node Termination Handler, Karpenter's interruption
    /// handling) cordons the node and deletes its pods gracefully at the notice (the
    /// default).
    #[default]
    Drain,
    /// Nothing reacts: the machine just goes away at the end of the notice.
    None,
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
