//! The API server: the only place objects change. Each operation updates the cluster, records
//! what Kubernetes would record, and tells the components that watch the object (by queueing
//! their work at the current instant, so that ordering stays explicit and replayable).

use crate::world::{Event, World};
use kubesim_engine::SimTime;
use kubesim_model::{
    CondStatus, EventType, NodeId, Pod, PodConditionType, PodId, PodPhase, TAINT_UNSCHEDULABLE,
    Taint, TaintEffect, WorkloadId,
};

/// Creates a pod (`POST pods`). An unbound pod goes to the scheduler.
pub fn create_pod(w: &mut World, pod: Pod, controller: Option<WorkloadId>) -> PodId {
    let bound = pod.node.is_some();
    let id = w.cluster.add_pod(pod, controller);
    if bound {
        w.queue.schedule(w.now, Event::KubeletSyncPod(id));
    } else {
        w.scheduler_new_pods.push(id);
        w.kick_scheduler();
    }
    id
}

/// Binds a pod to a node (`POST pods/binding`): sets `nodeName` and `PodScheduled=True`.
pub fn bind_pod(w: &mut World, pod: PodId, node: NodeId) {
    w.cluster.bind(pod, node);
    let now = w.now;
    let p = &mut w.cluster.pods[pod.index()];
    p.status.set_condition(PodConditionType::PodScheduled, CondStatus::True, now, "", "");
    let msg = format!(
        "Successfully assigned {}/{} to {}",
        p.meta.namespace,
        p.meta.name,
        w.cluster.nodes[node.index()].meta.name
    );
    w.record_pod(pod, EventType::Normal, "Scheduled", msg);
    w.queue.schedule(w.now, Event::KubeletSyncPod(pod));
    notify_owner(w, pod);
}

/// Deletes a pod (`DELETE pods/<name>`), as `CheckGracefulDelete` decides:
/// the grace period is the one given, else the pod's `terminationGracePeriodSeconds`; it is
/// forced to 0 for a pod that is not bound or already terminal. Grace 0 removes the object at
/// once (a force delete: the kubelet cleans up later); otherwise the pod gets a
/// `deletionTimestamp = now + grace` and its kubelet starts the graceful termination.
pub fn delete_pod(w: &mut World, pod: PodId, grace_seconds: Option<u64>) {
    let p = &w.cluster.pods[pod.index()];
    if p.removed.is_some() {
        return;
    }
    let mut grace = grace_seconds.unwrap_or(p.spec.termination_grace_period_seconds);
    if p.node.is_none() || p.status.phase.is_terminal() {
        grace = 0;
    }
    if let Some(existing) = p.meta.deletion_grace_seconds {
        // A second delete can only shorten the grace period.
        if grace >= existing {
            return;
        }
    }
    if grace == 0 {
        remove_pod(w, pod);
        return;
    }
    let now = w.now;
    w.cluster.set_deletion(pod, SimTime(now.0 + grace * 1000), grace);
    w.queue.schedule(now, Event::KubeletSyncPod(pod));
    notify_owner(w, pod);
}

/// Removes the pod object from the API (the end of a deletion).
pub fn remove_pod(w: &mut World, pod: PodId) {
    let p = &w.cluster.pods[pod.index()];
    if p.removed.is_some() {
        return;
    }
    let bound = p.node.is_some();
    let was_terminal = p.status.phase.is_terminal();
    w.cluster.remove_pod(pod, w.now);
    if bound {
        // The kubelet stops whatever still runs (after a force delete), and the node's
        // resources are free: the scheduler may place pods that did not fit.
        w.queue.schedule(w.now, Event::KubeletSyncPod(pod));
        if !was_terminal {
            w.scheduler_cluster_changed = true;
            w.kick_scheduler();
        }
    }
    notify_owner(w, pod);
}

/// Sets the phase of a pod, telling its owner and (when it frees resources) the scheduler.
/// A pod turning Succeeded or Failed may put the terminated pods above PodGC's threshold.
pub fn set_pod_phase(w: &mut World, pod: PodId, phase: PodPhase) {
    let p = &w.cluster.pods[pod.index()];
    if p.status.phase == phase {
        return;
    }
    let frees = p.node.is_some() && !p.status.phase.is_terminal() && phase.is_terminal();
    w.cluster.set_phase(pod, phase);
    if frees {
        w.scheduler_cluster_changed = true;
        w.kick_scheduler();
    }
    if phase.is_terminal() {
        crate::podgc::terminated_pods_changed(w);
    }
    notify_owner(w, pod);
}

