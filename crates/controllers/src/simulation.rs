//! The run loop: pop the earliest event, hand it to its component, repeat until the
//! scenario's duration or until nothing is left to happen.

use crate::actions;
use crate::disruption::DisruptionController;
use crate::drain::Drains;
use crate::kubelet::Kubelet;
use crate::metrics::MetricsRecorder;
use crate::nodepool::{self, NodePools};
use crate::scheduler::Scheduler;
use crate::workloads::WorkloadControllers;
use crate::world::{Event, World, streams};
use kubesim_engine::{RngStreams, SimTime};
use kubesim_model::{Cluster, PodPhase, Scenario, Trace};
use rand_chacha::ChaCha8Rng;

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
    metrics: MetricsRecorder,
    actions: Vec<kubesim_model::Action>,
    action_rng: ChaCha8Rng,
    end: SimTime,
    processed: u64,
}

/// What a finished run leaves.
pub struct Outcome {
    /// The objects at the end.
    pub cluster: Cluster,
    /// What happened.
    pub trace: Trace,
}

impl Simulation {
    /// Sets up a run: every component, the scenario's actions as timed events, and a first
    /// reconcile of every workload and every pending pod at t = 0.
    pub fn new(scenario: &Scenario) -> Self {
        let rngs = RngStreams::new(scenario.seed);
        let mut world = World::new(scenario.cluster.clone(), scenario.params.clone());
        let metrics = MetricsRecorder::new(&mut world);
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
                (Some(_), PodPhase::Running) => kubelet.adopt_running(p),
                (Some(_), _) => {
                    world.queue.schedule(SimTime::ZERO, Event::KubeletSyncPod(p));
                }
                (None, _) => {
                    world.scheduler_new_pods.push(p);
                    world.kick_scheduler();
                }
            }
        }
        for id in world.cluster.top_level_workloads().collect::<Vec<_>>() {
            world.sync_workload(id);
        }
        for i in 0..world.cluster.workloads.len() {
            world.sync_workload(kubesim_model::WorkloadId(i as u32));
        }
        Self {
            scheduler: Scheduler::new(&rngs),
            kubelet,
            workloads: WorkloadControllers::new(&rngs),
            disruption: DisruptionController::new(),
            drains: Drains::new(),
            node_pools: NodePools::new(&rngs),
            metrics,
            actions: scenario.actions.clone(),
            action_rng: rngs.stream(streams::ACTIONS),
            end: SimTime::ZERO + scenario.duration,
            processed: 0,
            world,
        }
    }

    /// Handles one event.
    fn dispatch(&mut self, ev: Event) {
        let w = &mut self.world;
        match ev {
            Event::RunAction(i) => actions::run(
                w,
                &self.actions[i as usize],
                &mut self.action_rng,
                actions::Tools { drains: &mut self.drains, pools: &mut self.node_pools },
            ),
            Event::SchedulerKicked => self.scheduler.run(w),
            Event::BackoffExpired(p) => self.scheduler.backoff_expired(w, p),
            Event::UnschedulableTimeout(p, epoch) => {
                self.scheduler.unschedulable_timeout(w, p, epoch)
            }
            Event::SyncWorkload(id) => self.workloads.sync(w, id),
            Event::KubeletSyncPod(p) => self.kubelet.sync_pod(w, p),
            Event::KubeletStep(p, epoch, step) => self.kubelet.step(w, p, epoch, step),
            Event::PodAvailable(p) => crate::api::notify_owner(w, p),
            // voluntary disruptions
            Event::SyncPdb(id) => self.disruption.sync(w, id),
            Event::DrainRetry(d, p) => self.drains.retry(w, d, p),
            Event::DrainPodRemoved(d, p) => self.drains.pod_removed(w, d, p),
            Event::DrainPodGone(d, p) => self.drains.pod_gone(w, d, p),
            Event::DrainTimeout(d, n) => self.drains.timeout(w, d, n),
            Event::DrainFinished(d) => self.node_pools.drain_finished(w, &mut self.drains, d),
            Event::UpgradeTick(u) => self.node_pools.tick(w, &mut self.drains, u),
            Event::OrphanedPodsGc(n) => nodepool::gc_orphaned_pods(w, n),
        }
    }

    /// Handles the next event, if there is one before the end; false when the run is over.
    /// Lets tests look at the world between events (a run is `while sim.step() {}` then
    /// [`Simulation::finish`]).
    pub fn step(&mut self) -> bool {
        let Some(t) = self.world.queue.peek_time() else { return false };
        if t > self.end {
            return false;
        }
        if t > self.world.now {
            // The previous instant is settled: take its metrics.
            self.metrics.record(&mut self.world);
            self.world.now = t;
        }
        let (_, ev) = self.world.queue.pop().expect("peeked");
        self.processed += 1;
        self.dispatch(ev);
        true
    }

    /// Ends the run: the last metrics, and the final state and trace.
    pub fn finish(mut self) -> Outcome {
        self.metrics.record(&mut self.world);
        let mut trace = std::mem::take(&mut self.world.trace);
        trace.end = self.end;
        trace.events_processed = self.processed;
        Outcome { cluster: std::mem::take(&mut self.world.cluster), trace }
    }

    /// Runs to the end and returns the final state and the trace.
    pub fn run(mut self) -> Outcome {
        while self.step() {}
        self.finish()
    }
}

/// Runs a scenario (with its own seed) to the end.
pub fn run(scenario: &Scenario) -> Outcome {
    Simulation::new(scenario).run()
}
