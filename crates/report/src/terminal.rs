//! The short summary printed on the terminal after a run.

use crate::summary::Summary;
use kubesim_engine::SimDuration;
use std::fmt::Write;

/// What a table cell shows for a figure that does not exist (as kubectl does).
const NONE: &str = "<none>";

/// A few lines about the run, then a `kubectl get`-style table of the workloads:
///
/// ```text
/// WORKLOAD         DESIRED   READY   AVAILABLE   LOWEST-READY   AT             TIME-TO-READY   RECOVERED      BELOW-DESIRED   RESTARTS
/// deployment/web   3         3       3           2              00:01:00.000   30s             00:01:15.000   15s             0
/// ```
///
/// `TIME-TO-READY` is the time from the start until ready first reached desired;
/// `LOWEST-READY`, `AT`, `RECOVERED` and `BELOW-DESIRED` look at the time after that;
/// `RESTARTS` counts the container restarts of the workload's pods over the run (see
/// [`crate::WorkloadSummary`]). The text ends with a newline.
pub fn render_terminal(s: &Summary) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail.
    let _ = write_terminal(&mut o, s);
    o
}

fn write_terminal(o: &mut String, s: &Summary) -> std::fmt::Result {
    writeln!(
        o,
        "scenario {} (seed {}): simulated {}, ended at {}, {} events processed, {} trace events",
        s.scenario, s.seed, s.duration, s.end, s.events_processed, s.trace_events
    )?;
    if !s.actions.is_empty() {
        writeln!(o, "actions:")?;
        for a in &s.actions {
            writeln!(o, "  {}  {}", a.at, a.label)?;
        }
    }
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
    write_disruptions(o, s)?;
    if !s.expectations.is_empty() {
        let failed = s.expectations.iter().filter(|x| !x.passed).count();
        writeln!(o, "expectations: {} passed, {} failed", s.expectations.len() - failed, failed)?;
        for x in s.expectations.iter().filter(|x| !x.passed) {
            writeln!(o, "  FAIL {}: {}", x.expectation, x.detail)?;
        }
    }
    writeln!(o)?;
    if s.workloads.is_empty() {
        writeln!(o, "No workloads.")?;
        return Ok(());
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| NONE.to_string());
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
    Ok(())
}

/// Drains started by actions (with their node errors), node-pool upgrades, then a table of
/// PodDisruptionBudgets.
fn write_disruptions(o: &mut String, s: &Summary) -> std::fmt::Result {
    let drains: Vec<_> = s.drains.iter().filter(|d| d.upgrade.is_none()).collect();
    if !drains.is_empty() {
        writeln!(o, "drains:")?;
        for d in drains {
            let end = match &d.end {
                Some(e) => format!("{} at {e} ({})", d.outcome, d.duration),
                None => format!("still running at the end ({})", d.duration),
            };
            write!(
                o,
                "  {}  {}: {end}; {} evicted, {} refused",
                d.start, d.label, d.evictions_allowed, d.evictions_refused
            )?;
            if d.deletions > 0 {
                write!(o, ", {} deleted", d.deletions)?;
            }
            for b in &d.blocked_by {
                write!(o, "; blocked by {} for {}", b.pdb, b.blocked)?;
            }
            writeln!(o)?;
            for e in &d.errors {
                writeln!(o, "      error: {e}")?;
            }
        }
    }
    if !s.upgrades.is_empty() {
        writeln!(o, "upgrades:")?;
        for u in &s.upgrades {
            let end = match (&u.end, &u.failure) {
                (Some(e), _) => format!("succeeded at {e} ({})", u.duration),
                (None, Some(f)) => format!("failed ({f}); {} at the end", u.duration),
                (None, None) => format!("still running at the end ({})", u.duration),
            };
            write!(
                o,
                "  {}  {}: {end}; {} nodes replaced, peak {} extra node{}; blocked by PDBs for {}",
                u.start,
                u.label,
                u.new_nodes.len(),
                u.peak_extra_nodes,
                if u.peak_extra_nodes == 1 { "" } else { "s" },
                u.blocked_by_pdbs
            )?;
            if !u.forced_nodes.is_empty() {
                write!(
                    o,
                    "; pods deleted after the drain timeout on {}",
                    u.forced_nodes.join(", ")
                )?;
            }
            writeln!(o)?;
        }
    }
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
