//! One pod's worker (`pkg/kubelet/pod_workers.go` with the runtime manager's `SyncPod` and
//! `computePodActions`): what runs in the pod, and the sync that decides what to start, restart
//! or kill next.
//!
//! A sync is serial, as upstream: starting a container (pull, create, start, `postStart`)
//! and killing one for a failed probe block it; the sync resumes when that step ends. Each
//! sync, in upstream's order:
//! 1. kill a container whose liveness or startup probe failed (restarted afterwards unless
//!    `restartPolicy: Never`);
//! 2. start new ephemeral containers;
//! 3. init containers, one at a time in spec order: a regular one must exit 0 before the next
//!    starts (a failure is retried per `restartPolicy`, `Always` acting as `OnFailure`; under
//!    `Never` the pod fails); a sidecar (`restartPolicy: Always`) must have started (its startup
//!    probe passed) and is restarted whenever it exits;
//! 4. once initialized, the app containers in spec order: never started ones, and exited ones
//!    that `restartPolicy` restarts (`Always`; `OnFailure` for a non-zero exit), each subject to
//!    CrashLoopBackOff (`doBackOff`: in back-off since its last `FinishedAt` -> `BackOff`
//!    "Back-off restarting failed container ...", reason `CrashLoopBackOff`, retry when it
//!    expires; else `Next` and start);
//! 5. if no app container runs or is to be started, the pod is done: sidecars are stopped
//!    and the pod gets its terminal phase (Succeeded or Failed).
//!
//! Simplified: the kubelet notices a container's exit at once (evented PLEG); a failed sync is
//! retried exactly at the back-off's expiry, or 10 s later (`backOffPeriod`) without jitter;
//! repeated `BackOff` events within one back-off window are recorded once.

use super::backoff::{self, Entry};
use super::images::{Ensure, ImagePuller, OnNode};
use super::prober::{self, ProbeResult, ProbeWorker};
use super::status;
use super::termination::stop_budget_secs;
use crate::api;
use crate::world::{Event, KubeletStep, World};
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::{
    Behaviour, CondStatus, Container, ContainerState, ContainerStatus, CrashChance, EventType,
    Exit, HookHandler, NodeId, Pod, PodConditionType, PodId, PodPhase, PodSpec, ProbeKind,
    RestartPolicy,
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// What a container is in the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A regular init container.
    Init,
    /// An init container with `restartPolicy: Always`.
    Sidecar,
    /// A container of `spec.containers`.
    App,
    /// An ephemeral container.
    Ephemeral,
}

/// A container instance's end (`state.terminated`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exited {
    /// `Completed` or `Error`.
    pub reason: &'static str,
    /// `exitCode`
    pub code: i32,
    /// `startedAt`
    pub started_at: SimTime,
    /// `finishedAt`
    pub finished_at: SimTime,
}

impl Exited {
    fn state(&self) -> ContainerState {
        ContainerState::Terminated {
            reason: self.reason.to_string(),
            exit_code: self.code,
            started_at: self.started_at,
            finished_at: self.finished_at,
        }
    }
}

/// How a container that is being stopped gets there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The `preStop` hook runs until `until`; then `grace` is what is left to spend.
    PreStop {
        /// When the hook began.
        began: SimTime,
        /// When it ends (or is cut off).
        until: SimTime,
        /// The grace period it started with.
        grace: u64,
        /// Whether the hook fails.
        fails: bool,
    },
    /// A sidecar waits for the app containers (and later sidecars) to stop.
    WaitTurn {
        /// When it began waiting.
        began: SimTime,
        /// The budget left before waiting, in seconds.
        grace: u64,
    },
    /// SIGTERM was sent; the container is gone at `at`, with `code`.
    Term {
        /// When it exits (or is killed).
        at: SimTime,
        /// Its exit code (137 if killed).
        code: i32,
    },
}

/// The current instance of a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// No instance: never created, or the last one exited.
    None,
    /// Pulling the image for a new instance.
    Pulling,
    /// Created; the runtime is starting it.
    Creating,
    /// Started; its `postStart` hook runs (not `Running` until it ends).
    PostStart {
        /// `startedAt`
        started_at: SimTime,
        /// When the application starts answering its probes.
        ready_at: SimTime,
    },
    /// Running.
    Running {
        /// `startedAt`
        started_at: SimTime,
        /// When the application starts answering its probes.
        ready_at: SimTime,
    },
    /// Being stopped.
    Stopping {
        /// `startedAt`
        started_at: SimTime,
        /// When the application starts answering its probes.
        ready_at: SimTime,
        /// Where the stop is.
        stop: Stop,
    },
}

impl Run {
    /// Whether a process runs (started, not yet exited).
    pub fn is_up(self) -> bool {
        matches!(self, Run::PostStart { .. } | Run::Running { .. } | Run::Stopping { .. })
    }

    /// `startedAt` and `ready_at` of a running instance.
    pub fn started(self) -> Option<(SimTime, SimTime)> {
        match self {
            Run::Running { started_at, ready_at }
            | Run::Stopping { started_at, ready_at, .. }
            | Run::PostStart { started_at, ready_at } => Some((started_at, ready_at)),
            _ => None,
        }
    }
}

/// Why a running container is killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillReason {
    /// Its liveness probe failed.
    Liveness,
    /// Its startup probe failed.
    Startup,
    /// Its `postStart` hook failed.
    PostStartHook,
}

/// The kubelet's record of one container of the pod.
#[derive(Debug, Clone)]
pub struct Ctr {
    /// `name`
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Generation of the current instance (steps of older ones are stale).
    pub generation: u32,
    /// The current instance.
    pub run: Run,
    /// The last instance's end, and the one before it (`lastState`).
    pub last_exit: Option<Exited>,
    /// The instance before `last_exit`.
    pub prev_exit: Option<Exited>,
    /// `restartCount`
    pub restart_count: u32,
    /// How many instances were started.
    pub starts: u32,
    /// Why the last start attempt failed (the kubelet's reason cache): `CrashLoopBackOff`,
    /// `ErrImagePull`, ... with its message.
    pub waiting: Option<(&'static str, String)>,
    /// CrashLoopBackOff entry.
    pub crash_backoff: Option<Entry>,
    /// Image pull back-off entry.
    pub image_backoff: Option<Entry>,
    /// Probe workers, one per probe the container has.
    pub probes: Vec<ProbeWorker>,
    /// `started`: the startup probe passed (or there is none) for the current instance.
    pub started: bool,
    /// A kill requested by a probe or hook failure.
    pub kill: Option<KillReason>,
    /// When the current instance's process exits on its own, and with which code.
    pub exit_plan: Option<(SimTime, i32)>,
    /// When the last pull was requested and started (for the `Pulled` message).
    pub pull_times: (SimTime, SimTime),
    /// An ephemeral container's session length.
    pub run_for: Option<SimDuration>,
    /// When a start attempt last failed (the same sync does not try it again).
    pub failed_at: Option<SimTime>,
    /// Its last instance ran in a sandbox that is gone (the machine rebooted): an init
    /// container runs again, as if never created.
    pub old_sandbox: bool,
}

impl Ctr {
    fn new(c: &Container, role: Role, now: SimTime) -> Self {
        let probes = ProbeKind::ALL
            .iter()
            .filter(|&&k| role != Role::Init && role != Role::Ephemeral && c.probe(k).is_some())
            .map(|&k| ProbeWorker::new(k, now))
            .collect();
        Self {
            name: c.name.clone(),
            role,
            generation: 0,
            run: Run::None,
            last_exit: None,
            prev_exit: None,
            restart_count: 0,
            starts: 0,
            waiting: None,
            crash_backoff: None,
            image_backoff: None,
            probes,
            started: false,
            kill: None,
            exit_plan: None,
            pull_times: (SimTime::ZERO, SimTime::ZERO),
            run_for: None,
            failed_at: None,
            old_sandbox: false,
        }
    }

