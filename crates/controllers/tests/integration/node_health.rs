//! Node health: heartbeats, the node lifecycle controller, taint-based eviction, PodGC and the
//! fault actions, each test with its timeline derived by hand from the reference
//! (`k8s-semantics.md` §1-§3, §10) before the asserts.
//!
//! Defaults used throughout: pods pull in 5 s, start in 1 s and, having no readiness probe, are
//! ready as soon as they run (6 s from scheduling; 1 s when the image is already on the node),
//! stop 1 s after SIGTERM;
//! `--node-monitor-period` 5 s (passes at multiples of 5 s), `--node-monitor-grace-period`
//! 50 s, `--node-eviction-rate` 0.1/s (one NoExecute taint per zone per 10 s, the first at
//! once), tainting passes on the 100 ms grid, 300 s default tolerations.
//!
//! The exact instant a node's heartbeats stop being seen depends on its renewal phase, which is
//! drawn from its own stream. Tests that need a hand-derivable phase restart the kubelet first
//! (`stop-kubelet` then `recover-node` at `R`): a starting kubelet renews its Lease and posts its
//! status at once, so its last heartbeat before a crash less than 10 s later is exactly `R`.

use crate::support::*;
use kubesim_controllers::Outcome;
use kubesim_controllers::node_heartbeat::NodeHeartbeats;
use kubesim_engine::{RngStreams, SimDuration, SimTime};
use kubesim_model::build::{NodeBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::workload::PodManagementPolicy;
use kubesim_model::{
    ActionKind, CondStatus, Kind, NewNodes, Node, NodeId, Params, PodConditionType, PodPhase,
    Scenario, TAINT_UNREACHABLE, Taint, TaintEffect, Workload,
};

/// Nodes `<zone>-<i>` (1-based), zone by zone.
fn zoned_nodes(zones: &[(&str, usize)]) -> Vec<Node> {
    let mut out = Vec::new();
    for (z, n) in zones {
        for i in 1..=*n {
            out.push(NodeBuilder::new(&format!("{z}-{i}")).zone(z).build());
        }
    }
    out
}

fn node_id(s: &Scenario, name: &str) -> NodeId {
    s.cluster.node_by_name(name).unwrap_or_else(|| panic!("no node {name}"))
}

fn web(replicas: u32) -> Workload {
    WorkloadBuilder::deployment(
        "web",
        replicas,
        SpecBuilder::new().requests("100m", "64Mi").build(),
    )
    .build()
}

fn long(mut s: Scenario, minutes: u64) -> Scenario {
    s.duration = SimDuration::from_mins(minutes);
    s
}

fn events<'a>(out: &'a Outcome, reason: &str) -> Vec<kubesim_model::EventRef<'a>> {
    out.trace.events.iter().filter(|e| e.reason == reason).collect()
}

/// `(time ms, object)` of events with this reason.
fn when(out: &Outcome, reason: &str) -> Vec<(u64, String)> {
    events(out, reason).iter().map(|e| (e.time.0, e.name.to_string())).collect()
}

/// Pods (names) that ran on `node` when the fault happened: the `Scheduled` events there.
fn pods_scheduled_on(out: &Outcome, node: &str, before_ms: u64) -> Vec<String> {
    out.trace
        .events
        .iter()
        .filter(|e| e.reason == "Scheduled" && e.node == node && e.time.0 < before_ms)
        .map(|e| e.name.to_string())
        .collect()
}

fn taint_time(out: &Outcome, node: NodeId, key: &str, effect: TaintEffect) -> Option<u64> {
    out.cluster.nodes[node.index()]
        .taints
        .iter()
        .find(|t| t.key == key && t.effect == effect)
        .and_then(|t| t.time_added)
        .map(|t| t.0)
}

/// A kubelet restart at `at` s on `nodes` (stopped 10 s before), aligning their heartbeats.
fn restart(nodes: &[NodeId], at: u64) -> Vec<(u64, ActionKind)> {
    vec![
        (at - 10, ActionKind::StopKubelet { nodes: nodes.to_vec() }),
        (at, ActionKind::RecoverNode { nodes: nodes.to_vec() }),
    ]
}

/// The last heartbeat (ms, may be negative) node `n` sent before `t_ms` in a run with this
/// seed and these params: what its Lease renewTime (or status post) would show.
fn last_heartbeat(seed: u64, params: &Params, n: NodeId, t_ms: u64) -> i64 {
    let mut hb = NodeHeartbeats::new(&RngStreams::new(seed), params, n.index() + 1);
    hb.power_off(n, SimTime(t_ms)).expect("heartbeats were flowing")
}

/// First multiple of 5 s at or after `t` (ms, may be negative).
fn pass_at_or_after(t: i64) -> i64 {
    t.div_euclid(5000) * 5000 + if t.rem_euclid(5000) == 0 { 0 } else { 5000 }
}

