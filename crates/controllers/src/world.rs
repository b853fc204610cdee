//! The shared state every component works on: the clock, the queue, the cluster, the trace,
//! and the "watch" flags through which a change reaches the components that care about it.

use crate::apps::AppFaults;
use crate::scheduler::events::ClusterEvent;
use kubesim_engine::{EventQueue, SimDuration, SimTime};
use kubesim_model::{
    Cluster, EventType, Kind, NodeId, Params, PdbId, PodId, PodSpec, ProbeKind, Trace, WorkloadId,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

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
    /// The Deployment controller's `requeueStuckDeployment` timer: `progressDeadlineSeconds`
    /// (+1 s) after the Deployment's last progress, sync it to see whether it timed out.
    DeploymentProgressCheck(WorkloadId),
    /// The kubelet of the pod's node should look at the pod (bound, deleted, ...).
    KubeletSyncPod(PodId),
    /// A timed step of the kubelet's work on a pod; `epoch` guards against stale timers.
    KubeletStep(PodId, u32, KubeletStep),
    /// Status bookkeeping: a pod became available (`minReadySeconds` after Ready).
    PodAvailable(PodId),

    // ----- voluntary disruptions: disruption controller, drains, node pools -----
    /// The disruption controller should recompute this PDB's status (a selected pod changed,
    /// or the earliest `disruptedPods` entry expires).
    SyncPdb(PdbId),
    /// kubectl drain's 5 s `EvictErrorRetryDelay` for one pod is over: evict it again.
    DrainRetry(u32, PodId),
    /// A pod a drain waits for (`waitForDelete`) was removed from the API.
    DrainPodRemoved(u32, PodId),
    /// The drain's 1 s poll notices that the pod is gone.
    DrainPodGone(u32, PodId),
    /// The drain's `--timeout` for the node it is draining (drain, node index) expires.
    DrainTimeout(u32, u32),
    /// A drain run by a node-pool upgrade finished (the upgrade goes on).
    DrainFinished(u32),
    /// A node-pool upgrade has something due: a new node is up, or a drain timeout expires.
    UpgradeTick(u32),
    // ----- Node health: heartbeats, node lifecycle, taint eviction, PodGC, faults --------
    /// The node lifecycle controller's `monitorNodeHealth` pass. A *late* event: it runs
    /// after every other event of its instant (see [`Event::is_late`]).
    NodeMonitorPass,
    /// `doNoExecuteTaintingPass` for one zone's rate-limited queue (zone index, generation).
    NoExecuteTaintingPass(u32, u32),
    /// A kubelet's node status sync after its partition healed (node, fault generation).
    KubeletNodeStatus(NodeId, u32),
    /// The taint eviction controller hears that a node's NoExecute taints changed (or that the
    /// node was deleted).
    TaintEvictionNodeUpdate(NodeId),
    /// The taint eviction controller hears that a pod was bound to a tainted node or deleted.
    TaintEvictionPodUpdate(PodId),
    /// A scheduled taint-based deletion is due (pod, work id).
    TaintEvictionDue(PodId, u64),
    /// PodGC's periodic `gc` pass on the `gcCheckPeriod` = 20 s grid (a late event, like
    /// [`Event::NodeMonitorPass`]), queued only while it has something to collect (see
    /// [`crate::podgc`]).
    PodGcPass,
    /// The cloud node lifecycle controller's check of a node whose machine is gone.
    CloudNodeMonitor(NodeId),
    /// The end of a spot interruption notice: the machine is terminated (node, generation).
    SpotTermination(NodeId, u32),
    /// The next interruption of a rate-driven `spot-interruption` action (action index).
    SpotRateNext(u32),
    /// A graceful node shutdown's second group: the critical pods are killed (node, fault
    /// generation, their grace period in seconds).
    ShutdownCriticalPods(NodeId, u32, u32),
    /// The cluster autoscaler's loop (`RunOnce`, every `scan-interval`).
    AutoscalerScan,
    /// A node the cluster autoscaler asked for registers (node group, request id).
    AutoscalerNodeUp(u32, u32),

    // --- kubelet pod lifecycle (issue 3) ---
    /// The application in a pod changed health (a scenario action): its kubelet re-plans the
    /// pod's probes.
    AppHealthChanged(PodId),
    /// The disruption controller's `stalePodDisruptionQueue`: look at a pod's `DisruptionTarget`
    /// condition `stalePodDisruptionTimeout` after it turned True (`syncStalePodDisruption`).
    StalePodDisruption(PodId),
}

