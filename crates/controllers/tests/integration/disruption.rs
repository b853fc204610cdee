//! Voluntary disruptions built with fluent builders: the Eviction API's less common answers,
//! kubectl drain's filters and flags, DaemonSets, Deployment rollouts and node-pool upgrades.
//! Default timings unless a test says otherwise: pull 5 s, start 1 s, shutdown 1 s; containers
//! without a readiness probe are ready as soon as they run (the `ready` timing is when the
//! application starts passing its readiness probe).

use crate::support::*;
use kubesim_engine::{Dist, SimDuration, SimTime};
use kubesim_model::build::{NodeBuilder, PdbBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::{
    ActionKind, DrainOptions, DrainOutcome, DrainTimeoutBehaviour, EvictionAnswer, EvictionCaller,
    EvictionGrant, IntOrPercent, Kind, Meta, NewNodes, NodeId, NodePool, Pdb, Pod, PodStatus,
    ProbeKind, Resources, Scenario, TemplateChange, UpgradeOutcome, UpgradeSettings, WorkloadId,
};
use std::sync::Arc;

fn with_pdbs(mut s: Scenario, pdbs: Vec<Pdb>) -> Scenario {
    for p in pdbs {
        s.cluster.add_pdb(p);
    }
    s
}

fn drain(nodes: &[u32], options: DrainOptions) -> ActionKind {
    ActionKind::Drain { nodes: nodes.iter().map(|&n| NodeId(n)).collect(), options }
}

fn ignore_ds() -> DrainOptions {
    DrainOptions { ignore_daemonsets: true, ..DrainOptions::default() }
}

fn events(out: &kubesim_controllers::Outcome, reason: &str) -> Vec<(u64, String, String)> {
    out.trace
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.0, e.name.to_string(), e.message.to_string()))
        .collect()
}

fn two_nodes() -> Vec<kubesim_model::Node> {
    vec![NodeBuilder::new("node-1").build(), NodeBuilder::new("node-2").build()]
}

fn web(replicas: u32) -> kubesim_model::Workload {
    WorkloadBuilder::deployment("web", replicas, SpecBuilder::new().requests("1", "1Gi").build())
        .build()
}

/// `evict-pod` of the `count` oldest web pods (`dryRun` as given).
fn evict_web(count: u32, dry_run: bool) -> ActionKind {
    ActionKind::EvictPod {
        target: kubesim_model::PodTarget::Selector {
            namespace: "default".into(),
            selector: kubesim_model::LabelSelector::from_labels([("app", "web")]),
            node: None,
            count,
            pick: kubesim_model::Pick::Oldest,
        },
        grace_period_seconds: None,
        dry_run,
    }
}

