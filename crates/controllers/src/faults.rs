//! Node faults and node operations, as scenario actions: what happens to a machine, its
//! kubelet and its link to the control plane, and who hears of it.
//!
//! | action | the machine | the kubelet | heartbeats | containers |
//! | --- | --- | --- | --- | --- |
//! | `crash-node` | loses power | dies | stop | stop |
//! | `stop-kubelet` | runs | stops | stop | keep running |
//! | `partition` | runs | runs, cut off from the API server | do not arrive | keep running |
//! | `zone-outage` | every node of the zone crashes (or is cut off: `mode: partition`) | | | |
//! | `recover-node` / `recover-zone` | boots if it was off | starts, posts Ready, finishes what it missed | resume | restart after a crash |
//! | `delete-node` | is gone | gone | stop | gone; the Node object is deleted |
//! | `spot-interruption` | terminated `notice` after the notice | | | |
//! | `taint` / `untaint` | `kubectl taint` | | | |
//!
//! A **spot interruption** is a notice followed by the machine's termination. What reacts to
//! the notice depends on the platform: on EKS a termination handler (AWS Node Termination
//! Handler, or Karpenter's interruption handling) cordons the node and drains it within the
//! 2-minute notice; on GKE the kubelet's graceful node shutdown terminates pods within the 30 s
//! notice. kubesim models the handler (`handler: drain`, the default): at the notice the node
//! is cordoned and every pod on it is deleted gracefully — a plain delete, as `kubectl drain
//! --disable-eviction` does, because the Eviction API and PodDisruptionBudgets are not
//! simulated yet; `handler: none` leaves the pods to the node lifecycle controller. At the end
//! of the notice the machine is gone: its heartbeats stop, and the cloud node lifecycle
//! controller deletes the Node object once it is no longer Ready
//! ([`crate::cloudnodelifecycle`]), after which PodGC removes any pod left on it.

use crate::api;
use crate::cloudnodelifecycle;
use crate::kubelet::Kubelet;
use crate::node_heartbeat::{NodeHeartbeats, Recovery};
use crate::nodelifecycle::NodeLifecycleController;
use crate::podgc::{PodGc, TAINT_OUT_OF_SERVICE};
use crate::tainteviction::TaintEvictionController;
use crate::world::{Event, World};
use kubesim_engine::RngStreams;
use kubesim_model::{
    Action, ActionKind, CondStatus, EventType, NodeId, OutageMode, PodConditionType, SpotHandler,
};

/// The node-health components: the kubelets' heartbeats, the node lifecycle controller, the
/// taint eviction controller and PodGC.
pub struct NodeHealth {
    /// Kubelet heartbeats and node faults.
    pub heartbeats: NodeHeartbeats,
    /// The node lifecycle controller.
    pub nlc: NodeLifecycleController,
    /// The taint eviction controller.
    pub taint_eviction: TaintEvictionController,
    /// The pod garbage collector.
    pub podgc: PodGc,
}

impl NodeHealth {
    /// The components for the world's nodes.
    pub fn new(w: &World, streams: &RngStreams) -> Self {
        Self {
            heartbeats: NodeHeartbeats::new(streams, &w.params, w.cluster.nodes.len()),
            nlc: NodeLifecycleController::new(w),
            taint_eviction: TaintEvictionController::new(),
            podgc: PodGc::new(),
        }
    }

