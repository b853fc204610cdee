//! The cluster autoscaler (kubernetes/autoscaler `cluster-autoscaler`): it adds nodes to
//! autoscaling node pools when pods cannot be scheduled, and removes nodes that have been
//! unneeded for a while. Sources: `cluster-autoscaler/FAQ.md` ("How does scale-up work?",
//! "How does scale-down work?", "What types of pods can prevent CA from removing a node?"),
//! `core/static_autoscaler.go` (`RunOnce`), `core/scaleup/orchestrator/orchestrator.go`
//! (`ScaleUp`), `core/scaledown/planner/planner.go` and `core/scaledown/unneeded/nodes.go`
//! (unneeded nodes and their timers), `core/scaledown/actuation/actuator.go` and
//! `actuation/drain.go` (taint, evict, delete), `simulator/drainability/rules/` (what blocks a
//! node), `config/flags/flags.go` (flag names and defaults, see
//! [`kubesim_model::ClusterAutoscalerParams`]).
//!
//! **The loop** (`RunOnce`) runs every `scan-interval` (a timer, queued only while the
//! scenario has autoscaling pools):
//! 1. *Scale-up.* The pods the scheduler marked `PodScheduled=False/Unschedulable` (the
//!    world collects them as the condition is written, so the loop never walks all pods),
//!    still unbound and not nominated to a node, are first placed on the nodes already
//!    requested and not yet registered (upstream adds those "upcoming" nodes to its snapshot).
//!    The rest are tested against each node group's template node with the scheduler's own
//!    filter checks for a node object ([`crate::scheduler::plugins::taint_toleration`]'s
//!    untolerated taint, [`crate::scheduler::plugins::node_affinity`]'s required match, and
//!    the NodeResourcesFit comparison against the template's allocatable), then packed
//!    first-fit, largest first, into as many new nodes as needed (the `binpacking`
//!    estimator), capped by the group's `maxCount` and `max-nodes-total`. The `expander`
//!    chooses one option; `balance-similar-node-groups` spreads its nodes over the groups of
//!    the same shape. Each helped pod gets `TriggeredScaleUp` ("pod triggered scale-up:
//!    [{pool 2->4 (max: 10)}]"); each pod no group could help gets `NotTriggerScaleUp` ("pod
//!    didn't trigger scale-up: 1 max node group size reached, 2 node(s) had untolerated
//!    taint {k: v}"), once per distinct message (the event recorder folds repeats). A loop
//!    that scaled up does nothing else (upstream returns).
//! 2. *Provisioning.* A requested node registers after the pool's `provisioning` delay (drawn
//!    from the autoscaler's own seeded stream), Ready at once, as a node-pool upgrade's new
//!    nodes do. One whose delay exceeds `max-node-provision-time` never comes: at that time
//!    it is given up, the group's target size goes back down and the group backs off from
//!    scale-up for 5 minutes (`initialNodeGroupBackoffDuration`).
//! 3. *Unneeded nodes.* A node of an autoscaling pool is unneeded when its utilisation — the
//!    larger of requested CPU / allocatable and requested memory / allocatable, counting
//!    every pod on it, DaemonSet pods too (`--ignore-daemonsets-utilization=false`) — is below
//!    `scale-down-utilization-threshold`, no pod on it blocks its removal, and every pod that
//!    must move fits on another node (the same node-object checks, with the requests already
//!    moved there by this pass counted, and no pod moved onto a node this pass removes).
//!    Blockers, as `drainability/rules`: annotation `cluster-autoscaler.kubernetes.io/
//!    safe-to-evict: "false"`; a pod with no controller; a pod with local storage
//!    (`emptyDir`, with `skip-nodes-with-local-storage`); a `kube-system` pod no PDB covers
//!    (`skip-nodes-with-system-pods`); a PDB with `disruptionsAllowed` 0. `safe-to-evict:
//!    "true"` lifts all of these (the eviction still honours the PDB). DaemonSet and mirror
//!    pods neither block nor move. A node annotated
//!    `cluster-autoscaler.kubernetes.io/scale-down-disabled: "true"`, a pool at its
//!    `minCount`, a NotReady or cordoned node are not candidates.
//! 4. *Scale-down*, unless in cooldown (`scale-down-delay-after-add` since the last
//!    scale-up, `-after-delete` since the last deletion, `-after-failure` since the last
//!    failed one): nodes unneeded for `scale-down-unneeded-time` go. Empty ones (only
//!    DaemonSet or mirror pods) are deleted at once, up to `max-empty-bulk-delete` per loop
//!    (event `ScaleDownEmpty`); others, up to `max-scale-down-parallelism`, get the taint
//!    `ToBeDeletedByClusterAutoscaler:NoSchedule` (event `ScaleDown` "marked the node as
//!    toBeDeleted/unschedulable"), and their pods are evicted through the Eviction API with
//!    `min(terminationGracePeriodSeconds, max-graceful-termination-sec)` (event `ScaleDown`
//!    "deleting pod for node scale down"); a refused eviction (PDB) is retried each loop
//!    (`EvictionRetryTime` 10 s) for up to 2 minutes (`MaxPodEvictionTime`), after which the
//!    scale-down of that node fails (`ScaleDownFailed`, the taint removed). When its evicted
//!    pods are gone (or `max-graceful-termination-sec` after the last eviction), the node is
//!    deleted (`ScaleDown` "Scale-down: node X removed with drain").
//!
//! Cost per loop: the unschedulable pods times the node groups for scale-up (nothing when
//! there are none); for scale-down O(nodes of autoscaling pools) utilisation reads (kept
//! sums, O(1) each), and the move simulation only for the nodes below the threshold: their
//! pods times the nodes (as upstream, which also re-simulates every loop). That last part is
//! not proportional to what changed: a cluster with many under-used nodes pays it every scan.
//!
//! Simplified: no cloud errors (quota, stockouts) beyond a node that never registers;
//! PodTopologySpread and inter-pod affinity are not checked against template nodes or
//! destinations (only taints, node affinity/selector and resources are); the scale-up
//! simulation packs pods by requests without scoring; unready nodes are never scale-down
//! candidates (`scale-down-unready-time` is not modelled); new nodes register Ready.

