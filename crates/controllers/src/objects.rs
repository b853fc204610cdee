//! `kubesim run --trace-objects KIND[/NAME]`: follows some objects and records each change
//! of them, like `kubectl get --watch --output-watch-events`: `ADDED` when it exists (at
//! the start, or when created), `MODIFIED` after each simulation event that changed it (so
//! two writes at one instant made by two events are two records; two writes within one
//! event, such as the Eviction API's condition and DELETE, are one), `DELETED` when it is
//! gone.
//!
//! Objects are never moved or reused (ids only grow), so the objects created since the last
//! look are the ids past a high-water mark per kind: finding new matches costs the new
//! objects, and a look after an event costs one comparison per followed object (the whole
//! object, as a watch sees any change). Nothing is done when no object is followed; following
//! every pod of a large run costs a comparison per pod per event.

use crate::world::World;
use kubesim_model::{Kind, ObjectChange, ObjectSelector, ObjectSnapshot, WatchType};

/// A followed object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Followed {
    Pod(u32),
    Node(u32),
    Workload(u32),
    Pdb(u32),
}

/// The objects followed and what they were at the last look.
#[derive(Debug)]
pub struct ObjectTracer {
    selectors: Vec<ObjectSelector>,
    /// Followed objects, in the order they were first seen, with their last snapshot.
    followed: Vec<(Followed, ObjectSnapshot)>,
    /// Per kind (pods, nodes, workloads, PDBs): the ids below this were looked at.
    seen: [usize; 4],
}

impl ObjectTracer {
    /// Follows the objects the selectors match.
    pub fn new(selectors: Vec<ObjectSelector>) -> Self {
        Self { selectors, followed: Vec::new(), seen: [0; 4] }
    }

    fn wanted(&self, kind: Kind, namespace: &str, name: &str) -> bool {
        self.selectors.iter().any(|s| s.matches(kind, namespace, name))
    }

    fn snapshot(w: &World, f: Followed) -> ObjectSnapshot {
        let c = &w.cluster;
        match f {
            Followed::Pod(i) => ObjectSnapshot::Pod(Box::new(c.pods[i as usize].clone())),
            Followed::Node(i) => ObjectSnapshot::Node(Box::new(c.nodes[i as usize].clone())),
            Followed::Workload(i) => {
                ObjectSnapshot::Workload(Box::new(c.workloads[i as usize].clone()))
            }
            Followed::Pdb(i) => ObjectSnapshot::Pdb(Box::new(c.pdbs[i as usize].clone())),
        }
    }

    /// Whether the object still is what `last` holds.
    fn unchanged(w: &World, f: Followed, last: &ObjectSnapshot) -> bool {
        let c = &w.cluster;
        match (f, last) {
            (Followed::Pod(i), ObjectSnapshot::Pod(p)) => c.pods[i as usize] == **p,
            (Followed::Node(i), ObjectSnapshot::Node(n)) => c.nodes[i as usize] == **n,
            (Followed::Workload(i), ObjectSnapshot::Workload(x)) => c.workloads[i as usize] == **x,
            (Followed::Pdb(i), ObjectSnapshot::Pdb(p)) => c.pdbs[i as usize] == **p,
            _ => false,
        }
    }

    fn gone(w: &World, f: Followed) -> bool {
        match f {
            Followed::Pod(i) => w.cluster.pods[i as usize].removed.is_some(),
            Followed::Node(i) => w.cluster.nodes[i as usize].removed.is_some(),
            Followed::Workload(_) | Followed::Pdb(_) => false,
        }
    }

    /// Looks at the followed objects after an event (and once at the start): records the new
    /// ones, the changed ones and the gone ones.
    pub fn observe(&mut self, w: &mut World) {
        let mut out = std::mem::take(w.trace.object_changes.get_or_insert_with(Vec::new));
        // New objects since the last look.
        let c = &w.cluster;
        let lens = [c.pods.len(), c.nodes.len(), c.workloads.len(), c.pdbs.len()];
        for i in self.seen[0]..lens[0] {
            let m = &c.pods[i].meta;
            if c.pods[i].removed.is_none() && self.wanted(Kind::Pod, &m.namespace, &m.name) {
                self.add(w, Followed::Pod(i as u32), &mut out);
            }
        }
        for i in self.seen[1]..lens[1] {
            let n = &c.nodes[i];
            if n.removed.is_none() && self.wanted(Kind::Node, "", &n.meta.name) {
                self.add(w, Followed::Node(i as u32), &mut out);
            }
        }
        for i in self.seen[2]..lens[2] {
            let x = &c.workloads[i];
            if self.wanted(x.kind, &x.meta.namespace, &x.meta.name) {
                self.add(w, Followed::Workload(i as u32), &mut out);
            }
        }
        for i in self.seen[3]..lens[3] {
            let m = &c.pdbs[i].meta;
            if self.wanted(Kind::PodDisruptionBudget, &m.namespace, &m.name) {
                self.add(w, Followed::Pdb(i as u32), &mut out);
            }
        }
        self.seen = lens;
        // Changes of the objects followed before.
        let mut k = 0;
        while k < self.followed.len() {
            let (f, ref last) = self.followed[k];
            if Self::unchanged(w, f, last) {
                k += 1;
                continue;
            }
            let snap = Self::snapshot(w, f);
            if Self::gone(w, f) {
                out.push(ObjectChange { time: w.now, watch: WatchType::Deleted, object: snap });
                self.followed.remove(k);
                continue;
            }
            out.push(ObjectChange {
                time: w.now,
                watch: WatchType::Modified,
                object: snap.clone(),
            });
            self.followed[k].1 = snap;
            k += 1;
        }
        w.trace.object_changes = Some(out);
    }

    fn add(&mut self, w: &World, f: Followed, out: &mut Vec<ObjectChange>) {
        let snap = Self::snapshot(w, f);
        out.push(ObjectChange { time: w.now, watch: WatchType::Added, object: snap.clone() });
        self.followed.push((f, snap));
    }
}