#[test]
fn power_loss_with_default_settings() {
    // Three nodes in three zones, `web` with 3 replicas (one per node, Ready at 6 s).
    // a-1 loses power at 60 s. Its last heartbeat h is its last Lease renewal (or status post)
    // at or before 60 s, within the last 10.4 s; the controller saw it at the first pass at
    // or after h: probe = ceil5(h). Derivation:
    // - Unknown at the first pass p with p > probe + 50 s: p = probe + 55 s (NodeNotReady on
    //   the node, NodeNotReady on its pod, the pod's Ready -> False, `unreachable:NoSchedule`);
    // - the pass after (probe + 60 s) sees Ready=Unknown (the observed, pre-update status: the
    //   flipping pass still saw True) and queues the node; the zone's bucket is full, so the
    //   tainting pass 100 ms later adds `unreachable:NoExecute`: probe + 60.1 s;
    // - the taint eviction controller sees the taint then and schedules the pod's deletion
    //   300 s later (default toleration): probe + 360.1 s; the pod stays Terminating (no
    //   kubelet), the ReplicaSet replaces it at once on another node (image present: started
    //   1 s later and, without a readiness probe, Ready then).
    // With seed 1, a-1's last renewal before 60 s is at 54.589 s, so probe = 55 s: Unknown at
    // 110 s, taint at 115.1 s, deletion at 415.1 s, replacement Ready at 416.1 s.
    let nodes = zoned_nodes(&[("a", 1), ("b", 1), ("c", 1)]);
    let s = scenario(nodes, vec![web(3)], vec![]);
    let a1 = node_id(&s, "a-1");
    let mut s = long(s, 10);
    s.actions =
        scenario(vec![], vec![], vec![(60, ActionKind::CrashNode { nodes: vec![a1] })]).actions;
    let h = last_heartbeat(s.seed, &s.params, a1, 60_000);
    assert!(h > 60_000 - 10_400 && h <= 60_000, "last heartbeat {h}");
    let probe = pass_at_or_after(h) as u64;
    assert_eq!(h, 54_589, "seed 1 draws a-1's last renewal before 60 s at 54.589 s");
    assert_eq!(probe, 55_000);
    let out = kubesim_controllers::run(&s);
    let victim = pods_scheduled_on(&out, "a-1", 60_000);
    assert_eq!(victim.len(), 1);

    let unknown = probe + 55_000;
    assert_eq!(
        when(&out, "NodeNotReady"),
        vec![(unknown, "a-1".into()), (unknown, victim[0].clone())]
    );
    let n = &out.cluster.nodes[a1.index()];
    assert_eq!(n.ready.status, CondStatus::Unknown);
    assert_eq!(
        (n.ready.reason, n.ready.message),
        ("NodeStatusUnknown", "Kubelet stopped posting node status.")
    );
    assert_eq!(n.ready.last_transition.0, unknown);
    assert_eq!(taint_time(&out, a1, TAINT_UNREACHABLE, TaintEffect::NoSchedule), Some(unknown));
    let tainted = probe + 60_100;
    assert_eq!(taint_time(&out, a1, TAINT_UNREACHABLE, TaintEffect::NoExecute), Some(tainted));
    let deleted = tainted + 300_000;
    assert_eq!(when(&out, "TaintManagerEviction"), vec![(deleted, victim[0].clone())]);
    assert_eq!(
        events(&out, "TaintManagerEviction")[0].message,
        format!("Marking for deletion Pod default/{}", victim[0])
    );
    // Ready replicas: 3 until the flip, 2 until the replacement is Ready 1 s after deletion
    // (image present: it starts 1 s later, and is ready as soon as it runs).
    let d = format!("{}:ready", deployment_ref("web"));
    assert_eq!(metric(&out, &d, unknown - 1), 3);
    assert_eq!(metric(&out, &d, unknown), 2);
    assert_eq!(metric(&out, &d, deleted + 999), 2);
    assert_eq!(metric(&out, &d, deleted + 1_000), 3);
    let creates = times_of(&out, "SuccessfulCreate");
    assert_eq!(creates.last(), Some(&deleted));
    // The evicted pod: DisruptionTarget by the taint manager, Terminating forever, still
    // phase Running (its kubelet is gone).
    let p = out.cluster.pod_by_name("default", &victim[0]).expect("still exists");
    let pod = &out.cluster.pods[p.index()];
    let dt = pod.status.condition(PodConditionType::DisruptionTarget).unwrap();
    assert_eq!((dt.status, &*dt.reason), (CondStatus::True, "DeletionByTaintManager"));
    assert_eq!(pod.meta.deletion, Some(SimTime(deleted + 30_000)));
    assert_eq!(pod.status.phase, PodPhase::Running);
    assert!(!pod.is_ready());
    // Nodes: 3 Ready, then 2 Ready + 1 Unknown from the flip on.
    assert_eq!(metric(&out, "nodes_ready", unknown - 1), 3);
    assert_eq!(metric(&out, "nodes_unknown", unknown), 1);
    assert_eq!(metric(&out, "nodes_noexecute", tainted), 1);
}

#[test]
fn restarted_kubelet_then_crash_is_fully_hand_derived() {
    // b-1's kubelet restarts at 100 s (renewal + status post at 100 s) and the machine loses
    // power at 105 s: the last heartbeat is 100 s, probe = 100 s (a pass), Unknown at the
    // first pass after 150 s = 155 s, queued at 160 s, tainted at 160.1 s, its pod deleted
    // at 460.1 s. With `nodeMonitorGracePeriod: 40s` (the default before v1.32): Unknown at
    // 145 s, tainted at 150.1 s, deleted at 450.1 s.
    for (grace, unknown) in [(50, 155_000u64), (40, 145_000)] {
        let nodes = zoned_nodes(&[("a", 1), ("b", 1), ("c", 1)]);
        let mut s = long(scenario(nodes, vec![web(3)], vec![]), 10);
        s.params.node_monitor_grace_period = SimDuration::from_secs(grace);
        let b1 = node_id(&s, "b-1");
        let mut actions = restart(&[b1], 100);
        actions.push((105, ActionKind::CrashNode { nodes: vec![b1] }));
        s.actions = scenario(vec![], vec![], actions).actions;
        let out = kubesim_controllers::run(&s);
        let victim = pods_scheduled_on(&out, "b-1", 90_000);
        assert_eq!(when(&out, "NodeNotReady")[0], (unknown, "b-1".into()), "grace {grace}");
        let tainted = unknown + 5_100;
        assert_eq!(taint_time(&out, b1, TAINT_UNREACHABLE, TaintEffect::NoExecute), Some(tainted));
        assert_eq!(
            when(&out, "TaintManagerEviction"),
            vec![(tainted + 300_000, victim[0].clone())]
        );
        // The restart itself: `Starting` and, since the API still said Ready, no NodeReady.
        assert_eq!(when(&out, "Starting"), vec![(100_000, "b-1".into())]);
        assert!(events(&out, "NodeReady").is_empty());
    }
}

