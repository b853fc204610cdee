//! The scheduler's cache: what kube-scheduler's informers and `Cache`/`Snapshot` hold, kept up
//! to date from cluster events instead of recomputed per scheduling attempt.
//!
//! - **Node order** (`nodeTree`): zones in the order first seen, nodes of each zone in the order
//!   added, listed round-robin across zones (`pkg/scheduler/backend/cache/node_tree.go`).
//! - **Topology index**: node label values per topology key, interned to small ids.
//! - **Assigned pods**: which pods the scheduler sees on which node. Upstream's pod informer
//!   watches only non-terminal pods (`newPodInformer`'s field selector
//!   `status.phase!=Succeeded,status.phase!=Failed` in `pkg/scheduler/scheduler.go`), so a pod
//!   that turns Succeeded/Failed leaves the cache like a deleted one.
//! - **Spread counters** (PodTopologySpread): for each (namespace, selector) the pods that match
//!   it, and for each (selector, topology key, node eligibility) the number of matching pods per
//!   domain and the global minimum. Counts change by ±1 as pods are bound, start terminating or
//!   go away, and per node when a node changes, so a scheduling attempt reads its PreFilter state
//!   in O(constraints) instead of walking every node's pods (`calPreFilterState`).
//! - **Pods with inter-pod affinity** (`NodeInfo.PodsWithAffinity`,
//!   `PodsWithRequiredAntiAffinity`).
//! - **Nominated pods** (`PodNominator`): pods a preemption nominated to a node.

use super::plugins::node_affinity;
use kubesim_model::{
    Cluster, LabelSelector, Labels, NodeId, NodeSelectorTerm, PodId, Resources, TaintEffect,
    Toleration,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

/// Id of an interned topology key.
pub type KeyId = u32;
/// Id of an interned value of one topology key.
pub type ValueId = u32;
/// Id of a selector group.
pub type GroupId = u32;
/// Id of a domain counter.
pub type CounterId = u32;
/// "No value" / "not eligible".
pub const MISSING: u32 = u32::MAX;
/// The most 64-bit words the NodeAffinity bitsets may hold together (32 MiB: 1,000 distinct
/// node selectors on 20,000 nodes); filters past it are matched label by label.
pub const AFFINITY_BITS_MAX_WORDS: usize = 4 << 20;

/// A deterministic hash (SipHash with fixed keys): only used to find candidates in buckets,
/// never to order anything.
fn hash_of<T: Hash + ?Sized>(t: &T) -> u64 {
    let mut h = DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

/// Interned values of one topology key.
#[derive(Debug, Default)]
struct KeyIndex {
    key: String,
    /// Value id per node (`MISSING` when the node lacks the label or is removed).
    node_value: Vec<ValueId>,
    values: Vec<String>,
    value_ids: HashMap<String, ValueId>,
    /// Live nodes without the label.
    live_missing: u32,
    live_missing_flag: Vec<bool>,
}

impl KeyIndex {
    fn intern(&mut self, v: &str) -> ValueId {
        if let Some(&id) = self.value_ids.get(v) {
            return id;
        }
        let id = self.values.len() as ValueId;
        self.values.push(v.to_string());
        self.value_ids.insert(v.to_string(), id);
        id
    }

    fn set_node(&mut self, cluster: &Cluster, node: NodeId) {
        let n = &cluster.nodes[node.index()];
        let v = match (n.removed, n.meta.labels.get(&self.key)) {
            (None, Some(v)) => self.intern(v),
            _ => MISSING,
        };
        if self.node_value.len() <= node.index() {
            self.node_value.resize(node.index() + 1, MISSING);
            self.live_missing_flag.resize(node.index() + 1, false);
        }
        self.node_value[node.index()] = v;
        let missing = n.removed.is_none() && v == MISSING;
        if missing != self.live_missing_flag[node.index()] {
            self.live_missing_flag[node.index()] = missing;
            if missing {
                self.live_missing += 1;
            } else {
                self.live_missing -= 1;
            }
        }
    }
}

/// Node label values per topology key, interned.
#[derive(Debug, Default)]
pub struct TopologyIndex {
    key_ids: HashMap<String, KeyId>,
    keys: Vec<KeyIndex>,
}

impl TopologyIndex {
    /// The id of a key, indexing every node's value the first time the key is seen.
    pub fn key_id(&mut self, key: &str, cluster: &Cluster) -> KeyId {
        if let Some(&id) = self.key_ids.get(key) {
            return id;
        }
        let id = self.keys.len() as KeyId;
        let mut k = KeyIndex { key: key.to_string(), ..KeyIndex::default() };
        for i in 0..cluster.nodes.len() {
            k.set_node(cluster, NodeId(i as u32));
        }
        self.keys.push(k);
        self.key_ids.insert(key.to_string(), id);
        id
    }

    /// The id of a key if it is indexed.
    pub fn lookup_key(&self, key: &str) -> Option<KeyId> {
        self.key_ids.get(key).copied()
    }

    /// The key's name.
    pub fn key_name(&self, key: KeyId) -> &str {
        &self.keys[key as usize].key
    }

    /// The node's value of the key (`MISSING` if the node lacks the label).
    #[inline]
    pub fn value(&self, key: KeyId, node: NodeId) -> ValueId {
        self.keys[key as usize].node_value.get(node.index()).copied().unwrap_or(MISSING)
    }

    /// The text of a value.
    pub fn value_name(&self, key: KeyId, value: ValueId) -> &str {
        &self.keys[key as usize].values[value as usize]
    }

    /// The id of a value of a key, if some node has (or had) it.
    pub fn lookup_value(&self, key: KeyId, value: &str) -> Option<ValueId> {
        self.keys[key as usize].value_ids.get(value).copied()
    }

    /// How many distinct values the key has had.
    pub fn num_values(&self, key: KeyId) -> usize {
        self.keys[key as usize].values.len()
    }

    /// How many live nodes lack the key.
    pub fn live_missing(&self, key: KeyId) -> u32 {
        self.keys[key as usize].live_missing
    }

    /// Number of indexed keys.
    pub fn num_keys(&self) -> usize {
        self.keys.len()
    }

    fn refresh_node(&mut self, cluster: &Cluster, node: NodeId) {
        for k in &mut self.keys {
            k.set_node(cluster, node);
        }
    }
}

/// Interns values that are expensive to clone: a lookup hashes the borrowed form and compares
/// the candidates of its bucket, and clones only when the value is new.
#[derive(Debug)]
struct Interner<T> {
    items: Vec<T>,
    buckets: HashMap<u64, Vec<u32>>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Self { items: Vec::new(), buckets: HashMap::new() }
    }
}

impl<T> Interner<T> {
    fn get_or_insert(
        &mut self,
        hash: u64,
        eq: impl Fn(&T) -> bool,
        make: impl FnOnce() -> T,
    ) -> (u32, bool) {
        let bucket = self.buckets.entry(hash).or_default();
        if let Some(&id) = bucket.iter().find(|&&id| eq(&self.items[id as usize])) {
            return (id, false);
        }
        let id = self.items.len() as u32;
        self.items.push(make());
        bucket.push(id);
        (id, true)
    }
}

/// The node filter a spread constraint with `nodeAffinityPolicy: Honor` applies: the pod's
/// `nodeSelector` and required node affinity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AffinityFilter {
    /// `spec.nodeSelector`
    pub node_selector: Labels,
    /// `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`
    pub required: Option<Vec<NodeSelectorTerm>>,
}

