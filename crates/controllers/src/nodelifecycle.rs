//! The node lifecycle controller (`pkg/controller/nodelifecycle/node_lifecycle_controller.go`).
//!
//! # What it does upstream
//! - `monitorNodeHealth`, every `--node-monitor-period` (5 s): for each node,
//!   `tryUpdateNodeHealth` moves the node's `probeTimestamp` (the controller's own clock) when
//!   its Lease was renewed or its Ready condition's heartbeat changed, and once
//!   `now > probeTimestamp + --node-monitor-grace-period` sets Ready, MemoryPressure,
//!   DiskPressure and PIDPressure to Unknown (`NodeStatusUnknown`, "Kubelet stopped posting
//!   node status."). Then `processTaintBaseEviction` on the *observed* (pre-update) Ready
//!   status: False/Unknown → queue the node for the matching NoExecute taint (or swap the
//!   opposite one at once), True → `markNodeAsReachable` (remove both NoExecute taints, leave
//!   the queue). If the pass itself turned the node not-Ready, `NodeNotReady` on the node and
//!   `MarkPodsNotReady` (each pod's Ready → False, event `NodeNotReady`). Finally
//!   `handleDisruption` computes each zone's state and sets its rate limiter.
//! - `doNoScheduleTaintingPass` on every node update: `not-ready` / `unreachable` NoSchedule
//!   taints follow the Ready condition at once.
//! - `doNoExecuteTaintingPass` every 100 ms: per zone, `RateLimitedTimedQueue.Try` takes a
//!   limiter token (`TryAccept`) then the queue head and adds `unreachable` or `not-ready`
//!   NoExecute (with `timeAdded`) — or drops the node if it is Ready again.
//! - Zones (`ComputeZoneState`): FullDisruption when no node is Ready, PartialDisruption when
//!   more than 2 are not Ready and they are at least `--unhealthy-zone-threshold` (0.55) of
//!   the zone, else Normal. The limiter (`setLimiterInZone`): Normal → `--node-eviction-rate`
//!   (0.1/s); PartialDisruption → `--secondary-node-eviction-rate` (0.01/s) if the zone has more
//!   than `--large-cluster-size-threshold` (50) nodes, else 0 (no NoExecute taints at all);
//!   FullDisruption → the normal rate — unless *every* zone is FullDisruption: then all
//!   NoExecute taints are removed and every limiter is set to 0 ("master disruption mode"),
//!   and leaving it gives every node a fresh grace period.
//!
//! # Event-driven equivalences (each exact, for the behaviour kubesim models)
//! - **Passes only when they can change something.** A pass reads the nodes' Ready
//!   conditions and taints, the heartbeats, and the controller's own records; when none of
//!   those changed and no grace period ran out, it is a no-op. So a pass is scheduled (a
//!   [`Event::NodeMonitorPass`], on the `k × node-monitor-period` grid) only: at the pass that
//!   ends a stopped node's grace period (one timer per node: the first grid point `p` with
//!   `p > probe + grace`, where `probe` is the first pass at or after the node's last
//!   heartbeat), at the first pass after a kubelet posts a status change or after a node or
//!   its taints change, and at the pass after any pass that changed something (the
//!   observed-vs-current rule needs it: the NoExecute taint is queued on the pass *after* the
//!   one that turned the node Unknown). A pass visits only the nodes that can change: those
//!   not Ready, and those touched since the last pass; per-zone counts of not-Ready nodes are
//!   kept up to date instead of recounted. A healthy cluster schedules no pass at all.
//! - **The queue order.** While a node waits for its taint, every pass calls
//!   `markNodeForTainting`, which (the taint being absent) removes and re-adds it with
//!   `ProcessAt = now`; so after any pass all waiting nodes carry that pass's time, ordered by
//!   the order the pass visited them. kubesim visits nodes in id order, so the heap is kept as
//!   a set ordered by node id. (Upstream visits them 8-way in parallel, in the informer's map
//!   order: effectively random.)
//! - **Tokens as timers.** The limiter is `NewTokenBucketRateLimiter(qps, burst 1)`: full when
//!   created, one token per `1/qps` s. `doNoExecuteTaintingPass` runs on the 100 ms grid; it
//!   consumes a token only when its queue has a head. So a zone's queue is served by one timer
//!   ([`Event::NoExecuteTaintingPass`]) at the first 100 ms grid point at which a token is
//!   available and after the node was queued. `Try` takes the token before it looks at the
//!   head's `ProcessAt`; a head that is not due yet still costs a token. In kubesim a queued
//!   node is always due (`ProcessAt = now` when added; retries `wait + 1 ns` only follow API
//!   errors, which kubesim does not have), so that case does not arise; a head that is Ready
//!   again does consume its token, as upstream.
//! - **Same-instant order.** A pass runs after everything else at its instant (it is a late
//!   event), so a heartbeat or status post at the very instant of a pass is seen by it; a
//!   node queued by a pass is first served by the `Try` 100 ms later (the `Try` on the same
//!   grid point ran before the pass's queueing).
//!
//! Simplified: the controller never restarts, so nodes and zones are known from t = 0 in the
//! state a long-running controller would have them (zones Normal, limiters full); nodes
//! created later (`add-node`, node-pool upgrades) are taken in when the controller next looks
//! (a zone first seen then is not in the metrics' zone columns, fixed at t = 0);
//! `--node-startup-grace-period` applies to nodes that never posted status, which kubesim does
//! not create yet; `processPod` (marking pods bound to a not-Ready node NotReady) is not needed
//! because such pods have no Ready condition yet (`MarkPodsNotReady` only flips an existing one).

