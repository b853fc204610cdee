//! The run loop: pop the earliest event, hand it to its component, repeat until the
//! scenario's duration or until nothing is left to happen.

use crate::actions;
use crate::cluster_autoscaler::ClusterAutoscaler;
use crate::disruption::DisruptionController;
use crate::drain::Drains;
use crate::faults::NodeHealth;
use crate::kubelet::Kubelet;
use crate::metrics::MetricsRecorder;
use crate::node_heartbeat::KubeletGate;
use crate::nodepool::NodePools;
use crate::scheduler::Scheduler;
use crate::scheduler::explain::{AttemptRecord, ExplainRequest};
use crate::workloads::WorkloadControllers;
use crate::world::{Event, World, streams};
use kubesim_engine::{RngStreams, SimTime};
use kubesim_model::{Cluster, PodPhase, Scenario, Trace};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, VecDeque};

/// A simulation of one scenario with one seed.
pub struct Simulation {
    /// The shared state.
    pub world: World,
    scheduler: Scheduler,
    kubelet: Kubelet,
    workloads: WorkloadControllers,
    disruption: DisruptionController,
    drains: Drains,
    node_pools: NodePools,
    cluster_autoscaler: ClusterAutoscaler,
    /// Heartbeats, node lifecycle, taint eviction, PodGC.
    pub node_health: NodeHealth,
    metrics: MetricsRecorder,
    actions: Vec<kubesim_model::Action>,
    action_rng: ChaCha8Rng,
    end: SimTime,
    processed: u64,
    /// `processed` when the current instant began.
    instant_start: u64,
    /// The most events one instant may take (see [`MAX_EVENTS_PER_INSTANT`]).
    instant_limit: u64,
    /// Why the run stopped early, when it did.
    stalled: Option<String>,
    /// Late events held until everything else at their instant has run (see [`Event::is_late`]).
    late: VecDeque<Event>,
    /// `--trace-objects`: the objects followed, looked at after every event.
    objects: Option<crate::objects::ObjectTracer>,
}

/// What a finished run leaves.
pub struct Outcome {
    /// The objects at the end.
    pub cluster: Cluster,
    /// What happened.
    pub trace: Trace,
    /// Set when the run stopped because one instant took more than
    /// [`MAX_EVENTS_PER_INSTANT`] events: why, and which event reasons repeated. The cluster
    /// and trace are then cut short and must not be reported as a result.
    pub stalled: Option<String>,
}

/// The most queue events one instant of simulated time may take before the run stops as
/// stalled. Every component of kubesim reacts at once (no API latency, no controller
/// work-queue delay), so a loop that a real cluster runs at the pace of its API server — a
/// ReplicaSet replacing, at once, pods that the taint eviction controller deletes at once
/// (a template pinned by `nodeName` to a node with a NoExecute taint it does not tolerate) —
/// would never let simulated time advance. Real instants stay far below this: creating 150,000
/// pods at t = 0 takes under a million events.
pub const MAX_EVENTS_PER_INSTANT: u64 = 5_000_000;

