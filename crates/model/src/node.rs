//! Nodes: allocatable resources, taints, conditions, and the well-known labels.

use crate::labels::Labels;
use crate::meta::Meta;
use crate::resources::Resources;
use kubesim_engine::SimTime;

/// `kubernetes.io/hostname`
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
/// `kubernetes.io/os` (`v1.LabelOSStable`), set by the kubelet to its `GOOS`.
pub const LABEL_OS: &str = "kubernetes.io/os";
/// `kubernetes.io/arch` (`v1.LabelArchStable`), set by the kubelet to its `GOARCH`.
pub const LABEL_ARCH: &str = "kubernetes.io/arch";
/// `beta.kubernetes.io/os` (`kubeletapis.LabelOS`, deprecated), set by the kubelet too.
pub const LABEL_OS_BETA: &str = "beta.kubernetes.io/os";
/// `beta.kubernetes.io/arch` (`kubeletapis.LabelArch`, deprecated), set by the kubelet too.
pub const LABEL_ARCH_BETA: &str = "beta.kubernetes.io/arch";
/// The operating system kubesim's kubelets report unless a scenario says otherwise.
pub const DEFAULT_OS: &str = "linux";
/// The architecture kubesim's kubelets report unless a scenario says otherwise.
pub const DEFAULT_ARCH: &str = "amd64";

/// The os/arch labels a kubelet registers its Node with (`initialNode`,
/// `pkg/kubelet/kubelet_node_status.go`: `kubernetes.io/os`, `kubernetes.io/arch` and their
/// deprecated `beta.kubernetes.io/*` twins, from the kubelet binary's `GOOS`/`GOARCH`), for a
/// kubelet on `os`/`arch`.
pub fn kubelet_os_arch_labels(os: &str, arch: &str) -> [(&'static str, String); 4] {
    [
        (LABEL_OS, os.to_string()),
        (LABEL_ARCH, arch.to_string()),
        (LABEL_OS_BETA, os.to_string()),
        (LABEL_ARCH_BETA, arch.to_string()),
    ]
}

/// Inserts the kubelet's os/arch labels into the labels of a node kubesim makes (a pool's,
/// an inline node, `add-node`), then lays `own` (the scenario's labels) over them; the beta
/// twins then follow the stable labels ([`reconcile_os_arch_labels`]), so a scenario that says
/// `kubernetes.io/arch: arm64` gets an arm64 node throughout.
pub fn apply_kubelet_labels(l: &mut Labels, own: impl IntoIterator<Item = (String, String)>) {
    for (k, v) in kubelet_os_arch_labels(DEFAULT_OS, DEFAULT_ARCH) {
        l.insert(k.into(), v);
    }
    l.extend(own);
    reconcile_os_arch_labels(l);
}

/// The node lifecycle controller's `reconcileNodeLabels`
/// (`pkg/controller/nodelifecycle/node_lifecycle_controller.go`, `labelReconcileInfo`): for
/// os and arch the stable label is the source of truth; when it exists, its beta twin is set
/// to its value if it differs or is missing (`ensureSecondaryExists`). A node without the
/// stable label is left alone. Returns whether a label changed.
pub fn reconcile_os_arch_labels(l: &mut Labels) -> bool {
    let mut changed = false;
    for (primary, secondary) in [(LABEL_OS, LABEL_OS_BETA), (LABEL_ARCH, LABEL_ARCH_BETA)] {
        let Some(v) = l.get(primary).cloned() else { continue };
        if l.get(secondary) != Some(&v) {
            l.insert(secondary.into(), v);
            changed = true;
        }
    }
    changed
}

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