impl Event {
    /// Periodic controller passes that read the state of their instant after every other
    /// component has acted in it: the run loop holds them until nothing else is left at
    /// their instant (upstream they run after the informers have delivered what happened,
    /// and a heartbeat or status post at the very instant of a pass is seen by it).
    pub fn is_late(&self) -> bool {
        matches!(self, Self::NodeMonitorPass | Self::PodGcPass)
    }
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
    /// Node-pool upgrades (provisioning delays of new nodes).
    pub const NODE_POOLS: u64 = 60;
    /// DaemonSet controller (pod name suffixes).
    pub const DAEMONSET: u64 = 61;
    /// Cluster autoscaler (the random expander, provisioning delays of its nodes).
    pub const CLUSTER_AUTOSCALER: u64 = 62;
    /// Rate-driven spot interruptions: action `i` uses stream `SPOT_INTERRUPTIONS_BASE + i`.
    pub const SPOT_INTERRUPTIONS_BASE: u64 = 4 << 32;
    /// Node Lease renewal jitter: node `i` uses stream `LEASE_BASE + i`.
    pub const LEASE_BASE: u64 = 2 << 32;
    /// Node status sync jitter and report delays: node `i` uses stream `NODE_STATUS_BASE + i`.
    pub const NODE_STATUS_BASE: u64 = 3 << 32;
}

/// What a DaemonSet's controller must look at on its next sync (see
/// [`crate::workloads::daemonset`]): a node whose object or whose DaemonSet pods did not change
/// since the last sync is at rest (the sync left it with one active pod, or none if it is not
/// eligible), so it would do nothing there; only the others are visited.
#[derive(Debug, Default)]
pub struct DaemonSetWatch {
    /// Visit every node (the first sync, or after the template changed).
    pub all: bool,
    /// Nodes whose object changed, or one of whose DaemonSet pods changed, since the last sync.
    pub dirty: BTreeSet<NodeId>,
    /// The DaemonSet's live pods that are not bound yet (their node is their affinity's).
    pub unbound: BTreeSet<PodId>,
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
    /// Something changed that may make unschedulable pods schedulable, without details: the
    /// scheduler re-reads every node and moves every unschedulable pod. Prefer pushing a
    /// [`ClusterEvent`] to `scheduler_events` (`api.rs` does).
    pub scheduler_cluster_changed: bool,
    /// kube-scheduler: what changed since the scheduler last looked (its informers' events).
    pub scheduler_events: Vec<ClusterEvent>,
    /// Pods created since the scheduler last ran that it has to queue.
    pub scheduler_new_pods: Vec<PodId>,
    /// Node objects changed since metrics were last taken.
    pub nodes_dirty: bool,
    /// The nodes changed since metrics were last taken (see [`World::touch_node`]).
    pub nodes_touched: Vec<NodeId>,
    /// Bumped whenever a node is added or deleted (the scheduler rebuilds its node order).
    pub node_set_version: u64,
    /// A `SyncPdb` is queued for the PDB.
    pdb_sync_pending: Vec<bool>,
    /// PDBs by (namespace, name): the order in which a pod's PDBs are listed.
    pdb_order: Vec<PdbId>,
    /// Each PDB's place in `pdb_order`, by [`PdbId`].
    pdb_rank: Vec<u32>,
    /// Pods already reported as matching several PDBs (`MultiplePodDisruptionBudgets`).
    multi_pdb_reported: BTreeSet<PodId>,
    /// Events to queue when a pod is removed from the API (a drain's `waitForDelete`).
    removal_watch: BTreeMap<PodId, Vec<Event>>,
    /// Pod specs after the `DefaultTolerationSeconds` admission plugin, by the address of the
    /// template spec they came from (the original is kept alive in the value, so the address
    /// cannot be reused): pods of one template keep sharing one spec. Only looked up, never
    /// iterated.
    pub admitted_specs: HashMap<usize, (Arc<PodSpec>, Arc<PodSpec>)>,
    /// The applications' faults set by scenario actions (what the kubelet's probes observe).
    pub apps: AppFaults,
    /// Container restarts since the start of the run (every `restartCount` increment).
    pub container_restarts: u64,
    /// The same, per top-level workload (by [`WorkloadId`]).
    pub workload_restarts: Vec<u64>,
    /// When PodGC's next pass is queued (see [`crate::podgc::kick`]).
    pub podgc_next_pass: Option<SimTime>,
    /// Per DaemonSet: what changed since its last sync.
    pub daemonsets: BTreeMap<WorkloadId, DaemonSetWatch>,
    /// The scenario has autoscaling node pools: pods marked unschedulable are collected in
    /// `unschedulable_pods` for the cluster autoscaler.
    pub autoscaling: bool,
    /// Pods the scheduler marked `PodScheduled=False/Unschedulable` (collected only while
    /// `autoscaling`; the cluster autoscaler drops those no longer waiting).
    pub unschedulable_pods: BTreeSet<PodId>,
    /// Pods whose `DisruptionTarget` turned True at this instant: when the instant is settled,
    /// those not being deleted by then get the disruption controller's stale-condition check
    /// ([`crate::disruption::stale_pod_disruption_check`]); an evicted or preempted pod, deleted
    /// in the same instant, costs nothing.
    pub disruption_target_set: Vec<PodId>,
}

