//! The scheduling framework's vocabulary: plugin ids, statuses with upstream's codes, the
//! per-cycle state every plugin's PreFilter/PreScore fills once per pod, the "what if" overlay
//! preemption and nominated pods use, and normalisation helpers.
//!
//! Source: `staging/src/k8s.io/kube-scheduler/framework/interface.go`,
//! `pkg/scheduler/framework/cycle_state.go`,
//! `pkg/scheduler/framework/plugins/helper/normalize_score.go`.

use super::plugins::{image_locality, inter_pod_affinity, pod_topology_spread};
use kubesim_model::{NodeId, Pod, PodId, Resources};
use std::borrow::Cow;

/// Highest score a plugin may give a node (`framework.MaxNodeScore`).
pub const MAX_NODE_SCORE: i64 = 100;

/// The plugins of the default profile that kubesim runs (`names.go`), in the order of
/// `getDefaultPlugins` (`pkg/scheduler/apis/config/v1/default_plugins.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PluginId {
    /// `NodeUnschedulable` (Filter).
    NodeUnschedulable,
    /// `NodeName` (Filter).
    NodeName,
    /// `TaintToleration` (Filter, Score).
    TaintToleration,
    /// `NodeAffinity` (PreFilter, Filter, PreScore, Score).
    NodeAffinity,
    /// `NodePorts` (PreFilter, Filter).
    NodePorts,
    /// `NodeResourcesFit` (PreFilter, Filter, Score).
    NodeResourcesFit,
    /// `PodTopologySpread` (PreFilter, Filter, PreScore, Score).
    PodTopologySpread,
    /// `InterPodAffinity` (PreFilter, Filter, PreScore, Score).
    InterPodAffinity,
    /// `DefaultPreemption` (PostFilter).
    DefaultPreemption,
    /// `NodeResourcesBalancedAllocation` (Score).
    NodeResourcesBalancedAllocation,
    /// `ImageLocality` (Score).
    ImageLocality,
}

