//! Node faults and node operations, as scenario actions: what happens to a machine, its
//! kubelet and its link to the control plane, and who hears of it.
//!
//! | action | the machine | the kubelet | heartbeats | containers |
//! | --- | --- | --- | --- | --- |
//! | `crash-node` | loses power | dies | stop | stop |
//! | `stop-kubelet` | runs | stops | stop | keep running |
//! | `partition` | runs | runs, cut off from the API server | do not arrive | keep running |
//! | `zone-outage` | every node of the zone crashes (or is cut off: `mode: partition`) | | | |
//! | `recover-node` / `recover-zone` | boots if it was off | starts, posts Ready, finishes what it missed | resume | restart after a crash |
//! | `delete-node` | is gone | gone | stop | gone; the Node object is deleted |
//! | `spot-interruption` | terminated `notice` after the notice | | | |
//! | `taint` / `untaint` | `kubectl taint` | | | |
//!
//! A **spot interruption** is a notice followed by the machine's termination. What reacts to
//! the notice depends on the platform: on EKS a termination handler (AWS Node Termination
//! Handler, or Karpenter's interruption handling) cordons the node and drains it within the
//! 2-minute notice; on GKE the kubelet's graceful node shutdown terminates pods within the 30 s
//! notice. kubesim models the handler (`handler: drain`, the default): at the notice the node
//! is cordoned and every pod on it is deleted gracefully — a plain delete, as `kubectl drain
//! --disable-eviction` does, because the Eviction API and PodDisruptionBudgets are not
//! simulated yet; `handler: none` leaves the pods to the node lifecycle controller. At the end
//! of the notice the machine is gone: its heartbeats stop, and the cloud node lifecycle
//! controller deletes the Node object once it is no longer Ready
//! ([`crate::cloudnodelifecycle`]), after which PodGC removes any pod left on it.
//!
//! `handler: shutdown` is the kubelet's graceful node shutdown
//! (`pkg/kubelet/nodeshutdown/nodeshutdown_manager_linux.go`, `processShutdownEvent`, and
//! `nodeshutdown/nodeshutdown_manager.go`, `killPods`): at the notice (the cloud starts the
//! OS shutdown, which the kubelet's systemd inhibitor lock delays) the kubelet records
//! `NodeShutdown` ("Shutdown manager detected shutdown event"), reports `Ready=False`
//! (`KubeletNotReady`, "node is shutting down", so the node lifecycle controller adds the
//! `not-ready:NoSchedule` taint), rejects pods bound to it from then on (`NodeShutdown`,
//! "Pod was rejected as the node is shutting down."), and kills its pods in two groups
//! (`migrateConfig`): pods below `system-cluster-critical` first with a grace period of
//! `shutdownGracePeriod - shutdownGracePeriodCriticalPods` (or their own
//! `terminationGracePeriodSeconds` if shorter), then the critical pods with
//! `shutdownGracePeriodCriticalPods`. Each pod gets `DisruptionTarget=True`
//! (`TerminationByKubelet`) and ends `Failed` with reason `Terminated` and message "Pod was
//! terminated in response to imminent node shutdown." (a pod not deleted: its ReplicaSet
//! replaces it, PodGC removes it once the node is gone). `shutdownGracePeriod: 0` disables
//! the feature, as upstream. Simplified: the critical group starts when the first group's
//! period is over (upstream earlier, if every pod of the first group has already stopped).
//!
//! Interruptions at a rate (`ratePerHour` over a pool) are a Poisson process drawn from the
//! action's own seeded stream: exponential gaps, and at each one a node drawn uniformly among
//! the pool's live nodes that had no notice yet (found by a pass over the nodes, once per
//! interruption). Each notice is recorded in [`kubesim_model::Trace::spot_interruptions`]
//! with the pods it stopped and the PodDisruptionBudget violations: a pod counted healthy by
//! a budget whose loss takes the budget's healthy count below its `desiredHealthy` (counted
//! when the handler stops or deletes the pods, or for `handler: none` at the termination).

