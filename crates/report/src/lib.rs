//! Turns a finished kubesim run into the files a person reads, and a summary.
//!
//! The input is a [`RunOutput`]: the [`Scenario`] that was run, the final [`Cluster`] and the
//! [`Trace`] the run recorded. Every figure is computed from the trace and the final state,
//! and every output is byte-identical for identical inputs: no wall clock, no hash-map
//! iteration, times formatted from integer milliseconds, charts drawn with a bundled font.
//!
//! [`write_results`] writes these files into a results directory, atomically (the directory
//! is rendered next to its final place and renamed into it, so a reader never sees a
//! half-written one):
//!
//! | file | content |
//! | --- | --- |
//! | `events.csv` | One row per trace event, in trace order: `time,type,kind,namespace,object,reason,message,node`. `time` is seconds since the start with exactly three decimals (`61.250`). See [`csv_files`]. |
//! | `evictions.csv` | One row per Eviction API call: `time,namespace,pod,caller,source,dry_run,code,reason,message,cause,pdbs,allowed_before,allowed_after,detail` (the header alone when there were none). See [`csv_files`]. |
//! | `metrics.csv` | `time` then one column per series of [`kubesim_model::Metrics`] (`pods_pending`, `nodes_ready`, `nodes_not_ready`, `nodes_cordoned`, `nodes_unknown`, `nodes_noexecute`, `nodes_ready_cordoned`, `deployment/web:desired`, `deployment/web:ready`, `deployment/web:available`, `deployment/web:restarts`, …, `pods_running`, `pods_succeeded`, `pods_failed`, `pods_terminating`, `container_restarts`, then per PDB `pdb/web:expected`, `:desired`, `:healthy`, `:allowed`, then per zone its state and not-Ready count): one row per instant at which a value changed, and a last row at the end of the run repeating the last values. See [`csv_files`]. |
//! | `objects.jsonl` | Only with `kubesim run --trace-objects`: one line per change of a followed object, `{"time","type","object"}` as `kubectl get --watch --output-watch-events -o json`. See [`objects`]. |
//! | `summary.json` | The [`Summary`], pretty-printed, keys in struct order (PDBs, drains and node-pool upgrades: see [`disruptions`]). |
//! | `summary.md` | A readable Markdown report: scenario, seed, simulated duration, events processed, the per-workload table, the actions with their times, counts of events by reason, the scenario's notes, and the chart. See [`markdown`]. |
//! | `state.yaml` | The final objects as `kubectl get nodes,pods,deployments,replicasets,statefulsets,daemonsets,poddisruptionbudgets -o yaml` would show them (pods with init, app and ephemeral container statuses, `lastState`, `restartCount`, readiness-gate conditions). See [`state`]. |
//! | `ready.png`, `ready.svg` | Ready replicas per top-level workload over time, with the desired count dashed, available replicas dotted where they differ, expectation thresholds dashed over their window, and the scenario's actions as vertical lines. 1000×500 px. See [`charts::ready_chart`]. |
//! | `pods.png`, `pods.svg` | Pods by phase (pending, running, succeeded, failed), pods terminating, and container restarts since the start (dashed), with the actions marked. See [`charts::pods_chart`]. |
//! | `pending.png`, `pending.svg` | Pending pods over time. See [`charts::pending_chart`]. |
//! | `nodes.png`, `nodes.svg` | Nodes stacked by condition (Ready, Ready and cordoned, NotReady, Unknown: the stack is the node count) over time, with the NoExecute-tainted nodes dashed. See [`charts::nodes_chart`]. |
//! | `node-timeline.png`, `node-timeline.svg` | A Gantt chart, one row per node: Ready, cordoned, draining, NotReady, gone. 1000 px wide, as tall as its rows need. See [`timeline`]. |
//! | `zones.png`, `zones.svg` | The node lifecycle controller's state of each zone (Normal, PartialDisruption, FullDisruption) over time. See [`charts::zones_chart`]. |
//! | `pdbs.png`, `pdbs.svg` | Each PodDisruptionBudget's `disruptionsAllowed` over time. See [`charts::pdbs_chart`]. |
//!
//! [`summarize`] computes the [`Summary`] alone, and [`render_terminal`] turns it into a few
//! lines and a `kubectl get`-style table for the terminal.
//!
//! For `kubesim sweep`, [`figures`] turns one run into named numbers, [`sweep`] writes
//! `sweep.csv` and `sweep-summary.csv` (nearest-rank percentiles per variant) and
//! [`sweep_chart`] draws a figure against a parameter with its spread over the seeds.
//!
//! Timestamps in `state.yaml` are RFC 3339, taking simulated t = 0 as [`EPOCH`].

pub mod autoscaler;
pub mod charts;
pub mod csv_files;
pub mod disruptions;
pub mod expectations;
pub mod figures;
pub mod markdown;
pub mod objects;
pub mod spot;
pub mod state;
pub mod summary;
pub mod sweep;
pub mod sweep_chart;
pub mod terminal;
mod text;
pub mod timefmt;
pub mod timeline;
mod write;

use kubesim_model::{Cluster, Scenario, Trace};
use std::path::PathBuf;

pub use disruptions::{DrainSummary, PdbBlocked, PdbSummary, UpgradeSummary};
pub use expectations::{evaluate as evaluate_expectations, thresholds};
pub use summary::{
    ActionSummary, EventSummary, ExpectationVerdict, NodeLine, NodeSummary, PodSummary, Summary,
    WorkloadSummary, summarize,
};
pub use terminal::render_terminal;
pub use timefmt::{EPOCH, EPOCH_UNIX_SECONDS, rfc3339, secs_3};
pub use write::{FILES, MARKER, OBJECTS_FILE, write_results, write_results_with};

/// A finished run: what [`summarize`] and [`write_results`] read.
#[derive(Debug, Clone, Copy)]
pub struct RunOutput<'a> {
    /// The scenario that was run (name, seed, duration, params, notes).
    pub scenario: &'a Scenario,
    /// The cluster as the run left it.
    pub cluster: &'a Cluster,
    /// What the run recorded.
    pub trace: &'a Trace,
}

/// Why the results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file system operation failed.
    #[error("{op} `{}`: {source}", path.display())]
    Io {
        /// What was being done, e.g. `cannot create directory`.
        op: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The results directory path cannot be used (no final component, or not a directory).
    #[error("invalid results directory `{}`: {reason}", path.display())]
    InvalidDir {
        /// The path given.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The results directory exists, is not empty and was not written by kubesim (it lacks
    /// [`MARKER`]): it is left alone unless `--force` is given.
    #[error(
        "`{}` exists and is not a kubesim results directory (it is not empty and has no {MARKER} file); choose another --out, or pass --force to replace it and everything in it",
        path.display()
    )]
    NotOurs {
        /// The directory.
        path: PathBuf,
    },
    /// Writing a CSV file failed.
    #[error("cannot write {file}: {source}")]
    Csv {
        /// The file being rendered.
        file: &'static str,
        /// The underlying error.
        #[source]
        source: csv::Error,
    },
    /// Serializing to JSON failed.
    #[error("cannot render summary.json: {0}")]
    Json(#[from] serde_json::Error),
    /// Serializing to YAML failed.
    #[error("cannot render state.yaml: {0}")]
    Yaml(String),
    /// Drawing a chart failed.
    #[error("cannot draw {file}: {message}")]
    Chart {
        /// The chart file being drawn.
        file: String,
        /// What went wrong.
        message: String,
    },
}

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;