impl Simulation {
    /// Sets up a run: every component, the scenario's actions as timed events, and a first
    /// reconcile of every workload and every pending pod at t = 0.
    pub fn new(scenario: &Scenario) -> Self {
        let rngs = RngStreams::new(scenario.seed);
        let mut world = World::new(scenario.cluster.clone(), scenario.params.clone());
        // The node lifecycle controller's `reconcileNodeLabels` on its informer's add of each
        // Node (a dump's Node may lack the beta os/arch twins or disagree), before any other
        // component reads the labels.
        for node in &mut world.cluster.nodes {
            kubesim_model::node::reconcile_os_arch_labels(&mut node.meta.labels);
        }
        let node_health = NodeHealth::new(&world, &rngs);
        let metrics = MetricsRecorder::new(&mut world, node_health.nlc.zone_names());
        let mut kubelet = Kubelet::new(&rngs);
        // Every PDB gets its first status before any action can evict at t = 0.
        for i in 0..world.cluster.pdbs.len() {
            world.sync_pdb(kubesim_model::PdbId(i as u32));
        }
        for (i, a) in scenario.actions.iter().enumerate() {
            world.queue.schedule(a.at, Event::RunAction(i as u32));
        }
        // Initial objects: running pods are the kubelets', bound pending ones are started,
        // unbound ones go to the scheduler; every workload reconciles.
        let pods: Vec<_> = world.cluster.live_pods().collect();
        for p in pods {
            let pod = &world.cluster.pods[p.index()];
            match (pod.node, pod.status.phase) {
                (Some(_), PodPhase::Running) => kubelet.adopt_running(&mut world, p),
                (Some(_), PodPhase::Succeeded | PodPhase::Failed) => {
                    kubelet.adopt_finished(&world, p)
                }
                (Some(_), _) => {
                    world.queue.schedule(SimTime::ZERO, Event::KubeletSyncPod(p));
                }
                (None, _) => {
                    world.scheduler_new_pods.push(p);
                    world.kick_scheduler();
                }
            }
        }
        // Pods the manifests held as Terminating start their deletion now.
        crate::api::start_dump_deletions(&mut world);
        // The taint eviction controller starts by looking at every node (its informer's add
        // events): pods already on a NoExecute-tainted node they do not tolerate go at once.
        for n in world.cluster.live_nodes().collect::<Vec<_>>() {
            let node = &world.cluster.nodes[n.index()];
            if node.taints.iter().any(|t| t.effect == kubesim_model::TaintEffect::NoExecute) {
                world.queue.schedule(SimTime::ZERO, Event::TaintEvictionNodeUpdate(n));
            }
        }
        for id in world.cluster.top_level_workloads().collect::<Vec<_>>() {
            world.sync_workload(id);
        }
        for i in 0..world.cluster.workloads.len() {
            world.sync_workload(kubesim_model::WorkloadId(i as u32));
        }
        crate::podgc::terminated_pods_changed(&mut world);
        let cluster_autoscaler = ClusterAutoscaler::new(&mut world, &rngs);
        Self {
            cluster_autoscaler,
            scheduler: Scheduler::new(&rngs),
            kubelet,
            workloads: WorkloadControllers::new(&rngs),
            disruption: DisruptionController::new(),
            drains: Drains::new(),
            node_pools: NodePools::new(&rngs),
            node_health,
            metrics,
            actions: scenario.actions.clone(),
            action_rng: rngs.stream(streams::ACTIONS),
            end: SimTime::ZERO + scenario.duration,
            processed: 0,
            instant_start: 0,
            instant_limit: MAX_EVENTS_PER_INSTANT,
            stalled: None,
            world,
            late: VecDeque::new(),
            objects: None,
        }
    }

