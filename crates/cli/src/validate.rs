//! `kubesim validate FILE [--output text|json]`: reads and checks a scenario and its
//! manifests without running it, and says what it holds and which fields it reads but does
//! not simulate (the notes).

use crate::output::OutputFormat;
use crate::{Failure, load};
use serde::Serialize;
use std::path::PathBuf;

/// The flags of `kubesim validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The scenario file.
    pub file: PathBuf,
    #[command(flatten)]
    pub load: crate::LoadArgs,
    /// `text`: one line and the notes; `json`: one JSON document (see [`Validated`]).
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: OutputFormat,
}

/// What `validate --output json` prints: the file, whether it is valid, and either what the
/// scenario holds or the error (the same text as on stderr: file:line:column, field, what was
/// expected).
#[derive(Debug, Serialize)]
pub struct Validated {
    /// The scenario file, as given.
    pub file: String,
    /// Whether the scenario and its manifests are valid.
    pub valid: bool,
    /// Why not (`null` when valid).
    pub error: Option<String>,
    /// What the scenario holds (`null` when invalid).
    pub scenario: Option<ScenarioInfo>,
}

/// The content of a valid scenario.
#[derive(Debug, Serialize)]
pub struct ScenarioInfo {
    /// `name` (also the results directory).
    pub name: String,
    /// `seed`.
    pub seed: u64,
    /// `duration`, in ms.
    pub duration_ms: u64,
    /// `duration`, Go style (`10m0s`).
    pub duration: String,
    /// Nodes at the start (node pools expanded).
    pub nodes: usize,
    /// Workloads (Deployments, their ReplicaSets, StatefulSets, DaemonSets, ...).
    pub workloads: usize,
    /// Pods that exist at the start (from manifests that carry them).
    pub pods: usize,
    /// PodDisruptionBudgets.
    pub pdbs: usize,
    /// The timeline.
    pub actions: Vec<ActionInfo>,
    /// Fields read but not simulated, defaults applied, ...
    pub notes: Vec<String>,
    /// Valid but surely not meant: a pod or template requesting more of a resource than any
    /// node offers (it can never be scheduled), naming the pod and the resource.
    pub warnings: Vec<String>,
}

/// One action of the timeline.
#[derive(Debug, Serialize)]
pub struct ActionInfo {
    /// When it runs, in ms.
    pub at_ms: u64,
    /// When it runs, as a clock.
    pub at: String,
    /// Its label, e.g. `cordon node-1`.
    pub label: String,
}

fn print_json(v: &Validated) -> Result<(), Failure> {
    let json = serde_json::to_string_pretty(v)
        .map_err(|e| Failure::Internal(anyhow::anyhow!("rendering JSON: {e}")))?;
    println!("{json}");
    Ok(())
}

/// Checks the scenario.
pub fn validate(args: ValidateArgs) -> Result<(), Failure> {
    let file = args.file.display().to_string();
    let s = match load(&args.file, &args.load) {
        Ok(s) => s,
        Err(Failure::BadInput(msg)) if args.output == OutputFormat::Json => {
            print_json(&Validated {
                file,
                valid: false,
                error: Some(msg.clone()),
                scenario: None,
            })?;
            return Err(Failure::BadInput(msg));
        }
        Err(e) => return Err(e),
    };
    let info = ScenarioInfo {
        name: s.name.clone(),
        seed: s.seed,
        duration_ms: s.duration.0,
        duration: s.duration.to_string(),
        nodes: s.cluster.nodes.len(),
        workloads: s.cluster.workloads.len(),
        pods: s.cluster.live_pods().count(),
        pdbs: s.cluster.pdbs.len(),
        actions: s
            .actions
            .iter()
            .map(|a| ActionInfo { at_ms: a.at.0, at: a.at.to_string(), label: a.label.clone() })
            .collect(),
        notes: s.notes.clone(),
        warnings: kubesim_scenario::warnings(&s),
    };
    match args.output {
        OutputFormat::Json => {
            print_json(&Validated { file, valid: true, error: None, scenario: Some(info) })
        }
        OutputFormat::Text => {
            println!(
                "{file}: ok — scenario `{}`: {} nodes, {} workloads, {} pods, {} PDBs, {} actions, duration {}, seed {}",
                info.name,
                info.nodes,
                info.workloads,
                info.pods,
                info.pdbs,
                info.actions.len(),
                info.duration,
                info.seed
            );
            for warning in &info.warnings {
                println!("warning: {warning}");
            }
            for note in &info.notes {
                println!("note: {note}");
            }
            Ok(())
        }
    }
}