/// Sets a pod condition of another type than the kubelet's (a readiness gate's), as a
/// controller does through `pods/status`. The kubelet hears of it (it decides `Ready`).
pub fn set_custom_condition(
    w: &mut World,
    pod: PodId,
    condition_type: &str,
    status: CondStatus,
    reason: &str,
    message: &str,
) {
    let now = w.now;
    let p = &mut w.cluster.pods[pod.index()];
    if p.removed.is_some() {
        return;
    }
    if p.status.set_custom_condition(condition_type, status, now, reason, message)
        && p.node.is_some()
    {
        w.queue.schedule(now, Event::KubeletSyncPod(pod));
    }
}

/// Adds an ephemeral container to a pod (`PATCH pods/<name>/ephemeralcontainers`); its
/// kubelet starts it.
pub fn add_ephemeral_container(w: &mut World, pod: PodId, c: kubesim_model::EphemeralContainer) {
    let p = &mut w.cluster.pods[pod.index()];
    if p.removed.is_some() {
        return;
    }
    p.ephemeral_containers.push(c);
    if p.node.is_some() {
        w.queue.schedule(w.now, Event::KubeletSyncPod(pod));
    }
}

/// Sets a pod condition; the owner hears of it when the status changed. When `Ready` turns
/// True the pod's `ready_since` is set (for `minReadySeconds`), when it turns False cleared.
pub fn set_pod_condition(
    w: &mut World,
    pod: PodId,
    t: PodConditionType,
    status: CondStatus,
    reason: &str,
    message: &str,
) {
    let now = w.now;
    let p = &mut w.cluster.pods[pod.index()];
    if !p.status.set_condition(t, status, now, reason, message) {
        return;
    }
    if t == PodConditionType::Ready {
        p.ready_since = (status == CondStatus::True).then_some(now);
        // Availability comes `minReadySeconds` after Ready: the controller hears of it then.
        if status == CondStatus::True
            && let Some(wid) = w.cluster.controller_of(pod)
            && w.cluster.workloads[wid.index()].min_ready_seconds > 0
        {
            let mrs = w.cluster.workloads[wid.index()].min_ready_seconds;
            w.queue.schedule(SimTime(now.0 + mrs * 1000), Event::PodAvailable(pod));
        }
    }
    notify_owner(w, pod);
}

/// Tells the pod's controlling workload that the pod changed.
pub fn notify_owner(w: &mut World, pod: PodId) {
    if let Some(wid) = w.cluster.controller_of(pod) {
        w.sync_workload(wid);
    }
}

/// `kubectl cordon` / `uncordon`: sets `spec.unschedulable`. The node lifecycle controller
/// reconciles the `node.kubernetes.io/unschedulable:NoSchedule` taint on the same update
/// (`doNoScheduleTaintingPass`), and the kubelet reports `NodeNotSchedulable` /
/// `NodeSchedulable`.
pub fn set_unschedulable(w: &mut World, node: NodeId, unschedulable: bool) {
    let n = &mut w.cluster.nodes[node.index()];
    if n.unschedulable == unschedulable || n.removed.is_some() {
        return;
    }
    n.unschedulable = unschedulable;
    if unschedulable {
        n.taints.push(Taint {
            key: TAINT_UNSCHEDULABLE.to_string(),
            value: String::new(),
            effect: TaintEffect::NoSchedule,
            time_added: None,
        });
    } else {
        n.taints.retain(|t| !(t.key == TAINT_UNSCHEDULABLE && t.effect == TaintEffect::NoSchedule));
    }
    let name = n.meta.name.clone();
    let status = if unschedulable { "NodeNotSchedulable" } else { "NodeSchedulable" };
    w.record_node(node, EventType::Normal, status, format!("Node {name} status is now: {status}"));
    w.nodes_dirty = true;
    if !unschedulable {
        w.scheduler_cluster_changed = true;
        w.kick_scheduler();
    }
}
