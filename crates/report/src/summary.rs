//! The figures of a run ([`Summary`]), computed from the trace and the final cluster.
//!
//! `summary.json` is this struct serialized (keys in declaration order). Every instant
//! appears twice: as integer milliseconds since the start (`*_ms`) and as a clock string
//! (`00:01:30.250`); every span as milliseconds and in Go duration style (`1m30s`).
//! Figures that may not exist (a workload that never became ready) are `null`.

use crate::RunOutput;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::trace::{
    COL_CONTAINER_RESTARTS, COL_NODES_CORDONED, COL_NODES_NOT_READY, COL_NODES_READY,
    COL_PODS_FAILED, COL_PODS_PENDING, COL_PODS_SUCCEEDED, split_workload_column,
};
use kubesim_model::{Metrics, Trace};
use serde::Serialize;
use std::collections::BTreeMap;

/// Everything `summary.json` holds about a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's seed.
    pub seed: u64,
    /// The scenario's `duration`, in ms.
    pub duration_ms: u64,
    /// The scenario's `duration`, Go style (`10m0s`).
    pub duration: String,
    /// When the run ended (the duration, or earlier if nothing was left to happen), in ms.
    pub end_ms: u64,
    /// When the run ended, as a clock (`00:10:00.000`).
    pub end: String,
    /// How many queue events the engine processed.
    pub events_processed: u64,
    /// How many events the trace holds (rows of `events.csv`).
    pub trace_events: u64,
    /// One entry per top-level workload, in the order of the metrics columns.
    pub workloads: Vec<WorkloadSummary>,
    /// Pending pods.
    pub pods: PodSummary,
    /// Nodes at the end of the run.
    pub nodes: NodeSummary,
    /// Every node that existed during the run, in the cluster's node order (creation order),
    /// with its status at the end and the time it spent in each state of the node timeline.
    pub node_list: Vec<NodeLine>,
    /// The scenario's actions, in time order.
    pub actions: Vec<ActionSummary>,
    /// Counts of events.
    pub events: EventSummary,
    /// PodDisruptionBudgets over the run, by namespace/name.
    pub pdbs: Vec<crate::disruptions::PdbSummary>,
    /// Drains (`drain` actions and those of node-pool upgrades), in start order.
    pub drains: Vec<crate::disruptions::DrainSummary>,
    /// Node-pool upgrades, in start order.
    pub upgrades: Vec<crate::disruptions::UpgradeSummary>,
    /// The cluster autoscaler's scale-ups with their latency (absent without autoscaling
    /// pools).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scale_ups: Vec<crate::autoscaler::ScaleUpSummary>,
    /// Spot interruptions with their PDB violations and replacement latency (absent without
    /// any).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spot_interruptions: Option<crate::spot::SpotSummary>,
    /// The scenario's notes (fields read but not simulated, defaults applied, …).
    pub notes: Vec<String>,
    /// Verdicts of the scenario's expectations (`expect:`), in file order (see
    /// [`crate::expectations`]).
    pub expectations: Vec<ExpectationVerdict>,
}

impl Summary {
    /// Whether every expectation passed (true when there are none).
    pub fn all_expectations_passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }
}

/// Figures of one top-level workload (a Deployment, a StatefulSet or a standalone ReplicaSet).
///
/// A workload is *full* when `ready >= desired` (ready may exceed desired during a rolling
/// update's surge). The dip figures look only at the time after the workload first became
/// full, so the initial rollout does not count as a disruption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkloadSummary {
    /// The kubectl-style reference, e.g. `deployment/web` or `statefulset/shop/db`.
    pub workload: String,
    /// `spec.replicas` at the end.
    pub desired: i64,
    /// Ready replicas at the end.
    pub ready: i64,
    /// Available replicas at the end.
    pub available: i64,
    /// When ready first reached desired, in ms (`null` if never).
    pub first_ready_ms: Option<u64>,
    /// When ready first reached desired, as a clock.
    pub first_ready: Option<String>,
    /// The lowest ready count at or after `first_ready` (`null` if never full): the depth of
    /// the dip a disruption caused.
    pub lowest_ready: Option<i64>,
    /// When the lowest ready count was first reached, in ms.
    pub lowest_ready_at_ms: Option<u64>,
    /// When the lowest ready count was first reached, as a clock.
    pub lowest_ready_at: Option<String>,
    /// When ready last came back to desired after having been below it (after
    /// `first_ready`), in ms; `null` if it never fell below, or is still below at the end.
    pub recovered_ms: Option<u64>,
    /// When ready last came back to desired, as a clock.
    pub recovered: Option<String>,
    /// Time spent with ready below desired after `first_ready`, in ms (0 if never full).
    pub below_desired_ms: u64,
    /// Time spent below desired after `first_ready`, Go style (`15s`).
    pub below_desired: String,
    /// Container restarts of the workload's pods over the run.
    pub restarts: i64,
}