use crate::api;
use crate::cloudnodelifecycle;
use crate::kubelet::Kubelet;
use crate::node_heartbeat::{NodeHeartbeats, Recovery};
use crate::nodelifecycle::NodeLifecycleController;
use crate::podgc::{PodGc, TAINT_OUT_OF_SERVICE};
use crate::tainteviction::TaintEvictionController;
use crate::world::streams;
use crate::world::{Event, World};
use kubesim_engine::{RngStreams, SimDuration};
use kubesim_model::{
    Action, ActionKind, CondStatus, EventType, Kind, NodeId, OutageMode, PdbId, PodConditionType,
    PodId, SYSTEM_CRITICAL_PRIORITY, SpotHandler, SpotInterruptionRecord, SpotRate,
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};

/// The node-health components: the kubelets' heartbeats, the node lifecycle controller, the
/// taint eviction controller and PodGC.
pub struct NodeHealth {
    /// Kubelet heartbeats and node faults.
    pub heartbeats: NodeHeartbeats,
    /// The node lifecycle controller.
    pub nlc: NodeLifecycleController,
    /// The taint eviction controller.
    pub taint_eviction: TaintEvictionController,
    /// The pod garbage collector.
    pub podgc: PodGc,
    /// The scenario's seed streams (each rate-driven spot action draws from its own).
    streams: RngStreams,
    /// Rate-driven spot interruption actions under way: action index -> its stream.
    spot_rates: BTreeMap<u32, ChaCha8Rng>,
    /// Nodes that had a spot interruption notice: their record's index in the trace and the
    /// handler that reacted.
    spot_noticed: BTreeMap<NodeId, (usize, SpotHandler)>,
}

impl NodeHealth {
    /// The components for the world's nodes.
    pub fn new(w: &World, streams: &RngStreams) -> Self {
        Self {
            heartbeats: NodeHeartbeats::new(streams, &w.params, w.cluster.nodes.len()),
            nlc: NodeLifecycleController::new(w),
            taint_eviction: TaintEvictionController::new(),
            podgc: PodGc::new(),
            streams: *streams,
            spot_rates: BTreeMap::new(),
            spot_noticed: BTreeMap::new(),
        }
    }

    /// Runs a node action (see [`ActionKind::is_node_operation`]); `index` is its place in
    /// the scenario's actions.
    pub fn run(&mut self, w: &mut World, kubelet: &mut Kubelet, action: &Action, index: u32) {
        match &action.kind {
            ActionKind::CrashNode { nodes } => {
                nodes.iter().for_each(|&n| self.crash(w, kubelet, n))
            }
            ActionKind::StopKubelet { nodes } => {
                nodes.iter().for_each(|&n| self.stop_kubelet(w, n));
            }
            ActionKind::Partition { nodes } => nodes.iter().for_each(|&n| self.partition(w, n)),
            ActionKind::ZoneOutage { nodes, mode, .. } => {
                for &n in nodes {
                    match mode {
                        OutageMode::Crash => self.crash(w, kubelet, n),
                        OutageMode::Partition => self.partition(w, n),
                    }
                }
            }
            ActionKind::RecoverNode { nodes } | ActionKind::RecoverZone { nodes, .. } => {
                nodes.iter().for_each(|&n| self.recover(w, kubelet, n));
            }
            ActionKind::DeleteNode { nodes } => {
                for &n in nodes {
                    self.machine_gone(w, kubelet, n);
                    self.delete_node(w, n);
                }
            }
            ActionKind::SpotInterruption { nodes, notice, handler, rate } => {
                for &n in nodes {
                    self.spot_notice(w, kubelet, n, *notice, *handler);
                }
                if let Some(rate) = rate {
                    let rng = self.streams.stream(streams::SPOT_INTERRUPTIONS_BASE + index as u64);
                    self.spot_rates.insert(index, rng);
                    self.schedule_next_spot(w, index, rate);
                }
            }
            ActionKind::Taint { nodes, taint } => {
                for &n in nodes {
                    if api::add_node_taint(w, n, taint.clone()) {
                        self.nlc.node_updated(w, n);
                        if taint.key == TAINT_OUT_OF_SERVICE {
                            self.podgc.kick(w);
                        }
                    }
                }
            }
            ActionKind::Untaint { nodes, key, effect } => {
                for &n in nodes {
                    if api::remove_node_taints(w, n, key, *effect) {
                        self.nlc.node_updated(w, n);
                    }
                }
            }
            ActionKind::Cordon { .. }
            | ActionKind::Uncordon { .. }
            | ActionKind::DeletePod { .. }
            | ActionKind::Scale { .. } => unreachable!("not a node operation"),
            other => unreachable!("not a node operation: {other:?}"),
        }
    }