/// 3 zones × 10 nodes, `web` with 30 replicas (one per node).
fn thirty_nodes() -> Scenario {
    let nodes = zoned_nodes(&[("a", 10), ("b", 10), ("c", 10)]);
    long(scenario(nodes, vec![web(30)], vec![]), 12)
}

#[test]
fn partial_disruption_in_a_small_zone_taints_nothing() {
    // 6 of zone a's 10 nodes crash at 105 s with aligned heartbeats (restart at 100 s): all
    // six turn Unknown in the pass at 155 s. In that pass's handleDisruption zone a has 6 not
    // Ready > 2 and 6/10 = 0.6 >= 0.55: PartialDisruption; 10 nodes <= 50
    // (--large-cluster-size-threshold) -> ReducedQPSFunc = 0: the zone's limiter never
    // accepts. The pass at 160 s queues the six for the NoExecute taint, and none is ever
    // added: no pod is evicted, the 6 pods stay (not Ready) and are not replaced, however long.
    let mut s = thirty_nodes();
    let six: Vec<NodeId> = (1..=6).map(|i| node_id(&s, &format!("a-{i}"))).collect();
    let mut actions = restart(&six, 100);
    actions.push((105, ActionKind::CrashNode { nodes: six.clone() }));
    s.actions = scenario(vec![], vec![], actions).actions;
    let out = kubesim_controllers::run(&s);
    let flips: Vec<u64> = events(&out, "NodeNotReady")
        .iter()
        .filter(|e| e.kind == Kind::Node)
        .map(|e| e.time.0)
        .collect();
    assert_eq!(flips, vec![155_000; 6]);
    assert_eq!(metric(&out, "zone/a:state", 154_999), 1);
    assert_eq!(metric(&out, "zone/a:state", 155_000), 2, "PartialDisruption");
    assert_eq!(metric(&out, "zone/a:not_ready", 155_000), 6);
    assert_eq!(metric(&out, "zone/b:state", 155_000), 1);
    assert_eq!(metric(&out, "nodes_noexecute", 720_000), 0);
    assert!(events(&out, "TaintManagerEviction").is_empty());
    for n in &six {
        assert!(
            out.cluster.nodes[n.index()].taints.iter().all(|t| t.effect != TaintEffect::NoExecute)
        );
    }
    let d = deployment_ref("web");
    assert_eq!(metric(&out, &format!("{d}:ready"), 720_000), 24);
    assert_eq!(times_of(&out, "SuccessfulCreate").len(), 30, "no replacement");
}

#[test]
fn staggered_failures_taint_one_node_before_the_zone_turns_partial() {
    // What "a small zone in PartialDisruption taints nothing" leaves out: the zone is Normal
    // until enough nodes are Unknown. a-1..a-3 crash at 105 s (aligned at 100 s), a-4..a-6 at
    // 115 s (aligned at 110 s). 155 s: a-1..3 Unknown, 3/10 -> Normal. 160 s: they are queued;
    // the bucket is full -> 160.1 s: a-1 (lowest id first) gets `unreachable:NoExecute`.
    // 165 s: a-4..6 Unknown, 6/10 -> PartialDisruption -> limiter 0: a-2 and a-3 wait forever.
    // So exactly one node is tainted, and its pod is deleted at 460.1 s and replaced.
    let mut s = thirty_nodes();
    let first: Vec<NodeId> = (1..=3).map(|i| node_id(&s, &format!("a-{i}"))).collect();
    let second: Vec<NodeId> = (4..=6).map(|i| node_id(&s, &format!("a-{i}"))).collect();
    let mut actions = restart(&first, 100);
    actions.extend(restart(&second, 110));
    actions.push((105, ActionKind::CrashNode { nodes: first.clone() }));
    actions.push((115, ActionKind::CrashNode { nodes: second.clone() }));
    actions.sort_by_key(|a| a.0);
    s.actions = scenario(vec![], vec![], actions).actions;
    let out = kubesim_controllers::run(&s);
    assert_eq!(metric(&out, "zone/a:state", 160_000), 1);
    assert_eq!(metric(&out, "zone/a:state", 165_000), 2);
    assert_eq!(
        taint_time(&out, first[0], TAINT_UNREACHABLE, TaintEffect::NoExecute),
        Some(160_100)
    );
    for n in first[1..].iter().chain(&second) {
        assert_eq!(taint_time(&out, *n, TAINT_UNREACHABLE, TaintEffect::NoExecute), None);
    }
    let victim = pods_scheduled_on(&out, "a-1", 100_000);
    assert_eq!(when(&out, "TaintManagerEviction"), vec![(460_100, victim[0].clone())]);
}

