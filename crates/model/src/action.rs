//! The scenario's timeline of operations, resolved to object ids where the target is fixed.

use crate::labels::LabelSelector;
use crate::meta::{NodeId, WorkloadId};
use crate::node::{CondStatus, Node, Taint, TaintEffect};
use crate::probe::ProbeKinds;
use crate::workload::IntOrPercent;
use kubesim_engine::{Dist, SimDuration, SimTime};

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

/// The flags of `kubectl drain` that kubesim simulates (defaults as kubectl's).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DrainOptions {
    /// `--ignore-daemonsets`: DaemonSet pods are left on the node instead of failing the drain.
    pub ignore_daemonsets: bool,
    /// `--delete-emptydir-data`: pods with `emptyDir` volumes may be evicted.
    pub delete_emptydir_data: bool,
    /// `--force`: pods without a controller may be evicted.
    pub force: bool,
    /// `--grace-period` (None = -1: each pod's own `terminationGracePeriodSeconds`).
    pub grace_period_seconds: Option<u64>,
    /// `--timeout` (None = 0: wait forever), per node as kubectl's `evictPods` applies it.
    pub timeout: Option<SimDuration>,
    /// `--disable-eviction`: plain DELETE, bypassing PodDisruptionBudgets.
    pub disable_eviction: bool,
    /// `--pod-selector`: only pods matching it are drained.
    pub pod_selector: Option<LabelSelector>,
    /// `--skip-wait-for-delete-timeout` in seconds (0 = off): pods whose deletionTimestamp is
    /// older than this are not waited for.
    pub skip_wait_for_delete_timeout_seconds: u64,
}

/// A change of a workload's pod template (`kubectl set image`, `kubectl rollout restart`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateChange {
    /// A new image for one container (the first one when `container` is None).
    Image {
        /// The container's name.
        container: Option<String>,
        /// The new image.
        image: String,
    },
    /// `kubectl rollout restart`: the template's `kubectl.kubernetes.io/restartedAt`
    /// annotation is set to the current time.
    Restart,
}

/// Which nodes an `add-node` action adds.
#[derive(Debug, Clone, PartialEq)]
pub enum NewNodes {
    /// `count` more nodes of a pool, named and zoned as the pool's next ones.
    Pool {
        /// The pool's name.
        pool: String,
        /// How many nodes.
        count: u32,
    },
    /// One node given in full (Ready when added).
    Node(Box<Node>),
}

/// What a managed node-pool upgrade does when a node's drain takes too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainTimeoutBehaviour {
    /// Keep waiting: PodDisruptionBudgets can block the upgrade forever.
    RespectPdb,
    /// After this long, delete the remaining pods without the Eviction API and go on (GKE
    /// respects PDBs for up to 1 hour per node).
    ForceAfter(SimDuration),
    /// After this long, the upgrade fails with `PodEvictionFailure` (EKS managed node groups,
    /// 15 minutes, without the force flag).
    FailAfter(SimDuration),
}

/// Settings of a surge upgrade of a node pool.
#[derive(Debug, Clone, PartialEq)]
pub struct UpgradeSettings {
    /// `maxSurge`: extra nodes created per batch (a percentage of the pool rounds up).
    pub max_surge: IntOrPercent,
    /// `maxUnavailable`: old nodes drained per batch beyond the surge nodes (a percentage
    /// rounds up).
    pub max_unavailable: IntOrPercent,
    /// How long a new node takes from the request until it is Ready.
    pub provisioning: Dist,
    /// What happens when a node's drain takes too long.
    pub drain_timeout: DrainTimeoutBehaviour,
}

