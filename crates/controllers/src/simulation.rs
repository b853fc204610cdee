//! The run loop: pop the earliest event, hand it to its component, repeat until the
//! scenario's duration or until nothing is left to happen.

use crate::actions;
use crate::kubelet::Kubelet;
use crate::metrics::MetricsRecorder;
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
    metrics: MetricsRecorder,
    actions: Vec<kubesim_model::Action>,
    action_rng: ChaCha8Rng,
    end: SimTime,
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
        for id in world.cluster.top_level_workloads().collect::<Vec<_>>() {
            world.sync_workload(id);
        }
        for i in 0..world.cluster.workloads.len() {
            world.sync_workload(kubesim_model::WorkloadId(i as u32));
        }
        crate::podgc::terminated_pods_changed(&mut world);
        Self {
            scheduler: Scheduler::new(&rngs),
            kubelet,
            workloads: WorkloadControllers::new(&rngs),
            metrics,
            actions: scenario.actions.clone(),
            action_rng: rngs.stream(streams::ACTIONS),
            end: SimTime::ZERO + scenario.duration,
            world,
        }
    }

    /// Handles one event.
    fn dispatch(&mut self, ev: Event) {
        let w = &mut self.world;
        match ev {
            Event::RunAction(i) => actions::run(w, &self.actions[i as usize], &mut self.action_rng),
            Event::SchedulerKicked => self.scheduler.run(w),
            Event::BackoffExpired(p) => self.scheduler.backoff_expired(w, p),
            Event::UnschedulableTimeout(p, epoch) => {
                self.scheduler.unschedulable_timeout(w, p, epoch)
            }
            Event::SyncWorkload(id) => self.workloads.sync(w, id),
            Event::KubeletSyncPod(p) => self.kubelet.sync_pod(w, p),
            Event::KubeletStep(p, epoch, step) => self.kubelet.step(w, p, epoch, step),
            Event::PodAvailable(p) => crate::api::notify_owner(w, p),
            // kubelet pod lifecycle and PodGC (issue 3)
            Event::AppHealthChanged(p) => self.kubelet.app_health_changed(w, p),
            Event::PodGcPass => crate::podgc::pass(w),
        }
    }

    /// Runs to the end and returns the final state and the trace.
    pub fn run(mut self) -> Outcome {
        let mut processed = 0u64;
        while let Some(t) = self.world.queue.peek_time() {
            if t > self.end {
                break;
            }
            if t > self.world.now {
                // The previous instant is settled: take its metrics.
                self.metrics.record(&mut self.world);
                self.world.now = t;
            }
            let (_, ev) = self.world.queue.pop().expect("peeked");
            processed += 1;
            self.dispatch(ev);
        }
        self.metrics.record(&mut self.world);
        let mut trace = std::mem::take(&mut self.world.trace);
        trace.end = self.end;
        trace.events_processed = processed;
        Outcome { cluster: std::mem::take(&mut self.world.cluster), trace }
    }
}

/// Runs a scenario (with its own seed) to the end.
pub fn run(scenario: &Scenario) -> Outcome {
    Simulation::new(scenario).run()
}