#[test]
fn all_zones_down_stops_evictions_and_removes_taints() {
    // 3 zones × 2 nodes, `web` with 6 replicas. Zone a crashes at 105 s (aligned at 100 s):
    // Unknown at 155 s; zone a has no Ready node -> FullDisruption, but b and c are Normal, so
    // it keeps the normal rate (HealthyQPSFunc): queued at 160 s, a-1 tainted at 160.1 s,
    // a-2 at 170.1 s (one token per 10 s); their pods' deletions are due at 460.1 s and 470.1 s.
    // Zones b and c crash at 165 s (aligned at 160 s): Unknown at 215 s -> every zone is
    // FullDisruption -> "master disruption mode": all NoExecute taints removed at 215 s, every
    // limiter set to 0; the taint eviction controller cancels both deletions ("Cancelling
    // deletion of Pod ..."). Nothing is evicted while every zone is down.
    // Zone b recovers at 600 s (the kubelets boot and post Ready): at the 600 s pass zone b is
    // Normal again -> leaving master disruption mode: every node gets a fresh grace period and
    // each zone's limiter is set for its state; a and c are FullDisruption -> 0.1/s, but the
    // old limiters had no token, so the new ones start empty: the first taints come at 610 s
    // (a-1, c-1), the next at 620 s (a-2, c-2); their pods' deletions follow 300 s later.
    let nodes = zoned_nodes(&[("a", 2), ("b", 2), ("c", 2)]);
    let mut s = long(scenario(nodes, vec![web(6)], vec![]), 20);
    let ids = |z: &str| -> Vec<NodeId> {
        (1..=2).map(|i| s.cluster.node_by_name(&format!("{z}-{i}")).unwrap()).collect()
    };
    let (a, b, c) = (ids("a"), ids("b"), ids("c"));
    let bc: Vec<NodeId> = b.iter().chain(&c).copied().collect();
    let mut actions = restart(&a, 100);
    actions.extend(restart(&bc, 160));
    actions.push((105, ActionKind::CrashNode { nodes: a.clone() }));
    actions.push((165, ActionKind::CrashNode { nodes: bc.clone() }));
    actions.push((600, ActionKind::RecoverNode { nodes: b.clone() }));
    actions.sort_by_key(|a| a.0);
    s.actions = scenario(vec![], vec![], actions).actions;
    let out = kubesim_controllers::run(&s);
    for z in ["a", "b", "c"] {
        assert_eq!(metric(&out, &format!("zone/{z}:state"), 215_000), 3, "zone {z}");
    }
    assert_eq!(metric(&out, "zone/a:state", 155_000), 3);
    assert_eq!(metric(&out, "zone/b:state", 155_000), 1);
    assert_eq!(metric(&out, "nodes_noexecute", 160_100), 1);
    assert_eq!(metric(&out, "nodes_noexecute", 170_100), 2);
    assert_eq!(metric(&out, "nodes_noexecute", 215_000), 0, "taints removed in master mode");
    let tme: Vec<(u64, String)> = events(&out, "TaintManagerEviction")
        .iter()
        .map(|e| (e.time.0, e.message.split(' ').next().unwrap().to_string()))
        .collect();
    // Cancelled at 215 s; then, after zone b's recovery, marked 300 s after the new taints.
    assert_eq!(tme[..2], [(215_000, "Cancelling".into()), (215_000, "Cancelling".into())]);
    assert!(tme[2..].iter().all(|(t, what)| what == "Marking" && *t >= 910_000), "{tme:?}");
    assert_eq!(metric(&out, "zone/b:state", 600_000), 1);
    assert_eq!(metric(&out, "zone/a:state", 600_000), 3);
    assert_eq!(taint_time(&out, a[0], TAINT_UNREACHABLE, TaintEffect::NoExecute), Some(610_000));
    assert_eq!(taint_time(&out, c[0], TAINT_UNREACHABLE, TaintEffect::NoExecute), Some(610_000));
    assert_eq!(taint_time(&out, a[1], TAINT_UNREACHABLE, TaintEffect::NoExecute), Some(620_000));
    assert_eq!(taint_time(&out, c[1], TAINT_UNREACHABLE, TaintEffect::NoExecute), Some(620_000));
    let marking: Vec<u64> = tme[2..].iter().map(|(t, _)| *t).collect();
    assert_eq!(marking, vec![910_000, 910_000, 920_000, 920_000]);
}

#[test]
fn statefulset_pod_is_replaced_only_after_node_deletion() {
    // db (OrderedReady, 2 replicas) on three nodes. The node running db-0 is restarted at
    // 100 s and crashes at 105 s: Unknown 155 s, tainted 160.1 s, db-0 deleted at 460.1 s —
    // and it stays Terminating: a StatefulSet recreates db-0 only once the old object is gone.
    // 600 s: `delete-node`. The next PodGC pass (600 s, on its 20 s grid) finds db-0 bound to
    // a missing node and quarantines the node for 40 s; the pass at 640 s deletes db-0 (phase
    // Failed, DisruptionTarget DeletionByPodGC, grace 0). The StatefulSet creates db-0 again
    // at 640 s on another node; the node lifecycle controller forgets the node at its next
    // pass (600 s, RemovingNode).
    let nodes = zoned_nodes(&[("a", 1), ("b", 1), ("c", 1)]);
    let db = WorkloadBuilder::statefulset(
        "db",
        2,
        SpecBuilder::new().requests("100m", "64Mi").build(),
        PodManagementPolicy::OrderedReady,
    )
    .build();
    let s0 = long(scenario(nodes, vec![db], vec![]), 15);
    // Where db-0 lands: run once without faults.
    let first = kubesim_controllers::run(&s0);
    let db0_node =
        events(&first, "Scheduled").iter().find(|e| e.name == "db-0").unwrap().node.to_string();
    let mut s = s0;
    let n = node_id(&s, &db0_node);
    let mut actions = restart(&[n], 100);
    actions.push((105, ActionKind::CrashNode { nodes: vec![n] }));
    actions.push((600, ActionKind::DeleteNode { nodes: vec![n] }));
    s.actions = scenario(vec![], vec![], actions).actions;
    let out = kubesim_controllers::run(&s);
    assert_eq!(when(&out, "TaintManagerEviction"), vec![(460_100, "db-0".into())]);
    let creates: Vec<u64> = times_of(&out, "SuccessfulCreate");
    assert_eq!(creates.len(), 3, "db-0, db-1, then db-0 again: {creates:?}");
    assert_eq!(creates[2], 640_000);
    assert_eq!(when(&out, "RemovingNode"), vec![(600_000, db0_node.clone())]);
    let old =
        out.cluster.pods.iter().find(|p| p.meta.name == "db-0" && p.removed.is_some()).unwrap();
    assert_eq!(old.removed, Some(SimTime(640_000)));
    assert_eq!(old.status.phase, PodPhase::Failed);
    assert_eq!(
        &*old.status.condition(PodConditionType::DisruptionTarget).unwrap().reason,
        "DeletionByPodGC"
    );
    let ss =
        format!("{}:ready", kubesim_model::trace::workload_ref(Kind::StatefulSet, "default", "db"));
    assert_eq!(metric(&out, &ss, 639_999), 1);
    // The new db-0 goes to the node without db-1 (LeastAllocated), which has never pulled the
    // image: pull 5 s, start 1 s, ready at once (no readiness probe): 646 s.
    assert_eq!(metric(&out, &ss, 645_999), 1);
    assert_eq!(metric(&out, &ss, 646_000), 2);
}