    /// Never created.
    pub fn never_created(&self) -> bool {
        self.run == Run::None && self.last_exit.is_none()
    }

    /// The probe worker of a kind.
    pub fn probe_mut(&mut self, kind: ProbeKind) -> Option<&mut ProbeWorker> {
        self.probes.iter_mut().find(|p| p.kind == kind)
    }

    /// The probe worker of a kind.
    pub fn probe(&self, kind: ProbeKind) -> Option<&ProbeWorker> {
        self.probes.iter().find(|p| p.kind == kind)
    }

    /// `ready` as the kubelet reports it.
    fn ready(&self) -> bool {
        match self.role {
            Role::Init => {
                self.run == Run::None && self.last_exit.as_ref().is_some_and(|e| e.code == 0)
            }
            Role::Ephemeral => false,
            Role::App | Role::Sidecar => {
                matches!(self.run, Run::Running { .. } | Run::Stopping { .. })
                    && self.started
                    && self
                        .probe(ProbeKind::Readiness)
                        .is_none_or(|p| p.result == ProbeResult::Success)
            }
        }
    }

    /// Updates `out` to the status the API shows (`convertToAPIContainerStatuses`), without
    /// reallocating what did not change.
    fn fill_status(&self, out: &mut ContainerStatus, image: &str, default_waiting: &str) {
        if out.name != self.name {
            out.name.clone_from(&self.name);
        }
        if out.image != image {
            out.image = image.to_string();
        }
        let last = match self.run {
            Run::Running { started_at, .. } | Run::Stopping { started_at, .. } => {
                set_state(&mut out.state, StateView::Running(started_at));
                self.last_exit.as_ref()
            }
            Run::Creating | Run::PostStart { .. } => {
                set_state(&mut out.state, StateView::Waiting("ContainerCreating", ""));
                self.last_exit.as_ref()
            }
            Run::None | Run::Pulling => match (&self.last_exit, &self.waiting) {
                (Some(e), Some((reason, message))) => {
                    set_state(&mut out.state, StateView::Waiting(reason, message));
                    Some(e)
                }
                (Some(e), None) => {
                    set_state(&mut out.state, StateView::Terminated(e));
                    self.prev_exit.as_ref()
                }
                (None, Some((reason, message))) => {
                    set_state(&mut out.state, StateView::Waiting(reason, message));
                    None
                }
                (None, None) => {
                    set_state(&mut out.state, StateView::Waiting(default_waiting, ""));
                    None
                }
            },
        };
        match (last, &mut out.last_state) {
            (None, l) => *l = None,
            (Some(e), Some(l)) => set_state(l, StateView::Terminated(e)),
            (Some(e), l) => *l = Some(e.state()),
        }
        let running = matches!(out.state, ContainerState::Running { .. });
        out.ready = self.ready();
        out.started = running && self.started;
        out.restart_count = self.restart_count;
    }
}

/// A container state to show, borrowed from the kubelet's records.
enum StateView<'a> {
    Waiting(&'a str, &'a str),
    Running(SimTime),
    Terminated(&'a Exited),
}

/// Sets `out` to `v`, allocating only if it differs.
fn set_state(out: &mut ContainerState, v: StateView<'_>) {
    let same = match (&*out, &v) {
        (ContainerState::Waiting { reason, message }, StateView::Waiting(r, m)) => {
            reason == r && message == m
        }
        (ContainerState::Running { started_at }, StateView::Running(t)) => started_at == t,
        (
            ContainerState::Terminated { reason, exit_code, started_at, finished_at },
            StateView::Terminated(e),
        ) => {
            reason == e.reason
                && *exit_code == e.code
                && *started_at == e.started_at
                && *finished_at == e.finished_at
        }
        _ => false,
    };
    if !same {
        *out = match v {
            StateView::Waiting(reason, message) => {
                ContainerState::Waiting { reason: reason.to_string(), message: message.to_string() }
            }
            StateView::Running(started_at) => ContainerState::Running { started_at },
            StateView::Terminated(e) => e.state(),
        };
    }
}

/// Fills `out` with the statuses of `ctrs` (growing or shrinking it as needed).
fn fill_statuses<'a>(
    out: &mut Vec<ContainerStatus>,
    ctrs: &[Ctr],
    image: impl Fn(usize) -> &'a str,
    default_waiting: &str,
) {
    out.truncate(ctrs.len());
    // Exactly as many as the containers: a first push would reserve room for four, and the
    // statuses live as long as the pod (issue 11).
    out.reserve_exact(ctrs.len() - out.len());
    for (i, c) in ctrs.iter().enumerate() {
        if out.len() <= i {
            out.push(ContainerStatus {
                name: c.name.clone(),
                image: image(i).to_string(),
                state: ContainerState::waiting(default_waiting),
                ready: false,
                started: false,
                restart_count: 0,
                last_state: None,
            });
        }
        c.fill_status(&mut out[i], image(i), default_waiting);
    }
}

/// A termination under way: the pod's (deleted, or done) or one container's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Termination {
    /// The grace period, in seconds.
    pub grace: u64,
    /// The pod is being deleted (else it completed: `restartPolicy` will not restart it).
    pub deleting: bool,
}

/// The kubelet's record of a pod it runs.
#[derive(Debug, Clone)]
pub struct PodWorker {
    /// Timers carry it; a new worker never reuses one.
    pub epoch: u32,
    /// When the kubelet added the pod (probe workers tick from then).
    pub added_at: SimTime,
    /// Containers: init, then app, then ephemeral.
    pub ctrs: Vec<Ctr>,
    /// Number of init containers.
    pub n_init: usize,
    /// Number of app containers.
    pub n_app: usize,
    /// The container whose start or kill blocks the sync.
    pub busy: Option<u16>,
    /// A queued re-sync.
    pub resync_at: Option<SimTime>,
    /// The pod is being stopped.
    pub term: Option<Termination>,
    /// An app container has been created: init containers are done for good.
    pub initialized: bool,
    /// Nothing more to do (terminal phase, or rejected).
    pub done: bool,
    /// Stopped by the graceful node shutdown: it ends `Failed`, reason `Terminated`.
    pub shutdown: bool,
}

