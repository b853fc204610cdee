//! The voluntary-disruption figures of a run: per drain (start, end or time-out, evictions
//! refused, time blocked per PDB), per node-pool upgrade (total time, peak extra nodes, time
//! blocked by PDBs) and per PodDisruptionBudget (its status over time), computed from the
//! trace's drain and upgrade records and the `pdb/<name>:*` metrics columns.
//!
//! "Blocked" time is the union of the spans during which some pod's evictions were refused
//! (from the first 429 until the eviction was allowed, the drain stopped, or the run ended):
//! two pods blocked by the same PDB at once count once.

use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::trace::split_pdb_column;
use kubesim_model::{DrainRecord, Trace, UpgradeOutcome};
use serde::Serialize;
use std::collections::BTreeMap;

/// The time one PDB blocked a drain or an upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PdbBlocked {
    /// The PDB, `namespace/name`.
    pub pdb: String,
    /// Pods whose evictions it refused.
    pub pods: Vec<String>,
    /// The union of the blocked spans, in ms.
    pub blocked_ms: u64,
    /// The same, Go style (`4m10s`).
    pub blocked: String,
}

/// One drain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrainSummary {
    /// What ran it, e.g. `drain node-2`.
    pub label: String,
    /// The nodes, in drain order.
    pub nodes: Vec<String>,
    /// `drained`, `failed`, `running` (at the end of the run) or `cancelled`.
    pub outcome: String,
    /// When it started (the cordon), in ms.
    pub start_ms: u64,
    /// When it started, as a clock.
    pub start: String,
    /// When it ended, in ms (`null` if still running).
    pub end_ms: Option<u64>,
    /// When it ended, as a clock.
    pub end: Option<String>,
    /// How long it took, or has been running at the end of the run, in ms.
    pub duration_ms: u64,
    /// The same, Go style.
    pub duration: String,
    /// Per node that could not be drained: `node: error` as kubectl reports it (a `--timeout`
    /// shows as "global timeout reached" or "context deadline exceeded").
    pub errors: Vec<String>,
    /// Evictions the API allowed.
    pub evictions_allowed: u32,
    /// Evictions refused (429), retries included.
    pub evictions_refused: u32,
    /// Pods deleted without the Eviction API.
    pub deletions: u32,
    /// Time blocked, per PDB.
    pub blocked_by: Vec<PdbBlocked>,
    /// The upgrade that ran it (index into `upgrades`), if any.
    pub upgrade: Option<u32>,
}

/// One node-pool upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpgradeSummary {
    /// The pool.
    pub pool: String,
    /// The action's label.
    pub label: String,
    /// `succeeded`, `failed` or `running`.
    pub outcome: String,
    /// Why it failed (`PodEvictionFailure: ...`).
    pub failure: Option<String>,
    /// When it started, in ms.
    pub start_ms: u64,
    /// When it started, as a clock.
    pub start: String,
    /// When it ended, in ms (`null` unless it succeeded).
    pub end_ms: Option<u64>,
    /// When it ended, as a clock.
    pub end: Option<String>,
    /// Total time (to the end of the run if it did not succeed), in ms.
    pub duration_ms: u64,
    /// The same, Go style.
    pub duration: String,
    /// `maxSurge` resolved against the pool size.
    pub max_surge: u32,
    /// `maxUnavailable` resolved against the pool size.
    pub max_unavailable: u32,
    /// Nodes replaced (old nodes at the start).
    pub old_nodes: u32,
    /// Nodes created.
    pub new_nodes: Vec<String>,
    /// The most pool nodes beyond the original count at any instant.
    pub peak_extra_nodes: u32,
    /// Time during which PDBs blocked at least one of its drains, in ms.
    pub blocked_by_pdbs_ms: u64,
    /// The same, Go style.
    pub blocked_by_pdbs: String,
    /// Time spent waiting for surge nodes before draining, in ms.
    pub provisioning_wait_ms: u64,
    /// Nodes whose pods were deleted after the drain timeout (`force-after`).
    pub forced_nodes: Vec<String>,
}

