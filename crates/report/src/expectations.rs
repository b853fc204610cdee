//! Checks a scenario's expectations (`expect:`) against the trace, each with the time and
//! value of its worst point: the lowest ready count of a `ready` floor, the longest Pending
//! pod, the eviction that broke a limit, ... (`Summary.expectations`).
//!
//! What each kind reads:
//!
//! | kind | from the trace |
//! | --- | --- |
//! | `ready`, `available` | metrics `<workload>:ready` / `:available` and `:desired`; the row in effect at `from`, then every row up to `to` |
//! | `completes` | the drain (`Trace::drains`), upgrade (`Trace::upgrades`) or rollout (`Trace::rollouts`) record the action started (same label and start); a rollout fails at its `ProgressDeadlineExceeded` |
//! | `pending` | each pod's creation (t = 0 for pods Pending at the start) to its first entry in `Trace::left_pending`, or the end of the run |
//! | `evictions` | events `EvictionByEvictionAPI` and `TaintManagerEviction` "Marking for deletion ..." |
//! | `restarts` | metrics `container_restarts` or `<workload>:restarts` |
//! | `recovers` | metrics `:ready` ≥ `:desired` of the workloads at `after + within` |
//! | `event`, `noEvent` | events by reason (and object, workload) at or before `before` |
//! | `noPdbViolation` | `Trace::evictions`: an allowed eviction of a healthy pod after which its PDB had fewer healthy pods than `desiredHealthy` |

use crate::RunOutput;
use crate::summary::ExpectationVerdict;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::trace::{COL_CONTAINER_RESTARTS, workload_column, workload_ref};
use kubesim_model::{
    Cluster, Expect, Expectation, IntOrPercent, Kind, Metrics, Operation, PodId, ReplicaKind,
    Scenario, ThresholdLine, Trace,
};
use std::collections::BTreeMap;

/// The worst point of an expectation.
struct Worst {
    at: Option<SimTime>,
    value: Option<i64>,
    unit: &'static str,
}

fn verdict(e: &Expect, passed: bool, detail: String, w: Worst) -> ExpectationVerdict {
    ExpectationVerdict {
        expectation: e.text.clone(),
        kind: e.expectation.key().to_string(),
        passed,
        detail,
        worst_at_ms: w.at.map(|t| t.0),
        worst_at: w.at.map(|t| t.to_string()),
        worst_value: w.value,
        unit: w.unit.to_string(),
    }
}

/// Checks every expectation of the run's scenario, in file order.
pub fn evaluate(out: &RunOutput) -> Vec<ExpectationVerdict> {
    if out.scenario.expectations.is_empty() {
        return Vec::new();
    }
    let owners = Owners::new(out.cluster);
    out.scenario.expectations.iter().map(|e| check(out, &owners, e)).collect()
}

/// Who owns what, from the final cluster (pod slots stay after removal).
struct Owners {
    /// Pod (namespace, name) → top-level workload reference.
    pods: BTreeMap<(String, String), String>,
    /// Pod id → top-level workload reference.
    pod_ids: Vec<Option<String>>,
    /// Workload (kind, namespace, name) → top-level workload reference.
    workloads: BTreeMap<(&'static str, String, String), String>,
}

impl Owners {
    fn new(c: &Cluster) -> Self {
        let root_ref = |w: kubesim_model::WorkloadId| {
            let r = &c.workloads[c.root_workload(w).index()];
            workload_ref(r.kind, &r.meta.namespace, &r.meta.name)
        };
        let mut pods = BTreeMap::new();
        let mut pod_ids = Vec::with_capacity(c.pods.len());
        for (i, p) in c.pods.iter().enumerate() {
            let owner = c.controller_of(PodId(i as u32)).map(root_ref);
            if let Some(o) = &owner {
                pods.insert((p.meta.namespace.clone(), p.meta.name.clone()), o.clone());
            }
            pod_ids.push(owner);
        }
        let workloads = c
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let key = (w.kind.as_str(), w.meta.namespace.clone(), w.meta.name.clone());
                (key, root_ref(kubesim_model::WorkloadId(i as u32)))
            })
            .collect();
        Self { pods, pod_ids, workloads }
    }

    /// The top-level workload an event's object belongs to (itself, a ReplicaSet's
    /// Deployment, a pod's controller).
    fn of_object(&self, kind: Kind, namespace: &str, name: &str) -> Option<&str> {
        let key = (namespace.to_string(), name.to_string());
        match kind {
            Kind::Pod => self.pods.get(&key).map(String::as_str),
            Kind::Node | Kind::PodDisruptionBudget => None,
            k => self.workloads.get(&(k.as_str(), key.0, key.1)).map(String::as_str),
        }
    }
}

