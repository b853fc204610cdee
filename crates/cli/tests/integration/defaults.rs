//! Defaults that match real nodes, and `validate`'s warning about pods that can never be
//! scheduled.

use crate::support::*;

/// Nodes that do not say their `ephemeral-storage`; `small` requests 10Gi of it, as manifests
/// written for real clusters do (a node always reports some), `huge` more than a node's
/// default allocatable (47060071478 bytes, about 43.8Gi), `greedy` more CPU than any node has.
const SCENARIO: &str = r#"# ephemeral storage requests against the default node size
name: eph
duration: 1m
cluster:
  nodePools:
    - {name: pool, count: 2, allocatable: {cpu: "4", memory: 16Gi}}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: small}
    spec:
      replicas: 1
      selector: {matchLabels: {app: small}}
      template:
        metadata: {labels: {app: small}}
        spec:
          containers:
            - name: app
              image: app:1
              resources: {requests: {cpu: 100m, ephemeral-storage: 10Gi}}
  - apiVersion: v1
    kind: Pod
    metadata: {name: huge}
    spec:
      containers:
        - name: app
          image: app:1
          resources: {requests: {ephemeral-storage: 50Gi}}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: greedy}
    spec:
      replicas: 1
      selector: {matchLabels: {app: greedy}}
      template:
        metadata: {labels: {app: greedy}}
        spec:
          containers:
            - name: app
              image: app:1
              resources: {requests: {cpu: "8"}}
"#;

#[test]
fn nodes_offer_ephemeral_storage_by_default_and_validate_warns_of_unschedulable_pods() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("eph.yaml");
    std::fs::write(&file, SCENARIO).unwrap();
    let loaded = kubesim_scenario::load(&file).unwrap().scenario;
    assert_eq!(loaded.cluster.nodes[0].allocatable.ephemeral_storage, 47_060_071_478);

    // validate names each pod and resource no node offers enough of, and nothing else.
    let out = kubesim(&["validate", "eph.yaml"], dir.path());
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let warnings: Vec<&str> = text.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(
        warnings,
        [
            "warning: deployment/greedy's pods request cpu 8, more than any node offers (at most 4): it can never be scheduled",
            "warning: pod default/huge requests ephemeral-storage 50Gi, more than any node offers (at most 47060071478): it can never be scheduled",
        ],
        "{text}"
    );
    let json = kubesim(&["validate", "-o", "json", "eph.yaml"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["scenario"]["warnings"].as_array().unwrap().len(), 2);

    // The run agrees with the warnings: kube-scheduler's NodeResourcesFit places `small` (10Gi
    // fits in 43.8Gi) and rejects the two others on both nodes.
    let run = kubesim_controllers::run(&loaded);
    let scheduled: Vec<&str> = events(&run, "Scheduled").iter().map(|e| e.2).collect();
    assert_eq!(scheduled.len(), 1, "{scheduled:?}");
    assert!(scheduled[0].starts_with("Successfully assigned default/small-"), "{scheduled:?}");
    let failed: Vec<&str> = events(&run, "FailedScheduling").iter().map(|e| e.2).collect();
    assert!(failed.iter().any(|m| m.contains("2 Insufficient ephemeral-storage")), "{failed:?}");
    assert!(failed.iter().any(|m| m.contains("2 Insufficient cpu")), "{failed:?}");
}