use crate::api;
use crate::eviction::{self, EvictionResponse};
use crate::scheduler::plugins::{node_affinity, taint_toleration};
use crate::world::{Event, World, streams};
use kubesim_engine::{RngStreams, SimDuration, SimTime};
use kubesim_model::pod::ANNOTATION_MIRROR_POD;
use kubesim_model::{
    ClusterAutoscalerParams, CondStatus, EventType, Expander, Kind, NodeId, PodConditionType,
    PodId, PodPhase, Resources, Taint, TaintEffect,
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};

/// The taint a node gets when the autoscaler starts removing it (`taints.ToBeDeletedTaint`).
pub const TAINT_TO_BE_DELETED: &str = "ToBeDeletedByClusterAutoscaler";
/// `cluster-autoscaler.kubernetes.io/safe-to-evict`.
pub const ANNOTATION_SAFE_TO_EVICT: &str = "cluster-autoscaler.kubernetes.io/safe-to-evict";
/// `cluster-autoscaler.kubernetes.io/scale-down-disabled` (on a node).
pub const ANNOTATION_SCALE_DOWN_DISABLED: &str =
    "cluster-autoscaler.kubernetes.io/scale-down-disabled";
/// `MaxPodEvictionTime`: how long the autoscaler keeps retrying refused evictions.
pub const MAX_POD_EVICTION_TIME: SimDuration = SimDuration::from_mins(2);
/// `initialNodeGroupBackoffDuration`: a group whose scale-up failed is left alone this long.
pub const NODE_GROUP_BACKOFF: SimDuration = SimDuration::from_mins(5);

/// A node requested from the provider and not registered yet.
#[derive(Debug, Clone)]
struct Upcoming {
    id: u32,
    /// When it registers, or None if it never will (given up at `give_up`).
    ready_at: Option<SimTime>,
    give_up: SimTime,
}

/// A node being removed: tainted, its pods evicted.
#[derive(Debug, Clone)]
struct Removal {
    started: SimTime,
    /// Pods still to evict (refused so far).
    to_evict: Vec<PodId>,
    /// Pods evicted, waited for.
    evicted: Vec<PodId>,
    last_eviction: SimTime,
}

/// One node group's state.
#[derive(Debug, Default)]
struct Group {
    upcoming: Vec<Upcoming>,
    backoff_until: Option<SimTime>,
}

/// A scale-up option: a group, how many nodes, which pods they would take.
#[derive(Debug, Clone)]
struct Option_ {
    group: usize,
    nodes: u32,
    pods: Vec<PodId>,
    /// Requests of the pods placed, for least-waste.
    placed: Resources,
}

/// The cluster autoscaler.
pub struct ClusterAutoscaler {
    rng: ChaCha8Rng,
    groups: Vec<Group>,
    priorities: Vec<(i64, Vec<regex::Regex>)>,
    next_upcoming: u32,
    /// Unneeded nodes and since when.
    unneeded: BTreeMap<NodeId, SimTime>,
    removals: BTreeMap<NodeId, Removal>,
    last_scale_up: Option<SimTime>,
    last_delete: Option<SimTime>,
    last_failure: Option<SimTime>,
    /// The last NotTriggerScaleUp message per pod (repeats are folded).
    not_triggered: BTreeMap<PodId, String>,
}

