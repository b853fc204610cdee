//! `kubesim check`: the project's scenarios hold their expectations; a failing one exits 1 with
//! its worst point; the JUnit XML is well formed and counts right; bad input exits 2.

use crate::support::*;
use std::fs;

/// A 3-replica Deployment on two nodes that already have the image: each pod starts 1 s after
/// it is scheduled and has no readiness probe, so it is Ready then. At 1:00 one pod is
/// deleted: ready drops to 2 at once and the replacement is Ready at 1:01.
const DIP: &str = "\
name: dip
seed: 1
duration: 2m
cluster:
  nodePools:
    - {name: pool, count: 2, allocatable: {cpu: \"4\", memory: 16Gi}, images: [\"nginx:1.27\"]}
behaviour:
  default: {imagePull: 5s, containerStart: 1s}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 3
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: \"nginx:1.27\"}]
actions:
  - at: 1m
    delete-pod: {selector: {matchLabels: {app: web}}, count: 1}
expect:
  - ready: {workload: deployment/web, min: 2, from: 10s}
  - ready: {workload: deployment/web, min: 3, from: 10s}
  - recovers: {after: delete-pod app=web, within: 1s}
";

#[test]
fn project_scenarios_pass() {
    let o = kubesim(&["check", "scenarios/"], &root());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    // Every scenario of scenarios/ is run, and the manifests under scenarios/manifests/ are not.
    for entry in fs::read_dir(root().join("scenarios")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "yaml") {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            assert!(stdout.contains(&format!("{name} ")), "{name} missing:\n{stdout}");
        }
    }
    assert!(!stdout.contains("manifests/"), "{stdout}");
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

fn dip_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("manifests")).unwrap();
    fs::write(tmp.path().join("dip.yaml"), DIP).unwrap();
    // A manifest next to it: skipped, not an error.
    fs::write(
        tmp.path().join("manifests/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: c, image: i}]}\n",
    )
    .unwrap();
    tmp
}

#[test]
fn a_failing_expectation_exits_1_with_its_worst_point() {
    let tmp = dip_dir();
    let o = kubesim(&["check", ".", "--output", "json", "--junit", "out/junit.xml"], tmp.path());
    let stdout = String::from_utf8_lossy(&o.stdout);
    // The junit directory does not exist: the report cannot be written -> bad input, and
    // nothing on stdout.
    assert_eq!(o.status.code(), Some(2), "{stdout}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("out/junit.xml"));
    assert!(!tmp.path().join("out/junit.xml").exists());

    let o = kubesim(&["check", ".", "--output", "json", "--junit", "junit.xml"], tmp.path());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value =
        serde_json::from_str(&stdout).expect("stdout is one JSON document");
    assert_eq!((doc["passed"].as_u64(), doc["failed"].as_u64()), (Some(2), Some(1)));
    let x = &doc["scenarios"][0]["expectations"];
    // min 2 holds: the lowest is 2, at 1:00.
    assert_eq!(x[0]["passed"], true);
    // min 3 fails; its worst point is the deletion at 1:00 (60000 ms) with 2 ready.
    assert_eq!(x[1]["passed"], false);
    assert_eq!(x[1]["worst_at_ms"], 60_000);
    assert_eq!(x[1]["worst_value"], 2);
    // The replacement is Ready at 1:01, 1 s after the deletion.
    assert_eq!((x[2]["passed"].as_bool(), x[2]["worst_value"].as_i64()), (Some(true), Some(1000)));

    // JUnit: well-formed, one suite with three cases, one failure carrying the worst point.
    let xml = fs::read_to_string(tmp.path().join("junit.xml")).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("well-formed JUnit XML");
    assert_eq!((report.tests, report.failures), (3, 1));
    assert_eq!(report.test_suites.len(), 1);
    let suite = &report.test_suites[0];
    assert_eq!(suite.name.as_str(), "dip");
    assert_eq!((suite.tests, suite.failures), (3, 1));
    assert!(xml.contains("message=\"worst: 2 replicas at 00:01:00.000\""), "{xml}");
    // No temporary file left behind.
    let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.iter().all(|n| !n.to_string_lossy().contains(".tmp")), "{left:?}");

    // The text table names the scenario, its counts and the worst point.
    let o = kubesim(&["check", "dip.yaml"], tmp.path());
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text.contains("ready deployment/web >= 3 from 10s to the end: 2 replicas at 00:01:00.000"),
        "{text}"
    );
    assert!(text.contains("1 scenario, 3 expectations: 2 passed, 1 failed"), "{text}");
}

