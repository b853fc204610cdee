//! The object store: every object in a vector, referred to by a small id, with the indexes
//! the controllers need kept up to date on each change.
//!
//! Objects are never moved or reused: a deleted pod keeps its slot (with `removed` set) so
//! that ids stay valid in the trace. All indexes are ordered (`BTreeMap`/`BTreeSet`), so any
//! iteration is deterministic.

use crate::behaviour::Behaviour;
use crate::meta::{Kind, NodeId, PdbId, PodId, WorkloadId};
use crate::node::{CondStatus, Node};
use crate::nodepool::NodePool;
use crate::pdb::Pdb;
use crate::pod::{Pod, PodConditionType, PodPhase};
use crate::resources::Resources;
use crate::scheduling::PriorityClass;
use crate::workload::Workload;
use kubesim_engine::SimTime;
use std::collections::{BTreeMap, BTreeSet};

/// Counts over the live pods one PDB selects, kept by ±1 on every pod change so that the
/// disruption controller's sync does not walk the pods (issue 11). What they stand for is the
/// upstream sync's (`pkg/controller/disruption/disruption.go`): `healthy` is
/// `countHealthyPods` before `disruptedPods` are discounted, and `scale_owners`, `unmanaged`
/// and `unscalable` are what `getExpectedScale` finds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PdbCounts {
    /// Selected pods without a deletionTimestamp whose `Ready` condition is True.
    pub healthy: u32,
    /// Selected pods per controller with a scale subresource: a ReplicaSet owned by a
    /// Deployment counts as the Deployment; a standalone ReplicaSet or a StatefulSet as itself.
    pub scale_owners: BTreeMap<WorkloadId, u32>,
    /// Selected pods without a controller reference.
    pub unmanaged: u32,
    /// Selected pods whose controller is not in the cluster or has no scale subresource (a
    /// DaemonSet): `getExpectedScale` fails on them.
    pub unscalable: u32,
}

/// Counts over the live pods one workload controls, kept by ±1 on every pod change (the
/// ReplicaSet controller's `calculateStatus` without a walk over the pods).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkloadCounts {
    /// Active pods (`IsPodActive`: not terminal, no deletionTimestamp).
    pub active: u32,
    /// Active pods whose `Ready` condition is True.
    pub active_ready: u32,
    /// Active Ready pods by when they became Ready (for `minReadySeconds`).
    ready_since: BTreeSet<(SimTime, PodId)>,
}

impl WorkloadCounts {
    /// Active pods available at `now` ([`Pod::is_available`]): Ready since at least
    /// `min_ready_seconds`. Costs O(log n + pods Ready for less than `min_ready_seconds`).
    pub fn available(&self, now: SimTime, min_ready_seconds: u64) -> u32 {
        let window = min_ready_seconds.saturating_mul(1000);
        let recent = match now.0.checked_sub(window) {
            // Ready after `now - window`: not yet available.
            Some(cutoff) => self.ready_since.range((SimTime(cutoff + 1), PodId(0))..).count(),
            None => self.ready_since.len(),
        };
        (self.ready_since.len() - recent) as u32
    }
}

/// What the kept counts of a pod depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PodFlags {
    /// Counted at all: the pod exists in the API.
    live: bool,
    /// `IsPodActive`.
    active: bool,
    /// No deletionTimestamp.
    not_terminating: bool,
    /// `Ready=True`.
    ready: bool,
    /// When it became Ready.
    ready_since: Option<SimTime>,
}

impl PodFlags {
    fn of(p: &Pod) -> Self {
        Self {
            live: p.removed.is_none(),
            active: p.is_active(),
            not_terminating: p.meta.deletion.is_none(),
            ready: p.is_ready(),
            ready_since: p.ready_since,
        }
    }
}

/// How a pod counts in `getExpectedScale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScaleClass {
    Owner(WorkloadId),
    Unmanaged,
    Unscalable,
}

/// The id of an image name, given a new one if it has none.
fn intern(ids: &mut BTreeMap<String, u32>, image: &str) -> u32 {
    if let Some(&id) = ids.get(image) {
        return id;
    }
    let id = ids.len() as u32;
    ids.insert(image.to_string(), id);
    id
}

/// Sets bit `id` of a growable bit set.
fn set_bit(bits: &mut Vec<u64>, id: u32) {
    let word = id as usize / 64;
    if bits.len() <= word {
        bits.resize(word + 1, 0);
    }
    bits[word] |= 1 << (id % 64);
}

