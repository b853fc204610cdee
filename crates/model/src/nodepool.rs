//! Node pools: groups of identical nodes that a managed cluster creates, grows and upgrades
//! together (GKE node pools, AKS agent pools, EKS managed node groups).

use crate::labels::Labels;
use crate::meta::Meta;
use crate::node::{
    CondStatus, LABEL_HOSTNAME, LABEL_NODE_POOL, LABEL_REGION, LABEL_ZONE, Node, NodeReady, Taint,
};
use crate::resources::Resources;
use kubesim_engine::SimTime;
use std::collections::BTreeSet;

/// A node pool: the template its nodes are made from, and how the next one is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodePool {
    /// The pool's name; its nodes are `<name>-1`, `<name>-2`, ...
    pub name: String,
    /// Zones, round-robin: node `i` (1-based) gets `zones[(i-1) % len]`.
    pub zones: Vec<String>,
    /// `status.allocatable` (and capacity) of every node.
    pub allocatable: Resources,
    /// Labels of every node, besides the well-known ones (hostname, zone, region, pool).
    pub labels: Labels,
    /// The region label value, if the cluster has one.
    pub region: Option<String>,
    /// Taints of every node.
    pub taints: Vec<Taint>,
    /// Images already present on a new node.
    pub images: BTreeSet<String>,
    /// The number the next node of the pool gets (1 + the highest so far).
    pub next_index: u32,
}

impl NodePool {
    /// The zone of the pool's node number `index` (1-based), round-robin over the zones.
    pub fn zone_of(&self, index: u32) -> Option<&str> {
        if self.zones.is_empty() {
            return None;
        }
        Some(&self.zones[(index.max(1) as usize - 1) % self.zones.len()])
    }

    /// A new node of the pool, Ready at `now`, with the labels a scenario's pool nodes get:
    /// hostname, zone, region, `kubesim.io/node-pool`, the kubelet's os/arch labels
    /// (`kubernetes.io/os: linux`, `kubernetes.io/arch: amd64` and their `beta.kubernetes.io/*`
    /// twins), then the pool's own labels (see [`crate::node::apply_kubelet_labels`]).
    pub fn make_node(&self, name: &str, zone: Option<&str>, uid: String, now: SimTime) -> Node {
        let mut l = Labels::new();
        l.insert(LABEL_HOSTNAME.into(), name.into());
        if let Some(z) = zone {
            l.insert(LABEL_ZONE.into(), z.into());
        }
        if let Some(r) = &self.region {
            l.insert(LABEL_REGION.into(), r.clone());
        }
        l.insert(LABEL_NODE_POOL.into(), self.name.clone());
        crate::node::apply_kubelet_labels(&mut l, self.labels.clone());
        Node {
            zone: l.get(LABEL_ZONE).cloned(),
            meta: Meta {
                name: name.into(),
                uid,
                labels: l.into(),
                creation: now,
                generation: 1,
                ..Meta::default()
            },
            allocatable: self.allocatable,
            capacity: self.allocatable,
            unschedulable: false,
            taints: self.taints.clone(),
            ready: NodeReady {
                status: CondStatus::True,
                reason: "KubeletReady",
                message: "kubelet is posting ready status",
                last_transition: now,
            },
            pool: Some(self.name.clone()),
            images: self.images.clone(),
            removed: None,
        }
    }
}
