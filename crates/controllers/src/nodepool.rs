//! Node pools at run time: nodes added to a pool, and managed surge upgrades of a pool, the
//! way GKE, AKS and EKS replace a pool's nodes (`shared/k8s-semantics.md` §9).
//!
//! An upgrade (`upgrade-pool`) works in batches:
//! 1. `maxSurge` and `maxUnavailable` are resolved against the pool's size when the upgrade
//!    starts, a percentage rounding **up** (AKS documents it; GKE and EKS take counts). A batch
//!    replaces `min(surge + unavailable, old nodes left)` old nodes (GKE: "upgrade maxSurge +
//!    maxUnavailable nodes at once").
//! 2. The batch asks for `min(surge, batch)` surge nodes, each Ready after a provisioning
//!    delay drawn from the upgrade's distribution, in the zone of the old node it replaces.
//! 3. When they are all Ready, every old node of the batch is cordoned and drained at once
//!    (kubectl drain semantics, [`crate::drain`], with `--ignore-daemonsets
//!    --delete-emptydir-data --force`: providers evict everything but DaemonSet pods, and
//!    evictions respect PDBs).
//! 4. A drained node is deleted (its VM goes; PodGC removes what is left on it 40 s later);
//!    for the old nodes that had no surge node (the `maxUnavailable` part), a replacement is
//!    then requested.
//! 5. When every old node of the batch is gone and every new node Ready, the next batch
//!    starts; the upgrade ends when no old node is left: the pool ends on new nodes, at its
//!    original size.
//!
//! A node whose drain takes longer than the upgrade's drain timeout: `respect-pdb` keeps
//! waiting; `force-after: D` deletes the pods still refused (GKE respects PDBs for up to an
//! hour); `fail-after: D` stops the upgrade with `PodEvictionFailure` (EKS, 15 minutes) and
//! leaves the cluster as it is. Simplified: AKS's optional soak time and EKS's 60 s before
//! terminating a drained node, and EKS's cordoning of every old node at the start, are not
//! modelled; nodes are named `<pool>-<n>` continuing the pool's numbering.

use crate::api;
use crate::drain::{DrainOwner, Drains};
use crate::world::{Event, World, streams};
use kubesim_engine::{RngStreams, SimDuration, SimTime};
use kubesim_model::{
    DrainOptions, DrainOutcome, DrainTimeoutBehaviour, EventType, NodeId, UpgradeOutcome,
    UpgradeRecord, UpgradeSettings,
};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, VecDeque};

/// How long an upgrade waits before draining a node again after its drain failed.
pub const REDRAIN_DELAY: SimDuration = SimDuration::from_secs(5);

/// `(maxSurge, maxUnavailable)` of an upgrade against a pool of `size` nodes, percentages
/// rounded up.
pub fn resolve_surge(settings: &UpgradeSettings, size: u32) -> (u32, u32) {
    let s = i64::from(size);
    let clamp = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
    (clamp(settings.max_surge.scaled(s, true)), clamp(settings.max_unavailable.scaled(s, true)))
}

/// The batches of an upgrade of `old` nodes: `(batch size, surge nodes in it)`.
pub fn batches(old: u32, surge: u32, unavailable: u32) -> Vec<(u32, u32)> {
    let per = (surge + unavailable).max(1);
    let mut out = Vec::new();
    let mut left = old;
    while left > 0 {
        let b = per.min(left);
        out.push((b, surge.min(b)));
        left -= b;
    }
    out
}

/// Adds `count` nodes to a pool, named and zoned as its next ones (`add-node`).
pub fn add_pool_nodes(w: &mut World, pool: usize, count: u32) -> Vec<NodeId> {
    (0..count).map(|_| create_pool_node(w, pool, None)).collect()
}

