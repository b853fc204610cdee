//! The short summary printed on the terminal after a run.

use crate::summary::Summary;
use kubesim_engine::SimDuration;
use std::fmt::Write;

/// What a table cell shows for a figure that does not exist (as kubectl does).
const NONE: &str = "<none>";

/// Nodes tables longer than this show only the nodes that were not Ready throughout.
pub const MAX_NODE_ROWS: usize = 20;

/// The run's report for the terminal, in the style of `kubectl get`: a line about the run,
/// then tables with upper-case headers and aligned columns (no borders) of the actions, the
/// workloads, the nodes, and where there are any the PodDisruptionBudgets, drains and
/// node-pool upgrades, then a line about pods and events, and the expectations' verdicts (a
/// table with each one's worst point, and a count):
///
/// ```text
/// scenario quickstart (seed 42): simulated 3m0s, ended at 00:03:00.000, 30 events processed, 25 trace events
///
/// AT             ACTION
/// 00:01:00.000   delete-pod app=web
///
/// WORKLOAD         DESIRED   READY   AVAILABLE   LOWEST-READY   AT             TIME-TO-READY   RECOVERED      BELOW-DESIRED   RESTARTS
/// deployment/web   3         3       3           2              00:01:00.000   30s             00:01:15.000   15s             0
///
/// NODE     STATUS   ZONE     POOL   CREATED        DELETED   NOT-READY   CORDONED   DRAINING
/// pool-1   Ready    zone-a   pool   00:00:00.000   <none>    0s          0s         0s
/// ```
///
/// `TIME-TO-READY` is the time from the start until ready first reached desired;
/// `LOWEST-READY`, `AT`, `RECOVERED` and `BELOW-DESIRED` look at the time after that;
/// `RESTARTS` counts the container restarts of the workload's pods over the run (see
/// [`crate::WorkloadSummary`]). A node's `STATUS` is `kubectl get nodes`' at the end, and
/// `NOT-READY`, `CORDONED`, `DRAINING` the time it spent so (see [`crate::NodeLine`]); with
/// more than [`MAX_NODE_ROWS`] nodes only those that were not Ready throughout are listed.
/// The text ends with a newline.
pub fn render_terminal(s: &Summary) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail.
    let _ = write_terminal(&mut o, s);
    o
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| NONE.to_string())
}

fn write_terminal(o: &mut String, s: &Summary) -> std::fmt::Result {
    writeln!(
        o,
        "scenario {} (seed {}): simulated {}, ended at {}, {} events processed, {} trace events",
        s.scenario, s.seed, s.duration, s.end, s.events_processed, s.trace_events
    )?;
    if !s.actions.is_empty() {
        let rows: Vec<Vec<String>> =
            s.actions.iter().map(|a| vec![a.at.clone(), a.label.clone()]).collect();
        writeln!(o)?;
        o.push_str(&table(&["AT", "ACTION"], &rows));
    }
    writeln!(o)?;
    if s.workloads.is_empty() {
        writeln!(o, "No workloads.")?;
    } else {
        write_workloads(o, s);
    }
    write_nodes(o, s)?;
    write_disruptions(o, s)?;
    writeln!(o)?;
    match &s.pods.max_pending_at {
        Some(at) => write!(o, "pods: at most {} pending (first at {})", s.pods.max_pending, at)?,
        None => write!(o, "pods: none pending")?,
    }
    let p = &s.pods;
    if p.succeeded > 0 || p.failed > 0 || p.container_restarts > 0 {
        write!(
            o,
            ", {} succeeded, {} failed, {} container restarts",
            p.succeeded, p.failed, p.container_restarts
        )?;
    }
    writeln!(
        o,
        "; nodes at the end: {} ready, {} not ready, {} cordoned",
        s.nodes.ready, s.nodes.not_ready, s.nodes.cordoned
    )?;
    let e = &s.events;
    writeln!(
        o,
        "events: {} ({} warnings): {} SuccessfulCreate, {} Scheduled, {} FailedScheduling, {} Killing",
        e.total, e.warnings, e.successful_create, e.scheduled, e.failed_scheduling, e.killing
    )?;
    if let Some(sp) = &s.spot_interruptions {
        writeln!(
            o,
            "spot interruptions: {} ({} pods, {} PDB violations), {} replaced (latency p50 {}, max {})",
            sp.interruptions,
            sp.pods_disrupted,
            sp.pdb_violations,
            sp.replaced,
            sp.replacement_latency_p50.as_deref().unwrap_or("<none>"),
            sp.replacement_latency_max.as_deref().unwrap_or("<none>"),
        )?;
    }
    if !s.expectations.is_empty() {
        let rows: Vec<Vec<String>> = s
            .expectations
            .iter()
            .map(|x| {
                let result = if x.passed { "pass" } else { "FAIL" };
                vec![x.expectation.clone(), result.to_string(), x.detail.clone()]
            })
            .collect();
        writeln!(o)?;
        o.push_str(&table(&["EXPECTATION", "RESULT", "WORST"], &rows));
        let failed = s.expectations.iter().filter(|x| !x.passed).count();
        writeln!(o, "expectations: {} passed, {} failed", s.expectations.len() - failed, failed)?;
    }
    Ok(())
}