fn ms(d: u64) -> SimDuration {
    SimDuration::from_millis(d)
}

fn check(out: &RunOutput, owners: &Owners, e: &Expect) -> ExpectationVerdict {
    let trace = out.trace;
    match &e.expectation {
        Expectation::MinReplicas { kind, workload, min, from, to } => {
            min_replicas(trace, e, *kind, workload, *min, *from, *to)
        }
        Expectation::Completes { action, operation, within } => {
            let found = match operation {
                Operation::Drain => trace
                    .drains
                    .iter()
                    .find(|d| {
                        d.upgrade.is_none() && d.label == action.label && d.start == action.at
                    })
                    .map(|d| {
                        (
                            d.end,
                            d.outcome == kubesim_model::DrainOutcome::Drained,
                            d.outcome.as_str().to_string(),
                        )
                    }),
                Operation::Upgrade => trace
                    .upgrades
                    .iter()
                    .find(|u| u.label == action.label && u.start == action.at)
                    .map(|u| {
                        let ok = u.outcome == kubesim_model::UpgradeOutcome::Succeeded;
                        let how = match &u.outcome {
                            kubesim_model::UpgradeOutcome::Running => "still running".to_string(),
                            kubesim_model::UpgradeOutcome::Succeeded => "succeeded".to_string(),
                            kubesim_model::UpgradeOutcome::Failed(r) => format!("failed: {r}"),
                        };
                        (u.end, ok, how)
                    }),
                Operation::Rollout => trace
                    .rollouts
                    .iter()
                    .find(|r| r.label == action.label && r.start == action.at)
                    .map(|r| match (r.complete, r.deadline_exceeded, r.superseded) {
                        (Some(t), ..) => (Some(t), true, "complete".to_string()),
                        (None, Some(t), _) => {
                            (Some(t), false, "ProgressDeadlineExceeded".to_string())
                        }
                        (None, None, Some(t)) => {
                            (Some(t), false, "superseded by a later rollout".to_string())
                        }
                        (None, None, None) => (None, false, "still rolling out".to_string()),
                    }),
            };
            let Some((end, ok, how)) = found else {
                return verdict(
                    e,
                    false,
                    format!("{} never started (the run ended at {})", action.label, trace.end),
                    Worst { at: None, value: None, unit: "ms" },
                );
            };
            let finished = end.unwrap_or(trace.end);
            let took = finished.saturating_since(action.at);
            let passed = ok && end.is_some() && took <= *within;
            let detail = match (ok, end) {
                (true, Some(end)) => format!("took {took} (ended {end})"),
                (_, Some(end)) => format!("{how} after {took} (at {end})"),
                (_, None) => format!("not finished at the end of the run ({took} after its start)"),
            };
            verdict(
                e,
                passed,
                detail,
                Worst { at: Some(finished), value: Some(took.0 as i64), unit: "ms" },
            )
        }
        Expectation::MaxPending { workload, max } => {
            let initial = out.scenario.cluster.pods.len();
            let mut left: BTreeMap<u32, SimTime> = BTreeMap::new();
            for (p, t) in &trace.left_pending {
                left.entry(p.0).or_insert(*t);
            }
            // (duration, start, pod)
            let mut worst: Option<(u64, SimTime, usize)> = None;
            for (i, p) in out.cluster.pods.iter().enumerate() {
                if workload.as_ref().is_some_and(|w| owners.pod_ids[i].as_ref() != Some(w)) {
                    continue;
                }
                let start = if i < initial {
                    let p0 = &out.scenario.cluster.pods[i];
                    if p0.status.phase != kubesim_model::PodPhase::Pending
                        || p0.meta.deletion.is_some()
                    {
                        continue;
                    }
                    SimTime(0)
                } else {
                    p.meta.creation
                };
                let end = left.get(&(i as u32)).copied().unwrap_or(trace.end);
                let d = end.saturating_since(start).0;
                if worst.is_none_or(|(wd, ws, _)| d > wd || (d == wd && start < ws)) {
                    worst = Some((d, start, i));
                }
            }
            match worst {
                None => verdict(
                    e,
                    true,
                    "no pod was Pending".into(),
                    Worst { at: None, value: Some(0), unit: "ms" },
                ),
                Some((d, start, i)) => {
                    let pod = &out.cluster.pods[i].meta;
                    let still = if left.contains_key(&(i as u32)) {
                        ""
                    } else {
                        ", still Pending at the end"
                    };
                    verdict(
                        e,
                        d <= max.0,
                        format!(
                            "longest: pod {}/{} Pending {} from {start}{still}",
                            pod.namespace,
                            pod.name,
                            ms(d)
                        ),
                        Worst { at: Some(start), value: Some(d as i64), unit: "ms" },
                    )
                }
            }
        }
        Expectation::MaxEvictions { workload, max } => {
            let times: Vec<(SimTime, String)> = trace
                .events
                .iter()
                .filter(|ev| ev.kind == Kind::Pod)
                .filter(|ev| {
                    ev.reason == "EvictionByEvictionAPI"
                        || (ev.reason == "TaintManagerEviction"
                            && ev.message.starts_with("Marking for deletion"))
                })
                .filter(|ev| {
                    workload
                        .as_deref()
                        .is_none_or(|w| owners.of_object(ev.kind, ev.namespace, ev.name) == Some(w))
                })
                .map(|ev| (ev.time, format!("{}/{}", ev.namespace, ev.name)))
                .collect();
            count_limit(e, &times, *max, "evictions", "eviction")
        }
        Expectation::MaxRestarts { workload, max } => {
            let col = match workload {
                Some(w) => workload_column(w, "restarts"),
                None => COL_CONTAINER_RESTARTS.to_string(),
            };
            let m = &trace.metrics;
            let Some(c) = m.column(&col) else {
                return verdict(
                    e,
                    true,
                    "0 restarts (no such series)".into(),
                    Worst { at: None, value: Some(0), unit: "restarts" },
                );
            };
            let total = m.last_value(c).unwrap_or(0);
            let passed = total <= *max as i64;
            let at = if passed {
                // The last increase.
                let mut last = None;
                let mut prev = 0;
                for (t, v) in m.series(c) {
                    if v > prev {
                        last = Some(t);
                    }
                    prev = v;
                }
                last
            } else {
                m.series(c).find(|&(_, v)| v > *max as i64).map(|(t, _)| t)
            };
            let detail = match (passed, at) {
                (false, Some(t)) => format!("{total} restarts; restart {} at {t}", max + 1),
                (_, Some(t)) => format!("{total} restarts, the last at {t}"),
                (_, None) => format!("{total} restarts"),
            };
            verdict(e, passed, detail, Worst { at, value: Some(total), unit: "restarts" })
        }
        Expectation::Recovers { after, within, workloads } => {
            recovers(trace, e, after.at, *within, workloads)
        }
        Expectation::Event { occurs, reason, before, object, workload } => {
            let deadline = before.unwrap_or(trace.end);
            let matching: Vec<kubesim_model::EventRef> = trace
                .events
                .iter()
                .filter(|ev| ev.reason == reason.as_str())
                .filter(|ev| {
                    object.as_ref().is_none_or(|(k, ns, n)| {
                        ev.kind.as_str() == k
                            && *ev.name == **n
                            && (ev.kind == Kind::Node || *ev.namespace == **ns)
                    })
                })
                .filter(|ev| {
                    workload
                        .as_deref()
                        .is_none_or(|w| owners.of_object(ev.kind, ev.namespace, ev.name) == Some(w))
                })
                .collect();
            let in_time = matching.iter().filter(|ev| ev.time <= deadline).count() as i64;
            let first = matching.first().map(|ev| ev.time);
            let first_in_time = matching.iter().find(|ev| ev.time <= deadline).map(|ev| ev.time);
            let describe = |ev: &kubesim_model::EventRef| {
                let who = if ev.namespace.is_empty() {
                    format!("{}/{}", ev.kind.as_str().to_lowercase(), ev.name)
                } else {
                    // kind/namespace/name, the order every output prints.
                    format!("{}/{}/{}", ev.kind.as_str().to_lowercase(), ev.namespace, ev.name)
                };
                format!("{who} at {}: {}", ev.time, ev.message)
            };
            if *occurs {
                let detail = match (first_in_time, first) {
                    (Some(_), _) => {
                        format!("{in_time} by {deadline}; first on {}", describe(&matching[0]))
                    }
                    (None, Some(t)) => format!("none by {deadline}; the first came later, at {t}"),
                    (None, None) => "never recorded".to_string(),
                };
                verdict(
                    e,
                    in_time > 0,
                    detail,
                    Worst { at: first, value: Some(in_time), unit: "events" },
                )
            } else {
                let detail = match first_in_time {
                    Some(_) => {
                        format!("{in_time} by {deadline}; first on {}", describe(&matching[0]))
                    }
                    None => format!("none by {deadline}"),
                };
                verdict(
                    e,
                    in_time == 0,
                    detail,
                    Worst { at: first_in_time, value: Some(in_time), unit: "events" },
                )
            }
        }
        Expectation::NoPdbViolation { pdb } => {
            let checked: Vec<&kubesim_model::EvictionRecord> = trace
                .evictions
                .iter()
                .filter(|r| {
                    r.pdb.is_some() && pdb.as_ref().is_none_or(|p| r.pdb.as_ref() == Some(p))
                })
                .collect();
            let violations: Vec<&&kubesim_model::EvictionRecord> =
                checked.iter().filter(|r| r.violates_pdb()).collect();
            let worst =
                violations.iter().min_by_key(|r| (r.healthy_after - r.desired_healthy, r.time));
            match worst {
                None => verdict(
                    e,
                    true,
                    format!(
                        "{} evictions under a PDB, none below its desiredHealthy",
                        checked.len()
                    ),
                    Worst { at: None, value: Some(0), unit: "violations" },
                ),
                Some(r) => verdict(
                    e,
                    false,
                    format!(
                        "{} of {} evictions violated a PDB; worst: evicting {} at {} left {} with {} healthy of {} needed",
                        violations.len(),
                        checked.len(),
                        r.pod,
                        r.time,
                        r.pdb.as_deref().unwrap_or("?"),
                        r.healthy_after,
                        r.desired_healthy
                    ),
                    Worst {
                        at: Some(r.time),
                        value: Some(violations.len() as i64),
                        unit: "violations",
                    },
                ),
            }
        }
    }
}