impl AffinityFilter {
    fn matches(&self, labels: &Labels, name: &str) -> bool {
        node_affinity::matches_terms(&self.node_selector, self.required.as_deref(), labels, name)
    }
}

/// How a counter maps nodes to domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CounterMode {
    /// Each live node is its own domain, with no eligibility rule: PodTopologySpread's Score
    /// counts the matching pods *on the node* for `kubernetes.io/hostname` constraints.
    ByNode,
    /// Domains are the values of the topology key on eligible nodes: nodes that carry every key
    /// of `keyset`, satisfy the pod's node affinity (`affinity`, for `nodeAffinityPolicy:
    /// Honor`) and tolerate its NoSchedule/NoExecute taints (`taints`, for `nodeTaintsPolicy:
    /// Honor`).
    ByValue {
        /// Interned set of keys every eligible node must have.
        keyset: u32,
        /// Interned [`AffinityFilter`], if honoured.
        affinity: Option<u32>,
        /// Interned tolerations, if taints are honoured.
        taints: Option<u32>,
    },
}

/// The pods of one namespace that one selector matches (bound, not terminating).
#[derive(Debug)]
pub struct SelectorGroup {
    /// The namespace.
    pub namespace: String,
    /// The selector (None matches nothing, like a nil `labelSelector`).
    pub selector: Option<LabelSelector>,
    /// Matching counted pods.
    members: BTreeSet<PodId>,
    /// Counters over this group.
    counters: Vec<CounterId>,
}

impl SelectorGroup {
    fn matches(&self, namespace: &str, labels: &Labels) -> bool {
        self.namespace == namespace && self.selector.as_ref().is_some_and(|s| s.matches(labels))
    }
}

/// Matching pods per domain of one topology key, with the global minimum (upstream's
/// `TpValueToMatchNum` and `CriticalPaths[0]`, kept current).
#[derive(Debug)]
pub struct DomainCounter {
    /// The pods counted.
    pub group: GroupId,
    /// The topology key.
    pub key: KeyId,
    /// How nodes map to domains.
    pub mode: CounterMode,
    /// Domain of each node (`MISSING`: not eligible).
    node_dom: Vec<u32>,
    /// Matching pods per domain.
    counts: Vec<u32>,
    /// Eligible nodes per domain (a domain exists while it has one).
    domain_nodes: Vec<u32>,
    num_domains: u32,
    min: u32,
    num_at_min: u32,
}

impl DomainCounter {
    /// Matching pods in a domain (0 for a domain no eligible node has).
    #[inline]
    pub fn count(&self, domain: u32) -> u32 {
        self.counts.get(domain as usize).copied().unwrap_or(0)
    }

    /// The number of domains (distinct values on eligible nodes).
    #[inline]
    pub fn num_domains(&self) -> u32 {
        self.num_domains
    }

    /// The smallest count over the domains, None if there is no domain.
    #[inline]
    pub fn min(&self) -> Option<u32> {
        (self.num_domains > 0).then_some(self.min)
    }

    /// The smallest count over the domains other than `domain`, None if there is none.
    pub fn min_excluding(&self, domain: u32) -> Option<u32> {
        let d = domain as usize;
        let is_domain = self.domain_nodes.get(d).is_some_and(|&n| n > 0);
        if !is_domain {
            return self.min();
        }
        if self.counts[d] != self.min || self.num_at_min > 1 {
            // Another domain holds the minimum.
            return Some(self.min);
        }
        (0..self.counts.len())
            .filter(|&i| i != d && self.domain_nodes[i] > 0)
            .map(|i| self.counts[i])
            .min()
    }

    /// Whether a node is eligible (counts for a domain).
    #[inline]
    pub fn node_domain(&self, node: NodeId) -> u32 {
        self.node_dom.get(node.index()).copied().unwrap_or(MISSING)
    }