/// The graceful node shutdown's pod status message (`nodeShutdownMessage`).
pub const NODE_SHUTDOWN_MESSAGE: &str = "Pod was terminated in response to imminent node shutdown.";

impl PodWorker {
    /// A worker for a pod the kubelet admits at `now`.
    pub fn new(pod: &Pod, epoch: u32, now: SimTime) -> Self {
        let spec = &pod.spec;
        // Exactly as many as the containers (a first push would reserve room for four).
        let mut ctrs = Vec::with_capacity(spec.init_containers.len() + spec.containers.len());
        for c in &spec.init_containers {
            ctrs.push(Ctr::new(c, if c.is_sidecar() { Role::Sidecar } else { Role::Init }, now));
        }
        for c in &spec.containers {
            ctrs.push(Ctr::new(c, Role::App, now));
        }
        let mut wk = Self {
            epoch,
            added_at: now,
            ctrs,
            n_init: spec.init_containers.len(),
            n_app: spec.containers.len(),
            busy: None,
            resync_at: None,
            term: None,
            initialized: spec.init_containers.is_empty(),
            done: false,
            shutdown: false,
        };
        wk.add_ephemeral(pod, now);
        wk
    }

    /// Adds records for ephemeral containers added to the pod since.
    pub fn add_ephemeral(&mut self, pod: &Pod, now: SimTime) {
        let known = self.ctrs.len() - self.n_init - self.n_app;
        for e in pod.ephemeral_containers.iter().skip(known) {
            let mut c = Ctr::new(&e.container, Role::Ephemeral, now);
            c.run_for = e.run_for;
            self.ctrs.push(c);
        }
    }

    /// A worker for a pod that is already Running at t = 0 (from a cluster dump): every
    /// container started at 0 and is ready.
    pub fn adopt(pod: &Pod, epoch: u32) -> Self {
        let mut wk = Self::new(pod, epoch, SimTime::ZERO);
        wk.initialized = true;
        for c in wk.ctrs.iter_mut() {
            match c.role {
                Role::Init => {
                    c.last_exit = Some(Exited {
                        reason: "Completed",
                        code: 0,
                        started_at: SimTime::ZERO,
                        finished_at: SimTime::ZERO,
                    });
                }
                Role::Sidecar | Role::App => {
                    c.run = Run::Running { started_at: SimTime::ZERO, ready_at: SimTime::ZERO };
                    c.starts = 1;
                    c.started = true;
                    for p in c.probes.iter_mut() {
                        p.last = Some(true);
                        p.run = 1;
                        p.result = ProbeResult::Success;
                        if p.kind == ProbeKind::Startup {
                            p.on_hold = true;
                        }
                    }
                }
                Role::Ephemeral => {}
            }
        }
        wk
    }

    /// Whether the pod has sidecars (termination then follows their order).
    fn has_sidecars(&self) -> bool {
        self.ctrs.iter().any(|c| c.role == Role::Sidecar)
    }
}

/// What a sync's step needs: the world, the node's random stream and image puller, the pod.
pub struct Ctx<'a> {
    /// The world.
    pub w: &'a mut World,
    /// The node's kubelet stream.
    pub rng: &'a mut ChaCha8Rng,
    /// The node's image puller.
    pub images: &'a mut ImagePuller,
    /// The pod.
    pub pod: PodId,
    /// Its node.
    pub node: NodeId,
}

/// A container of the pod: in the shared spec (by index: init containers first), or an
/// ephemeral container (kept per pod).
pub enum ContainerRef {
    /// `(spec, index, number of init containers)`
    Spec(Arc<PodSpec>, usize, usize),
    /// An ephemeral container.
    Ephemeral(Box<Container>),
}

impl std::ops::Deref for ContainerRef {
    type Target = Container;
    fn deref(&self) -> &Container {
        match self {
            Self::Spec(spec, c, n_init) if c < n_init => &spec.init_containers[*c],
            Self::Spec(spec, c, n_init) => &spec.containers[c - n_init],
            Self::Ephemeral(c) => c,
        }
    }
}

/// The behaviour a container of `pod` follows (its `containers` entry, or the pod's).
fn behaviour<'a>(w: &'a World, pod: PodId, name: &str) -> &'a Behaviour {
    w.cluster.behaviours[w.cluster.pods[pod.index()].behaviour.0 as usize].for_container(name)
}

/// The `<name>_<namespace>(<uid>)` form of `format.Pod`.
fn pod_ref(p: &Pod) -> String {
    format!("{}_{}({})", p.meta.name, p.meta.namespace, p.meta.uid)
}

impl Ctx<'_> {
    fn now(&self) -> SimTime {
        self.w.now
    }

    fn p(&self) -> &Pod {
        &self.w.cluster.pods[self.pod.index()]
    }

    fn spec(&self) -> Arc<PodSpec> {
        self.p().spec.clone()
    }

    fn event(&mut self, t: EventType, reason: &'static str, msg: String) {
        self.w.record_pod(self.pod, t, reason, msg);
    }

    fn timer(&mut self, at: SimTime, wk: &PodWorker, step: KubeletStep) {
        self.w.schedule_at(at, Event::KubeletStep(self.pod, wk.epoch, step));
    }

    /// The container's spec (init, app, then ephemeral), without copying it.
    pub fn container(&self, wk: &PodWorker, c: usize) -> ContainerRef {
        let p = self.p();
        if c < wk.n_init + wk.n_app {
            ContainerRef::Spec(p.spec.clone(), c, wk.n_init)
        } else {
            ContainerRef::Ephemeral(Box::new(
                p.ephemeral_containers[c - wk.n_init - wk.n_app].container.clone(),
            ))
        }
    }

    /// Whether the pod object still exists (a force delete removes it at once).
    fn exists(&self) -> bool {
        self.p().removed.is_none()
    }
}

/// Queues a re-sync at `at` (an earlier one wins).
fn schedule_resync(cx: &mut Ctx, wk: &mut PodWorker, at: SimTime) {
    if wk.resync_at.is_none_or(|r| at < r) {
        wk.resync_at = Some(at);
        cx.timer(at, wk, KubeletStep::Resync);
    }
}

/// How a start attempt went.
enum Started {
    /// It blocks the sync (pulling, creating, `postStart`).
    Busy,
    /// It could not start now (back-off, image error); go on with the next container.
    Skipped,
}

