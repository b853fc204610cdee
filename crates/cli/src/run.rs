//! `kubesim run FILE [--seed N] [--out DIR] [--trace-objects KIND[/NAME]] [--output text|json]`: runs a scenario, writes
//! its results directory, and prints the summary (a `kubectl get`-style report, or with
//! `--output json` the content of `summary.json` and nothing else).

use crate::output::OutputFormat;
use crate::{Failure, load};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The flags of `kubesim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file.
    pub file: PathBuf,
    #[command(flatten)]
    pub load: crate::LoadArgs,
    /// Seed of every random stream (overrides the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Results directory (default: results/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace `--out` even if it is a directory kubesim did not write (not empty, no
    /// `.kubesim-results` file): everything in it is deleted.
    #[arg(long)]
    pub force: bool,
    /// `text`: the summary tables; `json`: the summary as one JSON document (summary.json).
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: OutputFormat,
    /// Follow these objects and write each change of them to `objects.jsonl`: `KIND`,
    /// `KIND/NAME`, `KIND/NAMESPACE/NAME`, a trailing `*` for a name prefix (repeatable).
    #[arg(long, value_name = "KIND[/NAME]")]
    pub trace_objects: Vec<String>,
}

/// Runs the scenario and writes its results.
pub fn run(args: RunArgs) -> Result<(), Failure> {
    let trace = args
        .trace_objects
        .iter()
        .map(|t| kubesim_model::ObjectSelector::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::BadInput(format!("error: --trace-objects {e}")))?;
    let mut scenario = load(&args.file, &args.load)?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    // The warnings of `kubesim validate` (a pod that can never be scheduled), on stderr so
    // that stdout stays the summary (or the one JSON document).
    for warning in kubesim_scenario::warnings(&scenario) {
        eprintln!("warning: {}: {warning}", args.file.display());
    }
    let dir = args.out.unwrap_or_else(|| Path::new("results").join(&scenario.name));
    let started = Instant::now();
    let outcome = crate::progress::run(&scenario, trace);
    if let Some(why) = &outcome.stalled {
        // Nothing is written: a run cut short is no result.
        return Err(Failure::BadInput(format!("error: {}: {why}", args.file.display())));
    }
    let wall = started.elapsed();
    let output = kubesim_report::RunOutput {
        scenario: &scenario,
        cluster: &outcome.cluster,
        trace: &outcome.trace,
    };
    let summary = kubesim_report::summarize(&output);
    let written = kubesim_report::write_results_with(&dir, &output, &summary, args.force)
        .map_err(|e| crate::write_failure(&dir, e))?;
    match args.output {
        OutputFormat::Json => {
            // Byte for byte what summary.json holds.
            let json = serde_json::to_string_pretty(&summary)
                .map_err(|e| Failure::Internal(anyhow::anyhow!("rendering the summary: {e}")))?;
            println!("{json}");
        }
        OutputFormat::Text => {
            print!("{}", kubesim_report::render_terminal(&summary));
            println!();
            println!(
                "simulated {} in {:.1} ms ({} events); wrote {} files to {}/",
                kubesim_engine::SimDuration::from_millis(outcome.trace.end.0),
                wall.as_secs_f64() * 1000.0,
                outcome.trace.events_processed,
                written.len(),
                dir.display(),
            );
        }
    }
    // The process ends after this: freeing the final cluster, the trace and the scenario
    // object by object takes a noticeable share of a large run's time (10 % of a 40,000-node
    // run's wall clock here), and the operating system takes the memory back at once.
    std::mem::forget(outcome);
    std::mem::forget(scenario);
    Ok(())
}
