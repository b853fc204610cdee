//! DefaultPreemption end to end: a higher-priority pod that does not fit evicts the fewest,
//! lowest-priority pods it needs, avoids PDB violations when it can, is nominated to the node
//! and takes it once the victims are gone.

use crate::support::*;
use kubesim_model::build::{NodeBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::{
    ActionKind, CondStatus, IntOrPercent, LabelSelector, Meta, Pdb, PodConditionType, PodSpec,
    PreemptionPolicy, UnhealthyPodEvictionPolicy, WorkloadId,
};

fn spec(cpu: &str, priority: i32) -> PodSpec {
    let mut s = SpecBuilder::new().requests(cpu, "1Gi").build();
    s.priority = priority;
    s
}

/// Two 2-CPU nodes full of `batch` pods (priority 0, 1 CPU each); `critical` (priority 1000,
/// 1 CPU) is scaled from 0 to 1 at 60 s.
fn full_cluster(critical: PodSpec) -> kubesim_model::Scenario {
    let nodes = vec![
        NodeBuilder::new("node-1").allocatable("2", "8Gi", 110).build(),
        NodeBuilder::new("node-2").allocatable("2", "8Gi", 110).build(),
    ];
    scenario(
        nodes,
        vec![
            WorkloadBuilder::deployment("batch", 4, spec("1", 0)).build(),
            WorkloadBuilder::deployment("critical", 0, critical).build(),
        ],
        vec![(60, ActionKind::Scale { workload: WorkloadId(1), replicas: 1 })],
    )
}

#[test]
fn preempts_one_victim_and_takes_its_node() {
    let out = kubesim_controllers::run(&full_cluster(spec("1", 1000)));
    let ev = |reason: &str| -> Vec<_> {
        out.trace.events.iter().filter(|e| e.reason == reason).collect()
    };
    // At 60 s the critical pod fits nowhere (2 nodes x 2 batch pods). Preemption finds that
    // evicting one batch pod is enough on either node: the victim gets a Preempted event
    // naming the preemptor's uid and the node.
    let preempted = ev("Preempted");
    assert_eq!(preempted.len(), 1, "{preempted:?}");
    assert_eq!(preempted[0].time.0, 60_000);
    let critical = out.cluster.pods.iter().find(|p| p.meta.name.starts_with("critical-")).unwrap();
    let node = preempted[0].node.to_string();
    assert_eq!(
        preempted[0].message,
        format!("Preempted by pod {} on node {node}", critical.meta.uid)
    );
    // The victim carries DisruptionTarget=True, reason PreemptionByScheduler.
    let victim = out.cluster.pods.iter().find(|p| *p.meta.name == *preempted[0].name).unwrap();
    let dt = victim.status.condition(PodConditionType::DisruptionTarget).unwrap();
    assert_eq!((dt.status, &*dt.reason), (CondStatus::True, "PreemptionByScheduler"));
    assert_eq!(&*dt.message, "default-scheduler: preempting to accommodate a higher priority pod");
    // The critical pod's FailedScheduling at 60 s has no "preemption:" part: preemption found
    // a node (upstream only adds the PostFilter message when it fails).
    let failed: Vec<_> =
        ev("FailedScheduling").into_iter().filter(|e| *e.name == *critical.meta.name).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].message, "0/2 nodes are available: 2 Insufficient cpu.");
    // The victim exits 1 s after SIGTERM and is removed at 61 s; that deletion moves the
    // critical pod (its 1 s back-off from 60 s has expired) and it takes the nominated node.
    let scheduled: Vec<_> =
        ev("Scheduled").into_iter().filter(|e| *e.name == *critical.meta.name).collect();
    assert_eq!(scheduled.len(), 1);
    assert_eq!((scheduled[0].time.0, scheduled[0].node), (61_000, &*node));
    // kube-apiserver clears nominatedNodeName when it binds the pod (v1.34+).
    assert_eq!(critical.status.nominated_node, None);
    // The batch ReplicaSet replaced its victim at once; the replacement (priority 0) finds
    // no room and nobody to preempt, and keeps away from the critical pod's nominated node.
    let replacement = ev("FailedScheduling")
        .into_iter()
        .find(|e| *e.name != *critical.meta.name)
        .expect("the replacement is pending");
    assert_eq!(
        replacement.message,
        "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 \
         No preemption victims found for incoming pod."
    );
    assert_eq!(metric(&out, "deployment/critical:ready", 600_000), 1);
    assert_eq!(metric(&out, "deployment/batch:ready", 600_000), 3);
}