    /// The machine loses power.
    pub fn crash(&mut self, w: &mut World, kubelet: &mut Kubelet, n: NodeId) {
        if w.cluster.nodes[n.index()].removed.is_some() || self.heartbeats.machine_down(n) {
            return;
        }
        if let Some(last) = self.heartbeats.power_off(n, w.now) {
            self.nlc.heartbeats_stopped(w, n, last);
        }
        kubelet.node_crashed(w, n);
    }

    fn stop_kubelet(&mut self, w: &mut World, n: NodeId) {
        if w.cluster.nodes[n.index()].removed.is_some() || self.heartbeats.machine_down(n) {
            return;
        }
        if let Some(last) = self.heartbeats.stop_kubelet(n, w.now) {
            self.nlc.heartbeats_stopped(w, n, last);
        }
    }

    fn partition(&mut self, w: &mut World, n: NodeId) {
        if w.cluster.nodes[n.index()].removed.is_some() || self.heartbeats.machine_down(n) {
            return;
        }
        if let Some(last) = self.heartbeats.partition(n, w.now) {
            self.nlc.heartbeats_stopped(w, n, last);
        }
    }

    fn machine_gone(&mut self, w: &mut World, kubelet: &mut Kubelet, n: NodeId) {
        if let Some(last) = self.heartbeats.machine_gone(n, w.now) {
            self.nlc.heartbeats_stopped(w, n, last);
        }
        kubelet.node_crashed(w, n);
    }

    /// Deletes the Node object: the node lifecycle controller forgets it at its next pass,
    /// PodGC collects its pods after the quarantine.
    pub fn delete_node(&mut self, w: &mut World, n: NodeId) {
        if w.cluster.nodes[n.index()].removed.is_some() {
            return;
        }
        api::delete_node(w, n);
        self.nlc.node_updated(w, n);
    }

    /// Handles [`Event::SpotTermination`]: the machine is terminated.
    pub fn spot_termination(
        &mut self,
        w: &mut World,
        kubelet: &mut Kubelet,
        n: NodeId,
        fault_gen: u32,
    ) {
        if self.heartbeats.generation(n) != fault_gen
            || w.cluster.nodes[n.index()].removed.is_some()
        {
            return;
        }
        if let Some(&(r, SpotHandler::None)) = self.spot_noticed.get(&n) {
            // Nothing reacted to the notice: the pods go with the machine.
            let pods = disrupted_pods(w, n);
            let violations = pdb_violations(w, &pods);
            let rec = &mut w.trace.spot_interruptions[r];
            rec.pods = pods.len() as u32;
            rec.pdb_violations = violations;
        }
        self.machine_gone(w, kubelet, n);
        cloudnodelifecycle::watch(w, n);
    }

    /// The handler that reacts to a notice on a node: the action's when it says, else the
    /// node's spot pool's, else `drain`.
    fn spot_handler_of(&self, w: &World, n: NodeId, handler: Option<SpotHandler>) -> SpotHandler {
        handler.unwrap_or_else(|| spot_pool_of(w, n).map_or(SpotHandler::Drain, |s| s.handler))
    }

    /// A spot interruption notice for node `n` (see the module docs).
    fn spot_notice(
        &mut self,
        w: &mut World,
        kubelet: &mut Kubelet,
        n: NodeId,
        notice: Option<SimDuration>,
        handler: Option<SpotHandler>,
    ) {
        if w.cluster.nodes[n.index()].removed.is_some()
            || self.heartbeats.machine_down(n)
            || self.spot_noticed.contains_key(&n)
        {
            return;
        }
        let spot = spot_pool_of(w, n).cloned();
        let notice = notice.unwrap_or_else(|| {
            spot.as_ref().map_or(SimDuration::from_mins(2), |s| s.provider.notice())
        });
        let handler = self.spot_handler_of(w, n, handler);
        w.record_node(
            n,
            EventType::Warning,
            "SpotInterruption",
            format!("Spot interruption notice: the instance is terminated in {notice}"),
        );
        self.spot_noticed.insert(n, (w.trace.spot_interruptions.len(), handler));
        w.trace.spot_interruptions.push(SpotInterruptionRecord {
            time: w.now,
            node: n,
            pool: w.cluster.nodes[n.index()].pool.clone(),
            terminated: w.now + notice,
            pods: 0,
            pdb_violations: 0,
        });
        match handler {
            SpotHandler::Drain => {
                let pods = disrupted_pods(w, n);
                self.add_spot_disruption(w, n, &pods);
                drain(w, n);
            }
            SpotHandler::Shutdown => {
                let (period, critical) = spot
                    .as_ref()
                    .map_or((SimDuration::from_secs(30), SimDuration::from_secs(15)), |s| {
                        (s.shutdown_grace_period, s.shutdown_grace_period_critical_pods)
                    });
                if !period.is_zero() {
                    self.begin_shutdown(w, kubelet, n, period, critical);
                }
            }
            SpotHandler::None => {}
        }
        let fault_gen = self.heartbeats.generation(n);
        w.schedule(notice, Event::SpotTermination(n, fault_gen));
    }

