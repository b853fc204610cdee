//! Invariants of voluntary disruptions over randomised clusters, drains and node-pool upgrades
//! (seeded loops: each case is a seed, so a failure names a reproducible scenario; no new
//! dependency is needed for that).
//!
//! 1. No eviction through the Eviction API takes a workload below its PDB's `desiredHealthy`
//!    at the moment it is granted: after every event in which an eviction used up a budget,
//!    the pods that PDB selects which are Ready and not being deleted are at least
//!    `desiredHealthy`.
//! 2. Every drained node ends empty of evictable pods, or the drain reports why: a node
//!    reported drained has no pod left that kubectl's filters would evict; a node that failed
//!    has an error; a drain still running at the end is blocked by a PDB (an open blocked
//!    span), and a cancelled one belongs to a failed upgrade.
//!
//! The generator mixes Deployments and StatefulSets with PDBs of every form (integer and
//! percentage `minAvailable`, `maxUnavailable`, `AlwaysAllow`), DaemonSets, random timings,
//! drains with random flags and timeouts, and surge upgrades that respect PDBs or fail after
//! a timeout. Upgrades that *force* deletions after a timeout, and rollouts, are left out of
//! invariant 1 on purpose: a deletion outside the Eviction API lowers the healthy count before
//! the disruption controller has recomputed the budget, and an eviction in the same instant
//! may then be granted on the stale status — the same race a real cluster has.

