//! Invariants of PodTopologySpread over many random clusters (a seeded loop; every seed is a
//! reproducible case):
//! 1. after every scheduler run, each pod bound in it satisfies its DoNotSchedule constraints:
//!    in the domain it landed in, `matching pods − global minimum ≤ maxSkew` (the minimum
//!    taken as 0 below `minDomains`), counted from scratch here, independently of the
//!    scheduler, with the same rules (same namespace, selector with `matchLabelKeys`, not
//!    terminating, nodes that have every constraint's key and pass the inclusion policies);
//! 2. whenever the scheduler has heard of every change, its incrementally kept counts equal a
//!    rebuild from the cluster as it is (`SchedulerCache::check_against_rebuild`).
//!
//! The clusters mix zones, nodes without a zone label, tainted nodes, pods with node
//! selectors and tolerations, `minDomains`, both inclusion policies, `matchLabelKeys`; the
//! timelines scale Deployments up and down, delete pods and cordon nodes, so counts go up
//! and down while pods are scheduled.

use crate::support::*;
use kubesim_controllers::Simulation;
use kubesim_model::build::{NodeBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::pod::{InclusionPolicy, WhenUnsatisfiable};
use kubesim_model::{
    ActionKind, Cluster, LabelSelector, NodeId, Pick, Pod, PodTarget, TaintEffect, Toleration,
    TolerationOperator, TopologySpreadConstraint, WorkloadId,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

const ZONE: &str = "topology.kubernetes.io/zone";
const HOST: &str = "kubernetes.io/hostname";

fn random_scenario(seed: u64) -> kubesim_model::Scenario {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_nodes = rng.random_range(5..14);
    let mut nodes = Vec::new();
    for i in 0..n_nodes {
        let mut b = NodeBuilder::new(&format!("n{i}")).allocatable("4", "16Gi", 20);
        if rng.random_range(0..10) > 0 {
            b = b.zone(["a", "b", "c"][rng.random_range(0..3)]);
        }
        if rng.random_range(0..6) == 0 {
            b = b.taint("dedicated", "x", TaintEffect::NoSchedule);
        }
        if rng.random_range(0..2) == 0 {
            b = b.label("disk", "ssd");
        }
        nodes.push(b.build());
    }
    let n_deploy = rng.random_range(2..5);
    let mut workloads = Vec::new();
    for d in 0..n_deploy {
        let name = format!("app{d}");
        let mut spec = SpecBuilder::new()
            .requests(&format!("{}m", rng.random_range(1..6) * 100), "256Mi")
            .build();
        let n_cons = rng.random_range(1..3);
        for k in 0..n_cons {
            let key = if k == 0 { [ZONE, HOST][rng.random_range(0..2)] } else { HOST };
            spec.topology_spread_constraints.push(TopologySpreadConstraint {
                max_skew: rng.random_range(1..3),
                topology_key: key.into(),
                when_unsatisfiable: WhenUnsatisfiable::DoNotSchedule,
                label_selector: Some(LabelSelector::from_labels([("app", name.as_str())])),
                min_domains: [None, None, Some(2), Some(4)][rng.random_range(0..4)],
                node_affinity_policy: [None, Some(InclusionPolicy::Ignore)][rng.random_range(0..2)],
                node_taints_policy: [None, Some(InclusionPolicy::Honor)][rng.random_range(0..2)],
                match_label_keys: if rng.random_range(0..3) == 0 {
                    vec!["pod-template-hash".into()]
                } else {
                    vec![]
                },
            });
        }
        if rng.random_range(0..3) == 0 {
            spec.node_selector.insert("disk".into(), "ssd".into());
        }
        if rng.random_range(0..3) == 0 {
            spec.tolerations.push(Toleration {
                key: "dedicated".into(),
                operator: TolerationOperator::Exists,
                value: String::new(),
                effect: None,
                toleration_seconds: None,
            });
        }
        workloads.push(WorkloadBuilder::deployment(&name, rng.random_range(2..10), spec).build());
    }
    let mut actions = Vec::new();
    for _ in 0..rng.random_range(4..10) {
        let at = rng.random_range(10..600);
        let kind = match rng.random_range(0..4) {
            0 | 1 => ActionKind::Scale {
                workload: WorkloadId(rng.random_range(0..n_deploy) as u32),
                replicas: rng.random_range(0..14),
            },
            2 => ActionKind::DeletePod {
                target: PodTarget::Selector {
                    namespace: "default".into(),
                    selector: LabelSelector::from_labels([(
                        "app",
                        format!("app{}", rng.random_range(0..n_deploy)).as_str(),
                    )]),
                    node: None,
                    count: rng.random_range(1..4),
                    pick: Pick::Random,
                },
                grace_period_seconds: None,
                force: false,
            },
            _ => {
                let node = NodeId(rng.random_range(0..n_nodes) as u32);
                if rng.random_range(0..2) == 0 {
                    ActionKind::Cordon { nodes: vec![node] }
                } else {
                    ActionKind::Uncordon { nodes: vec![node] }
                }
            }
        };
        actions.push((at, kind));
    }
    actions.sort_by_key(|a| a.0);
    let mut s = scenario(nodes, workloads, actions);
    s.seed = seed;
    s
}

/// The skew of `pod`'s DoNotSchedule constraint `c` in the domain of the pod's node, counted
/// from scratch: (matching pods in that domain − global minimum, maxSkew).
fn recount(cluster: &Cluster, pod: &Pod, c: &TopologySpreadConstraint) -> (i64, i64) {
    let spec = &pod.spec;
    let hard: Vec<&TopologySpreadConstraint> = spec
        .topology_spread_constraints
        .iter()
        .filter(|c| c.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule)
        .collect();
    let mut selector = c.label_selector.clone().unwrap();
    for k in &c.match_label_keys {
        if let Some(v) = pod.meta.labels.get(k) {
            selector.match_labels.insert(k.clone(), v.clone());
        }
    }
    let eligible = |n: &kubesim_model::Node| -> bool {
        n.removed.is_none()
            && hard.iter().all(|h| n.meta.labels.contains_key(&h.topology_key))
            && (c.node_affinity_policy == Some(InclusionPolicy::Ignore)
                || spec.node_selector.iter().all(|(k, v)| n.meta.labels.get(k) == Some(v)))
            && (c.node_taints_policy != Some(InclusionPolicy::Honor)
                || n.taints
                    .iter()
                    .all(|t| t.effect == TaintEffect::PreferNoSchedule || spec.tolerates(t)))
    };
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for n in cluster.nodes.iter().filter(|n| eligible(n)) {
        counts.entry(n.meta.labels[&c.topology_key].as_str()).or_insert(0);
    }
    for q in &cluster.pods {
        let Some(node) = q.node else { continue };
        let n = &cluster.nodes[node.index()];
        if q.removed.is_some()
            || q.status.phase.is_terminal()
            || q.meta.deletion.is_some()
            || q.meta.namespace != pod.meta.namespace
            || !selector.matches(&q.meta.labels)
            || !eligible(n)
        {
            continue;
        }
        *counts.get_mut(n.meta.labels[&c.topology_key].as_str()).unwrap() += 1;
    }
    let min = if (counts.len() as i64) < i64::from(c.min_domains.unwrap_or(1)) {
        0
    } else {
        counts.values().copied().min().unwrap_or(0)
    };
    let here = &cluster.nodes[pod.node.unwrap().index()].meta.labels[&c.topology_key];
    (counts.get(here.as_str()).copied().unwrap_or(0) - min, i64::from(c.max_skew))
}

#[test]
fn no_bind_exceeds_max_skew_and_counts_match_a_recount() {
    let mut binds = 0;
    for seed in 0..40u64 {
        let s = random_scenario(seed);
        let mut sim = Simulation::new(&s);
        let mut seen = 0;
        while sim.step() {
            let cluster = &sim.world.cluster;
            // The scheduler hears of changes when it next runs (its informers' events wait in
            // `scheduler_events`); compare when it is up to date.
            if let Some(cache) = sim.scheduler().cache()
                && sim.world.scheduler_events.is_empty()
            {
                cache.check_against_rebuild(cluster).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            }
            let events = &sim.world.trace.events;
            for e in events.iter_from(seen) {
                if e.reason != "Scheduled" {
                    continue;
                }
                binds += 1;
                let pod = &cluster.pods[cluster.pod_by_name(e.namespace, e.name).unwrap().index()];
                for c in pod.spec.topology_spread_constraints.iter() {
                    let (skew, max) = recount(cluster, pod, c);
                    assert!(
                        skew <= max,
                        "seed {seed}, {} on {} at {}: {} skew {skew} > maxSkew {max}",
                        e.name,
                        e.node,
                        e.time,
                        c.topology_key
                    );
                }
            }
            seen = events.len();
        }
    }
    // The cases do place pods (the check is not vacuous).
    assert!(binds > 300, "{binds} binds");
}
