//! Shared helpers.

use kubesim_controllers::Outcome;
use kubesim_model::Scenario;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Loads `scenarios/<name>.yaml`.
pub fn load(name: &str) -> Scenario {
    let path = root().join("scenarios").join(format!("{name}.yaml"));
    match kubesim_scenario::load(&path) {
        Ok(l) => l.scenario,
        Err(e) => panic!("{e}"),
    }
}

/// Loads and runs a project scenario.
pub fn run(name: &str) -> Outcome {
    kubesim_controllers::run(&load(name))
}

/// Runs the `kubesim` binary.
pub fn kubesim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run kubesim")
}

/// `(time in seconds, reason, message)` of events with this reason.
pub fn events<'a>(out: &'a Outcome, reason: &str) -> Vec<(f64, &'a str, &'a str)> {
    out.trace
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.0 as f64 / 1000.0, e.node, e.message))
        .collect()
}

/// The value of a metrics column at `secs`.
pub fn metric(out: &Outcome, column: &str, secs: f64) -> i64 {
    let c = out.trace.metrics.column(column).unwrap_or_else(|| panic!("no column {column}"));
    out.trace.metrics.value_at(c, kubesim_engine::SimTime((secs * 1000.0) as u64)).expect("a row")
}