/// One sync of the pod (see the module docs).
pub fn sync(cx: &mut Ctx, wk: &mut PodWorker) {
    if wk.done {
        return;
    }
    if wk.term.is_some() || wk.busy.is_some() {
        write_status(cx, wk);
        return;
    }
    let spec = cx.spec();
    // 1. Kills requested by probes and hooks.
    if let Some(c) =
        wk.ctrs.iter().position(|c| c.kill.is_some() && matches!(c.run, Run::Running { .. }))
    {
        kill_container(cx, wk, c);
        write_status(cx, wk);
        return;
    }
    // 2-4. What to start.
    let (to_start, kill_pod) = compute_actions(&spec, wk);
    if kill_pod {
        let grace = spec.termination_grace_period_seconds;
        begin_pod_stop(cx, wk, Termination { grace, deleting: false });
        return;
    }
    let now = cx.now();
    for c in to_start {
        let role = wk.ctrs[c].role;
        if wk.ctrs[c].failed_at == Some(now) {
            if role == Role::Init || role == Role::Sidecar && !wk.initialized {
                break;
            }
            continue;
        }
        match start_container(cx, wk, c) {
            Started::Busy => break,
            // A failed init container start ends the sync (`SyncPod` returns).
            Started::Skipped if role == Role::Init || role == Role::Sidecar && !wk.initialized => {
                break;
            }
            Started::Skipped => {}
        }
    }
    write_status(cx, wk);
}

/// `computePodActions`: the containers to start, in order, and whether the pod is done.
fn compute_actions(spec: &PodSpec, wk: &PodWorker) -> (Vec<usize>, bool) {
    let mut to_start = Vec::new();
    for (i, c) in wk.ctrs.iter().enumerate().skip(wk.n_init + wk.n_app) {
        if c.never_created() {
            to_start.push(i);
        }
    }
    let mut initialized = wk.initialized;
    if !wk.initialized {
        initialized = true;
        for (i, c) in wk.ctrs.iter().enumerate().take(wk.n_init) {
            let blocking = match (c.role, c.run, &c.last_exit) {
                (Role::Sidecar, Run::None, None) => {
                    to_start.push(i);
                    true
                }
                // A sidecar of a sandbox that is gone starts again as a new one.
                (Role::Sidecar, Run::None, Some(_)) if c.old_sandbox => {
                    to_start.push(i);
                    true
                }
                // An exited sidecar that had started is restarted; the next ones go on.
                (Role::Sidecar, Run::None, Some(_)) => {
                    to_start.push(i);
                    false
                }
                (Role::Sidecar, Run::Running { .. }, _) => !c.started,
                (Role::Sidecar, _, _) => true,
                (Role::Init, Run::None, None) => {
                    to_start.push(i);
                    true
                }
                (Role::Init, Run::None, Some(e)) if e.code == 0 && !c.old_sandbox => false,
                // A new sandbox runs every init container again.
                (Role::Init, Run::None, Some(_)) if c.old_sandbox => {
                    to_start.push(i);
                    true
                }
                (Role::Init, Run::None, Some(_)) => {
                    if spec.restart_policy == RestartPolicy::Never {
                        return (Vec::new(), true);
                    }
                    to_start.push(i);
                    true
                }
                _ => true,
            };
            if blocking {
                initialized = false;
                break;
            }
        }
    } else {
        // Initialized: only sidecars are kept running.
        for (i, c) in wk.ctrs.iter().enumerate().take(wk.n_init) {
            if c.role == Role::Sidecar && c.run == Run::None && wk.term.is_none() {
                to_start.push(i);
            }
        }
    }
    if !initialized {
        return (to_start, false);
    }
    let mut keep = 0;
    let mut app_to_start = 0;
    for i in wk.n_init..wk.n_init + wk.n_app {
        let c = &wk.ctrs[i];
        match (&c.run, &c.last_exit) {
            (Run::None, None) => {
                to_start.push(i);
                app_to_start += 1;
            }
            (Run::None, Some(e)) => {
                let restart = match spec.restart_policy {
                    RestartPolicy::Always => true,
                    RestartPolicy::OnFailure => e.code != 0,
                    RestartPolicy::Never => false,
                };
                if restart {
                    to_start.push(i);
                    app_to_start += 1;
                }
            }
            _ => keep += 1,
        }
    }
    (to_start, keep == 0 && app_to_start == 0)
}

/// `start()` of `SyncPod` for container `c`: back-off, image, then create.
fn start_container(cx: &mut Ctx, wk: &mut PodWorker, c: usize) -> Started {
    let now = cx.now();
    // doBackOff: only for a container with an exited instance.
    if let Some(e) = wk.ctrs[c].last_exit.clone() {
        let entry = wk.ctrs[c].crash_backoff;
        if backoff::is_in_backoff_since(entry, e.finished_at, now) {
            let b = entry.expect("in back-off").backoff;
            let name = wk.ctrs[c].name.clone();
            let pref = pod_ref(cx.p());
            let msg = format!("back-off {b} restarting failed container={name} pod={pref}");
            let noted = wk.ctrs[c]
                .waiting
                .as_ref()
                .is_some_and(|(r, m)| *r == "CrashLoopBackOff" && *m == msg);
            if !noted {
                cx.event(
                    EventType::Warning,
                    "BackOff",
                    format!("Back-off restarting failed container {name} in pod {pref}"),
                );
            }
            wk.ctrs[c].waiting = Some(("CrashLoopBackOff", msg));
            wk.ctrs[c].failed_at = Some(now);
            schedule_resync(cx, wk, e.finished_at + b);
            return Started::Skipped;
        }
        wk.ctrs[c].crash_backoff = Some(backoff::next(entry, e.finished_at, now));
    }
    ensure_image(cx, wk, c)
}

/// `EnsureImageExists`, then create the container (or wait for the pull).
fn ensure_image(cx: &mut Ctx, wk: &mut PodWorker, c: usize) -> Started {
    let now = cx.now();
    let spec_c = cx.container(wk, c);
    let b = behaviour(cx.w, cx.pod, &spec_c.name);
    let (pull_time, error) = (b.image_pull.clone(), b.image_pull_error.clone());
    let image = &spec_c.image;
    let serialize = cx.w.params.serialize_image_pulls;
    let entry = wk.ctrs[c].image_backoff;
    let rng = &mut *cx.rng;
    let node_images = &mut OnNode(&mut cx.w.cluster, cx.node);
    let decision = cx.images.ensure(
        now,
        node_images,
        image,
        spec_c.image_pull_policy,
        entry,
        serialize,
        error.as_deref(),
        || pull_time.sample(rng),
    );
    match decision {
        Ensure::Present => {
            cx.event(
                EventType::Normal,
                "Pulled",
                format!("Container image \"{image}\" already present on machine"),
            );
            create(cx, wk, c);
            Started::Busy
        }
        Ensure::Pull { started, done, .. } => {
            cx.event(EventType::Normal, "Pulling", format!("Pulling image \"{image}\""));
            wk.ctrs[c].run = Run::Pulling;
            wk.ctrs[c].pull_times = (now, started);
            wk.busy = Some(c as u16);
            cx.timer(done, wk, KubeletStep::ImagePulled(c as u16));
            Started::Busy
        }
        Ensure::NeverPull => {
            let msg =
                format!("Container image \"{image}\" is not present with pull policy of Never");
            if wk.ctrs[c].waiting.as_ref().is_none_or(|(r, _)| *r != "ErrImageNeverPull") {
                cx.event(EventType::Warning, "ErrImageNeverPull", msg.clone());
                cx.event(EventType::Warning, "Failed", "Error: ErrImageNeverPull".into());
            }
            wk.ctrs[c].waiting = Some(("ErrImageNeverPull", msg));
            wk.ctrs[c].failed_at = Some(now);
            Started::Skipped
        }
        Ensure::BackOff => {
            let msg = format!("Back-off pulling image \"{image}\"");
            if wk.ctrs[c].waiting.as_ref().is_none_or(|(r, _)| *r != "ImagePullBackOff") {
                cx.event(EventType::Normal, "BackOff", msg.clone());
                cx.event(EventType::Warning, "Failed", "Error: ImagePullBackOff".into());
            }
            wk.ctrs[c].waiting = Some(("ImagePullBackOff", msg));
            wk.ctrs[c].failed_at = Some(now);
            // The pod worker retries every 10 s after a failed sync; the first retry at which
            // the back-off has expired pulls again.
            let e = entry.expect("in back-off");
            let expiry = e.last_update + e.backoff;
            let step = backoff::SYNC_RETRY.as_millis();
            let k = (expiry.0.saturating_sub(now.0)).div_ceil(step).max(1);
            schedule_resync(cx, wk, SimTime(now.0 + k * step));
            Started::Skipped
        }
    }
}

