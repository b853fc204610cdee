//! kube-scheduler behaviour the foundation covers: filters, FailedScheduling messages, and
//! retries when the cluster changes.

use crate::support::*;
use kubesim_model::build::{NodeBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::{ActionKind, NodeId};

#[test]
fn failed_scheduling_then_uncordon() {
    // Two 2-CPU nodes, node-2 cordoned; 3 pods asking 1 CPU each. node-1 takes two pods; the
    // third fails with one node out of CPU and one cordoned:
    //   "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. ..."
    // Uncordoning node-2 at 120 s is a cluster change that moves the pod back; its back-off
    // (1 s after its last failure) has long expired, so it is scheduled at once.
    let nodes = vec![
        NodeBuilder::new("node-1").allocatable("2", "8Gi", 110).build(),
        NodeBuilder::new("node-2").allocatable("2", "8Gi", 110).unschedulable().build(),
    ];
    let s = scenario(
        nodes,
        vec![
            WorkloadBuilder::deployment("web", 3, SpecBuilder::new().requests("1", "1Gi").build())
                .build(),
        ],
        vec![(120, ActionKind::Uncordon { nodes: vec![NodeId(1)] })],
    );
    let out = kubesim_controllers::run(&s);
    let failed: Vec<_> =
        out.trace.events.iter().filter(|e| e.reason == "FailedScheduling").collect();
    assert_eq!(failed.len(), 1, "one attempt: nothing changes until the uncordon");
    assert_eq!(
        failed[0].message,
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
    );
    let scheduled: Vec<_> = out
        .trace
        .events
        .iter()
        .filter(|e| e.reason == "Scheduled")
        .map(|e| (e.time.0, e.node.clone()))
        .collect();
    assert_eq!(
        scheduled,
        vec![(0, "node-1".into()), (0, "node-1".into()), (120_000, "node-2".into())]
    );
    assert_eq!(metric(&out, "pods_pending", 119_999), 1);
    assert_eq!(metric(&out, "nodes_cordoned", 119_999), 1);
    assert_eq!(metric(&out, "nodes_cordoned", 120_000), 0);
}

#[test]
fn unschedulable_pod_retried_after_five_minutes_without_changes() {
    // Nothing changes, so the pod waits in the unschedulable pool for the leftover flush,
    // which runs every 30 s and moves pods unschedulable for longer than
    // podMaxInUnschedulablePodsDuration (5 min). It failed at 0 s; the first tick with
    // now - 0 s > 300 s is 330 s, where it fails again. The next would be 660 s, after the
    // 10 min run.
    let nodes = vec![NodeBuilder::new("node-1").allocatable("1", "8Gi", 110).build()];
    let s = scenario(
        nodes,
        vec![
            WorkloadBuilder::deployment("big", 1, SpecBuilder::new().requests("2", "1Gi").build())
                .build(),
        ],
        vec![],
    );
    let out = kubesim_controllers::run(&s);
    assert_eq!(times_of(&out, "FailedScheduling"), vec![0, 330_000]);
    let msg = &out.trace.events.iter().find(|e| e.reason == "FailedScheduling").unwrap().message;
    // The request exceeds the node's allocatable outright: preemption cannot help.
    assert!(msg.starts_with("0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."), "{msg}");
}

#[test]
fn taints_and_node_selector_filter() {
    let nodes = vec![
        NodeBuilder::new("gpu-1")
            .taint("dedicated", "gpu", kubesim_model::TaintEffect::NoSchedule)
            .build(),
        NodeBuilder::new("cpu-1").label("disk", "hdd").build(),
    ];
    let spec = SpecBuilder::new().node_selector("disk", "ssd").build();
    let s = scenario(nodes, vec![WorkloadBuilder::deployment("web", 1, spec).build()], vec![]);
    let out = kubesim_controllers::run(&s);
    let msg = &out.trace.events.iter().find(|e| e.reason == "FailedScheduling").unwrap().message;
    assert!(
        msg.starts_with("0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}."),
        "{msg}"
    );
}