use crate::support::scenario;
use kubesim_controllers::Simulation;
use kubesim_controllers::drain::{filter_pod, pod_facts};
use kubesim_engine::{Dist, RngStreams, SimDuration, SimTime};
use kubesim_model::build::{PdbBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::workload::PodManagementPolicy;
use kubesim_model::{
    ActionKind, DrainOptions, DrainOutcome, DrainTimeoutBehaviour, IntOrPercent, NodeId, NodePool,
    Resources, Scenario, UpgradeOutcome, UpgradeSettings,
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

fn dist(rng: &mut ChaCha8Rng, lo: u64, hi: u64) -> Dist {
    let a = rng.random_range(lo..=hi);
    let b = rng.random_range(a..=hi);
    Dist::Uniform { min: SimDuration::from_secs(a), max: SimDuration::from_secs(b) }
}

fn int_or_pct(rng: &mut ChaCha8Rng, max_int: i64) -> IntOrPercent {
    if rng.random_range(0..2) == 0 {
        IntOrPercent::Int(rng.random_range(0..=max_int))
    } else {
        IntOrPercent::Percent(rng.random_range(0..=100))
    }
}

/// A random scenario and the drain options of its `drain` actions, by label.
fn generate(seed: u64) -> (Scenario, BTreeMap<String, DrainOptions>) {
    let mut rng = RngStreams::new(seed).stream(7);
    let zones: Vec<String> = (0..rng.random_range(1..=3))
        .map(|i| format!("zone-{}", (b'a' + i as u8) as char))
        .collect();
    let count = rng.random_range(3..=6u32);
    let pool = NodePool {
        name: "pool".into(),
        zones: zones.clone(),
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
        next_index: count + 1,
    };
    let nodes: Vec<_> = (1..=count)
        .map(|i| {
            let zone = pool.zone_of(i).map(str::to_string);
            pool.make_node(&format!("pool-{i}"), zone.as_deref(), format!("n{i}"), SimTime::ZERO)
        })
        .collect();
    let mut workloads = Vec::new();
    let mut pdbs = Vec::new();
    for i in 0..rng.random_range(1..=3) {
        let name = format!("app{i}");
        let replicas = rng.random_range(1..=5u32);
        let cpu = format!("{}m", rng.random_range(1..=4) * 250);
        let mut spec = SpecBuilder::new().requests(&cpu, "256Mi");
        if rng.random_range(0..4) == 0 {
            spec = spec.empty_dir("cache");
        }
        let spec = spec.grace(rng.random_range(5..=30)).build();
        let w = if rng.random_range(0..3) == 0 {
            let policy = if rng.random_range(0..2) == 0 {
                PodManagementPolicy::OrderedReady
            } else {
                PodManagementPolicy::Parallel
            };
            WorkloadBuilder::statefulset(&name, replicas, spec, policy).build()
        } else {
            WorkloadBuilder::deployment(&name, replicas, spec).build()
        };
        workloads.push(w);
        let mut pdb = PdbBuilder::new(&format!("{name}-pdb"), &name);
        pdb = if rng.random_range(0..2) == 0 {
            pdb.min_available(int_or_pct(&mut rng, i64::from(replicas)))
        } else {
            pdb.max_unavailable(int_or_pct(&mut rng, 2))
        };
        if rng.random_range(0..4) == 0 {
            pdb = pdb.always_allow();
        }
        pdbs.push(pdb.build());
    }
    if rng.random_range(0..2) == 0 {
        workloads.push(
            WorkloadBuilder::daemonset(
                "agent",
                SpecBuilder::new().requests("100m", "64Mi").build(),
            )
            .build(),
        );
    }
    let mut actions = Vec::new();
    let mut options = BTreeMap::new();
    for _ in 0..rng.random_range(1..=2) {
        let n = rng.random_range(1..=2.min(count));
        let mut targets: Vec<u32> = Vec::new();
        while targets.len() < n as usize {
            let t = rng.random_range(0..count);
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
        let opts = DrainOptions {
            ignore_daemonsets: rng.random_range(0..4) != 0,
            delete_emptydir_data: rng.random_range(0..2) == 0,
            force: rng.random_range(0..2) == 0,
            timeout: (rng.random_range(0..3) == 0)
                .then(|| SimDuration::from_secs(rng.random_range(10..=300))),
            ..DrainOptions::default()
        };
        let label = format!(
            "drain {}",
            targets.iter().map(|t| format!("pool-{}", t + 1)).collect::<Vec<_>>().join(",")
        );
        options.insert(label.clone(), opts.clone());
        let at = rng.random_range(30..=400);
        actions.push((
            at,
            label,
            ActionKind::Drain { nodes: targets.into_iter().map(NodeId).collect(), options: opts },
        ));
    }
    if rng.random_range(0..2) == 0 {
        let surge = rng.random_range(0..=2);
        let unavailable = if surge == 0 { 1 } else { rng.random_range(0..=1) };
        let drain_timeout = if rng.random_range(0..2) == 0 {
            DrainTimeoutBehaviour::RespectPdb
        } else {
            DrainTimeoutBehaviour::FailAfter(SimDuration::from_mins(rng.random_range(5..=20)))
        };
        let settings = UpgradeSettings {
            max_surge: IntOrPercent::Int(surge),
            max_unavailable: IntOrPercent::Int(unavailable),
            provisioning: dist(&mut rng, 30, 120),
            drain_timeout,
        };
        actions.push((
            rng.random_range(60..=600),
            "upgrade-pool pool".into(),
            ActionKind::UpgradePool { pool: "pool".into(), settings },
        ));
    }
    let mut s = scenario(nodes, workloads, vec![]);
    s.seed = seed;
    s.duration = SimDuration::from_hours(2);
    s.cluster.pools.push(pool);
    for p in pdbs {
        s.cluster.add_pdb(p);
    }
    let b = &mut s.cluster.behaviours[0];
    b.image_pull = dist(&mut rng, 1, 10);
    b.ready = dist(&mut rng, 1, 30);
    b.shutdown = dist(&mut rng, 1, 20);
    actions.sort_by_key(|a| a.0);
    s.actions = actions
        .into_iter()
        .map(|(secs, label, kind)| kubesim_model::Action { at: SimTime(secs * 1000), kind, label })
        .collect();
    (s, options)
}

/// The options of a drain: its action's, or a provider's for an upgrade's drain.
fn options_of(
    d: &kubesim_model::DrainRecord,
    by_label: &BTreeMap<String, DrainOptions>,
) -> DrainOptions {
    match d.upgrade {
        Some(_) => DrainOptions {
            ignore_daemonsets: true,
            delete_emptydir_data: true,
            force: true,
            ..DrainOptions::default()
        },
        None => by_label[&d.label].clone(),
    }
}

/// Invariant: every eviction the API allowed (`EvictionByEvictionAPI`, whose message names the
/// PodDisruptionBudget consulted) left that PDB with at least `desiredHealthy` healthy pods
/// (Ready, not terminating). Returns how many evictions were checked.
fn check_evictions(
    w: &kubesim_controllers::world::World,
    new: kubesim_model::trace::Iter<'_>,
    seed: u64,
) -> u32 {
    let mut checked = 0;
    for e in new.filter(|e| e.reason == "EvictionByEvictionAPI") {
        let Some(rest) = e.message.split("PodDisruptionBudget ").nth(1) else { continue };
        let Some(name) = rest
            .split(": disruptionsAllowed")
            .next()
            .filter(|_| rest.contains(": disruptionsAllowed"))
        else {
            continue;
        };
        let id = (0..w.cluster.pdbs.len())
            .find(|&i| w.cluster.pdbs[i].meta.name == name)
            .unwrap_or_else(|| {
                panic!("seed {seed}: eviction names PDB {name}, which is not in the cluster")
            });
        let pdb = &w.cluster.pdbs[id];
        let healthy = w
            .cluster
            .pods_of_pdb(kubesim_model::PdbId(id as u32))
            .iter()
            .filter(|&&p| {
                let pod = &w.cluster.pods[p.index()];
                pod.meta.deletion.is_none() && pod.is_ready()
            })
            .count() as i32;
        assert!(
            healthy >= pdb.status.desired_healthy,
            "seed {seed} at {}: eviction of {} left {name} with {healthy} healthy < desired {}",
            w.now,
            e.name,
            pdb.status.desired_healthy
        );
        checked += 1;
    }
    checked
}

#[test]
fn evictions_never_go_below_desired_healthy_and_drains_empty_their_nodes_or_say_why() {
    let mut stats = [0u32; 4];
    for seed in 0..80 {
        let (s, by_label) = generate(seed);
        let mut sim = Simulation::new(&s);
        let mut seen_events = 0;
        let mut checked_nodes: BTreeMap<(usize, usize), ()> = BTreeMap::new();
        while sim.step() {
            let w = &sim.world;
            // Invariant 1: budgets used in this event.
            stats[0] += check_evictions(w, w.trace.events.iter_from(seen_events), seed);
            seen_events = w.trace.events.len();
            // Invariant 2, at the instant a node is reported drained.
            for (di, d) in w.trace.drains.iter().enumerate() {
                for (ni, n) in d.nodes.iter().enumerate() {
                    if n.end != Some(w.now)
                        || n.error.is_some()
                        || checked_nodes.contains_key(&(di, ni))
                    {
                        continue;
                    }
                    checked_nodes.insert((di, ni), ());
                    let Some(node) = w.cluster.node_by_name(&n.node) else { continue };
                    let opts = options_of(d, &by_label);
                    for &p in w.cluster.pods_on_node(node) {
                        let facts = pod_facts(w, p);
                        assert!(
                            !filter_pod(&facts, &opts).delete(),
                            "seed {seed}: {} reported drained at {} but {} is still there",
                            n.node,
                            w.now,
                            w.cluster.pods[p.index()].meta.name
                        );
                    }
                    stats[1] += 1;
                }
            }
        }
        let out = sim.finish();
        for d in &out.trace.drains {
            match d.outcome {
                DrainOutcome::Drained => {}
                DrainOutcome::Failed => {
                    assert!(
                        d.nodes.iter().any(|n| n.error.is_some()),
                        "seed {seed}: {} failed silently",
                        d.label
                    );
                    stats[2] += 1;
                }
                DrainOutcome::Running => {
                    assert!(
                        d.blocked.iter().any(|b| b.to.is_none()),
                        "seed {seed}: {} still running at the end without a PDB blocking it",
                        d.label
                    );
                    stats[3] += 1;
                }
                DrainOutcome::Cancelled => {
                    let u = &out.trace.upgrades
                        [d.upgrade.expect("only upgrades cancel drains") as usize];
                    assert!(matches!(u.outcome, UpgradeOutcome::Failed(_)), "seed {seed}");
                }
            }
        }
    }
    // The generator exercises every branch: budget-using evictions, drained nodes, failed
    // drains and drains blocked to the end.
    assert!(stats.iter().all(|&n| n > 0), "evictions, drained nodes, failed, blocked: {stats:?}");
}

// ----- random timelines (issue 12, point 8) ------------------------------------------------
//
// The scenarios of `generate` (clusters, workloads, PDBs, drains, upgrades), with a timeline
// of node crashes and recoveries, zone outages and recoveries, scale actions, pod deletions
// and node deletions added. After every event:
//
// 3. no node is overcommitted: the requests of the pods bound to a live node that are not
//    finished (Succeeded/Failed; the scheduler's NodeInfo counts terminating pods too) fit its
//    allocatable CPU, memory and pod count;
// 4. the budget of every eviction the API allowed holds (invariant 1, the same check);
// 5. a pod's conditions are unique by type: the readiness-gate conditions kept beside the
//    six built-in ones have distinct types, none of them a built-in type;
// 6. every owned pod's owner exists (by uid), or the pod is being deleted or collected;
//
// and a rerun of the same scenario gives an identical trace (events, metrics, marks).

/// `generate`'s scenario with a random timeline of faults, scaling and deletions added.
fn generate_timeline(seed: u64) -> (Scenario, BTreeMap<String, DrainOptions>) {
    let (mut s, options) = generate(seed);
    let mut rng = RngStreams::new(seed).stream(8);
    let nodes = s.cluster.nodes.len() as u32;
    let zones: Vec<String> = s.cluster.pools[0].zones.clone();
    let workloads: Vec<(u32, kubesim_model::Kind)> =
        (0..s.cluster.workloads.len()).map(|i| (i as u32, s.cluster.workloads[i].kind)).collect();
    let mut extra: Vec<(u64, String, ActionKind)> = Vec::new();
    for _ in 0..rng.random_range(2..=6) {
        let at = rng.random_range(10..=3000);
        let node = NodeId(rng.random_range(0..nodes));
        let (label, kind) = match rng.random_range(0..7) {
            0 => (format!("crash-node {node:?}"), ActionKind::CrashNode { nodes: vec![node] }),
            1 => (format!("recover-node {node:?}"), ActionKind::RecoverNode { nodes: vec![node] }),
            2 if !zones.is_empty() => {
                let zone = zones[rng.random_range(0..zones.len())].clone();
                let members: Vec<NodeId> = (0..nodes)
                    .map(NodeId)
                    .filter(|n| s.cluster.nodes[n.index()].zone.as_deref() == Some(&zone))
                    .collect();
                let mode = if rng.random_range(0..2) == 0 {
                    kubesim_model::OutageMode::Crash
                } else {
                    kubesim_model::OutageMode::Partition
                };
                let outage =
                    ActionKind::ZoneOutage { zone: zone.clone(), nodes: members.clone(), mode };
                let back = rng.random_range(60..=1200);
                extra.push((
                    at + back,
                    format!("recover-zone {zone}"),
                    ActionKind::RecoverZone { zone: zone.clone(), nodes: members },
                ));
                (format!("zone-outage {zone}"), outage)
            }
            3 | 4 => {
                let (w, kind) = workloads[rng.random_range(0..workloads.len())];
                if kind == kubesim_model::Kind::DaemonSet {
                    continue;
                }
                let replicas = rng.random_range(0..=8);
                (
                    format!("scale {w} to {replicas}"),
                    ActionKind::Scale { workload: kubesim_model::WorkloadId(w), replicas },
                )
            }
            5 => {
                let (w, _) = workloads[rng.random_range(0..workloads.len())];
                let wl = &s.cluster.workloads[w as usize];
                let target = kubesim_model::PodTarget::Selector {
                    namespace: wl.meta.namespace.clone(),
                    selector: wl.selector.clone(),
                    node: None,
                    count: rng.random_range(1..=3),
                    pick: kubesim_model::Pick::Random,
                };
                let force = rng.random_range(0..4) == 0;
                let grace = (rng.random_range(0..2) == 0).then(|| rng.random_range(0..=30));
                (
                    format!("delete-pod of workload {w}"),
                    ActionKind::DeletePod { target, grace_period_seconds: grace, force },
                )
            }
            _ => (format!("delete-node {node:?}"), ActionKind::DeleteNode { nodes: vec![node] }),
        };
        extra.push((at, label, kind));
    }
    for (secs, label, kind) in extra {
        s.actions.push(kubesim_model::Action { at: SimTime(secs * 1000), kind, label });
    }
    s.actions.sort_by_key(|a| a.at);
    s.duration = SimDuration::from_mins(90);
    (s, options)
}

/// Checks invariants 3, 5 and 6 on the state after one event; `Err` says which failed.
fn check_state(w: &kubesim_controllers::world::World) -> Result<(), String> {
    let c = &w.cluster;
    for n in c.live_nodes() {
        let node = &c.nodes[n.index()];
        let mut used = Resources::default();
        let mut pods = 0u64;
        for &p in c.pods_on_node(n) {
            let pod = &c.pods[p.index()];
            if pod.removed.is_some() || pod.status.phase.is_terminal() {
                continue;
            }
            used += pod.spec.requests();
            pods += 1;
        }
        let a = node.allocatable;
        if used.cpu_milli > a.cpu_milli || used.memory > a.memory || pods > a.pods {
            return Err(format!(
                "node {} overcommitted: {}m CPU, {} bytes, {pods} pods of {}m, {}, {}",
                node.name(),
                used.cpu_milli,
                used.memory,
                a.cpu_milli,
                a.memory,
                a.pods
            ));
        }
    }
    let builtin = [
        "PodScheduled",
        "Initialized",
        "ContainersReady",
        "Ready",
        "PodReadyToStartContainers",
        "DisruptionTarget",
    ];
    for p in c.live_pods() {
        let pod = &c.pods[p.index()];
        let custom = &pod.status.custom_conditions;
        for (i, (t, _)) in custom.iter().enumerate() {
            if builtin.contains(&t.as_str()) || custom[..i].iter().any(|(u, _)| u == t) {
                return Err(format!("pod {}: condition {t} twice", pod.meta.name));
            }
        }
        // An owner reference kubesim never resolved (a kind it does not simulate, an object the
        // scenario lacks) stands for an object outside the scenario, not a deleted one.
        if let Some(owner) = pod.meta.owner.as_ref().filter(|_| c.controller_of(p).is_some()) {
            let exists = c.workloads.iter().any(|wl| wl.meta.uid == owner.uid);
            if !exists && pod.meta.deletion.is_none() {
                return Err(format!(
                    "pod {}: its owner {} {} does not exist and it is not being deleted",
                    pod.meta.name,
                    owner.kind.as_str(),
                    owner.name
                ));
            }
        }
    }
    Ok(())
}

/// Runs `count` random timelines from `first`, checking every invariant after every event
/// and a rerun's trace; returns the number of events checked.
fn random_timelines(first: u64, count: u64) -> u64 {
    let mut events = 0;
    for seed in first..first + count {
        let (s, _) = generate_timeline(seed);
        let mut sim = Simulation::new(&s);
        let mut seen_events = 0;
        while sim.step() {
            events += 1;
            let w = &sim.world;
            if let Err(why) = check_state(w) {
                panic!("seed {seed} at {}: {why}", w.now);
            }
            check_evictions(w, w.trace.events.iter_from(seen_events), seed);
            seen_events = w.trace.events.len();
        }
        let first_run = sim.finish();
        let again = kubesim_controllers::run(&s);
        assert!(
            format!("{:?}", first_run.trace) == format!("{:?}", again.trace),
            "seed {seed}: a rerun gave a different trace"
        );
    }
    events
}

/// A few hundred random timelines in every `cargo test` (about 15 s in a debug build); `KUBESIM_INVARIANT_SCENARIOS=N` runs N instead.
#[test]
fn random_timelines_keep_the_invariants() {
    let count = std::env::var("KUBESIM_INVARIANT_SCENARIOS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let events = random_timelines(1000, count);
    assert!(events > count * 100, "the timelines are not trivial: {events} events");
}

/// The full run of issue 12: 10,000 random timelines (`scripts/invariants.sh` runs it in a
/// release build, with the count and the time it took).
#[test]
#[ignore = "long: run with scripts/invariants.sh"]
fn ten_thousand_random_timelines_keep_the_invariants() {
    let count = std::env::var("KUBESIM_INVARIANT_SCENARIOS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let started = std::time::Instant::now();
    let events = random_timelines(1000, count);
    eprintln!(
        "{count} random timelines, {events} events checked, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