/// Creates the pool's next node (in `zone`, else the pool's round-robin zone), Ready now.
fn create_pool_node(w: &mut World, pool: usize, zone: Option<String>) -> NodeId {
    let (name, index) = loop {
        let p = &mut w.cluster.pools[pool];
        let i = p.next_index;
        p.next_index += 1;
        let name = format!("{}-{i}", p.name);
        if w.cluster.node_by_name(&name).is_none() {
            break (name, i);
        }
    };
    let uid = w.cluster.new_uid();
    let p = &w.cluster.pools[pool];
    let zone = zone.or_else(|| p.zone_of(index).map(str::to_string));
    let node = p.make_node(&name, zone.as_deref(), uid, w.now);
    api::add_node(w, node)
}

#[derive(Debug, Clone, Copy)]
struct NodeDrain {
    drain: u32,
    deadline: Option<SimTime>,
    done: bool,
}

#[derive(Debug, Default)]
struct Batch {
    old: Vec<NodeId>,
    /// Surge nodes requested and not Ready yet.
    surge_waiting: u32,
    /// Replacements requested and not Ready yet.
    replacements_waiting: u32,
    /// Zones of the replacements still to request (one per old node without a surge node).
    owed: Vec<Option<String>>,
    draining: BTreeMap<NodeId, NodeDrain>,
    /// Nodes whose failed drain is to be started again, and when.
    redrain: Vec<(SimTime, NodeId)>,
    drains_started: bool,
    deleted: u32,
    start: SimTime,
}

#[derive(Debug)]
struct Upgrade {
    record: usize,
    pool: usize,
    settings: UpgradeSettings,
    surge: u32,
    unavailable: u32,
    original: u32,
    remaining: VecDeque<NodeId>,
    batch: Option<Batch>,
    /// New nodes being provisioned: (Ready at, zone, surge node of the batch?).
    provisioning: Vec<(SimTime, Option<String>, bool)>,
    finished: bool,
}

/// Node-pool upgrades.
pub struct NodePools {
    upgrades: Vec<Upgrade>,
    /// Drain id → (upgrade, node).
    drains: BTreeMap<u32, (u32, NodeId)>,
    rng: ChaCha8Rng,
}

impl NodePools {
    /// No upgrades yet; provisioning delays come from the node-pools stream.
    pub fn new(streams: &RngStreams) -> Self {
        Self {
            upgrades: Vec::new(),
            drains: BTreeMap::new(),
            rng: streams.stream(streams::NODE_POOLS),
        }
    }

    /// Starts an upgrade of `pool`.
    pub fn start_upgrade(
        &mut self,
        w: &mut World,
        drains: &mut Drains,
        pool: &str,
        settings: &UpgradeSettings,
        label: &str,
    ) {
        let Some(pi) = w.cluster.pool_by_name(pool) else { return };
        let old: Vec<NodeId> = w
            .cluster
            .live_nodes()
            .filter(|&n| w.cluster.nodes[n.index()].pool.as_deref() == Some(pool))
            .collect();
        let (surge, unavailable) = resolve_surge(settings, old.len() as u32);
        let record = w.trace.upgrades.len();
        w.trace.upgrades.push(UpgradeRecord {
            pool: pool.to_string(),
            label: label.to_string(),
            start: w.now,
            end: None,
            outcome: UpgradeOutcome::Running,
            max_surge: surge,
            max_unavailable: unavailable,
            old_nodes: old.iter().map(|&n| w.cluster.nodes[n.index()].meta.name.clone()).collect(),
            new_nodes: Vec::new(),
            peak_extra_nodes: 0,
            forced_nodes: Vec::new(),
            provisioning_wait: SimDuration::ZERO,
        });
        let id = self.upgrades.len() as u32;
        self.upgrades.push(Upgrade {
            record,
            pool: pi,
            settings: settings.clone(),
            surge,
            unavailable,
            original: old.len() as u32,
            remaining: old.into(),
            batch: None,
            provisioning: Vec::new(),
            finished: false,
        });
        self.next_batch(w, drains, id);
    }

