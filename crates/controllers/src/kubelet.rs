//! The kubelets (one logical component; each node has its own random stream): admission, image
//! pulls, container start, readiness, and graceful termination.
//!
//! What one pod goes through after it is bound (all steps take simulated time drawn from the
//! pod's behaviour, see `docs/scenario-format.md`):
//! 1. **Admission** (`predicateAdmitHandler.Admit`): the node's allocatable against the pods
//!    the kubelet already runs; rejected pods go straight to `Failed` with reason
//!    `OutOf<resource>` and message `Pod was rejected: ...`.
//! 2. Sandbox ready (`PodReadyToStartContainers=True`) and `Initialized=True` at once.
//! 3. For each container in spec order (the kubelet starts them sequentially in one sync):
//!    the image (`Pulled` "already present on machine", or `Pulling` then `Pulled` after the
//!    pull; pulls on one node are serialised, like `serializeImagePulls: true`), `Created`,
//!    then `Started` after the start time. The pod turns `Running` when every container has
//!    started.
//! 4. Each container turns ready `ready` after it started; when all are, `ContainersReady`
//!    and `Ready` become True.
//! 5. **Termination** (`killContainer`): on a graceful delete each running container gets
//!    SIGTERM (`Killing`: "Stopping container <name>") and exits after the application's
//!    shutdown time, or is killed at the end of the grace period (exit 137). When all have
//!    stopped the pod gets its terminal phase and the kubelet removes the object.
//!
//! Simplified in this version (see the issues that extend it): init containers are not run
//! (`Initialized` is set at once), probes, restarts and lifecycle hooks are not modelled, and
//! a container is ready `ready` after it started whether or not it has a readiness probe.

use crate::api;
use crate::world::{Event, KubeletStep, World, streams};
use kubesim_engine::{RngStreams, SimDuration, SimTime};
use kubesim_model::{
    CondStatus, ContainerState, ContainerStatus, EventType, NodeId, PodConditionType, PodId,
    PodPhase, PullPolicy,
};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The kubelet's own record of a pod it runs.
#[derive(Debug, Clone, Default)]
struct PodWork {
    /// Bumped whenever pending timers must be ignored (termination started, pod gone).
    epoch: u32,
    /// Admitted and being started or running.
    admitted: bool,
    /// Termination has started.
    terminating: bool,
    /// Containers still running during termination.
    stopping: u16,
    /// When the current image pull was requested.
    pull_requested: SimTime,
    /// When the current image pull actually started (after waiting for the serial puller).
    pull_started: SimTime,
}

/// Per-node kubelet state.
struct NodeKubelet {
    rng: ChaCha8Rng,
    /// Serialised image pulls: the puller is busy until this time.
    puller_busy_until: SimTime,
    /// Pulls queued or running, by image: when each completes.
    pulls_in_flight: BTreeMap<String, SimTime>,
}

/// All kubelets.
pub struct Kubelet {
    nodes: Vec<NodeKubelet>,
    pods: BTreeMap<PodId, PodWork>,
    seed_streams: RngStreams,
}

impl Kubelet {
    /// Kubelets for the scenario's nodes.
    pub fn new(streams: &RngStreams) -> Self {
        Self { nodes: Vec::new(), pods: BTreeMap::new(), seed_streams: *streams }
    }

    fn node(&mut self, id: NodeId) -> &mut NodeKubelet {
        while self.nodes.len() <= id.index() {
            let i = self.nodes.len() as u64;
            self.nodes.push(NodeKubelet {
                rng: self.seed_streams.stream(streams::KUBELET_BASE + i),
                puller_busy_until: SimTime::ZERO,
                pulls_in_flight: BTreeMap::new(),
            });
        }
        &mut self.nodes[id.index()]
    }

    /// Marks a pod that a scenario starts as already running (from a cluster dump).
    pub fn adopt_running(&mut self, pod: PodId) {
        self.pods.insert(pod, PodWork { admitted: true, ..PodWork::default() });
    }

