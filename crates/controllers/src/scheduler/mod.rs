//! kube-scheduler: takes pending pods from its queue, filters the nodes, scores the feasible
//! ones, picks the best (ties broken at random from the scheduler's seeded stream) and binds.
//!
//! Source: `pkg/scheduler/schedule_one.go`. One scheduling cycle:
//! 1. pop the next pod from activeQ;
//! 2. walk the nodes in the scheduler's node order (zones interleaved, like upstream's
//!    `nodeTree`) starting at `nextStartNodeIndex`, running the filters in upstream order
//!    until `numFeasibleNodesToFind` feasible nodes are found;
//! 3. none feasible: `FailedScheduling` with upstream's `0/N nodes are available: ...`
//!    message, `PodScheduled=False`, and the pod waits in the unschedulable pool;
//! 4. one feasible: it is chosen without scoring;
//! 5. otherwise each score plugin scores, normalises and weights; the highest total wins,
//!    ties broken by reservoir sampling as `selectHost` does;
//! 6. bind (the cycle takes no simulated time).

pub mod framework;
pub mod plugins;
pub mod queue;

use crate::api;
use crate::world::{Event, World, streams};
use framework::{Code, CycleState};
use kubesim_engine::RngStreams;
use kubesim_model::{CondStatus, EventType, NodeId, PodConditionType, PodId};
use queue::{SchedulingQueue, Timer};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// `minFeasibleNodesToFind`
const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// `minFeasibleNodesPercentageToFind`
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: usize = 5;

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

/// The outcome of one scheduling attempt, for tests and `explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Bound to this node.
    Bound(NodeId),
    /// No node fits; the `FailedScheduling` message.
    Unschedulable(String),
}

/// The scheduler component.
pub struct Scheduler {
    queue: SchedulingQueue,
    rng: ChaCha8Rng,
    next_start_node_index: usize,
    node_order: Vec<NodeId>,
    /// The `World::node_set_version` the node order was built for.
    node_order_version: Option<u64>,
}

impl Scheduler {
    /// A scheduler drawing from the scenario's scheduler stream.
    pub fn new(streams: &RngStreams) -> Self {
        Self {
            queue: SchedulingQueue::new(),
            rng: streams.stream(streams::SCHEDULER),
            next_start_node_index: 0,
            node_order: Vec::new(),
            node_order_version: None,
        }
    }

    /// Upstream's `nodeTree.list()`: zones in the order first seen, nodes of each zone in the
    /// order added, listed round-robin across zones. Rebuilt when nodes are added or deleted.
    fn refresh_node_order(&mut self, w: &World) {
        if self.node_order_version == Some(w.node_set_version) {
            return;
        }
        let mut zones: Vec<(String, Vec<NodeId>)> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for id in w.cluster.live_nodes() {
            let n = &w.cluster.nodes[id.index()];
            let region =
                n.meta.labels.get(kubesim_model::LABEL_REGION).map(String::as_str).unwrap_or("");
            let zone =
                n.meta.labels.get(kubesim_model::LABEL_ZONE).map(String::as_str).unwrap_or("");
            let key = format!("{region}:\x00:{zone}");
            let i = *index.entry(key.clone()).or_insert_with(|| {
                zones.push((key, Vec::new()));
                zones.len() - 1
            });
            zones[i].1.push(id);
        }
        self.node_order.clear();
        let longest = zones.iter().map(|z| z.1.len()).max().unwrap_or(0);
        for round in 0..longest {
            for z in &zones {
                if let Some(&n) = z.1.get(round) {
                    self.node_order.push(n);
                }
            }
        }
        self.node_order_version = Some(w.node_set_version);
        self.next_start_node_index = 0;
    }

    /// Handles `SchedulerKicked`: queue new pods, move unschedulable ones after a cluster
    /// change, then schedule everything in activeQ.
    pub fn run(&mut self, w: &mut World) {
        w.scheduler_ran();
        for pod in std::mem::take(&mut w.scheduler_new_pods) {
            let p = &w.cluster.pods[pod.index()];
            if p.exists() && p.node.is_none() {
                self.queue.add(pod, p.spec.priority, w.now);
            }
        }
        if std::mem::take(&mut w.scheduler_cluster_changed) {
            let timers = self.queue.move_all_unschedulable(w.now, &w.params);
            self.set_timers(w, timers);
        }
        while let Some(pod) = self.queue.pop() {
            let p = &w.cluster.pods[pod.index()];
            if !p.exists() || p.node.is_some() || p.meta.deletion.is_some() {
                self.queue.forget(pod);
                continue;
            }
            self.schedule_one(w, pod);
        }
    }

    fn set_timers(&mut self, w: &mut World, timers: Vec<Timer>) {
        for t in timers {
            match t {
                Timer::Backoff(pod, at) => w.schedule_at(at, Event::BackoffExpired(pod)),
                Timer::Leftover(pod, epoch, at) => {
                    w.schedule_at(at, Event::UnschedulableTimeout(pod, epoch))
                }
            }
        }
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
        self.set_timers(w, timer.into_iter().collect());
        if active {
            w.kick_scheduler();
        }
    }

