//! The trace: what happened during a run. Every output (CSV, charts, summary) is computed
//! from it, so what a user sees and what a check asserts cannot disagree.

use crate::meta::Kind;
use kubesim_engine::SimTime;

/// `type` of a Kubernetes Event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// `Normal`
    Normal,
    /// `Warning`
    Warning,
}

impl EventType {
    /// `Normal` or `Warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "Normal",
            Self::Warning => "Warning",
        }
    }
}

/// One event, as `kubectl get events` would list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// When it happened.
    pub time: SimTime,
    /// Normal or Warning.
    pub event_type: EventType,
    /// The kind of the involved object.
    pub kind: Kind,
    /// The namespace of the involved object (empty for nodes).
    pub namespace: String,
    /// The name of the involved object.
    pub name: String,
    /// `reason`, e.g. `Scheduled`, `FailedScheduling`, `Killing`.
    pub reason: &'static str,
    /// `message`, worded like the Kubernetes component's.
    pub message: String,
    /// The node involved, if any.
    pub node: String,
}

/// A time series table: one column per series, one row per instant at which some value changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Column names (without the time column).
    pub columns: Vec<String>,
    /// Rows in time order; each has one value per column.
    pub rows: Vec<(SimTime, Vec<i64>)>,
}

impl Metrics {
    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Appends a sample at `time` if it differs from the last row (a later sample at the same
    /// time replaces the earlier one, so each instant has its settled values).
    pub fn record(&mut self, time: SimTime, values: Vec<i64>) {
        if let Some((t, last)) = self.rows.last_mut() {
            if *last == values {
                return;
            }
            if *t == time {
                *last = values;
                // Drop the row if it now equals the one before it.
                let n = self.rows.len();
                if n >= 2 && self.rows[n - 2].1 == self.rows[n - 1].1 {
                    self.rows.pop();
                }
                return;
            }
        }
        self.rows.push((time, values));
    }

    /// The value of a column at `time` (the last row at or before it).
    pub fn value_at(&self, column: usize, time: SimTime) -> Option<i64> {
        let idx = self.rows.partition_point(|(t, _)| *t <= time);
        idx.checked_sub(1).map(|i| self.rows[i].1[column])
    }
}

/// A scenario action, marked on charts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// When the action ran.
    pub time: SimTime,
    /// A short label, e.g. `cordon node-1`.
    pub label: String,
}

/// Everything a run recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// Events in the order they happened.
    pub events: Vec<TraceEvent>,
    /// Metrics over time.
    pub metrics: Metrics,
    /// Actions, in time order.
    pub marks: Vec<Mark>,
    /// When the run ended (the scenario's duration, or the time nothing was left to do).
    pub end: SimTime,
    /// How many queue events the engine processed.
    pub events_processed: u64,
    /// Drains (`drain` actions and the drains of node-pool upgrades), in start order.
    pub drains: Vec<crate::disruption::DrainRecord>,
    /// Node-pool upgrades, in start order.
    pub upgrades: Vec<crate::disruption::UpgradeRecord>,
    /// Evictions the Eviction API allowed, in time order (for `noPdbViolation`).
    pub evictions: Vec<crate::disruption::EvictionRecord>,
    /// When pods stopped being Pending (turned Running, Succeeded or Failed, or started
    /// being deleted, or were removed), in time order: with each pod's creation time (or t = 0
    /// for pods Pending at the start) this gives how long each pod was Pending. A pod may
    /// appear more than once; its first entry counts.
    pub left_pending: Vec<(crate::meta::PodId, SimTime)>,
    /// Deployment rollouts started by `rollout` actions, in start order.
    pub rollouts: Vec<RolloutRecord>,
}

/// One `rollout` action and how the Deployment's rollout went, as `kubectl rollout status`
/// would tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutRecord {
    /// The action's label, e.g. `rollout deployment/web image=web:2`.
    pub label: String,
    /// The Deployment.
    pub workload: crate::meta::WorkloadId,
    /// When the template changed.
    pub start: SimTime,
    /// When the Deployment was complete (`DeploymentComplete`: every replica updated and
    /// available, no old replica left), if it was.
    pub complete: Option<SimTime>,
    /// When its `Progressing` condition turned False with reason `ProgressDeadlineExceeded`
    /// (the first time), if it did.
    pub deadline_exceeded: Option<SimTime>,
    /// When a later `rollout` of the same Deployment changed its template again before this
    /// one was complete (this revision then never completes).
    pub superseded: Option<SimTime>,
}

/// Column name of the count of pods in phase Pending (bound or not) that are not being deleted.
pub const COL_PODS_PENDING: &str = "pods_pending";
/// Column name of the count of nodes that exist and are Ready.
pub const COL_NODES_READY: &str = "nodes_ready";
/// Column name of the count of nodes that exist and are not Ready (False or Unknown).
pub const COL_NODES_NOT_READY: &str = "nodes_not_ready";
/// Column name of the count of nodes that exist and are cordoned (`spec.unschedulable`).
pub const COL_NODES_CORDONED: &str = "nodes_cordoned";
/// Column name of the count of nodes that exist and are `Ready=Unknown` (a subset of
/// [`COL_NODES_NOT_READY`]): the node lifecycle controller stopped hearing from them.
pub const COL_NODES_UNKNOWN: &str = "nodes_unknown";
/// Column name of the count of nodes that exist and carry a `node.kubernetes.io/not-ready`
/// or `node.kubernetes.io/unreachable` NoExecute taint (their pods are being evicted).
pub const COL_NODES_NOEXECUTE: &str = "nodes_noexecute";
/// Column name of the count of nodes that exist, are Ready and are cordoned: with
/// [`COL_NODES_READY`], [`COL_NODES_NOT_READY`] and [`COL_NODES_UNKNOWN`] it splits the nodes
/// into Ready and schedulable, Ready and cordoned, NotReady (False) and Unknown, the stack of
/// the nodes chart.
pub const COL_NODES_READY_CORDONED: &str = "nodes_ready_cordoned";

