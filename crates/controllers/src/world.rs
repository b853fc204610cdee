//! The shared state every component works on: the clock, the queue, the cluster, the trace,
//! and the "watch" flags through which a change reaches the components that care about it.

use crate::apps::AppFaults;
use kubesim_engine::{EventQueue, SimDuration, SimTime};
use kubesim_model::{
    Cluster, EventType, Kind, NodeId, Params, PodId, ProbeKind, Trace, TraceEvent, WorkloadId,
};

/// Every event the simulation knows. Requests are imperative, facts past tense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Run the scenario action with this index.
    RunAction(u32),
    /// The scheduler should run: pods are waiting in its active queue, or the cluster changed.
    SchedulerKicked,
    /// A pod's scheduling back-off may have expired.
    BackoffExpired(PodId),
    /// The scheduler's periodic flush of pods unschedulable for too long (one timer per pod).
    UnschedulableTimeout(PodId, u32),
    /// A workload controller should reconcile this workload.
    SyncWorkload(WorkloadId),
    /// The kubelet of the pod's node should look at the pod (bound, deleted, ...).
    KubeletSyncPod(PodId),
    /// A timed step of the kubelet's work on a pod; `epoch` guards against stale timers.
    KubeletStep(PodId, u32, KubeletStep),
    /// Status bookkeeping: a pod became available (`minReadySeconds` after Ready).
    PodAvailable(PodId),

    // --- kubelet pod lifecycle and PodGC (issue 3) ---
    /// The application in a pod changed health (a scenario action): its kubelet re-plans the
    /// pod's probes.
    AppHealthChanged(PodId),
    /// A PodGC pass (`gcCheckPeriod` = 20 s grid), queued only when terminated pods exceed
    /// `terminatedPodGCThreshold`.
    PodGcPass,
}

/// The kubelet's timed steps for one pod. `c` is the container's index in the kubelet's list
/// (init containers, then app containers, then ephemeral containers); `generation` the generation
/// of the container instance the step belongs to (a restart or kill makes older steps stale).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KubeletStep {
    /// The image pull for container `c` finished (successfully or not).
    ImagePulled(u16),
    /// Container `c` finished starting (`Started`).
    ContainerStarted(u16, u32),
    /// Container `c`'s `postStart` hook finished.
    PostStartDone(u16, u32),
    /// Container `c`'s process exited on its own (completed or crashed).
    ContainerExited(u16, u32),
    /// Container `c`'s `preStop` hook finished (or the grace period cut it short).
    PreStopDone(u16, u32),
    /// Container `c` exited after SIGTERM, or was killed (SIGKILL) at the end of its budget.
    ContainerStopped(u16, u32),
    /// A probe tick of container `c`; `u32` is the probe worker's token.
    Probe(u16, ProbeKind, u32),
    /// A probe that timed out reports its failure (`timeoutSeconds` after its tick).
    ProbeTimedOut(u16, ProbeKind, u32),
    /// The pod worker syncs again (a back-off expired, or it retries after an error).
    Resync,
}

/// Stream ids of the seeded random streams, one per component (see [`kubesim_engine::RngStreams`]).
pub mod streams {
    /// kube-scheduler (tie-breaking among the best nodes).
    pub const SCHEDULER: u64 = 1;
    /// ReplicaSet controller (pod name suffixes).
    pub const REPLICASET: u64 = 2;
    /// Scenario actions (random picks, `kubectl debug` container names).
    pub const ACTIONS: u64 = 3;
    /// Kubelets: node `i` uses stream `KUBELET_BASE + i`, so one node's draws do not shift another's.
    pub const KUBELET_BASE: u64 = 1 << 32;
}

/// The state shared by all components.
pub struct World {
    /// Simulated now.
    pub now: SimTime,
    /// The objects.
    pub cluster: Cluster,
    /// Settings.
    pub params: Params,
    /// The event queue.
    pub queue: EventQueue<Event>,
    /// What happened.
    pub trace: Trace,
    /// A `SyncWorkload` is queued for the workload.
    sync_pending: Vec<bool>,
    /// A `SchedulerKicked` is queued.
    scheduler_kicked: bool,
    /// Something changed that may make unschedulable pods schedulable (a node was updated,
    /// an assigned pod went away).
    pub scheduler_cluster_changed: bool,
    /// Pods created since the scheduler last ran that it has to queue.
    pub scheduler_new_pods: Vec<PodId>,
    /// Node objects changed since metrics were last taken.
    pub nodes_dirty: bool,
    /// The applications' faults set by scenario actions (what the kubelet's probes observe).
    pub apps: AppFaults,
    /// Container restarts since the start of the run (every `restartCount` increment).
    pub container_restarts: u64,
    /// The same, per top-level workload (by [`WorkloadId`]).
    pub workload_restarts: Vec<u64>,
    /// A `PodGcPass` is queued.
    pub podgc_pending: bool,
}