/// What an action does.
#[derive(Debug, Clone, PartialEq)]
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
    /// `kubectl drain`: cordon every node first, then evict (or delete) the pods of each node
    /// in turn.
    Drain {
        /// The nodes, in the order they are drained.
        nodes: Vec<NodeId>,
        /// The flags.
        options: DrainOptions,
    },
    /// One `POST pods/<name>/eviction` per target pod (no retries).
    EvictPod {
        /// Which pods.
        target: PodTarget,
        /// `deleteOptions.gracePeriodSeconds` (None = the pod's own).
        grace_period_seconds: Option<u64>,
        /// `dryRun: [All]`: the API answers and changes nothing.
        dry_run: bool,
    },
    /// A change of a Deployment's pod template: a rollout.
    Rollout {
        /// The Deployment.
        workload: WorkloadId,
        /// The change.
        change: TemplateChange,
        /// The behaviour the pods of the new revision follow: the rollout's own `behaviour`
        /// (e.g. "the new image crashes"), or the workload's from the scenario's `behaviour`
        /// section when the rollout gives none.
        behaviour: crate::behaviour::BehaviourId,
    },
    /// New nodes join the cluster (Ready at once).
    AddNode {
        /// Which nodes.
        nodes: NewNodes,
    },
    /// A managed surge upgrade of a node pool: the pool ends on new nodes.
    UpgradePool {
        /// The pool's name.
        pool: String,
        /// The settings.
        settings: UpgradeSettings,
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
    /// later and the cloud controller deletes its Node object once it is not Ready. Either
    /// named nodes at the action's time, or (`rate`) a pool's nodes at random times.
    SpotInterruption {
        /// The nodes (empty with `rate`).
        nodes: Vec<NodeId>,
        /// Time between the notice and the termination (None: the node's spot pool's provider
        /// says, AWS 2 min, GCP and Azure 30 s; 2 min for a node of no spot pool).
        notice: Option<SimDuration>,
        /// What reacts to the notice (None: the node's spot pool says; `drain` for a node of
        /// no spot pool).
        handler: Option<SpotHandler>,
        /// Interruptions at random times instead of named nodes.
        rate: Option<SpotRate>,
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
    // ----- kubelet pod lifecycle -------------------------------------------------------
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

impl ActionKind {
    /// Whether the action acts on nodes' health or taints (run by the node-health
    /// components rather than as a plain API call).
    pub fn is_node_operation(&self) -> bool {
        matches!(
            self,
            Self::CrashNode { .. }
                | Self::StopKubelet { .. }
                | Self::Partition { .. }
                | Self::ZoneOutage { .. }
                | Self::RecoverNode { .. }
                | Self::RecoverZone { .. }
                | Self::DeleteNode { .. }
                | Self::SpotInterruption { .. }
                | Self::Taint { .. }
                | Self::Untaint { .. }
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
    /// The kubelet's graceful node shutdown (`shutdownGracePeriod`,
    /// `shutdownGracePeriodCriticalPods`): the node turns NotReady and its pods are stopped,
    /// regular ones first, and end Failed (`Terminated`).
    Shutdown,
    /// Nothing reacts: the machine just goes away at the end of the notice.
    None,
}

impl SpotHandler {
    /// The name as written in a scenario.
    pub fn name(self) -> &'static str {
        match self {
            Self::Drain => "drain",
            Self::Shutdown => "shutdown",
            Self::None => "none",
        }
    }
}

/// Spot interruptions of a pool's nodes at random times: a Poisson process of `per_hour`
/// interruptions per hour (exponential gaps drawn from the action's own seeded stream), each
/// hitting one of the pool's live nodes not yet noticed, drawn uniformly from the same stream.
#[derive(Debug, Clone, PartialEq)]
pub struct SpotRate {
    /// Index of the node pool in `Cluster::pools`.
    pub pool: usize,
    /// Interruptions per hour over the whole pool.
    pub per_hour: f64,
    /// No interruption after this time (None: until the end of the run).
    pub until: Option<kubesim_engine::SimTime>,
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
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// When it runs.
    pub at: SimTime,
    /// What it does.
    pub kind: ActionKind,
    /// A short label for charts and the summary, e.g. `cordon node-1`.
    pub label: String,
}
