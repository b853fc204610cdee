//! A profiling fixture for issue 11: a fleet-shaped cluster and a managed surge upgrade of
//! every pool, run once, printing wall time and events processed.
//!
//! `cargo run --release -p kubesim-controllers --example fleet_upgrade -- NODES
//! [PODS_PER_NODE] [idle|outage] [HOURSh] [noprobe]`: `NODES` nodes in 3 pools over 3 zones (8 CPU,
//! 110 pods), 50 Deployments with a zone spread constraint (maxSkew 1, ScheduleAnyway), a
//! readiness probe (every 10 s) and a PDB each (`maxUnavailable: 10%`), sized to
//! `PODS_PER_NODE − 1` pods per node (default 30), and a DaemonSet. At 10 minutes every pool is
//! upgraded with `maxSurge: 10%` (new nodes up after 1-3 minutes); the run lasts 6 hours. With
//! `idle` there is no upgrade and the run lasts 24 hours (the pods are created by their
//! Deployments at t = 0, then nothing happens); with `outage` zone `a` loses power at 1 hour
//! and the run lasts 2 hours; `HOURSh` (e.g. `2h`) sets another duration;
//! `noprobe` leaves the readiness probes out. Large runs stay out of `cargo test`; measure them
//! with `/usr/bin/time -v` or `perf record -g`.

#![allow(missing_docs)]

use kubesim_engine::{Dist, SimDuration, SimTime};
use kubesim_model::build::{PdbBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::pod::WhenUnsatisfiable;
use kubesim_model::{
    Action, ActionKind, Cluster, DrainTimeoutBehaviour, IntOrPercent, LABEL_ZONE, LabelSelector,
    NodeId, NodePool, OutageMode, Params, ProbeKind, Resources, Scenario, TopologySpreadConstraint,
    UpgradeSettings,
};
use std::time::Instant;

const POOLS: u32 = 3;
const DEPLOYMENTS: u32 = 50;

fn scenario(
    nodes: u32,
    pods_per_node: u32,
    mode: &str,
    hours: Option<u64>,
    probe: bool,
) -> Scenario {
    let idle = mode != "upgrade";
    let mut c = Cluster::new();
    let per_pool = nodes / POOLS;
    for p in 0..POOLS {
        let pool = NodePool {
            name: format!("pool{p}"),
            zones: vec!["a".into(), "b".into(), "c".into()],
            allocatable: Resources {
                cpu_milli: 8000,
                memory: 64 << 30,
                ephemeral_storage: 0,
                pods: 110,
            },
            labels: Default::default(),
            region: None,
            taints: vec![],
            images: Default::default(),
            next_index: per_pool + 1,
        };
        for i in 1..=per_pool {
            let uid = c.new_uid();
            let name = format!("{}-{i}", pool.name);
            c.add_node(pool.make_node(&name, pool.zone_of(i), uid, SimTime::ZERO));
        }
        c.pools.push(pool);
    }
    let replicas = (per_pool * POOLS) * (pods_per_node - 1) / DEPLOYMENTS;
    for i in 0..DEPLOYMENTS {
        let name = format!("app{i}");
        let mut spec = SpecBuilder::new().requests("200m", "256Mi").image(&format!("img:{i}"));
        if probe {
            spec = spec.probe(ProbeKind::Readiness, 10, 3);
        }
        let mut spec = spec.build();
        spec.topology_spread_constraints.push(TopologySpreadConstraint {
            max_skew: 1,
            topology_key: "topology.kubernetes.io/zone".into(),
            when_unsatisfiable: WhenUnsatisfiable::ScheduleAnyway,
            label_selector: Some(LabelSelector::from_labels([("app", name.as_str())])),
            min_domains: None,
            node_affinity_policy: None,
            node_taints_policy: None,
            match_label_keys: vec![],
        });
        c.add_workload(WorkloadBuilder::deployment(&name, replicas, spec).build());
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
    let zone_a: Vec<NodeId> = (0..c.nodes.len())
        .map(|i| NodeId(i as u32))
        .filter(|n| c.nodes[n.index()].meta.labels.get(LABEL_ZONE).is_some_and(|z| z == "a"))
        .collect();
    let actions = if mode == "outage" {
        vec![Action {
            at: SimTime(3_600_000),
            kind: ActionKind::ZoneOutage {
                zone: "a".into(),
                nodes: zone_a,
                mode: OutageMode::Crash,
            },
            label: "zone-outage a".into(),
        }]
    } else if idle {
        vec![]
    } else {
        (0..POOLS)
            .map(|p| Action {
                at: SimTime(600_000),
                kind: ActionKind::UpgradePool {
                    pool: format!("pool{p}"),
                    settings: settings.clone(),
                },
                label: format!("upgrade-pool pool{p}"),
            })
            .collect()
    };
    Scenario {
        name: "fleet".into(),
        seed: 1,
        duration: SimDuration::from_hours(hours.unwrap_or(match mode {
            "idle" => 24,
            "outage" => 2,
            _ => 6,
        })),
        params: Params::default(),
        cluster: c,
        actions,
        expectations: vec![],
        notes: vec![],
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let nodes: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(300);
    let ppn: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(30).max(2);
    let mode = ["idle", "outage"].into_iter().find(|m| args.iter().any(|a| a == m));
    let mode = mode.unwrap_or("upgrade");
    let hours = args.iter().find_map(|a| a.strip_suffix('h')?.parse().ok());
    let probe = !args.iter().any(|a| a == "noprobe");
    let s = scenario(nodes, ppn, mode, hours, probe);
    let t = Instant::now();
    let out = kubesim_controllers::run(&s);
    let secs = t.elapsed().as_secs_f64();
    let pods = out.cluster.pods.len();
    println!(
        "nodes {nodes} pods/node {ppn} {mode}: {secs:.2} s, {} events processed, {} trace events, {} metrics rows, {pods} pod objects, end {:?}",
        out.trace.events_processed,
        out.trace.events.len(),
        out.trace.metrics.len(),
        out.trace.end,
    );
    for u in &out.trace.upgrades {
        println!("  {} {:?} end {:?}", u.pool, u.outcome, u.end);
    }
}