/// At most `max` of `times` (in time order).
fn count_limit(
    e: &Expect,
    times: &[(SimTime, String)],
    max: u64,
    unit: &'static str,
    one: &str,
) -> ExpectationVerdict {
    let n = times.len() as u64;
    if n > max {
        let (t, what) = &times[max as usize];
        verdict(
            e,
            false,
            format!("{n} {unit}; {one} {} ({what}) at {t}", max + 1),
            Worst { at: Some(*t), value: Some(n as i64), unit },
        )
    } else {
        let last = times.last().map(|(t, _)| *t);
        let detail = match last {
            Some(t) => format!("{n} {unit}, the last at {t}"),
            None => format!("no {unit}"),
        };
        verdict(e, true, detail, Worst { at: last, value: Some(n as i64), unit })
    }
}

/// The column indexes (value, desired) of a workload's series.
fn columns(m: &Metrics, workload: &str, field: &str) -> Option<(usize, usize)> {
    Some((
        m.column(&workload_column(workload, field))?,
        m.column(&workload_column(workload, "desired"))?,
    ))
}

fn min_replicas(
    trace: &Trace,
    e: &Expect,
    kind: ReplicaKind,
    workload: &str,
    min: IntOrPercent,
    from: SimTime,
    to: Option<SimTime>,
) -> ExpectationVerdict {
    let m = &trace.metrics;
    let to = to.unwrap_or(trace.end);
    let Some((vc, dc)) = columns(m, workload, kind.as_str()) else {
        return verdict(
            e,
            false,
            format!("no metrics for {workload}"),
            Worst { at: None, value: None, unit: "replicas" },
        );
    };
    // The row in effect at `from` (a workload has no pods before its first row: 0), then the
    // rows inside the window.
    let mut points: Vec<(SimTime, i64, i64)> = Vec::new();
    match (m.value_at(vc, from), m.value_at(dc, from)) {
        (Some(v), Some(d)) => points.push((from, v, d)),
        _ => points.push((from, 0, m.first_value(dc).unwrap_or(0))),
    }
    // The rows where the value or desired changed inside the window (between two of them
    // both hold).
    let mut steps = m.steps(vec![vc, dc]);
    while let Some((t, v)) = steps.advance() {
        if t > to {
            break;
        }
        if t > from {
            points.push((t, v[0], v[1]));
        }
    }
    // (margin, time, value, desired, floor)
    let mut worst: Option<(i64, SimTime, i64, i64, i64)> = None;
    for (t, v, d) in points {
        let floor = min.scaled(d, true);
        let margin = v - floor;
        if worst.is_none_or(|(wm, ..)| margin < wm) {
            worst = Some((margin, t, v, d, floor));
        }
    }
    let (margin, t, v, d, floor) = worst.expect("at least the point at `from`");
    let what = kind.as_str();
    let detail = format!("lowest {v} {what} (of {d} desired, floor {floor}) at {t}");
    verdict(e, margin >= 0, detail, Worst { at: Some(t), value: Some(v), unit: "replicas" })
}