impl World {
    /// A world at t = 0.
    pub fn new(cluster: Cluster, params: Params) -> Self {
        let n = cluster.workloads.len();
        let mut pdb_order: Vec<PdbId> = (0..cluster.pdbs.len()).map(|i| PdbId(i as u32)).collect();
        pdb_order.sort_by(|a, b| {
            let (x, y) = (&cluster.pdbs[a.index()].meta, &cluster.pdbs[b.index()].meta);
            (&x.namespace, &x.name).cmp(&(&y.namespace, &y.name))
        });
        let daemonsets = (0..n)
            .filter(|&i| cluster.workloads[i].kind == Kind::DaemonSet)
            .map(|i| (WorkloadId(i as u32), DaemonSetWatch { all: true, ..Default::default() }))
            .collect();
        let pdbs = cluster.pdbs.len();
        let mut pdb_rank = vec![0; pdbs];
        for (rank, id) in pdb_order.iter().enumerate() {
            pdb_rank[id.index()] = rank as u32;
        }
        Self {
            now: SimTime::ZERO,
            cluster,
            params,
            queue: EventQueue::new(),
            trace: Trace::default(),
            sync_pending: vec![false; n],
            scheduler_kicked: false,
            scheduler_cluster_changed: false,
            scheduler_events: Vec::new(),
            scheduler_new_pods: Vec::new(),
            nodes_dirty: true,
            nodes_touched: Vec::new(),
            admitted_specs: HashMap::new(),
            node_set_version: 0,
            pdb_sync_pending: vec![false; pdbs],
            pdb_order,
            pdb_rank,
            multi_pdb_reported: BTreeSet::new(),
            removal_watch: BTreeMap::new(),
            apps: AppFaults::default(),
            container_restarts: 0,
            workload_restarts: vec![0; n],
            podgc_next_pass: None,
            autoscaling: false,
            unschedulable_pods: BTreeSet::new(),
            daemonsets,
            disruption_target_set: Vec::new(),
        }
    }

    /// Asks the disruption controller to recompute a PDB (once, however often asked before it
    /// runs).
    pub fn sync_pdb(&mut self, pdb: PdbId) {
        if !self.pdb_sync_pending[pdb.index()] {
            self.pdb_sync_pending[pdb.index()] = true;
            self.queue.schedule(self.now, Event::SyncPdb(pdb));
        }
    }

    /// Called by the dispatcher when a `SyncPdb` runs.
    pub fn pdb_synced(&mut self, pdb: PdbId) {
        self.pdb_sync_pending[pdb.index()] = false;
    }

    /// PDBs by (namespace, name).
    pub fn pdbs_in_order(&self) -> &[PdbId] {
        &self.pdb_order
    }

    /// A PDB's place in [`World::pdbs_in_order`].
    pub fn pdb_rank(&self, pdb: PdbId) -> u32 {
        self.pdb_rank[pdb.index()]
    }