    /// Adds the pods an interruption stopped to its record.
    fn add_spot_disruption(&self, w: &mut World, n: NodeId, pods: &[PodId]) {
        let Some(&(r, _)) = self.spot_noticed.get(&n) else { return };
        let violations = pdb_violations(w, pods);
        let rec = &mut w.trace.spot_interruptions[r];
        rec.pods += pods.len() as u32;
        rec.pdb_violations += violations;
    }

    /// The kubelet's graceful node shutdown begins: NotReady, new pods refused, the regular
    /// pods killed; the critical pods when their turn comes ([`Event::ShutdownCriticalPods`]).
    fn begin_shutdown(
        &mut self,
        w: &mut World,
        kubelet: &mut Kubelet,
        n: NodeId,
        period: SimDuration,
        critical: SimDuration,
    ) {
        w.record_node(
            n,
            EventType::Normal,
            "NodeShutdown",
            "Shutdown manager detected shutdown event".into(),
        );
        kubelet.node_shutting_down(n);
        if api::set_node_ready(w, n, CondStatus::False, "KubeletNotReady", "node is shutting down")
        {
            let name = w.cluster.nodes[n.index()].meta.name.clone();
            w.record_node(
                n,
                EventType::Normal,
                "NodeNotReady",
                format!("Node {name} status is now: NodeNotReady"),
            );
            self.nlc.node_status_changed(w, n);
        }
        let first =
            SimDuration::from_millis(period.as_millis().saturating_sub(critical.as_millis()));
        self.shutdown_group(w, kubelet, n, false, first.as_millis() / 1000);
        let fault_gen = self.heartbeats.generation(n);
        w.schedule(
            first,
            Event::ShutdownCriticalPods(n, fault_gen, (critical.as_millis() / 1000) as u32),
        );
    }

    /// Kills one group of the node's pods (critical or not) for the graceful node shutdown.
    fn shutdown_group(
        &mut self,
        w: &mut World,
        kubelet: &mut Kubelet,
        n: NodeId,
        critical: bool,
        grace: u64,
    ) {
        let pods: Vec<PodId> = w
            .cluster
            .pods_on_node(n)
            .iter()
            .copied()
            .filter(|&p| {
                let pod = &w.cluster.pods[p.index()];
                pod.removed.is_none()
                    && !pod.status.phase.is_terminal()
                    && (pod.spec.priority >= SYSTEM_CRITICAL_PRIORITY) == critical
            })
            .collect();
        let counted: Vec<PodId> = pods
            .iter()
            .copied()
            .filter(|&p| !is_daemon_pod(w, p) && w.cluster.pods[p.index()].meta.deletion.is_none())
            .collect();
        self.add_spot_disruption(w, n, &counted);
        for p in pods {
            let own = w.cluster.pods[p.index()].spec.termination_grace_period_seconds;
            kubelet.shutdown_pod(w, p, grace.min(own));
        }
    }

    /// Handles [`Event::ShutdownCriticalPods`]: the critical pods' turn in a graceful node
    /// shutdown (ignored once the machine is gone).
    pub fn shutdown_critical_pods(
        &mut self,
        w: &mut World,
        kubelet: &mut Kubelet,
        n: NodeId,
        fault_gen: u32,
        grace: u32,
    ) {
        if self.heartbeats.generation(n) != fault_gen
            || w.cluster.nodes[n.index()].removed.is_some()
        {
            return;
        }
        self.shutdown_group(w, kubelet, n, true, u64::from(grace));
    }

