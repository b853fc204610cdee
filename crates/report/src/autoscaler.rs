//! The cluster autoscaler's figures in `summary.json` (`scale_ups`): each scale-up with the
//! node pools it resized and its latency, from the first Pending of the pods that triggered
//! it to the last of them leaving Pending (Running, or failed).

use kubesim_model::{Cluster, Trace};
use serde::Serialize;
use std::collections::BTreeMap;

/// One scale-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScaleUpSummary {
    /// When the autoscaler asked for the nodes, in ms.
    pub at_ms: u64,
    /// The same as a clock.
    pub at: String,
    /// Each pool resized, `pool from->to`.
    pub groups: Vec<String>,
    /// The pods that got `TriggeredScaleUp`.
    pub pods: u64,
    /// Those that left Pending by the end of the run.
    pub pods_running: u64,
    /// From the earliest creation of those pods to the last of them leaving Pending, in ms;
    /// None while one is still Pending at the end.
    pub latency_ms: Option<u64>,
    /// The same, Go style.
    pub latency: Option<String>,
}

/// The scale-ups of a run (empty without autoscaling pools).
pub fn summarize_scale_ups(trace: &Trace, cluster: &Cluster) -> Vec<ScaleUpSummary> {
    if trace.scale_ups.is_empty() {
        return Vec::new();
    }
    // Each pod's first leaving of Pending.
    let mut left: BTreeMap<u32, u64> = BTreeMap::new();
    for (p, t) in &trace.left_pending {
        left.entry(p.0).or_insert(t.0);
    }
    trace
        .scale_ups
        .iter()
        .map(|s| {
            let first = s
                .pods
                .iter()
                .map(|p| cluster.pods[p.index()].meta.creation.0)
                .min()
                .unwrap_or(s.time.0);
            let ends: Vec<u64> = s.pods.iter().filter_map(|p| left.get(&p.0).copied()).collect();
            let latency_ms = (ends.len() == s.pods.len())
                .then(|| ends.iter().copied().max().unwrap_or(first).saturating_sub(first));
            ScaleUpSummary {
                at_ms: s.time.0,
                at: s.time.to_string(),
                groups: s.groups.iter().map(|(g, a, b)| format!("{g} {a}->{b}")).collect(),
                pods: s.pods.len() as u64,
                pods_running: ends.len() as u64,
                latency_ms,
                latency: latency_ms
                    .map(|ms| kubesim_engine::SimDuration::from_millis(ms).to_string()),
            }
        })
        .collect()
}