impl World {
    /// A world at t = 0.
    pub fn new(cluster: Cluster, params: Params) -> Self {
        let n = cluster.workloads.len();
        Self {
            now: SimTime::ZERO,
            cluster,
            params,
            queue: EventQueue::new(),
            trace: Trace::default(),
            sync_pending: vec![false; n],
            scheduler_kicked: false,
            scheduler_cluster_changed: false,
            scheduler_new_pods: Vec::new(),
            nodes_dirty: true,
            apps: AppFaults::default(),
            container_restarts: 0,
            workload_restarts: vec![0; n],
            podgc_pending: false,
        }
    }

    /// Schedules an event `after` from now.
    pub fn schedule(&mut self, after: SimDuration, ev: Event) {
        self.queue.schedule(self.now + after, ev);
    }

    /// Schedules an event at an absolute time (not before now).
    pub fn schedule_at(&mut self, at: SimTime, ev: Event) {
        self.queue.schedule(at.max(self.now), ev);
    }

    /// Asks the workload's controller to reconcile it (once, however often asked before it runs).
    pub fn sync_workload(&mut self, w: WorkloadId) {
        if self.sync_pending.len() <= w.index() {
            self.sync_pending.resize(w.index() + 1, false);
        }
        if !self.sync_pending[w.index()] {
            self.sync_pending[w.index()] = true;
            self.queue.schedule(self.now, Event::SyncWorkload(w));
        }
    }

    /// Called by the dispatcher when a `SyncWorkload` runs.
    pub fn workload_synced(&mut self, w: WorkloadId) {
        self.sync_pending[w.index()] = false;
    }

    /// Asks the scheduler to run.
    pub fn kick_scheduler(&mut self) {
        if !self.scheduler_kicked {
            self.scheduler_kicked = true;
            self.queue.schedule(self.now, Event::SchedulerKicked);
        }
    }

    /// Called by the dispatcher when `SchedulerKicked` runs.
    pub fn scheduler_ran(&mut self) {
        self.scheduler_kicked = false;
    }

    /// Counts a container restart of a pod (for the metrics).
    pub fn count_restart(&mut self, pod: PodId) {
        self.container_restarts += 1;
        if let Some(wid) = self.cluster.controller_of(pod) {
            let root = self.cluster.root_workload(wid);
            if self.workload_restarts.len() <= root.index() {
                self.workload_restarts.resize(root.index() + 1, 0);
            }
            self.workload_restarts[root.index()] += 1;
        }
    }

    /// Records a Kubernetes event about an object.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        event_type: EventType,
        kind: Kind,
        namespace: &str,
        name: &str,
        reason: &'static str,
        message: String,
        node: Option<NodeId>,
    ) {
        let node =
            node.map(|n| self.cluster.nodes[n.index()].meta.name.clone()).unwrap_or_default();
        self.trace.events.push(TraceEvent {
            time: self.now,
            event_type,
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
            reason,
            message,
            node,
        });
    }

    /// Records an event about a pod (with its node).
    pub fn record_pod(
        &mut self,
        pod: PodId,
        event_type: EventType,
        reason: &'static str,
        message: String,
    ) {
        let p = &self.cluster.pods[pod.index()];
        let (ns, name, node) = (p.meta.namespace.clone(), p.meta.name.clone(), p.node);
        self.record(event_type, Kind::Pod, &ns, &name, reason, message, node);
    }

    /// Records an event about a node.
    pub fn record_node(
        &mut self,
        node: NodeId,
        event_type: EventType,
        reason: &'static str,
        message: String,
    ) {
        let name = self.cluster.nodes[node.index()].meta.name.clone();
        self.record(event_type, Kind::Node, "", &name, reason, message, Some(node));
    }

    /// Records an event about a workload.
    pub fn record_workload(
        &mut self,
        w: WorkloadId,
        event_type: EventType,
        reason: &'static str,
        message: String,
    ) {
        let wl = &self.cluster.workloads[w.index()];
        let (kind, ns, name) = (wl.kind, wl.meta.namespace.clone(), wl.meta.name.clone());
        self.record(event_type, kind, &ns, &name, reason, message, None);
    }
}