#[test]
fn preemption_policy_never_waits() {
    let mut s = spec("1", 1000);
    s.preemption_policy = PreemptionPolicy::Never;
    let out = kubesim_controllers::run(&full_cluster(s));
    assert!(out.trace.events.iter().all(|e| e.reason != "Preempted"));
    let failed = out.trace.events.iter().find(|e| e.reason == "FailedScheduling").unwrap();
    assert_eq!(
        failed.message,
        "0/2 nodes are available: 2 Insufficient cpu. preemption: not eligible due to \
         preemptionPolicy=Never."
    );
}

#[test]
fn pdb_protected_pods_are_spared_when_another_node_will_do() {
    // node-1 runs two `protected` pods whose PDB (minAvailable 2) allows no disruption;
    // node-2 runs two `free` pods. Either node would do for the preemptor, but evicting from
    // node-1 violates the PDB: pickOneNodeForPreemption prefers the node with fewer PDB
    // violations, node-2.
    let nodes = vec![
        NodeBuilder::new("node-1").allocatable("2", "8Gi", 110).build(),
        NodeBuilder::new("node-2").allocatable("2", "8Gi", 110).build(),
    ];
    let mut protected = spec("1", 0);
    protected.node_selector.insert("kubernetes.io/hostname".into(), "node-1".into());
    let mut free = spec("1", 0);
    free.node_selector.insert("kubernetes.io/hostname".into(), "node-2".into());
    let mut s = scenario(
        nodes,
        vec![
            WorkloadBuilder::deployment("protected", 2, protected).build(),
            WorkloadBuilder::deployment("free", 2, free).build(),
            WorkloadBuilder::deployment("critical", 0, spec("1", 1000)).build(),
        ],
        vec![(60, ActionKind::Scale { workload: WorkloadId(2), replicas: 1 })],
    );
    s.cluster.add_pdb(Pdb {
        meta: Meta { name: "protected".into(), namespace: "default".into(), ..Meta::default() },
        selector: Some(LabelSelector::from_labels([("app", "protected")])),
        min_available: Some(IntOrPercent::Int(2)),
        max_unavailable: None,
        unhealthy_pod_eviction_policy: UnhealthyPodEvictionPolicy::IfHealthyBudget,
        status: Default::default(),
    });
    let out = kubesim_controllers::run(&s);
    let preempted: Vec<_> = out.trace.events.iter().filter(|e| e.reason == "Preempted").collect();
    assert_eq!(preempted.len(), 1);
    assert_eq!(preempted[0].node, "node-2");
    assert!(preempted[0].name.starts_with("free-"), "{}", preempted[0].name);
}

#[test]
fn lowest_priority_victims_first() {
    // One 3-CPU node: a priority-100 pod and a priority-10 pod (1 CPU each) and 1 CPU free.
    // The preemptor (priority 1000) asks for 2 CPUs: one victim is enough, and it is the
    // lower-priority one (victims are reprieved most important first).
    let nodes = vec![NodeBuilder::new("node-1").allocatable("3", "8Gi", 110).build()];
    let s = scenario(
        nodes,
        vec![
            WorkloadBuilder::deployment("mid", 1, spec("1", 100)).build(),
            WorkloadBuilder::deployment("low", 1, spec("1", 10)).build(),
            WorkloadBuilder::deployment("critical", 0, spec("2", 1000)).build(),
        ],
        vec![(60, ActionKind::Scale { workload: WorkloadId(2), replicas: 1 })],
    );
    let out = kubesim_controllers::run(&s);
    let preempted: Vec<_> = out.trace.events.iter().filter(|e| e.reason == "Preempted").collect();
    assert_eq!(preempted.len(), 1);
    assert!(preempted[0].name.starts_with("low-"), "{}", preempted[0].name);
}
