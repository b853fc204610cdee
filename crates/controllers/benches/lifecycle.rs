//! Pod lifecycle at scale: how much simulated work probes and crash loops cost.
//!
//! - `probes/1000`: a 1000-replica Deployment on 20 nodes whose containers have startup,
//!   liveness and readiness probes (period 10 s), one simulated hour; at 20 min the readiness
//!   of 100 pods fails for 10 min. Probe workers wake only when a probe can change something,
//!   so the healthy hour costs little beyond the start-up.
//! - `crashloop/1000`: the same Deployment without probes, every container crashing 1 s after
//!   each start (CrashLoopBackOff up to 300 s), one simulated hour.
//!
//! Each iteration is a whole run (setup included); the throughput is the run's queue events.

#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubesim_engine::{Dist, SimDuration, SimTime};
use kubesim_model::build::{NodeBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::{
    Action, ActionKind, Cluster, Crash, CrashChance, Fault, LabelSelector, Params, Pick, PodTarget,
    ProbeKind, ProbeKinds, Scenario,
};
use std::hint::black_box;

fn scenario(probes: bool, crash: bool) -> Scenario {
    let mut cluster = Cluster::new();
    for i in 0..20 {
        cluster.add_node(
            NodeBuilder::new(&format!("n{i}"))
                .allocatable("64", "256Gi", 110)
                .image("nginx:1.25")
                .build(),
        );
    }
    let mut spec = SpecBuilder::new().requests("100m", "64Mi");
    if probes {
        spec = spec.probe(ProbeKind::Startup, 10, 30).probe(ProbeKind::Liveness, 10, 3).probe(
            ProbeKind::Readiness,
            10,
            3,
        );
    }
    cluster.add_workload(WorkloadBuilder::deployment("web", 1000, spec.build()).build());
    if crash {
        cluster.behaviours[0].crash = Some(Crash {
            chance: CrashChance::Always,
            after: Dist::Constant(SimDuration::from_secs(1)),
            code: 1,
        });
    }
    let mut actions = Vec::new();
    if probes {
        let target = PodTarget::Selector {
            namespace: "default".into(),
            selector: LabelSelector::from_labels([("app", "web")]),
            node: None,
            count: 100,
            pick: Pick::Oldest,
        };
        let fault = Fault {
            container: None,
            duration: Some(SimDuration::from_mins(10)),
            probes: ProbeKinds(ProbeKind::Readiness.bit()),
            timeout: false,
            until_restart: false,
        };
        actions.push(Action {
            at: SimTime(20 * 60_000),
            kind: ActionKind::MakeUnhealthy { target, fault },
            label: "make-unhealthy".into(),
        });
    }
    Scenario {
        name: "bench".into(),
        seed: 1,
        duration: SimDuration::from_hours(1),
        params: Params::default(),
        cluster,
        actions,
        expectations: vec![],
        notes: vec![],
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("lifecycle");
    g.sample_size(10);
    for (name, s) in
        [("probes/1000", scenario(true, false)), ("crashloop/1000", scenario(false, true))]
    {
        let events = kubesim_controllers::run(&s).trace.events_processed;
        g.throughput(Throughput::Elements(events));
        g.bench_function(name, |b| b.iter(|| black_box(kubesim_controllers::run(black_box(&s)))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
