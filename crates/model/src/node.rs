//! Nodes: allocatable resources, taints, conditions, and the well-known labels.

use crate::labels::Labels;
use crate::meta::Meta;
use crate::resources::Resources;
use kubesim_engine::SimTime;

/// `kubernetes.io/hostname`
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
/// `topology.kubernetes.io/zone`
pub const LABEL_ZONE: &str = "topology.kubernetes.io/zone";
/// `topology.kubernetes.io/region`
pub const LABEL_REGION: &str = "topology.kubernetes.io/region";
/// The label kubesim puts on every node of a node pool (simulator-specific; providers use
/// `cloud.google.com/gke-nodepool`, `agentpool`, `eks.amazonaws.com/nodegroup`).
pub const LABEL_NODE_POOL: &str = "kubesim.io/node-pool";
/// `node.kubernetes.io/unschedulable`: the taint key of a cordoned node.
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
/// `node.kubernetes.io/not-ready`
pub const TAINT_NOT_READY: &str = "node.kubernetes.io/not-ready";
/// `node.kubernetes.io/unreachable`
pub const TAINT_UNREACHABLE: &str = "node.kubernetes.io/unreachable";

/// A taint's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaintEffect {
    /// New pods that do not tolerate the taint are not scheduled.
    NoSchedule,
    /// The scheduler avoids the node if it can.
    PreferNoSchedule,
    /// Pods that do not tolerate the taint are evicted.
    NoExecute,
}

impl TaintEffect {
    /// Parses the effect as the API spells it.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "NoSchedule" => Self::NoSchedule,
            "PreferNoSchedule" => Self::PreferNoSchedule,
            "NoExecute" => Self::NoExecute,
            _ => return None,
        })
    }

    /// The effect as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoSchedule => "NoSchedule",
            Self::PreferNoSchedule => "PreferNoSchedule",
            Self::NoExecute => "NoExecute",
        }
    }
}

/// A node taint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Taint {
    /// `key`
    pub key: String,
    /// `value` (may be empty)
    pub value: String,
    /// `effect`
    pub effect: TaintEffect,
    /// `timeAdded` (only NoExecute taints carry it upstream).
    pub time_added: Option<SimTime>,
}

/// The status of a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CondStatus {
    /// `"True"`
    True,
    /// `"False"`
    False,
    /// `"Unknown"`
    Unknown,
}

impl CondStatus {
    /// `"True"`, `"False"` or `"Unknown"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::True => "True",
            Self::False => "False",
            Self::Unknown => "Unknown",
        }
    }

    /// From a boolean.
    pub fn from_bool(b: bool) -> Self {
        if b { Self::True } else { Self::False }
    }
}

/// The node's `Ready` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeReady {
    /// `status`
    pub status: CondStatus,
    /// `reason`, e.g. `KubeletReady`, `NodeStatusUnknown`.
    pub reason: &'static str,
    /// `message`
    pub message: &'static str,
    /// `lastTransitionTime`
    pub last_transition: SimTime,
}

/// A node as kubesim keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Metadata; labels include the well-known ones.
    pub meta: Meta,
    /// `status.allocatable`: what pods may request.
    pub allocatable: Resources,
    /// `status.capacity`
    pub capacity: Resources,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
    /// `spec.taints`
    pub taints: Vec<Taint>,
    /// The `Ready` condition.
    pub ready: NodeReady,
    /// The node pool the node belongs to, if any.
    pub pool: Option<String>,
    /// The zone (value of `topology.kubernetes.io/zone`), if any.
    pub zone: Option<String>,
    /// Images present on the node (`status.images`), sorted.
    pub images: std::collections::BTreeSet<String>,
    /// Set when the Node object has been deleted.
    pub removed: Option<SimTime>,
}

impl Node {
    /// The node's labels.
    pub fn labels(&self) -> &Labels {
        &self.meta.labels
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// Whether the node is `Ready=True`.
    pub fn is_ready(&self) -> bool {
        self.ready.status == CondStatus::True
    }
}
