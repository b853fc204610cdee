//! Spot node pools and spot interruptions (issue 14, point 2): the providers' labels and
//! taints, the kubelet's graceful node shutdown, interruptions at a rate from the action's own
//! stream, and the errors of the new fields.

use crate::support::*;
use kubesim_engine::{RngStreams, SimDuration, SimTime};
use kubesim_model::{PodConditionType, PodPhase, Scenario, TaintEffect};
use rand::RngExt;
use std::path::Path;

fn load_yaml(text: &str) -> Scenario {
    kubesim_scenario::load_str(text, Path::new("spot.yaml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn load_err(text: &str) -> String {
    match kubesim_scenario::load_str(text, Path::new("spot.yaml")) {
        Ok(_) => panic!("loaded"),
        Err(e) => e.to_string(),
    }
}

fn pool_yaml(extra: &str) -> String {
    format!(
        "name: s\nseed: 1\nduration: 5m\ncluster:\n  nodePools:\n    - name: spot\n      count: 2\n      allocatable: {{cpu: \"4\", memory: 16Gi}}\n{extra}"
    )
}

#[test]
fn spot_pools_carry_the_providers_label_and_taint() {
    // AKS: label and NoSchedule taint `kubernetes.azure.com/scalesetpriority=spot`; GKE:
    // `cloud.google.com/gke-spot=true`; EKS: `eks.amazonaws.com/capacityType=SPOT`; no taint
    // on those two. The pool's template (for nodes added later) carries the same.
    for (provider, key, value, tainted) in [
        ("aks", "kubernetes.azure.com/scalesetpriority", "spot", true),
        ("gke", "cloud.google.com/gke-spot", "true", false),
        ("eks", "eks.amazonaws.com/capacityType", "SPOT", false),
    ] {
        let s =
            load_yaml(&pool_yaml(&format!("      priority: spot\n      provider: {provider}\n")));
        for n in &s.cluster.nodes {
            assert_eq!(n.meta.labels.get(key).map(String::as_str), Some(value), "{provider}");
            let t: Vec<_> = n.taints.iter().filter(|t| t.key == key).collect();
            assert_eq!(t.len(), usize::from(tainted), "{provider}");
            if tainted {
                assert_eq!((t[0].value.as_str(), t[0].effect), ("spot", TaintEffect::NoSchedule));
            }
        }
        assert_eq!(s.cluster.pools[0].labels.get(key).map(String::as_str), Some(value));
        assert_eq!(s.params.spot_pools.len(), 1);
    }
    // A regular pool gets nothing.
    let s = load_yaml(&pool_yaml(""));
    assert!(s.params.spot_pools.is_empty());
    assert!(s.cluster.nodes.iter().all(|n| n.taints.is_empty()));
}

#[test]
fn spot_fields_are_checked() {
    let e = load_err(&pool_yaml("      priority: spot\n"));
    assert!(e.contains("a spot pool needs `provider`"), "{e}");
    let e = load_err(&pool_yaml("      provider: gke\n"));
    assert!(e.contains("`provider` is only read with `priority: spot`"), "{e}");
    let e = load_err(&pool_yaml(
        "      priority: spot\n      provider: gke\n      shutdownGracePeriod: 10s\n",
    ));
    assert!(e.contains("`shutdownGracePeriodCriticalPods` (15s) is longer than"), "{e}");
    let base = pool_yaml("      priority: spot\n      provider: eks\n");
    let e = load_err(&format!(
        "{base}actions:\n  - at: 1m\n    spot-interruption: {{nodes: spot-1, pool: spot, ratePerHour: 1}}\n"
    ));
    assert!(e.contains("needs either `nodes`, or `pool` and `ratePerHour`"), "{e}");
    let e = load_err(&format!(
        "{base}actions:\n  - at: 1m\n    spot-interruption: {{pool: spot, ratePerHour: 0}}\n"
    ));
    assert!(e.contains("invalid rate 0"), "{e}");
    let e = load_err(&format!(
        "{base}actions:\n  - at: 1m\n    spot-interruption: {{pool: nope, ratePerHour: 1}}\n"
    ));
    assert!(e.contains("no node pool named `nope`"), "{e}");
}

const SHUTDOWN: &str = r#"name: gns
seed: 1
duration: 2m
cluster:
  nodePools:
    - {name: spot, count: 2, allocatable: {cpu: "4", memory: 16Gi}, priority: spot, provider: gke}
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
          nodeSelector: {kubernetes.io/hostname: spot-1}
          containers: [{name: web, image: web:1, resources: {requests: {cpu: "1"}}}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: agent}
    spec:
      replicas: 1
      selector: {matchLabels: {app: agent}}
      template:
        metadata: {labels: {app: agent}}
        spec:
          priorityClassName: system-cluster-critical
          nodeSelector: {kubernetes.io/hostname: spot-1}
          containers: [{name: agent, image: agent:1, resources: {requests: {cpu: "1"}}}]
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web}
    spec:
      minAvailable: 2
      selector: {matchLabels: {app: web}}
actions:
  - at: 1m
    spot-interruption: {nodes: spot-1}
"#;

#[test]
fn gke_spot_interruption_is_a_graceful_node_shutdown() {
    let out = kubesim_controllers::run(&load_yaml(SHUTDOWN));
    // 1:00 notice (GKE: 30 s; the pool's default handler is the kubelet's graceful node
    // shutdown): the kubelet records NodeShutdown and reports NotReady at once.
    assert_eq!(
        events(&out, "SpotInterruption"),
        [(60.0, "spot-1", "Spot interruption notice: the instance is terminated in 30s")]
    );
    assert_eq!(
        events(&out, "NodeShutdown"),
        [(60.0, "spot-1", "Shutdown manager detected shutdown event")]
    );
    assert_eq!(events(&out, "NodeNotReady")[0].0, 60.0);
    assert_eq!(metric(&out, "nodes_not_ready", 60.0), 1);
    // Regular pods first (grace min(30 - 15, 30) = 15 s, they exit 1 s after SIGTERM), the
    // critical agent when the first group's 15 s are over.
    let killing: Vec<f64> = events(&out, "Killing").iter().map(|e| e.0).collect();
    assert_eq!(killing, [60.0, 60.0, 75.0]);
    let old: Vec<_> =
        out.cluster.pods.iter().filter(|p| p.meta.creation == SimTime::ZERO).collect();
    assert_eq!(old.len(), 3);
    for p in &old {
        assert_eq!(p.status.phase, PodPhase::Failed, "{}", p.meta.name);
        assert_eq!(p.status.reason.as_deref(), Some("Terminated"));
        assert_eq!(
            p.status.message.as_deref(),
            Some("Pod was terminated in response to imminent node shutdown.")
        );
        // (Read before PodGC removes the pods of the deleted node, 40 s after 1:35, and sets
        // its own DisruptionTarget reason, DeletionByPodGC.)
        let c = p.status.condition(PodConditionType::DisruptionTarget).expect("DisruptionTarget");
        assert_eq!(c.reason.to_string(), "TerminationByKubelet");
    }
    // The ReplicaSets replace them, but nothing lands on the shutting-down node (not-ready
    // taint), and the other node does not match their selector: Pending.
    let new_bound = out
        .cluster
        .pods
        .iter()
        .filter(|p| p.meta.creation > SimTime::ZERO && p.node.is_some())
        .count();
    assert_eq!(new_bound, 0);
    // 1:30 the machine is gone; the cloud node lifecycle controller looks at 1:35 and deletes
    // the node (it is not Ready).
    assert_eq!(
        events(&out, "DeletingNode"),
        [(95.0, "spot-1", "Deleting node spot-1 because it does not exist in the cloud provider")]
    );
    // The record: 3 pods stopped; the PDB (minAvailable 2, both web pods healthy) is broken
    // by each of the two web pods.
    let r = &out.trace.spot_interruptions;
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].time, r[0].terminated), (SimTime(60_000), SimTime(90_000)));
    assert_eq!((r[0].pods, r[0].pdb_violations), (3, 2));
}

