//! The object store: every object in a vector, referred to by a small id, with the indexes
//! the controllers need kept up to date on each change.
//!
//! Objects are never moved or reused: a deleted pod keeps its slot (with `removed` set) so
//! that ids stay valid in the trace. All indexes are ordered (`BTreeMap`/`BTreeSet`), so any
//! iteration is deterministic.

use crate::behaviour::Behaviour;
use crate::meta::{Kind, NodeId, PdbId, PodId, WorkloadId};
use crate::node::Node;
use crate::nodepool::NodePool;
use crate::pdb::Pdb;
use crate::pod::{Pod, PodPhase};
use crate::resources::Resources;
use crate::scheduling::PriorityClass;
use crate::workload::Workload;
use kubesim_engine::SimTime;
use std::collections::{BTreeMap, BTreeSet};

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
        for image in &node.images {
            *self.image_num_nodes.entry(image.clone()).or_default() += 1;
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
        if n.images.insert(image.to_string()) && n.removed.is_none() {
            *self.image_num_nodes.entry(image.to_string()).or_default() += 1;
        }
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
        id
    }

    /// Adds a PDB, indexing the live pods its selector selects.
    pub fn add_pdb(&mut self, p: Pdb) -> PdbId {
        let id = PdbId(self.pdbs.len() as u32);
        let selected: BTreeSet<PodId> = self
            .live_pods()
            .filter(|&q| {
                let pod = &self.pods[q.index()];
                pod.meta.namespace == p.meta.namespace && p.selects(&pod.meta.labels)
            })
            .collect();
        self.pdbs.push(p);
        self.pdb_pods.push(selected);
        id
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
        for (i, pdb) in self.pdbs.iter().enumerate() {
            if pdb.meta.namespace == pod.meta.namespace && pdb.selects(&pod.meta.labels) {
                self.pdb_pods[i].insert(id);
            }
        }
        self.pods.push(pod);
        self.pod_controller.push(controller);
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
    }

    /// Removes a pod from the API (the slot stays, with `removed` set).
    pub fn remove_pod(&mut self, pod: PodId, now: SimTime) {
        let p = &mut self.pods[pod.index()];
        if p.removed.is_some() {
            return;
        }
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
        for set in &mut self.pdb_pods {
            set.remove(&pod);
        }
    }

    /// Sets a pod's `deletionTimestamp` and `deletionGracePeriodSeconds` (the start of a
    /// graceful deletion, or a shorter grace period for one already started).
    pub fn set_deletion(&mut self, pod: PodId, at: SimTime, grace_seconds: u64) {
        let p = &mut self.pods[pod.index()];
        if p.meta.deletion.is_none() && p.removed.is_none() {
            self.terminating += 1;
        }
        p.meta.deletion = Some(at);
        p.meta.deletion_grace_seconds = Some(grace_seconds);
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