#[test]
fn a_running_pod_that_is_not_ready_is_evicted_without_using_the_budget_when_it_is_met() {
    // web: 2 replicas (one per node: LeastAllocated), with a readiness probe every 10 s that
    // passes 30 s after the start (started at 6 s; probes at 6, 16, 26 fail: Ready at 36 s).
    // PDB minAvailable 1: allowed 1.
    // 60 s drain node-1: its pod is evicted (1 -> 0); the replacement goes to node-2 (node-1 is
    // cordoned), starts at 61 s, Ready only at 91 s (its probe's tick 30 s after the start).
    // 70 s drain node-2: the Ready pod is refused (1 healthy, 1 needed), but the replacement,
    // Running and not Ready, is evicted without a decrement: the budget is met
    // (currentHealthy 1 >= desiredHealthy 1 > 0), IfHealthyBudget.
    let mut s = with_pdbs(
        scenario(
            two_nodes(),
            vec![
                WorkloadBuilder::deployment(
                    "web",
                    2,
                    SpecBuilder::new()
                        .requests("1", "1Gi")
                        .probe(ProbeKind::Readiness, 10, 3)
                        .build(),
                )
                .build(),
            ],
            vec![(60, drain(&[0], ignore_ds())), (70, drain(&[1], ignore_ds()))],
        ),
        vec![PdbBuilder::new("web-pdb", "web").min_available(IntOrPercent::Int(1)).build()],
    );
    s.cluster.behaviours[0].ready = Dist::Constant(SimDuration::from_secs(30));
    let out = kubesim_controllers::run(&s);
    let evicted = events(&out, "EvictionByEvictionAPI");
    assert_eq!(evicted.len(), 2);
    assert_eq!(evicted[0].0, 60_000);
    assert!(evicted[0].2.ends_with("disruptionsAllowed 1 -> 0)"));
    assert_eq!(evicted[1].0, 70_000);
    assert_eq!(
        evicted[1].2,
        "Eviction API: evicting (pod not Ready; PodDisruptionBudget web-pdb has 1 healthy pods of 1 needed: no disruption used)"
    );
    let refused = events(&out, "TooManyRequests");
    assert_eq!(refused[0].0, 70_000);
    assert!(
        refused[0]
            .2
            .ends_with("(The disruption budget web-pdb needs 1 healthy pods and has 1 currently)")
    );
    assert_eq!(metric(&out, "pdb/web-pdb:allowed", 70_000), 0);
    // evictions: the first drain's call used the budget (1 -> 0); the second drain's two
    // calls consulted the PDB at 0 and left it there: the unready pod's without a decrement
    // (UnhealthyBudgetMet), the Ready pod's refused with the status the API read (429).
    let calls = &out.trace.eviction_calls;
    type Row = (u64, EvictionCaller, EvictionAnswer, Vec<(i32, i32)>);
    let rows: Vec<Row> = calls
        .iter()
        .map(|c| {
            let pdbs = calls.pdbs(c).iter().map(|p| (p.allowed_before, p.allowed_after)).collect();
            (c.time.0, c.caller, c.answer, pdbs)
        })
        .collect();
    assert_eq!(
        rows[0],
        (
            60_000,
            EvictionCaller::Drain(0),
            EvictionAnswer::Created(EvictionGrant::Budget),
            vec![(1, 0)]
        )
    );
    let second: Vec<_> = rows[1..3].iter().map(|r| (r.0, r.1, r.2, r.3.clone())).collect();
    let refused = EvictionAnswer::BudgetExhausted { desired: 1, current: 1 };
    assert!(second.contains(&(
        70_000,
        EvictionCaller::Drain(1),
        EvictionAnswer::Created(EvictionGrant::UnhealthyBudgetMet),
        vec![(0, 0)]
    )));
    assert!(second.contains(&(70_000, EvictionCaller::Drain(1), refused, vec![(0, 0)])));
    // kubectl retries the refused pod every 5 s for the rest of the run (the replacement has
    // nowhere to go: node-1 is cordoned, node-2 full), each call a row.
    for (k, r) in rows[3..].iter().enumerate() {
        assert_eq!(
            *r,
            (75_000 + 5_000 * k as u64, EvictionCaller::Drain(1), refused, vec![(0, 0)])
        );
    }
}

#[test]
fn a_pod_matching_two_pdbs_cannot_be_evicted() {
    // Two PDBs select app=web: every eviction is a 500, a hard error for kubectl (no retry),
    // and the drain fails. The disruption controller warns once per pod and syncs only the
    // first PDB by name.
    let s = with_pdbs(
        scenario(
            vec![NodeBuilder::new("node-1").build()],
            vec![web(1)],
            vec![(30, drain(&[0], ignore_ds()))],
        ),
        vec![
            PdbBuilder::new("a-pdb", "web").max_unavailable(IntOrPercent::Int(1)).build(),
            PdbBuilder::new("b-pdb", "web").max_unavailable(IntOrPercent::Int(1)).build(),
        ],
    );
    let out = kubesim_controllers::run(&s);
    let e = events(&out, "InternalError");
    assert_eq!(e.len(), 1);
    assert!(e[0].2.ends_with("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."), "{}", e[0].2);
    let d = &out.trace.drains[0];
    assert_eq!((d.outcome, d.end), (DrainOutcome::Failed, Some(SimTime(30_000))));
    assert!(d.nodes[0].error.as_deref().unwrap().contains("more than one PodDisruptionBudget"));
    // The 500 consulted both PDBs, in listing order, and changed neither.
    let call = out.trace.eviction_calls.iter().next().unwrap();
    assert_eq!(
        (call.answer, call.answer.code(), call.answer.reason()),
        (EvictionAnswer::MultiplePdbs, 500, "")
    );
    let consulted: Vec<_> = out.trace.eviction_calls.pdbs(call).iter().map(|p| p.pdb.0).collect();
    assert_eq!(consulted, [0, 1]);
    assert!(
        out.trace.eviction_calls.pdbs(call).iter().all(|p| p.allowed_before == p.allowed_after)
    );
    let multi = events(&out, "MultiplePodDisruptionBudgets");
    assert_eq!(multi.len(), 1);
    assert!(
        multi[0]
            .2
            .ends_with("matches multiple PodDisruptionBudgets.  Chose \"a-pdb\" arbitrarily.")
    );
}

