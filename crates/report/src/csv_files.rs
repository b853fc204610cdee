//! `events.csv`, `metrics.csv` and `evictions.csv`.
//!
//! All three start with a header row and use `time` as their first column: seconds since the
//! start of the run with exactly three decimals (`61.250`), from integer milliseconds.
//! Fields holding commas, quotes or line breaks are quoted as RFC 4180 says.
//!
//! `events.csv` — one row per trace event, in trace order:
//!
//! | column | content |
//! | --- | --- |
//! | `time` | when it happened |
//! | `type` | `Normal` or `Warning` |
//! | `kind` | the involved object's kind (`Pod`, `Node`, `ReplicaSet`, …) |
//! | `namespace` | the involved object's namespace (empty for nodes) |
//! | `object` | the involved object's name |
//! | `reason` | e.g. `Scheduled`, `FailedScheduling`, `Killing` |
//! | `message` | worded like the Kubernetes component's |
//! | `node` | the node involved, if any |
//!
//! `metrics.csv` — `time`, then the trace's metrics columns in their order:
//! `pods_pending`, `nodes_ready`, `nodes_not_ready`, `nodes_cordoned`, and per top-level
//! workload `<kind>/<name>:desired`, `:ready`, `:available` (see
//! [`kubesim_model::trace::workload_column`]). One row per instant at which some value
//! changed; if the last such instant is before the end of the run, a last row at the end
//! repeats the last values, so a plot reaches the end.
//!
//! `evictions.csv` — one row per Eviction API call (`POST pods/<name>/eviction`), in the
//! order they were made, whatever the answer; only the header when there were none (every
//! run writes the same files):
//!
//! | column | content |
//! | --- | --- |
//! | `time` | when it was posted |
//! | `namespace`, `pod` | the pod |
//! | `caller` | `drain` (a `drain` action), `upgrade` (a node-pool upgrade's drain), `action` (`evict-pod`), `autoscaler` (the cluster autoscaler's scale-down) |
//! | `source` | the drain's or action's label, or `scale-down <node>` |
//! | `dry_run` | `true` for `dryRun: [All]` (the answer, no change) |
//! | `code` | the HTTP status: 201, 404, 429, 403, 500 |
//! | `reason`, `message` | the `metav1.Status` reason and message as the API returns them (both empty for a 201; reason empty for the 500) |
//! | `cause` | a 429's status cause: `DisruptionBudget: <message>` |
//! | `pdbs` | the PDBs the API consulted (none when it did not look: terminal, Pending or deleted pods, 404), `;`-separated |
//! | `allowed_before`, `allowed_after` | their `disruptionsAllowed` before and after the call, in the same order |
//! | `detail` | for a 201, why it was allowed (`no PodDisruptionBudget`, `one disruption used`, `pod is Pending`, ...) |

use crate::ReportError;
use crate::timefmt::secs_3;
use kubesim_model::{Cluster, EvictionCaller, Trace};
use std::io::Write;

/// The header of `evictions.csv`.
pub const EVICTIONS_HEADER: [&str; 14] = [
    "time",
    "namespace",
    "pod",
    "caller",
    "source",
    "dry_run",
    "code",
    "reason",
    "message",
    "cause",
    "pdbs",
    "allowed_before",
    "allowed_after",
    "detail",
];

/// The header of `events.csv`.
pub const EVENTS_HEADER: [&str; 8] =
    ["time", "type", "kind", "namespace", "object", "reason", "message", "node"];

fn csv_err(file: &'static str) -> impl Fn(csv::Error) -> ReportError {
    move |source| ReportError::Csv { file, source }
}

fn finish<W: Write>(w: csv::Writer<W>, file: &'static str) -> Result<W, ReportError> {
    w.into_inner().map_err(|e| ReportError::Csv { file, source: e.into_error().into() })
}

/// Renders `events.csv`.
pub fn events_csv(trace: &Trace) -> Result<Vec<u8>, ReportError> {
    write_events_csv(trace, Vec::new())
}

/// Writes `events.csv` to `out` row by row (nothing is held beyond the writer's buffer), and
/// returns the writer.
pub fn write_events_csv<W: Write>(trace: &Trace, out: W) -> Result<W, ReportError> {
    const FILE: &str = "events.csv";
    let err = csv_err(FILE);
    let mut w = csv::Writer::from_writer(out);
    w.write_record(EVENTS_HEADER).map_err(&err)?;
    for e in &trace.events {
        w.write_record([
            secs_3(e.time.0).as_str(),
            e.event_type.as_str(),
            e.kind.as_str(),
            e.namespace,
            e.name,
            e.reason,
            e.message,
            e.node,
        ])
        .map_err(&err)?;
    }
    finish(w, FILE)
}