impl ClusterAutoscaler {
    /// The autoscaler of the scenario's node groups; queues its first loop at `now` when
    /// there are any.
    pub fn new(w: &mut World, streams: &RngStreams) -> Self {
        let p = &w.params.cluster_autoscaler;
        let priorities = p
            .priorities
            .iter()
            .map(|(prio, res)| {
                (
                    *prio,
                    res.iter()
                        .filter_map(|r| regex::Regex::new(&format!("^(?:{r})$")).ok())
                        .collect(),
                )
            })
            .collect();
        let groups = p.node_groups.iter().map(|_| Group::default()).collect();
        if !p.node_groups.is_empty() {
            w.autoscaling = true;
            // The first loop one interval in: the scheduler has placed the initial pods.
            w.schedule(p.scan_interval, Event::AutoscalerScan);
        }
        Self {
            rng: streams.stream(streams::CLUSTER_AUTOSCALER),
            groups,
            priorities,
            next_upcoming: 0,
            unneeded: BTreeMap::new(),
            removals: BTreeMap::new(),
            last_scale_up: None,
            last_delete: None,
            last_failure: None,
            not_triggered: BTreeMap::new(),
        }
    }

    /// `RunOnce`: one loop; queues the next.
    pub fn scan(&mut self, w: &mut World) {
        let params = w.params.cluster_autoscaler.clone();
        w.schedule(params.scan_interval, Event::AutoscalerScan);
        self.give_up_late_nodes(w, &params);
        if self.scale_up(w, &params) {
            return;
        }
        self.continue_removals(w, &params);
        if params.scale_down_enabled {
            self.update_unneeded(w, &params);
            self.scale_down(w, &params);
        }
    }

    // ----- scale-up -----------------------------------------------------------------------

    /// Pods the scheduler could not place, still waiting, in id order.
    fn unschedulable_pods(w: &mut World) -> Vec<PodId> {
        let c = &w.cluster;
        w.unschedulable_pods.retain(|&p| {
            let pod = &c.pods[p.index()];
            pod.removed.is_none()
                && pod.node.is_none()
                && pod.meta.deletion.is_none()
                && pod.status.phase == PodPhase::Pending
                && pod.status.condition(PodConditionType::PodScheduled).is_some_and(|cond| {
                    cond.status == CondStatus::False && &*cond.reason == "Unschedulable"
                })
        });
        w.unschedulable_pods
            .iter()
            .copied()
            .filter(|&p| c.pods[p.index()].status.nominated_node.is_none())
            .collect()
    }

    /// Why a pod would not fit an empty node of the group's template, or None if it would.
    fn template_misfit(
        w: &World,
        group: usize,
        params: &ClusterAutoscalerParams,
        pod: PodId,
    ) -> Option<String> {
        let pool = &w.cluster.pools[params.node_groups[group].pool];
        let spec = &w.cluster.pods[pod.index()].spec;
        if let Some(t) = taint_toleration::untolerated_taint(spec, &pool.taints) {
            return Some(format!("node(s) had untolerated taint {{{}: {}}}", t.key, t.value));
        }
        let template = template_labels(pool, pool.zone_of(pool.next_index));
        let name = format!("{}-template", pool.name);
        if !node_affinity::matches_required(spec, &template, &name) {
            return Some(node_affinity::ERR_REASON_POD.to_string());
        }
        let req = spec.requests();
        let a = pool.allocatable;
        for (want, have, what) in [
            (req.cpu_milli, a.cpu_milli, "Insufficient cpu"),
            (req.memory, a.memory, "Insufficient memory"),
            (req.ephemeral_storage, a.ephemeral_storage, "Insufficient ephemeral-storage"),
        ] {
            if want > have {
                return Some(what.to_string());
            }
        }
        if a.pods == 0 {
            return Some("Too many pods".to_string());
        }
        None
    }

    /// Live nodes of a group's pool plus its upcoming ones (its target size).
    fn target_size(&self, w: &World, params: &ClusterAutoscalerParams, group: usize) -> u32 {
        let pool = &w.cluster.pools[params.node_groups[group].pool].name;
        w.cluster.live_nodes_in_pool(pool) + self.groups[group].upcoming.len() as u32
    }