/// Pods over the run: pending pods (metrics column `pods_pending`), and at the end the pods
/// that completed and the container restarts (`pods_succeeded`, `pods_failed`,
/// `container_restarts`; 0 when the metrics lack them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodSummary {
    /// The largest number of pending pods at any instant.
    pub max_pending: i64,
    /// When that number was first reached, in ms (`null` if no pod was ever pending).
    pub max_pending_at_ms: Option<u64>,
    /// When that number was first reached, as a clock.
    pub max_pending_at: Option<String>,
    /// Pods in phase Succeeded at the end (not yet garbage-collected).
    pub succeeded: i64,
    /// Pods in phase Failed at the end (not yet garbage-collected).
    pub failed: i64,
    /// Container restarts over the whole run.
    pub container_restarts: i64,
}

/// Nodes at the end of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NodeSummary {
    /// Nodes that exist and are Ready.
    pub ready: i64,
    /// Nodes that exist and are not Ready (False or Unknown).
    pub not_ready: i64,
    /// Nodes that exist and are cordoned.
    pub cordoned: i64,
}

/// One node over the run: `kubectl get nodes` at the end, and the time it spent in each
/// state of the node timeline (see [`crate::timeline`]; where states overlap the most severe
/// counts: gone, NotReady, draining, cordoned, Ready).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeLine {
    /// The node's name.
    pub node: String,
    /// `kubectl get nodes` STATUS at the end: `Ready`, `NotReady` (False or Unknown), with
    /// `,SchedulingDisabled` when cordoned; `Deleted` for a Node object deleted during the run.
    pub status: String,
    /// The zone (`topology.kubernetes.io/zone`), if any.
    pub zone: Option<String>,
    /// The node pool, if any.
    pub pool: Option<String>,
    /// `creationTimestamp`, in ms (0 for the scenario's nodes).
    pub created_ms: u64,
    /// `creationTimestamp`, as a clock.
    pub created: String,
    /// When the Node object was deleted, in ms (`null` if it still exists).
    pub deleted_ms: Option<u64>,
    /// When the Node object was deleted, as a clock.
    pub deleted: Option<String>,
    /// Time spent NotReady, in ms.
    pub not_ready_ms: u64,
    /// Time spent NotReady, Go style.
    pub not_ready: String,
    /// Time spent cordoned while Ready (not draining), in ms.
    pub cordoned_ms: u64,
    /// Time spent cordoned while Ready, Go style.
    pub cordoned: String,
    /// Time spent being drained while Ready, in ms.
    pub draining_ms: u64,
    /// Time spent being drained while Ready, Go style.
    pub draining: String,
}

/// One action of the scenario's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionSummary {
    /// When it ran, in ms.
    pub at_ms: u64,
    /// When it ran, as a clock.
    pub at: String,
    /// Its label, e.g. `cordon node-1`.
    pub label: String,
}

/// Counts of trace events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventSummary {
    /// All events.
    pub total: u64,
    /// Events of type Warning.
    pub warnings: u64,
    /// `Scheduled` events.
    pub scheduled: u64,
    /// `FailedScheduling` events.
    pub failed_scheduling: u64,
    /// `Killing` events.
    pub killing: u64,
    /// `SuccessfulCreate` events.
    pub successful_create: u64,
    /// Count per reason, sorted by reason.
    pub by_reason: BTreeMap<String, u64>,
}

/// The verdict on one expectation of the scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectationVerdict {
    /// What was expected, as the scenario states it.
    pub expectation: String,
    /// Whether the run met it.
    pub passed: bool,
    /// The kind, as the scenario file spells it (`ready`, `completes`, `noEvent`, ...).
    pub kind: String,
    /// What was observed at the worst point (why it passed or failed).
    pub detail: String,
    /// When the worst point was, in ms (`null` when there is none, e.g. no eviction at all):
    /// the lowest ready count, the end of a drain, the start of the longest Pending, the
    /// eviction that broke a limit, the first forbidden event, ...
    pub worst_at_ms: Option<u64>,
    /// When the worst point was, as a clock.
    pub worst_at: Option<String>,
    /// The value at the worst point, in `unit`.
    pub worst_value: Option<i64>,
    /// The unit of `worst_value`: `replicas`, `ms`, `evictions`, `restarts`, `events` or
    /// `violations`.
    pub unit: String,
}

/// Computes the [`Summary`] of a run, with the verdicts of the scenario's expectations.
pub fn summarize(out: &RunOutput) -> Summary {
    summarize_parts(out, true)
}

