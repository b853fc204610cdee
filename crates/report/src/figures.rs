//! The figures a sweep records for each run (`kubesim sweep`, `sweep.csv`): a flat list of
//! named numbers computed from the [`Summary`] (and, for the lowest available count, the
//! metrics of the trace).
//!
//! Names are stable and carry their unit: `_s` seconds (three decimals, from integer
//! milliseconds), `_pct` percent (two decimals), no suffix a count. Per-workload figures are
//! named like the metrics columns, `deployment/web:min_ready`. A figure that does not apply
//! to a run (no upgrade in the scenario, a workload that never dipped) is empty.
//!
//! | figure | meaning |
//! | --- | --- |
//! | `end_time_s` | when the run ended |
//! | `upgrade_duration_s` | the longest node-pool upgrade, start to end (to the run's end if unfinished) |
//! | `upgrade_peak_extra_nodes` | the most surge nodes any upgrade had at once |
//! | `upgrade_blocked_by_pdbs_s` | time upgrades' drains waited on PDBs, summed over upgrades |
//! | `drain_duration_s` | the longest drain (of `drain` actions and upgrades) |
//! | `pods_evicted` | pods evicted: by the Eviction API (`EvictionByEvictionAPI`) and by taint eviction (`TaintManagerEviction`) |
//! | `container_restarts` | container restarts over the run |
//! | `max_pending_pods` | the most pods Pending at one instant |
//! | `min_ready_pct` | the lowest ready/desired of any workload after it was first full |
//! | `min_available_pct` | the same for available replicas |
//! | `below_desired_s` | time workloads spent with ready below desired, summed over workloads |
//! | `recovery_s` | from the first action to the last time a workload came back to desired (empty if none dipped, or one is still below at the end) |
//! | `W:min_ready`, `W:min_ready_pct` | the lowest ready count of workload `W` after it was first full, and as a percent of desired |
//! | `W:min_available`, `W:min_available_pct` | the same for available replicas |
//! | `W:below_desired_s` | time `W` spent with ready below desired |
//! | `W:restarts` | container restarts of `W`'s pods |

use crate::RunOutput;
use crate::summary::{Summary, WorkloadSummary, workload_columns};
use kubesim_engine::SimTime;

/// One figure of a run: its name and its value (`None`: does not apply).
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The stable name, with its unit (`upgrade_duration_s`).
    pub name: String,
    /// The value.
    pub value: Option<f64>,
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

fn pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The lowest available count of each workload at or after it was first full (as
/// [`WorkloadSummary::lowest_ready`] does for ready), in summary order.
fn lowest_available(out: &RunOutput, workloads: &[WorkloadSummary]) -> Vec<Option<i64>> {
    let metrics = &out.trace.metrics;
    let columns = workload_columns(metrics);
    workloads
        .iter()
        .map(|w| {
            let from = SimTime(w.first_ready_ms?);
            let col = columns.iter().find(|c| c.workload == w.workload)?.available?;
            let at_start = metrics.value_at(col, from);
            let later = metrics.series(col).filter(|(t, _)| *t > from).map(|(_, v)| v);
            at_start.into_iter().chain(later).min()
        })
        .collect()
}

/// The figures of a run, computing only the parts of the summary they need (what a sweep
/// calls: it writes no per-run files).
pub fn run_figures(out: &RunOutput) -> Vec<Figure> {
    figures(out, &crate::summary::summarize_for_figures(out))
}

/// The figures of a run, in a fixed order (see the module docs).
pub fn figures(out: &RunOutput, s: &Summary) -> Vec<Figure> {
    let mut f = Vec::new();
    let mut push = |name: &str, value: Option<f64>| f.push(Figure { name: name.into(), value });
    push("end_time_s", Some(secs(s.end_ms)));
    let upgrades = &s.upgrades;
    push("upgrade_duration_s", upgrades.iter().map(|u| u.duration_ms).max().map(secs));
    push(
        "upgrade_peak_extra_nodes",
        upgrades.iter().map(|u| u.peak_extra_nodes).max().map(f64::from),
    );
    push(
        "upgrade_blocked_by_pdbs_s",
        (!upgrades.is_empty()).then(|| secs(upgrades.iter().map(|u| u.blocked_by_pdbs_ms).sum())),
    );
    push("drain_duration_s", s.drains.iter().map(|d| d.duration_ms).max().map(secs));
    let reason = |r: &str| s.events.by_reason.get(r).copied().unwrap_or(0);
    push(
        "pods_evicted",
        Some((reason("EvictionByEvictionAPI") + reason("TaintManagerEviction")) as f64),
    );
    push("container_restarts", Some(s.pods.container_restarts as f64));
    push("max_pending_pods", Some(s.pods.max_pending as f64));
    let available = lowest_available(out, &s.workloads);
    let min_pct = |values: &[Option<i64>]| {
        s.workloads
            .iter()
            .zip(values)
            .filter_map(|(w, v)| pct((*v)?, w.desired))
            .min_by(f64::total_cmp)
    };
    let ready: Vec<Option<i64>> = s.workloads.iter().map(|w| w.lowest_ready).collect();
    push("min_ready_pct", min_pct(&ready));
    push("min_available_pct", min_pct(&available));
    push("below_desired_s", Some(secs(s.workloads.iter().map(|w| w.below_desired_ms).sum())));
    let first_action = s.actions.iter().map(|a| a.at_ms).min();
    let dipped: Vec<&WorkloadSummary> =
        s.workloads.iter().filter(|w| w.below_desired_ms > 0).collect();
    let recovered = dipped.iter().map(|w| w.recovered_ms).collect::<Option<Vec<u64>>>();
    let recovery = match (first_action, recovered) {
        (Some(a), Some(r)) if !r.is_empty() => {
            r.into_iter().max().map(|r| secs(r.saturating_sub(a)))
        }
        _ => None,
    };
    push("recovery_s", recovery);
    for (w, avail) in s.workloads.iter().zip(&available) {
        let name = &w.workload;
        push(&format!("{name}:min_ready"), w.lowest_ready.map(|v| v as f64));
        push(&format!("{name}:min_ready_pct"), w.lowest_ready.and_then(|v| pct(v, w.desired)));
        push(&format!("{name}:min_available"), avail.map(|v| v as f64));
        push(&format!("{name}:min_available_pct"), avail.and_then(|v| pct(v, w.desired)));
        push(&format!("{name}:below_desired_s"), Some(secs(w.below_desired_ms)));
        push(&format!("{name}:restarts"), Some(w.restarts as f64));
    }
    f
}

/// A figure's value as `sweep.csv` writes it: seconds with three decimals, percentages with
/// two, counts as integers; empty when it does not apply.
pub fn format_value(name: &str, value: Option<f64>) -> String {
    match value {
        None => String::new(),
        Some(v) if name.ends_with("_s") => format!("{v:.3}"),
        Some(v) if name.ends_with("_pct") => format!("{v:.2}"),
        Some(v) => format!("{}", v.round() as i64),
    }
}