    /// Runs a node action (see [`ActionKind::is_node_operation`]).
    pub fn run(&mut self, w: &mut World, kubelet: &mut Kubelet, action: &Action) {
        match &action.kind {
            ActionKind::CrashNode { nodes } => {
                nodes.iter().for_each(|&n| self.crash(w, kubelet, n))
            }
            ActionKind::StopKubelet { nodes } => {
                nodes.iter().for_each(|&n| self.stop_kubelet(w, n));
            }
            ActionKind::Partition { nodes } => nodes.iter().for_each(|&n| self.partition(w, n)),
            ActionKind::ZoneOutage { nodes, mode, .. } => {
                for &n in nodes {
                    match mode {
                        OutageMode::Crash => self.crash(w, kubelet, n),
                        OutageMode::Partition => self.partition(w, n),
                    }
                }
            }
            ActionKind::RecoverNode { nodes } | ActionKind::RecoverZone { nodes, .. } => {
                nodes.iter().for_each(|&n| self.recover(w, kubelet, n));
            }
            ActionKind::DeleteNode { nodes } => {
                for &n in nodes {
                    self.machine_gone(w, kubelet, n);
                    self.delete_node(w, n);
                }
            }
            ActionKind::SpotInterruption { nodes, notice, handler } => {
                for &n in nodes {
                    if w.cluster.nodes[n.index()].removed.is_some() {
                        continue;
                    }
                    if *handler == SpotHandler::Drain {
                        drain(w, n);
                    }
                    let fault_gen = self.heartbeats.generation(n);
                    w.schedule(*notice, Event::SpotTermination(n, fault_gen));
                }
            }
            ActionKind::Taint { nodes, taint } => {
                for &n in nodes {
                    if api::add_node_taint(w, n, taint.clone()) {
                        self.nlc.node_updated(w, n);
                        if taint.key == TAINT_OUT_OF_SERVICE {
                            self.podgc.kick(w);
                        }
                    }
                }
            }
            ActionKind::Untaint { nodes, key, effect } => {
                for &n in nodes {
                    if api::remove_node_taints(w, n, key, *effect) {
                        self.nlc.node_updated(w, n);
                    }
                }
            }
            ActionKind::Cordon { .. }
            | ActionKind::Uncordon { .. }
            | ActionKind::DeletePod { .. }
            | ActionKind::Scale { .. } => unreachable!("not a node operation"),
            other => unreachable!("not a node operation: {other:?}"),
        }
    }

    /// The machine loses power.
    pub fn crash(&mut self, w: &mut World, kubelet: &mut Kubelet, n: NodeId) {
        if w.cluster.nodes[n.index()].removed.is_some() || self.heartbeats.machine_down(n) {
            return;
        }
        if let Some(last) = self.heartbeats.power_off(n, w.now) {
            self.nlc.heartbeats_stopped(w, n, last);
        }
        kubelet.node_crashed(w, n);
    }

    fn stop_kubelet(&mut self, w: &mut World, n: NodeId) {
        if w.cluster.nodes[n.index()].removed.is_some() || self.heartbeats.machine_down(n) {
            return;
        }
        if let Some(last) = self.heartbeats.stop_kubelet(n, w.now) {
            self.nlc.heartbeats_stopped(w, n, last);
        }
    }

    fn partition(&mut self, w: &mut World, n: NodeId) {
        if w.cluster.nodes[n.index()].removed.is_some() || self.heartbeats.machine_down(n) {
            return;
        }
        if let Some(last) = self.heartbeats.partition(n, w.now) {
            self.nlc.heartbeats_stopped(w, n, last);
        }
    }

    fn machine_gone(&mut self, w: &mut World, kubelet: &mut Kubelet, n: NodeId) {
        if let Some(last) = self.heartbeats.machine_gone(n, w.now) {
            self.nlc.heartbeats_stopped(w, n, last);
        }
        kubelet.node_crashed(w, n);
    }

    /// Deletes the Node object: the node lifecycle controller forgets it at its next pass,
    /// PodGC collects its pods after the quarantine.
    pub fn delete_node(&mut self, w: &mut World, n: NodeId) {
        if w.cluster.nodes[n.index()].removed.is_some() {
            return;
        }
        api::delete_node(w, n);
        self.nlc.node_updated(w, n);
    }

    /// Handles [`Event::SpotTermination`]: the machine is terminated.
    pub fn spot_termination(
        &mut self,
        w: &mut World,
        kubelet: &mut Kubelet,
        n: NodeId,
        fault_gen: u32,
    ) {
        if self.heartbeats.generation(n) != fault_gen
            || w.cluster.nodes[n.index()].removed.is_some()
        {
            return;
        }
        self.machine_gone(w, kubelet, n);
        cloudnodelifecycle::watch(w, n);
    }