use crate::api;
use crate::node_heartbeat::{HbTime, NodeHeartbeats};
use crate::world::{Event, World};
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::{
    CondStatus, EventType, LABEL_REGION, LABEL_ZONE, NodeId, Params, PodConditionType,
    TAINT_NOT_READY, TAINT_UNREACHABLE, Taint, TaintEffect,
};
use std::collections::{BTreeMap, BTreeSet};

/// `scheduler.NodeEvictionPeriod`: the grid of `doNoExecuteTaintingPass`.
pub const NODE_EVICTION_PERIOD: SimDuration = SimDuration::from_millis(100);
/// `node.kubernetes.io/exclude-disruption`: nodes with this label do not count for zones.
pub const LABEL_EXCLUDE_DISRUPTION: &str = "node.kubernetes.io/exclude-disruption";
/// `failure-domain.beta.kubernetes.io/zone`, the deprecated zone label `GetZoneKey` falls back to.
pub const LABEL_BETA_ZONE: &str = "failure-domain.beta.kubernetes.io/zone";
/// `failure-domain.beta.kubernetes.io/region`
pub const LABEL_BETA_REGION: &str = "failure-domain.beta.kubernetes.io/region";

/// The controller's settings: kube-controller-manager's flags, with their defaults from
/// [`Params`] (`NodeLifecycleControllerConfiguration`).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `--node-monitor-period` (default 5 s): the grid of `monitorNodeHealth` passes.
    pub node_monitor_period: SimDuration,
    /// `--node-monitor-grace-period` (default 50 s since v1.32, 40 s before): how long a node
    /// may go without a heartbeat before it is marked Unknown.
    pub node_monitor_grace_period: SimDuration,
    /// `--node-startup-grace-period` (default 60 s): the grace period of a node that never
    /// posted status.
    pub node_startup_grace_period: SimDuration,
    /// `--node-eviction-rate` (default 0.1 nodes/s per zone), a float32 upstream.
    pub node_eviction_rate: f32,
    /// `--secondary-node-eviction-rate` (default 0.01 nodes/s).
    pub secondary_node_eviction_rate: f32,
    /// `--large-cluster-size-threshold` (default 50 nodes).
    pub large_cluster_size_threshold: i32,
    /// `--unhealthy-zone-threshold` (default 0.55).
    pub unhealthy_zone_threshold: f32,
}

impl Config {
    /// The settings of a scenario.
    pub fn from_params(p: &Params) -> Self {
        Self {
            node_monitor_period: p.node_monitor_period,
            node_monitor_grace_period: p.node_monitor_grace_period,
            node_startup_grace_period: p.node_startup_grace_period,
            node_eviction_rate: p.node_eviction_rate as f32,
            secondary_node_eviction_rate: p.secondary_node_eviction_rate as f32,
            large_cluster_size_threshold: i32::try_from(p.large_cluster_size_threshold)
                .unwrap_or(i32::MAX),
            unhealthy_zone_threshold: p.unhealthy_zone_threshold as f32,
        }
    }
}

/// A zone's state (`ZoneState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneState {
    /// A zone just seen (or, in kubesim's metrics, one that lost all its nodes).
    Initial,
    /// Evicting at the normal rate.
    Normal,
    /// Many nodes not Ready: reduced rate (or none in small zones).
    PartialDisruption,
    /// No node Ready.
    FullDisruption,
}

impl ZoneState {
    /// The code used in `metrics.csv` (see [`kubesim_model::trace::ZONE_STATES`]).
    pub fn code(self) -> i64 {
        match self {
            Self::Initial => 0,
            Self::Normal => 1,
            Self::PartialDisruption => 2,
            Self::FullDisruption => 3,
        }
    }
}

/// `ComputeZoneState`, with upstream's float32 arithmetic.
pub fn compute_zone_state(ready: u32, not_ready: u32, unhealthy_zone_threshold: f32) -> ZoneState {
    if ready == 0 && not_ready > 0 {
        ZoneState::FullDisruption
    } else if not_ready > 2
        && not_ready as f32 / (not_ready + ready) as f32 >= unhealthy_zone_threshold
    {
        ZoneState::PartialDisruption
    } else {
        ZoneState::Normal
    }
}

