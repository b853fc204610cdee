//! The kubelets: one logical component, one [`NodeKubelet`] per node (with its own random
//! stream, image puller and pod workers).
//!
//! What a pod goes through once bound (durations and failures come from the pod's
//! `behaviour`, see `docs/scenario-format.md`):
//! 1. **Admission** ([`admission`]): rejected pods go straight to `Failed`.
//! 2. The sandbox is created at once (`PodReadyToStartContainers=True`).
//! 3. The pod worker ([`pod_worker`]) runs init containers one at a time, then starts the app
//!    containers in spec order: image ([`images`]: cache, pull policy, serialised pulls,
//!    `ErrImagePull` and `ImagePullBackOff`), `Created`, `Started`, `postStart`; restarts
//!    exited containers per `restartPolicy` with CrashLoopBackOff ([`backoff`]); kills
//!    containers whose liveness or startup probe fails.
//! 4. Probes ([`prober`]) decide `started` and `ready`; the pod's phase and conditions follow
//!    ([`status`]): `Initialized`, `ContainersReady`, `Ready` (with readiness gates).
//! 5. **Termination** ([`termination`]): `preStop`, SIGTERM, SIGKILL at the end of the grace
//!    period (at least 2 s), sidecars last; then the terminal phase and the object's removal.
//!
//! Node faults ([`node_restart`]): a machine that loses power takes the node's containers and
//! timers with it; when it boots, pods deleted meanwhile end Failed and are removed, and the
//! others restart in a new sandbox (`SandboxChanged`). A kubelet that is stopped or cut off
//! keeps its state: the dispatcher holds its work back and replays it when it runs again
//! (`node_heartbeat::KubeletGate`), which is why timed steps accept being late.
//!
//! Timers carry the pod worker's epoch (unique per worker, never reused), and per-container
//! steps the container instance's generation, so steps of a stopped container, a removed pod
//! or a dropped worker are ignored.
//!
//! Simplified, in one place (each module says more): the kubelet sees a container exit at
//! once (evented PLEG, no 1 s relist); a failed sync is retried exactly at its back-off's
//! expiry, or 10 s later for other errors, with no jitter and no 1-minute periodic resync;
//! repeated `BackOff` events within one back-off window are recorded once; probes have no
//! random initial sleep and run no real handler (the application's health comes from
//! [`crate::apps`]); the sandbox is ready at once; a shorter grace period from a second delete
//! does not shorten a termination under way; containers of pods adopted from a dump at t = 0
//! run until stopped (their behaviour's exits and crashes apply to later starts).

pub mod admission;
pub mod backoff;
pub mod images;
pub mod node_restart;
pub mod pod_worker;
pub mod prober;
pub mod status;
pub mod termination;

use crate::api;
use crate::world::{KubeletStep, World, streams};
use images::{ImagePuller, OnNode};
use kubesim_engine::RngStreams;
use kubesim_model::{EventType, NodeId, PodId, PodPhase};
use pod_worker::{Ctx, PodWorker, Termination};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// One node's kubelet.
pub struct NodeKubelet {
    /// The node's random stream (pull, start, ready, shutdown, hook durations; crashes).
    rng: ChaCha8Rng,
    /// The node's image puller.
    images: ImagePuller,
    /// The pods this kubelet runs, by pod.
    pods: BTreeMap<PodId, PodWorker>,
    /// A graceful node shutdown is under way: new pods are rejected.
    shutting_down: bool,
}

impl NodeKubelet {
    fn new(rng: ChaCha8Rng) -> Self {
        Self { rng, images: ImagePuller::default(), pods: BTreeMap::new(), shutting_down: false }
    }

    /// The pods this kubelet has a worker for, in id order.
    pub fn pods(&self) -> impl Iterator<Item = PodId> + '_ {
        self.pods.keys().copied()
    }

    /// Drops a pod's worker (its pending steps become stale). For whoever stops a node's
    /// kubelet: the containers' runtime state goes with it.
    pub fn forget_pod(&mut self, pod: PodId) -> bool {
        self.pods.remove(&pod).is_some()
    }
}

/// All kubelets.
pub struct Kubelet {
    nodes: Vec<NodeKubelet>,
    streams: RngStreams,
    next_epoch: u32,
}

impl Kubelet {
    /// Kubelets for the scenario's nodes (created as nodes are first used).
    pub fn new(streams: &RngStreams) -> Self {
        Self { nodes: Vec::new(), streams: *streams, next_epoch: 0 }
    }