/// The cluster's objects and their indexes.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    /// Nodes, by [`NodeId`].
    pub nodes: Vec<Node>,
    /// Pods, by [`PodId`], including removed ones.
    pub pods: Vec<Pod>,
    /// Workloads, by [`WorkloadId`].
    pub workloads: Vec<Workload>,
    /// PodDisruptionBudgets, by [`PdbId`].
    pub pdbs: Vec<Pdb>,
    /// Timings per workload ([`crate::behaviour::BehaviourId`]); index 0 is the default.
    pub behaviours: Vec<Behaviour>,
    /// PriorityClasses of the scenario (the built-in system classes are not listed).
    pub priority_classes: Vec<PriorityClass>,
    /// Image sizes in bytes (`status.images[].sizeBytes` of `kind: Node` manifests), by name.
    pub image_sizes: BTreeMap<String, u64>,
    /// Node pools, in scenario order (the nodes they made are in [`Cluster::nodes`]).
    pub pools: Vec<NodePool>,
    /// Live pods each PDB's selector selects (the disruption controller's `getPodsForPdb`).
    pdb_pods: Vec<BTreeSet<PodId>>,
    /// Per PDB: counts over the pods of `pdb_pods`, kept on every pod change.
    pdb_counts: Vec<PdbCounts>,
    /// The PDBs whose selector selects each pod, by [`PodId`], in id order. Kept after the
    /// pod is removed (labels are immutable), so a removal can still be told to its PDB.
    pod_pdbs: Vec<Box<[PdbId]>>,
    /// Per workload: counts over the live pods it controls, kept on every pod change.
    workload_counts: Vec<WorkloadCounts>,
    /// The controlling workload of each pod, by [`PodId`].
    pod_controller: Vec<Option<WorkloadId>>,
    node_by_name: BTreeMap<String, NodeId>,
    pod_by_name: BTreeMap<(String, String), PodId>,
    workload_by_name: BTreeMap<(Kind, String, String), WorkloadId>,
    /// Live pods bound to each node.
    node_pods: Vec<BTreeSet<PodId>>,
    /// Sum of the requests of live, non-terminal pods bound to each node.
    node_requested: Vec<Resources>,
    /// The same with the scheduler's non-zero defaults ([`crate::PodSpec::nonzero_requests`]).
    node_nonzero_requested: Vec<Resources>,
    /// How many live nodes hold each image (the scheduler's `ImageStateSummary.NumNodes`).
    image_num_nodes: BTreeMap<String, u32>,
    /// Live nodes per node pool (`Node::pool`).
    pool_live_nodes: BTreeMap<String, u32>,
    /// Image names interned to small ids, for [`Cluster::node_has_image`].
    image_ids: BTreeMap<String, u32>,
    /// Per node: the ids of the images it holds, as a bit set (kept with `Node::images`).
    node_image_bits: Vec<Vec<u64>>,
    /// Live pods controlled by each workload.
    workload_pods: Vec<BTreeSet<PodId>>,
    /// Live pods per phase (indexed by `PodPhase as usize`).
    phase_counts: [u64; 5],
    /// Live pods with a deletion timestamp.
    terminating: u64,
    next_uid: u64,
}

impl Cluster {
    /// An empty cluster with the default behaviour at index 0.
    pub fn new() -> Self {
        Self { behaviours: vec![Behaviour::default()], ..Self::default() }
    }

    /// A fresh, deterministic uid (`00000000-0000-4000-8000-<12 hex digits>`).
    pub fn new_uid(&mut self) -> String {
        self.next_uid += 1;
        format!("00000000-0000-4000-8000-{:012x}", self.next_uid)
    }

