//! `kubesim`: run a scenario, check one without running it, or explain a pod's scheduling.
//!
//! Two stages, like ripgrep: clap parses the flags into [`Cli`]; each command turns them into
//! a checked plan (scenario loaded and validated, overrides applied) before anything runs.
//! Exit codes: 0 success, 1 internal error, 2 bad input.

mod explain;
mod output;
mod run;
mod validate;

use clap::{Parser, Subcommand};
use std::path::Path;
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
