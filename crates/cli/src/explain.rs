//! `kubesim explain FILE --pod NAME [--at TIME] [-o json]`: why a pod is Pending, or why it
//! landed where it did. Runs the scenario until the pod's first scheduling attempt (at or
//! after `--at`) and prints, for every node, each filter plugin's verdict and each score
//! plugin's raw, normalised and weighted score, the totals and the outcome. The JSON schema is
//! in the README ("kubesim explain -o json").

use crate::output::OutputFormat;
use crate::{Failure, load};
use kubesim_controllers::scheduler::explain::{
    AttemptRecord, AttemptResult, ExplainRequest, NodeRecord, PreemptionRecord,
};
use kubesim_engine::SimTime;
use kubesim_model::Scenario;
use serde_json::{Value, json};
use std::fmt::Write;
use std::path::PathBuf;

/// The flags of `kubesim explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The scenario file.
    pub file: PathBuf,
    #[command(flatten)]
    pub load: crate::LoadArgs,
    /// The pod's name, or a prefix of it (the first pod whose name starts with it); also as a
    /// reference, `pod/NAME`, `pod/NAMESPACE/NAME` or `NAMESPACE/pod/NAME`.
    #[arg(long)]
    pub pod: String,
    /// The first attempt at or after this simulated time (`90s`, `1m30s`; default 0).
    #[arg(long)]
    pub at: Option<String>,
    /// Seed of every random stream (overrides the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// `text`: a report; `json`: one JSON document (schema in the README).
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: OutputFormat,
    /// The same as `--output json` (kept for scripts written before `--output`).
    #[arg(long, hide = true)]
    pub json: bool,
}

/// `kubesim explain`: loads the scenario, applies the seed, prints the attempt.
pub fn explain_cmd(args: ExplainArgs) -> Result<(), Failure> {
    let at = match args.at.as_deref() {
        None => SimTime::ZERO,
        Some(s) => kubesim_scenario::parse_duration(s).map(|d| SimTime::ZERO + d).map_err(|_| {
            Failure::BadInput(format!(
                "invalid value `{s}` for `--at`: expected a duration such as `30s`, `5m` or `1h30m`"
            ))
        })?,
    };
    let mut scenario = load(&args.file, &args.load)?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    let as_json = args.json || args.output == OutputFormat::Json;
    let pod = pod_name(&args.pod).map_err(Failure::BadInput)?;
    let out = explain(&scenario, pod, at, as_json).map_err(Failure::BadInput)?;
    print!("{out}");
    Ok(())
}

/// The pod name of `--pod`: a name (or prefix), or a reference as outputs and kubectl write
/// it. Simplification: the namespace of a reference is accepted but not matched (pods are
/// found by name, as `--pod NAME` finds them).
fn pod_name(arg: &str) -> Result<&str, String> {
    let is_pod = |k: &str| matches!(k.to_lowercase().as_str(), "pod" | "pods" | "po");
    match arg.split('/').collect::<Vec<_>>().as_slice() {
        [name] => Ok(name),
        [k, name] if is_pod(k) => Ok(name),
        [k, _, name] if is_pod(k) => Ok(name),
        [_, k, name] if is_pod(k) => Ok(name),
        _ => Err(format!(
            "invalid value `{arg}` for `--pod`: expected a pod name, `pod/NAME` or `pod/NAMESPACE/NAME`"
        )),
    }
}

/// Runs the scenario until the attempt and renders it; `Err` when the pod never had one.
pub fn explain(
    scenario: &Scenario,
    pod: &str,
    at: SimTime,
    as_json: bool,
) -> Result<String, String> {
    let request = ExplainRequest { pod: pod.to_string(), at };
    let sim = kubesim_controllers::Simulation::new(scenario);
    let Some(record) = sim.explain(request) else {
        let when = if at == SimTime::ZERO { String::new() } else { format!(" at or after {at}") };
        return Err(format!(
            "no scheduling attempt of a pod named `{pod}` (or starting with it){when} before the \
             end of the run ({})",
            scenario.duration
        ));
    };
    Ok(if as_json {
        let mut s = serde_json::to_string_pretty(&to_json(&record)).expect("json");
        s.push('\n');
        s
    } else {
        to_text(&record)
    })
}

