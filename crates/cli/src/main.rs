//! `kubesim`: run a scenario, validate one without running it, explain a pod's scheduling,
//! check scenarios' expectations, or sweep one over parameters and seeds.
//!
//! Two stages, like ripgrep: clap parses the flags into [`Cli`]; each command turns them into
//! a checked plan (scenario loaded and validated, overrides applied) before anything runs.
//! Exit codes: 0 success, 1 internal error (for `check`: an expectation failed), 2 bad input.

mod check;
mod explain;
mod import;
mod merge;
mod output;
mod progress;
mod run;
mod sweep;
mod validate;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A deterministic discrete-event simulator of Kubernetes clusters.
#[derive(Debug, Parser)]
#[command(name = "kubesim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write its results (events, metrics, summary, state, charts).
    Run(run::RunArgs),
    /// Check a scenario and its manifests without running it.
    Validate(validate::ValidateArgs),
    /// Explain one scheduling attempt of a pod: every node's filter verdicts and scores.
    Explain(explain::ExplainArgs),
    /// Run scenarios and check their expectations (`expect:`): exit 0 if all hold, 1 if one
    /// fails, 2 on bad input.
    Check {
        /// Scenario files, or directories searched recursively (files of Kubernetes manifests
        /// in them are skipped).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Also write a JUnit XML report (one testsuite per scenario, one testcase per
        /// expectation) to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Output format on stdout.
        #[arg(long, short = 'o', value_enum, default_value_t)]
        output: output::OutputFormat,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// Run a scenario over a grid of parameter values x seeds, in parallel, and write
    /// sweep.csv, sweep-summary.csv and charts.
    Sweep(sweep::SweepArgs),
    /// Join the outputs of `sweep --shard K/N` runs into the whole sweep's outputs.
    Merge(merge::MergeArgs),
    /// Turn a snapshot of a real cluster (`kubectl get ... -A -o yaml` or `-o json`) into a
    /// scenario that runs unchanged.
    Import(import::ImportArgs),
}

/// Why a command failed: bad input (exit 2) or a fault of ours (exit 1).
pub(crate) enum Failure {
    BadInput(String),
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

/// A results or sweep directory that could not be written: bad input (exit 2) when it is
/// refused as someone else's directory, or invalid; an internal error otherwise.
pub(crate) fn write_failure(dir: &Path, e: kubesim_report::ReportError) -> Failure {
    use kubesim_report::ReportError;
    match e {
        ReportError::NotOurs { .. } | ReportError::InvalidDir { .. } => {
            Failure::BadInput(format!("error: {e}"))
        }
        e => Failure::Internal(anyhow::anyhow!("writing results to {}: {e}", dir.display())),
    }
}

/// The flags of every command that reads scenarios: what an include may read and what the
/// scenario may create (see the README, "Safety limits").
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct LoadArgs {
    /// Let `include:` read files outside the scenario file's directory tree (by default an
    /// include must resolve, after symlinks, in or below that directory).
    #[arg(long)]
    pub allow_include_outside: bool,
    /// The largest scenario or included file read (bytes, or with a suffix: 512Mi, 1Gi).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "256Mi")]
    pub max_include_size: u64,
    /// The most pods the scenario may create (replicas, scale actions, DaemonSets x nodes,
    /// rollouts' surge), estimated before running.
    #[arg(long, value_name = "N", default_value_t = kubesim_scenario::DEFAULT_MAX_PODS)]
    pub max_pods: u64,
    /// The most nodes the scenario may have (pools, node manifests, add-node actions, upgrade
    /// surge), estimated before running.
    #[arg(long, value_name = "N", default_value_t = kubesim_scenario::DEFAULT_MAX_NODES)]
    pub max_nodes: u64,
}

impl LoadArgs {
    /// As the scenario crate takes them.
    pub fn options(&self) -> kubesim_scenario::LoadOptions {
        kubesim_scenario::LoadOptions {
            allow_include_outside: self.allow_include_outside,
            max_include_bytes: self.max_include_size,
            max_pods: self.max_pods,
            max_nodes: self.max_nodes,
        }
    }
}

/// `1048576`, `512Ki`, `256Mi`, `1Gi` (binary suffixes, as Kubernetes quantities write them).
fn parse_size(s: &str) -> Result<u64, String> {
    let (num, mult) = [("Ki", 1u64 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40)]
        .iter()
        .find_map(|(suf, m)| s.strip_suffix(suf).map(|n| (n, *m)))
        .unwrap_or((s, 1));
    num.trim().parse::<u64>().ok().and_then(|n| n.checked_mul(mult)).ok_or_else(|| {
        format!("expected a size in bytes, or with Ki, Mi, Gi or Ti, e.g. 512Mi; got `{s}`")
    })
}

/// Reads and checks a scenario file; any error is bad input.
pub(crate) fn load(file: &Path, args: &LoadArgs) -> Result<kubesim_model::Scenario, Failure> {
    kubesim_scenario::load_options(file, &args.options())
        .map(|l| l.scenario)
        .map_err(|e| Failure::BadInput(e.to_string()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::validate(args),
        Command::Explain(args) => explain::explain_cmd(args),
        Command::Check { paths, junit, output, load } => {
            match check::check(&paths, junit.as_deref(), output, &load) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(1),
                Err(e) => Err(e),
            }
        }
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => merge::merge(args),
        Command::Import(args) => import::import(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
        Err(Failure::Internal(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