fn recovers(
    trace: &Trace,
    e: &Expect,
    after: SimTime,
    within: SimDuration,
    listed: &[String],
) -> ExpectationVerdict {
    let m = &trace.metrics;
    let all: Vec<String>;
    let names: &[String] = if listed.is_empty() {
        all = crate::summary::workload_columns(m).into_iter().map(|w| w.workload).collect();
        &all
    } else {
        listed
    };
    let cols: Vec<(usize, usize)> = names.iter().filter_map(|w| columns(m, w, "ready")).collect();
    // Steps over ready and desired of each workload, in pairs.
    let short = |v: &[i64]| -> i64 { v.chunks(2).map(|p| (p[1] - p[0]).max(0)).sum() };
    let deadline = (after + within).min(trace.end);
    // The state at `after` (the row in effect then; all full if there are no series), then
    // every later row where one of the series changed: (time, replicas short of desired).
    let mut points: Vec<(SimTime, i64)> = vec![(after, 0)];
    let mut last = 0;
    let mut steps = m.steps(cols.iter().flat_map(|&(r, d)| [r, d]).collect());
    while let Some((t, v)) = steps.advance() {
        last = short(v);
        if t <= after {
            points[0].1 = last;
        } else {
            points.push((t, last));
        }
    }
    let at_deadline = points.partition_point(|(t, _)| *t <= deadline) - 1;
    let ok_at_deadline = points[at_deadline].1 == 0;
    let mut first_full = at_deadline;
    while first_full > 0 && points[first_full - 1].1 == 0 {
        first_full -= 1;
    }
    let full_since = points[first_full].0;
    let recovered_late = points[at_deadline..].iter().find(|(_, s)| *s == 0).map(|(t, _)| *t);
    if ok_at_deadline {
        let s = full_since;
        let took = s.saturating_since(after);
        return verdict(
            e,
            true,
            format!("back to desired at {s}, {took} after the action"),
            Worst { at: Some(s), value: Some(took.0 as i64), unit: "ms" },
        );
    }
    match recovered_late {
        Some(t) => {
            let took = t.saturating_since(after);
            verdict(
                e,
                false,
                format!("back to desired only at {t}, {took} after the action"),
                Worst { at: Some(t), value: Some(took.0 as i64), unit: "ms" },
            )
        }
        None => {
            let took = trace.end.saturating_since(after);
            verdict(
                e,
                false,
                format!(
                    "not back to desired by the end of the run ({last} replicas short at {})",
                    trace.end
                ),
                Worst { at: Some(trace.end), value: Some(took.0 as i64), unit: "ms" },
            )
        }
    }
}