fn write_workloads(o: &mut String, s: &Summary) {
    let rows: Vec<Vec<String>> = s
        .workloads
        .iter()
        .map(|w| {
            vec![
                w.workload.clone(),
                w.desired.to_string(),
                w.ready.to_string(),
                w.available.to_string(),
                w.lowest_ready.map_or_else(|| NONE.to_string(), |l| l.to_string()),
                opt(&w.lowest_ready_at),
                w.first_ready_ms.map_or_else(|| NONE.to_string(), |ms| SimDuration(ms).to_string()),
                opt(&w.recovered),
                w.below_desired.clone(),
                w.restarts.to_string(),
            ]
        })
        .collect();
    o.push_str(&table(
        &[
            "WORKLOAD",
            "DESIRED",
            "READY",
            "AVAILABLE",
            "LOWEST-READY",
            "AT",
            "TIME-TO-READY",
            "RECOVERED",
            "BELOW-DESIRED",
            "RESTARTS",
        ],
        &rows,
    ));
}

/// The nodes table (only the eventful nodes of a large cluster).
fn write_nodes(o: &mut String, s: &Summary) -> std::fmt::Result {
    if s.node_list.is_empty() {
        return Ok(());
    }
    let quiet = |n: &&crate::NodeLine| {
        n.created_ms == 0
            && n.deleted_ms.is_none()
            && n.not_ready_ms == 0
            && n.cordoned_ms == 0
            && n.draining_ms == 0
            && n.status == "Ready"
    };
    let shown: Vec<&crate::NodeLine> = if s.node_list.len() > MAX_NODE_ROWS {
        s.node_list.iter().filter(|n| !quiet(n)).collect()
    } else {
        s.node_list.iter().collect()
    };
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|n| {
            vec![
                n.node.clone(),
                n.status.clone(),
                opt(&n.zone),
                opt(&n.pool),
                n.created.clone(),
                opt(&n.deleted),
                n.not_ready.clone(),
                n.cordoned.clone(),
                n.draining.clone(),
            ]
        })
        .collect();
    writeln!(o)?;
    if !rows.is_empty() {
        o.push_str(&table(
            &[
                "NODE",
                "STATUS",
                "ZONE",
                "POOL",
                "CREATED",
                "DELETED",
                "NOT-READY",
                "CORDONED",
                "DRAINING",
            ],
            &rows,
        ));
    }
    let hidden = s.node_list.len() - shown.len();
    if hidden > 0 {
        writeln!(o, "({hidden} more nodes Ready and schedulable throughout)")?;
    }
    Ok(())
}

/// Tables of the PodDisruptionBudgets, the drains (with their node errors underneath) and
/// the node-pool upgrades.
fn write_disruptions(o: &mut String, s: &Summary) -> std::fmt::Result {
    if !s.pdbs.is_empty() {
        let rows: Vec<Vec<String>> = s
            .pdbs
            .iter()
            .map(|p| {
                vec![
                    p.pdb.clone(),
                    p.expected.to_string(),
                    p.desired.to_string(),
                    p.healthy.to_string(),
                    p.allowed.to_string(),
                    p.lowest_healthy.map_or_else(|| NONE.to_string(), |l| l.to_string()),
                    p.no_disruption_allowed.clone(),
                ]
            })
            .collect();
        writeln!(o)?;
        o.push_str(&table(
            &[
                "PDB",
                "EXPECTED",
                "DESIRED",
                "HEALTHY",
                "ALLOWED",
                "LOWEST-HEALTHY",
                "NONE-ALLOWED-FOR",
            ],
            &rows,
        ));
    }
    let drains: Vec<_> = s.drains.iter().filter(|d| d.upgrade.is_none()).collect();
    if !drains.is_empty() {
        let rows: Vec<Vec<String>> = drains
            .iter()
            .map(|d| {
                let blocked: Vec<String> =
                    d.blocked_by.iter().map(|b| format!("{} {}", b.pdb, b.blocked)).collect();
                vec![
                    d.label.clone(),
                    d.start.clone(),
                    opt(&d.end),
                    d.outcome.clone(),
                    d.duration.clone(),
                    d.evictions_allowed.to_string(),
                    d.evictions_refused.to_string(),
                    d.deletions.to_string(),
                    if blocked.is_empty() { NONE.to_string() } else { blocked.join(", ") },
                ]
            })
            .collect();
        writeln!(o)?;
        o.push_str(&table(
            &[
                "DRAIN",
                "START",
                "END",
                "OUTCOME",
                "DURATION",
                "EVICTED",
                "REFUSED",
                "DELETED",
                "BLOCKED-BY",
            ],
            &rows,
        ));
        for d in &drains {
            for e in &d.errors {
                writeln!(o, "error: {}: {e}", d.label)?;
            }
        }
    }
    if !s.upgrades.is_empty() {
        let rows: Vec<Vec<String>> = s
            .upgrades
            .iter()
            .map(|u| {
                vec![
                    u.label.clone(),
                    u.start.clone(),
                    opt(&u.end),
                    u.outcome.clone(),
                    u.duration.clone(),
                    u.new_nodes.len().to_string(),
                    u.peak_extra_nodes.to_string(),
                    u.blocked_by_pdbs.clone(),
                    if u.forced_nodes.is_empty() {
                        NONE.to_string()
                    } else {
                        u.forced_nodes.join(",")
                    },
                ]
            })
            .collect();
        writeln!(o)?;
        o.push_str(&table(
            &[
                "UPGRADE",
                "START",
                "END",
                "OUTCOME",
                "DURATION",
                "REPLACED",
                "PEAK-EXTRA",
                "PDB-BLOCKED",
                "FORCED",
            ],
            &rows,
        ));
        for u in &s.upgrades {
            if let Some(f) = &u.failure {
                writeln!(o, "error: {}: {f}", u.label)?;
            }
        }
    }
    Ok(())
}

/// Lays out a table like `kubectl get`: left-aligned columns separated by three spaces, no
/// trailing spaces, one line per row (each ending with a newline).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                l.push_str("   ");
            }
            l.push_str(cell);
            let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(cell.chars().count());
            l.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}