/// The parts of the summary that [`crate::figures::figures`] reads: everything but the
/// per-node lines (`node_list`, one timeline per node) and the expectations' verdicts, which
/// are left empty. A sweep records only figures, so it skips the work that grows with the
/// nodes and the expectations.
pub(crate) fn summarize_for_figures(out: &RunOutput) -> Summary {
    summarize_parts(out, false)
}

fn summarize_parts(out: &RunOutput, full: bool) -> Summary {
    let trace = out.trace;
    let scenario = out.scenario;
    Summary {
        scenario: scenario.name.clone(),
        seed: scenario.seed,
        duration_ms: scenario.duration.0,
        duration: scenario.duration.to_string(),
        end_ms: trace.end.0,
        end: trace.end.to_string(),
        events_processed: trace.events_processed,
        trace_events: trace.events.len() as u64,
        workloads: workload_columns(&trace.metrics)
            .iter()
            .map(|w| summarize_workload(trace, w))
            .collect(),
        pods: summarize_pods(trace),
        nodes: summarize_nodes(out),
        node_list: if full { node_lines(out) } else { Vec::new() },
        actions: trace
            .marks
            .iter()
            .map(|m| ActionSummary {
                at_ms: m.time.0,
                at: m.time.to_string(),
                label: m.label.clone(),
            })
            .collect(),
        events: summarize_events(trace),
        pdbs: crate::disruptions::summarize_pdbs(trace),
        drains: crate::disruptions::summarize_drains(trace),
        upgrades: crate::disruptions::summarize_upgrades(trace),
        scale_ups: crate::autoscaler::summarize_scale_ups(trace, out.cluster),
        spot_interruptions: crate::spot::summarize_spot(trace, out.cluster),
        notes: scenario.notes.clone(),
        expectations: if full { crate::expectations::evaluate(out) } else { Vec::new() },
    }
}

/// The metrics columns of one top-level workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorkloadColumns {
    /// `deployment/web`
    pub workload: String,
    /// Index of `…:desired`.
    pub desired: Option<usize>,
    /// Index of `…:ready`.
    pub ready: Option<usize>,
    /// Index of `…:available`.
    pub available: Option<usize>,
    /// Index of `…:restarts`.
    pub restarts: Option<usize>,
}

/// The workloads that have metrics columns, in the order of their first column.
pub(crate) fn workload_columns(metrics: &Metrics) -> Vec<WorkloadColumns> {
    let mut out: Vec<WorkloadColumns> = Vec::new();
    for (i, col) in metrics.columns.iter().enumerate() {
        let Some((wref, field)) = split_workload_column(col) else {
            continue;
        };
        let pos = match out.iter().position(|w| w.workload == wref) {
            Some(p) => p,
            None => {
                out.push(WorkloadColumns {
                    workload: wref.to_string(),
                    desired: None,
                    ready: None,
                    available: None,
                    restarts: None,
                });
                out.len() - 1
            }
        };
        let w = &mut out[pos];
        match field {
            "desired" => w.desired = Some(i),
            "ready" => w.ready = Some(i),
            "available" => w.available = Some(i),
            "restarts" => w.restarts = Some(i),
            _ => {}
        }
    }
    out
}

fn at(t: Option<SimTime>) -> (Option<u64>, Option<String>) {
    (t.map(|t| t.0), t.map(|t| t.to_string()))
}

fn summarize_workload(trace: &Trace, w: &WorkloadColumns) -> WorkloadSummary {
    let m = &trace.metrics;
    let get = |col: Option<usize>| col.and_then(|c| m.last_value(c)).unwrap_or(0);

    let mut first_full: Option<SimTime> = None;
    let mut lowest: Option<(i64, SimTime)> = None;
    let mut below_ms = 0u64;
    let mut was_below = false;
    let mut last_recovery: Option<SimTime> = None;
    // The rows where desired or ready changed (a missing column reads 0): between two of
    // them both hold, so the figures are those of a walk over every row.
    let mut steps = m.steps(vec![w.desired.unwrap_or(usize::MAX), w.ready.unwrap_or(usize::MAX)]);
    while let Some((t, v)) = steps.advance() {
        let (desired, ready) = (v[0], v[1]);
        let full = ready >= desired;
        if first_full.is_none() {
            if !full {
                continue;
            }
            first_full = Some(t);
        }
        if lowest.is_none_or(|(l, _)| ready < l) {
            lowest = Some((ready, t));
        }
        // The step holds until the next step, or the end of the run.
        let until = steps.peek_time().unwrap_or(trace.end);
        if full {
            if was_below {
                last_recovery = Some(t);
            }
        } else {
            below_ms += until.saturating_since(t).0;
        }
        was_below = !full;
    }
    // Recovered only if the workload is full at the end.
    let full_at_end = get(w.ready) >= get(w.desired);
    let recovered = if full_at_end { last_recovery } else { None };

    let (first_ready_ms, first_ready) = at(first_full);
    let (lowest_ready_at_ms, lowest_ready_at) = at(lowest.map(|(_, t)| t));
    let (recovered_ms, recovered) = at(recovered);
    WorkloadSummary {
        workload: w.workload.clone(),
        desired: get(w.desired),
        ready: get(w.ready),
        available: get(w.available),
        first_ready_ms,
        first_ready,
        lowest_ready: lowest.map(|(l, _)| l),
        lowest_ready_at_ms,
        lowest_ready_at,
        recovered_ms,
        recovered,
        below_desired_ms: below_ms,
        below_desired: SimDuration(below_ms).to_string(),
        restarts: get(w.restarts),
    }
}