/// A zone's rate limiter (`flowcontrol.RateLimiter`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Limiter {
    /// `NewTokenBucketRateLimiter(qps, 1)`: a token is available from `next_token` on.
    Bucket { qps: f32, next_token: SimTime },
    /// `NewFakeNeverRateLimiter()`: never accepts (its `QPS()` reports 1).
    Never,
}

impl Limiter {
    fn bucket(qps: f32, now: SimTime) -> Self {
        if qps <= 0.0 { Self::Never } else { Self::Bucket { qps, next_token: now } }
    }

    fn qps(&self) -> f32 {
        match self {
            Self::Bucket { qps, .. } => *qps,
            Self::Never => 1.0,
        }
    }

    fn try_accept(&mut self, now: SimTime) -> bool {
        match self {
            Self::Bucket { qps, next_token } if *next_token <= now => {
                *next_token = now + token_interval(*qps);
                true
            }
            _ => false,
        }
    }

    fn next_token(&self) -> Option<SimTime> {
        match self {
            Self::Bucket { next_token, .. } => Some(*next_token),
            Self::Never => None,
        }
    }

    /// `SwapLimiter(newQPS)`: no-op for the same qps; a limiter that has no token left makes
    /// the new one start empty too.
    fn swap(&mut self, qps: f32, now: SimTime) {
        if self.qps() == qps {
            return;
        }
        if qps <= 0.0 {
            *self = Self::Never;
            return;
        }
        let had_token = self.try_accept(now);
        let mut new = Self::bucket(qps, now);
        if !had_token {
            new.try_accept(now);
        }
        *self = new;
    }
}

/// The time from an empty bucket to one token: the smallest whole number of milliseconds `d`
/// with `d.Seconds() × float64(qps) ≥ 1` (golang.org/x/time/rate's `tokensFromDuration`).
pub fn token_interval(qps: f32) -> SimDuration {
    let q = f64::from(qps);
    let mut ms = (1000.0 / q).floor().max(1.0) as u64;
    while (ms as f64 / 1000.0) * q < 1.0 {
        ms += 1;
    }
    while ms > 1 && ((ms - 1) as f64 / 1000.0) * q >= 1.0 {
        ms -= 1;
    }
    SimDuration::from_millis(ms)
}

/// One zone: its state, counts, limiter and NoExecute tainting queue.
#[derive(Debug, Clone)]
struct Zone {
    /// The name shown in metrics.
    name: String,
    state: ZoneState,
    /// Nodes that count for the zone (known, not excluded).
    size: u32,
    /// Of those, how many were not Ready at their last visit.
    not_ready: u32,
    limiter: Limiter,
    /// `RateLimitedTimedQueue`'s heap: nodes waiting for their NoExecute taint.
    waiting: BTreeSet<NodeId>,
    /// `UniqueQueue.set`: waiting nodes and those already tainted, until `Remove`.
    set: BTreeSet<NodeId>,
    /// The pending `doNoExecuteTaintingPass` timer (time, generation).
    try_at: Option<SimTime>,
    try_gen: u32,
}

/// The controller's record of one node (`nodeHealthData` and what it derives).
#[derive(Debug, Clone)]
struct NodeRecord {
    zone: usize,
    excluded: bool,
    /// In `knownNodeSet` (false once the controller saw the node deleted).
    known: bool,
    /// Whether the node counted as Ready for its zone at its last visit.
    counted_ready: bool,
    /// A lower bound on `probeTimestamp` (set when leaving master disruption mode).
    probe_floor: HbTime,
}

/// The node lifecycle controller.
pub struct NodeLifecycleController {
    cfg: Config,
    nodes: Vec<NodeRecord>,
    zones: Vec<Zone>,
    /// Zones by `GetZoneKey` (region and zone).
    zone_index: BTreeMap<String, usize>,
    /// The `World::node_set_version` the node records were last brought up to date for.
    node_set_version: Option<u64>,
    /// Nodes counted not Ready (visited by every pass).
    unhealthy: BTreeSet<NodeId>,
    /// Nodes touched since the last pass.
    dirty: BTreeSet<NodeId>,
    /// Grace periods ending at a pass: when, and whose.
    expiring: BTreeMap<SimTime, BTreeSet<NodeId>>,
    /// Passes already scheduled.
    passes: BTreeSet<SimTime>,
    /// How many passes ran (for tests and the benchmark).
    pub passes_run: u64,
}

/// `GetZoneKey`: region and zone labels (beta labels as fallback); "" without both.
fn zone_key(node: &kubesim_model::Node) -> (String, String) {
    let l = node.labels();
    let zone = l.get(LABEL_ZONE).or_else(|| l.get(LABEL_BETA_ZONE)).cloned().unwrap_or_default();
    let region =
        l.get(LABEL_REGION).or_else(|| l.get(LABEL_BETA_REGION)).cloned().unwrap_or_default();
    if zone.is_empty() && region.is_empty() {
        return (String::new(), String::new());
    }
    (format!("{region}:\x00:{zone}"), zone)
}

