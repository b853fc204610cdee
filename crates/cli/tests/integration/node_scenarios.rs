//! The node-health scenarios against the stories their top comments tell. Each node's last
//! heartbeat before a failure is drawn from its own stream; the tests read it the way the
//! simulator computes it (`NodeHeartbeats` with the scenario's seed) and derive the rest.

use crate::support::*;
use kubesim_controllers::node_heartbeat::NodeHeartbeats;
use kubesim_engine::{RngStreams, SimTime};
use kubesim_model::{CondStatus, PodConditionType, PodPhase};

/// The last heartbeat (ms) of node `n` before `t_ms` in scenario `name`.
fn last_heartbeat(name: &str, n: &str, t_ms: u64) -> i64 {
    let s = load(name);
    let id = s.cluster.node_by_name(n).unwrap();
    let mut hb = NodeHeartbeats::new(&RngStreams::new(s.seed), &s.params, s.cluster.nodes.len());
    hb.power_off(id, SimTime(t_ms)).unwrap()
}

/// The node lifecycle controller's probe: the first 5 s pass at or after `h`.
fn probe(h: i64) -> f64 {
    (h.div_euclid(5000) * 5000 + if h.rem_euclid(5000) == 0 { 0 } else { 5000 }) as f64 / 1000.0
}

fn node_events<'a>(
    out: &'a kubesim_controllers::Outcome,
    reason: &str,
) -> Vec<(f64, &'a str, &'a str)> {
    out.trace
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.0 as f64 / 1000.0, e.name, e.message))
        .collect()
}

#[test]
fn node_failure_story() {
    let out = run("node-failure");
    // worker-2's last renewal before the power cut: -5.028 s, seen by the pass at -5 s.
    let h = last_heartbeat("node-failure", "worker-2", 0);
    assert_eq!(h, -5_028);
    let unknown = probe(h) + 55.0;
    assert_eq!(unknown, 50.0);
    let nnr = node_events(&out, "NodeNotReady");
    assert_eq!(nnr.len(), 3, "the node and its two pods: {nnr:?}");
    assert_eq!(nnr[0], (50.0, "worker-2", "Node worker-2 status is now: NodeNotReady"));
    assert!(nnr[1..].iter().all(|e| e.0 == 50.0 && e.2 == "Node is not ready"));
    let ready = "deployment/web:ready";
    assert_eq!(metric(&out, ready, 49.999), 3);
    assert_eq!(metric(&out, ready, 50.0), 2);
    assert_eq!(metric(&out, "nodes_unknown", 50.0), 1);
    // NoExecute taint at the next pass + 100 ms.
    assert_eq!(metric(&out, "nodes_noexecute", 55.099), 0);
    assert_eq!(metric(&out, "nodes_noexecute", 55.1), 1);
    // Zone-b (worker-2 alone) is FullDisruption from 0:50 to 12:00; the others stay Normal.
    assert_eq!(metric(&out, "zone/zone-b:state", 50.0), 3);
    assert_eq!(metric(&out, "zone/zone-a:state", 50.0), 1);
    assert_eq!(metric(&out, "zone/zone-b:state", 720.0), 1);
    // 300 s after the taint: the web pod (not node-exporter) is marked for deletion.
    let tme = node_events(&out, "TaintManagerEviction");
    assert_eq!(tme.len(), 1);
    assert_eq!(tme[0].0, 355.1);
    assert!(tme[0].1.starts_with("web-6d4c8b7f5-m9q4z"), "{tme:?}");
    let replacement = events(&out, "Scheduled");
    assert_eq!(replacement.len(), 1);
    assert_eq!((replacement[0].0, replacement[0].1), (355.1, "worker-1"));
    // Image present, no readiness probe: the replacement is Ready when it starts, 1 s later.
    assert_eq!(metric(&out, ready, 356.099), 2);
    assert_eq!(metric(&out, ready, 356.1), 3);
    // 12:00: the machine boots; the evicted pod is finished and removed, node-exporter restarts.
    let boot: Vec<&str> = out
        .trace
        .events
        .iter()
        .filter(|e| e.time.0 == 720_000 && e.kind == kubesim_model::Kind::Node)
        .map(|e| e.reason)
        .collect();
    assert_eq!(boot, ["Starting", "Rebooted", "NodeReady"]);
    let old = out.cluster.pods.iter().find(|p| p.meta.name == "web-6d4c8b7f5-m9q4z").unwrap();
    assert_eq!(old.removed, Some(SimTime(720_000)));
    assert_eq!(old.status.phase, PodPhase::Failed);
    let dt = old.status.condition(PodConditionType::DisruptionTarget).unwrap();
    assert_eq!(&*dt.reason, "DeletionByTaintManager");
    let exporter = out.cluster.pods.iter().find(|p| p.meta.name == "node-exporter-r4v7k").unwrap();
    assert!(exporter.removed.is_none(), "DaemonSet pods tolerate node failure forever");
    // New sandbox at 12:00, started (and Ready: no readiness probe) 1 s later, one restart.
    assert_eq!(exporter.ready_since, Some(SimTime(721_000)));
    assert_eq!(exporter.status.container_statuses[0].restart_count, 1);
    assert_eq!(node_events(&out, "SandboxChanged").len(), 1);
    let w2 = &out.cluster.nodes[out.cluster.node_by_name("worker-2").unwrap().index()];
    assert_eq!(w2.ready.status, CondStatus::True);
    assert!(w2.taints.is_empty());
}

