//! kube-scheduler behaviour the foundation covers: filters, FailedScheduling messages, and
//! retries when the cluster changes.

use crate::support::*;
use kubesim_model::build::{NodeBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::{ActionKind, NodeId};

/// Two 2-CPU nodes, node-2 cordoned until an uncordon at 120 s, and a Deployment `web` of
/// `replicas` pods asking 1 CPU each.
fn cordoned_node_2_uncordoned_at_120s(replicas: u32) -> kubesim_model::Scenario {
    let nodes = vec![
        NodeBuilder::new("node-1").allocatable("2", "8Gi", 110).build(),
        NodeBuilder::new("node-2").allocatable("2", "8Gi", 110).unschedulable().build(),
    ];
    scenario(
        nodes,
        vec![
            WorkloadBuilder::deployment(
                "web",
                replicas,
                SpecBuilder::new().requests("1", "1Gi").build(),
            )
            .build(),
        ],
        vec![(120, ActionKind::Uncordon { nodes: vec![NodeId(1)] })],
    )
}

#[test]
fn failed_scheduling_then_uncordon() {
    // Two 2-CPU nodes, node-2 cordoned; 3 pods asking 1 CPU each. node-1 takes two pods; the
    // third fails with one node out of CPU and one cordoned:
    //   "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. ..."
    // Uncordoning node-2 at 120 s is a cluster change that moves the pod back; its back-off
    // (1 s after its last failure) has long expired, so it is scheduled at once.
    let s = cordoned_node_2_uncordoned_at_120s(3);
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
        .map(|e| (e.time.0, e.node.to_string()))
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
fn pods_of_one_template_fail_alike_until_the_cluster_changes() {
    // The scheduler reuses a failed attempt for the next pod of the same template while
    // nothing the filters read has changed (kube-scheduler would compute the same failure
    // again); any change makes it look again. node-1 has room for two of five 1-CPU pods,
    // node-2 is cordoned: three pods fail at 0 s with the same message. The uncordon at 120 s
    // moves all three back (NodeUnschedulable's hint); a stale reuse would fail them again as
    // "cordoned". The first two fit node-2 one after the other, and the third sees node-2
    // full (a new message). It is tried again by the leftover flush: failed at 120 s,
    // unschedulable for > 5 min at the 450 s tick.
    let s = cordoned_node_2_uncordoned_at_120s(5);
    let out = kubesim_controllers::run(&s);
    let cordoned = "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.";
    let full = "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.";
    let failed: Vec<(u64, &str)> = events_of(&out, "FailedScheduling")
        .iter()
        .map(|(t, m)| {
            (
                *t,
                if m == cordoned {
                    "cordoned"
                } else if m == full {
                    "full"
                } else {
                    "?"
                },
            )
        })
        .collect();
    assert_eq!(
        failed,
        vec![
            (0, "cordoned"),
            (0, "cordoned"),
            (0, "cordoned"),
            (120_000, "full"),
            (450_000, "full")
        ]
    );
    let scheduled: Vec<(u64, &str)> = out
        .trace
        .events
        .iter()
        .filter(|e| e.reason == "Scheduled")
        .map(|e| (e.time.0, e.node))
        .collect();
    assert_eq!(
        scheduled,
        vec![(0, "node-1"), (0, "node-1"), (120_000, "node-2"), (120_000, "node-2")]
    );
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
    let msg = out.trace.events.iter().find(|e| e.reason == "FailedScheduling").unwrap().message;
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
    let msg = out.trace.events.iter().find(|e| e.reason == "FailedScheduling").unwrap().message;
    assert!(
        msg.starts_with("0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}."),
        "{msg}"
    );
}

#[test]
fn queueing_hints_move_only_pods_an_event_can_help() {
    // Two pods are created at 1 s: `picky` (its nodeSelector matches no node: rejected by
    // NodeAffinity) and `big` (2 CPUs; node-1 has 4, of which `filler`'s 2 x 1.5 CPU leave 1:
    // rejected by NodeResourcesFit). At 60 s `filler` is scaled down; the deleted pod exits
    // at 61 s and leaves, an AssignedPodDelete event. NodeResourcesFit's hint requeues `big`
    // (its 1 s back-off long over), which now fits in 2.5 free CPUs: scheduled at 61 s.
    // NodeAffinity's hint ignores pod deletions: `picky` waits for the 5-minute leftover
    // flush, the first 30 s tick more than 300 s after its failure at 1 s: 330 s.
    let nodes = vec![NodeBuilder::new("node-1").allocatable("4", "16Gi", 110).build()];
    let filler = SpecBuilder::new().requests("1500m", "1Gi").build();
    let big = SpecBuilder::new().requests("2", "1Gi").build();
    let picky = SpecBuilder::new().node_selector("disk", "ssd").build();
    let s = scenario(
        nodes,
        vec![
            WorkloadBuilder::deployment("filler", 2, filler).build(),
            WorkloadBuilder::deployment("big", 0, big).build(),
            WorkloadBuilder::deployment("picky", 0, picky).build(),
        ],
        vec![
            (1, ActionKind::Scale { workload: kubesim_model::WorkloadId(1), replicas: 1 }),
            (1, ActionKind::Scale { workload: kubesim_model::WorkloadId(2), replicas: 1 }),
            (60, ActionKind::Scale { workload: kubesim_model::WorkloadId(0), replicas: 1 }),
        ],
    );
    let out = kubesim_controllers::run(&s);
    let failed = |prefix: &str| -> Vec<u64> {
        out.trace
            .events
            .iter()
            .filter(|e| e.reason == "FailedScheduling" && e.name.starts_with(prefix))
            .map(|e| e.time.0)
            .collect()
    };
    assert_eq!(failed("big-"), vec![1_000]);
    assert_eq!(failed("picky-"), vec![1_000, 330_000]);
    let big_at: Vec<u64> = out
        .trace
        .events
        .iter()
        .filter(|e| e.reason == "Scheduled" && e.name.starts_with("big-"))
        .map(|e| e.time.0)
        .collect();
    assert_eq!(big_at, vec![61_000]);
}

#[test]
fn pod_anti_affinity_one_per_node() {
    // Required anti-affinity to its own app on kubernetes.io/hostname: 3 replicas, 2 nodes.
    // Two land on different nodes; the third finds an `app=web` pod on both nodes. Its own
    // anti-affinity rejects them (Unschedulable: preemption could help, but every pod has
    // priority 0).
    let nodes = vec![NodeBuilder::new("node-1").build(), NodeBuilder::new("node-2").build()];
    let mut spec = SpecBuilder::new().build();
    spec.pod_anti_affinity.required.push(kubesim_model::PodAffinityTerm {
        label_selector: Some(kubesim_model::LabelSelector::from_labels([("app", "web")])),
        topology_key: "kubernetes.io/hostname".into(),
        ..Default::default()
    });
    let s = scenario(nodes, vec![WorkloadBuilder::deployment("web", 3, spec).build()], vec![]);
    let out = kubesim_controllers::run(&s);
    let mut placed: Vec<String> = out
        .trace
        .events
        .iter()
        .filter(|e| e.reason == "Scheduled")
        .map(|e| e.node.to_string())
        .collect();
    placed.sort();
    assert_eq!(placed, ["node-1", "node-2"]);
    let msg = out.trace.events.iter().find(|e| e.reason == "FailedScheduling").unwrap().message;
    assert_eq!(
        msg,
        "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: \
         0/2 nodes are available: 2 No preemption victims found for incoming pod."
    );
}

#[test]
fn pod_affinity_waits_for_its_peer_then_follows_it() {
    // `web` requires an `app=cache` pod on the same node. At t=0 there is none anywhere: the
    // node has no matching pod and web is not a cache itself, so it is Pending
    // ("didn't match pod affinity rules", unresolvable: preemption is not helpful). At 60 s a
    // cache pod is scheduled (on the emptier of the two nodes); binding it is an
    // AssignedPodAdd that InterPodAffinity's hint takes as a reason to retry, and web follows
    // it to the same node at 60 s.
    let nodes = vec![NodeBuilder::new("node-1").build(), NodeBuilder::new("node-2").build()];
    let mut web = SpecBuilder::new().build();
    web.pod_affinity.required.push(kubesim_model::PodAffinityTerm {
        label_selector: Some(kubesim_model::LabelSelector::from_labels([("app", "cache")])),
        topology_key: "kubernetes.io/hostname".into(),
        ..Default::default()
    });
    let s = scenario(
        nodes,
        vec![
            WorkloadBuilder::deployment("web", 1, web).build(),
            WorkloadBuilder::deployment("cache", 0, SpecBuilder::new().build()).build(),
        ],
        vec![(60, ActionKind::Scale { workload: kubesim_model::WorkloadId(1), replicas: 1 })],
    );
    let out = kubesim_controllers::run(&s);
    let failed: Vec<_> =
        out.trace.events.iter().filter(|e| e.reason == "FailedScheduling").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].message,
        "0/2 nodes are available: 2 node(s) didn't match pod affinity rules. preemption: 0/2 \
         nodes are available: 2 Preemption is not helpful for scheduling."
    );
    let sched: Vec<_> = out
        .trace
        .events
        .iter()
        .filter(|e| e.reason == "Scheduled")
        .map(|e| (e.time.0, e.name.split('-').next().unwrap().to_string(), e.node.to_string()))
        .collect();
    assert_eq!(sched.len(), 2);
    assert_eq!((sched[0].0, sched[0].1.as_str()), (60_000, "cache"));
    assert_eq!((sched[1].0, sched[1].1.as_str()), (60_000, "web"));
    assert_eq!(sched[0].2, sched[1].2, "web follows the cache pod to its node");
}

