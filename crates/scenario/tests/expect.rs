//! The `expect` list: every kind read into the model, and the errors of bad expectations with
//! their place, field and hint.

use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::{Expectation, IntOrPercent, Operation, ReplicaKind};
use kubesim_scenario::{ScenarioError, load_str};
use std::path::Path;

/// Two nodes, Deployment `web` with PDB `web-pdb`, and three actions (two share a label).
const BASE: &str = r#"name: t
duration: 10m
cluster:
  nodePools:
    - {name: pool, count: 2, allocatable: {cpu: "4", memory: 16Gi}}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: nginx, image: "nginx:1.25"}]
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web-pdb}
    spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
actions:
  - at: 1m
    cordon: pool-1
  - at: 2m
    drain: {nodes: pool-1}
  - at: 3m
    cordon: pool-1
expect:
"#;

fn with(expect: &str) -> String {
    format!("{BASE}{expect}")
}

#[track_caller]
fn err(expect: &str) -> ScenarioError {
    match load_str(&with(expect), Path::new("bad.yaml")) {
        Ok(_) => panic!("loaded, but should not have: {expect}"),
        Err(e) => e,
    }
}

/// The line of the first `expect` entry.
const FIRST: u64 = 29;

#[test]
fn every_kind_is_read() {
    let text = with(
        r#"  - ready: {workload: deployment/web, min: 50%, from: 30s, to: 5m}
  - available: {workload: deploy/web, min: 1}
  - completes: {action: drain pool-1, within: 2m}
  - pending: {max: 1m, workload: deployment/web}
  - evictions: {max: 2}
  - restarts: {max: 0, workload: deployment/web}
  - recovers: {after: cordon pool-1 @3m, within: 30s}
  - event: {reason: Scheduled, before: 1m, object: node/pool-2}
  - noEvent: {reason: FailedScheduling, workload: deployment/web}
  - noPdbViolation: {pdb: web-pdb}
  - noPdbViolation: {}
"#,
    );
    let s = load_str(&text, Path::new("ok.yaml")).unwrap_or_else(|e| panic!("{e}")).scenario;
    let x: Vec<&Expectation> = s.expectations.iter().map(|e| &e.expectation).collect();
    assert_eq!(
        x[0],
        &Expectation::MinReplicas {
            kind: ReplicaKind::Ready,
            workload: "deployment/web".into(),
            min: IntOrPercent::Percent(50),
            from: SimTime(30_000),
            to: Some(SimTime(300_000)),
        }
    );
    assert!(matches!(x[1], Expectation::MinReplicas { kind: ReplicaKind::Available, .. }));
    // The drain is the second action (sorted by time), at 2m.
    match x[2] {
        Expectation::Completes { action, operation: Operation::Drain, within } => {
            assert_eq!(
                (action.index, action.at, *within),
                (1, SimTime(120_000), SimDuration::from_mins(2))
            );
        }
        other => panic!("{other:?}"),
    }
    // `@3m` picks the second `cordon pool-1`.
    match x[6] {
        Expectation::Recovers { after, .. } => {
            assert_eq!((after.index, after.at), (2, SimTime(180_000)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        x[7],
        &Expectation::Event {
            occurs: true,
            reason: "Scheduled".into(),
            before: Some(SimTime(60_000)),
            object: Some(("Node".into(), String::new(), "pool-2".into())),
            workload: None,
        }
    );
    assert_eq!(x[9], &Expectation::NoPdbViolation { pdb: Some("pdb/web-pdb".into()) });
    assert_eq!(x[10], &Expectation::NoPdbViolation { pdb: None });
    assert_eq!(s.expectations[0].text, "ready deployment/web >= 50% of desired from 30s to 5m0s");
}

#[test]
fn bad_expectations_are_placed_and_explained() {
    // An unknown kind gets the nearest one.
    let e = err("  - redy: {workload: deployment/web, min: 1}\n");
    assert_eq!((e.line, e.column, e.message.as_str()), (FIRST, 5, "unknown field `redy`"));
    assert_eq!(e.hint.as_deref(), Some("did you mean `ready`?"));

    // An unknown workload: the nearest one.
    let e = err("  - ready: {workload: deployment/wbe, min: 1}\n");
    assert_eq!((e.line, e.column, e.field.as_str()), (FIRST, 23, "expect[0].ready.workload"));
    assert_eq!(e.hint.as_deref(), Some("did you mean `deployment/web`?"));

    // A percentage above 100.
    let e = err("  - ready: {workload: deployment/web, min: 150%}\n");
    assert_eq!(e.field, "expect[0].ready.min");
    assert!(e.expected.as_deref().unwrap().contains("percentage of desired"), "{e}");

    // Two actions share the label: `@<time>` is suggested.
    let e = err("  - recovers: {after: cordon pool-1, within: 1m}\n");
    assert_eq!(e.field, "expect[0].recovers.after");
    assert_eq!(e.message, "2 actions are `cordon pool-1` (at 1m0s, 3m0s)");
    assert_eq!(e.hint.as_deref(), Some("write `cordon pool-1 @1m0s` to pick one"));

    // An unknown action: the nearest label.
    let e = err("  - completes: {action: drain pool-2, within: 1m}\n");
    assert_eq!(e.hint.as_deref(), Some("did you mean `drain pool-1`?"));
    // `completes` needs a drain, an upgrade or a rollout.
    let e = err("  - completes: {action: cordon pool-1 @1m, within: 1m}\n");
    assert_eq!(e.message, "`cordon pool-1` is not a drain, a node-pool upgrade or a rollout");
    // `rollout:` names a Deployment that exactly one `rollout` action changes.
    let e = err("  - completes: {rollout: deployment/web, within: 1m}\n");
    assert_eq!(e.field, "expect[0].completes.rollout");
    assert_eq!(e.message, "no `rollout` action changes deployment/web");

    // A window outside the run or upside down.
    let e = err("  - ready: {workload: deployment/web, min: 1, from: 11m}\n");
    assert_eq!(e.field, "expect[0].ready.from");
    assert_eq!(e.message, "11m0s is after the end of the run (10m0s)");
    let e = err("  - ready: {workload: deployment/web, min: 1, from: 2m, to: 1m}\n");
    assert_eq!(
        (e.field.as_str(), e.message.as_str()),
        ("expect[0].ready.to", "`to` (1m0s) is before `from` (2m0s)")
    );

    // An unknown PDB.
    let e = err("  - noPdbViolation: {pdb: web-pbd}\n");
    assert_eq!(e.field, "expect[0].noPdbViolation.pdb");
    assert_eq!(e.hint.as_deref(), Some("did you mean `web-pdb`?"));

    // Two kinds in one entry, or none.
    let e = err("  - evictions: {max: 1}\n    restarts: {max: 0}\n");
    assert_eq!((e.line, e.column), (FIRST + 1, 5));
    assert!(e.message.contains("exactly one kind"), "{e}");
    let e = err("  - {}\n");
    assert_eq!(e.message, "an expectation needs a kind");
}