    /// The domains with their counts, for `explain`.
    pub fn domains(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0..self.counts.len())
            .filter(|&i| self.domain_nodes[i] > 0)
            .map(|i| (i as u32, self.counts[i]))
    }

    fn grow(&mut self, domain: u32) {
        let need = domain as usize + 1;
        if self.counts.len() < need {
            self.counts.resize(need, 0);
            self.domain_nodes.resize(need, 0);
        }
    }

    fn recompute_min(&mut self) {
        let mut min = u32::MAX;
        let mut at = 0;
        for i in 0..self.counts.len() {
            if self.domain_nodes[i] == 0 {
                continue;
            }
            let c = self.counts[i];
            if c < min {
                min = c;
                at = 1;
            } else if c == min {
                at += 1;
            }
        }
        self.min = min;
        self.num_at_min = at;
    }

    #[inline]
    fn inc(&mut self, d: u32) {
        let c = self.counts[d as usize];
        self.counts[d as usize] = c + 1;
        if c == self.min {
            self.num_at_min -= 1;
            if self.num_at_min == 0 {
                self.recompute_min();
            }
        }
    }

    #[inline]
    fn dec(&mut self, d: u32) {
        let c = self.counts[d as usize] - 1;
        self.counts[d as usize] = c;
        if c < self.min {
            self.min = c;
            self.num_at_min = 1;
        } else if c == self.min {
            self.num_at_min += 1;
        }
    }

    /// A matching pod appeared on (`delta` = 1) or left (-1) a node.
    fn add(&mut self, node: NodeId, up: bool) {
        let d = self.node_domain(node);
        if d == MISSING {
            return;
        }
        if up { self.inc(d) } else { self.dec(d) }
    }

    /// A node moved from one domain to another (or became (in)eligible), carrying `pods`
    /// matching pods.
    fn move_node(&mut self, node: NodeId, to: u32, pods: u32) {
        if self.node_dom.len() <= node.index() {
            self.node_dom.resize(node.index() + 1, MISSING);
        }
        let from = self.node_dom[node.index()];
        if from == to {
            return;
        }
        if from != MISSING {
            let f = from as usize;
            self.counts[f] -= pods;
            self.domain_nodes[f] -= 1;
            if self.domain_nodes[f] == 0 {
                self.num_domains -= 1;
            }
        }
        if to != MISSING {
            self.grow(to);
            let t = to as usize;
            self.counts[t] += pods;
            if self.domain_nodes[t] == 0 {
                self.num_domains += 1;
            }
            self.domain_nodes[t] += 1;
        }
        self.node_dom[node.index()] = to;
        self.recompute_min();
    }
}

/// What the filters and scores read of a node on every attempt, kept compact and contiguous
/// (upstream's `NodeInfo` snapshot): the `Node` objects themselves are large and scattered,
/// and the filter loop touches hundreds of nodes per pod.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeInfo {
    /// `status.allocatable`
    pub allocatable: Resources,
    /// The requests of the pods the scheduler sees on the node (`NodeInfo.Requested`; the pod
    /// count in `pods`), kept as pods come and go.
    pub requested: Resources,
    /// The same with the non-zero defaults scoring counts (`NodeInfo.NonZeroRequested`).
    pub nonzero_requested: Resources,
    /// `spec.unschedulable`
    pub unschedulable: bool,
    /// Has a NoSchedule or NoExecute taint (TaintToleration's filter must look).
    pub hard_taints: bool,
    /// Has a PreferNoSchedule taint (TaintToleration's score must look).
    pub prefer_taints: bool,
}

impl NodeInfo {
    /// The node's own fields (the requests are kept by [`SchedulerCache::sync_pod`]).
    fn of(cluster: &Cluster, node: NodeId) -> Self {
        let n = &cluster.nodes[node.index()];
        Self {
            allocatable: n.allocatable,
            requested: Resources::default(),
            nonzero_requested: Resources::default(),
            unschedulable: n.unschedulable,
            hard_taints: n.taints.iter().any(|t| t.effect != TaintEffect::PreferNoSchedule),
            prefer_taints: n.taints.iter().any(|t| t.effect == TaintEffect::PreferNoSchedule),
        }
    }
}

/// What a pod's PreFilter/PreScore results depend on: its spec (pods of one template share the
/// `Arc`), namespace, labels and controller. Pods of one shape get the same resolved plugin
/// plans, so they are worked out once per shape ([`SchedulerCache::shape`]).
#[derive(Debug)]
struct PodShape {
    spec: std::sync::Arc<kubesim_model::PodSpec>,
    namespace: String,
    labels: Labels,
    controller: Option<kubesim_model::WorkloadId>,
}

/// Per-pod bookkeeping.
#[derive(Debug, Clone, Copy, Default)]
struct PodEntry {
    /// Bound, existing and not terminal: the node the scheduler sees it on.
    assigned: Option<NodeId>,
    /// Assigned and not terminating: counted by PodTopologySpread.
    counted: bool,
}

/// The scheduler's cache. See the module docs.
#[derive(Debug, Default)]
pub struct SchedulerCache {
    /// Live nodes in `nodeTree` order.
    pub node_order: Vec<NodeId>,
    /// Each node's place in `node_order` (`u32::MAX` if it is not there), by `NodeId`.
    pub node_position: Vec<u32>,
    /// The (region, zone) pairs `refresh_node_order` has met, by first appearance.
    zone_keys: Vec<(String, String)>,
    /// Each node's index in `zone_keys` (`u32::MAX` when not known yet or stale).
    zone_key_of: Vec<u32>,
    /// Per node, what the filters and scores read (by `NodeId`).
    pub node_info: Vec<NodeInfo>,
    /// Nodes with a PreferNoSchedule taint.
    prefer_taint_nodes: u32,
    /// Node label values per topology key.
    pub topo: TopologyIndex,
    pods: Vec<PodEntry>,
    groups: Vec<SelectorGroup>,
    group_ids_by_bucket: HashMap<u64, Vec<GroupId>>,
    /// Groups whose selector has a `matchLabels` pair, by its first pair.
    group_index: HashMap<String, HashMap<String, Vec<GroupId>>>,
    /// Groups whose selector has only expressions (or is empty).
    unindexed_groups: Vec<GroupId>,
    counters: Vec<DomainCounter>,
    counter_ids: HashMap<(GroupId, KeyId, CounterMode), CounterId>,
    keysets: Interner<Vec<KeyId>>,
    affinity_filters: Interner<AffinityFilter>,
    /// Per affinity filter (by id), the nodes it matches as a bitset over `NodeId`, for the
    /// NodeAffinity Filter; None for filters interned only for spread counting, or past the
    /// [`AFFINITY_BITS_MAX_WORDS`] budget. Kept by [`SchedulerCache::refresh_node`].
    affinity_bits: Vec<Option<Vec<u64>>>,
    /// Words held by `affinity_bits`, against the budget.
    affinity_bits_words: usize,
    toleration_sets: Interner<Vec<Toleration>>,
    /// Assigned pods with any inter-pod affinity or anti-affinity term.
    pub with_affinity: BTreeSet<PodId>,
    /// Assigned pods with a required anti-affinity term.
    pub with_required_anti_affinity: BTreeSet<PodId>,
    shapes: Interner<PodShape>,
    /// PodTopologySpread's resolved constraints per pod shape.
    pub spread_memo: super::plugins::pod_topology_spread::Memo,
    /// Pods nominated to each node by a preemption.
    nominated: BTreeMap<NodeId, Vec<PodId>>,
    has_nominated: Vec<bool>,
    /// Bumped by every change of what the filters read (a node refreshed, the node order, a
    /// pod synced, a nomination): two attempts at one generation see the same nodes and pods.
    generation: u64,
}

