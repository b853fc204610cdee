//! kube-scheduler throughput: 150,000 pending pods of 50 Deployments onto 5,000 nodes in 3
//! zones. Every pod spreads over zones (`maxSkew: 1`, DoNotSchedule: a filter) and over nodes
//! (`kubernetes.io/hostname`, `maxSkew: 1`, ScheduleAnyway: a score), the pattern the
//! Kubernetes docs recommend.
//!
//! One iteration is one scheduler run that binds all 150,000 pods (queue, PreFilter, filters on
//! ~500+ nodes per pod as `numFeasibleNodesToFind` asks for 10 % of 5,000, scores, bind through
//! the API with its event). Building the cluster is not timed. Before criterion's statistics, a
//! first run prints pods per second and the process's peak memory (`VmHWM`), and checks that
//! every pod is bound and no zone skew exceeds 1.
//!
//! `cargo bench -p kubesim-controllers --bench scheduling`

#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kubesim_controllers::scheduler::Scheduler;
use kubesim_controllers::world::World;
use kubesim_engine::RngStreams;
use kubesim_model::build::{NodeBuilder, SpecBuilder};
use kubesim_model::pod::{TopologySpreadConstraint, WhenUnsatisfiable};
use kubesim_model::{
    Cluster, LABEL_HOSTNAME, LABEL_ZONE, LabelSelector, Meta, Params, Pod, PodId, PodStatus,
};

const ZONES: [&str; 3] = ["zone-a", "zone-b", "zone-c"];
const DEPLOYMENTS: usize = 50;

/// `KUBESIM_BENCH_SCALE=n` divides nodes and pods by `n` (for profiling under valgrind).
fn scale() -> usize {
    std::env::var("KUBESIM_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1).max(1)
}

fn num_nodes() -> usize {
    5_000 / scale()
}

fn num_pods() -> usize {
    150_000 / scale() / DEPLOYMENTS * DEPLOYMENTS
}

fn spread(key: &str, when: WhenUnsatisfiable, app: &str) -> TopologySpreadConstraint {
    TopologySpreadConstraint {
        max_skew: 1,
        topology_key: key.to_string(),
        when_unsatisfiable: when,
        label_selector: Some(LabelSelector::from_labels([("app", app)])),
        min_domains: None,
        node_affinity_policy: None,
        node_taints_policy: None,
        match_label_keys: Vec::new(),
    }
}

/// The world before the run: nodes, and every pod created and waiting for the scheduler.
fn world() -> World {
    let mut c = Cluster::new();
    for i in 0..num_nodes() {
        c.add_node(
            NodeBuilder::new(&format!("node-{i}"))
                .zone(ZONES[i % ZONES.len()])
                .allocatable("32", "128Gi", 110)
                .build(),
        );
    }
    let per = num_pods() / DEPLOYMENTS;
    let mut new_pods = Vec::with_capacity(num_pods());
    for d in 0..DEPLOYMENTS {
        let app = format!("app-{d}");
        let mut spec = SpecBuilder::new().requests("100m", "128Mi").build();
        spec.topology_spread_constraints = vec![
            spread(LABEL_ZONE, WhenUnsatisfiable::DoNotSchedule, &app),
            spread(LABEL_HOSTNAME, WhenUnsatisfiable::ScheduleAnyway, &app),
        ];
        let spec = Arc::new(spec);
        for i in 0..per {
            let labels = [
                ("app".to_string(), app.clone()),
                ("pod-template-hash".to_string(), format!("h{d}")),
            ]
            .into();
            let pod = Pod {
                meta: Meta {
                    name: format!("{app}-{i}"),
                    namespace: "default".into(),
                    uid: format!("uid-{d}-{i}"),
                    labels,
                    ..Meta::default()
                },
                spec: spec.clone(),
                node: None,
                status: PodStatus::default(),
                ready_since: None,
                removed: None,
                behaviour: Default::default(),
                ephemeral_containers: Vec::new(),
            };
            new_pods.push(c.add_pod(pod, None));
        }
    }
    let mut w = World::new(c, Params::default());
    w.scheduler_new_pods = new_pods;
    w
}

fn schedule_all(w: &mut World) {
    let mut s = Scheduler::new(&RngStreams::new(1));
    s.run(w);
}

/// `VmHWM` (peak resident set) of this process, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) this thread has used, from `/proc/thread-self/stat` (clock ticks
/// of 10 ms): on a shared machine, wall time also counts other processes' turns.
fn thread_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command: state is field 3; utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// One run with the figures printed, and the result checked.
fn report() {
    let mut w = world();
    let cpu0 = thread_cpu_secs();
    let start = Instant::now();
    schedule_all(&mut w);
    let took = start.elapsed();
    let cpu = thread_cpu_secs().zip(cpu0).map(|(b, a)| b - a);
    let bound = w.cluster.pods.iter().filter(|p| p.node.is_some()).count();
    assert_eq!(bound, num_pods(), "every pod is bound");
    // No zone holds more than one pod of a Deployment above another zone.
    for d in 0..DEPLOYMENTS {
        let mut per_zone = [0usize; 3];
        for i in 0..num_pods() / DEPLOYMENTS {
            let p = &w.cluster.pods[PodId((d * num_pods() / DEPLOYMENTS + i) as u32).index()];
            let n = p.node.expect("bound").index();
            per_zone[n % 3] += 1;
        }
        let (min, max) = (per_zone.iter().min().unwrap(), per_zone.iter().max().unwrap());
        assert!(max - min <= 1, "deployment {d}: zones {per_zone:?}");
    }
    println!(
        "scheduling: {} pods of {DEPLOYMENTS} Deployments onto {} nodes in 3 zones in \
         {:.2} s wall ({:.0} pods/s), {} CPU on one core ({} pods/s); peak memory (VmHWM) {} MiB",
        num_pods(),
        num_nodes(),
        took.as_secs_f64(),
        num_pods() as f64 / took.as_secs_f64(),
        cpu.map_or("?".to_string(), |c| format!("{c:.2} s")),
        cpu.map_or("?".to_string(), |c| format!("{:.0}", num_pods() as f64 / c)),
        peak_rss_kib().map_or("?".to_string(), |k| (k / 1024).to_string())
    );
}

fn bench(c: &mut Criterion) {
    report();
    let mut group = c.benchmark_group("scheduler");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(num_pods() as u64));
    group.bench_function("150k_pods_5k_nodes_zone_hostname_spread", |b| {
        b.iter_batched(world, |mut w| schedule_all(&mut w), BatchSize::PerIteration);
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