fn node_json(n: &NodeRecord) -> Value {
    json!({
        "node": n.node,
        "evaluated": n.evaluated,
        "feasible": n.feasible,
        "filters": n.filters.iter().map(|f| json!({
            "plugin": f.plugin,
            "code": f.code,
            "reasons": f.reasons,
            "details": f.details,
        })).collect::<Vec<_>>(),
        "scores": n.scores.iter().map(|s| json!({
            "plugin": s.plugin,
            "skipped": s.skipped,
            "raw": s.raw,
            "normalized": s.normalized,
            "weight": s.weight,
            "weighted": s.weighted,
        })).collect::<Vec<_>>(),
        "total": n.total,
    })
}

/// The JSON document (schema in the README).
pub fn to_json(r: &AttemptRecord) -> Value {
    let result = match &r.result {
        AttemptResult::Scheduled { node, why } => {
            json!({ "outcome": "scheduled", "node": node, "why": why })
        }
        AttemptResult::Unschedulable { message, preemption } => {
            let p = match preemption {
                PreemptionRecord::NotEligible(reason) => {
                    json!({ "result": "notEligible", "reason": reason })
                }
                PreemptionRecord::NoCandidate => json!({ "result": "noCandidate" }),
                PreemptionRecord::Nominated { node, victims, candidates } => json!({
                    "result": "nominated",
                    "node": node,
                    "victims": victims,
                    "candidates": candidates,
                }),
            };
            json!({ "outcome": "unschedulable", "message": message, "preemption": p })
        }
    };
    json!({
        "pod": r.pod,
        "time": r.time.to_string(),
        "timeSeconds": r.time.0 as f64 / 1000.0,
        "attempt": r.attempt,
        "priority": r.priority,
        "numNodes": r.num_nodes,
        "numFeasibleNodesToFind": r.nodes_to_find,
        "nominatedNode": r.nominated_node,
        "preFilter": r.prefilter.iter().map(|s| json!({"plugin": s.plugin, "code": s.code})).collect::<Vec<_>>(),
        "preScore": r.prescore.iter().map(|s| json!({"plugin": s.plugin, "code": s.code})).collect::<Vec<_>>(),
        "topologySpread": r.spread.iter().map(|c| json!({
            "topologyKey": c.topology_key,
            "maxSkew": c.max_skew,
            "whenUnsatisfiable": c.when_unsatisfiable,
            "minDomains": c.min_domains,
            "selector": c.selector,
            "systemDefault": c.system_default,
            "domains": c.domains.iter().map(|(v, n)| json!({"value": v, "count": n})).collect::<Vec<_>>(),
            "globalMinimum": c.global_min,
        })).collect::<Vec<_>>(),
        "nodes": r.nodes.iter().map(node_json).collect::<Vec<_>>(),
        "result": result,
    })
}