    /// Queues the next interruption of a rate-driven action, if it falls in its window.
    fn schedule_next_spot(&mut self, w: &mut World, index: u32, rate: &SpotRate) {
        let Some(rng) = self.spot_rates.get_mut(&index) else { return };
        // Exponential gap with mean 1/rate hours (inverse transform of a uniform draw).
        let u: f64 = rng.random::<f64>();
        let gap_ms = (-(1.0 - u).ln() * 3_600_000.0 / rate.per_hour).round().min(1e15) as u64;
        let at = w.now + SimDuration::from_millis(gap_ms);
        if rate.until.is_some_and(|until| at > until) {
            self.spot_rates.remove(&index);
            return;
        }
        w.queue.schedule(at, Event::SpotRateNext(index));
    }

    /// Handles [`Event::SpotRateNext`]: one interruption of a rate-driven action, on a node
    /// drawn from the pool's live nodes without a notice yet; then the next one is queued.
    pub fn spot_rate_next(
        &mut self,
        w: &mut World,
        kubelet: &mut Kubelet,
        action: &Action,
        index: u32,
    ) {
        let ActionKind::SpotInterruption { notice, handler, rate: Some(rate), .. } = &action.kind
        else {
            return;
        };
        let pool = &w.cluster.pools[rate.pool].name;
        let candidates: Vec<NodeId> = w
            .cluster
            .live_nodes()
            .filter(|&n| {
                w.cluster.nodes[n.index()].pool.as_deref() == Some(pool.as_str())
                    && !self.spot_noticed.contains_key(&n)
                    && !self.heartbeats.machine_down(n)
            })
            .collect();
        if !candidates.is_empty()
            && let Some(rng) = self.spot_rates.get_mut(&index)
        {
            let n = candidates[rng.random_range(0..candidates.len())];
            let label = format!("spot-interruption {}", w.cluster.nodes[n.index()].meta.name);
            w.trace.marks.push(kubesim_model::Mark { time: w.now, label });
            self.spot_notice(w, kubelet, n, *notice, *handler);
        }
        self.schedule_next_spot(w, index, rate);
    }

    /// Handles [`Event::CloudNodeMonitor`].
    pub fn cloud_node_monitor(&mut self, w: &mut World, n: NodeId) {
        if cloudnodelifecycle::monitor(w, n) {
            self.nlc.node_updated(w, n);
            self.podgc.kick(w);
        }
    }

    /// Undoes the node's faults.
    fn recover(&mut self, w: &mut World, kubelet: &mut Kubelet, n: NodeId) {
        if w.cluster.nodes[n.index()].removed.is_some() {
            return;
        }
        match self.heartbeats.recover(n, w.now) {
            Recovery::Nothing => {}
            Recovery::Booted => {
                let name = w.cluster.nodes[n.index()].meta.name.clone();
                w.record_node(n, EventType::Normal, "Starting", "Starting kubelet.".into());
                let boot_id = w.cluster.new_uid();
                w.record_node(
                    n,
                    EventType::Warning,
                    "Rebooted",
                    format!("Node {name} has been rebooted, boot id: {boot_id}"),
                );
                self.post_ready(w, n);
                kubelet.node_booted(w, n);
            }
            Recovery::KubeletStarted => {
                w.record_node(n, EventType::Normal, "Starting", "Starting kubelet.".into());
                self.post_ready(w, n);
                self.resume_kubelet_work(w, n);
            }
            Recovery::Healed(sync) => {
                let fault_gen = self.heartbeats.generation(n);
                w.schedule_at(sync, Event::KubeletNodeStatus(n, fault_gen));
                self.resume_kubelet_work(w, n);
            }
        }
    }

    /// Handles [`Event::KubeletNodeStatus`]: the first status sync after a partition healed.
    pub fn kubelet_node_status(&mut self, w: &mut World, n: NodeId, fault_gen: u32) {
        if self.heartbeats.generation(n) != fault_gen
            || w.cluster.nodes[n.index()].removed.is_some()
        {
            return;
        }
        let changed = !w.cluster.nodes[n.index()].is_ready();
        if self.heartbeats.status_sync(n, w.now, changed) && changed {
            self.post_ready(w, n);
        }
    }

