//! The scenario's timeline: each action does what its kubectl counterpart does, through the
//! API, and leaves a mark for the charts.
//!
//! `drain` hands over to [`crate::drain`], `upgrade-pool` to [`crate::nodepool`]; `evict-pod`
//! posts one eviction per pod; `rollout` changes a Deployment's template (`kubectl set
//! image`, or `kubectl rollout restart`'s `kubectl.kubernetes.io/restartedAt` annotation);
//! `add-node` registers new nodes.

use crate::api;
use crate::drain::{DrainOwner, Drains};
use crate::eviction;
use crate::nodepool::{self, NodePools};
use crate::world::{Event, World};
use kubesim_model::trace::RolloutRecord;
use kubesim_model::{
    Action, ActionKind, BehaviourId, Container, EphemeralContainer, EvictionCaller, Mark, NewNodes,
    Pick, PodId, PodPhase, PodTarget, PullPolicy, TemplateChange, WorkloadId,
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// `kubectl.kubernetes.io/restartedAt`, the template annotation `kubectl rollout restart` sets.
pub const ANNOTATION_RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// The components some actions hand over to.
pub struct Tools<'a> {
    /// kubectl drain.
    pub drains: &'a mut Drains,
    /// Node-pool upgrades.
    pub pools: &'a mut NodePools,
}

/// Runs one action.
pub fn run(w: &mut World, action: &Action, rng: &mut ChaCha8Rng, tools: Tools<'_>) {
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
        ActionKind::SetPodCondition { target, condition_type, status, reason, message } => {
            for pod in resolve(w, target, rng) {
                api::set_custom_condition(w, pod, condition_type, *status, reason, message);
            }
        }
        ActionKind::MakeUnhealthy { target, fault } => {
            for pod in resolve(w, target, rng) {
                w.apps.add(pod, w.now, fault);
                w.queue.schedule(w.now, Event::AppHealthChanged(pod));
                if let Some(d) = fault.duration {
                    // The kubelet re-plans its probes when the fault ends.
                    w.queue.schedule(w.now + d, Event::AppHealthChanged(pod));
                }
            }
        }
        ActionKind::MakeHealthy { target, container } => {
            for pod in resolve(w, target, rng) {
                w.apps.heal(pod, container.as_deref(), w.now);
                w.queue.schedule(w.now, Event::AppHealthChanged(pod));
            }
        }
        ActionKind::Debug { target, name, image, target_container, run_for } => {
            for pod in resolve(w, target, rng) {
                // kubectl debug attaches to a running pod.
                if w.cluster.pods[pod.index()].status.phase != PodPhase::Running {
                    continue;
                }
                let name = name.clone().unwrap_or_else(|| debugger_name(rng));
                let c = Container {
                    name,
                    image_pull_policy: PullPolicy::default_for(image),
                    image: image.clone(),
                    ..Container::default()
                };
                let e = EphemeralContainer {
                    container: c,
                    target: target_container.clone(),
                    run_for: *run_for,
                };
                api::add_ephemeral_container(w, pod, e);
            }
        }
        ActionKind::Drain { nodes, options } => {
            tools.drains.start(
                w,
                nodes.clone(),
                options.clone(),
                action.label.clone(),
                DrainOwner::Action,
            );
        }
        ActionKind::EvictPod { target, grace_period_seconds, dry_run } => {
            // The mark pushed above.
            let caller = EvictionCaller::Action((w.trace.marks.len() - 1) as u32);
            for pod in resolve(w, target, rng) {
                if *dry_run {
                    // A dry run changes nothing, so it is no event: evictions.csv shows it.
                    eviction::evict_dry_run(w, pod, caller);
                    continue;
                }
                let resp = eviction::evict(w, pod, *grace_period_seconds, caller);
                let m = &w.cluster.pods[pod.index()].meta;
                let (t, reason, msg) = eviction::eviction_event(&resp, &m.namespace, &m.name, None);
                w.record_pod(pod, t, reason, msg);
            }
        }
        ActionKind::Rollout { workload, change, behaviour } => {
            rollout(w, *workload, change, *behaviour, &action.label)
        }
        ActionKind::AddNode { nodes } => match nodes {
            NewNodes::Pool { pool, count } => {
                if let Some(p) = w.cluster.pool_by_name(pool) {
                    nodepool::add_pool_nodes(w, p, *count);
                }
            }
            NewNodes::Node(node) => {
                let mut n = (**node).clone();
                n.meta.creation = w.now;
                n.ready.last_transition = w.now;
                if n.meta.uid.is_empty() {
                    n.meta.uid = w.cluster.new_uid();
                }
                if w.cluster.node_by_name(&n.meta.name).is_none() {
                    api::add_node(w, n);
                }
            }
        },
        ActionKind::UpgradePool { pool, settings } => {
            tools.pools.start_upgrade(w, tools.drains, pool, settings, &action.label);
        }
        other => unreachable!("node operations are run by faults::NodeHealth: {other:?}"),
    }
}

/// A change of a workload's pod template: a new generation its controller rolls out. The
/// pods of the ReplicaSet it creates follow `behaviour` (a template equal to an earlier one
/// reuses that revision's ReplicaSet, and its pods keep the behaviour they had). The rollout
/// is recorded in the trace; an earlier rollout of the same Deployment that had not completed
/// is superseded.
fn rollout(
    w: &mut World,
    id: WorkloadId,
    change: &TemplateChange,
    behaviour: BehaviourId,
    label: &str,
) {
    let now = w.now;
    for r in w.trace.rollouts.iter_mut().filter(|r| r.workload == id && r.complete.is_none()) {
        r.superseded.get_or_insert(now);
    }
    w.trace.rollouts.push(RolloutRecord {
        label: label.to_string(),
        workload: id,
        start: now,
        complete: None,
        deadline_exceeded: None,
        superseded: None,
    });
    let wl = &mut w.cluster.workloads[id.index()];
    wl.behaviour = behaviour;
    let mut spec = (*wl.template.spec).clone();
    match change {
        TemplateChange::Image { container, image } => {
            let c = match container {
                Some(name) => spec.containers.iter_mut().find(|c| &c.name == name),
                None => spec.containers.first_mut(),
            };
            if let Some(c) = c {
                c.image = image.clone();
            }
        }
        TemplateChange::Restart => {
            // kubectl writes the wall clock; kubesim the simulated clock (`00:05:00.000`).
            wl.template.annotations.insert(ANNOTATION_RESTARTED_AT.to_string(), now.to_string());
        }
    }
    if *wl.template.spec != spec {
        wl.template.spec = Arc::new(spec);
    }
    wl.meta.generation += 1;
    w.sync_workload(id);
}

/// `debugger-` and five random characters of the alphabet apimachinery's `rand.String` uses,
/// as `kubectl debug` names its containers.
fn debugger_name(rng: &mut ChaCha8Rng) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let suffix: String =
        (0..5).map(|_| ALPHANUMS[rng.random_range(0..ALPHANUMS.len())] as char).collect();
    format!("debugger-{suffix}")
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