#[test]
fn out_of_service_taint_lets_podgc_force_delete() {
    // Same crash as above (db-0's node: Unknown 155 s, db-0 deleted 460.1 s, Terminating).
    // 500 s: the operator applies `node.kubernetes.io/out-of-service=nodeshutdown:NoExecute`
    // (the non-graceful node shutdown procedure). PodGC's pass at 500 s (its 20 s grid) sees
    // a terminating pod on a not-Ready node with that taint: db-0 is force-deleted (Failed,
    // grace 0) at 500 s and the StatefulSet recreates it at once.
    let nodes = zoned_nodes(&[("a", 1), ("b", 1), ("c", 1)]);
    let db = WorkloadBuilder::statefulset(
        "db",
        1,
        SpecBuilder::new().requests("100m", "64Mi").build(),
        PodManagementPolicy::OrderedReady,
    )
    .build();
    let s0 = long(scenario(nodes, vec![db], vec![]), 10);
    let first = kubesim_controllers::run(&s0);
    let db0_node = events(&first, "Scheduled")[0].node.to_string();
    let mut s = s0;
    let n = node_id(&s, &db0_node);
    let taint = Taint {
        key: "node.kubernetes.io/out-of-service".into(),
        value: "nodeshutdown".into(),
        effect: TaintEffect::NoExecute,
        time_added: None,
    };
    let mut actions = restart(&[n], 100);
    actions.push((105, ActionKind::CrashNode { nodes: vec![n] }));
    actions.push((500, ActionKind::Taint { nodes: vec![n], taint }));
    s.actions = scenario(vec![], vec![], actions).actions;
    let out = kubesim_controllers::run(&s);
    let old =
        out.cluster.pods.iter().find(|p| p.meta.name == "db-0" && p.removed.is_some()).unwrap();
    assert_eq!(old.removed, Some(SimTime(500_000)));
    assert_eq!(old.status.phase, PodPhase::Failed);
    assert_eq!(times_of(&out, "SuccessfulCreate"), vec![0, 500_000]);
}

#[test]
fn out_of_service_before_the_toleration_ends_evicts_at_once() {
    // The out-of-service taint (NoExecute) arrives at 300 s, while db-0 still tolerates
    // `unreachable` (its deletion due at 460.1 s). Nothing tolerates out-of-service, so the
    // taint eviction controller cancels the timed deletion and deletes db-0 at once (300 s);
    // PodGC's pass at 300 s runs after that (late in the instant) and force-deletes it.
    let nodes = zoned_nodes(&[("a", 1), ("b", 1), ("c", 1)]);
    let db = WorkloadBuilder::statefulset(
        "db",
        1,
        SpecBuilder::new().requests("100m", "64Mi").build(),
        PodManagementPolicy::OrderedReady,
    )
    .build();
    let s0 = long(scenario(nodes, vec![db], vec![]), 10);
    let first = kubesim_controllers::run(&s0);
    let db0_node = events(&first, "Scheduled")[0].node.to_string();
    let mut s = s0;
    let n = node_id(&s, &db0_node);
    let taint = Taint {
        key: "node.kubernetes.io/out-of-service".into(),
        value: "nodeshutdown".into(),
        effect: TaintEffect::NoExecute,
        time_added: None,
    };
    let mut actions = restart(&[n], 100);
    actions.push((105, ActionKind::CrashNode { nodes: vec![n] }));
    actions.push((300, ActionKind::Taint { nodes: vec![n], taint }));
    s.actions = scenario(vec![], vec![], actions).actions;
    let out = kubesim_controllers::run(&s);
    let msgs: Vec<(u64, String)> = events(&out, "TaintManagerEviction")
        .iter()
        .map(|e| (e.time.0, e.message.to_string()))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (300_000, "Cancelling deletion of Pod default/db-0".into()),
            (300_000, "Marking for deletion Pod default/db-0".into())
        ]
    );
    assert_eq!(times_of(&out, "SuccessfulCreate"), vec![0, 300_000]);
}

#[test]
fn kubelet_stop_and_restart_cancels_evictions_without_restarting_containers() {
    // c-1's kubelet restarts at 100 s and stops for good at 105 s: heartbeats stop (last
    // 100 s), containers keep running. Unknown at 155 s (pod marked not Ready), tainted at
    // 160.1 s, deletion scheduled for 460.1 s. 300 s: the kubelet starts again: it posts Ready
    // (NodeReady at 300 s, `unreachable:NoSchedule` removed at once); the 300 s pass sees Ready
    // and removes `unreachable:NoExecute`; the taint eviction controller cancels the deletion;
    // the status manager writes the pod Ready again at 300 s. The containers never stopped:
    // no restart, no SandboxChanged.
    let nodes = zoned_nodes(&[("a", 1), ("b", 1), ("c", 1)]);
    let mut s = long(scenario(nodes, vec![web(3)], vec![]), 10);
    let c1 = node_id(&s, "c-1");
    let mut actions = restart(&[c1], 100);
    actions.push((105, ActionKind::StopKubelet { nodes: vec![c1] }));
    actions.push((300, ActionKind::RecoverNode { nodes: vec![c1] }));
    s.actions = scenario(vec![], vec![], actions).actions;
    let out = kubesim_controllers::run(&s);
    let victim = pods_scheduled_on(&out, "c-1", 90_000)[0].clone();
    assert_eq!(when(&out, "NodeReady"), vec![(300_000, "c-1".into())]);
    assert_eq!(
        events(&out, "TaintManagerEviction")
            .iter()
            .map(|e| (e.time.0, e.message.to_string()))
            .collect::<Vec<_>>(),
        vec![(300_000, format!("Cancelling deletion of Pod default/{victim}"))]
    );
    let d = format!("{}:ready", deployment_ref("web"));
    assert_eq!(metric(&out, &d, 299_999), 2);
    assert_eq!(metric(&out, &d, 300_000), 3);
    assert!(events(&out, "SandboxChanged").is_empty());
    assert!(out.cluster.nodes[c1.index()].taints.is_empty());
    assert_eq!(metric(&out, "nodes_ready", 300_000), 3);
}