    /// The PDBs the Eviction API and the disruption controller's `getPdbForPod` consider for
    /// a pod: those of its namespace whose selector matches (an empty one every pod, a null one
    /// none: [`kubesim_model::Pdb::selects`]), in
    /// listing order (namespace, name). Read from the cluster's pod → PDB index, so it costs
    /// the pod's few PDBs, not a pass over every PDB.
    pub fn matching_pdbs(&self, pod: PodId) -> Vec<PdbId> {
        let labels = &self.cluster.pods[pod.index()].meta.labels;
        let mut ids: Vec<PdbId> = self
            .cluster
            .pdbs_of_pod(pod)
            .iter()
            .copied()
            .filter(|&id| self.cluster.pdbs[id.index()].selects(labels))
            .collect();
        ids.sort_by_key(|&id| self.pdb_rank(id));
        ids
    }

    /// Marks a pod as reported for matching several PDBs; false if it already was.
    pub fn report_multiple_pdbs(&mut self, pod: PodId) -> bool {
        self.multi_pdb_reported.insert(pod)
    }

    /// Queues `ev` (at that instant) when `pod` is removed from the API.
    pub fn watch_removal(&mut self, pod: PodId, ev: Event) {
        self.removal_watch.entry(pod).or_default().push(ev);
    }

    /// The events waiting for `pod`'s removal (taken: each fires once).
    pub fn take_removal_watchers(&mut self, pod: PodId) -> Vec<Event> {
        self.removal_watch.remove(&pod).unwrap_or_default()
    }

    /// A node's object changed in a way the node metrics may count (readiness, cordon,
    /// taints, addition, deletion): they recount it at the end of the instant.
    pub fn touch_node(&mut self, node: NodeId) {
        self.nodes_dirty = true;
        self.nodes_touched.push(node);
    }

    /// A node object changed (added, deleted, labels, taints, ...): every DaemonSet looks at it
    /// again on its next sync.
    pub fn node_changed(&mut self, node: NodeId) {
        for d in self.daemonsets.values_mut() {
            d.dirty.insert(node);
        }
    }

    /// A pod of DaemonSet `ds` changed: its node (bound, or named by its affinity) is looked
    /// at again on the next sync.
    pub fn daemonset_pod_changed(&mut self, ds: WorkloadId, pod: PodId) {
        let target = crate::workloads::daemonset::target_node(self, pod);
        let p = &self.cluster.pods[pod.index()];
        let unbound = p.removed.is_none() && p.node.is_none();
        let bound = p.node;
        let d = self.daemonsets.entry(ds).or_default();
        d.dirty.extend(bound);
        d.dirty.extend(target);
        if unbound {
            d.unbound.insert(pod);
        } else {
            d.unbound.remove(&pod);
        }
    }

    /// Asks every DaemonSet controller to reconcile (the set of nodes changed).
    pub fn sync_daemonsets(&mut self) {
        let ids: Vec<WorkloadId> = (0..self.cluster.workloads.len())
            .map(|i| WorkloadId(i as u32))
            .filter(|w| self.cluster.workloads[w.index()].kind == Kind::DaemonSet)
            .collect();
        for id in ids {
            self.sync_workload(id);
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
        let node = node.map_or("", |n| self.cluster.nodes[n.index()].meta.name.as_str());
        self.trace
            .events
            .record(self.now, event_type, kind, namespace, name, reason, &message, node);
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
        let node = p.node.map_or("", |n| self.cluster.nodes[n.index()].meta.name.as_str());
        let (ns, name) = (p.meta.namespace.as_str(), p.meta.name.as_str());
        self.trace.events.record(self.now, event_type, Kind::Pod, ns, name, reason, &message, node);
    }

    /// Records an event about a node.
    pub fn record_node(
        &mut self,
        node: NodeId,
        event_type: EventType,
        reason: &'static str,
        message: String,
    ) {
        let name = self.cluster.nodes[node.index()].meta.name.as_str();
        self.trace.events.record(
            self.now,
            event_type,
            Kind::Node,
            "",
            name,
            reason,
            &message,
            name,
        );
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
        let (kind, ns, name) = (wl.kind, wl.meta.namespace.as_str(), wl.meta.name.as_str());
        self.trace.events.record(self.now, event_type, kind, ns, name, reason, &message, "");
    }
}