#[test]
fn zone_outage_story() {
    let out = run("zone-outage");
    // Last heartbeats (seed 7) and the passes that saw them, as the top comment says.
    for (n, t, p) in [
        ("node-1", 60_000, 60.0),
        ("node-4", 60_000, 55.0),
        ("node-7", 60_000, 55.0),
        ("node-10", 60_000, 55.0),
        ("node-2", 180_000, 175.0),
        ("node-11", 180_000, 175.0),
        ("node-9", 180_000, 175.0),
        ("node-12", 180_000, 175.0),
        ("node-5", 180_000, 180.0),
        ("node-8", 180_000, 180.0),
        ("node-3", 180_000, 180.0),
        ("node-6", 180_000, 180.0),
    ] {
        assert_eq!(probe(last_heartbeat("zone-outage", n, t)), p, "{n}");
    }
    let state = |z: &str, t: f64| metric(&out, &format!("zone/{z}:state"), t);
    // Zone-a: PartialDisruption at 1:50 (3 of 4), FullDisruption at 1:55.
    assert_eq!(state("zone-a", 109.999), 1);
    assert_eq!(state("zone-a", 110.0), 2);
    assert_eq!(state("zone-a", 115.0), 3);
    // No taint while PartialDisruption (small zone); then one every 10 s from 2:05.
    assert_eq!(metric(&out, "nodes_noexecute", 124.999), 0);
    for (i, t) in [125.0, 135.0, 145.0, 155.0].iter().enumerate() {
        assert_eq!(metric(&out, "nodes_noexecute", *t), i as i64 + 1);
    }
    // 3:55: every zone down -> master disruption mode: taints gone, deletions cancelled.
    for z in ["zone-a", "zone-b", "zone-c"] {
        assert_eq!(state(z, 235.0), 3, "{z}");
    }
    assert_eq!(state("zone-b", 230.0), 1, "2 of 4 is not a disruption");
    assert_eq!(metric(&out, "nodes_noexecute", 235.0), 0);
    let tme = node_events(&out, "TaintManagerEviction");
    let cancels: Vec<_> = tme.iter().filter(|e| e.2.starts_with("Cancelling")).collect();
    assert_eq!(cancels.len(), 4);
    assert!(cancels.iter().all(|e| e.0 == 235.0));
    assert_eq!(metric(&out, "deployment/api:ready", 235.0), 0);
    // 8:00 zone-c back; its pods restart (Ready 8:01); taints resume at 8:10, two per step.
    assert_eq!(state("zone-c", 480.0), 1);
    assert_eq!(state("zone-a", 480.0), 3);
    assert_eq!(metric(&out, "deployment/api:ready", 480.999), 0);
    assert_eq!(metric(&out, "deployment/api:ready", 481.0), 4);
    for (i, t) in [490.0, 500.0, 510.0, 520.0].iter().enumerate() {
        assert_eq!(metric(&out, "nodes_noexecute", *t), 2 * (i as i64 + 1));
    }
    let marks: Vec<f64> = tme.iter().filter(|e| e.2.starts_with("Marking")).map(|e| e.0).collect();
    assert_eq!(marks, [790.0, 790.0, 800.0, 800.0, 810.0, 810.0, 820.0, 820.0]);
    // The last two replacements (13:40) start, and are Ready, 1 s later.
    assert_eq!(metric(&out, "deployment/api:ready", 820.999), 10);
    assert_eq!(metric(&out, "deployment/api:ready", 821.0), 12);
    // Every replacement went to zone-c, the only zone with Ready nodes.
    let zone_c = ["node-3", "node-6", "node-9", "node-12"];
    assert!(
        events(&out, "Scheduled").iter().filter(|e| e.0 > 700.0).all(|e| zone_c.contains(&e.1))
    );
}

