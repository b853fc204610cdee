//! `kubesim`: run a scenario, validate one without running it, explain a pod's scheduling,
//! check scenarios' expectations, or sweep one over parameters and seeds.
//!
//! Two stages, like ripgrep: clap parses the flags into [`Cli`]; each command turns them into
//! a checked plan (scenario loaded and validated, overrides applied) before anything runs.
//! Exit codes: 0 success, 1 internal error (for `check`: an expectation failed), 2 bad input.

mod check;
mod explain;
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
    },
    /// Run a scenario over a grid of parameter values x seeds, in parallel, and write
    /// sweep.csv, sweep-summary.csv and charts.
    Sweep(sweep::SweepArgs),
    /// Join the outputs of `sweep --shard K/N` runs into the whole sweep's outputs.
    Merge(merge::MergeArgs),
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

/// Reads and checks a scenario file; any error is bad input.
pub(crate) fn load(file: &Path) -> Result<kubesim_model::Scenario, Failure> {
    kubesim_scenario::load(file).map(|l| l.scenario).map_err(|e| Failure::BadInput(e.to_string()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::validate(args),
        Command::Explain(args) => explain::explain_cmd(args),
        Command::Check { paths, junit, output } => {
            match check::check(&paths, junit.as_deref(), output) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(1),
                Err(e) => Err(e),
            }
        }
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => merge::merge(args),
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