/// One PodDisruptionBudget over the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PdbSummary {
    /// `pdb/<name>` (`pdb/<namespace>/<name>` outside `default`).
    pub pdb: String,
    /// `expectedPods` at the end.
    pub expected: i64,
    /// `desiredHealthy` at the end.
    pub desired: i64,
    /// `currentHealthy` at the end.
    pub healthy: i64,
    /// `disruptionsAllowed` at the end.
    pub allowed: i64,
    /// The lowest `currentHealthy` after the budget was first met (`null` if never).
    pub lowest_healthy: Option<i64>,
    /// Time with `disruptionsAllowed = 0` after the budget was first met, in ms.
    pub no_disruption_allowed_ms: u64,
    /// The same, Go style.
    pub no_disruption_allowed: String,
}

/// The length of the union of `[from, to)` spans, in ms.
pub fn union_ms(spans: &mut [(u64, u64)]) -> u64 {
    spans.sort_unstable();
    let mut total = 0;
    let mut cur: Option<(u64, u64)> = None;
    for &(a, b) in spans.iter() {
        match cur {
            Some((s, e)) if a <= e => cur = Some((s, e.max(b))),
            Some((s, e)) => {
                total += e - s;
                cur = Some((a, b));
            }
            None => cur = Some((a, b)),
        }
    }
    if let Some((s, e)) = cur {
        total += e - s;
    }
    total
}

/// The pods one PDB blocked, and the `[from, to)` spans.
type PodsAndSpans = (Vec<String>, Vec<(u64, u64)>);

fn spans_of(d: &DrainRecord, end: SimTime) -> Vec<(String, String, u64, u64)> {
    d.blocked
        .iter()
        .map(|b| (b.pdb.clone(), b.pod.clone(), b.from.0, b.to.unwrap_or(end).0.max(b.from.0)))
        .collect()
}

fn clock(t: Option<SimTime>) -> (Option<u64>, Option<String>) {
    (t.map(|t| t.0), t.map(|t| t.to_string()))
}

/// The drains of the run.
pub fn summarize_drains(trace: &Trace) -> Vec<DrainSummary> {
    trace
        .drains
        .iter()
        .map(|d| {
            let mut per_pdb: BTreeMap<String, PodsAndSpans> = BTreeMap::new();
            for (pdb, pod, a, b) in spans_of(d, trace.end) {
                let e = per_pdb.entry(pdb).or_default();
                if !e.0.contains(&pod) {
                    e.0.push(pod);
                }
                e.1.push((a, b));
            }
            let blocked_by = per_pdb
                .into_iter()
                .map(|(pdb, (pods, mut spans))| {
                    let ms = union_ms(&mut spans);
                    PdbBlocked { pdb, pods, blocked_ms: ms, blocked: SimDuration(ms).to_string() }
                })
                .collect();
            let (end_ms, end) = clock(d.end);
            let duration = d.end.unwrap_or(trace.end).saturating_since(d.start);
            DrainSummary {
                label: d.label.clone(),
                nodes: d.nodes.iter().map(|n| n.node.clone()).collect(),
                outcome: d.outcome.as_str().to_string(),
                start_ms: d.start.0,
                start: d.start.to_string(),
                end_ms,
                end,
                duration_ms: duration.0,
                duration: duration.to_string(),
                errors: d
                    .nodes
                    .iter()
                    .filter_map(|n| n.error.as_ref().map(|e| format!("{}: {e}", n.node)))
                    .collect(),
                evictions_allowed: d.evictions_allowed,
                evictions_refused: d.evictions_refused,
                deletions: d.deletions,
                blocked_by,
                upgrade: d.upgrade,
            }
        })
        .collect()
}

