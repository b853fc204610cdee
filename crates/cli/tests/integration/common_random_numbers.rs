//! Common random numbers: two variants of a sweep with the same seed draw the same random
//! values where they do the same thing, because every component (and every node's kubelet)
//! has its own stream (`kubesim_engine::RngStreams`, ids in `world::streams`). The difference
//! between two variants is then the parameter's effect, not noise.

use kubesim_scenario::{Set, load_str_with};
use std::path::Path;

/// Pools `a` and `b` (3 nodes each). `moving` (on pool b) is listed first, so its pods are
/// created, scheduled and started before `steady`'s (on pool a) at t = 0; every kubelet
/// timing is random. At 3:00 `steady`'s pods are deleted and replaced on the same nodes.
const SCENARIO: &str = r#"
name: crn
seed: 5
duration: 10m
cluster:
  nodePools:
    - {name: a, count: 3, zones: [z1], allocatable: {cpu: "4", memory: 16Gi}}
    - {name: b, count: 3, zones: [z1], allocatable: {cpu: "4", memory: 16Gi}}
behaviour:
  default:
    imagePull: {uniform: {min: 5s, max: 30s}}
    containerStart: {uniform: {min: 1s, max: 3s}}
    ready: {uniform: {min: 5s, max: 20s}}
    shutdown: {uniform: {min: 1s, max: 5s}}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: moving}
    spec:
      replicas: 3
      selector: {matchLabels: {app: moving}}
      template:
        metadata: {labels: {app: moving}}
        spec:
          nodeSelector: {kubesim.io/node-pool: b}
          containers:
            - {name: m, image: example/m:1, resources: {requests: {cpu: 500m}}, readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: steady}
    spec:
      replicas: 3
      selector: {matchLabels: {app: steady}}
      template:
        metadata: {labels: {app: steady}}
        spec:
          nodeSelector: {kubesim.io/node-pool: a}
          containers:
            - {name: s, image: example/s:1, resources: {requests: {cpu: "1"}}, readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}}
actions:
  - at: 3m
    delete-pod: {selector: {matchLabels: {app: steady}}, count: 3}
"#;

/// `(node, time, reason, message)` of the kubelet events on the nodes of pool `pool`, node by
/// node, each node's in trace order (pod names left out: they come from the ReplicaSet
/// controller's stream; the order of events of different nodes at one instant follows the
/// order the scheduler placed their pods, which the extra pods change).
fn kubelet_events(replicas_of_moving: &str, pool: &str) -> Vec<(String, u64, String, String)> {
    let set =
        Set { path: "workloads[moving].spec.replicas".into(), value: replicas_of_moving.into() };
    let loaded =
        load_str_with(SCENARIO, Path::new("crn.yaml"), &[set]).unwrap_or_else(|e| panic!("{e}"));
    let out = kubesim_controllers::run(&loaded.scenario);
    let mut events = out
        .trace
        .events
        .iter()
        .filter(|e| e.node.starts_with(&format!("{pool}-")))
        .filter(|e| ["Pulling", "Pulled", "Created", "Started", "Killing"].contains(&e.reason))
        .map(|e| (e.node.to_string(), e.time.0, e.reason.to_string(), e.message.to_string()))
        .collect::<Vec<_>>();
    events.sort_by(|x, y| x.0.cmp(&y.0));
    events
}

#[test]
fn variants_share_the_draws_of_what_they_do_alike() {
    // The variant changes `moving` only: 3 or 6 replicas on pool b.
    let (b3, b6) = (kubelet_events("3", "b"), kubelet_events("6", "b"));
    // It does change pool b: 6 pods start there instead of 3 (the test is not vacuous).
    let started =
        |ev: &[(String, u64, String, String)]| ev.iter().filter(|e| e.2 == "Started").count();
    assert_eq!((started(&b3), started(&b6)), (3, 6));

    // Pool a does the same in both: one `steady` pod per node (LeastAllocated spreads them),
    // its pull, start and readiness drawn from that node's kubelet stream, then at 3:00 a
    // replacement on the same node (image present: start and ready drawn again). With a
    // single kubelet stream, the 3 extra `moving` pods would draw first at t = 0 and shift
    // every one of these times; with a stream per node they are identical.
    let (a3, a6) = (kubelet_events("3", "a"), kubelet_events("6", "a"));
    assert_eq!(started(&a3), 6, "3 pods, then 3 replacements");
    assert_eq!(a3, a6);
    // And the times are really drawn: the three first pulls do not all take as long.
    let pulled: Vec<u64> =
        a3.iter().filter(|e| e.2 == "Pulled" && e.1 < 180_000).map(|e| e.1).collect();
    assert_eq!(pulled.len(), 3);
    assert!(pulled.iter().any(|&t| t != pulled[0]), "{pulled:?}");
}