#[test]
fn crashed_node_recovers_finishes_terminations_and_restarts_pods() {
    // `web` asks 3 CPUs per pod: one pod per 4-CPU node. An `agent` pod (bound to a-1 by
    // nodeName) tolerates `unreachable` forever, like a DaemonSet's. a-1 (restarted at 100 s)
    // crashes at 105 s: Unknown 155 s, tainted 160.1 s; its web pod is deleted at 460.1 s and
    // stays Terminating; the replacement created then fits nowhere (FailedScheduling: the
    // other nodes are full, a-1 is tainted and still holds the terminating pod's CPUs). The
    // agent stays. At 600 s the machine boots: `Starting`, `Rebooted`, NodeReady (the
    // `unreachable:NoSchedule` taint goes at once); the kubelet finds the deleted pod with no
    // container left -> Failed (ContainerStatusUnknown, exit 137) and removed at 600 s; the
    // agent gets a new sandbox (SandboxChanged) and its container starts again (image
    // present: Started 601 s and, without a readiness probe, Ready then; restart count 1, its
    // last state the instance that vanished: ContainerStatusUnknown, exit 137, at 600 s). The
    // freed CPUs and the removed taint let the scheduler place the pending replacement on a-1 at 600 s: it tolerates the
    // NoExecute taint still there for 300 s, so the taint eviction controller schedules its
    // deletion for 900 s — and cancels it in the same instant, when the 600 s pass removes the
    // taint ("Cancelling deletion of Pod ..."). The replacement (image present) is Ready at
    // 601 s.
    let nodes = zoned_nodes(&[("a", 1), ("b", 1), ("c", 1)]);
    let big =
        WorkloadBuilder::deployment("web", 3, SpecBuilder::new().requests("3", "1Gi").build())
            .build();
    let mut agent_spec = SpecBuilder::new().image("agent:1").build();
    agent_spec.node_name = Some("a-1".into());
    agent_spec.tolerations.push(kubesim_model::Toleration {
        key: TAINT_UNREACHABLE.into(),
        operator: kubesim_model::TolerationOperator::Exists,
        value: String::new(),
        effect: Some(TaintEffect::NoExecute),
        toleration_seconds: None,
    });
    let agent = WorkloadBuilder::deployment("agent", 1, agent_spec).build();
    let mut s = long(scenario(nodes, vec![big, agent], vec![]), 12);
    let a1 = node_id(&s, "a-1");
    let mut actions = restart(&[a1], 100);
    actions.push((105, ActionKind::CrashNode { nodes: vec![a1] }));
    actions.push((600, ActionKind::RecoverNode { nodes: vec![a1] }));
    s.actions = scenario(vec![], vec![], actions).actions;
    let out = kubesim_controllers::run(&s);
    let on_a1 = pods_scheduled_on(&out, "a-1", 90_000);
    assert_eq!(on_a1.len(), 1, "one web pod per node");
    let web_victim = on_a1[0].clone();
    let tme = events(&out, "TaintManagerEviction");
    assert_eq!(tme.len(), 2);
    assert_eq!((tme[0].time.0, tme[0].name), (460_100, web_victim.as_str()));
    assert_eq!(tme[1].time.0, 600_000);
    assert_eq!(tme[1].message, format!("Cancelling deletion of Pod default/{}", tme[1].name));
    assert_eq!(times_of(&out, "FailedScheduling"), vec![460_100]);
    assert_eq!(when(&out, "Rebooted").len(), 1);
    assert_eq!(when(&out, "NodeReady"), vec![(600_000, "a-1".into())]);
    let old = out.cluster.pods.iter().find(|p| p.meta.name == web_victim).unwrap();
    assert_eq!(old.removed, Some(SimTime(600_000)));
    assert_eq!(old.status.phase, PodPhase::Failed);
    let agent_pod = out.cluster.pods.iter().find(|p| p.meta.name.starts_with("agent-")).unwrap();
    assert!(agent_pod.removed.is_none());
    assert_eq!(when(&out, "SandboxChanged"), vec![(600_000, agent_pod.meta.name.clone())]);
    assert_eq!(agent_pod.status.container_statuses[0].restart_count, 1);
    // The vanished instances: (reason, exit code, finishedAt).
    let ended = |st: Option<&kubesim_model::ContainerState>| match st {
        Some(kubesim_model::ContainerState::Terminated {
            reason, exit_code, finished_at, ..
        }) => Some((reason.clone(), *exit_code, finished_at.0)),
        _ => None,
    };
    let unknown = Some(("ContainerStatusUnknown".to_string(), 137, 600_000));
    assert_eq!(ended(agent_pod.status.container_statuses[0].last_state.as_ref()), unknown);
    assert_eq!(ended(Some(&old.status.container_statuses[0].state)), unknown);
    assert_eq!(agent_pod.ready_since, Some(SimTime(601_000)));
    let replacement = events(&out, "Scheduled").last().map(|e| (e.time.0, e.node.to_string()));
    assert_eq!(replacement, Some((600_000, "a-1".into())));
    let d = format!("{}:ready", deployment_ref("web"));
    assert_eq!(metric(&out, &d, 600_999), 2);
    assert_eq!(metric(&out, &d, 601_000), 3);
    assert!(out.cluster.nodes[a1.index()].taints.is_empty());
}