/// First multiple of `period` at or after `t`.
fn grid_ceil(t: HbTime, period: HbTime) -> HbTime {
    t.div_euclid(period) * period + if t.rem_euclid(period) == 0 { 0 } else { period }
}

fn at(t: HbTime) -> SimTime {
    SimTime(t.max(0) as u64)
}

impl NodeLifecycleController {
    /// The controller as a long-running one would be at t = 0: every node known, zones in the
    /// state their nodes' Ready conditions give, limiters full.
    pub fn new(w: &World) -> Self {
        let mut nlc = Self {
            cfg: Config::from_params(&w.params),
            nodes: Vec::with_capacity(w.cluster.nodes.len()),
            zones: Vec::new(),
            zone_index: BTreeMap::new(),
            node_set_version: None,
            unhealthy: BTreeSet::new(),
            dirty: BTreeSet::new(),
            expiring: BTreeMap::new(),
            passes: BTreeSet::new(),
            passes_run: 0,
        };
        let _ = nlc.learn_nodes(w);
        nlc.dirty = nlc.unhealthy.clone();
        for z in 0..nlc.zones.len() {
            let zone = &nlc.zones[z];
            let state = compute_zone_state(
                zone.size - zone.not_ready,
                zone.not_ready,
                nlc.cfg.unhealthy_zone_threshold,
            );
            nlc.zones[z].state = if zone.size == 0 { ZoneState::Initial } else { state };
        }
        nlc
    }

    /// `classifyNodes`: takes in the nodes created since the controller last looked (at t = 0
    /// every node; later the nodes of `add-node` actions and node-pool upgrades) and forgets
    /// the deleted ones (their zone no longer counts them). A node of a zone not seen before
    /// makes a new zone, in state `Initial` until the next pass computes it, with a full token
    /// bucket (`addPodEvictorForNewZone`). Called at every entry point, so a node is known
    /// before anything asks about it; it does work only when the node set changed
    /// (`World::node_set_version`).
    /// Returns whether a node was forgotten.
    fn learn_nodes(&mut self, w: &World) -> bool {
        if self.node_set_version == Some(w.node_set_version) {
            return false;
        }
        self.node_set_version = Some(w.node_set_version);
        let mut forgot = false;
        for i in 0..self.nodes.len() {
            if self.nodes[i].known && w.cluster.nodes[i].removed.is_some() {
                forgot |= self.forget_node(NodeId(i as u32));
            }
        }
        for i in self.nodes.len()..w.cluster.nodes.len() {
            let n = &w.cluster.nodes[i];
            let (key, name) = zone_key(n);
            let z = match self.zone_index.get(&key) {
                Some(&z) => z,
                None => {
                    // Two zones showing the same zone label (different regions) are told apart.
                    let region = key.split(":\x00:").next().unwrap_or_default().to_string();
                    let tagged = format!("{name}@");
                    let clash =
                        self.zones.iter().any(|z| z.name == name || z.name.starts_with(&tagged));
                    if let Some(c) = self.zones.iter().position(|z| z.name == name) {
                        let other = self.zone_index.iter().find(|(_, v)| **v == c).map(|(k, _)| k);
                        let other_region =
                            other.and_then(|k| k.split(":\x00:").next()).unwrap_or_default();
                        self.zones[c].name = format!("{name}@{other_region}");
                    }
                    let shown = if clash { format!("{name}@{region}") } else { name };
                    self.zones.push(Zone {
                        name: shown,
                        state: ZoneState::Initial,
                        size: 0,
                        not_ready: 0,
                        limiter: Limiter::bucket(self.cfg.node_eviction_rate, w.now),
                        waiting: BTreeSet::new(),
                        set: BTreeSet::new(),
                        try_at: None,
                        try_gen: 0,
                    });
                    self.zone_index.insert(key, self.zones.len() - 1);
                    self.zones.len() - 1
                }
            };
            let excluded = n.labels().contains_key(LABEL_EXCLUDE_DISRUPTION);
            let ready = n.is_ready();
            let known = n.removed.is_none();
            if known && !excluded {
                self.zones[z].size += 1;
                self.zones[z].not_ready += u32::from(!ready);
            }
            if known && !ready {
                self.unhealthy.insert(NodeId(i as u32));
            }
            self.nodes.push(NodeRecord {
                zone: z,
                excluded,
                known,
                counted_ready: ready,
                probe_floor: HbTime::MIN,
            });
        }
        forgot
    }