#[test]
fn disable_eviction_deletes_through_the_pdb() {
    // minAvailable 2 of 2: no eviction would ever be allowed. --disable-eviction deletes both
    // pods at once (no PDB check); they are gone 1 s later and the node is drained at 31 s.
    let nodes = vec![
        NodeBuilder::new("node-1").build(),
        NodeBuilder::new("node-2").unschedulable().build(),
    ];
    let opts = DrainOptions { disable_eviction: true, ..ignore_ds() };
    let s = with_pdbs(
        scenario(nodes, vec![web(2)], vec![(30, drain(&[0], opts))]),
        vec![PdbBuilder::new("web-pdb", "web").min_available(IntOrPercent::Int(2)).build()],
    );
    let out = kubesim_controllers::run(&s);
    assert!(events(&out, "EvictionByEvictionAPI").is_empty());
    assert!(events(&out, "TooManyRequests").is_empty());
    let d = &out.trace.drains[0];
    assert_eq!((d.outcome, d.end, d.deletions), (DrainOutcome::Drained, Some(SimTime(31_000)), 2));
    // The PDB saw 0 healthy pods: the deletion bypassed it.
    assert_eq!(metric(&out, "pdb/web-pdb:healthy", 30_000), 0);
}

fn bare_pod(c: &mut kubesim_model::Cluster, name: &str, node: NodeId, empty_dir: bool) {
    let mut spec = SpecBuilder::new().build();
    if empty_dir {
        spec.empty_dir_volumes.push("scratch".into());
    }
    let uid = c.new_uid();
    c.add_pod(
        Pod {
            meta: Meta {
                name: name.into(),
                namespace: "default".into(),
                uid,
                generation: 1,
                ..Meta::default()
            },
            spec: Arc::new(spec),
            node: Some(node),
            status: PodStatus::default(),
            ready_since: None,
            removed: None,
            behaviour: Default::default(),
            ephemeral_containers: Vec::new(),
        },
        None,
    );
}

#[test]
fn drain_filters_stop_the_node_before_anything_is_evicted() {
    // node-1 runs a bare pod and the web pod; node-2 runs a bare pod with an emptyDir volume.
    // A plain drain of both: node-1 fails on the bare pod ("declare no controller"), so its web
    // pod is not evicted; node-2 fails on the local storage. With --force and
    // --delete-emptydir-data a second drain empties both.
    let nodes = vec![NodeBuilder::new("node-1").build(), NodeBuilder::new("node-2").build()];
    let mut s = scenario(
        nodes,
        vec![
            WorkloadBuilder::deployment(
                "web",
                1,
                SpecBuilder::new().node_selector("kubernetes.io/hostname", "node-1").build(),
            )
            .build(),
        ],
        vec![
            (30, drain(&[0, 1], DrainOptions::default())),
            (
                60,
                drain(
                    &[0, 1],
                    DrainOptions {
                        force: true,
                        delete_emptydir_data: true,
                        ..DrainOptions::default()
                    },
                ),
            ),
        ],
    );
    bare_pod(&mut s.cluster, "lonely", NodeId(0), false);
    bare_pod(&mut s.cluster, "scratchy", NodeId(1), true);
    s.cluster.nodes[0].meta.labels.insert("kubernetes.io/hostname".into(), "node-1".into());
    let out = kubesim_controllers::run(&s);
    let d = &out.trace.drains[0];
    assert_eq!(d.outcome, DrainOutcome::Failed);
    assert_eq!(
        d.nodes[0].error.as_deref(),
        Some(
            "cannot delete Pods that declare no controller (use --force to override): default/lonely"
        )
    );
    assert_eq!(
        d.nodes[1].error.as_deref(),
        Some(
            "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratchy"
        )
    );
    assert_eq!((d.evictions_allowed, d.end), (0, Some(SimTime(30_000))));
    // The forced drain: three evictions (no PDB), each pod gone 1 s later; node-1 at 61 s,
    // then node-2 (drained one after the other) at 62 s. The web replacement stays Pending
    // (its nodeSelector names the cordoned node-1).
    let d = &out.trace.drains[1];
    assert_eq!(d.outcome, DrainOutcome::Drained);
    assert_eq!(d.evictions_allowed, 3);
    assert_eq!(d.nodes[0].end, Some(SimTime(61_000)));
    assert_eq!((d.nodes[1].start, d.nodes[1].end), (Some(SimTime(61_000)), Some(SimTime(62_000))));
}