#[test]
fn partition_heals_at_the_next_status_sync() {
    // a-1 is cut off at 100 s (last heartbeat h <= 100 s): Unknown at ceil5(h) + 55 s,
    // tainted 5.1 s later. The partition heals at 300 s, before the pod's deletion: the
    // kubelet's next status sync (a tick of its 10 s + jitter loop) posts Ready, the pass at
    // the next 5 s point removes the NoExecute taint and the deletion is cancelled. The pod's
    // containers ran all along: Ready again when the kubelet reconnects (300 s), no restart.
    let nodes = zoned_nodes(&[("a", 1), ("b", 1), ("c", 1)]);
    let mut s = long(scenario(nodes, vec![web(3)], vec![]), 10);
    let a1 = node_id(&s, "a-1");
    s.actions = scenario(
        vec![],
        vec![],
        vec![
            (100, ActionKind::Partition { nodes: vec![a1] }),
            (300, ActionKind::RecoverNode { nodes: vec![a1] }),
        ],
    )
    .actions;
    let mut hb = NodeHeartbeats::new(&RngStreams::new(s.seed), &s.params, 3);
    let h = hb.partition(a1, SimTime(100_000)).unwrap();
    let kubesim_controllers::node_heartbeat::Recovery::Healed(sync) =
        hb.recover(a1, SimTime(300_000))
    else {
        panic!("a healed partition")
    };
    assert!((300_000..310_400).contains(&sync.0));
    let out = kubesim_controllers::run(&s);
    let unknown = pass_at_or_after(h) as u64 + 55_000;
    assert_eq!(when(&out, "NodeNotReady")[0].0, unknown);
    assert_eq!(when(&out, "NodeReady"), vec![(sync.0, "a-1".into())]);
    let cleared = pass_at_or_after(sync.0 as i64) as u64;
    let tme = events(&out, "TaintManagerEviction");
    assert_eq!(tme.len(), 1);
    assert_eq!(tme[0].time.0, cleared);
    assert!(tme[0].message.starts_with("Cancelling deletion"));
    let d = format!("{}:ready", deployment_ref("web"));
    assert_eq!(metric(&out, &d, 300_000), 3);
    assert!(events(&out, "SandboxChanged").is_empty());
}

#[test]
fn spot_interruption_drains_then_the_cloud_deletes_the_node() {
    // b-1 gets a spot interruption notice at 100 s (2 min notice, drain handler): cordoned
    // (NodeNotSchedulable) and its pod deleted gracefully at 100 s (Killing; replaced at
    // once). 220 s: the machine is terminated: its last heartbeat h <= 220 s, Unknown at
    // ceil5(h) + 55 s; the cloud node lifecycle controller looks at it every 5 s and deletes
    // it at its first look after the Unknown (DeletingNode), the node lifecycle controller
    // forgets it in that same instant's pass (RemovingNode). No pod was left for PodGC.
    let nodes = zoned_nodes(&[("a", 1), ("b", 1), ("c", 1)]);
    let mut s = long(scenario(nodes, vec![web(3)], vec![]), 10);
    let b1 = node_id(&s, "b-1");
    s.actions = scenario(
        vec![],
        vec![],
        vec![(
            100,
            ActionKind::SpotInterruption {
                nodes: vec![b1],
                notice: Some(SimDuration::from_mins(2)),
                handler: Some(kubesim_model::SpotHandler::Drain),
                rate: None,
            },
        )],
    )
    .actions;
    let h = last_heartbeat(s.seed, &s.params, b1, 220_000);
    let unknown = pass_at_or_after(h) as u64 + 55_000;
    let out = kubesim_controllers::run(&s);
    assert_eq!(when(&out, "NodeNotSchedulable"), vec![(100_000, "b-1".into())]);
    assert_eq!(times_of(&out, "Killing"), vec![100_000]);
    assert_eq!(times_of(&out, "SuccessfulCreate").last(), Some(&100_000));
    assert_eq!(when(&out, "NodeNotReady"), vec![(unknown, "b-1".into())]);
    assert_eq!(when(&out, "DeletingNode"), vec![(unknown + 5_000, "b-1".into())]);
    assert_eq!(when(&out, "RemovingNode"), vec![(unknown + 5_000, "b-1".into())]);
    assert!(out.cluster.nodes[b1.index()].removed.is_some());
    assert_eq!(metric(&out, "nodes_ready", 600_000), 2);
    assert_eq!(metric(&out, "nodes_not_ready", 600_000), 0);
}

#[test]
fn pods_created_during_the_run_get_default_tolerations() {
    // DefaultTolerationSeconds admission applies to every pod the ReplicaSet creates: both
    // 300 s NoExecute tolerations, shared by the pods of the template.
    let nodes = zoned_nodes(&[("a", 1)]);
    let out = kubesim_controllers::run(&scenario(nodes, vec![web(2)], vec![]));
    let pods: Vec<_> = out.cluster.live_pods().map(|p| &out.cluster.pods[p.index()]).collect();
    assert_eq!(pods.len(), 2);
    for p in &pods {
        let keys: Vec<(&str, Option<i64>)> =
            p.spec.tolerations.iter().map(|t| (t.key.as_str(), t.toleration_seconds)).collect();
        assert_eq!(
            keys,
            vec![
                ("node.kubernetes.io/not-ready", Some(300)),
                ("node.kubernetes.io/unreachable", Some(300))
            ]
        );
    }
    assert!(std::sync::Arc::ptr_eq(&pods[0].spec, &pods[1].spec));
}

#[test]
fn healthy_nodes_cost_nothing() {
    // 2,000 healthy nodes for 24 hours with no workload: heartbeats are not events, the node
    // lifecycle controller has nothing to look at, so the run processes no event at all.
    let nodes: Vec<Node> = (0..2000)
        .map(|i| NodeBuilder::new(&format!("n-{i}")).zone(["a", "b", "c"][i % 3]).build())
        .collect();
    let mut s = scenario(nodes, vec![], vec![]);
    s.duration = SimDuration::from_hours(24);
    let out = kubesim_controllers::run(&s);
    assert_eq!(out.trace.events_processed, 0);
}