    /// The kubelet of a node.
    pub fn node(&mut self, id: NodeId) -> &mut NodeKubelet {
        while self.nodes.len() <= id.index() {
            let i = self.nodes.len() as u64;
            self.nodes.push(NodeKubelet::new(self.streams.stream(streams::KUBELET_BASE + i)));
        }
        &mut self.nodes[id.index()]
    }

    fn epoch(&mut self) -> u32 {
        self.next_epoch += 1;
        self.next_epoch
    }

    /// Runs `f` on the pod's worker; the worker is dropped if `f` returns false.
    fn with_worker(
        &mut self,
        w: &mut World,
        pod: PodId,
        f: impl FnOnce(&mut Ctx, &mut PodWorker) -> bool,
    ) {
        let Some(node) = w.cluster.pods[pod.index()].node else { return };
        let NodeKubelet { rng, images, pods, .. } = self.node(node);
        let Some(wk) = pods.get_mut(&pod) else { return };
        let mut cx = Ctx { w, rng, images, pod, node };
        if !f(&mut cx, wk) {
            pods.remove(&pod);
        }
    }

    /// A pod that a scenario starts as running (from a cluster dump) is this kubelet's.
    pub fn adopt_running(&mut self, w: &mut World, pod: PodId) {
        let Some(node) = w.cluster.pods[pod.index()].node else { return };
        let epoch = self.epoch();
        let wk = PodWorker::adopt(&w.cluster.pods[pod.index()], epoch);
        self.node(node).pods.insert(pod, wk);
        self.with_worker(w, pod, |cx, wk| {
            pod_worker::admitted(cx, wk);
            true
        });
    }

    /// A pod that is already terminal at t = 0 needs nothing (the kubelet keeps a finished
    /// worker so that it is not started again).
    pub fn adopt_finished(&mut self, w: &World, pod: PodId) {
        let Some(node) = w.cluster.pods[pod.index()].node else { return };
        let epoch = self.epoch();
        let mut wk = PodWorker::new(&w.cluster.pods[pod.index()], epoch, w.now);
        wk.done = true;
        self.node(node).pods.insert(pod, wk);
    }

    /// Handles `KubeletSyncPod`: a pod was bound to this kubelet's node, changed (deletion,
    /// readiness gate, ephemeral container), or was removed from the API.
    pub fn sync_pod(&mut self, w: &mut World, pod: PodId) {
        let p = &w.cluster.pods[pod.index()];
        let Some(node) = p.node else { return };
        let (removed, deleting) = (p.removed.is_some(), p.meta.deletion.is_some());
        let known = self.node(node).pods.contains_key(&pod);
        if removed {
            // Gone from the API. After a force delete the containers still run: the kubelet
            // stops them with the pod's terminationGracePeriodSeconds
            // (`calculateEffectiveGracePeriod`), then forgets the pod.
            let grace = p.spec.termination_grace_period_seconds;
            self.with_worker(w, pod, |cx, wk| {
                if wk.term.is_none() && !wk.done {
                    pod_worker::begin_pod_stop(cx, wk, Termination { grace, deleting: true });
                }
                !wk.done
            });
            return;
        }
        if !known {
            if deleting || p.status.phase.is_terminal() {
                return;
            }
            self.admit(w, pod, node);
            return;
        }
        let grace = p.meta.deletion_grace_seconds.unwrap_or(0);
        self.with_worker(w, pod, |cx, wk| {
            if deleting {
                pod_worker::begin_pod_stop(cx, wk, Termination { grace, deleting: true });
            } else {
                wk.add_ephemeral(&cx.w.cluster.pods[pod.index()], cx.w.now);
                pod_worker::sync(cx, wk);
            }
            true
        });
    }

    /// The node's graceful node shutdown began (`nodeshutdown` manager): from now on its
    /// `Admit` refuses every pod.
    pub fn node_shutting_down(&mut self, node: NodeId) {
        self.node(node).shutting_down = true;
    }

    /// The graceful node shutdown kills a pod (`killPodFunc` with a grace period override and
    /// a status function): `DisruptionTarget=True` (`TerminationByKubelet`) now, its containers
    /// stopped within `grace` seconds, then `Failed` with reason `Terminated` (see
    /// [`crate::faults`]). A pod already stopping or done is left as it is.
    pub fn shutdown_pod(&mut self, w: &mut World, pod: PodId, grace: u64) {
        self.with_worker(w, pod, |cx, wk| {
            if wk.term.is_some() || wk.done {
                return true;
            }
            wk.shutdown = true;
            api::set_pod_condition(
                cx.w,
                cx.pod,
                kubesim_model::PodConditionType::DisruptionTarget,
                kubesim_model::CondStatus::True,
                "TerminationByKubelet",
                pod_worker::NODE_SHUTDOWN_MESSAGE,
            );
            pod_worker::begin_pod_stop(cx, wk, Termination { grace, deleting: false });
            !(wk.done && wk.term.is_some_and(|t| t.deleting))
        });
    }