impl SchedulerCache {
    /// A cache of the cluster's nodes and assigned pods.
    pub fn new(cluster: &Cluster) -> Self {
        let mut c = Self {
            node_info: (0..cluster.nodes.len())
                .map(|i| NodeInfo::of(cluster, NodeId(i as u32)))
                .collect(),
            ..Self::default()
        };
        c.prefer_taint_nodes = c.node_info.iter().filter(|i| i.prefer_taints).count() as u32;
        c.refresh_node_order(cluster);
        for i in 0..cluster.pods.len() {
            c.sync_pod(cluster, PodId(i as u32));
        }
        c
    }

    /// Upstream's `nodeTree.list()`: the live nodes grouped by (region, zone) in the order the
    /// zones first appear, taken round-robin. Runs on every node addition and deletion, so it
    /// reads each node's zone from a cache (kept by [`SchedulerCache::refresh_node`]) instead
    /// of its labels.
    pub fn refresh_node_order(&mut self, cluster: &Cluster) {
        self.generation += 1;
        const UNKNOWN: u32 = u32::MAX;
        if self.zone_key_of.len() < cluster.nodes.len() {
            self.zone_key_of.resize(cluster.nodes.len(), UNKNOWN);
        }
        // Zone slots by key, in first appearance over the live nodes.
        let mut slot_of_key: Vec<u32> = vec![UNKNOWN; self.zone_keys.len()];
        let mut zones: Vec<Vec<NodeId>> = Vec::new();
        for id in cluster.live_nodes() {
            let mut key = self.zone_key_of[id.index()];
            if key == UNKNOWN {
                let labels = &cluster.nodes[id.index()].meta.labels;
                let get = |k: &str| labels.get(k).map(String::as_str).unwrap_or("");
                let (region, zone) =
                    (get(kubesim_model::LABEL_REGION), get(kubesim_model::LABEL_ZONE));
                key = match self.zone_keys.iter().position(|(r, z)| r == region && z == zone) {
                    Some(k) => k as u32,
                    None => {
                        self.zone_keys.push((region.to_string(), zone.to_string()));
                        slot_of_key.push(UNKNOWN);
                        (self.zone_keys.len() - 1) as u32
                    }
                };
                self.zone_key_of[id.index()] = key;
            }
            let slot = &mut slot_of_key[key as usize];
            if *slot == UNKNOWN {
                *slot = zones.len() as u32;
                zones.push(Vec::new());
            }
            zones[*slot as usize].push(id);
        }
        self.node_order.clear();
        let longest = zones.iter().map(Vec::len).max().unwrap_or(0);
        for round in 0..longest {
            for z in &zones {
                if let Some(&n) = z.get(round) {
                    self.node_order.push(n);
                }
            }
        }
        self.node_position.clear();
        self.node_position.resize(cluster.nodes.len(), UNKNOWN);
        for (i, n) in self.node_order.iter().enumerate() {
            self.node_position[n.index()] = i as u32;
        }
        if self.has_nominated.len() < cluster.nodes.len() {
            self.has_nominated.resize(cluster.nodes.len(), false);
        }
    }

    /// A node was added, changed or removed: re-index its labels and move it between domains
    /// of every counter.
    pub fn refresh_node(&mut self, cluster: &Cluster, node: NodeId) {
        self.generation += 1;
        if self.node_info.len() < cluster.nodes.len() {
            self.node_info.resize(cluster.nodes.len(), NodeInfo::default());
        }
        if let Some(k) = self.zone_key_of.get_mut(node.index()) {
            // Its labels may have changed: `refresh_node_order` reads its zone again.
            *k = u32::MAX;
        }
        let mut fresh = NodeInfo::of(cluster, node);
        let slot = &mut self.node_info[node.index()];
        fresh.requested = slot.requested;
        fresh.nonzero_requested = slot.nonzero_requested;
        let old = std::mem::replace(slot, fresh);
        self.prefer_taint_nodes -= u32::from(old.prefer_taints);
        self.prefer_taint_nodes += u32::from(self.node_info[node.index()].prefer_taints);
        self.topo.refresh_node(cluster, node);
        self.refresh_affinity_bits(cluster, node);
        for c in 0..self.counters.len() {
            let to = self.counter_domain_of(cluster, c as CounterId, node);
            let counter = &self.counters[c];
            if counter.node_domain(node) == to {
                continue;
            }
            let group = &self.groups[counter.group as usize];
            let pods =
                cluster.pods_on_node(node).iter().filter(|p| group.members.contains(p)).count()
                    as u32;
            self.counters[c].move_node(node, to, pods);
        }
        if self.has_nominated.len() < cluster.nodes.len() {
            self.has_nominated.resize(cluster.nodes.len(), false);
        }
    }

