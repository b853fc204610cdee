//! `summary.md`: the [`Summary`] as a readable Markdown report.
//!
//! Sections, in order: the scenario (seed, simulated duration, end, events processed), the
//! per-workload table, pods and nodes, the actions with their times, counts of events by
//! reason, expectation verdicts (when checked), the scenario's notes, and the charts
//! (`![ready replicas](ready.png)`, then the pods, pending, nodes, node timeline, zones and PDB charts).

use crate::summary::Summary;
use std::fmt::Write;

/// Escapes text for a Markdown table cell or list item (`|`, `\`, `*`, `_`, backticks, `<`,
/// line breaks).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '<' | '>' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn or_dash(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "—".to_string())
}

/// PodDisruptionBudgets, drains and node-pool upgrades (only the sections that have entries).
fn write_disruptions(o: &mut String, s: &Summary) -> std::fmt::Result {
    if !s.pdbs.is_empty() {
        writeln!(o, "## PodDisruptionBudgets")?;
        writeln!(o)?;
        writeln!(
            o,
            "Status at the end; the lowest `currentHealthy` and the time with \
             `disruptionsAllowed = 0` count from the first time the budget was met."
        )?;
        writeln!(o)?;
        writeln!(
            o,
            "| PDB | Expected | Desired | Healthy | Allowed | Lowest healthy | No disruption allowed for |"
        )?;
        writeln!(o, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")?;
        for p in &s.pdbs {
            writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                esc(&p.pdb),
                p.expected,
                p.desired,
                p.healthy,
                p.allowed,
                p.lowest_healthy.map_or("—".to_string(), |l| l.to_string()),
                p.no_disruption_allowed
            )?;
        }
        writeln!(o)?;
    }
    if !s.drains.is_empty() {
        writeln!(o, "## Drains")?;
        writeln!(o)?;
        writeln!(
            o,
            "| Drain | Start | End | Outcome | Evicted | Refused | Deleted | Blocked by |"
        )?;
        writeln!(o, "| --- | --- | --- | --- | ---: | ---: | ---: | --- |")?;
        for d in &s.drains {
            let blocked: Vec<String> =
                d.blocked_by.iter().map(|b| format!("{} ({})", b.pdb, b.blocked)).collect();
            writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                esc(&d.label),
                d.start,
                or_dash(&d.end),
                d.outcome,
                d.evictions_allowed,
                d.evictions_refused,
                d.deletions,
                esc(&blocked.join(", "))
            )?;
        }
        for d in &s.drains {
            for e in &d.errors {
                writeln!(o)?;
                writeln!(o, "- {}: {}", esc(&d.label), esc(e))?;
            }
        }
        writeln!(o)?;
    }
    if !s.upgrades.is_empty() {
        writeln!(o, "## Node-pool upgrades")?;
        writeln!(o)?;
        writeln!(
            o,
            "| Upgrade | Start | End | Outcome | Total time | Nodes replaced | Peak extra nodes | Blocked by PDBs |"
        )?;
        writeln!(o, "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |")?;
        for u in &s.upgrades {
            let outcome = match &u.failure {
                Some(f) => format!("failed: {f}"),
                None => u.outcome.clone(),
            };
            writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                esc(&u.label),
                u.start,
                or_dash(&u.end),
                esc(&outcome),
                u.duration,
                u.new_nodes.len(),
                u.peak_extra_nodes,
                u.blocked_by_pdbs
            )?;
        }
        writeln!(o)?;
    }
    Ok(())
}

/// Renders `summary.md`.
pub fn summary_md(s: &Summary) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail.
    let _ = write_md(&mut o, s);
    o
}