    /// One scheduling cycle for one pod.
    pub fn schedule_one(&mut self, w: &mut World, pod: PodId) -> Decision {
        self.refresh_node_order(w);
        let decision = self.decide(w, pod);
        match &decision {
            Decision::Bound(node) => {
                self.queue.forget(pod);
                api::bind_pod(w, pod, *node);
            }
            Decision::Unschedulable(msg) => {
                let timer = self.queue.add_unschedulable(pod, w.now, &w.params);
                self.set_timers(w, vec![timer]);
                api::set_pod_condition(
                    w,
                    pod,
                    PodConditionType::PodScheduled,
                    CondStatus::False,
                    "Unschedulable",
                    msg,
                );
                w.record_pod(pod, EventType::Warning, "FailedScheduling", msg.clone());
            }
        }
        decision
    }

    fn decide(&mut self, w: &World, pod: PodId) -> Decision {
        let cluster = &w.cluster;
        let state = CycleState::new(&cluster.pods[pod.index()]);
        let n = self.node_order.len();
        let want = num_feasible_nodes_to_find(w.params.percentage_of_nodes_to_score, n);
        let mut feasible: Vec<NodeId> = Vec::new();
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        let mut resolvable = 0usize;
        let mut processed = 0usize;
        for i in 0..n {
            if feasible.len() >= want {
                break;
            }
            let node = self.node_order[(self.next_start_node_index + i) % n];
            processed += 1;
            let mut ok = true;
            for (_, filter) in plugins::FILTERS {
                let st = filter(&state, cluster, node);
                if !st.is_success() {
                    if st.code == Code::Unschedulable {
                        resolvable += 1;
                    }
                    for r in st.reasons {
                        *reasons.entry(r).or_default() += 1;
                    }
                    ok = false;
                    break;
                }
            }
            if ok {
                feasible.push(node);
            }
        }
        if n > 0 {
            self.next_start_node_index = (self.next_start_node_index + processed) % n;
        }
        match feasible.len() {
            0 => Decision::Unschedulable(fit_error_message(n, &reasons, resolvable)),
            1 => Decision::Bound(feasible[0]),
            _ => Decision::Bound(self.select_host(&state, cluster, &feasible)),
        }
    }

    /// Scores the feasible nodes and picks one of the best (`prioritizeNodes` + `selectHost`).
    fn select_host(
        &mut self,
        state: &CycleState<'_>,
        cluster: &kubesim_model::Cluster,
        feasible: &[NodeId],
    ) -> NodeId {
        let mut totals = vec![0i64; feasible.len()];
        let mut scores = vec![0i64; feasible.len()];
        for plugin in plugins::SCORES {
            for (s, &node) in scores.iter_mut().zip(feasible) {
                *s = (plugin.score)(state, cluster, node);
            }
            if let Some(normalize) = plugin.normalize {
                normalize(&mut scores);
            }
            for (t, s) in totals.iter_mut().zip(&scores) {
                *t += s * plugin.weight;
            }
        }
        // Reservoir sampling among the nodes with the top score.
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
                if self.rng.random_range(0..count) == 0 {
                    best = node;
                }
            }
        }
        best
    }
}

/// `FitError.Error()` followed by the DefaultPreemption PostFilter's message:
/// `0/N nodes are available: <count reason, ... sorted>. preemption: 0/N nodes are available:
/// <k No preemption victims found for incoming pod, m Preemption is not helpful for
/// scheduling>.` kubesim does not preempt yet, so every node whose rejection preemption could
/// resolve reports that no victims were found (true when no lower-priority pods exist).
pub fn fit_error_message(
    num_nodes: usize,
    reasons: &BTreeMap<String, usize>,
    resolvable: usize,
) -> String {
    let histogram = |m: &BTreeMap<String, usize>| {
        let mut v: Vec<String> = m.iter().map(|(r, c)| format!("{c} {r}")).collect();
        v.sort();
        v.join(", ")
    };
    let mut msg = format!("0/{num_nodes} nodes are available");
    let filters = histogram(reasons);
    msg.push(':');
    if !filters.is_empty() {
        msg.push_str(&format!(" {filters}."));
    }
    let mut post: BTreeMap<String, usize> = BTreeMap::new();
    if resolvable > 0 {
        post.insert("No preemption victims found for incoming pod".into(), resolvable);
    }
    if num_nodes > resolvable {
        post.insert("Preemption is not helpful for scheduling".into(), num_nodes - resolvable);
    }
    msg.push_str(&format!(" preemption: 0/{num_nodes} nodes are available: {}.", histogram(&post)));
    msg
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
        let mut r = BTreeMap::new();
        r.insert("node(s) were unschedulable".to_string(), 1);
        r.insert("Insufficient cpu".to_string(), 3);
        // Entries sort as strings *with* their counts, like upstream's sort.Strings.
        assert_eq!(
            fit_error_message(4, &r, 3),
            "0/4 nodes are available: 1 node(s) were unschedulable, 3 Insufficient cpu. \
             preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, \
             3 No preemption victims found for incoming pod."
        );
    }
}
