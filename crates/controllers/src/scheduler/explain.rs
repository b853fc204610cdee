//! `kubesim explain`: a record of one scheduling attempt of one pod — every node's verdict
//! from each filter plugin, each score plugin's raw, normalised and weighted score, the totals
//! and the choice (or why there was none, and what preemption did).
//!
//! Recording is armed for one pod (by name, or the first pod whose name starts with the given
//! prefix) and one attempt (the first at or after a time); attempts of other pods pay one
//! `Option` check.

use kubesim_engine::SimTime;

/// Which attempt to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRequest {
    /// The pod's name, or a prefix of it (`web-` for the pods of Deployment `web`).
    pub pod: String,
    /// The first attempt at or after this time.
    pub at: SimTime,
}

impl ExplainRequest {
    /// Whether a pod of this name is the one asked for.
    pub fn matches(&self, name: &str) -> bool {
        name.starts_with(&self.pod)
    }
}

/// One filter plugin's verdict on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterVerdict {
    /// Upstream plugin name.
    pub plugin: &'static str,
    /// `Success`, `Unschedulable`, `UnschedulableAndUnresolvable`, or `Skip` (its PreFilter
    /// said it does not apply to this pod).
    pub code: &'static str,
    /// Upstream's reason strings on failure.
    pub reasons: Vec<String>,
    /// The arithmetic behind the verdict, where kubesim can say more than the reason
    /// (PodTopologySpread's skew per constraint).
    pub details: Vec<String>,
}

/// One score plugin's scores on one node.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreEntry {
    /// Upstream plugin name.
    pub plugin: &'static str,
    /// Whether its PreScore skipped it (every score 0).
    pub skipped: bool,
    /// The raw score.
    pub raw: i64,
    /// After NormalizeScore (0–100).
    pub normalized: i64,
    /// The plugin's weight.
    pub weight: i64,
    /// `normalized × weight`.
    pub weighted: i64,
}

/// One node in the attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRecord {
    /// The node's name.
    pub node: String,
    /// Its place in the scheduler's node order for this attempt (None: not evaluated, because
    /// enough feasible nodes were found before it).
    pub evaluated: Option<usize>,
    /// Each filter's verdict, in plugin order, up to the first failure (upstream stops there).
    pub filters: Vec<FilterVerdict>,
    /// Whether every filter passed.
    pub feasible: bool,
    /// Scores (empty when the node was not scored).
    pub scores: Vec<ScoreEntry>,
    /// The sum of the weighted scores.
    pub total: Option<i64>,
}

/// A PreFilter or PreScore result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageResult {
    /// Upstream plugin name.
    pub plugin: &'static str,
    /// `Success` or `Skip`.
    pub code: &'static str,
}

/// One domain's count of one spread constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpreadConstraintRecord {
    /// `topologyKey`
    pub topology_key: String,
    /// `maxSkew`
    pub max_skew: i32,
    /// `whenUnsatisfiable`
    pub when_unsatisfiable: &'static str,
    /// `minDomains` (effective).
    pub min_domains: i32,
    /// The selector pods are counted with (after `matchLabelKeys`), or `<none>`.
    pub selector: String,
    /// Whether it is one of the system default constraints.
    pub system_default: bool,
    /// Matching pods per domain, over the eligible nodes.
    pub domains: Vec<(String, u32)>,
    /// The global minimum (None: no domain).
    pub global_min: Option<u32>,
}

/// What preemption did after the filters found no node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreemptionRecord {
    /// The pod may not preempt.
    NotEligible(String),
    /// No node would fit even after evicting every lower-priority pod.
    NoCandidate,
    /// Victims were chosen and the pod nominated.
    Nominated {
        /// The node the pod is nominated to.
        node: String,
        /// The victims (`namespace/name`), most important first.
        victims: Vec<String>,
        /// How many candidates the dry run found.
        candidates: usize,
    },
}

/// How the attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptResult {
    /// Bound to a node.
    Scheduled {
        /// The node.
        node: String,
        /// Why this node: the only feasible one, the nominated node, or the best total (and
        /// how many nodes tied for it).
        why: String,
    },
    /// No node fits.
    Unschedulable {
        /// The `FailedScheduling` message.
        message: String,
        /// What preemption did.
        preemption: PreemptionRecord,
    },
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    /// `namespace/name`
    pub pod: String,
    /// When it ran.
    pub time: SimTime,
    /// The pod's attempt number (1 for its first).
    pub attempt: u32,
    /// The pod's priority.
    pub priority: i32,
    /// Live nodes.
    pub num_nodes: usize,
    /// `numFeasibleNodesToFind`.
    pub nodes_to_find: usize,
    /// The nominated node evaluated first, if the pod had one.
    pub nominated_node: Option<String>,
    /// PreFilter results.
    pub prefilter: Vec<StageResult>,
    /// PreScore results (empty when there was nothing to score).
    pub prescore: Vec<StageResult>,
    /// The topology spread constraints in force, with their counts.
    pub spread: Vec<SpreadConstraintRecord>,
    /// Every node, in the order the scheduler visited them, then the nodes it did not reach.
    pub nodes: Vec<NodeRecord>,
    /// The outcome.
    pub result: AttemptResult,
}