#[test]
fn statefulset_node_loss_story() {
    let out = run("statefulset-node-loss");
    let h = last_heartbeat("statefulset-node-loss", "node-2", 60_000);
    assert_eq!(h, 57_742);
    assert_eq!(probe(h), 60.0);
    let ready = "statefulset/db:ready";
    assert_eq!(metric(&out, ready, 114.999), 3);
    assert_eq!(metric(&out, ready, 115.0), 2);
    let n2 = out.cluster.node_by_name("node-2");
    assert!(n2.is_none(), "the Node object is deleted");
    let tme = node_events(&out, "TaintManagerEviction");
    assert_eq!(tme, [(420.1, "db-1", "Marking for deletion Pod default/db-1")]);
    // Terminating from 7:00.1 to 9:40, and no replacement meanwhile.
    let creates = events(&out, "SuccessfulCreate");
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].0, 580.0);
    assert_eq!(metric(&out, ready, 579.999), 2);
    assert_eq!(
        node_events(&out, "RemovingNode"),
        [(540.0, "node-2", "Node node-2 event: Removing Node node-2 from Controller")]
    );
    let old =
        out.cluster.pods.iter().find(|p| p.meta.name == "db-1" && p.removed.is_some()).unwrap();
    assert_eq!(old.removed, Some(SimTime(580_000)));
    assert_eq!(old.status.phase, PodPhase::Failed);
    let dt = old.status.condition(PodConditionType::DisruptionTarget).unwrap();
    assert_eq!((&*dt.reason, &*dt.message), ("DeletionByPodGC", "PodGC: node no longer exists"));
    assert_eq!((events(&out, "Scheduled")[0].0, events(&out, "Scheduled")[0].1), (580.0, "node-4"));
    // Image present, no readiness probe: Ready when it starts, 1 s later.
    assert_eq!(metric(&out, ready, 580.999), 2);
    assert_eq!(metric(&out, ready, 581.0), 3);
}

#[test]
fn kubelet_os_arch_labels_and_their_beta_twins() {
    // Upstream rules: the kubelet registers its Node with kubernetes.io/os, kubernetes.io/arch
    // and the deprecated beta.kubernetes.io/os and beta.kubernetes.io/arch, from GOOS/GOARCH
    // (pkg/kubelet/kubelet_node_status.go, initialNode); the node lifecycle controller's
    // reconcileNodeLabels (labelReconcileInfo) makes each beta label follow its stable one,
    // adding it when missing. kubesim's kubelets are linux/amd64 unless the scenario's labels
    // say otherwise. A Node manifest's labels are taken as written, then reconciled.
    let text = "name: labels
cluster:
  nodePools:
    - {name: arm, count: 1, allocatable: {cpu: '4', memory: 8Gi}, labels: {kubernetes.io/arch: arm64}}
    - {name: std, count: 1, allocatable: {cpu: '4', memory: 8Gi}}
workloads:
  - include: dumped-node.yaml
  - apiVersion: v1
    kind: Pod
    metadata: {name: legacy}
    spec:
      nodeSelector: {beta.kubernetes.io/os: linux, beta.kubernetes.io/arch: arm64}
      containers: [{name: c, image: x}]
";
    let node = "apiVersion: v1
kind: Node
metadata:
  name: dumped
  labels: {kubernetes.io/hostname: dumped, kubernetes.io/os: windows, beta.kubernetes.io/os: linux}
status:
  allocatable: {cpu: '4', memory: 8Gi, pods: '110'}
  capacity: {cpu: '4', memory: 8Gi, pods: '110'}
  conditions: [{type: Ready, status: 'True'}]
";
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.yaml"), text).unwrap();
    std::fs::write(tmp.path().join("dumped-node.yaml"), node).unwrap();
    let s = kubesim_scenario::load(&tmp.path().join("s.yaml")).expect("loads").scenario;
    let out = kubesim_controllers::run(&s);
    let labels = |n: &str| {
        let id = out.cluster.node_by_name(n).unwrap();
        let l = &out.cluster.nodes[id.index()].meta.labels;
        [
            "kubernetes.io/os",
            "beta.kubernetes.io/os",
            "kubernetes.io/arch",
            "beta.kubernetes.io/arch",
        ]
        .map(|k| l.get(k).map(String::as_str).unwrap_or("-"))
    };
    assert_eq!(labels("std-1"), ["linux", "linux", "amd64", "amd64"]);
    assert_eq!(labels("arm-1"), ["linux", "linux", "arm64", "arm64"]);
    // The dump's beta os label disagreed: the stable one wins; no arch label: none added.
    assert_eq!(labels("dumped"), ["windows", "windows", "-", "-"]);
    // The legacy nodeSelector on the beta labels schedules on the arm64 node.
    let pod = &out.cluster.pods[0];
    assert_eq!(pod.node.map(|n| out.cluster.nodes[n.index()].meta.name.as_str()), Some("arm-1"));
}
