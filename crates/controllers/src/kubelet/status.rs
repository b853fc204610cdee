//! The pod status the kubelet writes: the phase (`getPhase` in
//! `pkg/kubelet/kubelet_pods.go`) and the conditions (`pkg/kubelet/status/generate.go`), as
//! pure functions of the spec and the container statuses.

use kubesim_model::{CondStatus, ContainerState, ContainerStatus, PodPhase, PodSpec, PodStatus};

/// `ContainersNotReady`
pub const CONTAINERS_NOT_READY: &str = "ContainersNotReady";
/// `ContainersNotInitialized`
pub const CONTAINERS_NOT_INITIALIZED: &str = "ContainersNotInitialized";
/// `ReadinessGatesNotReady`
pub const READINESS_GATES_NOT_READY: &str = "ReadinessGatesNotReady";
/// `PodCompleted`
pub const POD_COMPLETED: &str = "PodCompleted";
/// `PodFailed`
pub const POD_FAILED: &str = "PodFailed";

fn is_running(s: &ContainerStatus) -> bool {
    matches!(s.state, ContainerState::Running { .. })
}

fn terminated_code(s: &ContainerState) -> Option<i32> {
    match s {
        ContainerState::Terminated { exit_code, .. } => Some(*exit_code),
        _ => None,
    }
}

/// `getPhase`: the pod phase from its container statuses (`init` and `app` in spec order).
/// `pod_is_terminal` is set once the kubelet has stopped everything for good (a deleted pod).
pub fn pod_phase(
    spec: &PodSpec,
    init: &[ContainerStatus],
    app: &[ContainerStatus],
    pod_is_terminal: bool,
) -> PodPhase {
    let mut pending_regular_init = 0;
    let mut pending_sidecars = 0;
    let mut failed_init = 0;
    for (c, s) in spec.init_containers.iter().zip(init) {
        if c.is_sidecar() {
            continue;
        }
        match &s.state {
            ContainerState::Running { .. } => pending_regular_init += 1,
            ContainerState::Terminated { exit_code, .. } => {
                if *exit_code != 0 {
                    failed_init += 1;
                }
            }
            ContainerState::Waiting { .. } => match s.last_state.as_ref().and_then(terminated_code)
            {
                Some(code) => {
                    if code != 0 {
                        failed_init += 1;
                    }
                }
                None => pending_regular_init += 1,
            },
        }
    }
    let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for (c, s) in spec.init_containers.iter().zip(init) {
        if !c.is_sidecar() {
            continue;
        }
        match &s.state {
            ContainerState::Running { .. } => {
                if !s.started {
                    pending_sidecars += 1;
                }
                running += 1;
            }
            // Terminated sidecars are ignored.
            ContainerState::Terminated { .. } => {}
            ContainerState::Waiting { .. } => {
                if s.last_state.is_none() {
                    pending_sidecars += 1;
                }
            }
        }
    }
    for s in app {
        match &s.state {
            ContainerState::Running { .. } => running += 1,
            ContainerState::Terminated { exit_code, .. } => {
                stopped += 1;
                if *exit_code == 0 {
                    succeeded += 1;
                }
            }
            ContainerState::Waiting { .. } => {
                if s.last_state.is_some() {
                    stopped += 1;
                } else {
                    waiting += 1;
                }
            }
        }
    }
    if failed_init > 0 && spec.restart_policy == kubesim_model::RestartPolicy::Never {
        return PodPhase::Failed;
    }
    let initialized_before = app.iter().any(|s| is_running(s) || s.last_state.is_some());
    if pending_regular_init > 0 || (pending_sidecars > 0 && !initialized_before) {
        return PodPhase::Pending;
    }
    if waiting > 0 {
        return PodPhase::Pending;
    }
    if running > 0 {
        return PodPhase::Running;
    }
    if stopped > 0 {
        if pod_is_terminal {
            return if stopped == succeeded { PodPhase::Succeeded } else { PodPhase::Failed };
        }
        return match spec.restart_policy {
            kubesim_model::RestartPolicy::Always => PodPhase::Running,
            _ if stopped == succeeded => PodPhase::Succeeded,
            kubesim_model::RestartPolicy::Never => PodPhase::Failed,
            kubesim_model::RestartPolicy::OnFailure => PodPhase::Running,
        };
    }
    PodPhase::Pending
}

/// A generated condition: status, reason, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    /// `status`
    pub status: CondStatus,
    /// `reason`
    pub reason: &'static str,
    /// `message`
    pub message: String,
}