    /// The controller's settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    fn period(&self) -> HbTime {
        self.cfg.node_monitor_period.as_millis().max(1) as HbTime
    }

    /// Zones by the name shown in metrics, in the order first seen.
    pub fn zone_names(&self) -> Vec<String> {
        self.zones.iter().map(|z| z.name.clone()).collect()
    }

    /// Per zone: the state code and the number of not-Ready nodes, as of the last pass.
    pub fn zone_values(&self) -> impl Iterator<Item = [i64; 2]> + '_ {
        self.zones.iter().map(|z| [z.state.code(), i64::from(z.not_ready)])
    }

    /// The state of the zone with this metrics name.
    pub fn zone_state(&self, name: &str) -> Option<ZoneState> {
        self.zones.iter().find(|z| z.name == name).map(|z| z.state)
    }

    fn request_pass(&mut self, w: &mut World, t: SimTime) {
        let t = t.max(w.now);
        if self.passes.insert(t) {
            w.queue.schedule(t, Event::NodeMonitorPass);
        }
    }

    /// The first pass at or after now.
    fn next_pass(&self, w: &World) -> SimTime {
        at(grid_ceil(w.now.0 as HbTime, self.period()))
    }

    /// Heartbeats of `node` stopped; the last one reached the API server at `last`. Schedules
    /// the pass at which its grace period runs out.
    pub fn heartbeats_stopped(&mut self, w: &mut World, node: NodeId, last: HbTime) {
        // A node forgotten here changes zone counts that the next pass (requested below)
        // reads.
        self.learn_nodes(w);
        let rec = &self.nodes[node.index()];
        let period = self.period();
        let grace = self.cfg.node_monitor_grace_period.as_millis() as HbTime;
        let probe = grid_ceil(last, period).max(rec.probe_floor);
        // The first pass p with p > probe + grace.
        let expiry = grid_ceil(probe + grace + 1, period);
        let t = at(expiry).max(self.next_pass(w));
        self.expiring.entry(t).or_default().insert(node);
        self.request_pass(w, t);
    }

    /// A kubelet posted a status change: the NoSchedule condition taints follow at once, the
    /// next pass looks at the node.
    pub fn node_status_changed(&mut self, w: &mut World, node: NodeId) {
        // A node forgotten here changes zone counts that the next pass (requested below)
        // reads.
        self.learn_nodes(w);
        self.no_schedule_tainting_pass(w, node);
        self.dirty.insert(node);
        let t = self.next_pass(w);
        self.request_pass(w, t);
    }

    /// Someone else changed the node (its taints, or deleted it): the next pass looks at it.
    pub fn node_updated(&mut self, w: &mut World, node: NodeId) {
        // A node forgotten here changes zone counts that the next pass (requested below)
        // reads.
        self.learn_nodes(w);
        if w.cluster.nodes[node.index()].removed.is_none() {
            self.no_schedule_tainting_pass(w, node);
        }
        self.dirty.insert(node);
        let t = self.next_pass(w);
        self.request_pass(w, t);
    }

    /// `doNoScheduleTaintingPass`: the `not-ready` / `unreachable` NoSchedule taints match the
    /// Ready condition (False / Unknown), added with `timeAdded` like every taint the
    /// controller swaps in.
    fn no_schedule_tainting_pass(&mut self, w: &mut World, node: NodeId) {
        let want = match w.cluster.nodes[node.index()].ready.status {
            CondStatus::False => Some(TAINT_NOT_READY),
            CondStatus::Unknown => Some(TAINT_UNREACHABLE),
            CondStatus::True => None,
        };
        for key in [TAINT_NOT_READY, TAINT_UNREACHABLE] {
            let has = w.cluster.nodes[node.index()]
                .taints
                .iter()
                .any(|t| t.key == key && t.effect == TaintEffect::NoSchedule);
            if want == Some(key) && !has {
                api::add_node_taint(w, node, condition_taint(key, TaintEffect::NoSchedule, w.now));
            } else if want != Some(key) && has {
                api::remove_node_taints(w, node, key, Some(TaintEffect::NoSchedule));
            }
        }
    }

    /// Handles [`Event::NodeMonitorPass`]: `monitorNodeHealth` for the nodes that can change.
    pub fn monitor_pass(&mut self, w: &mut World, hb: &NodeHeartbeats) {
        let forgot = self.learn_nodes(w);
        let now = w.now;
        self.passes.remove(&now);
        self.passes_run += 1;
        let due: Vec<SimTime> = self.expiring.range(..=now).map(|(t, _)| *t).collect();
        for t in due {
            let nodes = self.expiring.remove(&t).unwrap_or_default();
            self.dirty.extend(nodes);
        }
        let mut visit = std::mem::take(&mut self.dirty);
        visit.extend(self.unhealthy.iter().copied());
        let mut changed = forgot;
        let grace = self.cfg.node_monitor_grace_period.as_millis() as HbTime;
        let period = self.period();
        for n in visit {
            let rec = self.nodes[n.index()].clone();
            if !rec.known {
                continue;
            }
            if w.cluster.nodes[n.index()].removed.is_some() {
                changed |= self.forget_node(n);
                continue;
            }
            // tryUpdateNodeHealth
            let observed = w.cluster.nodes[n.index()].ready.status;
            let mut current = observed;
            if let Some(last) = hb.stale_heartbeat(n, now) {
                let probe = grid_ceil(last, period).max(rec.probe_floor);
                if now.0 as HbTime > probe + grace && observed != CondStatus::Unknown {
                    api::set_node_ready(
                        w,
                        n,
                        CondStatus::Unknown,
                        "NodeStatusUnknown",
                        "Kubelet stopped posting node status.",
                    );
                    current = CondStatus::Unknown;
                    changed = true;
                    self.no_schedule_tainting_pass(w, n);
                }
            }
            changed |= self.process_taint_base_eviction(w, n, observed);
            if current != CondStatus::True && observed == CondStatus::True {
                let name = w.cluster.nodes[n.index()].meta.name.clone();
                w.record_node(
                    n,
                    EventType::Normal,
                    "NodeNotReady",
                    format!("Node {name} status is now: NodeNotReady"),
                );
                mark_pods_not_ready(w, n);
                changed = true;
            }
            let ready = current == CondStatus::True;
            let rec = &mut self.nodes[n.index()];
            if ready != rec.counted_ready {
                if !rec.excluded {
                    let z = &mut self.zones[rec.zone];
                    if ready {
                        z.not_ready -= 1;
                    } else {
                        z.not_ready += 1;
                    }
                }
                rec.counted_ready = ready;
                changed = true;
            }
            if ready {
                self.unhealthy.remove(&n);
            } else {
                self.unhealthy.insert(n);
            }
        }
        changed |= self.handle_disruption(w, hb);
        for z in 0..self.zones.len() {
            self.schedule_try(w, z);
        }
        if changed {
            let next = at(now.0 as HbTime + period);
            self.request_pass(w, next);
        }
    }

    /// `classifyNodes` found the node deleted: it no longer counts.
    fn forget_node(&mut self, n: NodeId) -> bool {
        let rec = &mut self.nodes[n.index()];
        rec.known = false;
        if !rec.excluded {
            let z = &mut self.zones[rec.zone];
            z.size -= 1;
            if !rec.counted_ready {
                z.not_ready -= 1;
            }
        }
        self.unhealthy.remove(&n);
        // `RemovingNode` is recorded by `api::delete_node`.
        true
    }

    /// `processTaintBaseEviction` on the observed Ready status. Returns whether it changed
    /// anything.
    fn process_taint_base_eviction(
        &mut self,
        w: &mut World,
        n: NodeId,
        observed: CondStatus,
    ) -> bool {
        let (key, opposite) = match observed {
            CondStatus::True => return self.mark_node_as_reachable(w, n),
            CondStatus::False => (TAINT_NOT_READY, TAINT_UNREACHABLE),
            CondStatus::Unknown => (TAINT_UNREACHABLE, TAINT_NOT_READY),
        };
        if has_taint(w, n, opposite, TaintEffect::NoExecute) {
            // Swap straight away, not rate limited.
            api::add_node_taint(w, n, condition_taint(key, TaintEffect::NoExecute, w.now));
            api::remove_node_taints(w, n, opposite, Some(TaintEffect::NoExecute));
            return true;
        }
        // markNodeForTainting: without the taint the node leaves the unique set and is added
        // again (a waiting node only gets a new `ProcessAt`, see the module docs).
        let zone = &mut self.zones[self.nodes[n.index()].zone];
        let was_waiting = zone.waiting.contains(&n);
        if !has_taint(w, n, key, TaintEffect::NoExecute) {
            zone.set.remove(&n);
            zone.waiting.remove(&n);
        }
        if zone.set.insert(n) {
            zone.waiting.insert(n);
            return !was_waiting;
        }
        false
    }

    /// `markNodeAsReachable`: both NoExecute taints go, and the node leaves its queue.
    fn mark_node_as_reachable(&mut self, w: &mut World, n: NodeId) -> bool {
        let mut changed =
            api::remove_node_taints(w, n, TAINT_UNREACHABLE, Some(TaintEffect::NoExecute));
        changed |= api::remove_node_taints(w, n, TAINT_NOT_READY, Some(TaintEffect::NoExecute));
        let zone = &mut self.zones[self.nodes[n.index()].zone];
        changed |= zone.set.remove(&n);
        zone.waiting.remove(&n);
        changed
    }

    /// `handleDisruption`. Returns whether a state or limiter changed.
    fn handle_disruption(&mut self, w: &mut World, hb: &NodeHeartbeats) -> bool {
        let now = w.now;
        let threshold = self.cfg.unhealthy_zone_threshold;
        let new_states: Vec<Option<ZoneState>> = self
            .zones
            .iter()
            .map(|z| {
                (z.size > 0)
                    .then(|| compute_zone_state(z.size - z.not_ready, z.not_ready, threshold))
            })
            .collect();
        let mut changed = false;
        // Zones without nodes are forgotten.
        for (z, s) in self.zones.iter_mut().zip(&new_states) {
            if s.is_none() && z.state != ZoneState::Initial {
                z.state = ZoneState::Initial;
                changed = true;
            }
        }
        let all_are_full = new_states.iter().flatten().all(|s| *s == ZoneState::FullDisruption);
        let all_were_full = self
            .zones
            .iter()
            .zip(&new_states)
            .filter(|(_, s)| s.is_some())
            .all(|(z, _)| z.state == ZoneState::FullDisruption);
        if all_are_full && all_were_full {
            return changed;
        }
        if all_are_full {
            // "Entering master disruption mode": every node reachable, every limiter 0.
            let live: Vec<NodeId> = w.cluster.live_nodes().collect();
            for n in live {
                self.mark_node_as_reachable(w, n);
            }
            for z in &mut self.zones {
                z.limiter.swap(0.0, now);
                if z.size > 0 {
                    z.state = ZoneState::FullDisruption;
                }
            }
            return true;
        }
        if all_were_full {
            // "Exiting master disruption mode": a fresh grace period for every node.
            for rec in &mut self.nodes {
                rec.probe_floor = now.0 as HbTime;
            }
            let stale: Vec<NodeId> = w
                .cluster
                .live_nodes()
                .filter(|&n| {
                    w.cluster.nodes[n.index()].ready.status != CondStatus::Unknown
                        && hb.stale_heartbeat(n, now).is_some()
                })
                .collect();
            for n in stale {
                self.heartbeats_stopped(w, n, now.0 as HbTime);
            }
            for (z, s) in new_states.iter().enumerate() {
                if let Some(s) = *s {
                    self.set_limiter_in_zone(z, s, now);
                    self.zones[z].state = s;
                }
            }
            return true;
        }
        for (z, s) in new_states.iter().enumerate() {
            if let Some(s) = *s
                && self.zones[z].state != s
            {
                self.set_limiter_in_zone(z, s, now);
                self.zones[z].state = s;
                changed = true;
            }
        }
        changed
    }

    /// `setLimiterInZone`.
    fn set_limiter_in_zone(&mut self, z: usize, state: ZoneState, now: SimTime) {
        let qps = match state {
            ZoneState::Normal | ZoneState::Initial => self.cfg.node_eviction_rate,
            // ReducedQPSFunc
            ZoneState::PartialDisruption => {
                if i64::from(self.zones[z].size) > i64::from(self.cfg.large_cluster_size_threshold)
                {
                    self.cfg.secondary_node_eviction_rate
                } else {
                    0.0
                }
            }
            // HealthyQPSFunc
            ZoneState::FullDisruption => self.cfg.node_eviction_rate,
        };
        self.zones[z].limiter.swap(qps, now);
    }

    /// Makes sure the zone's queue is served when its next token allows: the first 100 ms grid
    /// point after now at which a token is available.
    fn schedule_try(&mut self, w: &mut World, z: usize) {
        let zone = &mut self.zones[z];
        if zone.waiting.is_empty() {
            return;
        }
        let Some(token) = zone.limiter.next_token() else { return };
        let grid = NODE_EVICTION_PERIOD.as_millis() as HbTime;
        let t = at(grid_ceil((w.now.0 as HbTime + 1).max(token.0 as HbTime), grid));
        if zone.try_at.is_some_and(|p| p <= t) {
            return;
        }
        zone.try_gen += 1;
        zone.try_at = Some(t);
        w.queue.schedule(t, Event::NoExecuteTaintingPass(z as u32, zone.try_gen));
    }

    /// Handles [`Event::NoExecuteTaintingPass`]: `RateLimitedTimedQueue.Try` for one zone.
    pub fn no_execute_tainting_pass(&mut self, w: &mut World, z: u32, generation: u32) {
        let z = z as usize;
        if self.zones[z].try_gen != generation {
            return;
        }
        self.zones[z].try_at = None;
        let now = w.now;
        loop {
            let zone = &mut self.zones[z];
            let Some(&head) = zone.waiting.first() else { break };
            if !zone.limiter.try_accept(now) {
                break;
            }
            // Processed: out of the heap, still in the unique set.
            zone.waiting.remove(&head);
            let node = &w.cluster.nodes[head.index()];
            if node.removed.is_some() {
                continue;
            }
            let (key, opposite) = match node.ready.status {
                CondStatus::False => (TAINT_NOT_READY, TAINT_UNREACHABLE),
                CondStatus::Unknown => (TAINT_UNREACHABLE, TAINT_NOT_READY),
                // "Node was in a taint queue, but it's ready now": dropped, token spent.
                CondStatus::True => continue,
            };
            api::add_node_taint(w, head, condition_taint(key, TaintEffect::NoExecute, now));
            api::remove_node_taints(w, head, opposite, Some(TaintEffect::NoExecute));
        }
        self.schedule_try(w, z);
    }
}

