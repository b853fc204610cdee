//! The topology spread examples of the Kubernetes docs ("Pod Topology Spread Constraints"),
//! reproduced by the scenarios in `scenarios/topology-spread/` and checked through
//! `kubesim explain --pod mypod --json`: which nodes each filter lets through, and where the
//! pod lands (or why it stays Pending).

use crate::support::*;
use serde_json::Value;

/// `kubesim explain scenarios/topology-spread/<name>.yaml --pod mypod --json`, parsed.
fn explain(name: &str) -> Value {
    let file = root().join("scenarios/topology-spread").join(format!("{name}.yaml"));
    let o = kubesim(&["explain", file.to_str().unwrap(), "--pod", "mypod", "-o", "json"], &root());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("explain --json prints JSON")
}

/// The names of the feasible nodes, sorted.
fn feasible(v: &Value) -> Vec<String> {
    let mut f: Vec<String> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["feasible"].as_bool().unwrap())
        .map(|n| n["node"].as_str().unwrap().to_string())
        .collect();
    f.sort();
    f
}

/// The PodTopologySpread verdict on a node: (code, reasons).
fn spread_verdict(v: &Value, node: &str) -> (String, Vec<String>) {
    let n = v["nodes"].as_array().unwrap().iter().find(|n| n["node"] == node).unwrap();
    let f = n["filters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["plugin"] == "PodTopologySpread")
        .unwrap_or_else(|| panic!("no PodTopologySpread verdict on {node}: {n}"));
    let reasons = f["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().into());
    (f["code"].as_str().unwrap().to_string(), reasons.collect())
}

const NOT_MATCH: &str = "node(s) didn't match pod topology spread constraints";

#[test]
fn one_constraint_only_zone_b() {
    let v = explain("one-constraint");
    // zoneA holds 2 foo=bar pods, zoneB 1: in zoneA the skew would be 2 + 1 - 1 = 2 > 1.
    let zone = &v["topologySpread"][0];
    assert_eq!(zone["topologyKey"], "zone");
    assert_eq!(zone["globalMinimum"], 1);
    assert_eq!(
        zone["domains"],
        serde_json::json!([{"value": "zoneA", "count": 2}, {"value": "zoneB", "count": 1}])
    );
    for node in ["node1", "node2"] {
        assert_eq!(spread_verdict(&v, node), ("Unschedulable".into(), vec![NOT_MATCH.into()]));
    }
    assert_eq!(spread_verdict(&v, "node3").0, "Success");
    // "The incoming Pod can only be placed onto zoneB": node3 or node4.
    assert_eq!(feasible(&v), ["node3", "node4"]);
    // Both are scored; node4 is empty, so NodeResourcesFit (LeastAllocated, counting the
    // 100m/200Mi defaults of containers without requests) ranks it first.
    assert_eq!(v["result"]["outcome"], "scheduled");
    assert_eq!(v["result"]["node"], "node4");
}

#[test]
fn two_constraints_only_node4() {
    let v = explain("two-constraints");
    // zone allows zoneB (node3, node4); `node` (counts 1, 1, 1, 0, minimum 0) allows node4.
    assert_eq!(feasible(&v), ["node4"]);
    assert_eq!(spread_verdict(&v, "node3"), ("Unschedulable".into(), vec![NOT_MATCH.into()]));
    let details =
        v["nodes"].as_array().unwrap().iter().find(|n| n["node"] == "node3").unwrap()["filters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["plugin"] == "PodTopologySpread")
            .unwrap()["details"]
            .clone();
    assert_eq!(
        details,
        serde_json::json!([
            "zone=zoneB: 1 matching + 1 self - min 1 = skew 1 <= maxSkew 1",
            "node=node3: 1 matching + 1 self - min 0 = skew 2 > maxSkew 1"
        ])
    );
    // The only feasible node is chosen without scoring.
    assert_eq!(v["result"]["node"], "node4");
    assert_eq!(v["result"]["why"], "the only feasible node: chosen without scoring");
}

#[test]
fn conflicting_constraints_stay_pending() {
    let v = explain("conflicting-constraints");
    // zone allows only node3 (zoneB), `node` (counts 2, 1, 2) only node2: nothing is left.
    assert!(feasible(&v).is_empty());
    assert_eq!(v["result"]["outcome"], "unschedulable");
    assert_eq!(
        v["result"]["message"],
        "0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints. \
         preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    );
    assert_eq!(v["result"]["preemption"]["result"], "noCandidate");
}

#[test]
fn max_skew_2_allows_zone_a() {
    let v = explain("max-skew-2");
    // zoneA's skew 2 + 1 - 1 = 2 is within maxSkew 2: every node passes.
    assert_eq!(feasible(&v), ["node1", "node2", "node3", "node4"]);
    assert_eq!(v["result"]["node"], "node4");
}

#[test]
fn topology_key_node_only_node4() {
    let v = explain("topology-key-node");
    // Per node: 1, 1, 1, 0; minimum 0; node1..3 have skew 2.
    assert_eq!(feasible(&v), ["node4"]);
    assert_eq!(v["topologySpread"][0]["globalMinimum"], 0);
    assert_eq!(v["result"]["node"], "node4");
}

#[test]
fn schedule_anyway_prefers_zone_b() {
    let v = explain("schedule-anyway");
    // No filtering: all four feasible.
    assert_eq!(feasible(&v), ["node1", "node2", "node3", "node4"]);
    // Raw scores round(count x ln(2 + 2)): zoneA 3, zoneB 1; normalised 100 x (3 + 1 - s) / 3
    // = 33 (zoneA) and 100 (zoneB); weight 2.
    let spread_score = |node: &str| {
        let n = v["nodes"].as_array().unwrap().iter().find(|n| n["node"] == node).unwrap();
        let s = n["scores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["plugin"] == "PodTopologySpread")
            .unwrap()
            .clone();
        (
            s["raw"].as_i64().unwrap(),
            s["normalized"].as_i64().unwrap(),
            s["weighted"].as_i64().unwrap(),
        )
    };
    assert_eq!(spread_score("node1"), (3, 33, 66));
    assert_eq!(spread_score("node2"), (3, 33, 66));
    assert_eq!(spread_score("node3"), (1, 100, 200));
    assert_eq!(spread_score("node4"), (1, 100, 200));
    assert_eq!(v["result"]["node"], "node4");
}

#[test]
fn explain_text_report_and_errors() {
    let file = root().join("scenarios/topology-spread/one-constraint.yaml");
    let o = kubesim(&["explain", file.to_str().unwrap(), "--pod", "mypod"], &root());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("pod default/mypod: scheduling attempt 1 at 00:00:00.000"), "{out}");
    assert!(out.contains("zone=zoneA: 2 matching + 1 self - min 1 = skew 2 > maxSkew 1"), "{out}");
    assert!(out.contains("result: scheduled on node4"), "{out}");
    // A pod that never has an attempt is bad input (exit 2), with the reason.
    let o = kubesim(&["explain", file.to_str().unwrap(), "--pod", "nosuch"], &root());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no scheduling attempt of a pod named `nosuch`"), "{err}");
    // A bad --at too.
    let o =
        kubesim(&["explain", file.to_str().unwrap(), "--pod", "mypod", "--at", "soon"], &root());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("invalid value `soon` for `--at`"));
}
