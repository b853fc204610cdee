//! A managed node-pool upgrade at scale: a 3-zone pool of `N` nodes (8 CPU), 30 Deployments of
//! `N / 10` replicas each with a PDB (`maxUnavailable: 10%`), and a DaemonSet; at 5 minutes
//! the pool is upgraded with `maxSurge: 10%` (new nodes up after 1-3 minutes). The whole run
//! (initial rollout, then every batch: provisioning, cordon, drains with evictions refused and
//! retried, replacements, node deletions) is timed; throughput is events processed.

#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kubesim_engine::{Dist, SimDuration, SimTime};
use kubesim_model::build::{PdbBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::{
    Action, ActionKind, Cluster, DrainTimeoutBehaviour, IntOrPercent, NodePool, Params, Resources,
    Scenario, UpgradeSettings,
};
use std::hint::black_box;

fn scenario(nodes: u32) -> Scenario {
    let mut c = Cluster::new();
    let pool = NodePool {
        name: "pool".into(),
        zones: vec!["a".into(), "b".into(), "c".into()],
        allocatable: Resources {
            cpu_milli: 8000,
            memory: 32 << 30,
            ephemeral_storage: 0,
            pods: 110,
        },
        labels: Default::default(),
        region: None,
        taints: vec![],
        images: Default::default(),
        next_index: nodes + 1,
    };
    for i in 1..=nodes {
        let uid = c.new_uid();
        c.add_node(pool.make_node(&format!("pool-{i}"), pool.zone_of(i), uid, SimTime::ZERO));
    }
    c.pools.push(pool);
    for i in 0..30 {
        let name = format!("app{i}");
        let spec = SpecBuilder::new().requests("250m", "256Mi").image(&format!("img:{i}")).build();
        c.add_workload(WorkloadBuilder::deployment(&name, nodes / 10, spec).build());
        c.add_pdb(PdbBuilder::new(&name, &name).max_unavailable(IntOrPercent::Percent(10)).build());
    }
    c.add_workload(
        WorkloadBuilder::daemonset("agent", SpecBuilder::new().requests("50m", "64Mi").build())
            .build(),
    );
    let b = &mut c.behaviours[0];
    b.image_pull =
        Dist::Uniform { min: SimDuration::from_secs(2), max: SimDuration::from_secs(20) };
    b.ready = Dist::Uniform { min: SimDuration::from_secs(5), max: SimDuration::from_secs(30) };
    b.shutdown = Dist::Uniform { min: SimDuration::from_secs(1), max: SimDuration::from_secs(20) };
    let settings = UpgradeSettings {
        max_surge: IntOrPercent::Percent(10),
        max_unavailable: IntOrPercent::Int(0),
        provisioning: Dist::Uniform {
            min: SimDuration::from_mins(1),
            max: SimDuration::from_mins(3),
        },
        drain_timeout: DrainTimeoutBehaviour::RespectPdb,
    };
    Scenario {
        name: "bench".into(),
        seed: 1,
        duration: SimDuration::from_hours(6),
        params: Params::default(),
        cluster: c,
        actions: vec![Action {
            at: SimTime(300_000),
            kind: ActionKind::UpgradePool { pool: "pool".into(), settings },
            label: "upgrade-pool pool".into(),
        }],
        expectations: vec![],
        notes: vec![],
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("upgrade");
    g.sample_size(10);
    for nodes in [30u32, 300] {
        let s = scenario(nodes);
        let events = kubesim_controllers::run(&s).trace.events_processed;
        g.throughput(Throughput::Elements(events));
        g.bench_with_input(BenchmarkId::from_parameter(nodes), &s, |b, s| {
            b.iter(|| black_box(kubesim_controllers::run(s)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
