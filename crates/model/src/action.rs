//! The scenario's timeline of operations, resolved to object ids where the target is fixed.

use crate::labels::LabelSelector;
use crate::meta::{NodeId, WorkloadId};
use crate::node::CondStatus;
use crate::probe::ProbeKinds;
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
    /// A controller sets a pod condition through `pods/status`, as readiness-gate
    /// controllers (e.g. a load balancer's) do.
    SetPodCondition {
        /// Which pods.
        target: PodTarget,
        /// The condition type (a readiness gate's `conditionType`).
        condition_type: String,
        /// Its status.
        status: CondStatus,
        /// `reason`
        reason: String,
        /// `message`
        message: String,
    },
    /// The application in the pods' containers stops answering its probes (not an API
    /// operation: the world changes, and the kubelet finds out by probing).
    MakeUnhealthy {
        /// Which pods.
        target: PodTarget,
        /// What fails and for how long.
        fault: Fault,
    },
    /// The application answers its probes again (ends the faults of `MakeUnhealthy`).
    MakeHealthy {
        /// Which pods.
        target: PodTarget,
        /// Only this container (None = all).
        container: Option<String>,
    },
    /// `kubectl debug -it <pod> --image=<image> [--target=<container>]`: adds an ephemeral
    /// container to each running target pod.
    Debug {
        /// Which pods.
        target: PodTarget,
        /// The ephemeral container's name (None = `debugger-<5 random characters>`, from the
        /// action stream, as kubectl names it).
        name: Option<String>,
        /// Its image.
        image: String,
        /// `--target`: the container whose process namespace it shares.
        target_container: Option<String>,
        /// How long the session lasts before the container exits 0 (None = until the pod ends).
        run_for: Option<SimDuration>,
    },
}

/// An application fault: from the action's time, the probes of the chosen kinds fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Only this container (None = every container of the pod).
    pub container: Option<String>,
    /// How long it lasts (None = until a `MakeHealthy` action).
    pub duration: Option<SimDuration>,
    /// Which probes fail.
    pub probes: ProbeKinds,
    /// The application hangs: each probe fails only after its `timeoutSeconds` (else it
    /// answers with an error at once).
    pub timeout: bool,
    /// A restart of the container ends the fault (a stuck process); otherwise the fault
    /// outlives restarts (a broken dependency).
    pub until_restart: bool,
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