impl Cond {
    fn yes() -> Self {
        Self { status: CondStatus::True, reason: "", message: String::new() }
    }

    fn no(reason: &'static str, message: String) -> Self {
        Self { status: CondStatus::False, reason, message }
    }
}

/// Go's `%s` of a `[]string`: `[a b]`.
fn go_list(names: &[&str]) -> String {
    format!("[{}]", names.join(" "))
}

/// `GenerateContainersReadyCondition`: sidecars and app containers must all be ready.
pub fn containers_ready(
    spec: &PodSpec,
    init: &[ContainerStatus],
    app: &[ContainerStatus],
    phase: PodPhase,
) -> Cond {
    match phase {
        PodPhase::Succeeded => return Cond::no(POD_COMPLETED, String::new()),
        PodPhase::Failed => return Cond::no(POD_FAILED, String::new()),
        _ => {}
    }
    let sidecars = spec.init_containers.iter().zip(init).filter(|(c, _)| c.is_sidecar());
    let unready: Vec<&str> =
        sidecars.map(|(_, s)| s).chain(app).filter(|s| !s.ready).map(|s| s.name.as_str()).collect();
    if unready.is_empty() {
        Cond::yes()
    } else {
        Cond::no(
            CONTAINERS_NOT_READY,
            format!("containers with unready status: {}", go_list(&unready)),
        )
    }
}

/// `GeneratePodReadyCondition`: ContainersReady, and every readiness gate's condition True.
pub fn pod_ready(spec: &PodSpec, status: &PodStatus, containers_ready: &Cond) -> Cond {
    if containers_ready.status != CondStatus::True {
        return containers_ready.clone();
    }
    let mut unready = Vec::new();
    for gate in &spec.readiness_gates {
        match status.custom_condition(gate) {
            None => unready.push(format!(
                "corresponding condition of pod readiness gate {gate:?} does not exist."
            )),
            Some(c) if c.status != CondStatus::True => unready.push(format!(
                "the status of pod readiness gate {gate:?} is not \"True\", but {}",
                c.status.as_str()
            )),
            Some(_) => {}
        }
    }
    if unready.is_empty() {
        Cond::yes()
    } else {
        Cond::no(READINESS_GATES_NOT_READY, unready.join(", "))
    }
}

