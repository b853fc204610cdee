//! The cluster autoscaler (`cluster_autoscaler.rs`) on small clusters built with fluent
//! builders. Default timings: pull 5 s, start 1 s; the autoscaler's loop runs at 0, 10 s,
//! 20 s, ... (its first loop at t = 0 runs before the scheduler's first attempt, so pods
//! unschedulable at the start are seen by the 10 s loop).

use crate::support::*;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::build::{PdbBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::{
    ActionKind, BehaviourId, Expander, IntOrPercent, Labels, Meta, NodeGroup, NodePool, Pod,
    PodSpec, PodStatus, Resources, Scenario, Taint, TaintEffect, Workload, WorkloadId,
};
use std::sync::Arc;

/// A pool of `count` nodes of `cpu` CPUs (16 GiB), in zone `zone`, autoscaling between
/// `min` and `max` with nodes registering `provision` seconds after the request.
fn add_pool(
    s: &mut Scenario,
    name: &str,
    cpu: u64,
    count: u32,
    (min, max): (u32, u32),
    provision: u64,
) {
    let pool = NodePool {
        name: name.into(),
        zones: vec![format!("zone-{name}")],
        allocatable: Resources {
            cpu_milli: cpu * 1000,
            memory: 16 << 30,
            ephemeral_storage: 1 << 40,
            pods: 110,
        },
        labels: Labels::new(),
        region: None,
        taints: vec![],
        images: Default::default(),
        next_index: count + 1,
    };
    for i in 1..=count {
        let n = pool.make_node(
            &format!("{name}-{i}"),
            pool.zone_of(i),
            format!("uid-{name}-{i}"),
            SimTime::ZERO,
        );
        s.cluster.add_node(n);
    }
    let index = s.cluster.pools.len();
    s.cluster.pools.push(pool);
    s.params.cluster_autoscaler.node_groups.push(NodeGroup {
        pool: index,
        min_count: min,
        max_count: max,
        provisioning: secs(provision),
    });
}

fn web(replicas: u32, cpu: &str) -> Workload {
    WorkloadBuilder::deployment("web", replicas, SpecBuilder::new().requests(cpu, "1Gi").build())
        .build()
}

fn pool_nodes(out: &kubesim_controllers::Outcome, pool: &str) -> u32 {
    out.cluster.live_nodes_in_pool(pool)
}

#[test]
fn unschedulable_pods_trigger_a_scale_up_and_run_on_the_new_node() {
    // Pool of 2 nodes of 4 CPU; web 10 x 1 CPU: 8 run, 2 are FailedScheduling at 0 s. The
    // 10 s loop packs the 2 pods into one new node (2->3, max 5); it registers at 10 + 60 =
    // 70 s; the pods are scheduled there at once, pulled at 75 s, Running at 76 s.
    let mut s = scenario(vec![], vec![web(10, "1")], vec![]);
    add_pool(&mut s, "general", 4, 2, (2, 5), 60);
    s.duration = SimDuration::from_mins(3);
    let out = kubesim_controllers::run(&s);
    let up = events_of(&out, "TriggeredScaleUp");
    assert_eq!(up.len(), 2, "{up:?}");
    assert!(
        up.iter()
            .all(|(t, m)| *t == 10_000 && m == "pod triggered scale-up: [{general 2->3 (max: 5)}]"),
        "{up:?}"
    );
    assert_eq!(pool_nodes(&out, "general"), 3);
    assert_eq!(times_of(&out, "RegisteredNode"), vec![70_000]);
    assert_eq!(metric(&out, &format!("{}:ready", deployment_ref("web")), 76_000), 10);
    assert_eq!(metric(&out, &kubesim_model::trace::pool_column("general"), 69_999), 2);
    assert_eq!(metric(&out, &kubesim_model::trace::pool_column("general"), 70_000), 3);
    // One scale-up, recorded with its two pods (the report's latency is theirs).
    assert_eq!(out.trace.scale_ups.len(), 1);
    assert_eq!(out.trace.scale_ups[0].groups, vec![("general".to_string(), 2, 3)]);
    assert_eq!(out.trace.scale_ups[0].pods.len(), 2);
    // No second scale-up when the node registers before the scheduler has placed the pods:
    // the loop leaves pods that fit an existing node to the scheduler (filterOutSchedulable).
}

#[test]
fn max_count_and_untolerated_taints_are_reasons_not_to_scale_up() {
    // Pool `full` at its max (2 of 2), pool `gpu` tainted gpu=true:NoSchedule. Neither can
    // help: NotTriggerScaleUp with both reasons, once per pod (repeats folded), and nothing
    // is added.
    let mut s = scenario(vec![], vec![web(10, "1")], vec![]);
    add_pool(&mut s, "full", 4, 2, (1, 2), 60);
    add_pool(&mut s, "gpu", 4, 0, (0, 3), 60);
    s.cluster.pools[1].taints.push(Taint {
        key: "gpu".into(),
        value: "true".into(),
        effect: TaintEffect::NoSchedule,
        time_added: None,
    });
    s.duration = SimDuration::from_mins(2);
    let out = kubesim_controllers::run(&s);
    let not = events_of(&out, "NotTriggerScaleUp");
    assert_eq!(not.len(), 2, "{not:?}");
    for (t, m) in &not {
        assert_eq!(*t, 10_000);
        assert_eq!(
            m,
            "pod didn't trigger scale-up: 1 max node group size reached, 1 node(s) had untolerated taint {gpu: true}"
        );
    }
    assert!(events_of(&out, "TriggeredScaleUp").is_empty());
    assert_eq!(pool_nodes(&out, "full") + pool_nodes(&out, "gpu"), 2);
}

#[test]
fn max_nodes_total_caps_the_scale_up() {
    // 2 nodes; 6 pods of 3 CPU pending-ish: 2 run, 4 wait, one per new node -> 4 nodes wanted,
    // but --max-nodes-total 4 leaves room for 2: 2->4, the two other pods get nothing this
    // loop and NotTriggerScaleUp ("max cluster size reached") at the next.
    let mut s = scenario(vec![], vec![web(6, "3")], vec![]);
    add_pool(&mut s, "general", 4, 2, (2, 10), 60);
    s.params.cluster_autoscaler.max_nodes_total = 4;
    s.duration = SimDuration::from_mins(3);
    let out = kubesim_controllers::run(&s);
    let up = events_of(&out, "TriggeredScaleUp");
    assert_eq!(up.len(), 2);
    assert_eq!(up[0].1, "pod triggered scale-up: [{general 2->4 (max: 10)}]");
    assert_eq!(pool_nodes(&out, "general"), 4);
    let not = events_of(&out, "NotTriggerScaleUp");
    assert!(
        not.iter().all(|(_, m)| m == "pod didn't trigger scale-up: 1 max cluster size reached"),
        "{not:?}"
    );
    assert_eq!(not.len(), 2);
}

#[test]
fn expanders_choose_the_pool() {
    // Two pools that could both take the 2 pending pods of 3 CPU: `small` (4 CPU: 2 new
    // nodes, 1 CPU idle on each) and `big` (8 CPU: 1 new node, 2 CPU idle).
    let run = |expander: Expander, priorities: Vec<(i64, Vec<String>)>| {
        let mut s = scenario(vec![], vec![web(3, "3")], vec![]);
        add_pool(&mut s, "small", 4, 1, (1, 5), 60);
        add_pool(&mut s, "big", 8, 0, (0, 5), 60);
        s.params.cluster_autoscaler.expander = expander;
        s.params.cluster_autoscaler.priorities = priorities;
        s.duration = SimDuration::from_mins(2);
        let out = kubesim_controllers::run(&s);
        out.trace.scale_ups[0].groups.clone()
    };
    // least-waste: small wastes 2 x 1 CPU of 8 (0.25) + memory; big wastes 2 of 8 CPU (0.25)
    // and half the memory of one node instead of two: big has less memory waste.
    assert_eq!(run(Expander::LeastWaste, vec![]), vec![("big".to_string(), 0, 1)]);
    // most-pods: both place the 2 pods; a tie broken by the seeded stream (deterministic).
    let a = run(Expander::MostPods, vec![]);
    assert_eq!(a, run(Expander::MostPods, vec![]));
    // priority: the higher priority's regular expression wins.
    assert_eq!(
        run(Expander::Priority, vec![(20, vec!["sm.*".into()]), (10, vec!["big".into()])]),
        vec![("small".to_string(), 1, 3)]
    );
    assert_eq!(
        run(Expander::Priority, vec![(20, vec!["big".into()]), (10, vec![".*".into()])]),
        vec![("big".to_string(), 0, 1)]
    );
}

#[test]
fn balance_similar_node_groups_spreads_a_scale_up() {
    // Pools a and b are alike but for their zone; 4 new nodes are needed (4 pods of 3 CPU):
    // balanced, each pool gets 2 (one event names both).
    let mut s = scenario(vec![], vec![web(4, "3")], vec![]);
    add_pool(&mut s, "a", 4, 0, (0, 5), 60);
    add_pool(&mut s, "b", 4, 0, (0, 5), 60);
    s.params.cluster_autoscaler.balance_similar_node_groups = true;
    s.duration = SimDuration::from_mins(2);
    let out = kubesim_controllers::run(&s);
    assert_eq!(
        out.trace.scale_ups[0].groups,
        vec![("a".to_string(), 0, 2), ("b".to_string(), 0, 2)]
    );
    assert_eq!(
        events_of(&out, "TriggeredScaleUp")[0].1,
        "pod triggered scale-up: [{a 0->2 (max: 5)} {b 0->2 (max: 5)}]"
    );
}

#[test]
fn a_node_that_never_registers_is_given_up_and_the_group_backs_off() {
    // Provisioning takes 20 minutes, more than max-node-provision-time (15): at 10 s + 15 min
    // the request is given up; the pod then gets NotTriggerScaleUp "in backoff after failed
    // scale-up" and, after the 5-minute backoff, a new TriggeredScaleUp.
    let mut s = scenario(vec![], vec![web(5, "1")], vec![]);
    add_pool(&mut s, "general", 4, 1, (1, 3), 20 * 60);
    s.duration = SimDuration::from_mins(25);
    let out = kubesim_controllers::run(&s);
    let up = times_of(&out, "TriggeredScaleUp");
    assert_eq!(up, vec![10_000, 10_000 + 20 * 60_000], "{up:?}");
    let not = events_of(&out, "NotTriggerScaleUp");
    assert_eq!(
        not,
        vec![(
            10_000 + 15 * 60_000,
            "pod didn't trigger scale-up: 1 in backoff after failed scale-up".to_string()
        )]
    );
    assert_eq!(pool_nodes(&out, "general"), 1);
}

/// A bare pod (no controller) in `namespace`, pinned to `node` by `spec.nodeName`.
fn pinned_pod(s: &mut Scenario, namespace: &str, name: &str, node: &str, spec: PodSpec) {
    let mut spec = spec;
    spec.node_name = Some(node.to_string());
    let pod = Pod {
        meta: Meta {
            name: name.into(),
            namespace: namespace.into(),
            uid: format!("uid-{name}"),
            ..Meta::default()
        },
        spec: Arc::new(spec),
        node: None,
        status: PodStatus::default(),
        ready_since: None,
        removed: None,
        behaviour: BehaviourId(0),
        ephemeral_containers: Vec::new(),
    };
    s.cluster.add_pod(pod, None);
}

#[test]
fn scale_down_skips_nodes_that_blocking_pods_or_annotations_hold() {
    // Six nodes of 4 CPU, all far below 50%:
    // - pool-2: a bare pod (no controller): NotReplicated;
    // - pool-3: a kube-system pod without PDB: UnmovableKubeSystemPod;
    // - pool-4: a pod with an emptyDir: LocalStorageRequested;
    // - pool-5: empty, annotated scale-down-disabled;
    // - pool-1 and pool-6 (label role=web): web's one pod (nodeSelector role=web) on one of
    //   them, the other empty.
    // minCount 1. From the 10 s loop the empty role=web node is unneeded (ScaleDownEmpty at
    // 10:10); the node with the web pod is not: its pod could only move to the other role=web
    // node, which this pass removes. Nothing else is touched.
    let mut s = scenario(vec![], vec![], vec![]);
    add_pool(&mut s, "pool", 4, 6, (1, 6), 60);
    for i in [0, 5] {
        s.cluster.nodes[i].meta.labels.insert("role".into(), "web".into());
    }
    s.cluster.nodes[4]
        .meta
        .annotations
        .insert("cluster-autoscaler.kubernetes.io/scale-down-disabled".into(), "true".into());
    let plain = || SpecBuilder::new().requests("1", "1Gi").build();
    pinned_pod(&mut s, "default", "bare", "pool-2", plain());
    pinned_pod(&mut s, "kube-system", "sys", "pool-3", plain());
    pinned_pod(
        &mut s,
        "default",
        "local",
        "pool-4",
        SpecBuilder::new().requests("1", "1Gi").empty_dir("cache").build(),
    );
    s.cluster.add_workload(
        WorkloadBuilder::deployment(
            "web",
            1,
            SpecBuilder::new().requests("1", "1Gi").node_selector("role", "web").build(),
        )
        .build(),
    );
    s.duration = SimDuration::from_mins(12);
    let out = kubesim_controllers::run(&s);
    let web_node = out
        .cluster
        .pods
        .iter()
        .find(|p| p.meta.name.starts_with("web-"))
        .and_then(|p| p.node)
        .map(|n| out.cluster.nodes[n.index()].meta.name.clone())
        .expect("web runs");
    let empty = if web_node == "pool-1" { "pool-6" } else { "pool-1" };
    let down: Vec<(u64, String)> = out
        .trace
        .events
        .iter()
        .filter(|e| e.reason == "ScaleDown" || e.reason == "ScaleDownEmpty")
        .map(|e| (e.time.0, format!("{} {}", e.reason, e.name)))
        .collect();
    assert_eq!(down, vec![(610_000, format!("ScaleDownEmpty {empty}"))]);
    // The web pod was never disturbed.
    assert!(times_of(&out, "EvictionByEvictionAPI").is_empty());
    assert_eq!(pool_nodes(&out, "pool"), 5);
}

#[test]
fn a_pdb_with_no_disruption_allowed_holds_its_node_and_cooldown_after_add_delays_scale_down() {
    // web 2 x 1 CPU on a 2-node pool (one per node) with minAvailable 2: both nodes are under
    // 50% but the PDB allows no disruption: nothing is removed in 15 minutes.
    let mut s = scenario(vec![], vec![web(2, "1")], vec![]);
    add_pool(&mut s, "general", 4, 2, (1, 2), 60);
    s.cluster.add_pdb(PdbBuilder::new("web", "web").min_available(IntOrPercent::Int(2)).build());
    s.duration = SimDuration::from_mins(15);
    let out = kubesim_controllers::run(&s);
    assert!(times_of(&out, "ScaleDown").is_empty());
    assert_eq!(pool_nodes(&out, "general"), 2);

    // Without the PDB, one of the two goes at 10:10 (unneeded since 0:10)...
    let mut s = scenario(vec![], vec![web(2, "1")], vec![]);
    add_pool(&mut s, "general", 4, 2, (1, 2), 60);
    s.duration = SimDuration::from_mins(15);
    let out = kubesim_controllers::run(&s);
    assert_eq!(times_of(&out, "ScaleDown")[0], 610_000);
    assert_eq!(pool_nodes(&out, "general"), 1);
    // Its pod was evicted by the autoscaler through the Eviction API (no PDB: 201).
    let call = out.trace.eviction_calls.iter().next().expect("an eviction");
    assert_eq!(call.time.0, 610_000);
    assert!(matches!(call.caller, kubesim_model::EvictionCaller::Autoscaler(_)));
    assert_eq!(
        call.answer,
        kubesim_model::EvictionAnswer::Created(kubesim_model::EvictionGrant::NoPdb)
    );

    // ...and after a scale-up, not before scale-down-delay-after-add (10 min) has passed
    // since it, even when the node has been unneeded longer.
    let mut s = scenario(
        vec![],
        vec![web(2, "1")],
        vec![
            (300, ActionKind::Scale { workload: WorkloadId(0), replicas: 9 }),
            (400, ActionKind::Scale { workload: WorkloadId(0), replicas: 2 }),
        ],
    );
    add_pool(&mut s, "general", 4, 2, (1, 3), 30);
    s.duration = SimDuration::from_mins(30);
    let out = kubesim_controllers::run(&s);
    let up = times_of(&out, "TriggeredScaleUp");
    assert_eq!(up[0], 310_000);
    let first_down = out
        .trace
        .events
        .iter()
        .find(|e| e.reason == "ScaleDown" || e.reason == "ScaleDownEmpty")
        .map(|e| e.time.0)
        .expect("a scale-down");
    assert!(first_down >= 310_000 + 600_000, "{first_down}");
}