    /// Tries a scale-up; true if it asked for nodes.
    fn scale_up(&mut self, w: &mut World, params: &ClusterAutoscalerParams) -> bool {
        let mut pods = Self::unschedulable_pods(w);
        if pods.is_empty() {
            return false;
        }
        // Largest first (upstream's binpacking estimator sorts by a CPU+memory score).
        let alloc_of = |g: usize| w.cluster.pools[params.node_groups[g].pool].allocatable;
        pods.sort_by_key(|&p| {
            let r = w.cluster.pods[p.index()].spec.requests();
            (std::cmp::Reverse((r.cpu_milli, r.memory)), p)
        });
        // `filterOutSchedulable`: pods that fit an existing node now (one that registered
        // or freed up since the scheduler last tried them) are left to the scheduler.
        let mut moved: BTreeMap<NodeId, Resources> = BTreeMap::new();
        let nodes: Vec<NodeId> = w.cluster.live_nodes().collect();
        pods.retain(|&p| {
            let req = w.cluster.pods[p.index()].spec.requests();
            let dest = nodes
                .iter()
                .copied()
                .find(|&d| receives(w, d, p, moved.get(&d).copied().unwrap_or_default(), req));
            match dest {
                Some(d) => {
                    let e = moved.entry(d).or_default();
                    *e = add(*e, req);
                    false
                }
                None => true,
            }
        });
        // Pods the upcoming nodes will take.
        let mut left = Vec::new();
        {
            let mut bins: Vec<(usize, Resources)> = Vec::new();
            for (g, st) in self.groups.iter().enumerate() {
                for _ in &st.upcoming {
                    bins.push((g, Resources::default()));
                }
            }
            for &p in &pods {
                let req = w.cluster.pods[p.index()].spec.requests();
                let slot = bins.iter().position(|(g, used)| {
                    Self::template_misfit(w, *g, params, p).is_none()
                        && fits(alloc_of(*g), *used, req)
                });
                match slot {
                    Some(i) => bins[i].1 = add(bins[i].1, req),
                    None => left.push(p),
                }
            }
        }
        if left.is_empty() {
            return false;
        }
        let total_now: u32 = w.cluster.live_nodes().count() as u32
            + self.groups.iter().map(|g| g.upcoming.len() as u32).sum::<u32>();
        let cluster_room = if params.max_nodes_total == 0 {
            u32::MAX
        } else {
            params.max_nodes_total.saturating_sub(total_now)
        };
        // Per pod: why each group would not help.
        let mut reasons: BTreeMap<PodId, BTreeMap<String, u32>> = BTreeMap::new();
        let mut options = Vec::new();
        // Pods some group's template can hold (upstream reports only the others as
        // remaining unschedulable, also when limits left them out of this scale-up).
        let mut fit_any: BTreeSet<PodId> = BTreeSet::new();
        for g in 0..params.node_groups.len() {
            let ng = &params.node_groups[g];
            let size = self.target_size(w, params, g);
            let backoff = self.groups[g].backoff_until.is_some_and(|t| t > w.now);
            let room = ng.max_count.saturating_sub(size).min(cluster_room);
            let mut fitting = Vec::new();
            for &p in &left {
                let why = match Self::template_misfit(w, g, params, p) {
                    Some(why) => Some(why),
                    None if backoff => Some("in backoff after failed scale-up".to_string()),
                    None if room == 0 && cluster_room == 0 => {
                        Some("max cluster size reached".to_string())
                    }
                    None if room == 0 => Some("max node group size reached".to_string()),
                    None => None,
                };
                match why {
                    Some(why) => *reasons.entry(p).or_default().entry(why).or_default() += 1,
                    None => fitting.push(p),
                }
            }
            fit_any.extend(fitting.iter().copied());
            if fitting.is_empty() {
                continue;
            }
            // Binpacking into new template nodes, at most `room` of them.
            let alloc = alloc_of(g);
            let mut bins: Vec<Resources> = Vec::new();
            let mut placed = Vec::new();
            let mut placed_req = Resources::default();
            for p in fitting {
                let req = w.cluster.pods[p.index()].spec.requests();
                if let Some(b) = bins.iter_mut().find(|b| fits(alloc, **b, req)) {
                    *b = add(*b, req);
                } else if (bins.len() as u32) < room {
                    bins.push(add(Resources::default(), req));
                } else {
                    continue;
                }
                placed.push(p);
                placed_req = add(placed_req, req);
            }
            options.push(Option_ {
                group: g,
                nodes: bins.len() as u32,
                pods: placed,
                placed: placed_req,
            });
        }
        // Pods no option helps.
        for &p in &left {
            if fit_any.contains(&p) {
                continue;
            }
            let parts: Vec<String> = reasons
                .get(&p)
                .map(|m| m.iter().map(|(why, n)| format!("{n} {why}")).collect())
                .unwrap_or_default();
            let msg = format!("pod didn't trigger scale-up: {}", parts.join(", "));
            if self.not_triggered.get(&p) != Some(&msg) {
                self.not_triggered.insert(p, msg.clone());
                w.record_pod(p, EventType::Normal, "NotTriggerScaleUp", msg);
            }
        }
        let Some(best) = self.expand(w, params, &options) else { return false };
        let best = options[best].clone();
        // balance-similar-node-groups: the nodes go one by one to the smallest similar group.
        let mut plan: BTreeMap<usize, u32> = BTreeMap::new();
        if params.balance_similar_node_groups {
            let similar: Vec<usize> = (0..params.node_groups.len())
                .filter(|&g| {
                    g == best.group
                        || (similar_groups(w, params, g, best.group)
                            && self.groups[g].backoff_until.is_none_or(|t| t <= w.now)
                            && best
                                .pods
                                .iter()
                                .all(|&p| Self::template_misfit(w, g, params, p).is_none()))
                })
                .collect();
            for _ in 0..best.nodes {
                let pick = similar
                    .iter()
                    .copied()
                    .filter(|&g| {
                        self.target_size(w, params, g) + plan.get(&g).copied().unwrap_or(0)
                            < params.node_groups[g].max_count
                    })
                    .min_by_key(|&g| {
                        (self.target_size(w, params, g) + plan.get(&g).copied().unwrap_or(0), g)
                    });
                match pick {
                    Some(g) => *plan.entry(g).or_default() += 1,
                    None => break,
                }
            }
        } else {
            plan.insert(best.group, best.nodes);
        }
        let mut infos = Vec::new();
        let mut record_groups = Vec::new();
        for (&g, &n) in &plan {
            let ng = &params.node_groups[g];
            let from = self.target_size(w, params, g);
            let to = from + n;
            let pool = w.cluster.pools[ng.pool].name.clone();
            infos.push(format!("{{{pool} {from}->{to} (max: {})}}", ng.max_count));
            record_groups.push((pool, from, to));
            for _ in 0..n {
                let delay = ng.provisioning.sample(&mut self.rng);
                let id = self.next_upcoming;
                self.next_upcoming += 1;
                let give_up = w.now + params.max_node_provision_time;
                let ready_at = (delay <= params.max_node_provision_time).then(|| w.now + delay);
                match ready_at {
                    Some(at) => w.schedule_at(at, Event::AutoscalerNodeUp(g as u32, id)),
                    None => w.schedule_at(give_up, Event::AutoscalerScan),
                }
                self.groups[g].upcoming.push(Upcoming { id, ready_at, give_up });
            }
        }
        let msg = format!("pod triggered scale-up: [{}]", infos.join(" "));
        for &p in &best.pods {
            self.not_triggered.remove(&p);
            w.record_pod(p, EventType::Normal, "TriggeredScaleUp", msg.clone());
        }
        w.trace.scale_ups.push(kubesim_model::trace::ScaleUpRecord {
            time: w.now,
            groups: record_groups,
            pods: best.pods.clone(),
        });
        self.last_scale_up = Some(w.now);
        true
    }