    /// Handles one event.
    fn dispatch(&mut self, ev: Event) {
        let w = &mut self.world;
        let nh = &mut self.node_health;
        match ev {
            Event::RunAction(i) => {
                let action = &self.actions[i as usize];
                if action.kind.is_node_operation() {
                    w.trace
                        .marks
                        .push(kubesim_model::Mark { time: w.now, label: action.label.clone() });
                    nh.run(w, &mut self.kubelet, action, i);
                } else {
                    actions::run(
                        w,
                        action,
                        &mut self.action_rng,
                        actions::Tools { drains: &mut self.drains, pools: &mut self.node_pools },
                    );
                }
            }
            Event::SchedulerKicked => self.scheduler.run(w),
            Event::BackoffExpired(p) => self.scheduler.backoff_expired(w, p),
            Event::UnschedulableTimeout(p, epoch) => {
                self.scheduler.unschedulable_timeout(w, p, epoch)
            }
            Event::SyncWorkload(id) => self.workloads.sync(w, id),
            Event::DeploymentProgressCheck(id) => {
                crate::workloads::deployment::progress_check(w, id)
            }
            Event::KubeletSyncPod(p) | Event::KubeletStep(p, ..) | Event::AppHealthChanged(p) => {
                // A kubelet that is stopped or cut off does its work later; a machine that is
                // off does none (see `node_heartbeat::KubeletGate`). Its probes too only look
                // at the application when it runs.
                let gate = w.cluster.pods[p.index()]
                    .node
                    .map_or(KubeletGate::Run, |n| nh.heartbeats.kubelet_gate(n));
                match (gate, ev) {
                    (KubeletGate::Run, Event::KubeletSyncPod(p)) => self.kubelet.sync_pod(w, p),
                    (KubeletGate::Run, Event::KubeletStep(p, epoch, step)) => {
                        self.kubelet.step(w, p, epoch, step)
                    }
                    (KubeletGate::Run, Event::AppHealthChanged(p)) => {
                        self.kubelet.app_health_changed(w, p)
                    }
                    (KubeletGate::Defer, _) => {
                        let node = w.cluster.pods[p.index()].node.expect("gated on its node");
                        nh.heartbeats.defer(node, ev);
                    }
                    _ => {}
                }
            }
            Event::PodAvailable(p) => crate::api::notify_owner(w, p),
            // voluntary disruptions
            Event::SyncPdb(id) => self.disruption.sync(w, id),
            Event::StalePodDisruption(p) => crate::disruption::sync_stale_pod_disruption(w, p),
            Event::DrainRetry(d, p) => self.drains.retry(w, d, p),
            Event::DrainPodRemoved(d, p) => self.drains.pod_removed(w, d, p),
            Event::DrainPodGone(d, p) => self.drains.pod_gone(w, d, p),
            Event::DrainTimeout(d, n) => self.drains.timeout(w, d, n),
            Event::DrainFinished(d) => self.node_pools.drain_finished(w, &mut self.drains, d),
            Event::UpgradeTick(u) => self.node_pools.tick(w, &mut self.drains, u),
            Event::NodeMonitorPass => nh.nlc.monitor_pass(w, &nh.heartbeats),
            Event::NoExecuteTaintingPass(zone, generation) => {
                nh.nlc.no_execute_tainting_pass(w, zone, generation)
            }
            Event::KubeletNodeStatus(n, fault_gen) => nh.kubelet_node_status(w, n, fault_gen),
            Event::TaintEvictionNodeUpdate(n) => nh.taint_eviction.node_updated(w, n),
            Event::TaintEvictionPodUpdate(p) => nh.taint_eviction.pod_updated(w, p),
            Event::TaintEvictionDue(p, id) => nh.taint_eviction.due(w, p, id),
            Event::PodGcPass => nh.podgc.pass(w),
            Event::CloudNodeMonitor(n) => nh.cloud_node_monitor(w, n),
            Event::AutoscalerScan => self.cluster_autoscaler.scan(w),
            Event::AutoscalerNodeUp(g, id) => self.cluster_autoscaler.node_up(w, g, id),
            Event::SpotTermination(n, fault_gen) => {
                nh.spot_termination(w, &mut self.kubelet, n, fault_gen)
            }
            Event::SpotRateNext(i) => {
                nh.spot_rate_next(w, &mut self.kubelet, &self.actions[i as usize], i)
            }
            Event::ShutdownCriticalPods(n, fault_gen, grace) => {
                nh.shutdown_critical_pods(w, &mut self.kubelet, n, fault_gen, grace)
            }
        }
    }

    /// Runs to the end and returns the final state and the trace.
    pub fn run(mut self) -> Outcome {
        while self.step() {}
        self.finish()
    }

    /// Runs to the end like [`Simulation::run`], calling `progress` with the simulated time
    /// after every `every` events (for a progress bar; [`Simulation::run`] pays nothing for it).
    pub fn run_with_progress(mut self, every: u64, progress: &mut dyn FnMut(SimTime)) -> Outcome {
        let every = every.max(1);
        while self.step() {
            if self.processed.is_multiple_of(every) {
                progress(self.world.now);
            }
        }
        self.finish()
    }