    /// Brings one pod's entry in line with the cluster (idempotent).
    pub fn sync_pod(&mut self, cluster: &Cluster, pod: PodId) {
        self.generation += 1;
        if self.pods.len() <= pod.index() {
            self.pods.resize(pod.index() + 1, PodEntry::default());
        }
        let p = &cluster.pods[pod.index()];
        let assigned = if p.exists() && !p.status.phase.is_terminal() { p.node } else { None };
        let counted = assigned.is_some() && p.meta.deletion.is_none();
        let old = self.pods[pod.index()];
        if old.assigned != assigned {
            let (req, nonzero) = (p.spec.requests(), p.spec.nonzero_requests());
            if let Some(n) = old.assigned {
                let info = &mut self.node_info[n.index()];
                info.requested -= req;
                info.nonzero_requested -= nonzero;
            }
            if let Some(n) = assigned {
                if self.node_info.len() <= n.index() {
                    self.node_info.resize(n.index() + 1, NodeInfo::default());
                }
                let info = &mut self.node_info[n.index()];
                info.requested += req;
                info.nonzero_requested += nonzero;
            }
            if p.spec.has_pod_affinity() {
                if assigned.is_some() {
                    self.with_affinity.insert(pod);
                } else {
                    self.with_affinity.remove(&pod);
                }
            }
            if !p.spec.pod_anti_affinity.required.is_empty() {
                if assigned.is_some() {
                    self.with_required_anti_affinity.insert(pod);
                } else {
                    self.with_required_anti_affinity.remove(&pod);
                }
            }
        }
        if old.counted != counted {
            let node =
                if counted { assigned } else { old.assigned }.expect("counted pods are bound");
            let (ns, labels) = (&p.meta.namespace, &p.meta.labels);
            let mut candidates: Vec<GroupId> = Vec::new();
            for (k, v) in labels {
                if let Some(gs) = self.group_index.get(k).and_then(|m| m.get(v)) {
                    candidates.extend_from_slice(gs);
                }
            }
            candidates.extend_from_slice(&self.unindexed_groups);
            candidates.sort_unstable();
            candidates.dedup();
            for g in candidates {
                if !self.groups[g as usize].matches(ns, labels) {
                    continue;
                }
                let group = &mut self.groups[g as usize];
                if counted {
                    group.members.insert(pod);
                } else {
                    group.members.remove(&pod);
                }
                for &c in &group.counters {
                    self.counters[c as usize].add(node, counted);
                }
            }
        }
        self.pods[pod.index()] = PodEntry { assigned, counted };
    }

    /// The node the scheduler sees the pod on (bound, existing, not terminal).
    pub fn assigned_node(&self, pod: PodId) -> Option<NodeId> {
        self.pods.get(pod.index()).and_then(|e| e.assigned)
    }

    /// The group of pods of `namespace` that `selector` matches, created (and filled from the
    /// assigned pods) the first time it is asked for.
    pub fn group(
        &mut self,
        cluster: &Cluster,
        namespace: &str,
        selector: Option<&LabelSelector>,
    ) -> GroupId {
        let hash = hash_of(&(namespace, selector));
        if let Some(ids) = self.group_ids_by_bucket.get(&hash)
            && let Some(&g) = ids.iter().find(|&&g| {
                let gr = &self.groups[g as usize];
                gr.namespace == namespace && gr.selector.as_ref() == selector
            })
        {
            return g;
        }
        let id = self.groups.len() as GroupId;
        let mut group = SelectorGroup {
            namespace: namespace.to_string(),
            selector: selector.cloned(),
            members: BTreeSet::new(),
            counters: Vec::new(),
        };
        for (i, e) in self.pods.iter().enumerate() {
            if e.counted {
                let p = &cluster.pods[i];
                if group.matches(&p.meta.namespace, &p.meta.labels) {
                    group.members.insert(PodId(i as u32));
                }
            }
        }
        if let Some(sel) = selector {
            match sel.match_labels.iter().next() {
                Some((k, v)) => self
                    .group_index
                    .entry(k.clone())
                    .or_default()
                    .entry(v.clone())
                    .or_default()
                    .push(id),
                None => self.unindexed_groups.push(id),
            }
        }
        self.groups.push(group);
        self.group_ids_by_bucket.entry(hash).or_default().push(id);
        id
    }

    /// The id of the pod's shape (spec, namespace, labels, controller).
    pub fn shape(&mut self, cluster: &Cluster, pod: PodId) -> u32 {
        let p = &cluster.pods[pod.index()];
        let controller = cluster.controller_of(pod);
        let ptr = std::sync::Arc::as_ptr(&p.spec) as usize;
        let hash = hash_of(&(ptr, &p.meta.namespace, &p.meta.labels, controller));
        self.shapes
            .get_or_insert(
                hash,
                |s| {
                    std::sync::Arc::ptr_eq(&s.spec, &p.spec)
                        && s.namespace == p.meta.namespace
                        && s.labels == *p.meta.labels
                        && s.controller == controller
                },
                || PodShape {
                    spec: p.spec.clone(),
                    namespace: p.meta.namespace.clone(),
                    labels: p.meta.labels.to_labels(),
                    controller,
                },
            )
            .0
    }

    /// The group's selector.
    pub fn group_selector(&self, g: GroupId) -> Option<&LabelSelector> {
        self.groups[g as usize].selector.as_ref()
    }

    /// Interns a set of topology keys.
    pub fn keyset(&mut self, keys: &[KeyId]) -> u32 {
        self.keysets.get_or_insert(hash_of(keys), |k| k.as_slice() == keys, || keys.to_vec()).0
    }

    /// Interns a pod's node-affinity filter (`nodeSelector` + required node affinity).
    pub fn affinity_filter(
        &mut self,
        node_selector: &Labels,
        required: Option<&Vec<NodeSelectorTerm>>,
    ) -> u32 {
        self.affinity_filters
            .get_or_insert(
                hash_of(&(node_selector, required)),
                |f| f.node_selector == *node_selector && f.required.as_ref() == required,
                || AffinityFilter {
                    node_selector: node_selector.clone(),
                    required: required.cloned(),
                },
            )
            .0
    }

    /// The NodeAffinity Filter's verdicts for a pod's `nodeSelector` and required node
    /// affinity, kept per node: the filter's id, with its bitset built the first time (one
    /// match per node), after which a node's verdict is one bit instead of string compares
    /// over its label map. None past the budget ([`AFFINITY_BITS_MAX_WORDS`]): the caller
    /// matches the labels itself.
    pub fn affinity_matcher(
        &mut self,
        cluster: &Cluster,
        node_selector: &Labels,
        required: Option<&Vec<NodeSelectorTerm>>,
    ) -> Option<u32> {
        let id = self.affinity_filter(node_selector, required);
        if self.affinity_bits.len() <= id as usize {
            self.affinity_bits.resize(id as usize + 1, None);
        }
        if self.affinity_bits[id as usize].is_none() {
            let words = cluster.nodes.len().div_ceil(64);
            if self.affinity_bits_words + words > AFFINITY_BITS_MAX_WORDS {
                return None;
            }
            let f = &self.affinity_filters.items[id as usize];
            let mut bits = vec![0u64; words];
            for (i, n) in cluster.nodes.iter().enumerate() {
                if n.removed.is_none() && f.matches(&n.meta.labels, &n.meta.name) {
                    bits[i / 64] |= 1 << (i % 64);
                }
            }
            self.affinity_bits_words += words;
            self.affinity_bits[id as usize] = Some(bits);
        }
        Some(id)
    }