#[test]
fn daemonset_pods_run_on_every_node_tolerate_cordons_and_block_a_plain_drain() {
    // 3 nodes: one agent pod each. A cordon (20 s) does not remove it. A node added at 30 s
    // gets its own. A drain of node-2 without --ignore-daemonsets fails at once; with it,
    // node-3 is drained at once and keeps its agent pod.
    let nodes = vec![
        NodeBuilder::new("node-1").build(),
        NodeBuilder::new("node-2").build(),
        NodeBuilder::new("node-3").build(),
    ];
    let ds =
        WorkloadBuilder::daemonset("agent", SpecBuilder::new().requests("100m", "64Mi").build())
            .build();
    let new_node = NodeBuilder::new("node-4").build();
    let s = scenario(
        nodes,
        vec![ds],
        vec![
            (20, ActionKind::Cordon { nodes: vec![NodeId(0)] }),
            (30, ActionKind::AddNode { nodes: NewNodes::Node(Box::new(new_node)) }),
            (40, drain(&[1], DrainOptions::default())),
            (50, drain(&[2], ignore_ds())),
        ],
    );
    let out = kubesim_controllers::run(&s);
    let sched = events(&out, "Scheduled");
    let on = |n: &str| sched.iter().filter(|e| e.2.ends_with(&format!(" to {n}"))).count();
    assert_eq!([on("node-1"), on("node-2"), on("node-3"), on("node-4")], [1, 1, 1, 1]);
    assert_eq!(sched[3].0, 30_000, "node-4's agent is created when the node registers");
    let d = &out.trace.drains[0];
    assert_eq!(d.outcome, DrainOutcome::Failed);
    assert!(d.nodes[0].error.as_deref().unwrap().starts_with(
        "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent-"
    ));
    let d = &out.trace.drains[1];
    assert_eq!(
        (d.outcome, d.end, d.evictions_allowed),
        (DrainOutcome::Drained, Some(SimTime(50_000)), 0)
    );
    // Four nodes, four agents, all Ready; none deleted.
    let ds = &out.cluster.workloads[0];
    assert_eq!((ds.replicas, ds.status.ready_replicas), (4, 4));
    assert!(events(&out, "SuccessfulDelete").is_empty());
}

#[test]
fn a_percentage_pdb_over_daemonset_pods_fails_safe() {
    // DaemonSets have no scale subresource: the expected count cannot be computed, so the
    // PDB's status is failSafe: no disruption allowed, DisruptionAllowed=False/SyncFailed.
    let ds = WorkloadBuilder::daemonset("agent", SpecBuilder::new().build()).build();
    let s = with_pdbs(
        scenario(two_nodes(), vec![ds], vec![]),
        vec![
            PdbBuilder::new("agent-pdb", "agent").min_available(IntOrPercent::Percent(50)).build(),
        ],
    );
    let out = kubesim_controllers::run(&s);
    let st = &out.cluster.pdbs[0].status;
    assert_eq!(st.disruptions_allowed, 0);
    let c = st.condition.as_ref().unwrap();
    assert_eq!(
        (c.reason, c.message.as_str()),
        ("SyncFailed", "daemonsets.apps does not implement the scale subresource")
    );
    let e = events(&out, "CalculateExpectedPodCountFailed");
    assert!(e[0].2.starts_with("Failed to calculate the number of expected pods: daemonsets.apps"));
}

#[test]
fn a_rollout_stays_within_max_surge_and_max_unavailable() {
    // 4 replicas, maxSurge 1, maxUnavailable 1 (ResolveFenceposts: 1 and 1). At 60 s the image
    // changes: the new ReplicaSet may add 1 pod (5 in total) and the old one may lose 1 at
    // once (3 available must stay). Scaling alternates until the old ReplicaSet is at 0.
    let spec = SpecBuilder::new().requests("500m", "256Mi").build();
    let d = WorkloadBuilder::deployment("web", 4, spec)
        .rolling_update(IntOrPercent::Int(1), IntOrPercent::Int(1))
        .build();
    let nodes = vec![NodeBuilder::new("node-1").build(), NodeBuilder::new("node-2").build()];
    let s = scenario(
        nodes,
        vec![d],
        vec![(
            60,
            ActionKind::Rollout {
                workload: WorkloadId(0),
                change: TemplateChange::Image { container: None, image: "nginx:1.27".into() },
                behaviour: kubesim_model::BehaviourId(0),
            },
        )],
    );
    let mut sim = kubesim_controllers::Simulation::new(&s);
    while sim.step() {
        let w = &sim.world;
        if w.now < SimTime(60_000) {
            continue;
        }
        // Never more than replicas + surge pods asked for, never fewer than replicas -
        // unavailable available (counted over the ReplicaSets' specs and statuses).
        let rs: Vec<_> =
            w.cluster.workloads.iter().filter(|x| x.kind == Kind::ReplicaSet).collect();
        let spec_total: u32 = rs.iter().map(|r| r.replicas).sum();
        assert!(spec_total <= 5, "at {}: {spec_total} pods asked for", w.now);
    }
    let out = sim.finish();
    let scaled: Vec<String> = events(&out, "ScalingReplicaSet").into_iter().map(|e| e.2).collect();
    let (old, new) = (&out.cluster.workloads[1].meta.name, &out.cluster.workloads[2].meta.name);
    assert_eq!(scaled[0], format!("Scaled up replica set {old} from 0 to 4"));
    // At 60 s: new 0 -> 1 (surge), then (nothing more to add) old 4 -> 3 (one unavailable).
    assert_eq!(scaled[1], format!("Scaled up replica set {new} from 0 to 1"));
    assert_eq!(scaled[2], format!("Scaled down replica set {old} from 4 to 3"));
    assert_eq!(scaled.last().unwrap(), &format!("Scaled down replica set {old} from 1 to 0"));
    let ready = deployment_ref("web") + ":available";
    let c = out.trace.metrics.column(&ready).unwrap();
    let min_after = out
        .trace
        .metrics
        .value_at(c, SimTime(60_000))
        .into_iter()
        .chain(out.trace.metrics.series(c).filter(|(t, _)| t.0 > 60_000).map(|(_, v)| v));
    let min_after = min_after.min();
    assert_eq!(min_after, Some(3));
    assert_eq!(out.cluster.workloads[0].status.updated_replicas, 4);
    assert_eq!(out.cluster.workloads[1].replicas, 0);
}