/// `GeneratePodInitializedCondition`: every regular init container completed and every sidecar
/// started (or an app container has already started).
pub fn initialized(
    spec: &PodSpec,
    init: &[ContainerStatus],
    app: &[ContainerStatus],
    phase: PodPhase,
) -> Cond {
    if phase == PodPhase::Succeeded {
        return Cond { status: CondStatus::True, reason: POD_COMPLETED, message: String::new() };
    }
    let incomplete: Vec<&str> = spec
        .init_containers
        .iter()
        .zip(init)
        .filter(|(c, s)| if c.is_sidecar() { !s.started } else { !s.ready })
        .map(|(c, _)| c.name.as_str())
        .collect();
    let started_before = app.iter().any(|s| {
        is_running(s)
            || matches!(s.state, ContainerState::Terminated { .. })
            || s.last_state.is_some()
    });
    if incomplete.is_empty() || started_before {
        Cond::yes()
    } else {
        Cond::no(
            CONTAINERS_NOT_INITIALIZED,
            format!("containers with incomplete status: {}", go_list(&incomplete)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_engine::SimTime;
    use kubesim_model::RestartPolicy;
    use kubesim_model::build::SpecBuilder;

    fn st(name: &str, state: ContainerState, last: Option<ContainerState>) -> ContainerStatus {
        let running = matches!(state, ContainerState::Running { .. });
        let ready = running || matches!(state, ContainerState::Terminated { exit_code: 0, .. });
        ContainerStatus {
            name: name.into(),
            image: "i".into(),
            state,
            ready,
            started: running,
            restart_count: u32::from(last.is_some()),
            last_state: last,
        }
    }

    fn term(code: i32) -> ContainerState {
        ContainerState::Terminated {
            reason: if code == 0 { "Completed" } else { "Error" }.into(),
            exit_code: code,
            started_at: SimTime(0),
            finished_at: SimTime(1000),
        }
    }

    fn run() -> ContainerState {
        ContainerState::Running { started_at: SimTime(0) }
    }

    #[test]
    fn phase_table() {
        let always = SpecBuilder::new().build();
        let never = SpecBuilder::new().restart_policy(RestartPolicy::Never).build();
        let on_failure = SpecBuilder::new().restart_policy(RestartPolicy::OnFailure).build();
        let waiting = ContainerState::waiting("ContainerCreating");
        let backoff = ContainerState::waiting("CrashLoopBackOff");
        // (spec, app status, pod is terminal, expected): a container being created keeps the
        // pod Pending; running -> Running; waiting in CrashLoopBackOff after an exit counts
        // as stopped, which under Always is still Running; exits under Never/OnFailure decide
        // Succeeded/Failed; OnFailure with a failure is restarting -> Running.
        let cases = [
            (&always, st("app", waiting.clone(), None), false, PodPhase::Pending),
            (&always, st("app", run(), None), false, PodPhase::Running),
            (&always, st("app", backoff.clone(), Some(term(1))), false, PodPhase::Running),
            (&always, st("app", term(1), None), true, PodPhase::Failed),
            (&always, st("app", term(0), None), true, PodPhase::Succeeded),
            (&never, st("app", term(0), None), false, PodPhase::Succeeded),
            (&never, st("app", term(2), None), false, PodPhase::Failed),
            (&on_failure, st("app", term(0), Some(term(1))), false, PodPhase::Succeeded),
            (&on_failure, st("app", backoff, Some(term(1))), false, PodPhase::Running),
        ];
        for (i, (spec, app, terminal, want)) in cases.into_iter().enumerate() {
            assert_eq!(pod_phase(spec, &[], &[app], terminal), want, "case {i}");
        }
    }

    #[test]
    fn init_containers_keep_the_pod_pending_and_a_failure_under_never_fails_it() {
        let spec = SpecBuilder::new().init_container("init", "busybox:1", "0", false).build();
        let app = st("app", ContainerState::waiting("PodInitializing"), None);
        // A running regular init container is not ready (only an exit 0 makes it ready).
        let mut init_running = st("init", run(), None);
        init_running.ready = false;
        let running = [init_running];
        assert_eq!(
            pod_phase(&spec, &running, std::slice::from_ref(&app), false),
            PodPhase::Pending
        );
        let c = initialized(&spec, &running, std::slice::from_ref(&app), PodPhase::Pending);
        assert_eq!(c.message, "containers with incomplete status: [init]");
        let done = [st("init", term(0), None)];
        assert_eq!(
            initialized(&spec, &done, std::slice::from_ref(&app), PodPhase::Pending).status,
            CondStatus::True
        );
        // A failed init container waiting for its restart (OnFailure/Always) keeps it Pending;
        // under Never the pod fails.
        let failed = [st("init", ContainerState::waiting("CrashLoopBackOff"), Some(term(1)))];
        assert_eq!(pod_phase(&spec, &failed, std::slice::from_ref(&app), false), PodPhase::Pending);
        let never = SpecBuilder::new()
            .restart_policy(RestartPolicy::Never)
            .init_container("init", "busybox:1", "0", false)
            .build();
        assert_eq!(
            pod_phase(&never, &[st("init", term(1), None)], &[app], false),
            PodPhase::Failed
        );
    }

    #[test]
    fn ready_needs_containers_and_readiness_gates() {
        let spec = SpecBuilder::new().readiness_gate("example.com/lb").build();
        let mut status = PodStatus::default();
        let app = [st("app", run(), None)];
        let cr = containers_ready(&spec, &[], &app, PodPhase::Running);
        assert_eq!(cr.status, CondStatus::True);
        let r = pod_ready(&spec, &status, &cr);
        assert_eq!(
            (r.status, r.reason, r.message.as_str()),
            (
                CondStatus::False,
                READINESS_GATES_NOT_READY,
                "corresponding condition of pod readiness gate \"example.com/lb\" does not exist."
            )
        );
        status.set_custom_condition("example.com/lb", CondStatus::False, SimTime(0), "", "");
        assert_eq!(
            pod_ready(&spec, &status, &cr).message,
            "the status of pod readiness gate \"example.com/lb\" is not \"True\", but False"
        );
        status.set_custom_condition("example.com/lb", CondStatus::True, SimTime(0), "", "");
        assert_eq!(pod_ready(&spec, &status, &cr).status, CondStatus::True);
        let unready = [st("app", ContainerState::waiting("ContainerCreating"), None)];
        let cr = containers_ready(&spec, &[], &unready, PodPhase::Pending);
        assert_eq!(cr.message, "containers with unready status: [app]");
        assert_eq!(pod_ready(&spec, &status, &cr).reason, CONTAINERS_NOT_READY);
    }
}