/// The series kept per zone of the node lifecycle controller.
pub const ZONE_FIELDS: [&str; 2] = ["state", "not_ready"];

/// The zone states of the node lifecycle controller as they appear in `metrics.csv`
/// (`zone/<name>:state`), by code: `0 Initial` (also a zone that has lost all its nodes,
/// which upstream forgets), `1 Normal`, `2 PartialDisruption`, `3 FullDisruption`.
pub const ZONE_STATES: [&str; 4] = ["Initial", "Normal", "PartialDisruption", "FullDisruption"];

/// The name a zone is shown by: its `topology.kubernetes.io/zone` label, or `<none>` for
/// nodes without one.
pub fn zone_ref(zone: &str) -> String {
    if zone.is_empty() { "zone/<none>".to_string() } else { format!("zone/{zone}") }
}

/// Column name of one series of a zone: `zone/zone-a:state`.
pub fn zone_column(zone_ref: &str, field: &str) -> String {
    format!("{zone_ref}:{field}")
}

/// Splits a zone column back into (reference, field).
pub fn split_zone_column(column: &str) -> Option<(&str, &str)> {
    column.rsplit_once(':').filter(|(r, f)| r.starts_with("zone/") && ZONE_FIELDS.contains(f))
}

/// Column name of the count of live pods in phase Running.
pub const COL_PODS_RUNNING: &str = "pods_running";
/// Column name of the count of live pods in phase Succeeded (not yet garbage-collected).
pub const COL_PODS_SUCCEEDED: &str = "pods_succeeded";
/// Column name of the count of live pods in phase Failed (not yet garbage-collected).
pub const COL_PODS_FAILED: &str = "pods_failed";
/// Column name of the count of live pods with a deletion timestamp (`Terminating` in kubectl).
pub const COL_PODS_TERMINATING: &str = "pods_terminating";
/// Column name of the number of container restarts since the start of the run (every pod's,
/// including pods since deleted): the sum of the `restartCount` increments.
pub const COL_CONTAINER_RESTARTS: &str = "container_restarts";

/// The series kept per top-level workload: `spec.replicas`, ready and available replicas, and
/// the container restarts of its pods since the start of the run.
pub const WORKLOAD_FIELDS: [&str; 4] = ["desired", "ready", "available", "restarts"];

/// The series kept per PodDisruptionBudget: `status.expectedPods`, `desiredHealthy`,
/// `currentHealthy` and `disruptionsAllowed`.
pub const PDB_FIELDS: [&str; 4] = ["expected", "desired", "healthy", "allowed"];

/// The kubectl-style reference of a PDB (short name `pdb`): `pdb/web`, or `pdb/shop/web`
/// outside the `default` namespace. Its columns are `pdb/web:allowed`, ...
pub fn pdb_ref(namespace: &str, name: &str) -> String {
    if namespace == "default" || namespace.is_empty() {
        format!("pdb/{name}")
    } else {
        format!("pdb/{namespace}/{name}")
    }
}

/// Splits a PDB column back into (reference, field).
pub fn split_pdb_column(column: &str) -> Option<(&str, &str)> {
    column.rsplit_once(':').filter(|(r, _)| r.starts_with("pdb/"))
}

/// The kubectl-style reference of a workload: `deployment/web`, or `deployment/shop/web`
/// outside the `default` namespace.
pub fn workload_ref(kind: Kind, namespace: &str, name: &str) -> String {
    let k = kind.as_str().to_ascii_lowercase();
    if namespace == "default" || namespace.is_empty() {
        format!("{k}/{name}")
    } else {
        format!("{k}/{namespace}/{name}")
    }
}

/// Column name of one series of a workload: `deployment/web:ready`.
pub fn workload_column(workload_ref: &str, field: &str) -> String {
    format!("{workload_ref}:{field}")
}

/// Splits a workload column back into (reference, field); other columns with a `/` (PDBs,
/// zones) are not workloads.
pub fn split_workload_column(column: &str) -> Option<(&str, &str)> {
    column.rsplit_once(':').filter(|(r, f)| {
        r.contains('/')
            && !r.starts_with("zone/")
            && !r.starts_with("pdb/")
            && WORKLOAD_FIELDS.contains(f)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_dedups_and_settles_same_instant() {
        let mut m = Metrics { columns: vec!["a".into()], rows: vec![] };
        m.record(SimTime(0), vec![1]);
        m.record(SimTime(5), vec![1]); // unchanged: no row
        m.record(SimTime(10), vec![2]);
        m.record(SimTime(10), vec![3]); // same instant: replaces
        assert_eq!(m.rows, vec![(SimTime(0), vec![1]), (SimTime(10), vec![3])]);
        m.record(SimTime(20), vec![4]);
        m.record(SimTime(20), vec![3]); // settles back to the previous value: row dropped
        assert_eq!(m.rows.len(), 2);
        assert_eq!(m.value_at(0, SimTime(15)), Some(3));
        assert_eq!(m.value_at(0, SimTime(9)), Some(1));
    }
}