/// The pull for container `c` ended.
pub fn image_pulled(cx: &mut Ctx, wk: &mut PodWorker, c: usize) {
    if wk.ctrs[c].run != Run::Pulling {
        return;
    }
    let now = cx.now();
    let spec_c = cx.container(wk, c);
    let image = &spec_c.image;
    let error = behaviour(cx.w, cx.pod, &spec_c.name).image_pull_error.clone();
    cx.images.settle(now, &mut OnNode(&mut cx.w.cluster, cx.node));
    wk.busy = None;
    wk.ctrs[c].run = Run::None;
    match error {
        None => {
            let (requested, started) = wk.ctrs[c].pull_times;
            let took = now.saturating_since(started);
            let waited = now.saturating_since(requested);
            cx.event(
                EventType::Normal,
                "Pulled",
                format!(
                    "Successfully pulled image \"{image}\" in {took} ({waited} including waiting)"
                ),
            );
            create(cx, wk, c);
        }
        Some(err) => {
            cx.event(
                EventType::Warning,
                "Failed",
                format!("Failed to pull image \"{image}\": {err}"),
            );
            cx.event(EventType::Warning, "Failed", "Error: ErrImagePull".into());
            wk.ctrs[c].image_backoff = Some(backoff::next(wk.ctrs[c].image_backoff, now, now));
            wk.ctrs[c].waiting = Some(("ErrImagePull", err));
            wk.ctrs[c].failed_at = Some(now);
            schedule_resync(cx, wk, now + backoff::SYNC_RETRY);
            // The sync goes on with the next containers.
            sync(cx, wk);
        }
    }
}

/// `Created`: a new instance; it starts after the behaviour's start time.
fn create(cx: &mut Ctx, wk: &mut PodWorker, c: usize) {
    let name = wk.ctrs[c].name.clone();
    cx.event(EventType::Normal, "Created", format!("Created container: {name}"));
    let ctr = &mut wk.ctrs[c];
    if ctr.last_exit.is_some() {
        ctr.restart_count += 1;
        cx.w.count_restart(cx.pod);
    }
    ctr.waiting = None;
    ctr.old_sandbox = false;
    ctr.generation += 1;
    ctr.run = Run::Creating;
    let generation = ctr.generation;
    if ctr.role == Role::App {
        wk.initialized = true;
    }
    wk.busy = Some(c as u16);
    let d = behaviour(cx.w, cx.pod, &name).container_start.sample(cx.rng);
    cx.timer(cx.now() + d, wk, KubeletStep::ContainerStarted(c as u16, generation));
}

/// Whether this start of a container crashes (drawing only for a probability strictly
/// between 0 and 1).
fn crashes(chance: CrashChance, starts_before: u32, rng: &mut ChaCha8Rng) -> bool {
    match chance {
        CrashChance::Always => true,
        CrashChance::FirstStarts(n) => starts_before < n,
        CrashChance::Probability(p) if p <= 0.0 => false,
        CrashChance::Probability(p) if p >= 1.0 => true,
        CrashChance::Probability(p) => rng.random::<f64>() < p,
    }
}

/// When and how a new instance exits on its own, from the behaviour: a crash if this start
/// crashes, else the behaviour's exit (a regular init container completes by default).
fn plan_exit(
    pod_b: &Behaviour,
    own: Option<&Behaviour>,
    role: Role,
    starts_before: u32,
    rng: &mut ChaCha8Rng,
) -> Option<(SimDuration, i32)> {
    // Workload-level exits and crashes are the app containers'; init containers and sidecars
    // follow only their own `containers` entry.
    let b = match role {
        Role::App => own.unwrap_or(pod_b),
        _ => own?,
    };
    if let Some(cr) = &b.crash
        && crashes(cr.chance, starts_before, rng)
    {
        return Some((cr.after.sample(rng), cr.code));
    }
    b.exit.as_ref().map(|e| (e.after.sample(rng), e.code))
}

/// `Started`: the process runs; `postStart` (if any) must end before it counts as running.
pub fn container_started(cx: &mut Ctx, wk: &mut PodWorker, c: usize, generation: u32) {
    if wk.ctrs[c].generation != generation || wk.ctrs[c].run != Run::Creating {
        return;
    }
    let now = cx.now();
    let spec_c = cx.container(wk, c);
    let name = &spec_c.name;
    cx.event(EventType::Normal, "Started", format!("Started container {name}"));
    let pod_b = &cx.w.cluster.behaviours[cx.w.cluster.pods[cx.pod.index()].behaviour.0 as usize];
    let own = pod_b.container(name);
    let b = own.unwrap_or(pod_b);
    let role = wk.ctrs[c].role;
    let ready_at = now + b.ready.sample(cx.rng);
    let starts_before = wk.ctrs[c].starts;
    let exit = match role {
        Role::Ephemeral => wk.ctrs[c].run_for.map(|d| (d, 0)),
        Role::Init => plan_exit(pod_b, own, role, starts_before, cx.rng).or_else(|| {
            let e = Exit::init_default();
            Some((e.after.sample(cx.rng), e.code))
        }),
        _ => plan_exit(pod_b, own, role, starts_before, cx.rng),
    };
    // The postStart hook's run, drawn now (a `sleep` handler takes its own seconds).
    let post_start = spec_c.lifecycle.post_start.as_ref().map(|h| match h {
        HookHandler::Sleep { seconds } => SimDuration::from_secs(*seconds),
        _ => b.post_start.duration.sample(cx.rng),
    });
    let ctr = &mut wk.ctrs[c];
    ctr.starts += 1;
    ctr.started = false;
    ctr.kill = None;
    ctr.exit_plan = exit.map(|(d, code)| (now + d, code));
    if let Some((at, _)) = ctr.exit_plan {
        cx.timer(at, wk, KubeletStep::ContainerExited(c as u16, generation));
    }
    if let Some(d) = post_start {
        wk.ctrs[c].run = Run::PostStart { started_at: now, ready_at };
        cx.timer(now + d, wk, KubeletStep::PostStartDone(c as u16, generation));
        write_status(cx, wk);
        return;
    }
    wk.ctrs[c].run = Run::Running { started_at: now, ready_at };
    wk.busy = None;
    became_running(cx, wk, c);
    sync(cx, wk);
}