#[test]
fn host_ports_keep_pods_apart() {
    // Two replicas asking for hostPort 8080 and one node: the second finds the port taken.
    let nodes = vec![NodeBuilder::new("node-1").build()];
    let mut spec = SpecBuilder::new().build();
    spec.host_ports.push(kubesim_model::HostPort {
        port: 8080,
        protocol: "TCP".into(),
        host_ip: String::new(),
    });
    let s = scenario(nodes, vec![WorkloadBuilder::deployment("proxy", 2, spec).build()], vec![]);
    let out = kubesim_controllers::run(&s);
    let msg = out.trace.events.iter().find(|e| e.reason == "FailedScheduling").unwrap().message;
    assert_eq!(
        msg,
        "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. \
         preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );
}

#[test]
fn image_locality_prefers_the_node_with_the_image() {
    // Three equal nodes; only node-2 holds the pod's 900 MiB image. ImageLocality scores it
    // 900 MiB x 1/3 nodes = 300 MiB -> 100 x (300 - 23) / (1000 - 23) = 28 (weight 1), the
    // others 0; every other score is equal, so the pod lands on node-2.
    let nodes = vec![
        NodeBuilder::new("node-1").build(),
        NodeBuilder::new("node-2").image("big:1").build(),
        NodeBuilder::new("node-3").build(),
    ];
    let spec = SpecBuilder::new().image("big:1").build();
    let mut s = scenario(nodes, vec![WorkloadBuilder::deployment("app", 1, spec).build()], vec![]);
    s.cluster.image_sizes.insert("big:1".into(), 900 << 20);
    let out = kubesim_controllers::run(&s);
    let e = out.trace.events.iter().find(|e| e.reason == "Scheduled").unwrap();
    assert_eq!(e.node, "node-2");
    // The same attempt through explain: ImageLocality's raw scores are 0, 28, 0.
    let req = kubesim_controllers::scheduler::explain::ExplainRequest {
        pod: "app-".into(),
        at: kubesim_engine::SimTime::ZERO,
    };
    let rec = kubesim_controllers::Simulation::new(&s).explain(req).expect("an attempt");
    let image: Vec<(String, i64)> = rec
        .nodes
        .iter()
        .map(|n| {
            let sc = n.scores.iter().find(|s| s.plugin == "ImageLocality").unwrap();
            (n.node.to_string(), sc.raw)
        })
        .collect();
    let mut image = image;
    image.sort();
    assert_eq!(image, [("node-1".into(), 0), ("node-2".into(), 28), ("node-3".into(), 0)]);
}

#[test]
fn node_changes_reach_the_scheduler() {
    // `ssd` needs a node labelled disk=ssd and `huge` 6 CPUs; node-1 (4 CPUs) has neither, so
    // both fail at 0 s (NodeAffinity, NodeResourcesFit) and back off for 1 s. Still at 0 s,
    // node-1 is labelled disk=ssd through the API (a NodeUpdate): NodeAffinity's hint
    // requeues `ssd`, to backoffQ until 1 s, and it is scheduled at 1 s; `huge` stays (the
    // update did not grow node-1). At 1 s an 8-CPU node is added (NodeAdd):
    // NodeResourcesFit's hint sees a node big enough and `huge`, its back-off over, is
    // scheduled there at once.
    use kubesim_controllers::{Simulation, api};
    use kubesim_engine::SimTime;
    let nodes = vec![NodeBuilder::new("node-1").allocatable("4", "16Gi", 110).build()];
    let ssd = SpecBuilder::new().node_selector("disk", "ssd").build();
    let huge = SpecBuilder::new().requests("6", "1Gi").build();
    let s = scenario(
        nodes,
        vec![
            WorkloadBuilder::deployment("ssd", 1, ssd).build(),
            WorkloadBuilder::deployment("huge", 1, huge).build(),
        ],
        vec![],
    );
    let mut sim = Simulation::new(&s);
    let idle = |sim: &mut Simulation| {
        while sim.world.queue.peek_time().is_some_and(|t| t <= sim.world.now) {
            sim.step();
        }
    };
    idle(&mut sim);
    let scheduled = |sim: &Simulation, prefix: &str| {
        sim.world
            .trace
            .events
            .iter()
            .find(|e| e.reason == "Scheduled" && e.name.starts_with(prefix))
            .map(|e| (e.time, e.node.to_string()))
    };
    assert_eq!(scheduled(&sim, "ssd-"), None);
    assert_eq!(sim.world.now, SimTime(0));
    api::update_node(&mut sim.world, NodeId(0), |n| {
        n.meta.labels.insert("disk".into(), "ssd".into());
    });
    while sim.world.queue.peek_time().is_some_and(|t| t <= SimTime(1000)) {
        sim.step();
    }
    assert_eq!(scheduled(&sim, "ssd-"), Some((SimTime(1000), "node-1".into())));
    assert_eq!(scheduled(&sim, "huge-"), None);
    let big = NodeBuilder::new("node-2").allocatable("8", "16Gi", 110).build();
    api::add_node(&mut sim.world, big);
    idle(&mut sim);
    assert_eq!(scheduled(&sim, "huge-"), Some((SimTime(1000), "node-2".into())));
}