    /// Starts the next batch, or ends the upgrade.
    fn next_batch(&mut self, w: &mut World, drains: &mut Drains, id: u32) {
        let u = &mut self.upgrades[id as usize];
        if u.remaining.is_empty() {
            u.finished = true;
            let rec = &mut w.trace.upgrades[u.record];
            rec.end = Some(w.now);
            rec.outcome = UpgradeOutcome::Succeeded;
            return;
        }
        let size = ((u.surge + u.unavailable).max(1) as usize).min(u.remaining.len());
        let old: Vec<NodeId> = u.remaining.drain(..size).collect();
        let surge = (u.surge as usize).min(size);
        let zones: Vec<Option<String>> =
            old.iter().map(|&n| w.cluster.nodes[n.index()].zone.clone()).collect();
        let mut batch = Batch {
            old,
            surge_waiting: surge as u32,
            owed: zones[surge..].to_vec(),
            start: w.now,
            ..Batch::default()
        };
        for z in &zones[..surge] {
            let at = w.now + u.settings.provisioning.sample(&mut self.rng);
            u.provisioning.push((at, z.clone(), true));
            w.schedule_at(at, Event::UpgradeTick(id));
        }
        if surge == 0 {
            batch.drains_started = true;
            u.batch = Some(batch);
            self.start_drains(w, drains, id);
        } else {
            u.batch = Some(batch);
        }
    }

    /// Cordons and drains every old node of the batch.
    fn start_drains(&mut self, w: &mut World, drains: &mut Drains, id: u32) {
        let u = &mut self.upgrades[id as usize];
        let Some(batch) = u.batch.as_mut() else { return };
        batch.drains_started = true;
        w.trace.upgrades[u.record].provisioning_wait += w.now.saturating_since(batch.start);
        let old = batch.old.clone();
        let label = w.trace.upgrades[u.record].label.clone();
        let deadline = match u.settings.drain_timeout {
            DrainTimeoutBehaviour::RespectPdb => None,
            DrainTimeoutBehaviour::ForceAfter(d) | DrainTimeoutBehaviour::FailAfter(d) => {
                Some(w.now + d)
            }
        };
        for n in old {
            let drain = start_drain(w, drains, id, &label, n);
            if let Some(at) = deadline {
                w.schedule_at(at, Event::UpgradeTick(id));
            }
            let u = &mut self.upgrades[id as usize];
            if let Some(b) = u.batch.as_mut() {
                b.draining.insert(n, NodeDrain { drain, deadline, done: false });
            }
            self.drains.insert(drain, (id, n));
        }
    }