/// The `postStart` hook ended.
pub fn post_start_done(cx: &mut Ctx, wk: &mut PodWorker, c: usize, generation: u32) {
    let Run::PostStart { started_at, ready_at } = wk.ctrs[c].run else { return };
    if wk.ctrs[c].generation != generation {
        return;
    }
    let fails = behaviour(cx.w, cx.pod, &wk.ctrs[c].name).post_start.fail;
    wk.ctrs[c].run = Run::Running { started_at, ready_at };
    if fails && wk.term.is_none() {
        // The runner's error is not put in the event, "so that secrets won't leak".
        cx.event(EventType::Warning, "FailedPostStartHook", "PostStartHook failed".into());
        wk.ctrs[c].kill = Some(KillReason::PostStartHook);
        wk.busy = None;
        kill_container(cx, wk, c);
        write_status(cx, wk);
        return;
    }
    wk.busy = None;
    became_running(cx, wk, c);
    sync(cx, wk);
}

/// A new instance is reported running: probe results reset, probing starts.
fn became_running(cx: &mut Ctx, wk: &mut PodWorker, c: usize) {
    let ctr = &mut wk.ctrs[c];
    for p in ctr.probes.iter_mut() {
        p.new_instance();
    }
    ctr.started = ctr.probe(ProbeKind::Startup).is_none();
    if ctr.started {
        started_now(cx, wk, c);
    } else {
        prober::plan(cx, wk, c, ProbeKind::Startup);
    }
}

/// The container counts as started (no startup probe, or it passed): liveness and readiness
/// may probe; readiness probes at once (the prober manager's manual trigger).
pub fn started_now(cx: &mut Ctx, wk: &mut PodWorker, c: usize) {
    let now = cx.now();
    wk.ctrs[c].started = true;
    if let Some(p) = wk.ctrs[c].probe_mut(ProbeKind::Readiness) {
        p.anchor = now;
    }
    prober::plan(cx, wk, c, ProbeKind::Liveness);
    prober::plan(cx, wk, c, ProbeKind::Readiness);
}

/// The process exited on its own.
pub fn container_exited(cx: &mut Ctx, wk: &mut PodWorker, c: usize, generation: u32) {
    if wk.ctrs[c].generation != generation || !wk.ctrs[c].run.is_up() {
        return;
    }
    let Some((_, code)) = wk.ctrs[c].exit_plan else { return };
    if wk.busy == Some(c as u16) {
        wk.busy = None;
    }
    finish_instance(cx, wk, c, code);
}

/// The current instance of `c` ended with `code`: record it and let the sync decide.
fn finish_instance(cx: &mut Ctx, wk: &mut PodWorker, c: usize, code: i32) {
    let now = cx.now();
    let ctr = &mut wk.ctrs[c];
    let Some((started_at, _)) = ctr.run.started() else { return };
    let exited = Exited {
        reason: if code == 0 { "Completed" } else { "Error" },
        code,
        started_at,
        finished_at: now,
    };
    ctr.prev_exit = ctr.last_exit.take();
    ctr.last_exit = Some(exited);
    ctr.run = Run::None;
    ctr.generation += 1;
    ctr.exit_plan = None;
    ctr.kill = None;
    ctr.started = false;
    for p in ctr.probes.iter_mut() {
        p.token += 1;
        p.in_flight = false;
    }
    if wk.term.is_some() {
        container_stopped_in_termination(cx, wk);
        return;
    }
    sync(cx, wk);
}

/// Kills one running container for a failed probe or hook (`killContainer` in `SyncPod`).
fn kill_container(cx: &mut Ctx, wk: &mut PodWorker, c: usize) {
    let name = wk.ctrs[c].name.clone();
    let spec = cx.spec();
    let restart = spec.restart_policy != RestartPolicy::Never || wk.ctrs[c].role == Role::Sidecar;
    let spec_c = cx.container(wk, c);
    let (message, probe_grace) = match wk.ctrs[c].kill {
        Some(KillReason::Liveness) => (
            format!("Container {name} failed liveness probe"),
            spec_c.liveness_probe.as_ref().and_then(|p| p.termination_grace_period_seconds),
        ),
        Some(KillReason::Startup) => (
            format!("Container {name} failed startup probe"),
            spec_c.startup_probe.as_ref().and_then(|p| p.termination_grace_period_seconds),
        ),
        _ => ("FailedPostStartHook".to_string(), None),
    };
    let message = match (wk.ctrs[c].kill, restart) {
        (Some(KillReason::PostStartHook), _) | (_, false) => message,
        _ => format!("{message}, will be restarted"),
    };
    // setTerminationGracePeriod: the pod's deletion grace, else the probe's, else the spec's.
    let p = cx.p();
    let grace = p
        .meta
        .deletion_grace_seconds
        .or(probe_grace)
        .unwrap_or(spec.termination_grace_period_seconds);
    wk.busy = Some(c as u16);
    begin_stop(cx, wk, c, grace, message, false);
}

/// Starts stopping container `c` with grace `grace` (steps 1-2 of the module docs of
/// `termination`); `ordered` applies the sidecar ordering.
fn begin_stop(
    cx: &mut Ctx,
    wk: &mut PodWorker,
    c: usize,
    grace: u64,
    message: String,
    ordered: bool,
) {
    let now = cx.now();
    let Some((started_at, ready_at)) = wk.ctrs[c].run.started() else { return };
    cx.event(EventType::Normal, "Killing", message);
    let spec_c = cx.container(wk, c);
    let b = behaviour(cx.w, cx.pod, &spec_c.name);
    let (pre_stop_time, pre_stop_fails) = (b.pre_stop.duration.clone(), b.pre_stop.fail);
    let generation = wk.ctrs[c].generation;
    for p in wk.ctrs[c].probes.iter_mut() {
        if p.kind != ProbeKind::Readiness {
            p.token += 1;
        }
    }
    if let Some(h) = &spec_c.lifecycle.pre_stop
        && grace > 0
    {
        let d = match h {
            HookHandler::Sleep { seconds } => SimDuration::from_secs(*seconds),
            _ => pre_stop_time.sample(cx.rng),
        };
        let until = now + d.min(SimDuration::from_secs(grace));
        let fails = pre_stop_fails && d.as_millis() <= grace * 1000;
        let stop = Stop::PreStop { began: now, until, grace, fails };
        wk.ctrs[c].run = Run::Stopping { started_at, ready_at, stop };
        cx.timer(until, wk, KubeletStep::PreStopDone(c as u16, generation));
        return;
    }
    wk.ctrs[c].run = Run::Stopping {
        started_at,
        ready_at,
        stop: Stop::PreStop { began: now, until: now, grace, fails: false },
    };
    after_pre_stop(cx, wk, c, grace, None, ordered);
}

