//! Deployments and StatefulSets keeping their pods, with default timings (pull 5 s, start
//! 1 s, ready 2 s, shutdown 1 s; all constants). The containers have no readiness probe, so
//! the kubelet reports them ready as soon as they run (the `ready` timing only matters to
//! probes).

use crate::support::*;
use kubesim_model::build::{NodeBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::workload::PodManagementPolicy;
use kubesim_model::{ActionKind, LabelSelector, Pick, PodPhase, PodTarget};

fn three_nodes() -> Vec<kubesim_model::Node> {
    ["a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(i, z)| NodeBuilder::new(&format!("node-{}", i + 1)).zone(z).build())
        .collect()
}

#[test]
fn deployment_starts_three_replicas() {
    // t=0: the Deployment creates its ReplicaSet and scales it to 3; the ReplicaSet creates
    // 3 pods; the scheduler spreads them (LeastAllocated prefers the emptier node) and binds.
    // Each kubelet pulls nginx (5 s), creates the container, which starts 1 s later (6 s);
    // without a readiness probe it is ready at once (6 s).
    let s = scenario(
        three_nodes(),
        vec![
            WorkloadBuilder::deployment(
                "web",
                3,
                SpecBuilder::new().requests("500m", "256Mi").build(),
            )
            .build(),
        ],
        vec![],
    );
    let out = kubesim_controllers::run(&s);
    assert_eq!(times_of(&out, "ScalingReplicaSet"), vec![0]);
    assert_eq!(times_of(&out, "SuccessfulCreate"), vec![0, 0, 0]);
    assert_eq!(times_of(&out, "Scheduled"), vec![0, 0, 0]);
    assert_eq!(times_of(&out, "Pulling"), vec![0, 0, 0]);
    assert_eq!(times_of(&out, "Pulled"), vec![5000, 5000, 5000]);
    assert_eq!(times_of(&out, "Started"), vec![6000, 6000, 6000]);
    // One pod per node: the requests make each used node score lower.
    let mut nodes: Vec<_> = out
        .trace
        .events
        .iter()
        .filter(|e| e.reason == "Scheduled")
        .map(|e| e.node.to_string())
        .collect();
    nodes.sort();
    assert_eq!(nodes, vec!["node-1", "node-2", "node-3"]);
    let d = deployment_ref("web");
    assert_eq!(metric(&out, &format!("{d}:ready"), 5999), 0);
    assert_eq!(metric(&out, &format!("{d}:ready"), 6000), 3);
    assert_eq!(metric(&out, "pods_pending", 5999), 3);
    assert_eq!(metric(&out, "pods_pending", 6000), 0);
    let live: Vec<_> = out.cluster.live_pods().collect();
    assert_eq!(live.len(), 3);
    assert!(live.iter().all(|p| out.cluster.pods[p.index()].status.phase == PodPhase::Running));
}

#[test]
fn deleted_pod_is_replaced_while_it_terminates() {
    // At 60 s one pod is deleted with the default 30 s grace. The ReplicaSet counts only
    // active pods, so the replacement is created at once (60 s) and scheduled; the image is
    // already on its node ("already present"), so it starts and is ready at 61 s.
    // The old pod's app exits 1 s after SIGTERM: it is gone at 61 s.
    let sel = LabelSelector::from_labels([("app", "web")]);
    let target = PodTarget::Selector {
        namespace: "default".into(),
        selector: sel,
        node: None,
        count: 1,
        pick: Pick::Oldest,
    };
    let s = scenario(
        three_nodes(),
        vec![
            WorkloadBuilder::deployment(
                "web",
                3,
                SpecBuilder::new().requests("500m", "256Mi").build(),
            )
            .build(),
        ],
        vec![(60, ActionKind::DeletePod { target, grace_period_seconds: None, force: false })],
    );
    let out = kubesim_controllers::run(&s);
    assert_eq!(times_of(&out, "Killing"), vec![60_000]);
    assert_eq!(times_of(&out, "SuccessfulCreate"), vec![0, 0, 0, 60_000]);
    let d = deployment_ref("web");
    // Ready replicas: 3 -> 2 when the pod is deleted (terminating pods are not active) -> 3.
    assert_eq!(metric(&out, &format!("{d}:ready"), 59_999), 3);
    assert_eq!(metric(&out, &format!("{d}:ready"), 60_000), 2);
    assert_eq!(metric(&out, &format!("{d}:ready"), 60_999), 2);
    assert_eq!(metric(&out, &format!("{d}:ready"), 61_000), 3);
    let pulled: Vec<_> =
        out.trace.events.iter().filter(|e| e.reason == "Pulled" && e.time.0 == 60_000).collect();
    assert_eq!(pulled.len(), 1);
    assert!(pulled[0].message.contains("already present on machine"), "{}", pulled[0].message);
    // The deleted pod object is removed when its container has stopped.
    let removed: Vec<_> = out.cluster.pods.iter().filter_map(|p| p.removed).collect();
    assert_eq!(removed, vec![kubesim_engine::SimTime(61_000)]);
}

#[test]
fn scale_down_deletes_in_rank_order() {
    // Scale 3 -> 1 at 30 s: the Deployment scales its ReplicaSet ("Scaled down ... from 3
    // to 1") and the ReplicaSet deletes two pods at once (all three rank equal but for uid).
    let s = scenario(
        three_nodes(),
        vec![WorkloadBuilder::deployment("web", 3, SpecBuilder::new().build()).build()],
        vec![(30, ActionKind::Scale { workload: kubesim_model::WorkloadId(0), replicas: 1 })],
    );
    let out = kubesim_controllers::run(&s);
    assert_eq!(times_of(&out, "SuccessfulDelete"), vec![30_000, 30_000]);
    let scaling: Vec<_> = out
        .trace
        .events
        .iter()
        .filter(|e| e.reason == "ScalingReplicaSet")
        .map(|e| e.message.to_string())
        .collect();
    assert_eq!(scaling.len(), 2);
    assert!(
        scaling[1].starts_with("Scaled down replica set web-")
            && scaling[1].ends_with("from 3 to 1"),
        "{}",
        scaling[1]
    );
    assert_eq!(out.cluster.live_pods().count(), 1);
}

#[test]
fn statefulset_ordered_ready_creates_one_at_a_time() {
    // OrderedReady: db-0 at 0 s (ready at 6 s: pull 5 s + start 1 s, no readiness probe),
    // db-1 at 6 s, db-2 after db-1 is ready. Names are stable ordinals.
    let s = scenario(
        three_nodes(),
        vec![
            WorkloadBuilder::statefulset(
                "db",
                3,
                SpecBuilder::new().requests("1", "1Gi").build(),
                PodManagementPolicy::OrderedReady,
            )
            .build(),
        ],
        vec![],
    );
    let out = kubesim_controllers::run(&s);
    let creates: Vec<_> = out
        .trace
        .events
        .iter()
        .filter(|e| e.reason == "SuccessfulCreate")
        .map(|e| (e.time.0, e.message.to_string()))
        .collect();
    assert_eq!(creates[0], (0, "create Pod db-0 in StatefulSet db successful".to_string()));
    // Each pod lands on an empty node (LeastAllocated), so each pulls: ready 6 s after create.
    assert_eq!(creates[1], (6_000, "create Pod db-1 in StatefulSet db successful".to_string()));
    assert_eq!(creates[2], (12_000, "create Pod db-2 in StatefulSet db successful".to_string()));
    assert_eq!(creates.len(), 3);
}