    /// Handles [`Event::CloudNodeMonitor`].
    pub fn cloud_node_monitor(&mut self, w: &mut World, n: NodeId) {
        if cloudnodelifecycle::monitor(w, n) {
            self.nlc.node_updated(w, n);
            self.podgc.kick(w);
        }
    }

    /// Undoes the node's faults.
    fn recover(&mut self, w: &mut World, kubelet: &mut Kubelet, n: NodeId) {
        if w.cluster.nodes[n.index()].removed.is_some() {
            return;
        }
        match self.heartbeats.recover(n, w.now) {
            Recovery::Nothing => {}
            Recovery::Booted => {
                let name = w.cluster.nodes[n.index()].meta.name.clone();
                w.record_node(n, EventType::Normal, "Starting", "Starting kubelet.".into());
                let boot_id = w.cluster.new_uid();
                w.record_node(
                    n,
                    EventType::Warning,
                    "Rebooted",
                    format!("Node {name} has been rebooted, boot id: {boot_id}"),
                );
                self.post_ready(w, n);
                kubelet.node_booted(w, n);
            }
            Recovery::KubeletStarted => {
                w.record_node(n, EventType::Normal, "Starting", "Starting kubelet.".into());
                self.post_ready(w, n);
                self.resume_kubelet_work(w, n);
            }
            Recovery::Healed(sync) => {
                let fault_gen = self.heartbeats.generation(n);
                w.schedule_at(sync, Event::KubeletNodeStatus(n, fault_gen));
                self.resume_kubelet_work(w, n);
            }
        }
    }

    /// Handles [`Event::KubeletNodeStatus`]: the first status sync after a partition healed.
    pub fn kubelet_node_status(&mut self, w: &mut World, n: NodeId, fault_gen: u32) {
        if self.heartbeats.generation(n) != fault_gen
            || w.cluster.nodes[n.index()].removed.is_some()
        {
            return;
        }
        let changed = !w.cluster.nodes[n.index()].is_ready();
        if self.heartbeats.status_sync(n, w.now, changed) && changed {
            self.post_ready(w, n);
        }
    }

    /// The kubelet posts `Ready=True` (`KubeletReady`) if the API server has anything else,
    /// with its `NodeReady` event; the node lifecycle controller takes it from there.
    fn post_ready(&mut self, w: &mut World, n: NodeId) {
        if api::set_node_ready(
            w,
            n,
            CondStatus::True,
            "KubeletReady",
            "kubelet is posting ready status",
        ) {
            let name = w.cluster.nodes[n.index()].meta.name.clone();
            w.record_node(
                n,
                EventType::Normal,
                "NodeReady",
                format!("Node {name} status is now: NodeReady"),
            );
            self.nlc.node_status_changed(w, n);
        }
    }

    /// The kubelet runs and reaches the API server again: the work it held back is replayed
    /// in order, and its status manager writes back the Ready condition of pods whose
    /// containers are all ready (the node lifecycle controller had marked them not Ready).
    fn resume_kubelet_work(&mut self, w: &mut World, n: NodeId) {
        for ev in self.heartbeats.take_deferred(n) {
            w.queue.schedule(w.now, ev);
        }
        let pods: Vec<_> = w.cluster.pods_on_node(n).iter().copied().collect();
        for p in pods {
            let pod = &w.cluster.pods[p.index()];
            if pod.meta.deletion.is_none()
                && pod.status.is_true(PodConditionType::ContainersReady)
                && !pod.is_ready()
            {
                api::set_pod_condition(w, p, PodConditionType::Ready, CondStatus::True, "", "");
            }
        }
    }
}

/// A termination handler's cordon and drain at a spot interruption notice (see the module
/// docs): cordon, then a graceful delete of every pod on the node.
fn drain(w: &mut World, n: NodeId) {
    api::set_unschedulable(w, n, true);
    let pods: Vec<_> = w.cluster.pods_on_node(n).iter().copied().collect();
    for p in pods {
        if w.cluster.pods[p.index()].meta.deletion.is_none() {
            api::delete_pod(w, p, None);
        }
    }
}