fn pool_scenario(drain_timeout: DrainTimeoutBehaviour) -> Scenario {
    // Pool `pool` of 2 nodes; web (2 replicas, one per node) with minAvailable 2: the budget
    // never allows a disruption. Upgrade at 60 s, maxSurge 1, new nodes Ready 60 s after the
    // request.
    let pool = NodePool {
        name: "pool".into(),
        zones: vec![],
        allocatable: Resources {
            cpu_milli: 4000,
            memory: 16 << 30,
            ephemeral_storage: 0,
            pods: 110,
        },
        labels: Default::default(),
        region: None,
        taints: vec![],
        images: Default::default(),
        next_index: 3,
    };
    let nodes: Vec<_> = (1..=2)
        .map(|i| pool.make_node(&format!("pool-{i}"), None, format!("n{i}"), SimTime::ZERO))
        .collect();
    let settings = UpgradeSettings {
        max_surge: IntOrPercent::Int(1),
        max_unavailable: IntOrPercent::Int(0),
        provisioning: Dist::Constant(SimDuration::from_secs(60)),
        drain_timeout,
    };
    let mut s = with_pdbs(
        scenario(
            nodes,
            vec![web(2)],
            vec![(60, ActionKind::UpgradePool { pool: "pool".into(), settings })],
        ),
        vec![PdbBuilder::new("web-pdb", "web").min_available(IntOrPercent::Int(2)).build()],
    );
    s.cluster.pools.push(pool);
    s.duration = SimDuration::from_hours(3);
    s
}

#[test]
fn eks_style_upgrade_fails_with_pod_eviction_failure() {
    // The surge node pool-3 is Ready at 120 s; pool-1 is cordoned and drained; its web pod is
    // refused for 15 minutes; at 120 + 900 = 1020 s the upgrade fails and stops there: pool-1
    // stays cordoned with its pod, pool-3 stays.
    let out = kubesim_controllers::run(&pool_scenario(DrainTimeoutBehaviour::FailAfter(
        SimDuration::from_mins(15),
    )));
    // Every refusal was posted by the upgrade's drain.
    assert!(out.trace.eviction_calls.iter().all(|c| c.caller == EvictionCaller::Upgrade(0)));
    assert_eq!(
        out.trace.eviction_calls.len(),
        events(&out, "TooManyRequests").len() + events(&out, "EvictionByEvictionAPI").len()
    );
    let u = &out.trace.upgrades[0];
    assert_eq!(
        u.outcome,
        UpgradeOutcome::Failed("PodEvictionFailure: Reached max retries while trying to evict pods from node pool-1 in node group pool".into())
    );
    let e = events(&out, "PodEvictionFailure");
    assert_eq!((e[0].0, e[0].1.as_str()), (1_020_000, "pool-1"));
    assert_eq!(out.trace.drains[0].outcome, DrainOutcome::Cancelled);
    // Refusals stop with the drain: the last one is at 1015 s (every 5 s from 120 s).
    assert_eq!(events(&out, "TooManyRequests").last().unwrap().0, 1_015_000);
    let pool1 = out.cluster.node_by_name("pool-1").unwrap();
    assert!(out.cluster.nodes[pool1.index()].unschedulable);
    assert_eq!((u.new_nodes.clone(), u.peak_extra_nodes), (vec!["pool-3".to_string()], 1));
}

