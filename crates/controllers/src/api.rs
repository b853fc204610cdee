//! The API server: the only place objects change. Each operation updates the cluster, records
//! what Kubernetes would record, and tells the components that watch the object (by queueing
//! their work at the current instant, so that ordering stays explicit and replayable).

use crate::scheduler::events::{ClusterEvent, NodeSnapshot};
use crate::world::{Event, World};
use kubesim_engine::SimTime;
use kubesim_model::{
    CondStatus, EventType, Node, NodeId, PdbId, PdbStatus, Pod, PodConditionType, PodId, PodPhase,
    TAINT_UNSCHEDULABLE, Taint, TaintEffect, WorkloadId, WorkloadSpec,
    workload::DeploymentStrategy,
};

/// Creates a pod (`POST pods`), through the `DefaultTolerationSeconds` admission plugin. An
/// unbound pod goes to the scheduler; a bound one to its kubelet (and to the taint eviction
/// controller if its node has NoExecute taints).
pub fn create_pod(w: &mut World, mut pod: Pod, controller: Option<WorkloadId>) -> PodId {
    crate::admission::default_toleration_seconds(w, &mut pod.spec);
    let node = pod.node;
    let id = w.cluster.add_pod(pod, controller);
    if let Some(n) = node {
        w.queue.schedule(w.now, Event::KubeletSyncPod(id));
        w.scheduler_events.push(ClusterEvent::AssignedPodAdd(id));
        w.kick_scheduler();
        tell_taint_eviction_about_pod(w, id, n);
    } else {
        w.scheduler_new_pods.push(id);
        w.kick_scheduler();
    }
    id
}

/// Binds a pod to a node (`POST pods/binding`): sets `nodeName` and `PodScheduled=True`, and
/// clears `status.nominatedNodeName` (kube-apiserver does since v1.34, KEP-5278).
pub fn bind_pod(w: &mut World, pod: PodId, node: NodeId) {
    w.cluster.bind(pod, node);
    w.scheduler_events.push(ClusterEvent::AssignedPodAdd(pod));
    let now = w.now;
    let p = &mut w.cluster.pods[pod.index()];
    p.status.nominated_node = None;
    p.status.set_condition(PodConditionType::PodScheduled, CondStatus::True, now, "", "");
    let msg = format!(
        "Successfully assigned {}/{} to {}",
        p.meta.namespace,
        p.meta.name,
        w.cluster.nodes[node.index()].meta.name
    );
    w.record_pod(pod, EventType::Normal, "Scheduled", msg);
    w.queue.schedule(w.now, Event::KubeletSyncPod(pod));
    tell_taint_eviction_about_pod(w, pod, node);
    notify_owner(w, pod);
}

/// The taint eviction controller watches pods (`PodUpdated`): a pod that lands on, or leaves,
/// a node with NoExecute taints may need its deletion scheduled or cancelled.
fn tell_taint_eviction_about_pod(w: &mut World, pod: PodId, node: NodeId) {
    if w.cluster.nodes[node.index()].taints.iter().any(|t| t.effect == TaintEffect::NoExecute) {
        w.queue.schedule(w.now, Event::TaintEvictionPodUpdate(pod));
    }
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
    note_left_pending(w, pod);
    w.cluster.set_deletion(pod, SimTime(now.0 + grace * 1000), grace);
    w.scheduler_events.push(ClusterEvent::AssignedPodUpdate(pod));
    w.queue.schedule(now, Event::KubeletSyncPod(pod));
    notify_owner(w, pod);
}

/// Starts the deletions of the pods a scenario's manifests held as Terminating (their
/// `meta.deletion` set by the scenario reader, see `kubesim_scenario`): each is deleted at
/// t = 0 with the grace period recorded, as if the request had just been made. Called once
/// by `Simulation::new`, after the kubelets adopted the running pods.
pub fn start_dump_deletions(w: &mut World) {
    let pods: Vec<PodId> = w
        .cluster
        .live_pods()
        .filter(|p| w.cluster.pods[p.index()].meta.deletion.is_some())
        .collect();
    for pod in pods {
        let grace = w.cluster.pods[pod.index()].meta.deletion_grace_seconds.unwrap_or(0);
        // Through the cluster, so the kept counts (PDBs, workloads, terminating) stay right.
        w.cluster.clear_deletion(pod);
        delete_pod(w, pod, Some(grace));
    }
}