/// The report for a terminal.
pub fn to_text(r: &AttemptRecord) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "pod {}: scheduling attempt {} at {} (priority {})",
        r.pod, r.attempt, r.time, r.priority
    );
    let _ = writeln!(
        o,
        "{} nodes; the scheduler stops filtering after {} feasible nodes (numFeasibleNodesToFind)",
        r.num_nodes, r.nodes_to_find
    );
    if let Some(n) = &r.nominated_node {
        let _ = writeln!(o, "nominated node (from an earlier preemption): {n}");
    }
    let stage = |v: &[kubesim_controllers::scheduler::explain::StageResult]| {
        v.iter().map(|s| format!("{} {}", s.plugin, s.code)).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(o, "PreFilter: {}", stage(&r.prefilter));
    if !r.prescore.is_empty() {
        let _ = writeln!(o, "PreScore:  {}", stage(&r.prescore));
    }
    if !r.spread.is_empty() {
        let _ = writeln!(o, "\ntopology spread constraints (matching pods per domain):");
        for c in &r.spread {
            let domains: Vec<String> = c.domains.iter().map(|(v, n)| format!("{v}={n}")).collect();
            let shown = if domains.len() > 12 {
                format!("{} domains", domains.len())
            } else {
                domains.join(" ")
            };
            let _ = writeln!(
                o,
                "  {} maxSkew {} {} minDomains {} selector {}{}: {} (global minimum {})",
                c.topology_key,
                c.max_skew,
                c.when_unsatisfiable,
                c.min_domains,
                c.selector,
                if c.system_default { " (system default)" } else { "" },
                shown,
                c.global_min.map_or("-".to_string(), |m| m.to_string())
            );
        }
    }
    let _ = writeln!(o, "\nfilters:");
    for n in &r.nodes {
        let Some(i) = n.evaluated else { continue };
        let verdict = match n.filters.iter().find(|f| f.code != "Success" && f.code != "Skip") {
            None => "feasible".to_string(),
            Some(f) => format!("{} ({}): {}", f.plugin, f.code, f.reasons.join(", ")),
        };
        let _ = writeln!(o, "  {:>3}. {:<20} {verdict}", i + 1, n.node);
        for f in &n.filters {
            for d in &f.details {
                let _ = writeln!(o, "       {:<20} {}: {d}", "", f.plugin);
            }
        }
    }
    let skipped = r.nodes.iter().filter(|n| n.evaluated.is_none()).count();
    if skipped > 0 {
        let why = match (&r.result, &r.nominated_node) {
            (AttemptResult::Scheduled { node, .. }, Some(n)) if node == n => {
                "the nominated node fits"
            }
            _ => "enough feasible nodes were found",
        };
        let _ = writeln!(o, "  ({skipped} more nodes not evaluated: {why})");
    }
    let scored: Vec<&NodeRecord> = r.nodes.iter().filter(|n| n.total.is_some()).collect();
    if let Some(first) = scored.first() {
        let _ = writeln!(o, "\nscores (raw -> normalized x weight):");
        let mut header = format!("  {:<20}", "NODE");
        for s in &first.scores {
            let _ = write!(header, " {:>18}", short(s.plugin));
        }
        let _ = writeln!(o, "{header} {:>7}", "TOTAL");
        let mut rows: Vec<&&NodeRecord> = scored.iter().collect();
        rows.sort_by_key(|n| std::cmp::Reverse(n.total));
        for n in rows {
            let mut line = format!("  {:<20}", n.node);
            for s in &n.scores {
                let cell = if s.skipped {
                    "skip".to_string()
                } else {
                    format!("{}->{}x{}", s.raw, s.normalized, s.weight)
                };
                let _ = write!(line, " {cell:>18}");
            }
            let _ = writeln!(o, "{line} {:>7}", n.total.unwrap_or(0));
        }
    }
    let _ = writeln!(o);
    match &r.result {
        AttemptResult::Scheduled { node, why } => {
            let _ = writeln!(o, "result: scheduled on {node} ({why})");
        }
        AttemptResult::Unschedulable { message, preemption } => {
            let _ = writeln!(o, "result: unschedulable: {message}");
            match preemption {
                PreemptionRecord::Nominated { node, victims, .. } => {
                    let _ = writeln!(
                        o,
                        "preemption: nominated to {node}, evicting {}",
                        victims.join(", ")
                    );
                }
                PreemptionRecord::NotEligible(reason) => {
                    let _ = writeln!(o, "preemption: {reason}");
                }
                PreemptionRecord::NoCandidate => {}
            }
        }
    }
    o
}

fn short(plugin: &str) -> &str {
    match plugin {
        "NodeResourcesBalancedAllocation" => "BalancedAllocation",
        other => other,
    }
}