    /// Handles the next event, if there is one before the end; false when the run is over.
    /// Lets tests look at the world between events (a run is `while sim.step() {}` then
    /// [`Simulation::finish`]). Late events (see [`Event::is_late`]) are held until nothing
    /// else is left at their instant.
    pub fn step(&mut self) -> bool {
        if self.stalled.is_some() {
            return false;
        }
        if self.processed - self.instant_start >= self.instant_limit {
            self.stalled = Some(self.stall_report());
            return false;
        }
        loop {
            let next = self.world.queue.peek_time();
            if next.is_none_or(|t| t > self.world.now) {
                // Everything else at this instant has run: now its late events.
                if let Some(ev) = self.late.pop_front() {
                    self.processed += 1;
                    self.dispatch(ev);
                    self.observe_objects();
                    return true;
                }
                if !self.world.disruption_target_set.is_empty() {
                    // The instant is settled: pods left with a DisruptionTarget condition and
                    // no deletionTimestamp get their stale-condition check queued.
                    crate::disruption::queue_stale_pod_disruption_checks(&mut self.world);
                    continue;
                }
            }
            let Some(t) = next else { return false };
            if t > self.end {
                return false;
            }
            if t > self.world.now {
                // The previous instant is settled: take its metrics.
                self.record_metrics();
                self.world.now = t;
                self.instant_start = self.processed;
            }
            let (_, ev) = self.world.queue.pop().expect("peeked");
            if ev.is_late() && self.world.queue.peek_time() == Some(self.world.now) {
                self.late.push_back(ev);
                continue;
            }
            self.processed += 1;
            self.dispatch(ev);
            self.observe_objects();
            return true;
        }
    }

    /// Follows the objects the selectors match (`kubesim run --trace-objects`): their state
    /// now is recorded as `ADDED`, then each change after an event (see [`crate::objects`]).
    /// Call before running.
    pub fn trace_objects(&mut self, selectors: Vec<kubesim_model::ObjectSelector>) {
        let mut tracer = crate::objects::ObjectTracer::new(selectors);
        tracer.observe(&mut self.world);
        self.objects = Some(tracer);
    }

    fn observe_objects(&mut self) {
        if let Some(t) = &mut self.objects {
            t.observe(&mut self.world);
        }
    }

    /// Lowers [`MAX_EVENTS_PER_INSTANT`] (for tests of the guard).
    pub fn set_instant_limit(&mut self, limit: u64) {
        self.instant_limit = limit.max(1);
    }

    /// Why the run stalled: the instant, and the event reasons recorded most at it.
    fn stall_report(&self) -> String {
        let now = self.world.now;
        let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        for e in self.world.trace.events.iter().rev().take_while(|e| e.time == now) {
            *counts.entry((e.reason, e.kind.as_str())).or_default() += 1;
        }
        let mut top: Vec<((&str, &str), u64)> = counts.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let reasons: Vec<String> =
            top.iter().take(4).map(|((r, k), n)| format!("{r} on a {k} x{n}")).collect();
        format!(
            "the run stalled at {now}: more than {} events at this one instant, so simulated time \
             could not advance. Components that react at once are undoing each other's work in \
             a loop (for example a ReplicaSet replacing pods that are deleted as soon as they \
             exist: a pod template pinned by `nodeName` to a node with a NoExecute taint it does \
             not tolerate). The events recorded most at that instant: {}",
            self.instant_limit,
            if reasons.is_empty() { "none".to_string() } else { reasons.join(", ") }
        )
    }

    fn record_metrics(&mut self) {
        let zones: Vec<[i64; 2]> = self.node_health.nlc.zone_values().collect();
        self.metrics.record(&mut self.world, &zones);
    }

    /// Ends the run: the last metrics, and the final state and trace.
    pub fn finish(mut self) -> Outcome {
        self.record_metrics();
        let mut trace = std::mem::take(&mut self.world.trace);
        trace.end = self.end;
        trace.events_processed = self.processed;
        Outcome {
            cluster: std::mem::take(&mut self.world.cluster),
            trace,
            stalled: self.stalled.take(),
        }
    }

    /// `kubesim explain`: runs until the requested scheduling attempt has happened (or the
    /// run ends) and returns its record.
    pub fn explain(mut self, request: ExplainRequest) -> Option<AttemptRecord> {
        self.scheduler.explain(request);
        while self.scheduler.recorded().is_none() && self.step() {}
        self.scheduler.take_record()
    }

    /// The scheduler (for tests and tools that inspect its cache).
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }
}

/// Runs a scenario (with its own seed) to the end.
pub fn run(scenario: &Scenario) -> Outcome {
    Simulation::new(scenario).run()
}