    /// Handles `UpgradeTick`: new nodes that are up, drain deadlines, drains to restart.
    pub fn tick(&mut self, w: &mut World, drains: &mut Drains, id: u32) {
        if self.upgrades[id as usize].finished {
            return;
        }
        let now = w.now;
        // New nodes that are Ready now.
        let u = &mut self.upgrades[id as usize];
        let due: Vec<(SimTime, Option<String>, bool)> =
            u.provisioning.iter().filter(|p| p.0 <= now).cloned().collect();
        u.provisioning.retain(|p| p.0 > now);
        for (_, zone, surge) in due {
            let pool = self.upgrades[id as usize].pool;
            let node = create_pool_node(w, pool, zone);
            let u = &mut self.upgrades[id as usize];
            w.trace.upgrades[u.record]
                .new_nodes
                .push(w.cluster.nodes[node.index()].meta.name.clone());
            if let Some(b) = u.batch.as_mut() {
                if surge {
                    b.surge_waiting = b.surge_waiting.saturating_sub(1);
                } else {
                    b.replacements_waiting = b.replacements_waiting.saturating_sub(1);
                }
            }
            self.note_size(w, id);
        }
        let u = &self.upgrades[id as usize];
        if let Some(b) = &u.batch
            && !b.drains_started
            && b.surge_waiting == 0
        {
            self.start_drains(w, drains, id);
        }
        // Drains past their deadline.
        let u = &self.upgrades[id as usize];
        let late: Vec<(NodeId, u32)> = u
            .batch
            .iter()
            .flat_map(|b| b.draining.iter())
            .filter(|(_, d)| !d.done && d.deadline.is_some_and(|t| t <= now))
            .map(|(&n, d)| (n, d.drain))
            .collect();
        for (node, drain) in late {
            match self.upgrades[id as usize].settings.drain_timeout {
                DrainTimeoutBehaviour::ForceAfter(_) => {
                    let u = &mut self.upgrades[id as usize];
                    if let Some(d) = u.batch.as_mut().and_then(|b| b.draining.get_mut(&node)) {
                        d.deadline = None;
                    }
                    let name = w.cluster.nodes[node.index()].meta.name.clone();
                    w.trace.upgrades[u.record].forced_nodes.push(name);
                    drains.force_delete(w, drain);
                }
                DrainTimeoutBehaviour::FailAfter(_) => {
                    self.fail(w, drains, id, node);
                    return;
                }
                DrainTimeoutBehaviour::RespectPdb => {}
            }
        }
        // Drains to start again.
        let u = &mut self.upgrades[id as usize];
        let Some(b) = u.batch.as_mut() else { return };
        let again: Vec<NodeId> = b.redrain.iter().filter(|r| r.0 <= now).map(|r| r.1).collect();
        b.redrain.retain(|r| r.0 > now);
        for n in again {
            let label = w.trace.upgrades[self.upgrades[id as usize].record].label.clone();
            let drain = start_drain(w, drains, id, &label, n);
            let u = &mut self.upgrades[id as usize];
            if let Some(d) = u.batch.as_mut().and_then(|b| b.draining.get_mut(&n)) {
                d.drain = drain;
            }
            self.drains.insert(drain, (id, n));
        }
        self.check_batch(w, drains, id);
    }

    /// Handles `DrainFinished` for a drain an upgrade started.
    pub fn drain_finished(&mut self, w: &mut World, drains: &mut Drains, drain: u32) {
        let Some(&(id, node)) = self.drains.get(&drain) else { return };
        if self.upgrades[id as usize].finished {
            return;
        }
        match drains.outcome(w, drain) {
            DrainOutcome::Drained => {
                let u = &mut self.upgrades[id as usize];
                let Some(b) = u.batch.as_mut() else { return };
                if let Some(d) = b.draining.get_mut(&node) {
                    d.done = true;
                }
                b.deleted += 1;
                let zone = w.cluster.nodes[node.index()].zone.clone();
                let owed = if b.owed.is_empty() {
                    None
                } else {
                    let i = b.owed.iter().position(|z| *z == zone).unwrap_or(0);
                    Some(b.owed.remove(i))
                };
                if let Some(z) = owed {
                    b.replacements_waiting += 1;
                    let at = w.now + u.settings.provisioning.sample(&mut self.rng);
                    u.provisioning.push((at, z, false));
                    w.schedule_at(at, Event::UpgradeTick(id));
                }
                api::delete_node(w, node);
                self.note_size(w, id);
                self.check_batch(w, drains, id);
            }
            DrainOutcome::Failed => {
                let u = &mut self.upgrades[id as usize];
                if let Some(b) = u.batch.as_mut() {
                    b.redrain.push((w.now + REDRAIN_DELAY, node));
                }
                w.schedule(REDRAIN_DELAY, Event::UpgradeTick(id));
            }
            DrainOutcome::Cancelled | DrainOutcome::Running => {}
        }
    }

    /// The batch is complete when its old nodes are gone and its new nodes Ready.
    fn check_batch(&mut self, w: &mut World, drains: &mut Drains, id: u32) {
        let u = &self.upgrades[id as usize];
        let Some(b) = &u.batch else { return };
        let complete = b.drains_started
            && b.deleted as usize == b.old.len()
            && b.owed.is_empty()
            && b.surge_waiting == 0
            && b.replacements_waiting == 0;
        if complete {
            self.upgrades[id as usize].batch = None;
            self.next_batch(w, drains, id);
        }
    }