/// Removes the pod object from the API (the end of a deletion).
pub fn remove_pod(w: &mut World, pod: PodId) {
    let p = &w.cluster.pods[pod.index()];
    if p.removed.is_some() {
        return;
    }
    let node = p.node;
    let bound = node.is_some();
    let was_terminal = p.status.phase.is_terminal();
    note_left_pending(w, pod);
    w.cluster.remove_pod(pod, w.now);
    for ev in w.take_removal_watchers(pod) {
        w.queue.schedule(w.now, ev);
    }
    // The Deployment controller's `deletePod` handler: a Recreate Deployment waits for its old
    // pods to be gone, so it hears of every removal of one of its pods.
    if let Some(rs) = w.cluster.controller_of(pod)
        && let Some(d) = w.cluster.workloads[rs.index()].owner
        && matches!(
            w.cluster.workloads[d.index()].spec,
            WorkloadSpec::Deployment { strategy: DeploymentStrategy::Recreate, .. }
        )
    {
        w.sync_workload(d);
    }
    if let Some(n) = node {
        tell_taint_eviction_about_pod(w, pod, n);
    }
    if bound {
        // The kubelet stops whatever still runs (after a force delete), and the node's
        // resources are free: the scheduler may place pods that did not fit.
        w.queue.schedule(w.now, Event::KubeletSyncPod(pod));
        if !was_terminal {
            w.scheduler_events.push(ClusterEvent::AssignedPodDelete(pod));
            w.kick_scheduler();
        }
    } else {
        w.scheduler_events.push(ClusterEvent::UnscheduledPodDelete(pod));
    }
    notify_owner(w, pod);
}

/// Records in the trace that a pod in phase Pending and not being deleted stops being
/// counted as pending (for the `pending` expectation).
fn note_left_pending(w: &mut World, pod: PodId) {
    let p = &w.cluster.pods[pod.index()];
    if p.status.phase == PodPhase::Pending && p.meta.deletion.is_none() && p.removed.is_none() {
        let now = w.now;
        w.trace.left_pending.push((pod, now));
    }
}

/// Sets the phase of a pod, telling its owner and (when it frees resources) the scheduler.
/// A pod turning Succeeded or Failed may put the terminated pods above PodGC's threshold.
pub fn set_pod_phase(w: &mut World, pod: PodId, phase: PodPhase) {
    let p = &w.cluster.pods[pod.index()];
    if p.status.phase == phase {
        return;
    }
    let frees = p.node.is_some() && !p.status.phase.is_terminal() && phase.is_terminal();
    note_left_pending(w, pod);
    w.cluster.set_phase(pod, phase);
    if frees {
        // The scheduler's informer watches only non-terminal pods: a terminal pod is a delete.
        w.scheduler_events.push(ClusterEvent::AssignedPodDelete(pod));
        w.kick_scheduler();
    }
    if phase.is_terminal() {
        crate::podgc::terminated_pods_changed(w);
    }
    notify_owner(w, pod);
}