fn write_md(o: &mut String, s: &Summary) -> std::fmt::Result {
    writeln!(o, "# {}", esc(&s.scenario))?;
    writeln!(o)?;
    writeln!(o, "| | |")?;
    writeln!(o, "| --- | --- |")?;
    writeln!(o, "| Seed | {} |", s.seed)?;
    writeln!(o, "| Simulated duration | {} |", s.duration)?;
    writeln!(o, "| Ended at | {} |", s.end)?;
    writeln!(o, "| Events processed | {} |", s.events_processed)?;
    writeln!(o, "| Trace events | {} |", s.trace_events)?;
    writeln!(o)?;

    writeln!(o, "## Workloads")?;
    writeln!(o)?;
    if s.workloads.is_empty() {
        writeln!(o, "No workloads.")?;
    } else {
        writeln!(
            o,
            "Ready is *full* when ready ≥ desired. The lowest ready count, the recovery and the \
             time below desired count only after the workload was first full."
        )?;
        writeln!(o)?;
        writeln!(
            o,
            "| Workload | Desired | Ready | Available | First full | Lowest ready | At | Recovered | Below desired | Restarts |"
        )?;
        writeln!(o, "| --- | ---: | ---: | ---: | --- | ---: | --- | --- | ---: | ---: |")?;
        for w in &s.workloads {
            writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                esc(&w.workload),
                w.desired,
                w.ready,
                w.available,
                or_dash(&w.first_ready),
                w.lowest_ready.map_or("—".to_string(), |l| l.to_string()),
                or_dash(&w.lowest_ready_at),
                or_dash(&w.recovered),
                w.below_desired,
                w.restarts,
            )?;
        }
    }
    writeln!(o)?;

    writeln!(o, "## Pods and nodes")?;
    writeln!(o)?;
    match &s.pods.max_pending_at {
        Some(at) => writeln!(o, "- Most pending pods: {} at {}", s.pods.max_pending, at)?,
        None => writeln!(o, "- Most pending pods: 0")?,
    }
    writeln!(
        o,
        "- Pods at the end: {} succeeded, {} failed; container restarts: {}",
        s.pods.succeeded, s.pods.failed, s.pods.container_restarts
    )?;
    writeln!(
        o,
        "- Nodes at the end: {} ready, {} not ready, {} cordoned",
        s.nodes.ready, s.nodes.not_ready, s.nodes.cordoned
    )?;
    writeln!(o)?;

    writeln!(o, "## Actions")?;
    writeln!(o)?;
    if s.actions.is_empty() {
        writeln!(o, "No actions.")?;
    } else {
        writeln!(o, "| Time | Action |")?;
        writeln!(o, "| --- | --- |")?;
        for a in &s.actions {
            writeln!(o, "| {} | {} |", a.at, esc(&a.label))?;
        }
    }
    writeln!(o)?;

    write_disruptions(o, s)?;

    writeln!(o, "## Events")?;
    writeln!(o)?;
    writeln!(
        o,
        "{} events, {} of them warnings. See `events.csv` for every event.",
        s.events.total, s.events.warnings
    )?;
    if !s.events.by_reason.is_empty() {
        writeln!(o)?;
        writeln!(o, "| Reason | Count |")?;
        writeln!(o, "| --- | ---: |")?;
        for (reason, n) in &s.events.by_reason {
            writeln!(o, "| {} | {} |", esc(reason), n)?;
        }
    }
    writeln!(o)?;

    if !s.expectations.is_empty() {
        writeln!(o, "## Expectations")?;
        writeln!(o)?;
        writeln!(o, "| Expectation | Verdict | Detail |")?;
        writeln!(o, "| --- | --- | --- |")?;
        for e in &s.expectations {
            let verdict = if e.passed { "pass" } else { "**FAIL**" };
            writeln!(o, "| {} | {} | {} |", esc(&e.expectation), verdict, esc(&e.detail))?;
        }
        writeln!(o)?;
    }

    if !s.notes.is_empty() {
        writeln!(o, "## Notes")?;
        writeln!(o)?;
        for n in &s.notes {
            writeln!(o, "- {}", esc(n))?;
        }
        writeln!(o)?;
    }

    writeln!(o, "## Ready replicas")?;
    writeln!(o)?;
    writeln!(o, "![ready replicas](ready.png)")?;
    writeln!(o)?;
    writeln!(o, "## Pods and restarts")?;
    writeln!(o)?;
    writeln!(o, "![pods by phase and container restarts](pods.png)")?;
    writeln!(o)?;
    writeln!(o, "![pending pods](pending.png)")?;
    writeln!(o)?;
    writeln!(o, "## Nodes and zones")?;
    writeln!(o)?;
    writeln!(o, "![nodes by condition](nodes.png)")?;
    writeln!(o)?;
    writeln!(o, "![node timeline](node-timeline.png)")?;
    writeln!(o)?;
    writeln!(o, "![zone states](zones.png)")?;
    writeln!(o)?;
    writeln!(o, "## PodDisruptionBudgets")?;
    writeln!(o)?;
    writeln!(o, "![disruptions allowed per PodDisruptionBudget](pdbs.png)")?;
    Ok(())
}