    fn admit(&mut self, w: &mut World, pod: PodId, node: NodeId) {
        let epoch = self.epoch();
        let mut wk = PodWorker::new(&w.cluster.pods[pod.index()], epoch, w.now);
        if self.node(node).shutting_down {
            // `nodeshutdown` manager's `Admit`: rejected with `nodeShutdownNotAdmittedReason`;
            // `rejectPod` records the message as is and prefixes the status message.
            let now = w.now;
            let msg = "Pod was rejected as the node is shutting down.";
            let pm = &mut w.cluster.pods[pod.index()];
            pm.status.reason = Some("NodeShutdown".to_string());
            pm.status.message = Some(format!("Pod was rejected: {msg}"));
            pm.status.start_time = Some(now);
            api::set_pod_phase(w, pod, PodPhase::Failed);
            w.record_pod(pod, EventType::Warning, "NodeShutdown", msg.to_string());
            wk.done = true;
            self.node(node).pods.insert(pod, wk);
            return;
        }
        if let Some((reason, msg)) = admission::check(w, pod, node) {
            let now = w.now;
            let pm = &mut w.cluster.pods[pod.index()];
            pm.status.reason = Some(reason.to_string());
            pm.status.message = Some(msg.clone());
            pm.status.start_time = Some(now);
            api::set_pod_phase(w, pod, PodPhase::Failed);
            w.record_pod(pod, EventType::Warning, reason, msg);
            wk.done = true;
            self.node(node).pods.insert(pod, wk);
            return;
        }
        self.node(node).pods.insert(pod, wk);
        self.with_worker(w, pod, |cx, wk| {
            pod_worker::admitted(cx, wk);
            true
        });
    }

    /// Handles a timed step; stale ones (another worker, an older instance) are ignored.
    pub fn step(&mut self, w: &mut World, pod: PodId, epoch: u32, step: KubeletStep) {
        if let (KubeletStep::ImagePulled(_), Some(node)) = (step, w.cluster.pods[pod.index()].node)
        {
            // The image lands on the node even if the pod that asked for it is gone.
            let now = w.now;
            self.node(node).images.settle(now, &mut OnNode(&mut w.cluster, node));
        }
        self.with_worker(w, pod, |cx, wk| {
            if wk.epoch != epoch {
                return true;
            }
            match step {
                KubeletStep::ImagePulled(c) => pod_worker::image_pulled(cx, wk, c as usize),
                KubeletStep::ContainerStarted(c, generation) => {
                    pod_worker::container_started(cx, wk, c as usize, generation)
                }
                KubeletStep::PostStartDone(c, generation) => {
                    pod_worker::post_start_done(cx, wk, c as usize, generation)
                }
                KubeletStep::ContainerExited(c, generation) => {
                    pod_worker::container_exited(cx, wk, c as usize, generation)
                }
                KubeletStep::PreStopDone(c, generation) => {
                    pod_worker::pre_stop_done(cx, wk, c as usize, generation)
                }
                KubeletStep::ContainerStopped(c, generation) => {
                    pod_worker::container_stopped(cx, wk, c as usize, generation)
                }
                KubeletStep::Probe(c, kind, token) => prober::tick(cx, wk, c as usize, kind, token),
                KubeletStep::ProbeTimedOut(c, kind, token) => {
                    prober::timed_out(cx, wk, c as usize, kind, token)
                }
                KubeletStep::Resync => {
                    // At or after: a stopped kubelet replays its steps late (`KubeletGate`).
                    if wk.resync_at.is_some_and(|r| r <= cx.w.now) {
                        wk.resync_at = None;
                        pod_worker::sync(cx, wk);
                    }
                }
            }
            // A deleted pod's worker goes once its containers have stopped.
            !(wk.done && wk.term.is_some_and(|t| t.deleting))
        });
    }

    /// Handles `AppHealthChanged`: the pod's probes are re-planned.
    pub fn app_health_changed(&mut self, w: &mut World, pod: PodId) {
        self.with_worker(w, pod, |cx, wk| {
            for c in 0..wk.ctrs.len() {
                for kind in kubesim_model::ProbeKind::ALL {
                    prober::plan(cx, wk, c, kind);
                }
            }
            true
        });
    }
}
