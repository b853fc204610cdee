//! Golden files: the results committed under `results/<scenario>/` are exactly what the
//! current code produces, so the README's chart and the example outputs never go stale and
//! any change of behaviour shows up as a reviewed diff. Regenerate with
//! `scripts/regenerate-results.sh` after an intended change.

use crate::support::*;

#[test]
fn committed_results_match_a_fresh_run() {
    let scenarios = root().join("scenarios");
    let mut checked = 0;
    let mut entries: Vec<_> =
        std::fs::read_dir(&scenarios).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let name = kubesim_scenario::load(&path)
            .map(|l| l.scenario.name)
            .unwrap_or_else(|e| panic!("{e}"));
        let committed = root().join("results").join(&name);
        assert!(
            committed.is_dir(),
            "results/{name}/ is missing: run scripts/regenerate-results.sh"
        );
        let tmp = tempfile::tempdir().unwrap();
        let o = kubesim(&["run", path.to_str().unwrap(), "--out", "fresh"], tmp.path());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for file in [
            "events.csv",
            "metrics.csv",
            "evictions.csv",
            "summary.json",
            "summary.md",
            "state.yaml",
            "ready.svg",
            "pods.svg",
            "nodes.svg",
            "zones.svg",
        ] {
            let fresh = std::fs::read_to_string(tmp.path().join("fresh").join(file)).unwrap();
            let old = std::fs::read_to_string(committed.join(file))
                .unwrap_or_else(|_| panic!("results/{name}/{file} missing"));
            assert!(
                fresh == old,
                "results/{name}/{file} is stale: run scripts/regenerate-results.sh and review the diff"
            );
        }
        checked += 1;
    }
    assert!(checked >= 6, "expected every scenario to be checked, got {checked}");
}