impl PluginId {
    /// The upstream name.
    pub fn name(self) -> &'static str {
        match self {
            Self::NodeUnschedulable => "NodeUnschedulable",
            Self::NodeName => "NodeName",
            Self::TaintToleration => "TaintToleration",
            Self::NodeAffinity => "NodeAffinity",
            Self::NodePorts => "NodePorts",
            Self::NodeResourcesFit => "NodeResourcesFit",
            Self::PodTopologySpread => "PodTopologySpread",
            Self::InterPodAffinity => "InterPodAffinity",
            Self::DefaultPreemption => "DefaultPreemption",
            Self::NodeResourcesBalancedAllocation => "NodeResourcesBalancedAllocation",
            Self::ImageLocality => "ImageLocality",
        }
    }

    /// A bit for plugin sets ([`PluginSet`]).
    pub const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of plugins as a bit mask (upstream's `sets.Set[string]` of plugin names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PluginSet(pub u16);

impl PluginSet {
    /// The empty set.
    pub const EMPTY: Self = Self(0);

    /// Adds a plugin.
    pub fn insert(&mut self, p: PluginId) {
        self.0 |= p.bit();
    }

    /// Whether the plugin is in the set.
    pub fn contains(self, p: PluginId) -> bool {
        self.0 & p.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Result code of a plugin (`framework.Code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// The node fits.
    Success,
    /// The node does not fit, but preemption might help.
    Unschedulable,
    /// The node does not fit, and preemption cannot help.
    UnschedulableAndUnresolvable,
    /// The plugin does not apply to this pod (PreFilter/PreScore): its Filter/Score is skipped.
    Skip,
}

impl Code {
    /// The code as upstream names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::Unschedulable => "Unschedulable",
            Self::UnschedulableAndUnresolvable => "UnschedulableAndUnresolvable",
            Self::Skip => "Skip",
        }
    }
}

/// A reason string: upstream's constants are borrowed, formatted ones owned.
pub type Reason = Cow<'static, str>;

/// A plugin's verdict on one node: a code and, on failure, upstream's reason strings.
///
/// The first reason is held inline and the others boxed, so that success is three words and
/// the common failure (one constant reason) costs no allocation: the filter loop runs
/// thousands of plugin calls per pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The code.
    pub code: Code,
    /// A constant reason (upstream's `ErrReason…` constants).
    first: Option<&'static str>,
    /// Any further or formatted reasons.
    rest: Option<Box<[Reason]>>,
}

impl Status {
    /// Success.
    pub const fn success() -> Self {
        Self { code: Code::Success, first: None, rest: None }
    }

    /// A failure with one reason.
    #[inline]
    pub fn fail(code: Code, reason: impl Into<Reason>) -> Self {
        match reason.into() {
            Cow::Borrowed(r) => Self { code, first: Some(r), rest: None },
            owned => Self { code, first: None, rest: Some(vec![owned].into_boxed_slice()) },
        }
    }

    /// A failure with several reasons (at least one).
    pub fn fail_all(code: Code, reasons: Vec<Reason>) -> Self {
        Self { code, first: None, rest: Some(reasons.into_boxed_slice()) }
    }

    /// Whether the node passed.
    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }

    /// The reasons, in order.
    pub fn reasons(&self) -> impl Iterator<Item = &str> {
        self.first.into_iter().chain(self.rest.iter().flat_map(|r| r.iter()).map(|r| r.as_ref()))
    }
}

/// A Filter's verdict: `Ok` when the node passes (nothing to drop on the hot path), else the
/// failure status.
pub type FilterResult = Result<(), Status>;

/// What a preemption dry run or a nominated pod changes on one node: pods taken away
/// (victims) and pods added (nominated pods of at least the pod's priority). Filters that
/// look at the pods of a node apply it, as upstream's `RemovePod`/`AddPod` PreFilter
/// extensions update a cloned state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeOverlay {
    /// The node the change applies to.
    pub node: NodeId,
    /// Pods counted as if they ran on the node.
    pub added: Vec<PodId>,
    /// Pods on the node counted as if they were gone.
    pub removed: Vec<PodId>,
}

impl NodeOverlay {
    /// The change if it concerns `node`.
    pub fn for_node(overlay: Option<&NodeOverlay>, node: NodeId) -> Option<&NodeOverlay> {
        overlay.filter(|o| o.node == node && !(o.added.is_empty() && o.removed.is_empty()))
    }
}

/// What a scheduling cycle computes once per pod (upstream: `CycleState` with the PreFilter
/// and PreScore results of each plugin).
pub struct CycleState<'a> {
    /// The pod being scheduled.
    pub pod_id: PodId,
    /// The pod.
    pub pod: &'a Pod,
    /// Its effective requests (Filter uses these: 0 when unset).
    pub requests: Resources,
    /// Its requests with upstream's non-zero defaults (100m CPU, 200Mi memory per container
    /// without requests), used by scoring (`GetNonzeroRequests`).
    pub nonzero_requests: Resources,
    /// Filter plugins whose PreFilter returned Skip.
    pub skip_filter: PluginSet,
    /// Filter plugins that pass every node in this attempt whatever it holds (NodeName for a
    /// pod that names no node): the filter loop need not call them. Not a Skip: `explain`
    /// still reports their verdict.
    pub pass_filter: PluginSet,
    /// Score plugins whose PreScore returned Skip.
    pub skip_score: PluginSet,
    /// NodeAffinity's PreFilter state: the id of the pod's `nodeSelector` + required node
    /// affinity in the cache's per-node match bitsets ([`super::cache::SchedulerCache::affinity_matcher`]),
    /// or None to match the node's labels directly.
    pub node_affinity: Option<u32>,
    /// PodTopologySpread's PreFilter state.
    pub spread_filter: pod_topology_spread::PreFilterState,
    /// PodTopologySpread's PreScore state.
    pub spread_score: pod_topology_spread::PreScoreState,
    /// InterPodAffinity's PreFilter state.
    pub affinity_filter: inter_pod_affinity::PreFilterState,
    /// InterPodAffinity's PreScore state.
    pub affinity_score: inter_pod_affinity::PreScoreState,
    /// ImageLocality's PreScore state.
    pub images: image_locality::PreScoreState,
}

impl<'a> CycleState<'a> {
    /// The state of a cycle before any PreFilter ran.
    pub fn new(pod_id: PodId, pod: &'a Pod) -> Self {
        Self {
            pod_id,
            pod,
            requests: pod.spec.requests(),
            nonzero_requests: pod.spec.nonzero_requests(),
            skip_filter: PluginSet::EMPTY,
            pass_filter: if pod.spec.node_name.is_none() {
                PluginSet(PluginId::NodeName.bit())
            } else {
                PluginSet::EMPTY
            },
            skip_score: PluginSet::EMPTY,
            node_affinity: None,
            spread_filter: Default::default(),
            spread_score: Default::default(),
            affinity_filter: Default::default(),
            affinity_score: Default::default(),
            images: Default::default(),
        }
    }
}

/// `helper.DefaultNormalizeScore`: scale scores to `0..=MAX_NODE_SCORE` by the maximum, and
/// reverse them if asked (`MAX - score`). With a maximum of 0 all become 0 (or MAX if reversed).
pub fn default_normalize_score(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = MAX_NODE_SCORE);
        }
        return;
    }
    for s in scores.iter_mut() {
        let mut v = MAX_NODE_SCORE * *s / max;
        if reverse {
            v = MAX_NODE_SCORE - v;
        }
        *s = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize() {
        let mut s = vec![0, 2, 4];
        default_normalize_score(&mut s, false);
        assert_eq!(s, vec![0, 50, 100]);
        let mut s = vec![0, 1, 4];
        default_normalize_score(&mut s, true);
        // 100*1/4 = 25 -> 75; 100*4/4 -> 0.
        assert_eq!(s, vec![100, 75, 0]);
        let mut s = vec![0, 0];
        default_normalize_score(&mut s, true);
        assert_eq!(s, vec![100, 100]);
    }

    #[test]
    fn status_reasons_without_allocation_for_one() {
        let s = Status::fail(Code::Unschedulable, "Insufficient cpu");
        assert_eq!(s.reasons().collect::<Vec<_>>(), ["Insufficient cpu"]);
        let s = Status::fail_all(
            Code::Unschedulable,
            vec!["Insufficient cpu".into(), "Insufficient memory".into()],
        );
        assert_eq!(s.reasons().count(), 2);
        assert!(Status::success().is_success());
    }
}