    /// The expander's choice among the options.
    fn expand(
        &mut self,
        w: &World,
        params: &ClusterAutoscalerParams,
        options: &[Option_],
    ) -> Option<usize> {
        let candidates: Vec<usize> = (0..options.len()).filter(|&i| options[i].nodes > 0).collect();
        if candidates.is_empty() {
            return None;
        }
        let best: Vec<usize> = match params.expander {
            Expander::Random => candidates,
            Expander::MostPods => {
                let most = candidates.iter().map(|&i| options[i].pods.len()).max().unwrap_or(0);
                candidates.into_iter().filter(|&i| options[i].pods.len() == most).collect()
            }
            Expander::LeastWaste => {
                // `waste.go`: wasted CPU fraction + wasted memory fraction of the new nodes.
                let waste = |o: &Option_| {
                    let a = w.cluster.pools[params.node_groups[o.group].pool].allocatable;
                    let n = f64::from(o.nodes);
                    let frac = |used: u64, have: u64| {
                        if have == 0 {
                            0.0
                        } else {
                            (have as f64 * n - used as f64) / (have as f64 * n)
                        }
                    };
                    frac(o.placed.cpu_milli, a.cpu_milli) + frac(o.placed.memory, a.memory)
                };
                let least =
                    candidates.iter().map(|&i| waste(&options[i])).fold(f64::INFINITY, f64::min);
                candidates.into_iter().filter(|&i| waste(&options[i]) <= least).collect()
            }
            Expander::Priority => {
                let prio_of = |o: &Option_| {
                    let name = &w.cluster.pools[params.node_groups[o.group].pool].name;
                    self.priorities
                        .iter()
                        .filter(|(_, res)| res.iter().any(|r| r.is_match(name)))
                        .map(|(p, _)| *p)
                        .max()
                };
                let top = candidates.iter().filter_map(|&i| prio_of(&options[i])).max();
                match top {
                    // No group matches any priority: upstream falls back to all options.
                    None => candidates,
                    Some(t) => candidates
                        .into_iter()
                        .filter(|&i| prio_of(&options[i]) == Some(t))
                        .collect(),
                }
            }
        };
        if best.len() == 1 {
            return Some(best[0]);
        }
        Some(best[self.rng.random_range(0..best.len())])
    }

    /// A requested node registers.
    pub fn node_up(&mut self, w: &mut World, group: u32, id: u32) {
        let g = group as usize;
        let Some(i) = self.groups.get(g).and_then(|st| st.upcoming.iter().position(|u| u.id == id))
        else {
            return;
        };
        self.groups[g].upcoming.remove(i);
        let pool = w.params.cluster_autoscaler.node_groups[g].pool;
        crate::nodepool::add_pool_nodes(w, pool, 1);
    }

    /// Nodes past `max-node-provision-time` are given up; their group backs off.
    fn give_up_late_nodes(&mut self, w: &mut World, params: &ClusterAutoscalerParams) {
        for g in 0..self.groups.len() {
            let now = w.now;
            let before = self.groups[g].upcoming.len();
            self.groups[g].upcoming.retain(|u| u.ready_at.is_some() || u.give_up > now);
            if self.groups[g].upcoming.len() < before {
                self.groups[g].backoff_until = Some(now + NODE_GROUP_BACKOFF);
                // Upstream reports it in its status ConfigMap (not modelled); the pods it
                // leaves get `NotTriggerScaleUp` "in backoff after failed scale-up".
                let _ = params;
            }
        }
    }