    /// Whether the node matches an affinity filter whose bitset [`Self::affinity_matcher`]
    /// built.
    #[inline(always)]
    pub fn affinity_matches(&self, id: u32, node: NodeId) -> bool {
        let bits = self.affinity_bits[id as usize].as_deref().expect("affinity bitset");
        bits.get(node.index() / 64).is_some_and(|w| w & (1 << (node.index() % 64)) != 0)
    }

    /// Re-matches one node against every affinity filter with a bitset (its labels may have
    /// changed, or it is new or gone).
    fn refresh_affinity_bits(&mut self, cluster: &Cluster, node: NodeId) {
        let n = &cluster.nodes[node.index()];
        let (w, bit) = (node.index() / 64, 1u64 << (node.index() % 64));
        for (id, slot) in self.affinity_bits.iter_mut().enumerate() {
            let Some(bits) = slot else { continue };
            if bits.len() <= w {
                let grow = cluster.nodes.len().div_ceil(64) - bits.len();
                bits.resize(bits.len() + grow, 0);
                self.affinity_bits_words += grow;
            }
            let f = &self.affinity_filters.items[id];
            if n.removed.is_none() && f.matches(&n.meta.labels, &n.meta.name) {
                bits[w] |= bit;
            } else {
                bits[w] &= !bit;
            }
        }
    }

    /// Interns a pod's tolerations.
    pub fn toleration_set(&mut self, tolerations: &[Toleration]) -> u32 {
        self.toleration_sets
            .get_or_insert(
                hash_of(tolerations),
                |t| t.as_slice() == tolerations,
                || tolerations.to_vec(),
            )
            .0
    }

    fn counter_domain_of(&self, cluster: &Cluster, c: CounterId, node: NodeId) -> u32 {
        let counter = &self.counters[c as usize];
        self.domain_of(cluster, counter.key, counter.mode, node)
    }

    fn domain_of(&self, cluster: &Cluster, key: KeyId, mode: CounterMode, node: NodeId) -> u32 {
        let n = &cluster.nodes[node.index()];
        if n.removed.is_some() {
            return MISSING;
        }
        match mode {
            CounterMode::ByNode => node.0,
            CounterMode::ByValue { keyset, affinity, taints } => {
                let keys = &self.keysets.items[keyset as usize];
                if keys.iter().any(|&k| self.topo.value(k, node) == MISSING) {
                    return MISSING;
                }
                if let Some(a) = affinity
                    && !self.affinity_filters.items[a as usize]
                        .matches(&n.meta.labels, &n.meta.name)
                {
                    return MISSING;
                }
                if let Some(t) = taints {
                    let tols = &self.toleration_sets.items[t as usize];
                    let untolerated = n.taints.iter().any(|taint| {
                        matches!(taint.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute)
                            && !tols.iter().any(|tol| tol.tolerates(taint))
                    });
                    if untolerated {
                        return MISSING;
                    }
                }
                self.topo.value(key, node)
            }
        }
    }

    /// The counter of a group over a key and mode, created (and counted) the first time.
    pub fn counter(
        &mut self,
        cluster: &Cluster,
        group: GroupId,
        key: KeyId,
        mode: CounterMode,
    ) -> CounterId {
        if let Some(&c) = self.counter_ids.get(&(group, key, mode)) {
            return c;
        }
        let id = self.counters.len() as CounterId;
        let mut counter = DomainCounter {
            group,
            key,
            mode,
            node_dom: vec![MISSING; cluster.nodes.len()],
            counts: Vec::new(),
            domain_nodes: Vec::new(),
            num_domains: 0,
            min: u32::MAX,
            num_at_min: 0,
        };
        for i in 0..cluster.nodes.len() {
            let node = NodeId(i as u32);
            let d = self.domain_of(cluster, key, mode, node);
            counter.node_dom[i] = d;
            if d != MISSING {
                counter.grow(d);
                if counter.domain_nodes[d as usize] == 0 {
                    counter.num_domains += 1;
                }
                counter.domain_nodes[d as usize] += 1;
            }
        }
        for &p in &self.groups[group as usize].members {
            if let Some(node) = self.pods[p.index()].assigned {
                let d = counter.node_domain(node);
                if d != MISSING {
                    counter.counts[d as usize] += 1;
                }
            }
        }
        counter.recompute_min();
        self.counters.push(counter);
        self.groups[group as usize].counters.push(id);
        self.counter_ids.insert((group, key, mode), id);
        id
    }

    /// Whether some node has a PreferNoSchedule taint.
    pub fn any_prefer_taints(&self) -> bool {
        self.prefer_taint_nodes > 0
    }

    /// What the filters and scores read of a node.
    #[inline]
    pub fn node_info(&self, node: NodeId) -> &NodeInfo {
        &self.node_info[node.index()]
    }

    /// Checks (in debug builds, and in the tests' release builds through the
    /// `consistency-checks` feature) that the compact node data agrees with the cluster: a node
    /// changed without telling the scheduler (a `ClusterEvent` or `scheduler_cluster_changed`)
    /// would be scheduled on stale data.
    pub fn debug_check_node(&self, cluster: &Cluster, node: NodeId) {
        if cfg!(any(debug_assertions, feature = "consistency-checks")) {
            let mut expected = NodeInfo::of(cluster, node);
            expected.requested = cluster.requested_on_node(node);
            expected.nonzero_requested = cluster.nonzero_requested_on_node(node);
            assert_eq!(
                self.node_info[node.index()],
                expected,
                "node {} changed without a ClusterEvent",
                cluster.nodes[node.index()].meta.name
            );
        }
    }

    /// A counter.
    #[inline]
    pub fn counter_ref(&self, c: CounterId) -> &DomainCounter {
        &self.counters[c as usize]
    }

