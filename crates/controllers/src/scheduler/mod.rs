//! kube-scheduler: takes pending pods from its queue, filters the nodes, scores the feasible
//! ones, picks the best (ties broken at random from the scheduler's seeded stream) and binds;
//! when no node fits, preemption may evict lower-priority pods and nominate the pod to a node.
//!
//! Source: `pkg/scheduler/schedule_one.go`. One scheduling cycle ([`Scheduler::schedule_one`]):
//! 1. pop the next pod from activeQ ([`queue`]: priority, then time queued);
//! 2. PreFilter: each plugin computes its per-pod state once, or says it does not apply (Skip);
//! 3. a pod with a nominated node (from an earlier preemption) tries that node first;
//! 4. walk the nodes in the scheduler's node order (zones interleaved, like upstream's
//!    `nodeTree`) starting at `nextStartNodeIndex`, running the filters in upstream order until
//!    `numFeasibleNodesToFind` feasible nodes are found; nominated pods of at least the pod's
//!    priority are assumed on their node (`RunFilterPluginsWithNominatedPods`);
//! 5. none feasible: PostFilter (DefaultPreemption), `FailedScheduling` with upstream's
//!    `0/N nodes are available: ...` message, `PodScheduled=False`, and the pod waits in the
//!    unschedulable pool until an event its rejecting plugins care about (QueueingHints);
//! 6. one feasible: it is chosen without scoring;
//! 7. otherwise PreScore, Score, NormalizeScore and weights per plugin; the highest total
//!    wins, ties broken by reservoir sampling as `selectHost` does;
//! 8. bind (the cycle takes no simulated time; the pod is counted in the cache at once, like
//!    upstream's assume).
//!
//! The filter, score and preemption plugins live in [`plugins`], one module per upstream
//! plugin; the state they read across attempts (node order, topology domains and their
//! matching-pod counts, pods with affinity, nominated pods) in [`cache`], kept current from
//! the [`events::ClusterEvent`]s that `api.rs` reports.

pub mod cache;
pub mod events;
pub mod explain;
pub mod framework;
pub mod plugins;
pub mod queue;

use crate::api;
use crate::world::{Event, World, streams};
use cache::SchedulerCache;
use events::{ClusterEvent, worth_requeuing};
use explain::{
    AttemptRecord, AttemptResult, ExplainRequest, FilterVerdict, NodeRecord, PreemptionRecord,
    ScoreEntry, SpreadConstraintRecord, StageResult,
};
use framework::{Code, CycleState, NodeOverlay, PluginId, PluginSet, Status};
use kubesim_engine::RngStreams;
use kubesim_model::{
    CondStatus, EventType, NodeId, PodConditionType, PodId, pod::WhenUnsatisfiable,
};
use plugins::{Ctx, default_preemption, pod_topology_spread};
use queue::{SchedulingQueue, Timer};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// `minFeasibleNodesToFind`
const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// `minFeasibleNodesPercentageToFind`
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: usize = 5;
/// `ErrNoNodesAvailable`
pub const NO_NODES_AVAILABLE: &str = "no nodes available to schedule pods";