    // ----- scale-down ---------------------------------------------------------------------

    /// Recomputes the unneeded nodes (and since when).
    fn update_unneeded(&mut self, w: &World, params: &ClusterAutoscalerParams) {
        let mut removable: Vec<NodeId> = Vec::new();
        // Per pool: how many more nodes may go (above minCount).
        let mut spare: BTreeMap<usize, u32> = BTreeMap::new();
        for ng in &params.node_groups {
            let live = w.cluster.live_nodes_in_pool(&w.cluster.pools[ng.pool].name);
            let going = self
                .removals
                .keys()
                .filter(|n| {
                    w.cluster.nodes[n.index()].pool.as_deref()
                        == Some(&w.cluster.pools[ng.pool].name)
                })
                .count() as u32;
            spare.insert(ng.pool, live.saturating_sub(going).saturating_sub(ng.min_count));
        }
        let mut moved: BTreeMap<NodeId, Resources> = BTreeMap::new();
        let mut gone: BTreeSet<NodeId> = self.removals.keys().copied().collect();
        // Empty nodes first (they need no simulation; upstream prefers them), then the
        // others in node order.
        let mut candidates: Vec<(bool, NodeId, usize)> = Vec::new();
        for ng in &params.node_groups {
            let pool_name = &w.cluster.pools[ng.pool].name;
            candidates.extend(
                w.cluster
                    .live_nodes()
                    .filter(|&n| w.cluster.nodes[n.index()].pool.as_deref() == Some(pool_name))
                    .map(|n| (!pods_to_evict(w, n).is_empty(), n, ng.pool)),
            );
        }
        candidates.sort();
        for (_, n, pool) in candidates {
            {
                // A node this pass moves pods to stays (its new pods would have to move too).
                if gone.contains(&n)
                    || moved.contains_key(&n)
                    || spare.get(&pool).copied().unwrap_or(0) == 0
                {
                    continue;
                }
                let node = &w.cluster.nodes[n.index()];
                if !node.is_ready()
                    || node.unschedulable
                    || node.meta.annotations.get(ANNOTATION_SCALE_DOWN_DISABLED).map(String::as_str)
                        == Some("true")
                {
                    continue;
                }
                if utilization(node.allocatable, w.cluster.requested_on_node(n))
                    >= params.scale_down_utilization_threshold
                {
                    continue;
                }
                let Some(to_move) = movable_pods(w, params, n) else { continue };
                // Every pod to move needs a place on a node that stays.
                let mut plan: Vec<(NodeId, Resources)> = Vec::new();
                let mut ok = true;
                for p in to_move {
                    let req = w.cluster.pods[p.index()].spec.requests();
                    let dest = w.cluster.live_nodes().find(|&d| {
                        d != n
                            && !gone.contains(&d)
                            && receives(
                                w,
                                d,
                                p,
                                {
                                    let mut extra = moved.get(&d).copied().unwrap_or_default();
                                    for (pd, r) in &plan {
                                        if *pd == d {
                                            extra = add(extra, *r);
                                        }
                                    }
                                    extra
                                },
                                req,
                            )
                    });
                    match dest {
                        Some(d) => plan.push((d, req)),
                        None => {
                            ok = false;
                            break;
                        }
                    }
                }
                if !ok {
                    continue;
                }
                for (d, r) in plan {
                    let e = moved.entry(d).or_default();
                    *e = add(*e, r);
                }
                gone.insert(n);
                removable.push(n);
                *spare.get_mut(&pool).expect("pool") -= 1;
            }
        }
        let now = w.now;
        let before = std::mem::take(&mut self.unneeded);
        for n in removable {
            self.unneeded.insert(n, before.get(&n).copied().unwrap_or(now));
        }
    }