#[test]
fn gke_style_upgrade_forces_after_an_hour() {
    // Each batch: surge node after 60 s, the drain blocked for an hour, then the pod deleted
    // anyway (1 s to shut down): 60 + 3600 + 1 s per node, two nodes: done at
    // 60 + 2 x 3661 = 7382 s, on pool-3 and pool-4.
    let out = kubesim_controllers::run(&pool_scenario(DrainTimeoutBehaviour::ForceAfter(
        SimDuration::from_hours(1),
    )));
    let u = &out.trace.upgrades[0];
    assert_eq!(u.outcome, UpgradeOutcome::Succeeded);
    assert_eq!(u.end, Some(SimTime(7_382_000)));
    assert_eq!(u.forced_nodes, ["pool-1", "pool-2"]);
    assert_eq!(out.trace.drains.iter().map(|d| d.deletions).sum::<u32>(), 2);
    let live: Vec<&str> =
        out.cluster.live_nodes().map(|n| out.cluster.nodes[n.index()].name()).collect();
    assert_eq!(live, ["pool-3", "pool-4"]);
}

#[test]
fn a_recreate_rollout_restart_replaces_all_pods_after_the_old_ones_are_gone() {
    // Recreate, 3 replicas. `kubectl rollout restart` at 60 s changes the template (the
    // restartedAt annotation): the old ReplicaSet goes to 0 at once; the new one is scaled up
    // only when no old pod is left: they stop 1 s after SIGTERM, so at 61 s.
    let mut d = web(3);
    d.spec = kubesim_model::WorkloadSpec::Deployment {
        strategy: kubesim_model::workload::DeploymentStrategy::Recreate,
        progress_deadline_seconds: Some(600),
    };
    let nodes = vec![NodeBuilder::new("node-1").build(), NodeBuilder::new("node-2").build()];
    let s = scenario(
        nodes,
        vec![d],
        vec![(
            60,
            ActionKind::Rollout {
                workload: WorkloadId(0),
                change: TemplateChange::Restart,
                behaviour: kubesim_model::BehaviourId(0),
            },
        )],
    );
    let out = kubesim_controllers::run(&s);
    let scaled = events(&out, "ScalingReplicaSet");
    let (old, new) = (&out.cluster.workloads[1].meta.name, &out.cluster.workloads[2].meta.name);
    assert_eq!(
        scaled.iter().map(|e| (e.0, e.2.clone())).collect::<Vec<_>>(),
        [
            (0, format!("Scaled up replica set {old} from 0 to 3")),
            (60_000, format!("Scaled down replica set {old} from 3 to 0")),
            (61_000, format!("Scaled up replica set {new} from 0 to 3")),
        ]
    );
    assert!(
        out.cluster.workloads[2]
            .template
            .annotations
            .contains_key("kubectl.kubernetes.io/restartedAt")
    );
    // Nothing is Ready from 60 s until the new pods are (created at 61 s, image present: start
    // 1 s, ready at once without a readiness probe: 62 s).
    let ready = deployment_ref("web") + ":ready";
    assert_eq!(metric(&out, &ready, 60_000), 0);
    assert_eq!(metric(&out, &ready, 61_999), 0);
    assert_eq!(metric(&out, &ready, 62_000), 3);
}

#[test]
fn drain_grace_period_overrides_the_pods_own() {
    // The app takes 60 s to exit after SIGTERM and the pod allows 30 s; `--grace-period=10`
    // kills it 10 s after the eviction (exit 137): gone, and the node drained, at 40 s.
    let mut s = scenario(
        two_nodes(),
        vec![web(1)],
        vec![(30, drain(&[0, 1], DrainOptions { grace_period_seconds: Some(10), ..ignore_ds() }))],
    );
    s.cluster.behaviours[0].shutdown = Dist::Constant(SimDuration::from_secs(60));
    let out = kubesim_controllers::run(&s);
    let d = &out.trace.drains[0];
    assert_eq!((d.outcome, d.end), (DrainOutcome::Drained, Some(SimTime(40_000))));
    let evicted = out.cluster.pods.iter().find(|p| p.removed.is_some()).unwrap();
    assert_eq!(evicted.meta.deletion_grace_seconds, Some(10));
    let kubesim_model::ContainerState::Terminated { exit_code, .. } =
        &evicted.status.container_statuses[0].state
    else {
        panic!("terminated")
    };
    assert_eq!(*exit_code, 137);
}