fn has_taint(w: &World, n: NodeId, key: &str, effect: TaintEffect) -> bool {
    w.cluster.nodes[n.index()].taints.iter().any(|t| t.key == key && t.effect == effect)
}

/// A taint the controller swaps in (`SwapNodeControllerTaint` stamps `timeAdded`).
fn condition_taint(key: &str, effect: TaintEffect, now: SimTime) -> Taint {
    Taint { key: key.to_string(), value: String::new(), effect, time_added: Some(now) }
}

/// `MarkPodsNotReady`: every pod on the node whose Ready condition is not already False gets
/// Ready=False (reason and message kept, as `UpdatePodCondition` leaves them) and a `NodeNotReady`
/// warning.
fn mark_pods_not_ready(w: &mut World, n: NodeId) {
    let pods: Vec<_> = w.cluster.pods_on_node(n).iter().copied().collect();
    for p in pods {
        let Some(c) = w.cluster.pods[p.index()].status.condition(PodConditionType::Ready) else {
            continue;
        };
        if c.status == CondStatus::False {
            continue;
        }
        let (reason, message) = (c.reason.clone(), c.message.clone());
        api::set_pod_condition(w, p, PodConditionType::Ready, CondStatus::False, &reason, &message);
        w.record_pod(p, EventType::Warning, "NodeNotReady", "Node is not ready".to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_states_follow_compute_zone_state() {
        // 10 nodes: 6 not Ready is more than 2 and 0.6 >= 0.55 -> PartialDisruption;
        // 5 is 0.5 < 0.55 -> Normal; all 10 -> FullDisruption; 2 of 2 -> FullDisruption (no
        // Ready node), 2 of 3 -> Normal (the more-than-2 rule).
        assert_eq!(compute_zone_state(4, 6, 0.55), ZoneState::PartialDisruption);
        assert_eq!(compute_zone_state(5, 5, 0.55), ZoneState::Normal);
        assert_eq!(compute_zone_state(0, 10, 0.55), ZoneState::FullDisruption);
        assert_eq!(compute_zone_state(0, 2, 0.55), ZoneState::FullDisruption);
        assert_eq!(compute_zone_state(1, 2, 0.55), ZoneState::Normal);
        // 11 of 20 is exactly 0.55 in float32 on both sides: PartialDisruption.
        assert_eq!(compute_zone_state(9, 11, 0.55), ZoneState::PartialDisruption);
        assert_eq!(compute_zone_state(0, 0, 0.55), ZoneState::Normal);
    }

    #[test]
    fn token_intervals_match_rate_limiter_arithmetic() {
        // float32(0.1) = 0.100000001490116...: 10 s give 1.0000000149 tokens (>= 1), 9.999 s
        // do not.
        assert_eq!(token_interval(0.1), SimDuration::from_secs(10));
        // float32(0.01) = 0.0099999998: a token needs 100.0000022 s, so the 100 s mark is
        // not enough; on the 100 ms tainting grid that is 100.1 s.
        assert_eq!(token_interval(0.01), SimDuration::from_millis(100_001));
        assert_eq!(token_interval(1.0), SimDuration::from_secs(1));
        // 1/0.3 = 3.3333 s -> 3334 ms.
        assert_eq!(token_interval(0.3), SimDuration::from_millis(3334));
    }

    #[test]
    fn swap_limiter_keeps_the_debt() {
        let t0 = SimTime(0);
        // A full bucket swapped to another rate starts full.
        let mut l = Limiter::bucket(0.1, t0);
        l.swap(0.01, t0);
        assert_eq!(l.next_token(), Some(t0));
        // An empty bucket makes the new one start empty: first token 1/qps later.
        let mut l = Limiter::bucket(0.1, t0);
        assert!(l.try_accept(t0));
        l.swap(0.01, SimTime(1000));
        assert_eq!(l.next_token(), Some(SimTime(101_001)));
        // 0 qps -> never; never -> a real rate starts empty (never had no token).
        l.swap(0.0, SimTime(2000));
        assert_eq!(l, Limiter::Never);
        l.swap(0.1, SimTime(3000));
        assert_eq!(l.next_token(), Some(SimTime(13_000)));
        // The never-limiter reports QPS 1, so swapping it to 1.0 is a no-op (upstream quirk).
        let mut n = Limiter::Never;
        n.swap(1.0, t0);
        assert_eq!(n, Limiter::Never);
        // Same qps: no-op, the debt stays.
        let mut l = Limiter::bucket(0.1, t0);
        l.try_accept(t0);
        l.swap(0.1, SimTime(500));
        assert_eq!(l.next_token(), Some(SimTime(10_000)));
    }

    #[test]
    fn grid() {
        assert_eq!(grid_ceil(0, 5000), 0);
        assert_eq!(grid_ceil(1, 5000), 5000);
        assert_eq!(grid_ceil(-3712, 5000), 0);
        assert_eq!(grid_ceil(-5000, 5000), -5000);
        assert_eq!(grid_ceil(-5001, 5000), -5000);
    }
}