/// Sets a pod condition as a controller (or a user) does through `pods/status`. Conditions
/// are unique by type (`podutil.UpdatePodCondition`, `pkg/api/v1/pod/util.go`, updates the
/// condition of that type in place or appends one): a built-in type (`DisruptionTarget`,
/// `Ready`, ...) updates that condition, through the cluster so its kept counts follow;
/// another type (a readiness gate's) is kept among the custom conditions. The kubelet hears of
/// it: it decides `Ready` from the gates, and rewrites the conditions it owns
/// (`PodConditionsByKubelet`) on its next status sync, as upstream.
pub fn set_custom_condition(
    w: &mut World,
    pod: PodId,
    condition_type: &str,
    status: CondStatus,
    reason: &str,
    message: &str,
) {
    let now = w.now;
    let p = &w.cluster.pods[pod.index()];
    if p.removed.is_some() {
        return;
    }
    let bound = p.node.is_some();
    let builtin = PodConditionType::ALL.into_iter().find(|t| t.as_str() == condition_type);
    let changed = match builtin {
        Some(t) => {
            let before = w.cluster.pods[pod.index()].status.condition(t).cloned();
            set_pod_condition(w, pod, t, status, reason, message);
            w.cluster.pods[pod.index()].status.condition(t) != before.as_ref()
        }
        None => w.cluster.pods[pod.index()].status.set_custom_condition(
            condition_type,
            status,
            now,
            reason,
            message,
        ),
    };
    if changed && bound {
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
    if !w.cluster.set_pod_condition(pod, t, status, now, reason, message) {
        return;
    }
    if w.autoscaling
        && t == PodConditionType::PodScheduled
        && status == CondStatus::False
        && reason == "Unschedulable"
    {
        w.unschedulable_pods.insert(pod);
    }
    if t == PodConditionType::DisruptionTarget && status == CondStatus::True {
        // The disruption controller's pod handlers look for a stale condition on each update.
        w.disruption_target_set.push(pod);
    }
    if t == PodConditionType::Ready {
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

/// Tells the watchers of a pod that it changed: its controlling workload, and the disruption
/// controller through the pod's PDB (see [`notify_pdb`]).
pub fn notify_owner(w: &mut World, pod: PodId) {
    if let Some(wid) = w.cluster.controller_of(pod) {
        if w.cluster.workloads[wid.index()].kind == kubesim_model::Kind::DaemonSet {
            w.daemonset_pod_changed(wid, pod);
        }
        w.sync_workload(wid);
    }
    notify_pdb(w, pod);
}

/// The disruption controller's pod handlers (`addPod`/`updatePod`/`deletePod` →
/// `getPdbForPod`): the PDBs of the pod's namespace whose selector matches the pod (an empty
/// selector every pod, so such a PDB is re-synced when any pod of its namespace changes), listed by name; the first one is queued for a sync. A pod matching
/// several gets one `MultiplePodDisruptionBudgets` warning (upstream repeats it on every
/// update; the event recorder folds the repeats into a count), and only the first PDB hears
/// of it, as upstream.
pub fn notify_pdb(w: &mut World, pod: PodId) {
    if w.cluster.pdbs_of_pod(pod).is_empty() {
        return;
    }
    let matching = w.matching_pdbs(pod);
    let Some(&first) = matching.first() else { return };
    let several = matching.len() > 1;
    if several && w.report_multiple_pdbs(pod) {
        let p = &w.cluster.pods[pod.index()];
        let (ns, name) = (p.meta.namespace.clone(), p.meta.name.clone());
        let chosen = w.cluster.pdbs[first.index()].meta.name.clone();
        w.record_pod(
            pod,
            EventType::Warning,
            "MultiplePodDisruptionBudgets",
            format!(
                "Pod \"{ns}\"/\"{name}\" matches multiple PodDisruptionBudgets.  Chose \"{chosen}\" arbitrarily."
            ),
        );
    }
    w.sync_pdb(first);
}

/// `PUT poddisruptionbudgets/<name>/status`: the disruption controller's or the Eviction API's
/// write of a PDB's status.
pub fn write_pdb_status(w: &mut World, pdb: PdbId, status: PdbStatus) {
    w.cluster.pdbs[pdb.index()].status = status;
}

/// A node registers (`POST nodes`, by its kubelet): Ready at once. The node lifecycle
/// controller reports `RegisteredNode`; the scheduler hears of it (`NodeAdd`: its cache and
/// node order take it in, and its QueueingHints decide which unschedulable pods to retry);
/// DaemonSets place a pod on it.
pub fn add_node(w: &mut World, node: Node) -> NodeId {
    let id = w.cluster.add_node(node);
    let name = w.cluster.nodes[id.index()].meta.name.clone();
    w.record_node(
        id,
        EventType::Normal,
        "RegisteredNode",
        format!("Node {name} event: Registered Node {name} in Controller"),
    );
    w.touch_node(id);
    w.node_changed(id);
    w.node_set_version += 1;
    w.scheduler_events.push(ClusterEvent::NodeAdd(id));
    w.kick_scheduler();
    w.sync_daemonsets();
    id
}

/// The Node object is deleted (`DELETE nodes/<name>`, its VM is gone): `RemovingNode` from
/// the node lifecycle controller (recorded here, at the deletion, rather than at its next
/// pass); the scheduler drops it (`NodeDelete`); DaemonSets delete their pod there; the taint eviction
/// controller forgets it. Pods still bound to it are left to PodGC (`gcOrphaned`), which is
/// kicked.
pub fn delete_node(w: &mut World, node: NodeId) {
    if w.cluster.nodes[node.index()].removed.is_some() {
        return;
    }
    let name = w.cluster.nodes[node.index()].meta.name.clone();
    w.record_node(
        node,
        EventType::Normal,
        "RemovingNode",
        format!("Node {name} event: Removing Node {name} from Controller"),
    );
    w.cluster.remove_node(node, w.now);
    w.touch_node(node);
    w.node_changed(node);
    w.node_set_version += 1;
    w.scheduler_events.push(ClusterEvent::NodeDelete(node));
    w.kick_scheduler();
    w.sync_daemonsets();
    // The taint eviction controller forgets the node's pending evictions.
    w.queue.schedule(w.now, Event::TaintEvictionNodeUpdate(node));
    // PodGC's gcOrphaned collects the pods still bound to it after its quarantine.
    if !w.cluster.pods_on_node(node).is_empty() {
        crate::podgc::kick(w);
    }
}

/// Changes a node (`PATCH nodes/<name>`: labels, taints, allocatable, ...) and tells the
/// scheduler what it was before (NodeUpdate), so that its cache and QueueingHints see the
/// change. Components should change nodes through this (or another `api` function).
pub fn update_node(w: &mut World, node: NodeId, change: impl FnOnce(&mut Node)) {
    let old = NodeSnapshot::of(&w.cluster, node);
    change(&mut w.cluster.nodes[node.index()]);
    w.node_changed(node);
    if NodeSnapshot::of(&w.cluster, node) == old {
        return;
    }
    w.scheduler_events.push(ClusterEvent::NodeUpdate(node, Box::new(old)));
    w.touch_node(node);
    w.kick_scheduler();
}

/// `kubectl cordon` / `uncordon`: sets `spec.unschedulable`. The node lifecycle controller
/// reconciles the `node.kubernetes.io/unschedulable:NoSchedule` taint on the same update
/// (`doNoScheduleTaintingPass`), and the kubelet reports `NodeNotSchedulable` /
/// `NodeSchedulable`.
pub fn set_unschedulable(w: &mut World, node: NodeId, unschedulable: bool) {
    let n = &w.cluster.nodes[node.index()];
    if n.unschedulable == unschedulable || n.removed.is_some() {
        return;
    }
    let old = NodeSnapshot::of(&w.cluster, node);
    w.scheduler_events.push(ClusterEvent::NodeUpdate(node, Box::new(old)));
    let n = &mut w.cluster.nodes[node.index()];
    n.unschedulable = unschedulable;
    if unschedulable {
        // The node lifecycle controller adds it with `SwapNodeControllerTaint`, which stamps
        // `timeAdded`.
        n.taints.push(Taint {
            key: TAINT_UNSCHEDULABLE.to_string(),
            value: String::new(),
            effect: TaintEffect::NoSchedule,
            time_added: Some(w.now),
        });
    } else {
        n.taints.retain(|t| !(t.key == TAINT_UNSCHEDULABLE && t.effect == TaintEffect::NoSchedule));
    }
    let name = n.meta.name.clone();
    let status = if unschedulable { "NodeNotSchedulable" } else { "NodeSchedulable" };
    w.record_node(node, EventType::Normal, status, format!("Node {name} status is now: {status}"));
    w.touch_node(node);
    w.node_changed(node);
    if !unschedulable {
        w.kick_scheduler();
    }
}

// ----- Nodes: status, taints, deletion (node health) -------------------------------------

/// Writes a node's `Ready` condition (`PUT nodes/<name>/status`); the transition time moves
/// when the status changes. Returns whether the status changed.
pub fn set_node_ready(
    w: &mut World,
    node: NodeId,
    status: CondStatus,
    reason: &'static str,
    message: &'static str,
) -> bool {
    let now = w.now;
    let n = &mut w.cluster.nodes[node.index()];
    let changed = n.ready.status != status;
    if changed {
        n.ready.last_transition = now;
    }
    n.ready.status = status;
    n.ready.reason = reason;
    n.ready.message = message;
    w.touch_node(node);
    if changed {
        w.node_changed(node);
    }
    changed
}

/// Adds a taint, replacing one with the same key and effect (`kubectl taint --overwrite`,
/// `AddOrUpdateTaintOnNode`). NoExecute taints without `timeAdded` get it now, as the API
/// server does. Returns whether the node changed.
pub fn add_node_taint(w: &mut World, node: NodeId, mut taint: Taint) -> bool {
    if taint.effect == TaintEffect::NoExecute && taint.time_added.is_none() {
        taint.time_added = Some(w.now);
    }
    if w.cluster.nodes[node.index()].removed.is_some() {
        return false;
    }
    let old = NodeSnapshot::of(&w.cluster, node);
    let n = &mut w.cluster.nodes[node.index()];
    match n.taints.iter_mut().find(|t| t.key == taint.key && t.effect == taint.effect) {
        Some(t) if t.value == taint.value => return false,
        Some(t) => *t = taint.clone(),
        None => n.taints.push(taint.clone()),
    }
    taints_changed(w, node, old, taint.effect, false);
    true
}

/// Removes the taints with `key` (and `effect`, if given). Returns whether any was removed.
pub fn remove_node_taints(
    w: &mut World,
    node: NodeId,
    key: &str,
    effect: Option<TaintEffect>,
) -> bool {
    let old = NodeSnapshot::of(&w.cluster, node);
    let n = &mut w.cluster.nodes[node.index()];
    let matches = |t: &Taint| t.key == key && effect.is_none_or(|e| e == t.effect);
    let removed: Vec<TaintEffect> =
        n.taints.iter().filter(|t| matches(t)).map(|t| t.effect).collect();
    if removed.is_empty() {
        return false;
    }
    n.taints.retain(|t| !matches(t));
    let noexecute = removed.contains(&TaintEffect::NoExecute);
    taints_changed(w, node, old, if noexecute { TaintEffect::NoExecute } else { removed[0] }, true);
    true
}

/// Tells the watchers of node taints: the taint eviction controller when the NoExecute set
/// changed; the scheduler always (`NodeUpdate` with the node as it was: its cache takes the
/// new taints before its next attempt), woken only when a taint went away (QueueingHints may
/// then retry the pods it kept out; a new taint cannot make a pod fit).
fn taints_changed(
    w: &mut World,
    node: NodeId,
    old: NodeSnapshot,
    effect: TaintEffect,
    removed: bool,
) {
    w.touch_node(node);
    w.node_changed(node);
    if effect == TaintEffect::NoExecute {
        w.queue.schedule(w.now, Event::TaintEvictionNodeUpdate(node));
    }
    w.scheduler_events.push(ClusterEvent::NodeUpdate(node, Box::new(old)));
    if removed {
        w.kick_scheduler();
    }
}