/// The `preStop` hook ended (or there was none): wait for the container's turn, then SIGTERM.
fn after_pre_stop(
    cx: &mut Ctx,
    wk: &mut PodWorker,
    c: usize,
    grace: u64,
    took: Option<SimDuration>,
    ordered: bool,
) {
    let now = cx.now();
    let Some((started_at, ready_at)) = wk.ctrs[c].run.started() else { return };
    let left = match took {
        // Whole seconds only, as `executePreStopHook` returns them.
        Some(d) if grace > 0 => grace.saturating_sub((d.as_millis() / 1000).min(grace)),
        _ => grace,
    };
    if ordered && wk.ctrs[c].role == Role::Sidecar && !sidecar_turn(wk, c) {
        wk.ctrs[c].run = Run::Stopping {
            started_at,
            ready_at,
            stop: Stop::WaitTurn { began: now, grace: left },
        };
        return;
    }
    sigterm(cx, wk, c, stop_budget_secs(left, None, None));
}

/// Whether every app and ephemeral container and every later sidecar has stopped.
fn sidecar_turn(wk: &PodWorker, c: usize) -> bool {
    wk.ctrs.iter().enumerate().all(|(i, o)| {
        let must_stop_first = match o.role {
            Role::App | Role::Ephemeral => true,
            Role::Sidecar => i > c,
            Role::Init => false,
        };
        !must_stop_first || !o.run.is_up()
    })
}

/// SIGTERM with a budget of `budget` seconds: the application exits after its shutdown time,
/// or SIGKILL ends it.
fn sigterm(cx: &mut Ctx, wk: &mut PodWorker, c: usize, budget: u64) {
    let now = cx.now();
    let Some((started_at, ready_at)) = wk.ctrs[c].run.started() else { return };
    let shutdown = behaviour(cx.w, cx.pod, &wk.ctrs[c].name).shutdown.sample(cx.rng);
    let limit = SimDuration::from_secs(budget);
    let (at, code) = if shutdown < limit { (now + shutdown, 0) } else { (now + limit, 137) };
    let generation = wk.ctrs[c].generation;
    wk.ctrs[c].run = Run::Stopping { started_at, ready_at, stop: Stop::Term { at, code } };
    cx.timer(at, wk, KubeletStep::ContainerStopped(c as u16, generation));
}

/// The `preStop` hook of `c` ended.
pub fn pre_stop_done(cx: &mut Ctx, wk: &mut PodWorker, c: usize, generation: u32) {
    let Run::Stopping { stop: Stop::PreStop { began, until, grace, fails }, .. } = wk.ctrs[c].run
    else {
        return;
    };
    // `<`, not `!=`: a kubelet that was stopped replays its steps late (see `KubeletGate`).
    if wk.ctrs[c].generation != generation || cx.now() < until {
        return;
    }
    if fails {
        cx.event(EventType::Warning, "FailedPreStopHook", "PreStopHook failed".into());
    }
    let ordered = wk.term.is_some() && wk.has_sidecars();
    after_pre_stop(cx, wk, c, grace, Some(until.saturating_since(began)), ordered);
}

/// Container `c` exited after SIGTERM, or was killed.
pub fn container_stopped(cx: &mut Ctx, wk: &mut PodWorker, c: usize, generation: u32) {
    let Run::Stopping { stop: Stop::Term { at, code }, .. } = wk.ctrs[c].run else { return };
    if wk.ctrs[c].generation != generation || cx.now() < at {
        return;
    }
    if wk.busy == Some(c as u16) {
        wk.busy = None;
    }
    finish_instance(cx, wk, c, code);
}

/// Stops every running container of the pod (a deletion, or the pod is done).
pub fn begin_pod_stop(cx: &mut Ctx, wk: &mut PodWorker, t: Termination) {
    if wk.term.is_some() {
        return;
    }
    wk.term = Some(t);
    wk.resync_at = None;
    // The sync in progress is cancelled: a pull or a creation is abandoned; a container in
    // its postStart hook is running and is stopped like the others.
    if let Some(b) = wk.busy.take() {
        let ctr = &mut wk.ctrs[b as usize];
        if matches!(ctr.run, Run::Pulling | Run::Creating) {
            ctr.run = Run::None;
            ctr.generation += 1;
        }
    }
    for ctr in wk.ctrs.iter_mut() {
        for p in ctr.probes.iter_mut() {
            // Liveness and startup stop once the pod is being deleted; readiness goes on.
            if p.kind != ProbeKind::Readiness || !t.deleting {
                p.stopped = true;
                p.token += 1;
            }
        }
    }
    let ordered = wk.has_sidecars();
    let up: Vec<usize> = (0..wk.ctrs.len())
        .filter(|&c| matches!(wk.ctrs[c].run, Run::Running { .. } | Run::PostStart { .. }))
        .collect();
    for c in up {
        if let Run::PostStart { started_at, ready_at } = wk.ctrs[c].run {
            wk.ctrs[c].run = Run::Running { started_at, ready_at };
        }
        let name = wk.ctrs[c].name.clone();
        begin_stop(cx, wk, c, t.grace, format!("Stopping container {name}"), ordered);
    }
    container_stopped_in_termination(cx, wk);
}

/// During a termination: sidecars whose turn came get SIGTERM; when nothing runs, finish.
fn container_stopped_in_termination(cx: &mut Ctx, wk: &mut PodWorker) {
    let now = cx.now();
    let waiting: Vec<usize> = (0..wk.ctrs.len())
        .rev()
        .filter(|&c| matches!(wk.ctrs[c].run, Run::Stopping { stop: Stop::WaitTurn { .. }, .. }))
        .collect();
    for c in waiting {
        if let Run::Stopping { stop: Stop::WaitTurn { began, grace }, .. } = wk.ctrs[c].run
            && sidecar_turn(wk, c)
        {
            let waited = now.saturating_since(began);
            sigterm(cx, wk, c, stop_budget_secs(grace, None, Some(waited)));
        }
    }
    if wk.ctrs.iter().any(|c| c.run.is_up()) {
        write_status(cx, wk);
        return;
    }
    finish_termination(cx, wk);
}

/// Everything has stopped: the terminal phase, and for a deleted pod the object's removal.
fn finish_termination(cx: &mut Ctx, wk: &mut PodWorker) {
    let Some(t) = wk.term else { return };
    wk.done = true;
    if !cx.exists() {
        return;
    }
    write_status(cx, wk);
    if t.deleting {
        api::remove_pod(cx.w, cx.pod);
    }
}