/// The `ready` and `available` floors of a scenario as lines for the ready chart: the floor in
/// replicas (a percentage taken of the desired count at the start of the window), over the
/// window (to the end of the run when open).
pub fn thresholds(scenario: &Scenario, trace: &Trace) -> Vec<ThresholdLine> {
    scenario
        .expectations
        .iter()
        .filter_map(|e| match &e.expectation {
            Expectation::MinReplicas { kind, workload, min, from, to } => {
                let desired = trace
                    .metrics
                    .column(&workload_column(workload, "desired"))
                    .and_then(|c| {
                        trace.metrics.value_at(c, *from).or_else(|| trace.metrics.first_value(c))
                    })
                    .unwrap_or(0);
                Some(ThresholdLine {
                    workload: workload.clone(),
                    kind: *kind,
                    replicas: min.scaled(desired, true) as f64,
                    from: *from,
                    to: to.unwrap_or(trace.end),
                    label: e.text.clone(),
                })
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Each kind against the fixture run (see `fixture.rs`: web dips to 2 at 60 s and is back
    //! at 75 s; shop/db dips to 1 at 90 s and stays; the run ends at 120 s).
    use super::*;
    use crate::fixture::{self, Run};
    use kubesim_model::{
        ActionRef, DrainOutcome, DrainRecord, EventType, EvictionRecord, Expect, TraceEvent,
    };

    fn s(secs: u64) -> SimTime {
        SimTime(secs * 1000)
    }

    fn check_one(run: &mut Run, x: Expectation) -> ExpectationVerdict {
        run.scenario.expectations = vec![Expect { expectation: x, text: "x".into() }];
        evaluate(&run.output()).remove(0)
    }

    fn ready(workload: &str, min: IntOrPercent, from: u64, to: Option<u64>) -> Expectation {
        Expectation::MinReplicas {
            kind: ReplicaKind::Ready,
            workload: workload.into(),
            min,
            from: s(from),
            to: to.map(s),
        }
    }

    #[test]
    fn ready_floor_reports_the_lowest_point() {
        let mut run = fixture::run();
        // web: 3 from 30 s, 2 at 60 s, 3 again at 75 s -> a floor of 3 fails at 60 s with 2.
        let v = check_one(&mut run, ready("deployment/web", IntOrPercent::Int(3), 30, None));
        assert!(!v.passed, "{v:?}");
        assert_eq!((v.worst_at_ms, v.worst_value), (Some(60_000), Some(2)));
        // From 75 s on it stays at 3.
        let v = check_one(&mut run, ready("deployment/web", IntOrPercent::Int(3), 75, None));
        assert!(v.passed && v.worst_value == Some(3), "{v:?}");
        // A window starting inside the dip: the row in effect at 65 s (2, from 60 s) counts, at 65 s.
        let v = check_one(&mut run, ready("deployment/web", IntOrPercent::Int(3), 65, Some(80)));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (false, Some(65_000), Some(2)));
        // A window that ends before the dip passes.
        let v = check_one(&mut run, ready("deployment/web", IntOrPercent::Int(3), 30, Some(59)));
        assert!(v.passed, "{v:?}");
    }

    #[test]
    fn percent_floors_round_up_like_min_available() {
        let mut run = fixture::run();
        // db: desired 2, 1 ready at 90 s. 50% of 2 = 1 -> holds; 51% of 2 = 1.02 -> 2 -> fails.
        let v =
            check_one(&mut run, ready("statefulset/shop/db", IntOrPercent::Percent(50), 40, None));
        assert!(v.passed, "{v:?}");
        let v =
            check_one(&mut run, ready("statefulset/shop/db", IntOrPercent::Percent(51), 40, None));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (false, Some(90_000), Some(1)));
        // Available follows ready in the fixture.
        let v = check_one(
            &mut run,
            Expectation::MinReplicas {
                kind: ReplicaKind::Available,
                workload: "statefulset/shop/db".into(),
                min: IntOrPercent::Int(2),
                from: s(40),
                to: None,
            },
        );
        assert_eq!((v.passed, v.worst_at_ms), (false, Some(90_000)));
    }

    fn action(at: u64, label: &str) -> ActionRef {
        ActionRef { index: 0, at: s(at), label: label.into() }
    }

    #[test]
    fn completes_measures_the_drain() {
        let mut run = fixture::run();
        run.trace.drains.push(DrainRecord {
            label: "drain node-2".into(),
            start: s(61),
            end: Some(s(100)),
            outcome: DrainOutcome::Drained,
            nodes: Vec::new(),
            evictions_allowed: 0,
            evictions_refused: 0,
            deletions: 0,
            blocked: Vec::new(),
            upgrade: None,
        });
        let x = |within: u64| Expectation::Completes {
            action: action(61, "drain node-2"),
            operation: Operation::Drain,
            within: SimDuration::from_secs(within),
        };
        // 61 s -> 100 s: 39 s.
        let v = check_one(&mut run, x(39));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (true, Some(100_000), Some(39_000)));
        let v = check_one(&mut run, x(38));
        assert!(!v.passed, "{v:?}");
        // A drain that never ended is measured to the end of the run and fails.
        run.trace.drains[0].end = None;
        run.trace.drains[0].outcome = DrainOutcome::Running;
        let v = check_one(&mut run, x(100));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (false, Some(120_000), Some(59_000)));
    }

    fn pod_id(run: &Run, name: &str) -> PodId {
        PodId(run.cluster.pods.iter().position(|p| p.meta.name == name).unwrap() as u32)
    }

    #[test]
    fn pending_finds_the_longest() {
        let mut run = fixture::run();
        // Every web pod leaves Pending 10 s after its creation; db-0 (created at 90 s) never
        // does: Pending 30 s to the end of the run (120 s).
        for name in ["web-7d9f-abcde", "web-7d9f-fghij", "web-7d9f-klmno", "web-7d9f-gone1"] {
            let id = pod_id(&run, name);
            let t = run.cluster.pods[id.index()].meta.creation + SimDuration::from_secs(10);
            run.trace.left_pending.push((id, t));
        }
        let x = |workload: Option<&str>, max: u64| Expectation::MaxPending {
            workload: workload.map(String::from),
            max: SimDuration::from_secs(max),
        };
        let v = check_one(&mut run, x(None, 29));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (false, Some(90_000), Some(30_000)));
        assert!(
            v.detail.contains("shop/db-0") && v.detail.contains("still Pending"),
            "{}",
            v.detail
        );
        assert!(check_one(&mut run, x(None, 30)).passed);
        // web's pods only: 10 s.
        let v = check_one(&mut run, x(Some("deployment/web"), 10));
        assert_eq!((v.passed, v.worst_value), (true, Some(10_000)));
    }

    fn event(t: u64, ns: &str, name: &str, reason: &'static str, msg: &str) -> TraceEvent {
        TraceEvent {
            time: SimTime(t),
            event_type: EventType::Normal,
            kind: Kind::Pod,
            namespace: ns.into(),
            name: name.into(),
            reason,
            message: msg.into(),
            node: "".into(),
        }
    }

    #[test]
    fn evictions_count_both_eviction_paths() {
        let mut run = fixture::run();
        run.trace.events.extend([
            event(
                60_000,
                "default",
                "web-7d9f-gone1",
                "EvictionByEvictionAPI",
                "Eviction API: evicting",
            ),
            event(
                61_000,
                "default",
                "web-7d9f-klmno",
                "EvictionByEvictionAPI",
                "Eviction API: evicting",
            ),
            event(
                95_000,
                "shop",
                "db-0",
                "TaintManagerEviction",
                "Cancelling deletion of Pod shop/db-0",
            ),
            event(
                100_000,
                "shop",
                "db-0",
                "TaintManagerEviction",
                "Marking for deletion Pod shop/db-0",
            ),
        ]);
        let x = |workload: Option<&str>, max: u64| Expectation::MaxEvictions {
            workload: workload.map(String::from),
            max,
        };
        // 3 evictions (the cancellation is not one); the third, at 100 s, breaks a limit of 2.
        let v = check_one(&mut run, x(None, 2));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (false, Some(100_000), Some(3)));
        let v = check_one(&mut run, x(Some("deployment/web"), 2));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (true, Some(61_000), Some(2)));
        let v = check_one(&mut run, x(Some("statefulset/shop/db"), 0));
        assert_eq!((v.passed, v.worst_at_ms), (false, Some(100_000)));
    }

    #[test]
    fn restarts_per_workload() {
        let mut run = fixture::run();
        // db's restarts column turns 1 at 90 s.
        let x =
            |max| Expectation::MaxRestarts { workload: Some("statefulset/shop/db".into()), max };
        let v = check_one(&mut run, x(0));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (false, Some(90_000), Some(1)));
        let v = check_one(&mut run, x(1));
        assert_eq!((v.passed, v.worst_at_ms), (true, Some(90_000)));
        let v = check_one(
            &mut run,
            Expectation::MaxRestarts { workload: Some("deployment/web".into()), max: 0 },
        );
        assert_eq!((v.passed, v.worst_value), (true, Some(0)));
    }

    #[test]
    fn recovery_after_an_action() {
        let mut run = fixture::run();
        let x = |at: u64, within: u64, workloads: &[&str]| Expectation::Recovers {
            after: action(at, "delete pod"),
            within: SimDuration::from_secs(within),
            workloads: workloads.iter().map(|w| w.to_string()).collect(),
        };
        // After 60 s: web back at 75 s, db full until 90 s: all back at 75 s, 15 s after.
        let v = check_one(&mut run, x(60, 20, &[]));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (true, Some(75_000), Some(15_000)));
        // Within 10 s (deadline 70 s) web is still short; it is back at 75 s: late.
        let v = check_one(&mut run, x(60, 10, &["deployment/web"]));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (false, Some(75_000), Some(15_000)));
        // db never comes back after 90 s: measured to the end.
        let v = check_one(&mut run, x(90, 10, &[]));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (false, Some(120_000), Some(30_000)));
        // Only web, after 90 s: already full, recovered at once.
        let v = check_one(&mut run, x(90, 10, &["deployment/web"]));
        assert_eq!((v.passed, v.worst_value), (true, Some(0)));
    }

    #[test]
    fn events_by_reason_deadline_object_and_workload() {
        let mut run = fixture::run();
        // FailedScheduling for shop/db-0 at 61.25 s and 90 s.
        let x = |occurs, before: Option<u64>, object: Option<&str>, workload: Option<&str>| {
            Expectation::Event {
                occurs,
                reason: "FailedScheduling".into(),
                before: before.map(SimTime),
                object: object.map(|n| ("Pod".to_string(), "shop".to_string(), n.to_string())),
                workload: workload.map(String::from),
            }
        };
        let v = check_one(&mut run, x(true, Some(60_000), None, None));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (false, Some(61_250), Some(0)));
        let v = check_one(&mut run, x(true, Some(61_250), Some("db-0"), None));
        assert_eq!((v.passed, v.worst_value), (true, Some(1)));
        let v = check_one(&mut run, x(true, None, Some("db-1"), None));
        assert!(!v.passed && v.worst_at_ms.is_none(), "{v:?}");
        // noEvent: the first forbidden one is the worst point.
        let v = check_one(&mut run, x(false, None, None, Some("statefulset/shop/db")));
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (false, Some(61_250), Some(2)));
        let v = check_one(&mut run, x(false, None, None, Some("deployment/web")));
        assert!(v.passed, "{v:?}");
    }

    #[test]
    fn pdb_violations_from_the_eviction_records() {
        let mut run = fixture::run();
        let rec = |t: u64, healthy_after: i64, was_healthy: bool| EvictionRecord {
            time: s(t),
            pod: "default/web-7d9f-abcde".into(),
            pdb: Some("pdb/web-pdb".into()),
            pod_was_healthy: was_healthy,
            healthy_after,
            desired_healthy: 2,
        };
        // 2 of 2 left: fine; an unhealthy pod evicted below the budget takes nothing away;
        // 1 of 2 left at 70 s: a violation.
        run.trace.evictions = vec![rec(60, 2, true), rec(65, 1, false), rec(70, 1, true)];
        let v = check_one(&mut run, Expectation::NoPdbViolation { pdb: None });
        assert_eq!((v.passed, v.worst_at_ms, v.worst_value), (false, Some(70_000), Some(1)));
        assert!(v.detail.contains("1 healthy of 2"), "{}", v.detail);
        let v = check_one(&mut run, Expectation::NoPdbViolation { pdb: Some("pdb/other".into()) });
        assert!(v.passed, "{v:?}");
    }

    #[test]
    fn thresholds_for_the_ready_chart() {
        let mut run = fixture::run();
        run.scenario.expectations = vec![Expect {
            expectation: ready("deployment/web", IntOrPercent::Percent(66), 30, None),
            text: "ready web".into(),
        }];
        // 66% of 3 desired, rounded up: 2 replicas, from 30 s to the end (120 s).
        let t = thresholds(&run.scenario, &run.trace);
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].replicas, t[0].from, t[0].to), (2.0, s(30), s(120)));
    }
}