/// How many feasible nodes to look for before scoring (`numFeasibleNodesToFind`).
pub fn num_feasible_nodes_to_find(percentage: u32, num_all_nodes: usize) -> usize {
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND {
        return num_all_nodes;
    }
    let mut pct = percentage as usize;
    if pct == 0 {
        pct =
            50usize.saturating_sub(num_all_nodes / 125).max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
    }
    if pct >= 100 {
        return num_all_nodes;
    }
    (num_all_nodes * pct / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// The outcome of one scheduling attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Bound to this node.
    Bound(NodeId),
    /// No node fits; the `FailedScheduling` message.
    Unschedulable(String),
}

/// What a cycle decided, before it is applied to the world.
enum Outcome {
    Bind(NodeId),
    Fail {
        message: String,
        plugins: PluginSet,
        /// Preemption's choice: the node to nominate and the victims to evict.
        nominate: Option<(NodeId, Vec<PodId>)>,
        /// Preemption found no candidate: the pod's nomination is cleared.
        clear_nomination: bool,
    },
}

/// The scheduler component.
pub struct Scheduler {
    queue: SchedulingQueue,
    rng: ChaCha8Rng,
    next_start_node_index: usize,
    cache: Option<SchedulerCache>,
    explain: Option<ExplainRequest>,
    record: Option<AttemptRecord>,
    feasible: Vec<NodeId>,
    /// Nodes rejected in this attempt (their statuses are worked out only when no node fits:
    /// the common case rejects hundreds of nodes per pod and needs no reasons).
    rejected: Vec<NodeId>,
    totals: Vec<i64>,
    scores: Vec<i64>,
    /// The last failed attempt of each pod shape ([`SchedulerCache::shape`]), reused by the
    /// next attempt of that shape at the same cache generation (see [`FailMemo`]).
    failed_memo: std::collections::HashMap<u32, FailMemo>,
    /// Inside [`Scheduler::run`], where the cluster's changes are applied to the cache before
    /// every attempt (so that the cache's generation covers them).
    in_run: bool,
}

/// A failed attempt that another pod of the same shape may reuse.
///
/// A pod that fits nowhere is tried again and again (after every event its rejecting plugins'
/// hints pass, at most once per back-off), and each attempt walks every node, works out each
/// node's rejection and runs preemption's dry run. Pods of one shape (one template: the same
/// spec, namespace, labels and owner) get the same verdict from every Filter on every node
/// while nothing the filters read changes, which the cache's generation tracks. So when such
/// an attempt's result depended only on the filters (not on PodDisruptionBudgets or pod ages,
/// which preemption reads only once it has a victim in view) and the pod has no nominated
/// node, the next attempt of that shape at the same generation is the same: same message,
/// same rejecting plugins, the same draw from the scheduler's stream (preemption's random
/// offset), and the walk's start moves by the number of nodes (not at all).
struct FailMemo {
    generation: u64,
    message: String,
    plugins: PluginSet,
    /// The range of preemption's random offset, if it drew one.
    draw: Option<usize>,
}

impl Scheduler {
    /// A scheduler drawing from the scenario's scheduler stream.
    pub fn new(streams: &RngStreams) -> Self {
        Self {
            queue: SchedulingQueue::new(),
            rng: streams.stream(streams::SCHEDULER),
            next_start_node_index: 0,
            cache: None,
            explain: None,
            record: None,
            feasible: Vec::new(),
            rejected: Vec::new(),
            totals: Vec::new(),
            scores: Vec::new(),
            failed_memo: std::collections::HashMap::new(),
            in_run: false,
        }
    }

    /// Arms `explain` for one attempt of one pod.
    pub fn explain(&mut self, request: ExplainRequest) {
        self.explain = Some(request);
        self.record = None;
    }

    /// The recorded attempt, once it happened.
    pub fn recorded(&self) -> Option<&AttemptRecord> {
        self.record.as_ref()
    }

    /// Takes the recorded attempt.
    pub fn take_record(&mut self) -> Option<AttemptRecord> {
        self.record.take()
    }

    /// The scheduler's cache (built at the first run).
    pub fn cache(&self) -> Option<&SchedulerCache> {
        self.cache.as_ref()
    }

    fn set_timers(w: &mut World, timers: Vec<Timer>) {
        for t in timers {
            match t {
                Timer::Backoff(pod, at) => w.schedule_at(at, Event::BackoffExpired(pod)),
                Timer::Leftover(pod, epoch, at) => {
                    w.schedule_at(at, Event::UnschedulableTimeout(pod, epoch))
                }
            }
        }
    }

    /// Applies what happened since the last look: new pods join activeQ; cluster events update
    /// the cache and move the unschedulable pods their hints select.
    fn process_events(&mut self, w: &mut World) {
        let cache = self.cache.get_or_insert_with(|| SchedulerCache::new(&w.cluster));
        for pod in std::mem::take(&mut w.scheduler_new_pods) {
            let p = &w.cluster.pods[pod.index()];
            if p.exists() && p.node.is_none() {
                self.queue.add(pod, p.spec.priority, w.now);
            }
        }
        let mut order_dirty = false;
        let events = std::mem::take(&mut w.scheduler_events);
        for ev in &events {
            match ev {
                ClusterEvent::NodeAdd(n) | ClusterEvent::NodeDelete(n) => {
                    cache.refresh_node(&w.cluster, *n);
                    order_dirty = true;
                }
                ClusterEvent::NodeUpdate(n, old) => {
                    cache.refresh_node(&w.cluster, *n);
                    order_dirty |= old.labels != *w.cluster.nodes[n.index()].meta.labels;
                }
                ClusterEvent::AssignedPodAdd(p)
                | ClusterEvent::AssignedPodUpdate(p)
                | ClusterEvent::AssignedPodDelete(p) => cache.sync_pod(&w.cluster, *p),
                ClusterEvent::UnscheduledPodDelete(p) => {
                    self.queue.forget(*p);
                    if cache.nominated_node(*p).is_some() {
                        // A nominated pod held room on its node for pods of lower or equal
                        // priority: they may fit now (`deletePodFromSchedulingQueue`).
                        cache.nominate(*p, None);
                        let prio = w.cluster.pods[p.index()].spec.priority;
                        let gone = ClusterEvent::AssignedPodDelete(*p);
                        let cluster = &w.cluster;
                        let timers = self.queue.move_unschedulable(w.now, &w.params, |q, pl| {
                            cluster.pods[q.index()].spec.priority <= prio
                                && worth_requeuing(cluster, q, pl, &gone)
                        });
                        Self::set_timers(w, timers);
                    }
                    continue;
                }
                ClusterEvent::Unknown => {}
            }
            if order_dirty {
                cache.refresh_node_order(&w.cluster);
                order_dirty = false;
            }
            if self.queue.has_unschedulable() {
                let cluster = &w.cluster;
                let timers = self.queue.move_unschedulable(w.now, &w.params, |pod, plugins| {
                    worth_requeuing(cluster, pod, plugins, ev)
                });
                Self::set_timers(w, timers);
            }
        }
        if std::mem::take(&mut w.scheduler_cluster_changed) {
            // A change reported without details: re-read every node, move every pod.
            for i in 0..w.cluster.nodes.len() {
                cache.refresh_node(&w.cluster, NodeId(i as u32));
            }
            cache.refresh_node_order(&w.cluster);
            let timers = self.queue.move_all_unschedulable(w.now, &w.params);
            Self::set_timers(w, timers);
        }
    }

    /// Handles `SchedulerKicked`: queue new pods, apply cluster events, then schedule
    /// everything in activeQ.
    pub fn run(&mut self, w: &mut World) {
        w.scheduler_ran();
        self.process_events(w);
        self.in_run = true;
        while let Some(pod) = self.queue.pop() {
            let p = &w.cluster.pods[pod.index()];
            if !p.exists() || p.node.is_some() || p.meta.deletion.is_some() {
                self.queue.forget(pod);
                continue;
            }
            self.schedule_one(w, pod);
            if !w.scheduler_events.is_empty() || !w.scheduler_new_pods.is_empty() {
                self.process_events(w);
            }
        }
        self.in_run = false;
    }

    /// Handles `BackoffExpired`.
    pub fn backoff_expired(&mut self, w: &mut World, pod: PodId) {
        if self.queue.backoff_expired(pod, w.now) {
            w.kick_scheduler();
        }
    }

    /// Handles `UnschedulableTimeout`.
    pub fn unschedulable_timeout(&mut self, w: &mut World, pod: PodId, epoch: u32) {
        let (timer, active) = self.queue.unschedulable_timeout(pod, epoch, w.now, &w.params);
        Self::set_timers(w, timer.into_iter().collect());
        if active {
            w.kick_scheduler();
        }
    }

    /// One scheduling cycle for one pod (the pod must be queued).
    pub fn schedule_one(&mut self, w: &mut World, pod: PodId) -> Decision {
        if self.cache.is_none() {
            self.process_events(w);
        }
        match self.decide(w, pod) {
            Outcome::Bind(node) => {
                self.queue.forget(pod);
                let cache = self.cache.as_mut().expect("cache");
                cache.nominate(pod, None);
                api::bind_pod(w, pod, node);
                cache.sync_pod(&w.cluster, pod);
                Decision::Bound(node)
            }
            Outcome::Fail { message, plugins, nominate, clear_nomination } => {
                if let Some((node, victims)) = nominate {
                    self.prepare_candidate(w, pod, node, &victims);
                } else if clear_nomination
                    && w.cluster.pods[pod.index()].status.nominated_node.is_some()
                {
                    w.cluster.pods[pod.index()].status.nominated_node = None;
                    self.cache.as_mut().expect("cache").nominate(pod, None);
                }
                let prio = w.cluster.pods[pod.index()].spec.priority;
                self.queue.track(pod, prio, w.now);
                let timer = self.queue.add_unschedulable(pod, w.now, &w.params, plugins);
                Self::set_timers(w, vec![timer]);
                api::set_pod_condition(
                    w,
                    pod,
                    PodConditionType::PodScheduled,
                    CondStatus::False,
                    "Unschedulable",
                    &message,
                );
                w.record_pod(pod, EventType::Warning, "FailedScheduling", message.clone());
                Decision::Unschedulable(message)
            }
        }
    }

    /// `prepareCandidate`: the victims get `DisruptionTarget` and are deleted gracefully with a
    /// `Preempted` event; lower-priority pods nominated to the node lose their nomination and
    /// go back to activeQ; the pod is nominated to the node.
    fn prepare_candidate(&mut self, w: &mut World, pod: PodId, node: NodeId, victims: &[PodId]) {
        let (uid, scheduler_name, prio) = {
            let p = &w.cluster.pods[pod.index()];
            (p.meta.uid.clone(), p.spec.scheduler_name.clone(), p.spec.priority)
        };
        let node_name = w.cluster.nodes[node.index()].meta.name.clone();
        for &v in victims {
            if w.cluster.pods[v.index()].meta.deletion.is_some() {
                continue;
            }
            api::set_pod_condition(
                w,
                v,
                PodConditionType::DisruptionTarget,
                CondStatus::True,
                default_preemption::REASON_PREEMPTION_BY_SCHEDULER,
                &format!("{scheduler_name}: preempting to accommodate a higher priority pod"),
            );
            api::delete_pod(w, v, None);
            w.record_pod(
                v,
                EventType::Normal,
                "Preempted",
                format!("Preempted by pod {uid} on node {node_name}"),
            );
        }
        let cache = self.cache.as_mut().expect("cache");
        let lower: Vec<PodId> = cache
            .nominated_on(node)
            .iter()
            .copied()
            .filter(|&q| q != pod && w.cluster.pods[q.index()].spec.priority < prio)
            .collect();
        for q in lower {
            w.cluster.pods[q.index()].status.nominated_node = None;
            cache.nominate(q, None);
            if self.queue.activate(q, w.now) {
                w.kick_scheduler();
            }
        }
        w.cluster.pods[pod.index()].status.nominated_node = Some(node);
        cache.nominate(pod, Some(node));
    }

    /// Filters, scores and (on failure) preemption for one pod, without changing the world.
    fn decide(&mut self, w: &World, pod: PodId) -> Outcome {
        let cluster = &w.cluster;
        let p = &cluster.pods[pod.index()];
        let recording = self
            .explain
            .as_ref()
            .is_some_and(|r| self.record.is_none() && w.now >= r.at && r.matches(&p.meta.name));
        let Self {
            cache,
            rng,
            next_start_node_index,
            feasible,
            rejected,
            totals,
            scores,
            failed_memo,
            in_run,
            ..
        } = self;
        let cache = cache.as_mut().expect("cache");
        // The same failure as the last attempt of this shape, if nothing changed since.
        let memo_shape = (*in_run && !recording && p.status.nominated_node.is_none())
            .then(|| cache.shape(cluster, pod));
        if let Some(shape) = memo_shape
            && let Some(m) = failed_memo.get(&shape)
            && m.generation == cache.generation()
        {
            if let Some(len) = m.draw {
                let _ = rng.random_range(0..len);
            }
            return Outcome::Fail {
                message: m.message.clone(),
                plugins: m.plugins,
                nominate: None,
                clear_nomination: false,
            };
        }
        let mut state = CycleState::new(pod, p);
        let mut prefilter = Vec::new();
        for (plugin, code) in [
            (PluginId::NodeAffinity, plugins::node_affinity::pre_filter(&p.spec)),
            (PluginId::NodePorts, plugins::node_ports::pre_filter(&p.spec.host_ports)),
            (
                PluginId::PodTopologySpread,
                pod_topology_spread::filtering::pre_filter(
                    cache,
                    cluster,
                    pod,
                    &mut state.spread_filter,
                ),
            ),
            (
                PluginId::InterPodAffinity,
                plugins::inter_pod_affinity::filtering::pre_filter(
                    cache,
                    cluster,
                    pod,
                    &mut state.affinity_filter,
                ),
            ),
        ] {
            if code == Code::Skip {
                state.skip_filter.insert(plugin);
            } else if plugin == PluginId::NodeAffinity {
                state.node_affinity =
                    plugins::node_affinity::pre_filter_state(cache, cluster, &p.spec);
            }
            if recording {
                prefilter.push(StageResult { plugin: plugin.name(), code: code.as_str() });
            }
        }
        let n = cache.node_order.len();
        let want = num_feasible_nodes_to_find(w.params.percentage_of_nodes_to_score, n);
        feasible.clear();
        rejected.clear();
        let mut unschedulable_plugins = PluginSet::EMPTY;
        let mut visited: Vec<NodeId> = Vec::new();
        let nominated =
            p.status.nominated_node.filter(|nn| cluster.nodes[nn.index()].removed.is_none());
        let mut chosen_nominated = None;
        {
            let ctx = Ctx { cluster, cache, state: &state, overlay: None };
            if let Some(nn) = nominated {
                if recording {
                    visited.push(nn);
                }
                if filters_with_nominated(&ctx, nn, None).is_ok() {
                    chosen_nominated = Some(nn);
                }
            }
            // A pod pinned to named nodes (a DaemonSet pod): when the full walk below would
            // visit every node (fewer feasible nodes than it looks for) and find at least one,
            // only the named nodes can be among them, in walk order, and the walk's start
            // moves by n (not at all): filter just those. Otherwise (none fits: the failure
            // message counts every node's reason) take the walk.
            let mut pinned_done = false;
            if chosen_nominated.is_none()
                && n > 0
                && !recording
                && let Some(names) = plugins::node_affinity::named_nodes(&p.spec)
            {
                let start = *next_start_node_index % n;
                let mut candidates: Vec<(usize, NodeId)> = names
                    .iter()
                    .filter_map(|name| cluster.node_by_name(name))
                    .filter_map(|node| {
                        let pos = *cache.node_position.get(node.index())?;
                        (pos != u32::MAX).then(|| ((pos as usize + n - start) % n, node))
                    })
                    .collect();
                candidates.sort_unstable();
                candidates.dedup();
                let fitting: Vec<NodeId> = candidates
                    .iter()
                    .map(|&(_, node)| node)
                    .filter(|&node| {
                        if cache.has_nominated(node) {
                            filters_with_nominated(&ctx, node, None).is_ok()
                        } else {
                            plugins::passes(&ctx, node)
                        }
                    })
                    .collect();
                if !fitting.is_empty() && fitting.len() < want {
                    feasible.extend(fitting);
                    // The walk would have processed all n nodes: (start + n) mod n.
                    *next_start_node_index = start;
                    pinned_done = true;
                }
            }
            if chosen_nominated.is_none() && n > 0 && !pinned_done {
                let mut processed = 0;
                let mut at = *next_start_node_index % n;
                for _ in 0..n {
                    if feasible.len() >= want {
                        break;
                    }
                    let node = cache.node_order[at];
                    at += 1;
                    if at == n {
                        at = 0;
                    }
                    processed += 1;
                    if recording {
                        visited.push(node);
                    }
                    let fits = if cache.has_nominated(node) {
                        filters_with_nominated(&ctx, node, None).is_ok()
                    } else {
                        ctx.cache.debug_check_node(cluster, node);
                        plugins::passes(&ctx, node)
                    };
                    if fits {
                        feasible.push(node);
                    } else {
                        rejected.push(node);
                    }
                }
                *next_start_node_index = (*next_start_node_index + processed) % n;
            }
        }
        let mut record = recording.then(|| AttemptRecord {
            pod: p.meta.key(),
            time: w.now,
            attempt: self_attempts(&self.queue, pod) + 1,
            priority: p.spec.priority,
            num_nodes: n,
            nodes_to_find: want,
            nominated_node: nominated.map(|nn| cluster.nodes[nn.index()].meta.name.clone()),
            prefilter,
            prescore: Vec::new(),
            spread: Vec::new(),
            nodes: Vec::new(),
            result: AttemptResult::Unschedulable {
                message: String::new(),
                preemption: PreemptionRecord::NoCandidate,
            },
        });

        // Bind to the nominated node, or the only feasible node, or the best-scored one.
        let choice: Option<(NodeId, String)> = if let Some(nn) = chosen_nominated {
            Some((nn, "the pod's nominated node passes every filter".to_string()))
        } else if feasible.len() == 1 {
            Some((feasible[0], "the only feasible node: chosen without scoring".to_string()))
        } else if feasible.len() > 1 {
            let mut prescore = Vec::new();
            for (plugin, _) in plugins::SCORES {
                let code = match plugin {
                    PluginId::NodeAffinity => plugins::node_affinity::pre_score(&p.spec),
                    PluginId::PodTopologySpread => pod_topology_spread::scoring::pre_score(
                        cache,
                        cluster,
                        pod,
                        feasible,
                        &mut state.spread_score,
                    ),
                    PluginId::InterPodAffinity => plugins::inter_pod_affinity::scoring::pre_score(
                        cache,
                        cluster,
                        pod,
                        &mut state.affinity_score,
                    ),
                    PluginId::NodeResourcesBalancedAllocation => {
                        plugins::node_resources_balanced_allocation::pre_score(state.requests)
                    }
                    PluginId::ImageLocality => {
                        plugins::image_locality::pre_score(cluster, &p.spec, n, &mut state.images);
                        Code::Success
                    }
                    _ => Code::Success,
                };
                if code == Code::Skip {
                    state.skip_score.insert(plugin);
                }
                if recording {
                    prescore.push(StageResult { plugin: plugin.name(), code: code.as_str() });
                }
            }
            let ctx = Ctx { cluster, cache, state: &state, overlay: None };
            totals.clear();
            totals.resize(feasible.len(), 0);
            scores.clear();
            scores.resize(feasible.len(), 0);
            let mut table: Vec<Vec<ScoreEntry>> =
                if recording { vec![Vec::new(); feasible.len()] } else { Vec::new() };
            let any_prefer_taints = cache.any_prefer_taints();
            for (plugin, weight) in plugins::SCORES {
                let skipped = state.skip_score.contains(plugin);
                if !recording
                    && (skipped || plugins::constant_score(plugin, &ctx, any_prefer_taints))
                {
                    // The same score everywhere (0 when skipped): it changes no choice.
                    continue;
                }
                if skipped {
                    scores.fill(0);
                } else {
                    plugins::score_nodes(plugin, &ctx, feasible, scores);
                }
                if !recording {
                    plugins::normalize(plugin, &ctx, feasible, scores);
                    for (t, s) in totals.iter_mut().zip(scores.iter()) {
                        *t += s * weight;
                    }
                    continue;
                }
                let raw = scores.clone();
                if !skipped {
                    plugins::normalize(plugin, &ctx, feasible, scores);
                }
                for (i, (t, s)) in totals.iter_mut().zip(scores.iter()).enumerate() {
                    *t += s * weight;
                    table[i].push(ScoreEntry {
                        plugin: plugin.name(),
                        skipped,
                        raw: raw[i],
                        normalized: *s,
                        weight,
                        weighted: s * weight,
                    });
                }
            }
            let (best, tied) = select_host(rng, feasible, totals);
            if let Some(r) = record.as_mut() {
                r.prescore = prescore;
                for (i, entries) in table.into_iter().enumerate() {
                    r.nodes.push(NodeRecord {
                        node: cluster.nodes[feasible[i].index()].meta.name.clone(),
                        evaluated: None,
                        filters: Vec::new(),
                        feasible: true,
                        scores: entries,
                        total: Some(totals[i]),
                    });
                }
            }
            let top = totals.iter().copied().max().unwrap_or(0);
            let why = if tied > 1 {
                format!(
                    "highest total score {top}, tied with {} other node(s): picked at random",
                    tied - 1
                )
            } else {
                format!("highest total score {top}")
            };
            Some((best, why))
        } else {
            None
        };

        let outcome = match choice {
            Some((node, why)) => {
                if let Some(r) = record.as_mut() {
                    r.result = AttemptResult::Scheduled {
                        node: cluster.nodes[node.index()].meta.name.clone(),
                        why,
                    };
                }
                Outcome::Bind(node)
            }
            None if n == 0 => {
                if let Some(r) = record.as_mut() {
                    r.result = AttemptResult::Unschedulable {
                        message: NO_NODES_AVAILABLE.to_string(),
                        preemption: PreemptionRecord::NoCandidate,
                    };
                }
                Outcome::Fail {
                    message: NO_NODES_AVAILABLE.to_string(),
                    plugins: PluginSet::EMPTY,
                    nominate: None,
                    clear_nomination: false,
                }
            }
            None => {
                let ctx = Ctx { cluster, cache, state: &state, overlay: None };
                // Every node was rejected: which plugin rejected each and why (the filters in
                // upstream order), for the message, the queue and preemption.
                let statuses: Vec<(NodeId, Status)> = rejected
                    .iter()
                    .map(|&node| match filters_with_nominated(&ctx, node, None) {
                        Ok(()) => (node, Status::success()),
                        Err((plugin, st)) => {
                            unschedulable_plugins.insert(plugin);
                            (node, st)
                        }
                    })
                    .collect();
                let (post, preemption, nominate, clear, pure) =
                    post_filter(&ctx, w, rng, &statuses);
                let message = fit_error_message(n, &statuses, post.as_deref());
                if let (Some(shape), Some(draw)) = (memo_shape, pure) {
                    failed_memo.insert(
                        shape,
                        FailMemo {
                            generation: cache.generation(),
                            message: message.clone(),
                            plugins: unschedulable_plugins,
                            draw,
                        },
                    );
                }
                if let Some(r) = record.as_mut() {
                    r.result =
                        AttemptResult::Unschedulable { message: message.clone(), preemption };
                }
                Outcome::Fail {
                    message,
                    plugins: unschedulable_plugins,
                    nominate,
                    clear_nomination: clear,
                }
            }
        };

        if let Some(mut r) = record {
            let ctx = Ctx { cluster, cache, state: &state, overlay: None };
            fill_record(&mut r, &ctx, &visited, rejected);
            self.record = Some(r);
        }
        outcome
    }
}

fn self_attempts(queue: &SchedulingQueue, pod: PodId) -> u32 {
    queue.get(pod).map_or(0, |q| q.attempts)
}

/// Runs the filters in order on one node; the first failure stops them and is returned with
/// the plugin that failed.
#[inline(always)]
fn run_filters(ctx: &Ctx<'_>, node: NodeId) -> Result<(), (PluginId, Status)> {
    ctx.cache.debug_check_node(ctx.cluster, node);
    plugins::run_filters(ctx, node)
}

/// Pods nominated to `node` that the pod must leave room for: other pods of at least its
/// priority, still pending.
fn nominated_ge(ctx: &Ctx<'_>, node: NodeId) -> Vec<PodId> {
    let noms = ctx.cache.nominated_on(node);
    if noms.is_empty() {
        return Vec::new();
    }
    let prio = ctx.state.pod.spec.priority;
    noms.iter()
        .copied()
        .filter(|&q| {
            let qp = &ctx.cluster.pods[q.index()];
            q != ctx.state.pod_id && qp.exists() && qp.node.is_none() && qp.spec.priority >= prio
        })
        .collect()
}

/// `RunFilterPluginsWithNominatedPods`: with nominated pods of at least the pod's priority on
/// the node the filters run twice, with and without them, and both must pass.
#[inline]
fn filters_with_nominated(
    ctx: &Ctx<'_>,
    node: NodeId,
    overlay: Option<&NodeOverlay>,
) -> Result<(), (PluginId, Status)> {
    let base = Ctx { cluster: ctx.cluster, cache: ctx.cache, state: ctx.state, overlay };
    if ctx.cache.nominated_on(node).is_empty() {
        return run_filters(&base, node);
    }
    let noms = nominated_ge(ctx, node);
    if noms.is_empty() {
        return run_filters(&base, node);
    }
    let mut with = overlay.cloned().unwrap_or(NodeOverlay { node, ..NodeOverlay::default() });
    with.added.extend(noms);
    let c = Ctx { cluster: ctx.cluster, cache: ctx.cache, state: ctx.state, overlay: Some(&with) };
    run_filters(&c, node)?;
    run_filters(&base, node)
}

/// `selectHost`: the node with the highest total, ties broken by reservoir sampling from the
/// scheduler's stream. Returns the node and how many nodes shared the top total.
fn select_host(rng: &mut ChaCha8Rng, feasible: &[NodeId], totals: &[i64]) -> (NodeId, u32) {
    let mut best = feasible[0];
    let mut best_score = totals[0];
    let mut count = 1u32;
    for (i, &node) in feasible.iter().enumerate().skip(1) {
        if totals[i] > best_score {
            best = node;
            best_score = totals[i];
            count = 1;
        } else if totals[i] == best_score {
            count += 1;
            if rng.random_range(0..count) == 0 {
                best = node;
            }
        }
    }
    (best, count)
}

/// DefaultPreemption's PostFilter. Returns the `preemption: ...` message part (None when a
/// candidate was found), the record for `explain`, the nomination and victims, whether to
/// clear an earlier nomination, and, when the result depended only on what the filters read
/// (no candidate, and no node's victims were weighed against PDBs and pod ages), the range of
/// the random draw it made (see [`FailMemo`]).
#[allow(clippy::type_complexity)]
fn post_filter(
    ctx: &Ctx<'_>,
    w: &World,
    rng: &mut ChaCha8Rng,
    rejected: &[(NodeId, Status)],
) -> (Option<String>, PreemptionRecord, Option<(NodeId, Vec<PodId>)>, bool, Option<Option<usize>>) {
    let cluster = ctx.cluster;
    let cache = ctx.cache;
    let pod = ctx.state.pod_id;
    let p = ctx.state.pod;
    let num_nodes = cache.node_order.len();
    let pods_on = |node: NodeId| -> Vec<PodId> {
        cluster
            .pods_on_node(node)
            .iter()
            .copied()
            .filter(|&q| cache.assigned_node(q) == Some(node))
            .collect()
    };
    let nominated_code = p
        .status
        .nominated_node
        .and_then(|nn| rejected.iter().find(|(n, _)| *n == nn).map(|(_, st)| st.code));
    let on_nominated = p.status.nominated_node.map(pods_on).unwrap_or_default();
    if let Err(msg) = default_preemption::pod_eligible(cluster, pod, &on_nominated, nominated_code)
    {
        return (
            Some(format!("preemption: {msg}")),
            PreemptionRecord::NotEligible(msg.to_string()),
            None,
            false,
            Some(None),
        );
    }
    // Candidates: nodes rejected as Unschedulable, in the snapshot's node order.
    let mut unschedulable = vec![false; cluster.nodes.len()];
    for (n, st) in rejected {
        unschedulable[n.index()] = st.code == Code::Unschedulable;
    }
    let potential: Vec<NodeId> =
        cache.node_order.iter().copied().filter(|n| unschedulable[n.index()]).collect();
    let mut statuses: Vec<(NodeId, Status)> = Vec::new();
    let mut non_violating = Vec::new();
    let mut violating = Vec::new();
    // Whether some node's victims were weighed (PDBs, pod ages): the result is not the
    // filters' alone.
    let mut weighed = false;
    let mut draw = None;
    if !potential.is_empty() {
        let offset = rng.random_range(0..potential.len());
        draw = Some(potential.len());
        let wanted = default_preemption::num_candidates(potential.len());
        let pdbs = default_preemption::pdb_allowances(cluster);
        let prio = p.spec.priority;
        for i in 0..potential.len() {
            let node = potential[(offset + i) % potential.len()];
            // No pod of lower priority on the node: no victims, as `select_victims_on_node`
            // would find (without building the lists).
            let any_lower = cluster.pods_on_node(node).iter().any(|&q| {
                cluster.pods[q.index()].spec.priority < prio && cache.assigned_node(q) == Some(node)
            });
            if !any_lower {
                statuses.push((
                    node,
                    Status::fail(
                        Code::UnschedulableAndUnresolvable,
                        default_preemption::NO_VICTIMS,
                    ),
                ));
                continue;
            }
            let on_node = pods_on(node);
            let mut fits = |o: &NodeOverlay| match filters_with_nominated(ctx, node, Some(o)) {
                Ok(()) => Status::success(),
                Err((_, st)) => st,
            };
            match default_preemption::select_victims_on_node(
                cluster, w.now, pod, node, &on_node, &pdbs, &mut fits,
            ) {
                Ok((victims, violations)) if !victims.is_empty() => {
                    weighed = true;
                    let c = default_preemption::Candidate {
                        node,
                        victims,
                        num_pdb_violations: violations,
                    };
                    if violations == 0 {
                        non_violating.push(c)
                    } else {
                        violating.push(c)
                    }
                    if !non_violating.is_empty() && non_violating.len() + violating.len() >= wanted
                    {
                        break;
                    }
                }
                Ok(_) => {
                    weighed = true;
                    statuses.push((
                        node,
                        Status::fail(
                            Code::UnschedulableAndUnresolvable,
                            format!(
                                "expected at least one victim pod on node {:?}",
                                cluster.nodes[node.index()].meta.name
                            ),
                        ),
                    ))
                }
                Err(st) => statuses.push((node, st)),
            }
        }
    }
    let mut candidates = non_violating;
    candidates.extend(violating);
    if candidates.is_empty() {
        // A FitError over the dry run's statuses; every other node "is not helpful".
        let mut hist = Histogram::default();
        for (_, st) in &statuses {
            for r in st.reasons() {
                hist.add(r, 1);
            }
        }
        let absent = num_nodes - statuses.len();
        if absent > 0 {
            hist.add(default_preemption::NOT_HELPFUL, absent);
        }
        let msg =
            format!("preemption: 0/{num_nodes} nodes are available: {}.", sorted_histogram(&hist));
        return (Some(msg), PreemptionRecord::NoCandidate, None, true, (!weighed).then_some(draw));
    }
    let best = default_preemption::pick_one_node(cluster, w.now, &candidates);
    let c = candidates.swap_remove(best);
    let record = PreemptionRecord::Nominated {
        node: cluster.nodes[c.node.index()].meta.name.clone(),
        victims: c.victims.iter().map(|v| cluster.pods[v.index()].meta.key()).collect(),
        candidates: candidates.len() + 1,
    };
    (None, record, Some((c.node, c.victims)), false, None)
}

/// Reasons counted over the nodes: a handful of distinct reasons over thousands of nodes, most
/// of them the same `&'static str` (compared by address first).
#[derive(Default)]
struct Histogram<'a>(Vec<(&'a str, usize)>);