    /// `fail-after`: the upgrade stops with `PodEvictionFailure`; its drains stop.
    fn fail(&mut self, w: &mut World, drains: &mut Drains, id: u32, node: NodeId) {
        let u = &mut self.upgrades[id as usize];
        u.finished = true;
        let pool = w.cluster.pools[u.pool].name.clone();
        let name = w.cluster.nodes[node.index()].meta.name.clone();
        let reason = format!(
            "PodEvictionFailure: Reached max retries while trying to evict pods from node {name} in node group {pool}"
        );
        w.record_node(
            node,
            EventType::Warning,
            "PodEvictionFailure",
            format!("Reached max retries while trying to evict pods from node {name} in node group {pool}"),
        );
        w.trace.upgrades[u.record].outcome = UpgradeOutcome::Failed(reason);
        for d in u.batch.iter().flat_map(|b| b.draining.values()).filter(|d| !d.done) {
            drains.cancel(w, d.drain);
        }
    }

    /// Updates the peak of extra pool nodes.
    fn note_size(&mut self, w: &mut World, id: u32) {
        let u = &self.upgrades[id as usize];
        let pool = &w.cluster.pools[u.pool].name;
        let live = w.cluster.live_nodes_in_pool(pool);
        let extra = live.saturating_sub(u.original);
        let rec = &mut w.trace.upgrades[u.record];
        rec.peak_extra_nodes = rec.peak_extra_nodes.max(extra);
    }
}

/// Starts the provider's drain of one old node.
fn start_drain(w: &mut World, drains: &mut Drains, id: u32, label: &str, node: NodeId) -> u32 {
    let opts = DrainOptions {
        ignore_daemonsets: true,
        delete_emptydir_data: true,
        force: true,
        ..DrainOptions::default()
    };
    let label = format!("{label} (node {})", w.cluster.nodes[node.index()].meta.name);
    drains.start(w, vec![node], opts, label, DrainOwner::Upgrade(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_engine::Dist;
    use kubesim_model::IntOrPercent::{Int, Percent};

    fn settings(
        surge: kubesim_model::IntOrPercent,
        unav: kubesim_model::IntOrPercent,
    ) -> UpgradeSettings {
        UpgradeSettings {
            max_surge: surge,
            max_unavailable: unav,
            provisioning: Dist::Constant(SimDuration::from_secs(60)),
            drain_timeout: DrainTimeoutBehaviour::RespectPdb,
        }
    }

    #[test]
    fn surge_resolution_rounds_up() {
        // 33% of 9 nodes = 2.97 -> 3; 10% of 9 = 0.9 -> 1 (AKS rounds percentages up).
        assert_eq!(resolve_surge(&settings(Percent(33), Int(0)), 9), (3, 0));
        assert_eq!(resolve_surge(&settings(Percent(10), Percent(10)), 9), (1, 1));
        assert_eq!(resolve_surge(&settings(Int(1), Int(0)), 9), (1, 0));
    }

    #[test]
    fn batches_cover_the_pool() {
        // 9 nodes, surge 1: nine batches of one node, each with its surge node.
        assert_eq!(batches(9, 1, 0), vec![(1, 1); 9]);
        // Surge 3: three batches of three.
        assert_eq!(batches(9, 3, 0), vec![(3, 3); 3]);
        // GKE's example: 5 nodes, surge 2, unavailable 1 -> 3 at once, then the last 2 (both
        // with surge nodes).
        assert_eq!(batches(5, 2, 1), vec![(3, 2), (2, 2)]);
        // No surge: nodes are replaced after they are drained, maxUnavailable at a time.
        assert_eq!(batches(4, 0, 2), vec![(2, 0), (2, 0)]);
    }
}