/// Renders `metrics.csv`.
pub fn metrics_csv(trace: &Trace) -> Result<Vec<u8>, ReportError> {
    write_metrics_csv(trace, Vec::new())
}

/// Writes `metrics.csv` to `out` row by row, and returns the writer.
pub fn write_metrics_csv<W: Write>(trace: &Trace, out: W) -> Result<W, ReportError> {
    const FILE: &str = "metrics.csv";
    let err = csv_err(FILE);
    let m = &trace.metrics;
    let mut w = csv::Writer::from_writer(out);
    let header = std::iter::once("time").chain(m.columns.iter().map(String::as_str));
    w.write_record(header).map_err(&err)?;
    let mut row = |t: u64, values: &[i64]| {
        let fields = std::iter::once(secs_3(t)).chain(values.iter().map(i64::to_string));
        w.write_record(fields)
    };
    let mut rows = m.rows();
    let mut last_time = None;
    while let Some((t, values)) = rows.advance() {
        row(t.0, values).map_err(&err)?;
        last_time = Some(t);
    }
    if let Some(t) = last_time
        && t < trace.end
    {
        let values: Vec<i64> = (0..m.columns.len()).filter_map(|c| m.last_value(c)).collect();
        row(trace.end.0, &values).map_err(&err)?;
    }
    finish(w, FILE)
}

/// Renders `evictions.csv`.
pub fn evictions_csv(trace: &Trace, cluster: &Cluster) -> Result<Vec<u8>, ReportError> {
    write_evictions_csv(trace, cluster, Vec::new())
}

/// Writes `evictions.csv` to `out` row by row, and returns the writer. Names are read from
/// the final cluster (a pod's slot outlives it) and the trace's drains and marks.
pub fn write_evictions_csv<W: Write>(
    trace: &Trace,
    cluster: &Cluster,
    out: W,
) -> Result<W, ReportError> {
    const FILE: &str = "evictions.csv";
    let err = csv_err(FILE);
    let mut w = csv::Writer::from_writer(out);
    w.write_record(EVICTIONS_HEADER).map_err(&err)?;
    let calls = &trace.eviction_calls;
    let join = |parts: &mut dyn Iterator<Item = String>| parts.collect::<Vec<_>>().join(";");
    for call in calls.iter() {
        let pod = &cluster.pods[call.pod.index()].meta;
        let pdbs = calls.pdbs(call);
        let pdb_name = |i: usize| cluster.pdbs[pdbs[i].pdb.index()].meta.name.as_str();
        let first = if pdbs.is_empty() { "" } else { pdb_name(0) };
        let source = match call.caller {
            EvictionCaller::Drain(i) | EvictionCaller::Upgrade(i) => {
                trace.drains[i as usize].label.clone()
            }
            EvictionCaller::Action(i) => trace.marks[i as usize].label.clone(),
            EvictionCaller::Autoscaler(n) => {
                format!("scale-down {}", cluster.nodes[n.index()].meta.name)
            }
        };
        let a = call.answer;
        let cause = a
            .cause(first)
            .map(|c| format!("{}: {c}", kubesim_model::eviction::CAUSE_DISRUPTION_BUDGET))
            .unwrap_or_default();
        let detail = match a {
            kubesim_model::EvictionAnswer::Created(g) => g.detail(),
            _ => "",
        };
        let code = a.code().to_string();
        let message = a.message(&pod.name, first);
        let names = join(&mut (0..pdbs.len()).map(|i| pdb_name(i).to_string()));
        let before = join(&mut pdbs.iter().map(|p| p.allowed_before.to_string()));
        let after = join(&mut pdbs.iter().map(|p| p.allowed_after.to_string()));
        w.write_record([
            secs_3(call.time.0).as_str(),
            pod.namespace.as_str(),
            pod.name.as_str(),
            call.caller.as_str(),
            source.as_str(),
            if call.dry_run { "true" } else { "false" },
            code.as_str(),
            a.reason(),
            message.as_str(),
            cause.as_str(),
            names.as_str(),
            before.as_str(),
            after.as_str(),
            detail,
        ])
        .map_err(&err)?;
    }
    finish(w, FILE)
}
