//! The scenario's timeline: each action does what its kubectl counterpart does, through the
//! API, and leaves a mark for the charts.

use crate::api;
use crate::world::World;
use kubesim_model::{Action, ActionKind, Mark, Pick, PodId, PodTarget};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Runs one action.
pub fn run(w: &mut World, action: &Action, rng: &mut ChaCha8Rng) {
    w.trace.marks.push(Mark { time: w.now, label: action.label.clone() });
    match &action.kind {
        ActionKind::Cordon { nodes } => {
            for &n in nodes {
                api::set_unschedulable(w, n, true);
            }
        }
        ActionKind::Uncordon { nodes } => {
            for &n in nodes {
                api::set_unschedulable(w, n, false);
            }
        }
        ActionKind::DeletePod { target, grace_period_seconds, force } => {
            let grace = if *force { Some(0) } else { *grace_period_seconds };
            for pod in resolve(w, target, rng) {
                api::delete_pod(w, pod, grace);
            }
        }
        ActionKind::Scale { workload, replicas } => {
            let wl = &mut w.cluster.workloads[workload.index()];
            if wl.replicas != *replicas {
                wl.replicas = *replicas;
                wl.meta.generation += 1;
                w.sync_workload(*workload);
            }
        }
        other => unreachable!("node operations are run by faults::NodeHealth: {other:?}"),
    }
}

/// The pods a target names at this instant (live and not already terminating).
pub fn resolve(w: &World, target: &PodTarget, rng: &mut ChaCha8Rng) -> Vec<PodId> {
    match target {
        PodTarget::Name { namespace, name } => {
            w.cluster.pod_by_name(namespace, name).into_iter().collect()
        }
        PodTarget::Selector { namespace, selector, node, count, pick } => {
            let mut matching: Vec<PodId> = w
                .cluster
                .live_pods()
                .filter(|&p| {
                    let pod = &w.cluster.pods[p.index()];
                    pod.meta.namespace == *namespace
                        && pod.meta.deletion.is_none()
                        && node.is_none_or(|n| pod.node == Some(n))
                        && selector.matches(&pod.meta.labels)
                })
                .collect();
            let key = |p: &PodId| {
                let pod = &w.cluster.pods[p.index()];
                (pod.meta.creation, pod.meta.name.clone())
            };
            matching.sort_by_key(key);
            match pick {
                Pick::Oldest => {}
                Pick::Newest => matching.reverse(),
                Pick::Random => {
                    // A partial Fisher-Yates shuffle from the actions stream.
                    for i in 0..matching.len() {
                        let j = rng.random_range(i..matching.len());
                        matching.swap(i, j);
                    }
                }
            }
            matching.truncate(*count as usize);
            matching
        }
    }
}