    /// Whether a pod is counted by the spread counters of a group (bound, not terminating,
    /// matching).
    pub fn group_has(&self, g: GroupId, pod: PodId) -> bool {
        self.groups[g as usize].members.contains(&pod)
    }

    /// Whether a pod would be counted in a group (same namespace, selector matches).
    pub fn group_matches(&self, g: GroupId, namespace: &str, labels: &Labels) -> bool {
        self.groups[g as usize].matches(namespace, labels)
    }

    /// Nominates a pod to a node (replacing an earlier nomination).
    pub fn nominate(&mut self, pod: PodId, node: Option<NodeId>) {
        self.generation += 1;
        let mut emptied = None;
        for (n, pods) in self.nominated.iter_mut() {
            if let Some(i) = pods.iter().position(|&p| p == pod) {
                pods.remove(i);
                if pods.is_empty() {
                    emptied = Some(*n);
                }
                break;
            }
        }
        if let Some(n) = emptied {
            self.nominated.remove(&n);
            self.has_nominated[n.index()] = false;
        }
        if let Some(n) = node {
            self.nominated.entry(n).or_default().push(pod);
            if self.has_nominated.len() <= n.index() {
                self.has_nominated.resize(n.index() + 1, false);
            }
            self.has_nominated[n.index()] = true;
        }
    }