#[test]
fn a_noexecute_taint_present_at_the_start_is_enforced() {
    // a-1 starts with `dedicated=batch:NoExecute`. `web`'s pods do not tolerate it: the
    // scheduler never places them there (TaintToleration). `pinned` is bound to a-1 by nodeName
    // and tolerates the taint for 30 s: the taint eviction controller, which looks at every
    // node when it starts (t=0), deletes it 30 s after it was bound. The ReplicaSet replaces
    // it at once (bound to a-1 again, so deleted 30 s later): deletions at 30 s, 60 s, 90 s...
    let mut nodes = zoned_nodes(&[("a", 1), ("b", 1)]);
    nodes[0].taints.push(Taint {
        key: "dedicated".into(),
        value: "batch".into(),
        effect: TaintEffect::NoExecute,
        time_added: Some(SimTime::ZERO),
    });
    let mut spec = SpecBuilder::new().image("batch:1").build();
    spec.node_name = Some("a-1".into());
    spec.tolerations.push(kubesim_model::Toleration {
        key: "dedicated".into(),
        operator: kubesim_model::TolerationOperator::Equal,
        value: "batch".into(),
        effect: Some(TaintEffect::NoExecute),
        toleration_seconds: Some(30),
    });
    let pinned = WorkloadBuilder::deployment("pinned", 1, spec).build();
    let s = long(scenario(nodes, vec![web(2), pinned], vec![]), 2);
    let out = kubesim_controllers::run(&s);
    assert!(events(&out, "Scheduled").iter().all(|e| e.node == "b-1"));
    let marks: Vec<u64> = when(&out, "TaintManagerEviction").iter().map(|e| e.0).collect();
    assert_eq!(marks, vec![30_000, 60_000, 90_000, 120_000]);
    assert!(when(&out, "TaintManagerEviction").iter().all(|e| e.1.starts_with("pinned-")));
}

#[test]
fn nodes_added_at_run_time_count_for_their_zone() {
    // One zone: a-1 at t = 0, a-2 added at 10 s (Ready at once), `web` with 2 replicas, both
    // on a-1 (the only node at 0 s). a-1's kubelet restarts at 100 s and the node crashes at
    // 105 s: Unknown at the 155 s pass (as in the tests above). The controller knows a-2, so
    // zone a has 1 of 2 nodes not Ready: `ComputeZoneState` needs more than 2 not Ready for
    // PartialDisruption and all of them for FullDisruption, so the zone stays Normal and
    // a-1 gets `unreachable:NoExecute` at 160.1 s (the normal rate, first token at once);
    // its pods' deletions are due 300 s later, at 460.1 s. (Had the controller missed a-2,
    // zone a would count 1 of 1 not Ready: FullDisruption in every zone, master disruption
    // mode, and no taint at all.)
    let nodes = zoned_nodes(&[("a", 1)]);
    let s = scenario(nodes, vec![web(2)], vec![]);
    let a1 = node_id(&s, "a-1");
    let mut s = long(s, 10);
    let a2 = NodeBuilder::new("a-2").zone("a").build();
    let mut actions = restart(&[a1], 100);
    actions.push((10, ActionKind::AddNode { nodes: NewNodes::Node(Box::new(a2)) }));
    actions.push((105, ActionKind::CrashNode { nodes: vec![a1] }));
    actions.sort_by_key(|a| a.0);
    s.actions = scenario(vec![], vec![], actions).actions;
    let out = kubesim_controllers::run(&s);
    assert_eq!(pods_scheduled_on(&out, "a-1", 10_000).len(), 2);
    assert_eq!(metric(&out, "zone/a:state", 155_000), 1, "Normal: a-2 counts");
    assert_eq!(taint_time(&out, a1, TAINT_UNREACHABLE, TaintEffect::NoExecute), Some(160_100));
    let deleted: Vec<u64> = events(&out, "TaintManagerEviction")
        .iter()
        .filter(|e| e.message.starts_with("Marking"))
        .map(|e| e.time.0)
        .collect();
    assert_eq!(deleted, vec![460_100, 460_100]);
}

#[test]
fn a_loop_at_one_instant_stops_the_run_as_stalled() {
    // The same pinned Deployment without a toleration: the taint eviction controller deletes
    // each pod as soon as it is bound (no tolerationSeconds: at once) and the ReplicaSet
    // replaces it at once, so simulated time never leaves t = 0. With the guard lowered to
    // 10,000 events the run stops at t = 0 as stalled, naming the repeated reasons; nothing
    // after t = 0 happened.
    let mut nodes = zoned_nodes(&[("a", 1)]);
    nodes[0].taints.push(Taint {
        key: "dedicated".into(),
        value: "batch".into(),
        effect: TaintEffect::NoExecute,
        time_added: Some(SimTime::ZERO),
    });
    let mut spec = SpecBuilder::new().image("batch:1").build();
    spec.node_name = Some("a-1".into());
    let s = long(
        scenario(nodes, vec![WorkloadBuilder::deployment("pinned", 1, spec).build()], vec![]),
        2,
    );
    let mut sim = kubesim_controllers::Simulation::new(&s);
    sim.set_instant_limit(10_000);
    while sim.step() {}
    let out = sim.finish();
    let why = out.stalled.expect("stalled");
    assert!(why.starts_with("the run stalled at 00:00:00.000: more than 10000 events"), "{why}");
    assert!(
        why.contains("TaintManagerEviction on a Pod") && why.contains("SuccessfulCreate"),
        "{why}"
    );
    assert!(out.trace.events.iter().all(|e| e.time == SimTime::ZERO));
    // The sibling test above shows that a run with time to advance is not stalled.
    let healthy = kubesim_controllers::run(&long(
        scenario(zoned_nodes(&[("a", 1)]), vec![web(2)], vec![]),
        2,
    ));
    assert!(healthy.stalled.is_none());
}
