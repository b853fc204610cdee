//! Node health at scale: what a run costs when nothing happens, and when a zone fails.
//!
//! - `idle_24h`: 5,000 nodes in 3 zones, 15,000 pods running from t = 0 (50 ReplicaSets of
//!   300), 24 simulated hours, no fault. Heartbeats are not events and the node lifecycle
//!   controller has nothing to look at, so the run processes (almost) no event: target well
//!   under 1 s.
//! - `zone_failure_24h`: the same, with the 1,667 nodes of zone `a` losing power at 1 h. The
//!   zone turns FullDisruption (the others stay Normal, so it keeps the 0.1/s rate): one node
//!   tainted every 10 s for 4.6 hours, its 5,001 pods evicted 300 s after their node's taint and
//!   replaced on the other zones.
//!
//! Before measuring, each case is run once and its figures printed (events processed,
//! simulated time, wall time). Run with `cargo bench -p kubesim-controllers --bench
//! node_health`.

#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use kubesim_controllers::Simulation;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::build::{NodeBuilder, SpecBuilder};
use kubesim_model::workload::{WorkloadSpec, WorkloadStatus};
use kubesim_model::{
    Action, ActionKind, BehaviourId, Cluster, CondStatus, ContainerState, ContainerStatus, Kind,
    LabelSelector, Meta, NodeId, OutageMode, Params, Pod, PodConditionType, PodPhase, PodStatus,
    PodTemplate, Scenario, Workload, WorkloadId,
};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

const NODES: usize = 5_000;
const ZONES: [&str; 3] = ["a", "b", "c"];
const SETS: usize = 50;
const PODS_PER_SET: usize = 300;

/// A Running, Ready pod bound at t = 0 (as a cluster dump would start it).
fn running_pod(
    name: String,
    labels: kubesim_model::Labels,
    spec: Arc<kubesim_model::PodSpec>,
    node: NodeId,
) -> Pod {
    let t0 = SimTime::ZERO;
    let mut status =
        PodStatus { phase: PodPhase::Running, start_time: Some(t0), ..PodStatus::default() };
    for t in [
        PodConditionType::PodScheduled,
        PodConditionType::PodReadyToStartContainers,
        PodConditionType::Initialized,
        PodConditionType::ContainersReady,
        PodConditionType::Ready,
    ] {
        status.set_condition(t, CondStatus::True, t0, "", "");
    }
    status.container_statuses = spec
        .containers
        .iter()
        .map(|c| ContainerStatus {
            name: c.name.clone(),
            image: c.image.clone(),
            state: ContainerState::Running { started_at: t0 },
            ready: true,
            started: true,
            restart_count: 0,
            last_state: None,
        })
        .collect();
    Pod {
        meta: Meta {
            name,
            namespace: "default".into(),
            uid: String::new(),
            labels: labels.into(),
            generation: 1,
            ..Meta::default()
        },
        spec,
        node: Some(node),
        status,
        ready_since: Some(t0),
        removed: None,
        behaviour: BehaviourId(0),
        ephemeral_containers: Vec::new(),
    }
}

fn cluster() -> Cluster {
    let mut c = Cluster::new();
    for i in 0..NODES {
        let zone = ZONES[i * ZONES.len() / NODES];
        c.add_node(NodeBuilder::new(&format!("{zone}-{i}")).zone(zone).image("nginx:1.25").build());
    }
    let mut node = 0;
    for s in 0..SETS {
        let name = format!("rs-{s}");
        let labels: kubesim_model::Labels = [("app".to_string(), name.clone())].into();
        // Pods carry the default 300 s tolerations, as admission gives them.
        let mut spec = SpecBuilder::new().requests("100m", "64Mi").build();
        for key in [kubesim_model::TAINT_NOT_READY, kubesim_model::TAINT_UNREACHABLE] {
            spec.tolerations.push(kubesim_model::Toleration {
                key: key.into(),
                operator: kubesim_model::TolerationOperator::Exists,
                value: String::new(),
                effect: Some(kubesim_model::TaintEffect::NoExecute),
                toleration_seconds: Some(300),
            });
        }
        let spec = Arc::new(spec);
        let id: WorkloadId = c.add_workload(Workload {
            meta: Meta {
                name: name.clone(),
                namespace: "default".into(),
                uid: format!("rs-{s}"),
                labels: labels.clone().into(),
                generation: 1,
                ..Meta::default()
            },
            kind: Kind::ReplicaSet,
            replicas: PODS_PER_SET as u32,
            selector: LabelSelector { match_labels: labels.clone(), match_expressions: vec![] },
            template: PodTemplate {
                labels: labels.clone().into(),
                annotations: Default::default(),
                spec: Arc::clone(&spec),
            },
            min_ready_seconds: 0,
            spec: WorkloadSpec::ReplicaSet { template_hash: None },
            owner: None,
            status: WorkloadStatus::default(),
            behaviour: BehaviourId(0),
            progressing: None,
        });
        for p in 0..PODS_PER_SET {
            let pod = running_pod(
                format!("{name}-{p}"),
                labels.clone(),
                Arc::clone(&spec),
                NodeId(node as u32),
            );
            c.add_pod(pod, Some(id));
            // Interleave zones so every set spreads over all three.
            node = (node + 1667) % NODES;
        }
    }
    c
}

fn scenario(fail_zone_a: bool) -> Scenario {
    let cluster = cluster();
    let mut actions = Vec::new();
    if fail_zone_a {
        let nodes: Vec<NodeId> = (0..cluster.nodes.len())
            .filter(|&i| cluster.nodes[i].zone.as_deref() == Some("a"))
            .map(|i| NodeId(i as u32))
            .collect();
        assert_eq!(nodes.len(), 1_667);
        actions.push(Action {
            at: SimTime::ZERO + SimDuration::from_hours(1),
            kind: ActionKind::ZoneOutage { zone: "a".into(), nodes, mode: OutageMode::Crash },
            label: "zone-outage a".into(),
        });
    }
    Scenario {
        name: "bench".into(),
        seed: 1,
        duration: SimDuration::from_hours(24),
        params: Params::default(),
        cluster,
        actions,
        expectations: vec![],
        notes: vec![],
    }
}

fn report(name: &str, s: &Scenario) {
    let t = Instant::now();
    let out = Simulation::new(s).run();
    let wall = t.elapsed();
    let count = |reason: &str, prefix: &str| {
        out.trace
            .events
            .iter()
            .filter(|e| e.reason == reason && e.message.starts_with(prefix))
            .count()
    };
    let evictions = count("TaintManagerEviction", "Marking");
    let cancelled = count("TaintManagerEviction", "Cancelling");
    println!(
        "{name}: {} nodes, {} pods, 24h simulated in {:.3} s wall; {} events processed, {} trace events, {} taint evictions ({} cancelled)",
        s.cluster.nodes.len(),
        s.cluster.pods.len(),
        wall.as_secs_f64(),
        out.trace.events_processed,
        out.trace.events.len(),
        evictions,
        cancelled,
    );
}

fn node_health(c: &mut Criterion) {
    let idle = scenario(false);
    let failing = scenario(true);
    report("idle_24h", &idle);
    report("zone_failure_24h", &failing);
    let mut g = c.benchmark_group("node_health");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("idle_24h", |b| {
        b.iter(|| black_box(Simulation::new(&idle).run().trace.events_processed))
    });
    g.bench_function("zone_failure_24h", |b| {
        b.iter(|| black_box(Simulation::new(&failing).run().trace.events_processed))
    });
    g.finish();
}

criterion_group!(benches, node_health);
criterion_main!(benches);
