//! The binary: exit codes, output files, and bad input reported once, clearly.

use crate::support::*;
use std::fs;

#[test]
fn run_writes_every_output_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = root().join("scenarios/quickstart.yaml");
    let o = kubesim(&["run", file.to_str().unwrap()], tmp.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = tmp.path().join("results/quickstart");
    for f in kubesim_report::FILES {
        assert!(dir.join(f).is_file(), "missing {f}");
    }
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("deployment/web"), "{stdout}");
    let events = fs::read_to_string(dir.join("events.csv")).unwrap();
    assert!(
        events.starts_with("time,type,kind,namespace,object,reason,message,node\n"),
        "{events}"
    );
    assert!(events.contains(",Scheduled,Successfully assigned default/web-"), "{events}");
}

#[test]
fn validate_ok_and_notes() {
    let file = root().join("scenarios/quickstart.yaml");
    let o = kubesim(&["validate", file.to_str().unwrap()], &root());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("ok"), "{stdout}");
}

fn bad(yaml: &str) -> (i32, String, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("bad.yaml"), yaml).unwrap();
    let o = kubesim(&["run", "bad.yaml"], tmp.path());
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stderr).into_owned(), tmp)
}

#[test]
fn bad_input_exits_2_without_results() {
    let (code, err, tmp) = bad(
        "name: bad\ncluster:\n  nodePools:\n    - name: p\n      count: 1\n      allocatable: {cpu: 4 cores, memory: 1Gi}\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.yaml:6:"), "names file and line: {err}");
    assert!(err.contains("cluster.nodePools[0].allocatable.cpu"), "names the field: {err}");
    assert!(err.contains("4 cores"), "{err}");
    assert!(!tmp.path().join("results").exists(), "no results for bad input");
}

#[test]
fn misspelt_field_gets_a_suggestion() {
    let (code, err, _tmp) = bad("name: bad\nduraton: 5m\n");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.yaml:2:1"), "{err}");
    assert!(err.contains("did you mean `duration`"), "{err}");
}

#[test]
fn missing_file_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let o = kubesim(&["validate", "nope.yaml"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
}