fn summarize_pods(trace: &Trace) -> PodSummary {
    let mut max: Option<(i64, SimTime)> = None;
    if let Some(c) = trace.metrics.column(COL_PODS_PENDING) {
        for (t, v) in trace.metrics.series(c) {
            if v > 0 && max.is_none_or(|(m, _)| v > m) {
                max = Some((v, t));
            }
        }
    }
    let (max_pending_at_ms, max_pending_at) = at(max.map(|(_, t)| t));
    let last = |col: &str| {
        trace.metrics.column(col).and_then(|c| trace.metrics.last_value(c)).unwrap_or(0)
    };
    PodSummary {
        max_pending: max.map_or(0, |(m, _)| m),
        max_pending_at_ms,
        max_pending_at,
        succeeded: last(COL_PODS_SUCCEEDED),
        failed: last(COL_PODS_FAILED),
        container_restarts: last(COL_CONTAINER_RESTARTS),
    }
}

/// Node counts from the metrics at the end; a column the metrics lack is counted on the
/// final cluster instead.
fn summarize_nodes(out: &RunOutput) -> NodeSummary {
    let m = &out.trace.metrics;
    let from_metrics = |name: &str| -> Option<i64> { m.last_value(m.column(name)?) };
    let live = || out.cluster.live_nodes().map(|id| &out.cluster.nodes[id.index()]);
    let count = |n: usize| n as i64;
    NodeSummary {
        ready: from_metrics(COL_NODES_READY)
            .unwrap_or_else(|| count(live().filter(|n| n.is_ready()).count())),
        not_ready: from_metrics(COL_NODES_NOT_READY)
            .unwrap_or_else(|| count(live().filter(|n| !n.is_ready()).count())),
        cordoned: from_metrics(COL_NODES_CORDONED)
            .unwrap_or_else(|| count(live().filter(|n| n.unschedulable).count())),
    }
}

fn node_lines(out: &RunOutput) -> Vec<NodeLine> {
    use crate::timeline::NodeState;
    let rows = crate::timeline::node_rows(out);
    out.cluster
        .nodes
        .iter()
        .zip(rows)
        .map(|(n, row)| {
            let time_in = |state: NodeState| -> u64 {
                row.spans.iter().filter(|s| s.state == state).map(|s| s.to.0 - s.from.0).sum()
            };
            let status = if n.removed.is_some() {
                "Deleted".to_string()
            } else {
                let ready = if n.is_ready() { "Ready" } else { "NotReady" };
                if n.unschedulable { format!("{ready},SchedulingDisabled") } else { ready.into() }
            };
            let (not_ready, cordoned, draining) = (
                time_in(NodeState::NotReady),
                time_in(NodeState::Cordoned),
                time_in(NodeState::Draining),
            );
            NodeLine {
                node: n.meta.name.clone(),
                status,
                zone: n.zone.clone(),
                pool: n.pool.clone(),
                created_ms: n.meta.creation.0,
                created: n.meta.creation.to_string(),
                deleted_ms: n.removed.map(|t| t.0),
                deleted: n.removed.map(|t| t.to_string()),
                not_ready_ms: not_ready,
                not_ready: SimDuration(not_ready).to_string(),
                cordoned_ms: cordoned,
                cordoned: SimDuration(cordoned).to_string(),
                draining_ms: draining,
                draining: SimDuration(draining).to_string(),
            }
        })
        .collect()
}

fn summarize_events(trace: &Trace) -> EventSummary {
    let mut by_reason: BTreeMap<String, u64> = BTreeMap::new();
    let mut warnings = 0;
    for e in &trace.events {
        *by_reason.entry(e.reason.to_string()).or_default() += 1;
        if e.event_type == kubesim_model::EventType::Warning {
            warnings += 1;
        }
    }
    let n = |r: &str| by_reason.get(r).copied().unwrap_or(0);
    EventSummary {
        total: trace.events.len() as u64,
        warnings,
        scheduled: n("Scheduled"),
        failed_scheduling: n("FailedScheduling"),
        killing: n("Killing"),
        successful_create: n("SuccessfulCreate"),
        by_reason,
    }
}