    /// Adds a node. The caller checks that the name is unique.
    pub fn add_node(&mut self, node: Node) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.node_by_name.insert(node.meta.name.clone(), id);
        let mut bits = Vec::new();
        for image in &node.images {
            *self.image_num_nodes.entry(image.clone()).or_default() += 1;
            set_bit(&mut bits, intern(&mut self.image_ids, image));
        }
        self.node_image_bits.push(bits);
        if let Some(pool) = &node.pool {
            *self.pool_live_nodes.entry(pool.clone()).or_default() += 1;
        }
        self.nodes.push(node);
        self.node_pods.push(BTreeSet::new());
        self.node_requested.push(Resources::default());
        self.node_nonzero_requested.push(Resources::default());
        id
    }

    /// Records that a node now holds an image (the kubelet pulled it).
    pub fn add_node_image(&mut self, node: NodeId, image: &str) {
        let n = &mut self.nodes[node.index()];
        if n.images.insert(image.to_string()) {
            if n.removed.is_none() {
                *self.image_num_nodes.entry(image.to_string()).or_default() += 1;
            }
            let id = intern(&mut self.image_ids, image);
            set_bit(&mut self.node_image_bits[node.index()], id);
        }
    }

    /// The id of an image name some node holds or held ([`Cluster::node_has_image`]).
    pub fn image_id(&self, image: &str) -> Option<u32> {
        self.image_ids.get(image).copied()
    }

    /// Whether a node holds the image of this id: `Node::images` as a bit test, for the
    /// scheduler's ImageLocality score, which asks it for hundreds of nodes per pod.
    pub fn node_has_image(&self, node: NodeId, image: u32) -> bool {
        let bits = &self.node_image_bits[node.index()];
        bits.get(image as usize / 64).is_some_and(|w| w >> (image % 64) & 1 == 1)
    }

    /// How many live nodes belong to a node pool.
    pub fn live_nodes_in_pool(&self, pool: &str) -> u32 {
        self.pool_live_nodes.get(pool).copied().unwrap_or(0)
    }

    /// How many live nodes hold an image.
    pub fn image_num_nodes(&self, image: &str) -> u32 {
        self.image_num_nodes.get(image).copied().unwrap_or(0)
    }

    /// Marks a node removed (the Node object is deleted); its pods stay bound until they go.
    pub fn remove_node(&mut self, id: NodeId, now: SimTime) {
        let node = &mut self.nodes[id.index()];
        if node.removed.is_none() {
            node.removed = Some(now);
            self.node_by_name.remove(&node.meta.name);
            if let Some(c) = node.pool.as_ref().and_then(|p| self.pool_live_nodes.get_mut(p)) {
                *c -= 1;
            }
            for image in &node.images {
                if let Some(c) = self.image_num_nodes.get_mut(image) {
                    *c -= 1;
                }
            }
        }
    }

    /// Adds a workload. The caller checks that the name is unique for the kind.
    pub fn add_workload(&mut self, w: Workload) -> WorkloadId {
        let id = WorkloadId(self.workloads.len() as u32);
        self.workload_by_name.insert((w.kind, w.meta.namespace.clone(), w.meta.name.clone()), id);
        self.workloads.push(w);
        self.workload_pods.push(BTreeSet::new());
        self.workload_counts.push(WorkloadCounts::default());
        id
    }

    /// Adds a PDB, indexing the live pods its selector selects.
    pub fn add_pdb(&mut self, p: Pdb) -> PdbId {
        let id = PdbId(self.pdbs.len() as u32);
        // Every pod, removed ones included (see `pod_pdbs`); the counts take the live ones.
        let selected: Vec<PodId> = (0..self.pods.len())
            .map(|i| PodId(i as u32))
            .filter(|&q| {
                let pod = &self.pods[q.index()];
                pod.meta.namespace == p.meta.namespace && p.selects(&pod.meta.labels)
            })
            .collect();
        self.pdbs.push(p);
        self.pdb_pods.push(BTreeSet::new());
        self.pdb_counts.push(PdbCounts::default());
        for q in selected {
            let list = &mut self.pod_pdbs[q.index()];
            *list = list.iter().copied().chain([id]).collect();
            if self.pods[q.index()].removed.is_none() {
                self.pdb_pods[id.index()].insert(q);
            }
        }
        self.pdb_counts[id.index()] = self.recount_pdb(id);
        id
    }

    /// The kept counts over a PDB's selected pods.
    pub fn pdb_counts(&self, pdb: PdbId) -> &PdbCounts {
        &self.pdb_counts[pdb.index()]
    }

    /// The PDBs whose selector selects a pod (in id order), also after the pod was removed.
    pub fn pdbs_of_pod(&self, pod: PodId) -> &[PdbId] {
        &self.pod_pdbs[pod.index()]
    }

    /// The kept counts over a workload's pods.
    pub fn workload_counts(&self, workload: WorkloadId) -> &WorkloadCounts {
        &self.workload_counts[workload.index()]
    }

    /// [`Cluster::pdb_counts`] computed from scratch over the PDB's pods (for checks).
    pub fn recount_pdb(&self, pdb: PdbId) -> PdbCounts {
        let mut c = PdbCounts::default();
        for &q in &self.pdb_pods[pdb.index()] {
            let f = PodFlags::of(&self.pods[q.index()]);
            if f.live && f.not_terminating && f.ready {
                c.healthy += 1;
            }
            match self.scale_class(q) {
                ScaleClass::Owner(w) => *c.scale_owners.entry(w).or_default() += 1,
                ScaleClass::Unmanaged => c.unmanaged += 1,
                ScaleClass::Unscalable => c.unscalable += 1,
            }
        }
        c
    }

    /// [`Cluster::workload_counts`] computed from scratch over the workload's pods (for
    /// checks).
    pub fn recount_workload(&self, workload: WorkloadId) -> WorkloadCounts {
        let mut c = WorkloadCounts::default();
        for &q in &self.workload_pods[workload.index()] {
            Self::count_in(&mut c, q, PodFlags::of(&self.pods[q.index()]), true);
        }
        c
    }

    /// How a pod counts in `getExpectedScale`.
    fn scale_class(&self, pod: PodId) -> ScaleClass {
        if self.pods[pod.index()].meta.owner.is_none() {
            return ScaleClass::Unmanaged;
        }
        let Some(wid) = self.pod_controller[pod.index()] else {
            return ScaleClass::Unscalable;
        };
        let root = match self.workloads[wid.index()].owner {
            Some(d) if self.workloads[d.index()].kind == Kind::Deployment => d,
            _ => wid,
        };
        match self.workloads[root.index()].kind {
            Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet => ScaleClass::Owner(root),
            _ => ScaleClass::Unscalable,
        }
    }

    /// Adds (or takes back) a live pod's part in its PDBs' scale counts.
    fn count_scale(&mut self, pod: PodId, add: bool) {
        if self.pod_pdbs[pod.index()].is_empty() {
            return;
        }
        let class = self.scale_class(pod);
        for &pdb in self.pod_pdbs[pod.index()].iter() {
            let c = &mut self.pdb_counts[pdb.index()];
            let n = match class {
                ScaleClass::Owner(w) => c.scale_owners.entry(w).or_default(),
                ScaleClass::Unmanaged => &mut c.unmanaged,
                ScaleClass::Unscalable => &mut c.unscalable,
            };
            if add {
                *n += 1;
            } else {
                *n -= 1;
                if let ScaleClass::Owner(w) = class
                    && *n == 0
                {
                    c.scale_owners.remove(&w);
                }
            }
        }
    }

    /// Adds (or takes back) a pod's part in a workload's counts.
    fn count_in(c: &mut WorkloadCounts, pod: PodId, f: PodFlags, add: bool) {
        if !f.active {
            return;
        }
        let step = |n: &mut u32| if add { *n += 1 } else { *n -= 1 };
        step(&mut c.active);
        if f.ready {
            step(&mut c.active_ready);
            if let Some(t) = f.ready_since {
                if add {
                    c.ready_since.insert((t, pod));
                } else {
                    c.ready_since.remove(&(t, pod));
                }
            }
        }
    }

    /// Adds (or takes back) a pod's part, as `f` describes it, in the counts of its PDBs and
    /// controller.
    fn count_flags(&mut self, pod: PodId, f: PodFlags, add: bool) {
        if !f.live {
            return;
        }
        if f.not_terminating && f.ready {
            for &pdb in self.pod_pdbs[pod.index()].iter() {
                let h = &mut self.pdb_counts[pdb.index()].healthy;
                if add {
                    *h += 1;
                } else {
                    *h -= 1;
                }
            }
        }
        if let Some(w) = self.pod_controller[pod.index()] {
            Self::count_in(&mut self.workload_counts[w.index()], pod, f, add);
        }
    }

    /// Moves a pod's part in the kept counts from what `before` describes to what it is now.
    fn recount(&mut self, pod: PodId, before: PodFlags) {
        let after = PodFlags::of(&self.pods[pod.index()]);
        if after != before {
            self.count_flags(pod, before, false);
            self.count_flags(pod, after, true);
        }
    }

    /// Sets a pod condition ([`crate::PodStatus::set_condition`]); a change of `Ready` also
    /// sets `ready_since` (now when it turns True, None otherwise). Returns whether the status
    /// changed.
    pub fn set_pod_condition(
        &mut self,
        pod: PodId,
        t: PodConditionType,
        status: CondStatus,
        now: SimTime,
        reason: &str,
        message: &str,
    ) -> bool {
        let before = PodFlags::of(&self.pods[pod.index()]);
        let p = &mut self.pods[pod.index()];
        if !p.status.set_condition(t, status, now, reason, message) {
            return false;
        }
        if t == PodConditionType::Ready {
            p.ready_since = (status == CondStatus::True).then_some(now);
        }
        self.recount(pod, before);
        true
    }

    /// Live pods a PDB selects (labels are immutable in kubesim, so this is kept on pod
    /// creation and removal), in id order.
    pub fn pods_of_pdb(&self, pdb: PdbId) -> &BTreeSet<PodId> {
        &self.pdb_pods[pdb.index()]
    }

    /// The node pool of this name, if any.
    pub fn pool_by_name(&self, name: &str) -> Option<usize> {
        self.pools.iter().position(|p| p.name == name)
    }

    /// Adds a pod controlled by `controller` (if any). If it is already bound (`pod.node`),
    /// it is accounted on that node.
    pub fn add_pod(&mut self, pod: Pod, controller: Option<WorkloadId>) -> PodId {
        let id = PodId(self.pods.len() as u32);
        self.pod_by_name.insert((pod.meta.namespace.clone(), pod.meta.name.clone()), id);
        if let Some(w) = controller {
            self.workload_pods[w.index()].insert(id);
        }
        let node = pod.node;
        self.phase_counts[pod.status.phase as usize] += 1;
        if pod.meta.deletion.is_some() {
            self.terminating += 1;
        }
        let mut pdbs = Vec::new();
        for (i, pdb) in self.pdbs.iter().enumerate() {
            if pdb.meta.namespace == pod.meta.namespace && pdb.selects(&pod.meta.labels) {
                pdbs.push(PdbId(i as u32));
                if pod.removed.is_none() {
                    self.pdb_pods[i].insert(id);
                }
            }
        }
        let flags = PodFlags::of(&pod);
        self.pods.push(pod);
        self.pod_controller.push(controller);
        self.pod_pdbs.push(pdbs.into_boxed_slice());
        if flags.live {
            self.count_scale(id, true);
        }
        self.count_flags(id, flags, true);
        if let Some(n) = node {
            self.account_bind(id, n);
        }
        id
    }

    fn account_bind(&mut self, pod: PodId, node: NodeId) {
        self.node_pods[node.index()].insert(pod);
        let p = &self.pods[pod.index()];
        if !p.status.phase.is_terminal() {
            self.node_requested[node.index()] += p.spec.requests();
            self.node_nonzero_requested[node.index()] += p.spec.nonzero_requests();
        }
    }

    /// Binds a pending pod to a node (`spec.nodeName`).
    pub fn bind(&mut self, pod: PodId, node: NodeId) {
        debug_assert!(self.pods[pod.index()].node.is_none());
        self.pods[pod.index()].node = Some(node);
        self.account_bind(pod, node);
    }

    /// Sets a pod's phase, releasing its node resources when it becomes terminal.
    pub fn set_phase(&mut self, pod: PodId, phase: PodPhase) {
        let before = PodFlags::of(&self.pods[pod.index()]);
        let p = &mut self.pods[pod.index()];
        let was_terminal = p.status.phase.is_terminal();
        if p.removed.is_none() {
            self.phase_counts[p.status.phase as usize] -= 1;
            self.phase_counts[phase as usize] += 1;
        }
        p.status.phase = phase;
        if let (Some(n), false, true) = (p.node, was_terminal, phase.is_terminal()) {
            self.node_requested[n.index()] -= p.spec.requests();
            self.node_nonzero_requested[n.index()] -= p.spec.nonzero_requests();
        }
        self.recount(pod, before);
    }

    /// Removes a pod from the API (the slot stays, with `removed` set).
    pub fn remove_pod(&mut self, pod: PodId, now: SimTime) {
        if self.pods[pod.index()].removed.is_some() {
            return;
        }
        let before = PodFlags::of(&self.pods[pod.index()]);
        self.count_scale(pod, false);
        let p = &mut self.pods[pod.index()];
        p.removed = Some(now);
        self.phase_counts[p.status.phase as usize] -= 1;
        if p.meta.deletion.is_some() {
            self.terminating -= 1;
        }
        self.pod_by_name.remove(&(p.meta.namespace.clone(), p.meta.name.clone()));
        if let Some(n) = p.node {
            self.node_pods[n.index()].remove(&pod);
            if !p.status.phase.is_terminal() {
                self.node_requested[n.index()] -= p.spec.requests();
                self.node_nonzero_requested[n.index()] -= p.spec.nonzero_requests();
            }
        }
        if let Some(w) = self.pod_controller[pod.index()] {
            self.workload_pods[w.index()].remove(&pod);
        }
        for &pdb in self.pod_pdbs[pod.index()].iter() {
            self.pdb_pods[pdb.index()].remove(&pod);
        }
        self.recount(pod, before);
    }

    /// Sets a pod's `deletionTimestamp` and `deletionGracePeriodSeconds` (the start of a
    /// graceful deletion, or a shorter grace period for one already started).
    pub fn set_deletion(&mut self, pod: PodId, at: SimTime, grace_seconds: u64) {
        let before = PodFlags::of(&self.pods[pod.index()]);
        let p = &mut self.pods[pod.index()];
        if p.meta.deletion.is_none() && p.removed.is_none() {
            self.terminating += 1;
        }
        p.meta.deletion = Some(at);
        p.meta.deletion_grace_seconds = Some(grace_seconds);
        self.recount(pod, before);
    }

    /// Clears a pod's deletion timestamp and grace period, keeping the counts: for a pod the
    /// scenario loaded as Terminating, whose deletion the simulation then starts afresh at
    /// t = 0 (`api::start_dump_deletions`).
    pub fn clear_deletion(&mut self, pod: PodId) {
        let before = PodFlags::of(&self.pods[pod.index()]);
        let p = &mut self.pods[pod.index()];
        if p.meta.deletion.is_some() && p.removed.is_none() {
            self.terminating -= 1;
        }
        p.meta.deletion = None;
        p.meta.deletion_grace_seconds = None;
        self.recount(pod, before);
    }

    /// Number of live pods in phase Pending.
    pub fn pending_pods(&self) -> u64 {
        self.phase_counts[PodPhase::Pending as usize]
    }

    /// Number of live pods in a phase.
    pub fn pods_in_phase(&self, phase: PodPhase) -> u64 {
        self.phase_counts[phase as usize]
    }

    /// Number of live pods that are terminating (have a deletion timestamp).
    pub fn terminating_pods(&self) -> u64 {
        self.terminating
    }

    /// The node of this name, if it exists.
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.node_by_name.get(name).copied()
    }

    /// The live pod of this namespace and name, if it exists.
    pub fn pod_by_name(&self, namespace: &str, name: &str) -> Option<PodId> {
        self.pod_by_name.get(&(namespace.to_string(), name.to_string())).copied()
    }

    /// The workload of this kind, namespace and name, if it exists.
    pub fn workload_by_name(&self, kind: Kind, namespace: &str, name: &str) -> Option<WorkloadId> {
        self.workload_by_name.get(&(kind, namespace.to_string(), name.to_string())).copied()
    }

    /// The controlling workload of a pod.
    pub fn controller_of(&self, pod: PodId) -> Option<WorkloadId> {
        self.pod_controller[pod.index()]
    }

    /// Live pods bound to a node, in id order.
    pub fn pods_on_node(&self, node: NodeId) -> &BTreeSet<PodId> {
        &self.node_pods[node.index()]
    }

    /// Sum of the requests (and count, in `pods`) of live, non-terminal pods bound to a node.
    pub fn requested_on_node(&self, node: NodeId) -> Resources {
        self.node_requested[node.index()]
    }

    /// Sum of the non-zero requests ([`crate::PodSpec::nonzero_requests`]) of live,
    /// non-terminal pods bound to a node: what the scheduler's scores count as requested.
    pub fn nonzero_requested_on_node(&self, node: NodeId) -> Resources {
        self.node_nonzero_requested[node.index()]
    }

    /// Live pods controlled by a workload, in id order.
    pub fn pods_of(&self, workload: WorkloadId) -> &BTreeSet<PodId> {
        &self.workload_pods[workload.index()]
    }

    /// Live pods, in id order.
    pub fn live_pods(&self) -> impl Iterator<Item = PodId> + '_ {
        self.pods
            .iter()
            .enumerate()
            .filter(|(_, p)| p.removed.is_none())
            .map(|(i, _)| PodId(i as u32))
    }

    /// Nodes that exist (not removed), in id order.
    pub fn live_nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.removed.is_none())
            .map(|(i, _)| NodeId(i as u32))
    }

    /// The top-level workload of a workload (a ReplicaSet's Deployment, or itself).
    pub fn root_workload(&self, mut w: WorkloadId) -> WorkloadId {
        while let Some(o) = self.workloads[w.index()].owner {
            w = o;
        }
        w
    }

    /// Workloads that are not owned by another workload, in id order.
    pub fn top_level_workloads(&self) -> impl Iterator<Item = WorkloadId> + '_ {
        self.workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| w.owner.is_none())
            .map(|(i, _)| WorkloadId(i as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{PdbBuilder, SpecBuilder, WorkloadBuilder};
    use crate::labels::LabelSelector;
    use crate::meta::{Meta, OwnerRef};
    use crate::pod::PodStatus;
    use crate::workload::IntOrPercent;
    use std::sync::Arc;

    fn pod(name: &str, app: &str, owner: Option<(Kind, &str)>) -> Pod {
        Pod {
            meta: Meta {
                name: name.into(),
                namespace: "default".into(),
                labels: [("app".to_string(), app.to_string())].into(),
                owner: owner.map(|(kind, n)| OwnerRef {
                    kind: kind.into(),
                    name: n.into(),
                    uid: n.into(),
                }),
                ..Meta::default()
            },
            spec: Arc::new(SpecBuilder::new().build()),
            node: None,
            status: PodStatus::default(),
            ready_since: None,
            removed: None,
            behaviour: Default::default(),
            ephemeral_containers: Vec::new(),
        }
    }

    /// The counts computed the slow way, from every pod object (not from the kept sets).
    fn brute(c: &Cluster) -> (Vec<PdbCounts>, Vec<WorkloadCounts>) {
        let mut pdbs = vec![PdbCounts::default(); c.pdbs.len()];
        let mut wls = vec![WorkloadCounts::default(); c.workloads.len()];
        for (i, p) in c.pods.iter().enumerate() {
            let id = PodId(i as u32);
            if p.removed.is_some() {
                continue;
            }
            for (j, b) in c.pdbs.iter().enumerate() {
                if b.meta.namespace != p.meta.namespace || !b.selects(&p.meta.labels) {
                    continue;
                }
                let k = &mut pdbs[j];
                if p.meta.deletion.is_none() && p.is_ready() {
                    k.healthy += 1;
                }
                match c.scale_class(id) {
                    ScaleClass::Owner(w) => *k.scale_owners.entry(w).or_default() += 1,
                    ScaleClass::Unmanaged => k.unmanaged += 1,
                    ScaleClass::Unscalable => k.unscalable += 1,
                }
            }
            if let Some(w) = c.controller_of(id)
                && p.is_active()
            {
                let k = &mut wls[w.index()];
                k.active += 1;
                if p.is_ready() {
                    k.active_ready += 1;
                    if let Some(t) = p.ready_since {
                        k.ready_since.insert((t, id));
                    }
                }
            }
        }
        (pdbs, wls)
    }

    /// A random walk of pod changes: after each one, the kept counts equal a full recount.
    #[test]
    fn kept_counts_match_a_full_recount_after_every_change() {
        let mut c = Cluster::new();
        let d = c.add_workload(
            WorkloadBuilder::deployment("web", 3, SpecBuilder::new().build()).build(),
        );
        let mut rs = WorkloadBuilder::deployment("web-abc", 3, SpecBuilder::new().build()).build();
        rs.kind = Kind::ReplicaSet;
        rs.spec = crate::workload::WorkloadSpec::ReplicaSet { template_hash: None };
        rs.owner = Some(d);
        let rs = c.add_workload(rs);
        let ds =
            c.add_workload(WorkloadBuilder::daemonset("agent", SpecBuilder::new().build()).build());
        c.add_pdb(PdbBuilder::new("web", "web").max_unavailable(IntOrPercent::Int(1)).build());
        // Added before any pod, and after some (below): both paths index the pods.
        let mut all = PdbBuilder::new("all", "x").min_available(IntOrPercent::Int(1)).build();
        all.selector = Some(LabelSelector::default());
        c.add_pdb(all);
        let owners = [
            (Some(rs), Some((Kind::ReplicaSet, "web-abc")), "web"),
            (Some(ds), Some((Kind::DaemonSet, "agent")), "agent"),
            (None, None, "web"),
            (None, Some((Kind::ReplicaSet, "gone")), "web"),
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut made = 0;
        for step in 0..3000u64 {
            let now = SimTime(step * 1000);
            if c.pods.is_empty() || next(5) == 0 {
                let (ctl, owner, app) = owners[next(owners.len() as u64) as usize];
                c.add_pod(pod(&format!("p{made}"), app, owner), ctl);
                made += 1;
            } else {
                let p = PodId(next(c.pods.len() as u64) as u32);
                match next(6) {
                    0 | 1 => {
                        let st = if next(2) == 0 { CondStatus::True } else { CondStatus::False };
                        c.set_pod_condition(p, PodConditionType::Ready, st, now, "", "");
                    }
                    2 => {
                        let ph = [PodPhase::Pending, PodPhase::Running, PodPhase::Succeeded]
                            [next(3) as usize];
                        c.set_phase(p, ph);
                    }
                    3 => c.set_deletion(p, now, 30),
                    4 => c.remove_pod(p, now),
                    _ => {
                        c.set_pod_condition(
                            p,
                            PodConditionType::PodScheduled,
                            CondStatus::True,
                            now,
                            "",
                            "",
                        );
                    }
                }
            }
            if step == 1500 {
                c.add_pdb(
                    PdbBuilder::new("late", "web").min_available(IntOrPercent::Int(2)).build(),
                );
            }
            let (pdbs, wls) = brute(&c);
            for (i, want) in pdbs.iter().enumerate() {
                assert_eq!(c.pdb_counts(PdbId(i as u32)), want, "pdb {i} at step {step}");
                assert_eq!(&c.recount_pdb(PdbId(i as u32)), want, "pdb {i} at step {step}");
            }
            for (i, want) in wls.iter().enumerate() {
                assert_eq!(
                    c.workload_counts(WorkloadId(i as u32)),
                    want,
                    "workload {i} at step {step}"
                );
            }
        }
        // The walk went through every kind of pod and state.
        let web = c.pdb_counts(PdbId(0));
        assert!(web.healthy > 0 && web.unmanaged > 0 && web.unscalable > 0, "{web:?}");
        assert!(c.pdb_counts(PdbId(1)).scale_owners.contains_key(&d));
        assert!(c.workload_counts(rs).active_ready > 0);
    }

    #[test]
    fn node_images_by_id() {
        let mut c = Cluster::new();
        let a = c.add_node(crate::build::NodeBuilder::new("a").image("nginx:1").build());
        let b = c.add_node(crate::build::NodeBuilder::new("b").build());
        assert_eq!(c.image_id("busybox:1"), None);
        let nginx = c.image_id("nginx:1").unwrap();
        assert!(c.node_has_image(a, nginx) && !c.node_has_image(b, nginx));
        // Pulls: 70 more images, so the bit sets span two words.
        for i in 0..70 {
            c.add_node_image(b, &format!("img:{i}"));
        }
        c.add_node_image(b, "nginx:1");
        assert!(c.node_has_image(b, nginx));
        let last = c.image_id("img:69").unwrap();
        assert!(last >= 64 && c.node_has_image(b, last) && !c.node_has_image(a, last));
        assert_eq!(c.image_num_nodes("nginx:1"), 2);
    }

    #[test]
    fn live_nodes_per_pool() {
        let mut c = Cluster::new();
        let pool_node = |c: &mut Cluster, name: &str, pool: Option<&str>| {
            let mut n = crate::build::NodeBuilder::new(name).build();
            n.pool = pool.map(str::to_string);
            c.add_node(n)
        };
        let a1 = pool_node(&mut c, "a-1", Some("a"));
        pool_node(&mut c, "a-2", Some("a"));
        pool_node(&mut c, "b-1", Some("b"));
        pool_node(&mut c, "x", None);
        assert_eq!((c.live_nodes_in_pool("a"), c.live_nodes_in_pool("b")), (2, 1));
        c.remove_node(a1, SimTime(1));
        c.remove_node(a1, SimTime(2)); // a second deletion changes nothing
        assert_eq!((c.live_nodes_in_pool("a"), c.live_nodes_in_pool("c")), (1, 0));
    }

    #[test]
    fn available_counts_pods_ready_for_min_ready_seconds() {
        let mut c = Cluster::new();
        let w = c.add_workload(
            WorkloadBuilder::deployment("web", 3, SpecBuilder::new().build()).build(),
        );
        for (i, at) in [0u64, 5, 9].iter().enumerate() {
            let p =
                c.add_pod(pod(&format!("p{i}"), "web", Some((Kind::Deployment, "web"))), Some(w));
            c.set_pod_condition(
                p,
                PodConditionType::Ready,
                CondStatus::True,
                SimTime(at * 1000),
                "",
                "",
            );
        }
        let k = c.workload_counts(w);
        assert_eq!(k.active_ready, 3);
        // At 10 s with minReadySeconds 5: ready at 0 and 5 are available (10 >= t + 5), 9 not.
        assert_eq!(k.available(SimTime(10_000), 5), 2);
        assert_eq!(k.available(SimTime(14_000), 5), 3);
        assert_eq!(k.available(SimTime(4_999), 5), 0);
        assert_eq!(k.available(SimTime(9_000), 0), 3);
        assert_eq!(k.available(SimTime(0), 0), 1);
        // Before the window could even start (now < minReadySeconds): none is available yet.
        assert_eq!(k.available(SimTime(3_000), 60), 0);
    }
}