    /// The kubelet posts `Ready=True` (`KubeletReady`) if the API server has anything else,
    /// with its `NodeReady` event; the node lifecycle controller takes it from there.
    fn post_ready(&mut self, w: &mut World, n: NodeId) {
        if api::set_node_ready(
            w,
            n,
            CondStatus::True,
            "KubeletReady",
            "kubelet is posting ready status",
        ) {
            let name = w.cluster.nodes[n.index()].meta.name.clone();
            w.record_node(
                n,
                EventType::Normal,
                "NodeReady",
                format!("Node {name} status is now: NodeReady"),
            );
            self.nlc.node_status_changed(w, n);
        }
    }

    /// The kubelet runs and reaches the API server again: the work it held back is replayed
    /// in order, and its status manager writes back the Ready condition of pods whose
    /// containers are all ready (the node lifecycle controller had marked them not Ready).
    fn resume_kubelet_work(&mut self, w: &mut World, n: NodeId) {
        for ev in self.heartbeats.take_deferred(n) {
            w.queue.schedule(w.now, ev);
        }
        let pods: Vec<_> = w.cluster.pods_on_node(n).iter().copied().collect();
        for p in pods {
            let pod = &w.cluster.pods[p.index()];
            if pod.meta.deletion.is_none()
                && pod.status.is_true(PodConditionType::ContainersReady)
                && !pod.is_ready()
            {
                api::set_pod_condition(w, p, PodConditionType::Ready, CondStatus::True, "", "");
            }
        }
    }
}

/// A termination handler's cordon and drain at a spot interruption notice (see the module
/// docs): cordon, then a graceful delete of every pod on the node.
fn drain(w: &mut World, n: NodeId) {
    api::set_unschedulable(w, n, true);
    let pods: Vec<_> = w.cluster.pods_on_node(n).iter().copied().collect();
    for p in pods {
        if w.cluster.pods[p.index()].meta.deletion.is_none() {
            api::delete_pod(w, p, None);
        }
    }
}

/// The spot settings of a node's pool, if it is a spot pool.
fn spot_pool_of(w: &World, n: NodeId) -> Option<&kubesim_model::SpotPool> {
    let pool = w.cluster.nodes[n.index()].pool.as_deref()?;
    w.params.spot_pool(w.cluster.pool_by_name(pool)?)
}

/// Whether a pod belongs to a DaemonSet.
fn is_daemon_pod(w: &World, p: PodId) -> bool {
    w.cluster
        .controller_of(p)
        .is_some_and(|c| w.cluster.workloads[c.index()].kind == Kind::DaemonSet)
}

/// The pods an interruption of node `n` takes away: live, not terminal, not being deleted, not
/// DaemonSet pods (their DaemonSet has nowhere else to put them).
fn disrupted_pods(w: &World, n: NodeId) -> Vec<PodId> {
    w.cluster
        .pods_on_node(n)
        .iter()
        .copied()
        .filter(|&p| {
            let pod = &w.cluster.pods[p.index()];
            pod.removed.is_none()
                && pod.meta.deletion.is_none()
                && !pod.status.phase.is_terminal()
                && !is_daemon_pod(w, p)
        })
        .collect()
}

/// How many of `pods`, lost one after the other, take a PodDisruptionBudget they count for
/// below its `desiredHealthy` (the healthy counts as kept now, the desired count as the
/// disruption controller last wrote it).
fn pdb_violations(w: &World, pods: &[PodId]) -> u32 {
    let mut healthy: BTreeMap<PdbId, i64> = BTreeMap::new();
    let mut violations = 0;
    let mut seen: BTreeSet<PodId> = BTreeSet::new();
    for &p in pods {
        let pod = &w.cluster.pods[p.index()];
        if !seen.insert(p) || !pod.is_ready() || pod.meta.deletion.is_some() {
            continue;
        }
        for pdb in w.matching_pdbs(p) {
            let h =
                healthy.entry(pdb).or_insert_with(|| i64::from(w.cluster.pdb_counts(pdb).healthy));
            *h -= 1;
            if *h < i64::from(w.cluster.pdbs[pdb.index()].status.desired_healthy) {
                violations += 1;
            }
        }
    }
    violations
}