/// Writes the pod's status from the worker: container statuses, phase, conditions.
pub fn write_status(cx: &mut Ctx, wk: &PodWorker) {
    if !cx.exists() {
        return;
    }
    let spec = cx.spec();
    let default_waiting =
        if spec.init_containers.is_empty() { "ContainerCreating" } else { "PodInitializing" };
    let (n_init, n_app) = (wk.n_init, wk.n_app);
    let p = &mut cx.w.cluster.pods[cx.pod.index()];
    let Pod { status, ephemeral_containers, .. } = p;
    fill_statuses(
        &mut status.init_container_statuses,
        &wk.ctrs[..n_init],
        |i| &spec.init_containers[i].image,
        default_waiting,
    );
    fill_statuses(
        &mut status.container_statuses,
        &wk.ctrs[n_init..n_init + n_app],
        |i| &spec.containers[i].image,
        default_waiting,
    );
    fill_statuses(
        &mut status.ephemeral_container_statuses,
        &wk.ctrs[n_init + n_app..],
        |i| &ephemeral_containers[i].container.image,
        "ContainerCreating",
    );
    let (init, app) = (&status.init_container_statuses, &status.container_statuses);
    let phase = if status.phase.is_terminal() {
        status.phase
    } else if wk.done && wk.term.is_some() && wk.shutdown {
        // The graceful node shutdown's status function: Failed (the phase was not terminal
        // yet), reason `Terminated` (set below).
        PodPhase::Failed
    } else if wk.done && wk.term.is_some() {
        // A pod the kubelet has stopped for good is terminal: Succeeded if every app
        // container exited 0, else Failed (also when they never started).
        match status::pod_phase(&spec, init, app, true) {
            PodPhase::Succeeded => PodPhase::Succeeded,
            _ => PodPhase::Failed,
        }
    } else {
        status::pod_phase(&spec, init, app, false)
    };
    let cr = status::containers_ready(&spec, init, app, phase);
    let ready = status::pod_ready(&spec, status, &cr);
    let initialized = status::initialized(&spec, init, app, phase);
    if wk.shutdown && phase == PodPhase::Failed && !status.phase.is_terminal() {
        status.reason = Some("Terminated".to_string());
        status.message = Some(NODE_SHUTDOWN_MESSAGE.to_string());
    }
    let w = &mut *cx.w;
    for (t, c) in [
        (PodConditionType::Initialized, &initialized),
        (PodConditionType::ContainersReady, &cr),
        (PodConditionType::Ready, &ready),
    ] {
        api::set_pod_condition(w, cx.pod, t, c.status, c.reason, &c.message);
    }
    api::set_pod_phase(w, cx.pod, phase);
}

/// Status at admission: `PodReadyToStartContainers` (the sandbox is created at once).
pub fn admitted(cx: &mut Ctx, wk: &mut PodWorker) {
    let now = cx.now();
    api::set_pod_condition(cx.w, cx.pod, PodConditionType::PodScheduled, CondStatus::True, "", "");
    cx.w.cluster.pods[cx.pod.index()].status.start_time = Some(now);
    api::set_pod_condition(
        cx.w,
        cx.pod,
        PodConditionType::PodReadyToStartContainers,
        CondStatus::True,
        "",
        "",
    );
    // Probe workers of a running pod adopted at t = 0 plan their first ticks.
    for c in 0..wk.ctrs.len() {
        if wk.ctrs[c].run.is_up() {
            for kind in ProbeKind::ALL {
                prober::plan(cx, wk, c, kind);
            }
        }
    }
    sync(cx, wk);
}

// ----- Node faults ---------------------------------------------------------------------------
// A machine that loses power takes every container and the kubelet's memory with it; when it
// boots, the kubelet lists the pods bound to its node and rebuilds what it knows from their
// status (kubesim keeps the worker, which holds the same: restart counts, last states).

/// The machine rebooted: no container of the pod runs any more, and the kubelet's in-memory
/// state (timers, back-offs, probe workers) is gone; `epoch` makes the old timers stale. Every
/// instance that ran ends at the boot as one the runtime cannot find: `ContainerStatusUnknown`,
/// exit 137 (`convertToAPIContainerStatuses` for a running container that disappeared).
pub fn lose_runtime(wk: &mut PodWorker, epoch: u32, now: SimTime) {
    wk.epoch = epoch;
    wk.added_at = now;
    wk.busy = None;
    wk.resync_at = None;
    for ctr in wk.ctrs.iter_mut() {
        if let Some((started_at, _)) = ctr.run.started() {
            ctr.prev_exit = ctr.last_exit.take();
            ctr.last_exit = Some(Exited {
                reason: "ContainerStatusUnknown",
                code: 137,
                started_at,
                finished_at: now,
            });
        }
        ctr.run = Run::None;
        ctr.generation += 1;
        ctr.exit_plan = None;
        ctr.kill = None;
        ctr.started = false;
        ctr.failed_at = None;
        ctr.waiting = None;
        ctr.crash_backoff = None;
        ctr.image_backoff = None;
        for p in ctr.probes.iter_mut() {
            let token = p.token + 1;
            *p = ProbeWorker::new(p.kind, now);
            p.token = token;
        }
    }
}

/// After [`lose_runtime`], a pod deleted meanwhile: nothing is left to stop. It ends Failed
/// (its containers that ran show `ContainerStatusUnknown`, exit 137) and the kubelet removes
/// the object.
pub fn finish_deleted(cx: &mut Ctx, wk: &mut PodWorker) {
    let grace = wk.term.map_or(0, |t| t.grace);
    wk.term = Some(Termination { grace, deleting: true });
    finish_termination(cx, wk);
}

/// After [`lose_runtime`], a pod that is not being deleted. A pod that was finishing is done.
/// Under `restartPolicy: Never` a pod whose containers had been created gets no new sandbox
/// (`computePodActions`): it is done (Failed, unless every app container had exited 0).
/// Otherwise `SandboxChanged`: a new sandbox, every init container runs again, then the app
/// containers that `restartPolicy` restarts (those that completed under `OnFailure` do not),
/// each counting a restart.
pub fn sandbox_changed(cx: &mut Ctx, wk: &mut PodWorker) {
    let spec = cx.spec();
    let created = wk.ctrs.iter().any(|c| c.last_exit.is_some());
    if wk.term.is_none() && spec.restart_policy == RestartPolicy::Never && created {
        let grace = spec.termination_grace_period_seconds;
        wk.term = Some(Termination { grace, deleting: false });
    }
    if wk.term.is_some() {
        finish_termination(cx, wk);
        return;
    }
    cx.event(
        EventType::Normal,
        "SandboxChanged",
        "Pod sandbox changed, it will be killed and re-created.".into(),
    );
    if wk.n_init > 0 {
        wk.initialized = false;
        for ctr in wk.ctrs.iter_mut().take(wk.n_init) {
            ctr.old_sandbox = ctr.last_exit.is_some();
        }
    }
    sync(cx, wk);
}