/// The node-pool upgrades of the run.
pub fn summarize_upgrades(trace: &Trace) -> Vec<UpgradeSummary> {
    trace
        .upgrades
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut spans: Vec<(u64, u64)> = trace
                .drains
                .iter()
                .filter(|d| d.upgrade == Some(i as u32))
                .flat_map(|d| spans_of(d, trace.end))
                .map(|(_, _, a, b)| (a, b))
                .collect();
            let blocked = union_ms(&mut spans);
            let (end_ms, end) = clock(u.end);
            let duration = u.end.unwrap_or(trace.end).saturating_since(u.start);
            let (outcome, failure) = match &u.outcome {
                UpgradeOutcome::Running => ("running", None),
                UpgradeOutcome::Succeeded => ("succeeded", None),
                UpgradeOutcome::Failed(why) => ("failed", Some(why.clone())),
            };
            UpgradeSummary {
                pool: u.pool.clone(),
                label: u.label.clone(),
                outcome: outcome.to_string(),
                failure,
                start_ms: u.start.0,
                start: u.start.to_string(),
                end_ms,
                end,
                duration_ms: duration.0,
                duration: duration.to_string(),
                max_surge: u.max_surge,
                max_unavailable: u.max_unavailable,
                old_nodes: u.old_nodes.len() as u32,
                new_nodes: u.new_nodes.clone(),
                peak_extra_nodes: u.peak_extra_nodes,
                blocked_by_pdbs_ms: blocked,
                blocked_by_pdbs: SimDuration(blocked).to_string(),
                provisioning_wait_ms: u.provisioning_wait.0,
                forced_nodes: u.forced_nodes.clone(),
            }
        })
        .collect()
}

/// The PDBs of the run, from their metrics columns.
pub fn summarize_pdbs(trace: &Trace) -> Vec<PdbSummary> {
    let m = &trace.metrics;
    let mut refs: Vec<&str> = Vec::new();
    for c in &m.columns {
        if let Some((r, _)) = split_pdb_column(c)
            && !refs.contains(&r)
        {
            refs.push(r);
        }
    }
    refs.into_iter()
        .map(|r| {
            let col = |f: &str| m.column(&format!("{r}:{f}"));
            let (ce, cd, ch, ca) =
                (col("expected"), col("desired"), col("healthy"), col("allowed"));
            let get = |c: Option<usize>| c.and_then(|c| m.last_value(c)).unwrap_or(0);
            let mut lowest: Option<i64> = None;
            let mut zero_ms = 0;
            let mut met = false;
            // The rows where one of the four changed (a missing column reads 0): between two
            // of them all hold, so the figures are those of a walk over every row.
            let col_or_none = |c: Option<usize>| c.unwrap_or(usize::MAX);
            let mut steps =
                m.steps(vec![col_or_none(ce), col_or_none(cd), col_or_none(ch), col_or_none(ca)]);
            while let Some((t, v)) = steps.advance() {
                let (expected, desired, healthy, allowed) = (v[0], v[1], v[2], v[3]);
                // From the first instant the budget is met (pods expected and at least
                // `desiredHealthy` healthy): the initial rollout is not a disruption.
                met = met || (expected > 0 && healthy >= desired);
                if !met {
                    continue;
                }
                lowest = Some(lowest.map_or(healthy, |l| l.min(healthy)));
                if allowed == 0 {
                    let until = steps.peek_time().unwrap_or(trace.end);
                    zero_ms += until.saturating_since(t).0;
                }
            }
            PdbSummary {
                pdb: r.to_string(),
                expected: get(ce),
                desired: get(cd),
                healthy: get(ch),
                allowed: get(ca),
                lowest_healthy: lowest,
                no_disruption_allowed_ms: zero_ms,
                no_disruption_allowed: SimDuration(zero_ms).to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_of_spans() {
        // [0,10) and [5,20) overlap -> 20; [30,35) adds 5; an empty span adds nothing.
        assert_eq!(union_ms(&mut [(5, 20), (0, 10), (30, 35), (40, 40)]), 25);
        assert_eq!(union_ms(&mut []), 0);
        // Touching spans merge.
        assert_eq!(union_ms(&mut [(0, 10), (10, 15)]), 15);
    }
}
