//! Spot interruptions in `summary.json` (`spot_interruptions`, only in runs that had one):
//! each notice with the pods it stopped, the PodDisruptionBudget violations it caused, and the
//! node that replaced it; totals and the replacement latency's median and maximum.
//!
//! A replacement is matched first come, first served: interruptions in time order each take
//! the earliest node of the same pool created at or after their notice that no earlier
//! interruption took (the cluster autoscaler's nodes register Ready when they are created, so
//! the latency is notice to Ready). A node the autoscaler added for another reason counts too,
//! and a replacement in another pool (an on-demand fallback) does not.

use kubesim_engine::SimDuration;
use kubesim_model::{Cluster, NodeId, Trace};
use serde::Serialize;
use std::collections::BTreeSet;

/// One interruption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpotInterruptionSummary {
    /// When the notice came, in ms.
    pub at_ms: u64,
    /// The same as a clock.
    pub at: String,
    /// The node.
    pub node: String,
    /// Its pool.
    pub pool: Option<String>,
    /// Pods it stopped or deleted (DaemonSet pods not counted).
    pub pods: u32,
    /// PodDisruptionBudget violations: pods whose loss took a budget below `desiredHealthy`.
    pub pdb_violations: u32,
    /// The node that replaced it, if one came.
    pub replaced_by: Option<String>,
    /// From the notice to the replacement's creation, in ms.
    pub replacement_latency_ms: Option<u64>,
    /// The same, Go style.
    pub replacement_latency: Option<String>,
}

/// The interruptions of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpotSummary {
    /// How many notices.
    pub interruptions: u64,
    /// Pods they stopped or deleted.
    pub pods_disrupted: u64,
    /// PodDisruptionBudget violations in all.
    pub pdb_violations: u64,
    /// Interruptions whose node was replaced.
    pub replaced: u64,
    /// Median replacement latency (nearest rank), in ms.
    pub replacement_latency_p50_ms: Option<u64>,
    /// The same, Go style.
    pub replacement_latency_p50: Option<String>,
    /// Longest replacement latency, in ms.
    pub replacement_latency_max_ms: Option<u64>,
    /// The same, Go style.
    pub replacement_latency_max: Option<String>,
    /// Each interruption, in time order.
    pub list: Vec<SpotInterruptionSummary>,
}

/// The spot interruptions of a run (None when there were none).
pub fn summarize_spot(trace: &Trace, cluster: &Cluster) -> Option<SpotSummary> {
    if trace.spot_interruptions.is_empty() {
        return None;
    }
    let mut taken: BTreeSet<NodeId> = BTreeSet::new();
    let mut list = Vec::new();
    for r in &trace.spot_interruptions {
        let replacement = r.pool.as_ref().and_then(|pool| {
            (0..cluster.nodes.len())
                .map(|i| NodeId(i as u32))
                .filter(|&n| {
                    let node = &cluster.nodes[n.index()];
                    node.pool.as_ref() == Some(pool)
                        && node.meta.creation >= r.time
                        && node.meta.creation.0 > 0
                        && !taken.contains(&n)
                })
                .min_by_key(|&n| (cluster.nodes[n.index()].meta.creation, n))
        });
        if let Some(n) = replacement {
            taken.insert(n);
        }
        let latency = replacement.map(|n| cluster.nodes[n.index()].meta.creation.0 - r.time.0);
        list.push(SpotInterruptionSummary {
            at_ms: r.time.0,
            at: r.time.to_string(),
            node: cluster.nodes[r.node.index()].meta.name.clone(),
            pool: r.pool.clone(),
            pods: r.pods,
            pdb_violations: r.pdb_violations,
            replaced_by: replacement.map(|n| cluster.nodes[n.index()].meta.name.clone()),
            replacement_latency_ms: latency,
            replacement_latency: latency.map(|ms| SimDuration::from_millis(ms).to_string()),
        });
    }
    let mut latencies: Vec<u64> = list.iter().filter_map(|s| s.replacement_latency_ms).collect();
    latencies.sort_unstable();
    let p50 = (!latencies.is_empty()).then(|| latencies[latencies.len().div_ceil(2) - 1]);
    let max = latencies.last().copied();
    let go = |ms: Option<u64>| ms.map(|ms| SimDuration::from_millis(ms).to_string());
    Some(SpotSummary {
        interruptions: list.len() as u64,
        pods_disrupted: list.iter().map(|s| u64::from(s.pods)).sum(),
        pdb_violations: list.iter().map(|s| u64::from(s.pdb_violations)).sum(),
        replaced: latencies.len() as u64,
        replacement_latency_p50_ms: p50,
        replacement_latency_p50: go(p50),
        replacement_latency_max_ms: max,
        replacement_latency_max: go(max),
        list,
    })
}