#[test]
fn evict_pod_reports_the_api_answer() {
    // minAvailable 1 of 1: the eviction is refused with the API's message and cause (no
    // kubectl wording: no retry), and the pod stays.
    let s = with_pdbs(
        scenario(two_nodes(), vec![web(1)], vec![(30, evict_web(1, false))]),
        vec![PdbBuilder::new("web-pdb", "web").min_available(IntOrPercent::Int(1)).build()],
    );
    let out = kubesim_controllers::run(&s);
    let e = events(&out, "TooManyRequests");
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].0, e[0].2.as_str()),
        (
            30_000,
            "Cannot evict pod as it would violate the pod's disruption budget. (The disruption budget web-pdb needs 1 healthy pods and has 1 currently)"
        )
    );
    assert!(out.cluster.pods.iter().all(|p| p.removed.is_none() && p.meta.deletion.is_none()));
    let call = out.trace.eviction_calls.iter().next().unwrap();
    assert_eq!(
        (call.time, call.caller, call.dry_run, call.answer),
        (
            SimTime(30_000),
            EvictionCaller::Action(0),
            false,
            EvictionAnswer::BudgetExhausted { desired: 1, current: 1 }
        )
    );
}

#[test]
fn a_dry_run_eviction_answers_and_changes_nothing() {
    // Upstream (eviction.go): with dryRun, checkAndDecrement decrements its copy and returns
    // before UpdateStatus; addConditionAndDeletePod adds no DisruptionTarget condition and the
    // store's Delete deletes nothing. web: 2 pods Ready at 6 s; PDB minAvailable 1: allowed 1.
    // 30 s dry run on the oldest pod: 201 (one disruption would be used), the PDB stays at 1,
    // the pod stays, no condition, no event, no eviction in the trace.
    // 40 s a real evict-pod of both pods: the first 201 (1 -> 0); the second 429 with the
    // status the API reads then (the controller has not re-synced: currentHealthy still 2).
    let s = with_pdbs(
        scenario(
            two_nodes(),
            vec![web(2)],
            vec![(30, evict_web(1, true)), (40, evict_web(2, false))],
        ),
        vec![PdbBuilder::new("web-pdb", "web").min_available(IntOrPercent::Int(1)).build()],
    );
    let out = kubesim_controllers::run(&s);
    let calls: Vec<_> = out.trace.eviction_calls.iter().collect();
    assert_eq!(calls.len(), 3, "{calls:?}");
    let pdbs = |i: usize| {
        out.trace
            .eviction_calls
            .pdbs(calls[i])
            .iter()
            .map(|p| (p.pdb.0, p.allowed_before, p.allowed_after))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        (calls[0].time, calls[0].caller, calls[0].dry_run, calls[0].answer),
        (
            SimTime(30_000),
            EvictionCaller::Action(0),
            true,
            EvictionAnswer::Created(EvictionGrant::Budget)
        )
    );
    assert_eq!(pdbs(0), [(0, 1, 1)]);
    assert_eq!(metric(&out, "pdb/web-pdb:allowed", 39_999), 1);
    assert_eq!(metric(&out, "pdb/web-pdb:healthy", 39_999), 2);
    assert!(events(&out, "EvictionByEvictionAPI").iter().all(|e| e.0 == 40_000));
    assert!(out.trace.evictions.iter().all(|e| e.time == SimTime(40_000)));
    // The pod the dry run named is the one evicted at 40 s; nothing touched it before: its
    // deletionTimestamp is the eviction's time plus its grace period (30 s).
    let dry = &out.cluster.pods[calls[0].pod.index()];
    assert_eq!(calls[1].pod, calls[0].pod, "{calls:?}");
    assert_eq!(dry.meta.deletion, Some(SimTime(70_000)));
    assert_eq!(
        (calls[1].caller, calls[1].dry_run, calls[1].answer),
        (EvictionCaller::Action(1), false, EvictionAnswer::Created(EvictionGrant::Budget))
    );
    assert_eq!(pdbs(1), [(0, 1, 0)]);
    assert_eq!(calls[2].answer, EvictionAnswer::BudgetExhausted { desired: 1, current: 2 });
    assert_eq!(pdbs(2), [(0, 0, 0)]);
}

