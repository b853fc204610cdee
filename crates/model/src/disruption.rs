//! What voluntary disruptions leave in the trace: one record per drain and per node-pool
//! upgrade, from which the report computes durations and the time PDBs blocked them.

use kubesim_engine::{SimDuration, SimTime};

/// A time during which evictions of one pod were refused because of one PDB: from the first
/// refusal (429) until the eviction was allowed, the drain gave up, or the run ended (`to`
/// None).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedSpan {
    /// The PDB, `namespace/name`.
    pub pdb: String,
    /// The pod, `namespace/name`.
    pub pod: String,
    /// The first refusal.
    pub from: SimTime,
    /// When the pod stopped being blocked.
    pub to: Option<SimTime>,
}

/// One node of a drain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDrainRecord {
    /// The node's name.
    pub node: String,
    /// When kubectl started on this node (after cordoning all nodes and draining the ones before).
    pub start: Option<SimTime>,
    /// When the node was drained or its drain failed.
    pub end: Option<SimTime>,
    /// Why the node could not be drained, as kubectl reports it.
    pub error: Option<String>,
}

/// How a drain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainOutcome {
    /// Still running at the end of the run.
    Running,
    /// Every node was drained (`node/<name> drained`).
    Drained,
    /// At least one node could not be drained (filters, timeout, eviction errors).
    Failed,
    /// Stopped by its owner (a failed node-pool upgrade).
    Cancelled,
}

impl DrainOutcome {
    /// `running`, `drained`, `failed` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Drained => "drained",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One `kubectl drain` (from a `drain` action or a node-pool upgrade).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainRecord {
    /// What started it, e.g. `drain node-1,node-2` or `upgrade-pool pool (node pool-3)`.
    pub label: String,
    /// When it started (the cordon).
    pub start: SimTime,
    /// When it finished (None while running).
    pub end: Option<SimTime>,
    /// How it ended.
    pub outcome: DrainOutcome,
    /// The nodes, in drain order.
    pub nodes: Vec<NodeDrainRecord>,
    /// Evictions the API allowed.
    pub evictions_allowed: u32,
    /// Evictions the API refused (every 429, including retries).
    pub evictions_refused: u32,
    /// Pods deleted without the Eviction API (`--disable-eviction`, or forced by an upgrade).
    pub deletions: u32,
    /// When PDBs blocked evictions.
    pub blocked: Vec<BlockedSpan>,
    /// The index of the upgrade (in [`crate::Trace::upgrades`]) that ran this drain, if any.
    pub upgrade: Option<u32>,
}

/// How a node-pool upgrade ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpgradeOutcome {
    /// Still running at the end of the run.
    Running,
    /// Every old node was replaced.
    Succeeded,
    /// The upgrade stopped; the reason as the provider reports it (`PodEvictionFailure: ...`).
    Failed(String),
}

/// One managed node-pool upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeRecord {
    /// The pool.
    pub pool: String,
    /// The action's label.
    pub label: String,
    /// When it started.
    pub start: SimTime,
    /// When the last old node was gone and the last new node Ready (None while running or
    /// after a failure).
    pub end: Option<SimTime>,
    /// How it ended.
    pub outcome: UpgradeOutcome,
    /// `maxSurge` resolved against the pool size.
    pub max_surge: u32,
    /// `maxUnavailable` resolved against the pool size.
    pub max_unavailable: u32,
    /// Nodes of the pool when it started.
    pub old_nodes: Vec<String>,
    /// Nodes it created, in creation order.
    pub new_nodes: Vec<String>,
    /// The largest number of pool nodes beyond the original count at any instant.
    pub peak_extra_nodes: u32,
    /// Nodes whose drain hit the timeout and whose pods were deleted anyway (`force-after`).
    pub forced_nodes: Vec<String>,
    /// Time spent waiting for new nodes to be provisioned.
    pub provisioning_wait: SimDuration,
}

/// One eviction the Eviction API allowed, with what it did to the pod's PodDisruptionBudget,
/// counted on the objects at that instant (not on the PDB's status, which may be stale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvictionRecord {
    /// When it was allowed.
    pub time: SimTime,
    /// The pod, `namespace/name`.
    pub pod: String,
    /// The PDB that matched the pod, as `pdb/<name>` (`pdb/<ns>/<name>` outside `default`);
    /// None when none did.
    pub pdb: Option<String>,
    /// Whether the pod counted as healthy for the PDB (Ready, not being deleted) before.
    pub pod_was_healthy: bool,
    /// The PDB's pods that are Ready and not being deleted, after the eviction.
    pub healthy_after: i64,
    /// The PDB's `desiredHealthy`.
    pub desired_healthy: i64,
}

impl EvictionRecord {
    /// Whether the eviction took a healthy pod away from a PDB that then had fewer healthy
    /// pods than it needs.
    pub fn violates_pdb(&self) -> bool {
        self.pdb.is_some() && self.pod_was_healthy && self.healthy_after < self.desired_healthy
    }
}
