//! Same scenario and seed give byte-identical outputs; another seed changes a scenario with
//! random durations.

use crate::support::*;
use std::collections::BTreeMap;
use std::path::Path;

fn read_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("results dir")
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn same_seed_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = root().join("scenarios/random-timings.yaml");
    let file = file.to_str().unwrap();
    for out in ["a", "b"] {
        let o = kubesim(&["run", file, "--out", out], tmp.path());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let (a, b) = (read_dir(&tmp.path().join("a")), read_dir(&tmp.path().join("b")));
    assert!(a.len() >= 7, "{:?}", a.keys());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between two runs with the same seed");
    }
}

#[test]
fn different_seed_changes_random_durations() {
    let mut s = load("random-timings");
    let first = kubesim_controllers::run(&s);
    s.seed += 1;
    let second = kubesim_controllers::run(&s);
    let times = |o: &kubesim_controllers::Outcome| {
        o.trace
            .events
            .iter()
            .filter(|e| e.reason == "Started")
            .map(|e| e.time.0)
            .collect::<Vec<_>>()
    };
    assert_eq!(times(&first).len(), times(&second).len());
    assert_ne!(times(&first), times(&second), "start times should follow the seed");
}
