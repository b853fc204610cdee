//! What `kubesim run` and `kubesim validate` print: kubectl-style tables, or with
//! `--output json` one JSON document and nothing else.

use crate::support::*;
use std::fs;

#[test]
fn run_output_json_is_the_summary_document() {
    let tmp = tempfile::tempdir().unwrap();
    let file = root().join("scenarios/drain-with-pdb.yaml");
    let o = kubesim(&["run", file.to_str().unwrap(), "--out", "r", "--output", "json"], tmp.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).unwrap();
    // Nothing but the document: it parses as one JSON value and equals summary.json.
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(stdout, fs::read_to_string(tmp.path().join("r/summary.json")).unwrap());
    for key in [
        "scenario",
        "seed",
        "workloads",
        "pods",
        "nodes",
        "node_list",
        "actions",
        "pdbs",
        "drains",
        "expectations",
    ] {
        assert!(doc.get(key).is_some(), "missing {key}");
    }
    assert_eq!(doc["scenario"], "drain-with-pdb");
    assert_eq!(doc["workloads"][0]["workload"], "deployment/api");
    // node-1 was drained from 0:30 to 1:10 and stays cordoned.
    assert_eq!(doc["node_list"][0]["node"], "node-1");
    assert_eq!(doc["node_list"][0]["status"], "Ready,SchedulingDisabled");
    assert_eq!(doc["node_list"][0]["draining_ms"], 40_000);
    // -o is the short form.
    let o = kubesim(&["run", file.to_str().unwrap(), "--out", "r", "-o", "json"], tmp.path());
    assert_eq!(String::from_utf8(o.stdout).unwrap(), stdout);
}

#[test]
fn run_text_ends_with_kubectl_style_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let file = root().join("scenarios/surge-upgrade.yaml");
    let o = kubesim(&["run", file.to_str().unwrap(), "--out", "r"], tmp.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    // The workloads table: its header, then one row per workload (web-blue, web-green and the
    // log-agent DaemonSet), then a blank line.
    let h = lines.iter().position(|l| l.starts_with("WORKLOAD ")).expect("WORKLOAD header");
    let header: Vec<&str> = lines[h].split_whitespace().collect();
    assert_eq!(&header[..5], ["WORKLOAD", "DESIRED", "READY", "AVAILABLE", "LOWEST-READY"]);
    let rows: Vec<&str> = lines[h + 1..].iter().take_while(|l| !l.is_empty()).copied().collect();
    let names: Vec<&str> = rows.iter().map(|r| r.split_whitespace().next().unwrap()).collect();
    assert_eq!(names, ["deployment/web-blue", "deployment/web-green", "daemonset/log-agent"]);
    // Columns aligned: each header word starts where the rows' cells start.
    let at = lines[h].find("READY").unwrap();
    for r in &rows {
        assert_eq!(r.as_bytes()[at - 1], b' ');
        assert_ne!(r.as_bytes()[at], b' ', "{r}");
    }
    // The nodes (18 old ones deleted, 18 new), the PDBs and the two upgrades.
    let n = lines.iter().position(|l| l.starts_with("NODE ")).expect("NODE header");
    let nodes: Vec<&str> = lines[n + 1..].iter().take_while(|l| !l.is_empty()).copied().collect();
    assert_eq!(nodes.len(), 36);
    assert_eq!(nodes.iter().filter(|l| l.contains(" Deleted ")).count(), 18);
    assert!(stdout.contains("\nPDB "), "{stdout}");
    let u = lines.iter().position(|l| l.starts_with("UPGRADE ")).expect("UPGRADE header");
    assert!(lines[u + 1].starts_with("upgrade-pool blue"));
    assert!(lines[u + 2].starts_with("upgrade-pool green"));
    // No table has a border or a trailing space.
    assert!(lines.iter().all(|l| !l.ends_with(' ') && !l.starts_with('|')));
}

#[test]
fn validate_output_json_describes_the_scenario() {
    let file = root().join("scenarios/drain-with-pdb.yaml");
    let o = kubesim(&["validate", file.to_str().unwrap(), "-o", "json"], &root());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["valid"], true);
    assert!(doc["error"].is_null());
    let s = &doc["scenario"];
    // Two nodes, the Deployment and its (synthesized) ReplicaSet, three pods, one PDB, one
    // action: `drain node-1` at 0:30.
    assert_eq!(s["name"], "drain-with-pdb");
    assert_eq!((s["nodes"].as_u64(), s["workloads"].as_u64()), (Some(2), Some(2)));
    assert_eq!((s["pods"].as_u64(), s["pdbs"].as_u64()), (Some(3), Some(1)));
    assert_eq!(s["actions"][0]["at_ms"], 30_000);
    assert_eq!(s["actions"][0]["label"], "drain node-1");
    assert_eq!(s["notes"].as_array().map(Vec::len), Some(1));
}

#[test]
fn validate_output_json_on_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("bad.yaml"), "name: bad\nduration: soon\n").unwrap();
    let o = kubesim(&["validate", "bad.yaml", "--output", "json"], tmp.path());
    // Exit 2; the document says why, as stderr does.
    assert_eq!(o.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["valid"], false);
    assert!(doc["scenario"].is_null());
    let err = doc["error"].as_str().unwrap();
    assert!(err.contains("bad.yaml:2:"), "{err}");
    assert!(String::from_utf8_lossy(&o.stderr).contains(err));
}