#[test]
fn run_shows_the_verdicts_and_still_exits_0() {
    let tmp = dip_dir();
    let o = kubesim(&["run", "dip.yaml"], tmp.path());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("expectations: 2 passed, 1 failed"), "{stdout}");
    // The EXPECTATION table lists every verdict; the failing floor with its worst point.
    assert!(stdout.contains("EXPECTATION"), "{stdout}");
    let row = stdout.lines().find(|l| l.starts_with("ready deployment/web >= 3")).unwrap();
    assert!(row.contains("   FAIL   ") && row.contains("00:01:00.000"), "{row}");
    assert_eq!(stdout.lines().filter(|l| l.contains("   pass   ")).count(), 2, "{stdout}");
    let summary = fs::read_to_string(tmp.path().join("results/dip/summary.json")).unwrap();
    assert!(summary.contains("\"worst_at_ms\": 60000"), "{summary}");
}

#[test]
fn a_bad_expectation_exits_2_naming_file_line_and_column() {
    let tmp = dip_dir();
    let bad = DIP.replace(
        "- recovers: {after: delete-pod app=web, within: 1s}",
        "- recovers: {after: delete-pod app=web, within: 1s}\n  - evictions: {workload: deployment/wbe, max: 0}",
    );
    fs::write(tmp.path().join("dip.yaml"), bad).unwrap();
    let o = kubesim(&["check", ".", "--junit", "junit.xml"], tmp.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // Line 27 (the 4th expectation), the value of `workload` at column 27.
    assert!(err.contains("dip.yaml:27:27"), "{err}");
    assert!(err.contains("expect[3].evictions.workload"), "{err}");
    assert!(err.contains("did you mean `deployment/web`?"), "{err}");
    // Nothing ran, nothing was written.
    assert!(o.stdout.is_empty());
    assert!(!tmp.path().join("junit.xml").exists());

    // An unknown action (line 26, column 23) is named with the nearest one.
    let bad = DIP.replace("after: delete-pod app=web", "after: delete-pod app=wbe");
    fs::write(tmp.path().join("dip.yaml"), bad).unwrap();
    let o = kubesim(&["check", "dip.yaml"], tmp.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("dip.yaml:26:23"), "{err}");
    assert!(err.contains("did you mean `delete-pod app=web`?"), "{err}");

    // Two kinds in one entry.
    let bad = DIP.replace(
        "- ready: {workload: deployment/web, min: 2, from: 10s}",
        "- ready: {workload: deployment/web, min: 2, from: 10s}\n    restarts: {max: 0}",
    );
    fs::write(tmp.path().join("dip.yaml"), bad).unwrap();
    let o = kubesim(&["check", "dip.yaml"], tmp.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("exactly one kind"), "{err}");
}

#[test]
fn a_directory_without_scenarios_is_bad_input() {
    // scenarios/manifests/ holds only Kubernetes manifests: nothing to check is an error, so
    // that a CI job pointed at the wrong directory does not pass.
    let o = kubesim(&["check", "scenarios/manifests"], &root());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no kubesim scenario in `scenarios/manifests`"), "{err}");
}

#[test]
fn the_trace_records_what_expectations_need() {
    // drain-with-pdb: PDB `api` (maxUnavailable 1 of 3: desiredHealthy 2). Each eviction
    // (0:30, 0:50, 1:05) takes a Ready pod while 3 are healthy (the previous replacement is
    // Ready at 0:46 and 1:01), leaving 2: none below the budget.
    let out = run("drain-with-pdb");
    let evictions: Vec<(u64, Option<&str>, bool, i64, i64)> = out
        .trace
        .evictions
        .iter()
        .map(|r| {
            (r.time.0, r.pdb.as_deref(), r.pod_was_healthy, r.healthy_after, r.desired_healthy)
        })
        .collect();
    assert_eq!(
        evictions,
        vec![
            (30_000, Some("pdb/api"), true, 2, 2),
            (50_000, Some("pdb/api"), true, 2, 2),
            (65_000, Some("pdb/api"), true, 2, 2),
        ]
    );

    // quickstart: the three first pods leave Pending when their containers start (pull 5 s +
    // start 1 s: 0:06), the replacement of the deleted pod at 1:01 (image present); the deleted
    // pod was Running, so its deletion is not an end of Pending.
    let out = run("quickstart");
    let mut left: Vec<u64> = out.trace.left_pending.iter().map(|(_, t)| t.0).collect();
    left.sort_unstable();
    assert_eq!(left, vec![6_000, 6_000, 6_000, 61_000]);
}
