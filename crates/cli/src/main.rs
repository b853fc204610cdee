//! `kubesim`: run a scenario, check one without running it, or sweep one over parameters
//! and seeds.
//!
//! Two stages, like ripgrep: clap parses the flags into [`Cli`]; each command turns them into
//! a checked plan (scenario loaded and validated, overrides applied) before anything runs.
//! Exit codes: 0 success, 1 internal error, 2 bad input.

mod merge;
mod output;
mod progress;
mod sweep;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// A deterministic discrete-event simulator of Kubernetes clusters.
#[derive(Debug, Parser)]
#[command(name = "kubesim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write its results (events, metrics, summary, state, chart).
    Run {
        /// The scenario file.
        file: PathBuf,
        /// Seed of every random stream (overrides the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Results directory (default: results/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a scenario and its manifests without running it.
    Validate {
        /// The scenario file.
        file: PathBuf,
    },
    /// Run a scenario over a grid of parameter values x seeds, in parallel, and write
    /// sweep.csv, sweep-summary.csv and charts.
    Sweep(sweep::SweepArgs),
    /// Join the outputs of `sweep --shard K/N` runs into the whole sweep's outputs.
    Merge(merge::MergeArgs),
}

/// Why a command failed: bad input (exit 2) or a fault of ours (exit 1).
enum Failure {
    BadInput(String),
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

fn load(file: &Path) -> Result<kubesim_model::Scenario, Failure> {
    kubesim_scenario::load(file).map(|l| l.scenario).map_err(|e| Failure::BadInput(e.to_string()))
}

fn run(file: &Path, seed: Option<u64>, out: Option<PathBuf>) -> Result<(), Failure> {
    let mut scenario = load(file)?;
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let dir = out.unwrap_or_else(|| Path::new("results").join(&scenario.name));
    let started = Instant::now();
    let outcome = progress::run(&scenario);
    let wall = started.elapsed();
    let output = kubesim_report::RunOutput {
        scenario: &scenario,
        cluster: &outcome.cluster,
        trace: &outcome.trace,
    };
    let summary = kubesim_report::summarize(&output);
    let written = kubesim_report::write_results(&dir, &output).map_err(|e| {
        Failure::Internal(anyhow::anyhow!("writing results to {}: {e}", dir.display()))
    })?;
    print!("{}", kubesim_report::render_terminal(&summary));
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    println!();
    println!(
        "simulated {} in {:.1} ms ({} events); wrote {}/: {}",
        kubesim_engine::SimDuration::from_millis(outcome.trace.end.0),
        wall.as_secs_f64() * 1000.0,
        outcome.trace.events_processed,
        dir.display(),
        names.join(", ")
    );
    Ok(())
}

fn validate(file: &Path) -> Result<(), Failure> {
    let s = load(file)?;
    let live_pods = s.cluster.live_pods().count();
    println!(
        "{}: ok — scenario `{}`: {} nodes, {} workloads, {} pods, {} PDBs, {} actions, duration {}, seed {}",
        file.display(),
        s.name,
        s.cluster.nodes.len(),
        s.cluster.workloads.len(),
        live_pods,
        s.cluster.pdbs.len(),
        s.actions.len(),
        s.duration,
        s.seed
    );
    for note in &s.notes {
        println!("note: {note}");
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { file, seed, out } => run(&file, seed, out),
        Command::Validate { file } => validate(&file),
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