    /// Handles `KubeletSyncPod`: a pod was bound to this kubelet's node, deleted, or removed.
    pub fn sync_pod(&mut self, w: &mut World, pod: PodId) {
        let p = &w.cluster.pods[pod.index()];
        let Some(node) = p.node else { return };
        if p.removed.is_some() {
            // Gone from the API (force delete, or our own removal): stop any timers.
            if let Some(work) = self.pods.get_mut(&pod) {
                work.epoch += 1;
                if !work.terminating && work.admitted && !p.status.phase.is_terminal() {
                    let names: Vec<String> =
                        p.spec.containers.iter().map(|c| c.name.clone()).collect();
                    for name in names {
                        w.record_pod(
                            pod,
                            EventType::Normal,
                            "Killing",
                            format!("Stopping container {name}"),
                        );
                    }
                }
            }
            self.pods.remove(&pod);
            return;
        }
        if p.meta.deletion.is_some() {
            self.start_termination(w, pod, node);
            return;
        }
        if !self.pods.contains_key(&pod) {
            self.admit(w, pod, node);
        }
    }

    fn admit(&mut self, w: &mut World, pod: PodId, node: NodeId) {
        let p = &w.cluster.pods[pod.index()];
        let n = &w.cluster.nodes[node.index()];
        // The cluster's accounting already includes this pod; compare the total.
        let used = w.cluster.requested_on_node(node);
        let req = p.spec.requests();
        let alloc = n.allocatable;
        let over = [
            ("pods", used.pods > alloc.pods, req.pods, used.pods - req.pods, alloc.pods),
            (
                "cpu",
                used.cpu_milli > alloc.cpu_milli,
                req.cpu_milli,
                used.cpu_milli - req.cpu_milli,
                alloc.cpu_milli,
            ),
            (
                "memory",
                used.memory > alloc.memory,
                req.memory,
                used.memory - req.memory,
                alloc.memory,
            ),
        ]
        .into_iter()
        .find(|o| o.1);
        if let Some((res, _, want, used, cap)) = over {
            let reason: &'static str = match res {
                "pods" => "OutOfpods",
                "cpu" => "OutOfcpu",
                _ => "OutOfmemory",
            };
            let msg = format!(
                "Pod was rejected: Node didn't have enough resource: {res}, requested: {want}, used: {used}, capacity: {cap}"
            );
            let now = w.now;
            let pm = &mut w.cluster.pods[pod.index()];
            pm.status.reason = Some(reason.to_string());
            pm.status.message = Some(msg.clone());
            pm.status.start_time = Some(now);
            api::set_pod_phase(w, pod, PodPhase::Failed);
            w.record_pod(pod, EventType::Warning, reason, msg);
            self.pods.insert(pod, PodWork::default());
            return;
        }
        let now = w.now;
        self.pods.insert(pod, PodWork { admitted: true, ..PodWork::default() });
        // A pod created with `spec.nodeName` never met the scheduler; the kubelet's status
        // reports it scheduled.
        api::set_pod_condition(w, pod, PodConditionType::PodScheduled, CondStatus::True, "", "");
        let pm = &mut w.cluster.pods[pod.index()];
        pm.status.start_time = Some(now);
        pm.status.container_statuses = pm
            .spec
            .containers
            .iter()
            .map(|c| ContainerStatus {
                name: c.name.clone(),
                image: c.image.clone(),
                state: ContainerState::Waiting { reason: "ContainerCreating".into() },
                ready: false,
                started: false,
                restart_count: 0,
            })
            .collect();
        api::set_pod_condition(
            w,
            pod,
            PodConditionType::PodReadyToStartContainers,
            CondStatus::True,
            "",
            "",
        );
        api::set_pod_condition(w, pod, PodConditionType::Initialized, CondStatus::True, "", "");
        api::set_pod_condition(
            w,
            pod,
            PodConditionType::ContainersReady,
            CondStatus::False,
            "ContainersNotReady",
            &not_ready_message(w, pod),
        );
        api::set_pod_condition(
            w,
            pod,
            PodConditionType::Ready,
            CondStatus::False,
            "ContainersNotReady",
            &not_ready_message(w, pod),
        );
        self.ensure_image(w, pod, node, 0);
    }

    /// Step 3 for container `i`: make sure the image is there, then create it.
    fn ensure_image(&mut self, w: &mut World, pod: PodId, node: NodeId, i: u16) {
        let p = &w.cluster.pods[pod.index()];
        let Some(c) = p.spec.containers.get(i as usize) else { return };
        let image = c.image.clone();
        let policy = c.image_pull_policy;
        let present = w.cluster.nodes[node.index()].images.contains(&image);
        let epoch = self.pods[&pod].epoch;
        let now = w.now;
        if present && policy != PullPolicy::Always {
            w.record_pod(
                pod,
                EventType::Normal,
                "Pulled",
                format!("Container image \"{image}\" already present on machine"),
            );
            self.create_container(w, pod, node, i);
            return;
        }
        if policy == PullPolicy::Never {
            // ErrImageNeverPull: the container stays Waiting (image failures come with the
            // kubelet lifecycle work).
            let msg =
                format!("Container image \"{image}\" is not present with pull policy of Never");
            w.cluster.pods[pod.index()].status.container_statuses[i as usize].state =
                ContainerState::Waiting { reason: "ErrImageNeverPull".into() };
            w.record_pod(pod, EventType::Warning, "ErrImageNeverPull", msg);
            return;
        }
        let dur = w.cluster.behaviours[p.behaviour.0 as usize].image_pull.clone();
        w.record_pod(pod, EventType::Normal, "Pulling", format!("Pulling image \"{image}\""));
        let serialize = w.params.serialize_image_pulls;
        let nk = self.node(node);
        let (start, done) = match nk.pulls_in_flight.get(&image) {
            // Another pod is pulling the same image: this request finds the layers when it
            // gets its turn, right after.
            Some(&t) if t >= now => (t, t),
            _ => {
                let start = if serialize { nk.puller_busy_until.max(now) } else { now };
                let d = dur.sample(&mut nk.rng);
                let end = start + d;
                if serialize {
                    nk.puller_busy_until = end;
                }
                nk.pulls_in_flight.insert(image, end);
                (start, end)
            }
        };
        let work = self.pods.get_mut(&pod).expect("pod work");
        work.pull_requested = now;
        work.pull_started = start;
        w.schedule_at(done, Event::KubeletStep(pod, epoch, KubeletStep::ImagePulled(i)));
    }

    fn create_container(&mut self, w: &mut World, pod: PodId, node: NodeId, i: u16) {
        let p = &w.cluster.pods[pod.index()];
        let name = p.spec.containers[i as usize].name.clone();
        let dur = w.cluster.behaviours[p.behaviour.0 as usize].container_start.clone();
        w.record_pod(pod, EventType::Normal, "Created", format!("Created container: {name}"));
        let d = dur.sample(&mut self.node(node).rng);
        let epoch = self.pods[&pod].epoch;
        w.schedule(d, Event::KubeletStep(pod, epoch, KubeletStep::ContainerStarted(i)));
    }

    /// Handles a timed step; stale ones (older generation) are ignored.
    pub fn step(&mut self, w: &mut World, pod: PodId, epoch: u32, step: KubeletStep) {
        let Some(work) = self.pods.get(&pod) else { return };
        if work.epoch != epoch {
            return;
        }
        let Some(node) = w.cluster.pods[pod.index()].node else { return };
        match step {
            KubeletStep::ImagePulled(i) => {
                let p = &w.cluster.pods[pod.index()];
                let image = p.spec.containers[i as usize].image.clone();
                let work = &self.pods[&pod];
                let took = w.now - work.pull_started;
                let waited = w.now - work.pull_requested;
                w.cluster.nodes[node.index()].images.insert(image.clone());
                w.record_pod(
                    pod,
                    EventType::Normal,
                    "Pulled",
                    format!("Successfully pulled image \"{image}\" in {took} ({waited} including waiting)"),
                );
                self.create_container(w, pod, node, i);
            }
            KubeletStep::ContainerStarted(i) => {
                let now = w.now;
                let p = &mut w.cluster.pods[pod.index()];
                let name = p.spec.containers[i as usize].name.clone();
                let n_containers = p.spec.containers.len();
                let cs = &mut p.status.container_statuses[i as usize];
                cs.state = ContainerState::Running { started_at: now };
                cs.started = true;
                let dur = w.cluster.behaviours[p.behaviour.0 as usize].ready.clone();
                w.record_pod(
                    pod,
                    EventType::Normal,
                    "Started",
                    format!("Started container {name}"),
                );
                if i as usize + 1 == n_containers {
                    api::set_pod_phase(w, pod, PodPhase::Running);
                } else {
                    self.ensure_image(w, pod, node, i + 1);
                }
                let d = dur.sample(&mut self.node(node).rng);
                w.schedule(d, Event::KubeletStep(pod, epoch, KubeletStep::ContainerReady(i)));
            }
            KubeletStep::ContainerReady(i) => {
                let p = &mut w.cluster.pods[pod.index()];
                p.status.container_statuses[i as usize].ready = true;
                if p.status.container_statuses.iter().all(|c| c.ready) {
                    api::set_pod_condition(
                        w,
                        pod,
                        PodConditionType::ContainersReady,
                        CondStatus::True,
                        "",
                        "",
                    );
                    api::set_pod_condition(
                        w,
                        pod,
                        PodConditionType::Ready,
                        CondStatus::True,
                        "",
                        "",
                    );
                } else {
                    let msg = not_ready_message(w, pod);
                    api::set_pod_condition(
                        w,
                        pod,
                        PodConditionType::ContainersReady,
                        CondStatus::False,
                        "ContainersNotReady",
                        &msg,
                    );
                    api::set_pod_condition(
                        w,
                        pod,
                        PodConditionType::Ready,
                        CondStatus::False,
                        "ContainersNotReady",
                        &msg,
                    );
                }
            }
            KubeletStep::ContainerStopped(i) => {
                let now = w.now;
                let deadline = w.cluster.pods[pod.index()].meta.deletion.unwrap_or(now);
                let p = &mut w.cluster.pods[pod.index()];
                let cs = &mut p.status.container_statuses[i as usize];
                if let ContainerState::Running { started_at } = cs.state {
                    let killed = now >= deadline && now > started_at;
                    let (reason, exit_code) =
                        if killed { ("Error", 137) } else { ("Completed", 0) };
                    cs.state = ContainerState::Terminated {
                        reason: reason.into(),
                        exit_code,
                        started_at,
                        finished_at: now,
                    };
                }
                cs.ready = false;
                let msg = not_ready_message(w, pod);
                api::set_pod_condition(
                    w,
                    pod,
                    PodConditionType::ContainersReady,
                    CondStatus::False,
                    "ContainersNotReady",
                    &msg,
                );
                api::set_pod_condition(
                    w,
                    pod,
                    PodConditionType::Ready,
                    CondStatus::False,
                    "ContainersNotReady",
                    &msg,
                );
                let work = self.pods.get_mut(&pod).expect("pod work");
                work.stopping = work.stopping.saturating_sub(1);
                if work.stopping == 0 {
                    self.finish_termination(w, pod);
                }
            }
        }
    }

    /// Graceful termination: SIGTERM every running container; each exits after the app's
    /// shutdown time or is killed when the grace period ends. Containers that never started
    /// are simply not started.
    fn start_termination(&mut self, w: &mut World, pod: PodId, node: NodeId) {
        let work = self.pods.entry(pod).or_default();
        if work.terminating {
            return;
        }
        work.terminating = true;
        work.epoch += 1;
        let epoch = work.epoch;
        let p = &w.cluster.pods[pod.index()];
        let grace = SimDuration::from_secs(p.meta.deletion_grace_seconds.unwrap_or(0));
        let shutdown = w.cluster.behaviours[p.behaviour.0 as usize].shutdown.clone();
        let running: Vec<(u16, String)> = p
            .status
            .container_statuses
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.state, ContainerState::Running { .. }))
            .map(|(i, c)| (i as u16, c.name.clone()))
            .collect();
        if running.is_empty() {
            self.finish_termination(w, pod);
            return;
        }
        self.pods.get_mut(&pod).expect("pod work").stopping = running.len() as u16;
        for (i, name) in running {
            w.record_pod(pod, EventType::Normal, "Killing", format!("Stopping container {name}"));
            let d = shutdown.sample(&mut self.node(node).rng).min(grace);
            w.schedule(d, Event::KubeletStep(pod, epoch, KubeletStep::ContainerStopped(i)));
        }
        // The Ready condition stays as it is until containers stop: upstream keeps probing
        // readiness during termination (EndpointSlices mark such endpoints `terminating`);
        // controllers and PDBs already discount pods that have a deletionTimestamp.
    }

    /// All containers have stopped: the terminal phase (Succeeded if every container exited
    /// 0, else Failed — kubelets since v1.27), then the kubelet deletes the object with grace 0.
    fn finish_termination(&mut self, w: &mut World, pod: PodId) {
        let p = &w.cluster.pods[pod.index()];
        let ok = p.status.container_statuses.iter().all(|c| match &c.state {
            ContainerState::Terminated { exit_code, .. } => *exit_code == 0,
            _ => true,
        });
        api::set_pod_phase(w, pod, if ok { PodPhase::Succeeded } else { PodPhase::Failed });
        if let Some(work) = self.pods.get_mut(&pod) {
            work.epoch += 1;
        }
        self.pods.remove(&pod);
        api::remove_pod(w, pod);
    }
}