    /// Removes the nodes unneeded long enough, unless in cooldown.
    fn scale_down(&mut self, w: &mut World, params: &ClusterAutoscalerParams) {
        let now = w.now;
        let cooldown = self
            .last_scale_up
            .is_some_and(|t| now < t + params.scale_down_delay_after_add)
            || self.last_delete.is_some_and(|t| now < t + params.delay_after_delete())
            || self.last_failure.is_some_and(|t| now < t + params.scale_down_delay_after_failure);
        if cooldown {
            return;
        }
        let due: Vec<NodeId> = self
            .unneeded
            .iter()
            .filter(|&(_, &since)| now.saturating_since(since) >= params.scale_down_unneeded_time)
            .map(|(&n, _)| n)
            .collect();
        let mut empty_deleted = 0;
        let mut drains = self.removals.len() as u32;
        for n in due {
            let pods = pods_to_evict(w, n);
            if pods.is_empty() {
                if empty_deleted >= params.max_empty_bulk_delete {
                    continue;
                }
                empty_deleted += 1;
                let name = w.cluster.nodes[n.index()].meta.name.clone();
                w.record_node(
                    n,
                    EventType::Normal,
                    "ScaleDownEmpty",
                    format!("Scale-down: removing empty node \"{name}\""),
                );
                self.unneeded.remove(&n);
                api::delete_node(w, n);
                self.last_delete = Some(now);
                continue;
            }
            if drains >= params.max_scale_down_parallelism {
                continue;
            }
            drains += 1;
            self.unneeded.remove(&n);
            api::add_node_taint(
                w,
                n,
                Taint {
                    key: TAINT_TO_BE_DELETED.to_string(),
                    value: (now.0 / 1000).to_string(),
                    effect: TaintEffect::NoSchedule,
                    time_added: None,
                },
            );
            w.record_node(
                n,
                EventType::Normal,
                "ScaleDown",
                "marked the node as toBeDeleted/unschedulable".to_string(),
            );
            let mut r = Removal {
                started: now,
                to_evict: Vec::new(),
                evicted: Vec::new(),
                last_eviction: now,
            };
            for p in pods {
                w.record_pod(
                    p,
                    EventType::Normal,
                    "ScaleDown",
                    "deleting pod for node scale down".to_string(),
                );
                r.to_evict.push(p);
            }
            self.removals.insert(n, r);
            self.evict_some(w, params, n);
        }
    }

    /// Evicts the node's pods not evicted yet; refused ones stay for the next loop.
    fn evict_some(&mut self, w: &mut World, params: &ClusterAutoscalerParams, n: NodeId) {
        let Some(r) = self.removals.get_mut(&n) else { return };
        let pods = std::mem::take(&mut r.to_evict);
        for p in pods {
            let grace = w.cluster.pods[p.index()]
                .spec
                .termination_grace_period_seconds
                .min(params.max_graceful_termination_sec);
            let resp =
                eviction::evict(w, p, Some(grace), kubesim_model::EvictionCaller::Autoscaler(n));
            let (ns, name) = {
                let pod = &w.cluster.pods[p.index()].meta;
                (pod.namespace.clone(), pod.name.clone())
            };
            let (et, reason, msg) = eviction::eviction_event(&resp, &ns, &name, None);
            let r = self.removals.get_mut(&n).expect("removal");
            match resp {
                EvictionResponse::Refused(_) => {
                    w.record_pod(p, et, reason, msg);
                    r.to_evict.push(p);
                }
                _ => {
                    w.record_pod(p, et, reason, msg);
                    r.evicted.push(p);
                    r.last_eviction = w.now;
                }
            }
        }
    }

    /// Retries refused evictions, fails drains past `MaxPodEvictionTime`, deletes drained
    /// nodes.
    fn continue_removals(&mut self, w: &mut World, params: &ClusterAutoscalerParams) {
        let now = w.now;
        let nodes: Vec<NodeId> = self.removals.keys().copied().collect();
        for n in nodes {
            if w.cluster.nodes[n.index()].removed.is_some() {
                self.removals.remove(&n);
                continue;
            }
            let r = &self.removals[&n];
            if !r.to_evict.is_empty() {
                if now.saturating_since(r.started) >= MAX_POD_EVICTION_TIME {
                    self.removals.remove(&n);
                    self.last_failure = Some(now);
                    api::remove_node_taints(
                        w,
                        n,
                        TAINT_TO_BE_DELETED,
                        Some(TaintEffect::NoSchedule),
                    );
                    w.record_node(
                        n,
                        EventType::Warning,
                        "ScaleDownFailed",
                        "failed to drain the node, aborting ScaleDown".to_string(),
                    );
                    continue;
                }
                self.evict_some(w, params, n);
            }
            let r = &self.removals[&n];
            let all_gone = r.to_evict.is_empty()
                && (r.evicted.iter().all(|&p| {
                    let pod = &w.cluster.pods[p.index()];
                    pod.removed.is_some() || pod.node != Some(n) || pod.status.phase.is_terminal()
                }) || now.saturating_since(r.last_eviction)
                    >= SimDuration::from_secs(params.max_graceful_termination_sec));
            if all_gone {
                self.removals.remove(&n);
                let name = w.cluster.nodes[n.index()].meta.name.clone();
                w.record_node(
                    n,
                    EventType::Normal,
                    "ScaleDown",
                    format!("Scale-down: node {name} removed with drain"),
                );
                api::delete_node(w, n);
                self.last_delete = Some(now);
            }
        }
    }
}

/// The labels a new node of the pool would have (its template), in `zone`.
fn template_labels(pool: &kubesim_model::NodePool, zone: Option<&str>) -> kubesim_model::Labels {
    pool.make_node(&format!("{}-template", pool.name), zone, String::new(), SimTime::ZERO)
        .meta
        .labels
        .to_labels()
}