    /// Rebuilds every selector group and domain counter from the cluster as it is now and
    /// compares them with the incrementally maintained ones (for tests: the counts must not
    /// depend on how they were reached). Returns the first difference.
    pub fn check_against_rebuild(&self, cluster: &Cluster) -> Result<(), String> {
        let mut fresh = SchedulerCache::new(cluster);
        for k in 0..self.topo.num_keys() as KeyId {
            fresh.topo.key_id(self.topo.key_name(k), cluster);
        }
        for ks in &self.keysets.items {
            fresh.keyset(ks);
        }
        for a in &self.affinity_filters.items {
            fresh.affinity_filter(&a.node_selector, a.required.as_ref());
        }
        for t in &self.toleration_sets.items {
            fresh.toleration_set(t);
        }
        for g in &self.groups {
            fresh.group(cluster, &g.namespace, g.selector.as_ref());
        }
        for c in &self.counters {
            fresh.counter(cluster, c.group, c.key, c.mode);
        }
        for (id, bits) in self.affinity_bits.iter().enumerate() {
            let Some(bits) = bits else { continue };
            let f = &self.affinity_filters.items[id];
            for (i, n) in cluster.nodes.iter().enumerate() {
                let want = n.removed.is_none() && f.matches(&n.meta.labels, &n.meta.name);
                let have = bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0);
                if want != have {
                    return Err(format!(
                        "node affinity bitset {id}: node {} kept {have}, matches {want}",
                        n.meta.name
                    ));
                }
            }
        }
        for (i, (a, b)) in self.groups.iter().zip(&fresh.groups).enumerate() {
            if a.members != b.members {
                return Err(format!("group {i} ({:?}): members differ", a.selector));
            }
        }
        let named = |cache: &SchedulerCache, c: &DomainCounter| -> Vec<(String, u32)> {
            let mut v: Vec<(String, u32)> = c
                .domains()
                .map(|(d, n)| match c.mode {
                    CounterMode::ByNode => (cluster.nodes[d as usize].meta.name.clone(), n),
                    CounterMode::ByValue { .. } => (cache.topo.value_name(c.key, d).to_string(), n),
                })
                .collect();
            v.sort();
            v
        };
        for (i, (a, b)) in self.counters.iter().zip(&fresh.counters).enumerate() {
            let (da, db) = (named(self, a), named(&fresh, b));
            if da != db || a.min() != b.min() || a.num_domains() != b.num_domains() {
                return Err(format!(
                    "counter {i} (key {}): incremental {da:?} min {:?}, rebuilt {db:?} min {:?}",
                    self.topo.key_name(a.key),
                    a.min(),
                    b.min()
                ));
            }
        }
        Ok(())
    }

    /// The generation of what the filters read: unchanged between two calls, every Filter
    /// gives the same verdict on every node for pods of one shape.
    #[inline]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The node a pod is nominated to, if any.
    pub fn nominated_node(&self, pod: PodId) -> Option<NodeId> {
        self.nominated.iter().find(|(_, pods)| pods.contains(&pod)).map(|(n, _)| *n)
    }

    /// Whether some pod is nominated to the node.
    #[inline]
    pub fn has_nominated(&self, node: NodeId) -> bool {
        self.has_nominated.get(node.index()).copied().unwrap_or(false)
    }

    /// Pods nominated to a node.
    #[inline]
    pub fn nominated_on(&self, node: NodeId) -> &[PodId] {
        if !self.has_nominated.get(node.index()).copied().unwrap_or(false) {
            return &[];
        }
        self.nominated.get(&node).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_model::build::{NodeBuilder, SpecBuilder};
    use kubesim_model::{Meta, Pod, PodStatus};
    use std::sync::Arc;

    fn pod(name: &str, labels: &[(&str, &str)], node: Option<NodeId>) -> Pod {
        Pod {
            meta: Meta {
                name: name.into(),
                namespace: "default".into(),
                labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                ..Meta::default()
            },
            spec: Arc::new(SpecBuilder::new().build()),
            node,
            status: PodStatus::default(),
            ready_since: None,
            removed: None,
            behaviour: Default::default(),
            ephemeral_containers: Vec::new(),
        }
    }

    #[test]
    fn counters_follow_pods_and_minimum() {
        let mut c = Cluster::new();
        for (n, z) in [("n1", "a"), ("n2", "a"), ("n3", "b"), ("n4", "c")] {
            c.add_node(NodeBuilder::new(n).zone(z).build());
        }
        let p1 = c.add_pod(pod("p1", &[("app", "web")], Some(NodeId(0))), None);
        let mut cache = SchedulerCache::new(&c);
        let zone = cache.topo.key_id(kubesim_model::LABEL_ZONE, &c);
        let sel = LabelSelector::from_labels([("app", "web")]);
        let g = cache.group(&c, "default", Some(&sel));
        let ks = cache.keyset(&[zone]);
        let mode = CounterMode::ByValue { keyset: ks, affinity: None, taints: None };
        let ctr = cache.counter(&c, g, zone, mode);
        let a = cache.topo.lookup_value(zone, "a").unwrap();
        let b = cache.topo.lookup_value(zone, "b").unwrap();
        // Zones a: 1 (p1), b: 0, c: 0 -> min 0 over 3 domains.
        assert_eq!(cache.counter_ref(ctr).count(a), 1);
        assert_eq!(cache.counter_ref(ctr).min(), Some(0));
        assert_eq!(cache.counter_ref(ctr).num_domains(), 3);
        // Pods land in b and c: counts (1, 1, 1) -> min 1.
        let p2 = c.add_pod(pod("p2", &[("app", "web")], Some(NodeId(2))), None);
        cache.sync_pod(&c, p2);
        let p3 = c.add_pod(pod("p3", &[("app", "web")], Some(NodeId(3))), None);
        cache.sync_pod(&c, p3);
        assert_eq!(cache.counter_ref(ctr).min(), Some(1));
        // A pod of another app does not count.
        let other = c.add_pod(pod("x", &[("app", "db")], Some(NodeId(2))), None);
        cache.sync_pod(&c, other);
        assert_eq!(cache.counter_ref(ctr).count(b), 1);
        // p1 starts terminating: zone a drops to 0, and so does the minimum.
        c.pods[p1.index()].meta.deletion = Some(kubesim_engine::SimTime(1));
        cache.sync_pod(&c, p1);
        assert_eq!(cache.counter_ref(ctr).count(a), 0);
        assert_eq!(cache.counter_ref(ctr).min(), Some(0));
        // The minimum over the domains other than a is 1.
        assert_eq!(cache.counter_ref(ctr).min_excluding(a), Some(1));
        // Syncing again changes nothing.
        cache.sync_pod(&c, p1);
        assert_eq!(cache.counter_ref(ctr).count(a), 0);
    }

    #[test]
    fn node_label_change_moves_domain() {
        let mut c = Cluster::new();
        c.add_node(NodeBuilder::new("n1").zone("a").build());
        c.add_node(NodeBuilder::new("n2").zone("b").build());
        let p = c.add_pod(pod("p1", &[("app", "web")], Some(NodeId(0))), None);
        let mut cache = SchedulerCache::new(&c);
        let zone = cache.topo.key_id(kubesim_model::LABEL_ZONE, &c);
        let sel = LabelSelector::from_labels([("app", "web")]);
        let g = cache.group(&c, "default", Some(&sel));
        let ks = cache.keyset(&[zone]);
        let ctr = cache.counter(
            &c,
            g,
            zone,
            CounterMode::ByValue { keyset: ks, affinity: None, taints: None },
        );
        assert!(cache.group_has(g, p));
        // n1 loses its zone label: it is no longer a domain, its pod no longer counts.
        c.nodes[0].meta.labels.remove(kubesim_model::LABEL_ZONE);
        cache.refresh_node(&c, NodeId(0));
        assert_eq!(cache.counter_ref(ctr).num_domains(), 1);
        assert_eq!(cache.counter_ref(ctr).min(), Some(0));
        // It joins zone b with its pod.
        c.nodes[0].meta.labels.insert(kubesim_model::LABEL_ZONE.into(), "b".into());
        cache.refresh_node(&c, NodeId(0));
        let b = cache.topo.lookup_value(zone, "b").unwrap();
        assert_eq!(cache.counter_ref(ctr).count(b), 1);
        assert_eq!(cache.counter_ref(ctr).min(), Some(1));
    }

    #[test]
    fn affinity_bitsets_follow_node_labels() {
        use kubesim_model::{Operator, Requirement};
        let mut c = Cluster::new();
        c.add_node(NodeBuilder::new("n1").label("pool", "gpu").build());
        c.add_node(NodeBuilder::new("n2").label("pool", "cpu").build());
        let mut cache = SchedulerCache::new(&c);
        // `nodeSelector: {pool: gpu}`, and required affinity `pool In [cpu]` (other filters).
        let selector: Labels = [("pool".to_string(), "gpu".to_string())].into();
        let gpu = cache.affinity_matcher(&c, &selector, None).unwrap();
        let terms = vec![NodeSelectorTerm {
            match_expressions: vec![Requirement {
                key: "pool".into(),
                operator: Operator::In,
                values: vec!["cpu".into()],
            }],
            match_fields: Vec::new(),
        }];
        let cpu = cache.affinity_matcher(&c, &Labels::new(), Some(&terms)).unwrap();
        assert_ne!(gpu, cpu);
        // Interned: the same selector gets the same id.
        assert_eq!(cache.affinity_matcher(&c, &selector, None), Some(gpu));
        assert!(cache.affinity_matches(gpu, NodeId(0)) && !cache.affinity_matches(gpu, NodeId(1)));
        assert!(!cache.affinity_matches(cpu, NodeId(0)) && cache.affinity_matches(cpu, NodeId(1)));
        // n2 moves to the gpu pool: both bitsets change with it.
        c.nodes[1].meta.labels.insert("pool".into(), "gpu".into());
        cache.refresh_node(&c, NodeId(1));
        assert!(cache.affinity_matches(gpu, NodeId(1)) && !cache.affinity_matches(cpu, NodeId(1)));
        // A node added past the bitsets' length (and past a 64-node word).
        for i in 0..70 {
            let pool = if i == 69 { "cpu" } else { "mem" };
            let id = c.add_node(NodeBuilder::new(&format!("m{i}")).label("pool", pool).build());
            cache.refresh_node(&c, id);
        }
        assert!(cache.affinity_matches(cpu, NodeId(71)));
        assert!(
            !cache.affinity_matches(gpu, NodeId(71)) && !cache.affinity_matches(cpu, NodeId(70))
        );
        assert_eq!(cache.check_against_rebuild(&c), Ok(()));
        // A label change the cache was not told of is caught by the consistency check.
        c.nodes[0].meta.labels.insert("pool".into(), "cpu".into());
        assert!(cache.check_against_rebuild(&c).is_err());
    }
}