impl<'a> Histogram<'a> {
    fn add(&mut self, reason: &'a str, n: usize) {
        let same = |k: &&str| std::ptr::eq(*k, reason) || *k == reason;
        match self.0.iter_mut().find(|(k, _)| same(k)) {
            Some((_, c)) => *c += n,
            None => self.0.push((reason, n)),
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `count reason` entries, sorted as strings (upstream's `sort.Strings` on the formatted
/// entries), joined with `, `.
fn sorted_histogram(hist: &Histogram<'_>) -> String {
    let mut v: Vec<String> = hist.0.iter().map(|(r, c)| format!("{c} {r}")).collect();
    v.sort();
    v.join(", ")
}

/// `FitError.Error()`: `0/N nodes are available: <count reason, ... sorted>.` followed by the
/// PostFilter's message, if it has one.
pub fn fit_error_message(
    num_nodes: usize,
    rejected: &[(NodeId, Status)],
    post_filter: Option<&str>,
) -> String {
    let mut hist = Histogram::default();
    for (_, st) in rejected {
        for r in st.reasons() {
            hist.add(r, 1);
        }
    }
    let mut msg = format!("0/{num_nodes} nodes are available:");
    if !hist.is_empty() {
        msg.push_str(&format!(" {}.", sorted_histogram(&hist)));
    }
    if let Some(post) = post_filter {
        msg.push(' ');
        msg.push_str(post);
    }
    msg
}

/// Completes an `explain` record: per node filter verdicts (visited nodes in visiting order,
/// then the others), and the spread constraints with their counts.
fn fill_record(r: &mut AttemptRecord, ctx: &Ctx<'_>, visited: &[NodeId], rejected: &[NodeId]) {
    let cluster = ctx.cluster;
    let cache = ctx.cache;
    let mut by_name: BTreeMap<String, NodeRecord> =
        std::mem::take(&mut r.nodes).into_iter().map(|nr| (nr.node.clone(), nr)).collect();
    let mut nodes = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let order: Vec<(NodeId, Option<usize>)> = visited
        .iter()
        .enumerate()
        .map(|(i, &n)| (n, Some(i)))
        .chain(cache.node_order.iter().map(|&n| (n, None)))
        .collect();
    for (node, evaluated) in order {
        if !seen.insert(node) {
            continue;
        }
        let name = cluster.nodes[node.index()].meta.name.clone();
        let mut nr = by_name.remove(&name).unwrap_or(NodeRecord {
            node: name,
            evaluated: None,
            filters: Vec::new(),
            feasible: false,
            scores: Vec::new(),
            total: None,
        });
        nr.evaluated = evaluated;
        if evaluated.is_some() {
            nr.feasible = !rejected.contains(&node);
            nr.filters = filter_verdicts(ctx, node);
        }
        nodes.push(nr);
    }
    r.nodes = nodes;
    let topo = &cache.topo;
    let mut spread = Vec::new();
    let p = ctx.state.pod;
    let system_default = p.spec.topology_spread_constraints.is_empty();
    let mut push = |c: &pod_topology_spread::common::Resolved,
                    counter: cache::CounterId,
                    by_node: bool| {
        let ctr = cache.counter_ref(counter);
        let domains = ctr
            .domains()
            .map(|(d, n)| {
                let name = if by_node {
                    cluster.nodes[d as usize].meta.name.clone()
                } else {
                    topo.value_name(c.key, d).to_string()
                };
                (name, n)
            })
            .collect();
        spread.push(SpreadConstraintRecord {
            topology_key: topo.key_name(c.key).to_string(),
            max_skew: c.max_skew,
            when_unsatisfiable: match c.source.when_unsatisfiable {
                WhenUnsatisfiable::DoNotSchedule => "DoNotSchedule",
                WhenUnsatisfiable::ScheduleAnyway => "ScheduleAnyway",
            },
            min_domains: c.min_domains,
            selector: cache.group_selector(c.group).map_or("<none>".to_string(), |s| s.to_string()),
            system_default,
            domains,
            global_min: ctr.min(),
        });
    };
    for fc in ctx.state.spread_filter.constraints.iter() {
        push(&fc.c, fc.counter, false);
    }
    for sc in &ctx.state.spread_score.plan.constraints {
        push(&sc.c, sc.counter, sc.is_hostname);
    }
    r.spread = spread;
}

/// Each filter's verdict on a node, in order, up to the first failure.
fn filter_verdicts(ctx: &Ctx<'_>, node: NodeId) -> Vec<FilterVerdict> {
    let noms = nominated_ge(ctx, node);
    let with = NodeOverlay { node, added: noms.clone(), removed: Vec::new() };
    let c = Ctx {
        cluster: ctx.cluster,
        cache: ctx.cache,
        state: ctx.state,
        overlay: (!noms.is_empty()).then_some(&with),
    };
    let mut out = Vec::new();
    for plugin in plugins::FILTERS {
        if ctx.state.skip_filter.contains(plugin) {
            out.push(FilterVerdict {
                plugin: plugin.name(),
                code: Code::Skip.as_str(),
                reasons: Vec::new(),
                details: Vec::new(),
            });
            continue;
        }
        let st = plugins::filter(plugin, &c, node).err().unwrap_or_else(Status::success);
        let mut details = Vec::new();
        if plugin == PluginId::PodTopologySpread {
            details = pod_topology_spread::filtering::explain(&c, node);
        }
        if !noms.is_empty() && plugin == PluginId::NodeResourcesFit {
            details.push(format!(
                "{} nominated pod(s) of equal or higher priority assumed on the node",
                noms.len()
            ));
        }
        let failed = !st.is_success();
        out.push(FilterVerdict {
            plugin: plugin.name(),
            code: st.code.as_str(),
            reasons: st.reasons().map(str::to_string).collect(),
            details,
        });
        if failed {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptive_percentage() {
        // Examples from the reference: 500 nodes -> 46 % -> 230; 1000 -> 42 % -> 420;
        // 5000 -> 10 % -> 500; fewer than 100 nodes -> all of them.
        assert_eq!(num_feasible_nodes_to_find(0, 500), 230);
        assert_eq!(num_feasible_nodes_to_find(0, 1000), 420);
        assert_eq!(num_feasible_nodes_to_find(0, 5000), 500);
        assert_eq!(num_feasible_nodes_to_find(0, 99), 99);
        // 50 - 6000/125 = 2 -> floored at 5 % -> 300.
        assert_eq!(num_feasible_nodes_to_find(0, 6000), 300);
        assert_eq!(num_feasible_nodes_to_find(100, 5000), 5000);
    }

    #[test]
    fn fit_error_reads_like_kube_scheduler() {
        let st = |r: &'static str| Status::fail(Code::Unschedulable, r);
        let rejected = vec![
            (
                NodeId(0),
                Status::fail(Code::UnschedulableAndUnresolvable, "node(s) were unschedulable"),
            ),
            (NodeId(1), st("Insufficient cpu")),
            (NodeId(2), st("Insufficient cpu")),
            (NodeId(3), st("Insufficient cpu")),
        ];
        // Entries sort as strings *with* their counts, like upstream's sort.Strings.
        assert_eq!(
            fit_error_message(
                4,
                &rejected,
                Some(
                    "preemption: 0/4 nodes are available: 1 Preemption is not helpful for \
                     scheduling, 3 No preemption victims found for incoming pod."
                )
            ),
            "0/4 nodes are available: 1 node(s) were unschedulable, 3 Insufficient cpu. \
             preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, \
             3 No preemption victims found for incoming pod."
        );
    }
}