/// Two node groups are similar (`nodegroupset/compare_nodegroups.go`): the same allocatable
/// and taints, and the same labels but the zone, hostname and pool name.
fn similar_groups(w: &World, params: &ClusterAutoscalerParams, a: usize, b: usize) -> bool {
    let (pa, pb) = (
        &w.cluster.pools[params.node_groups[a].pool],
        &w.cluster.pools[params.node_groups[b].pool],
    );
    pa.allocatable == pb.allocatable && pa.taints == pb.taints && pa.labels == pb.labels
}

fn add(a: Resources, b: Resources) -> Resources {
    let mut r = a;
    r += b;
    r
}

/// NodeResourcesFit's comparison: the pod's requests fit the free part of `alloc`.
fn fits(alloc: Resources, used: Resources, req: Resources) -> bool {
    used.pods < alloc.pods
        && req.cpu_milli <= alloc.cpu_milli.saturating_sub(used.cpu_milli)
        && req.memory <= alloc.memory.saturating_sub(used.memory)
        && req.ephemeral_storage <= alloc.ephemeral_storage.saturating_sub(used.ephemeral_storage)
}

/// Requests-based utilisation: the larger of the CPU and memory fractions
/// (`utilization.Calculate`).
pub fn utilization(alloc: Resources, used: Resources) -> f64 {
    let frac = |u: u64, a: u64| if a == 0 { 0.0 } else { u as f64 / a as f64 };
    frac(used.cpu_milli, alloc.cpu_milli).max(frac(used.memory, alloc.memory))
}

/// Whether a pod is a DaemonSet or mirror pod (they do not block and are not moved).
fn stays(w: &World, p: PodId) -> bool {
    let pod = &w.cluster.pods[p.index()];
    pod.meta.annotations.contains_key(ANNOTATION_MIRROR_POD)
        || pod.meta.owner.as_ref().is_some_and(|o| o.kind == Kind::DaemonSet)
}

/// The pods of a node the autoscaler would evict (live, not terminal, not terminating, not
/// DaemonSet or mirror pods).
fn pods_to_evict(w: &World, n: NodeId) -> Vec<PodId> {
    w.cluster
        .pods_on_node(n)
        .iter()
        .copied()
        .filter(|&p| {
            let pod = &w.cluster.pods[p.index()];
            !pod.status.phase.is_terminal() && pod.meta.deletion.is_none() && !stays(w, p)
        })
        .collect()
}

/// Why a pod blocks its node's removal (`drainability/rules`), or None.
pub fn blocker(w: &World, params: &ClusterAutoscalerParams, p: PodId) -> Option<&'static str> {
    // The rules in upstream's order (`drainability/rules/rules.go`): `safe-to-evict: "true"`
    // makes a pod drainable before the PDB, system-pod, local-storage and replication rules
    // are asked (the eviction still honours its PDB).
    let pod = &w.cluster.pods[p.index()];
    let safe = pod.meta.annotations.get(ANNOTATION_SAFE_TO_EVICT).map(String::as_str);
    if safe == Some("true") {
        return None;
    }
    if safe == Some("false") {
        return Some("NotSafeToEvictAnnotation");
    }
    let pdbs = w.cluster.pdbs_of_pod(p);
    if pdbs.iter().any(|&b| w.cluster.pdbs[b.index()].status.disruptions_allowed < 1) {
        return Some("NotEnoughPdb");
    }
    if params.skip_nodes_with_system_pods && pod.meta.namespace == "kube-system" && pdbs.is_empty()
    {
        return Some("UnmovableKubeSystemPod");
    }
    if params.skip_nodes_with_local_storage && !pod.spec.empty_dir_volumes.is_empty() {
        return Some("LocalStorageRequested");
    }
    if pod.meta.owner.is_none() || w.cluster.controller_of(p).is_none() {
        return Some("NotReplicated");
    }
    None
}

/// The pods that must move for the node to go, or None if one blocks.
fn movable_pods(w: &World, params: &ClusterAutoscalerParams, n: NodeId) -> Option<Vec<PodId>> {
    let pods = pods_to_evict(w, n);
    if pods.iter().any(|&p| blocker(w, params, p).is_some()) {
        return None;
    }
    Some(pods)
}

/// Whether node `d` could take pod `p` with `extra` requests already moved there: Ready,
/// schedulable, not being removed, the scheduler's taint and node-affinity checks, and the
/// resources.
fn receives(w: &World, d: NodeId, p: PodId, extra: Resources, req: Resources) -> bool {
    let node = &w.cluster.nodes[d.index()];
    if !node.is_ready() || node.unschedulable {
        return false;
    }
    let spec = &w.cluster.pods[p.index()].spec;
    if taint_toleration::untolerated_taint(spec, &node.taints).is_some() {
        return false;
    }
    if !node_affinity::matches_required(spec, &node.meta.labels, &node.meta.name) {
        return false;
    }
    fits(node.allocatable, add(w.cluster.requested_on_node(d), extra), req)
}