// ----- Node faults (node health) ----------------------------------------------------------
// The two hooks the node-health components call. Everything else about a kubelet that is
// stopped or cut off happens outside this file: its pending work is held back and replayed
// when it runs again (`node_heartbeat::KubeletGate`), and while the machine is off that work
// is dropped (these hooks then rebuild the kubelet's state).

impl Kubelet {
    /// The machine lost power: every container is gone, and with it every timer of the
    /// kubelet's work on the node's pods and image pulls.
    pub fn node_crashed(&mut self, w: &World, node: NodeId) {
        for p in w.cluster.pods_on_node(node) {
            if let Some(work) = self.pods.get_mut(p) {
                work.epoch += 1;
            }
        }
        if let Some(nk) = self.nodes.get_mut(node.index()) {
            nk.puller_busy_until = SimTime::ZERO;
            nk.pulls_in_flight.clear();
        }
    }

    /// The machine booted and the kubelet started: it lists the pods bound to its node and
    /// finishes what it can. Pods deleted meanwhile have no containers left: they end Failed
    /// with `ContainerStatusUnknown` (exit 137, as the status manager reports a container it
    /// cannot find) and the kubelet removes them. Pods that ran get a new sandbox
    /// (`SandboxChanged`) and their containers start again (restart count + 1); pods bound
    /// while the machine was down are admitted now.
    pub fn node_booted(&mut self, w: &mut World, node: NodeId) {
        let stale: Vec<PodId> = self
            .pods
            .keys()
            .copied()
            .filter(|p| {
                let pod = &w.cluster.pods[p.index()];
                pod.node == Some(node) && pod.removed.is_some()
            })
            .collect();
        for p in stale {
            self.pods.remove(&p);
        }
        let now = w.now;
        let pods: Vec<PodId> = w.cluster.pods_on_node(node).iter().copied().collect();
        for pod in pods {
            let p = &w.cluster.pods[pod.index()];
            if p.status.phase.is_terminal() {
                continue;
            }
            if p.meta.deletion.is_some() {
                let pm = &mut w.cluster.pods[pod.index()];
                for cs in &mut pm.status.container_statuses {
                    if let ContainerState::Running { started_at } = cs.state {
                        cs.state = ContainerState::Terminated {
                            reason: "ContainerStatusUnknown".into(),
                            exit_code: 137,
                            started_at,
                            finished_at: now,
                        };
                    }
                    cs.ready = false;
                }
                let work = self.pods.entry(pod).or_default();
                work.epoch += 1;
                work.terminating = true;
                self.finish_termination(w, pod);
                continue;
            }
            match self.pods.get_mut(&pod) {
                Some(work) if work.admitted => {
                    let epoch = work.epoch + 1;
                    *work = PodWork { admitted: true, epoch, ..PodWork::default() };
                    w.record_pod(
                        pod,
                        EventType::Normal,
                        "SandboxChanged",
                        "Pod sandbox changed, it will be killed and re-created.".into(),
                    );
                    let pm = &mut w.cluster.pods[pod.index()];
                    for cs in &mut pm.status.container_statuses {
                        if cs.started {
                            cs.restart_count += 1;
                        }
                        cs.state = ContainerState::Waiting { reason: "ContainerCreating".into() };
                        cs.ready = false;
                        cs.started = false;
                    }
                    let msg = not_ready_message(w, pod);
                    for t in [PodConditionType::ContainersReady, PodConditionType::Ready] {
                        api::set_pod_condition(
                            w,
                            pod,
                            t,
                            CondStatus::False,
                            "ContainersNotReady",
                            &msg,
                        );
                    }
                    self.ensure_image(w, pod, node, 0);
                }
                _ => {
                    self.pods.remove(&pod);
                    self.admit(w, pod, node);
                }
            }
        }
    }
}

/// `containers with unready status: [a b]`, as the kubelet words `ContainersNotReady`.
fn not_ready_message(w: &World, pod: PodId) -> String {
    let p = &w.cluster.pods[pod.index()];
    let names: Vec<&str> =
        p.status.container_statuses.iter().filter(|c| !c.ready).map(|c| c.name.as_str()).collect();
    format!("containers with unready status: [{}]", names.join(" "))
}