const RATE: &str = r#"name: rate
seed: 5
duration: 2h
cluster:
  nodePools:
    - {name: spot, count: 12, allocatable: {cpu: "4", memory: 16Gi}, priority: spot, provider: eks}
actions:
  - at: 10m
    spot-interruption: {pool: spot, ratePerHour: 6, for: 1h}
"#;

#[test]
fn interruptions_at_a_rate_come_from_the_actions_own_stream() {
    let s = load_yaml(RATE);
    let out = kubesim_controllers::run(&s);
    // Exponential gaps of mean 10 min from stream SPOT_INTERRUPTIONS_BASE + action index,
    // from 10:00 to 1:10:00; each notice on a different node, 2 min before its termination
    // (EKS).
    let mut rng =
        RngStreams::new(5).stream(kubesim_controllers::world::streams::SPOT_INTERRUPTIONS_BASE);
    let u: f64 = rng.random::<f64>();
    let first = 600_000 + (-(1.0 - u).ln() * 3_600_000.0 / 6.0).round() as u64;
    let got: Vec<u64> = out.trace.spot_interruptions.iter().map(|r| r.time.0).collect();
    assert!(!got.is_empty());
    assert_eq!(got[0], first, "the first gap is the stream's first draw");
    assert!(got.iter().all(|&t| (600_000..=4_200_000).contains(&t)), "{got:?}");
    let mut nodes: Vec<_> = out.trace.spot_interruptions.iter().map(|r| r.node).collect();
    nodes.sort();
    nodes.dedup();
    assert_eq!(nodes.len(), got.len(), "no node is interrupted twice");
    for r in &out.trace.spot_interruptions {
        assert_eq!(r.terminated, r.time + SimDuration::from_mins(2));
        assert!(out.cluster.nodes[r.node.index()].removed.is_some());
    }
    // One mark per interruption, after the action's own.
    assert_eq!(out.trace.marks.len(), got.len() + 1);
    // The same seed gives the same interruptions; another seed others.
    let again = kubesim_controllers::run(&s);
    assert_eq!(again.trace.spot_interruptions, out.trace.spot_interruptions);
    let mut other = s.clone();
    other.seed = 6;
    let other = kubesim_controllers::run(&other);
    assert_ne!(other.trace.spot_interruptions, out.trace.spot_interruptions);
}