#[test]
fn a_dry_run_of_a_terminating_pod_skips_the_budget_and_a_removed_pod_is_404() {
    // canIgnorePDB: a pod with a deletionTimestamp is deleted without looking at PDBs (none
    // consulted). Bare pod job-a (its app takes 60 s to stop; terminationGracePeriodSeconds
    // 30), deleted at 20 s: terminating until it is killed at 50 s. 30 s: a dry-run eviction
    // -> 201, no PDB consulted, and the termination goes on as the delete said.
    let pod_with_pdb = |actions: Vec<(u64, ActionKind)>| {
        let mut s = scenario(vec![NodeBuilder::new("node-1").build()], vec![], actions);
        add_bare_pod(&mut s, "job-a", SpecBuilder::new().requests("100m", "128Mi").build());
        s.cluster.behaviours[0].shutdown = Dist::Constant(SimDuration::from_secs(60));
        with_pdbs(
            s,
            vec![PdbBuilder::new("job-pdb", "job-a").min_available(IntOrPercent::Int(1)).build()],
        )
    };
    let out = kubesim_controllers::run(&pod_with_pdb(vec![
        (
            20,
            ActionKind::DeletePod {
                target: named("job-a"),
                grace_period_seconds: None,
                force: false,
            },
        ),
        (
            30,
            ActionKind::EvictPod {
                target: named("job-a"),
                grace_period_seconds: None,
                dry_run: true,
            },
        ),
    ]));
    let calls: Vec<_> = out.trace.eviction_calls.iter().collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        calls[0].answer,
        EvictionAnswer::Created(EvictionGrant::NoBudgetCheck("pod is already being deleted"))
    );
    assert!(out.trace.eviction_calls.pdbs(calls[0]).is_empty());
    // deletionTimestamp: the delete's time plus the grace period, untouched by the dry run.
    assert_eq!(out.cluster.pods[0].meta.deletion, Some(SimTime(50_000)));
    assert!(out.cluster.pods[0].removed.is_some_and(|t| t >= SimTime(50_000)));

    // getPod's NotFound: `drain --force` at 20 s is refused (minAvailable 1 of 1: 429) and
    // retries at 25 s; a forced delete at 22 s removes the pod at once, so the retry is a 404
    // (kubectl counts the pod as gone), with no PDB consulted.
    let force = DrainOptions { force: true, ..ignore_ds() };
    let out = kubesim_controllers::run(&pod_with_pdb(vec![
        (20, drain(&[0], force)),
        (
            22,
            ActionKind::DeletePod {
                target: named("job-a"),
                grace_period_seconds: None,
                force: true,
            },
        ),
    ]));
    let calls: Vec<_> =
        out.trace.eviction_calls.iter().map(|c| (c.time.0, c.caller, c.answer)).collect();
    assert_eq!(
        calls,
        [
            (
                20_000,
                EvictionCaller::Drain(0),
                EvictionAnswer::BudgetExhausted { desired: 1, current: 1 }
            ),
            (25_000, EvictionCaller::Drain(0), EvictionAnswer::NotFound),
        ]
    );
    let last = out.trace.eviction_calls.iter().last().unwrap();
    assert!(out.trace.eviction_calls.pdbs(last).is_empty());
    assert_eq!(last.answer.message("job-a", ""), "pods \"job-a\" not found");
}

#[test]
fn traced_objects_show_every_write_even_two_at_one_instant() {
    // `--trace-objects pdb/web-pdb`: web 2 pods, PDB minAvailable 1. At 30 s evict-pod: the
    // Eviction API writes the PDB's status (disruptionsAllowed 1 -> 0, the pod in
    // disruptedPods); then, at the same instant, the disruption controller re-syncs it as the
    // pod changed (currentHealthy 2 -> 1). Both writes are visible, in that order.
    let s = with_pdbs(
        scenario(two_nodes(), vec![web(2)], vec![(30, evict_web(1, false))]),
        vec![PdbBuilder::new("web-pdb", "web").min_available(IntOrPercent::Int(1)).build()],
    );
    let mut sim = kubesim_controllers::Simulation::new(&s);
    sim.trace_objects(vec![
        kubesim_model::ObjectSelector::parse("pdb/web-pdb").unwrap(),
        kubesim_model::ObjectSelector::parse("node/node-1").unwrap(),
    ]);
    let out = sim.run();
    let changes = out.trace.object_changes.as_ref().unwrap();
    // At t = 0 both objects as they are (ADDED), node first (kinds are looked at in order).
    assert_eq!(changes[0].watch, kubesim_model::WatchType::Added);
    assert_eq!(changes[0].time, SimTime(0));
    assert!(matches!(changes[0].object, kubesim_model::ObjectSnapshot::Node(_)));
    let pdb_at_30: Vec<(i32, i32, usize)> = changes
        .iter()
        .filter(|c| c.time == SimTime(30_000))
        .filter_map(|c| match &c.object {
            kubesim_model::ObjectSnapshot::Pdb(p) => Some((
                p.status.disruptions_allowed,
                p.status.current_healthy,
                p.status.disrupted_pods.len(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(pdb_at_30[0], (0, 2, 1), "{pdb_at_30:?}");
    assert_eq!(pdb_at_30[1].1, 1, "{pdb_at_30:?}");
    assert!(changes.iter().all(|c| c.watch != kubesim_model::WatchType::Deleted));
    // Every record is a change: no two consecutive records of one object are equal.
    let pdbs: Vec<_> = changes
        .iter()
        .filter(|c| matches!(c.object, kubesim_model::ObjectSnapshot::Pdb(_)))
        .collect();
    assert!(pdbs.windows(2).all(|w| w[0].object != w[1].object));
}
