//! `events.csv` and `metrics.csv`.
//!
//! Both start with a header row and use `time` as their first column: seconds since the
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

use crate::ReportError;
use crate::timefmt::secs_3;
use kubesim_model::Trace;
use std::io::Write;

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
