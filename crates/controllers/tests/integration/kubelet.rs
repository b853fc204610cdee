//! The kubelet's pod lifecycle end to end: restarts and CrashLoopBackOff, probes, hooks and
//! graceful termination, init containers and sidecars, images, completion and PodGC,
//! readiness gates, ephemeral containers. Every node already has `nginx:1.25` (no pull: the
//! kubelet reports `Pulled` "already present"), and a container starts 1 s after `Created`,
//! unless a test says otherwise; the hand-derived timeline is stated before each check.

use crate::support::*;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::build::{NodeBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::{
    Action, ActionKind, Behaviour, BehaviourId, CondStatus, ContainerState, Crash, CrashChance,
    Exit, Fault, Hook, PodConditionType, PodId, PodPhase, ProbeKind, ProbeKinds, RestartPolicy,
};

fn node() -> Vec<kubesim_model::Node> {
    vec![NodeBuilder::new("n1").image("nginx:1.25").image("busybox:1.36").build()]
}

fn pod(out: &kubesim_controllers::Outcome, id: PodId) -> &kubesim_model::Pod {
    &out.cluster.pods[id.index()]
}

fn crash_always(after: u64) -> Option<Crash> {
    Some(Crash { chance: CrashChance::Always, after: secs(after), code: 1 })
}

fn at_ms(ms: u64, kind: ActionKind) -> Action {
    Action { at: SimTime(ms), label: format!("{kind:?}"), kind }
}

#[test]
fn crash_loop_restarts_at_the_reference_gaps() {
    // A container that crashes 1 s after each start, restartPolicy Always. Created at 0,
    // Started at 1, FinishedAt 2. doBackOff: no entry -> restart at once (Created 2), Next
    // sets 10 s; it exits at 4 and must wait 10 s (Created 14, exit 16); then 20 s (Created
    // 36), 40 s (78), 80 s (160), 160 s (322), 320 s capped at 300 s (624), 300 s (926).
    // Gaps between each FinishedAt and the next Created: 0, 10, 20, 40, 80, 160, 300, 300.
    let mut s = scenario(
        node(),
        vec![WorkloadBuilder::deployment("web", 1, SpecBuilder::new().build()).build()],
        vec![],
    );
    s.duration = SimDuration::from_mins(20);
    s.cluster.behaviours[0].crash = crash_always(1);
    let out = kubesim_controllers::run(&s);
    let created = times_of(&out, "Created");
    let started = times_of(&out, "Started");
    assert_eq!(created, vec![0, 2_000, 14_000, 36_000, 78_000, 160_000, 322_000, 624_000, 926_000]);
    let gaps: Vec<u64> =
        started.iter().zip(&created[1..]).map(|(s, c)| (c - (s + 1_000)) / 1_000).collect();
    assert_eq!(gaps, vec![0, 10, 20, 40, 80, 160, 300, 300]);
    // One BackOff event per back-off window (at each FinishedAt from the second on).
    let backoffs = events_of(&out, "BackOff");
    assert_eq!(
        backoffs.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![4_000, 16_000, 38_000, 80_000, 162_000, 324_000, 626_000, 928_000]
    );
    assert!(backoffs[0].1.starts_with("Back-off restarting failed container app in pod web-"));
    assert!(
        backoffs[0].1.ends_with("_default(00000000-0000-4000-8000-000000000002)"),
        "{}",
        backoffs[0].1
    );
    // At the end (20 min) the 9th instance exited at 928 s; the next restart is due at
    // 928 + 300 = 1228 s: CrashLoopBackOff, restartCount 8, lastState the exit 1.
    let p = out.cluster.live_pods().next().expect("the pod");
    let st = &pod(&out, p).status;
    let cs = &st.container_statuses[0];
    assert_eq!(cs.restart_count, 8);
    match &cs.state {
        ContainerState::Waiting { reason, message } => {
            assert_eq!(reason, "CrashLoopBackOff");
            assert!(
                message.starts_with("back-off 5m0s restarting failed container=app pod=web-"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        cs.last_state,
        Some(ContainerState::Terminated { exit_code: 1, finished_at: SimTime(928_000), .. })
    ));
    assert_eq!(st.phase, PodPhase::Running);
    assert_eq!(metric(&out, "container_restarts", 925_999), 7);
    assert_eq!(metric(&out, "container_restarts", 926_000), 8);
    // Ready only while an instance runs: 1-2 s, 3-4 s, ...
    let d = deployment_ref("web");
    assert_eq!(metric(&out, &format!("{d}:restarts"), 926_000), 8);
    assert_eq!(metric(&out, &format!("{d}:ready"), 1_000), 1);
    assert_eq!(metric(&out, &format!("{d}:ready"), 2_000), 0);
    assert_eq!(metric(&out, &format!("{d}:ready"), 15_500), 1);
    assert_eq!(metric(&out, &format!("{d}:ready"), 17_000), 0);
}

#[test]
fn readiness_turns_not_ready_20_to_30_s_after_the_app_fails() {
    // Readiness probe: period 10 s, failureThreshold 3. Each pod starts at 1 s; the probe
    // runs at once (1 s: the app answers only from 3 s -> "connection refused") and then at
    // 11, 21, ... s: Ready at 11 s. The app stops answering at T; the first failing probe is
    // the first tick >= T, NotReady two ticks later:
    //   T = 61 s     -> probes fail at 61, 71, 81: NotReady at 81 s (20 s after T);
    //   T = 61.001 s -> 71, 81, 91: NotReady at 91 s (29.999 s after T);
    //   T = 65 s     -> 71, 81, 91: NotReady at 91 s (26 s after T).
    let spec = SpecBuilder::new().probe(ProbeKind::Readiness, 10, 3).build();
    let mut s = scenario(node(), vec![], vec![]);
    let fault = Fault {
        container: None,
        duration: None,
        probes: ProbeKinds::ALL,
        timeout: false,
        until_restart: false,
    };
    let cases = [(61_000, 81_000), (61_001, 91_000), (65_000, 91_000)];
    let mut pods = Vec::new();
    for (i, &(t, _)) in cases.iter().enumerate() {
        let name = format!("p{i}");
        pods.push(add_bare_pod(&mut s, &name, spec.clone()));
        s.actions.push(at_ms(
            t,
            ActionKind::MakeUnhealthy { target: named(&name), fault: fault.clone() },
        ));
    }
    s.actions.sort_by_key(|a| a.at);
    let out = kubesim_controllers::run(&s);
    for (i, &(t, not_ready)) in cases.iter().enumerate() {
        let st = &pod(&out, pods[i]).status;
        let ready = st.condition(PodConditionType::Ready).expect("Ready");
        assert_eq!(ready.status, CondStatus::False);
        assert_eq!(ready.last_transition, SimTime(not_ready), "pod p{i}");
        let delay = not_ready - t;
        assert!((20_000..30_000).contains(&delay), "p{i}: {delay}");
    }
    // p0's events: the failed probe at start, then one per failing probe from 61 s.
    let unhealthy: Vec<_> = out
        .trace
        .events
        .iter()
        .filter(|e| e.reason == "Unhealthy" && e.name == "p0")
        .map(|e| (e.time.0, e.message))
        .collect();
    assert_eq!(
        unhealthy[0],
        (
            1_000,
            "Readiness probe failed: Get \"http://<pod IP>:8080/healthz\": dial tcp <pod IP>:8080: connect: connection refused"
        )
    );
    assert_eq!(
        unhealthy[1],
        (61_000, "Readiness probe failed: HTTP probe failed with statuscode: 503")
    );
    assert_eq!(unhealthy[2].0, 71_000);
    assert_eq!(unhealthy[3].0, 81_000);
    let p0 = &pod(&out, pods[0]).status;
    assert!(p0.container_statuses[0].restart_count == 0, "readiness never restarts");
}

#[test]
fn pre_stop_longer_than_the_grace_period_is_killed_at_32_s() {
    // Two pods with a preStop hook and the default 30 s grace, deleted at 60 s.
    // slow: the hook would take 45 s; killContainer waits for it at most 30 s (until 90 s),
    //   30 - 30 = 0 s are left, raised to the 2 s minimum: SIGTERM at 90 s; the app needs
    //   10 s to exit, so SIGKILL at 92 s: exit 137, pod Failed and removed at 92 s (32 s).
    // quick: a 5 s hook (until 65 s) leaves 25 s; the app exits 1 s after SIGTERM (66 s):
    //   exit 0, Succeeded, removed at 66 s.
    let spec = SpecBuilder::new().pre_stop().build();
    let mut s = scenario(node(), vec![], vec![]);
    let slow = add_bare_pod(&mut s, "slow", spec.clone());
    let quick = add_bare_pod(&mut s, "quick", spec);
    let b = &mut s.cluster.behaviours;
    b[0].pre_stop = Hook { duration: secs(45), fail: false };
    b[0].shutdown = secs(10);
    b.push(Behaviour { pre_stop: Hook { duration: secs(5), fail: false }, ..Behaviour::default() });
    s.cluster.pods[quick.index()].behaviour = BehaviourId(1);
    for name in ["slow", "quick"] {
        s.actions.push(at_ms(
            60_000,
            ActionKind::DeletePod { target: named(name), grace_period_seconds: None, force: false },
        ));
    }
    let out = kubesim_controllers::run(&s);
    let killing = events_of(&out, "Killing");
    assert_eq!(
        killing,
        vec![
            (60_000, "Stopping container app".to_string()),
            (60_000, "Stopping container app".to_string())
        ]
    );
    for (id, removed, code, phase) in
        [(slow, 92_000, 137, PodPhase::Failed), (quick, 66_000, 0, PodPhase::Succeeded)]
    {
        let p = pod(&out, id);
        assert_eq!(p.removed, Some(SimTime(removed)));
        assert_eq!(p.status.phase, phase);
        assert!(matches!(
            p.status.container_statuses[0].state,
            ContainerState::Terminated { exit_code, finished_at, .. } if exit_code == code && finished_at == SimTime(removed)
        ));
    }
}

#[test]
fn init_containers_then_sidecar_then_app_and_sidecars_stop_last() {
    // Init containers: migrate (regular; completes 1 s after it starts), proxy (sidecar).
    // migrate: Created 0, Started 1, exits 0 at 2. proxy: Created 2, Started 3; it has no
    // startup probe, so it counts as started: the pod is Initialized at 3 and the app is
    // Created at 3, Started at 4 (Running and Ready at 4). Deleted at 60 s: app and proxy
    // both get Killing at 60; the app exits 1 s after SIGTERM (61 s); proxy waits for it,
    // then gets SIGTERM with 30 - 1 = 29 s and exits 1 s later: removed at 62 s.
    let spec = SpecBuilder::new()
        .init_container("migrate", "nginx:1.25", "0", false)
        .init_container("proxy", "nginx:1.25", "0", true)
        .build();
    let mut s = scenario(
        node(),
        vec![],
        vec![(
            60,
            ActionKind::DeletePod { target: named("p"), grace_period_seconds: None, force: false },
        )],
    );
    let p = add_bare_pod(&mut s, "p", spec);
    let out = kubesim_controllers::run(&s);
    let started = events_of(&out, "Started");
    assert_eq!(
        started,
        vec![
            (1_000, "Started container migrate".to_string()),
            (3_000, "Started container proxy".to_string()),
            (4_000, "Started container app".to_string()),
        ]
    );
    let st = &pod(&out, p).status;
    let init = st.condition(PodConditionType::Initialized).expect("Initialized");
    assert_eq!((init.status, init.last_transition), (CondStatus::True, SimTime(3_000)));
    let ready = st.condition(PodConditionType::Ready).expect("Ready");
    // Ready at 4 s; False again when the containers stopped (61 s).
    assert_eq!((ready.status, ready.last_transition), (CondStatus::False, SimTime(61_000)));
    let killing = times_of(&out, "Killing");
    assert_eq!(killing, vec![60_000, 60_000]);
    assert_eq!(pod(&out, p).removed, Some(SimTime(62_000)));
    let term = |i: usize| match st.init_container_statuses[i].state {
        ContainerState::Terminated { finished_at, .. } => finished_at,
        _ => SimTime::MAX,
    };
    assert_eq!(term(0), SimTime(2_000));
    assert_eq!(term(1), SimTime(62_000));
}

#[test]
fn failed_init_container_is_retried_with_back_off_or_fails_the_pod_under_never() {
    // migrate fails (exit 1, 1 s after each start) on its first two starts.
    // OnFailure: Created 0, exit 2; restart at once (Created 2), exit 4; back-off 10 s:
    // Created 14, Started 15, completes at 16 (third start: no crash, init default 1 s); app
    // Created 16, Started 17. Pending (Initialized False) until 16.
    // Never: the first failure (2 s) fails the pod.
    let behaviour = |b: &mut Vec<Behaviour>| {
        let crash = Crash { chance: CrashChance::FirstStarts(2), after: secs(1), code: 1 };
        let entry = Behaviour { crash: Some(crash), ..Behaviour::default() };
        b[0].containers.push(("migrate".into(), entry));
    };
    let spec = |policy| {
        SpecBuilder::new()
            .restart_policy(policy)
            .init_container("migrate", "nginx:1.25", "0", false)
            .build()
    };
    let mut s = scenario(node(), vec![], vec![]);
    let retried = add_bare_pod(&mut s, "retried", spec(RestartPolicy::OnFailure));
    behaviour(&mut s.cluster.behaviours);
    let out = kubesim_controllers::run(&s);
    assert_eq!(times_of(&out, "Created"), vec![0, 2_000, 14_000, 16_000]);
    assert_eq!(times_of(&out, "BackOff"), vec![4_000]);
    let st = &pod(&out, retried).status;
    assert_eq!(st.phase, PodPhase::Running);
    assert_eq!(st.init_container_statuses[0].restart_count, 2);
    let init = st.condition(PodConditionType::Initialized).expect("Initialized");
    assert_eq!(init.last_transition, SimTime(16_000));
    assert_eq!(metric(&out, "pods_pending", 16_999), 1);
    assert_eq!(metric(&out, "pods_running", 17_000), 1);

    let mut s = scenario(node(), vec![], vec![]);
    let failed = add_bare_pod(&mut s, "failed", spec(RestartPolicy::Never));
    behaviour(&mut s.cluster.behaviours);
    let out = kubesim_controllers::run(&s);
    let st = &pod(&out, failed).status;
    assert_eq!(st.phase, PodPhase::Failed);
    assert_eq!(times_of(&out, "Created"), vec![0]);
    assert_eq!(metric(&out, "pods_failed", 2_000), 1);
}

#[test]
fn liveness_failure_kills_and_restarts_the_container() {
    // Liveness: period 10 s, failureThreshold 3; its ticks run from when the kubelet added
    // the pod (0 s): 0, 10, 20, ... The app answers 503 from 60 s until it is restarted.
    // Failing probes at 60, 70, 80: at 80 s Killing "Container app failed
    // liveness probe, will be restarted"; the app exits 1 s after SIGTERM (81 s) and is
    // restarted at once (first restart): Created 81, Started 82; the new instance is healthy.
    let spec = SpecBuilder::new().probe(ProbeKind::Liveness, 10, 3).build();
    let fault = Fault {
        container: None,
        duration: None,
        probes: ProbeKinds::ALL,
        timeout: false,
        until_restart: true,
    };
    let mut s = scenario(
        node(),
        vec![],
        vec![(60, ActionKind::MakeUnhealthy { target: named("p"), fault })],
    );
    let p = add_bare_pod(&mut s, "p", spec);
    let out = kubesim_controllers::run(&s);
    let unhealthy = events_of(&out, "Unhealthy");
    assert_eq!(unhealthy.iter().map(|e| e.0).collect::<Vec<_>>(), vec![60_000, 70_000, 80_000]);
    assert_eq!(unhealthy[0].1, "Liveness probe failed: HTTP probe failed with statuscode: 503");
    assert_eq!(
        events_of(&out, "Killing"),
        vec![(80_000, "Container app failed liveness probe, will be restarted".to_string())]
    );
    assert_eq!(times_of(&out, "Created"), vec![0, 81_000]);
    let cs = &pod(&out, p).status.container_statuses[0];
    assert_eq!(cs.restart_count, 1);
    assert!(matches!(cs.state, ContainerState::Running { started_at: SimTime(82_000) }));
}

#[test]
fn startup_probe_gates_readiness_and_a_timeout_counts_as_failure() {
    // Startup probe period 10 s, failureThreshold 3 (ticks at 0, 10, 20, ... from when the pod
    // was added); the app answers from 25 s after its start (1 s), i.e. 26 s. Probes at 10
    // and 20 fail (connection refused), at 30 s it passes: started, and with no readiness
    // probe the pod is Ready at 30 s.
    let spec = SpecBuilder::new().probe(ProbeKind::Startup, 10, 3).build();
    let mut s = scenario(node(), vec![], vec![]);
    let p = add_bare_pod(&mut s, "p", spec);
    s.cluster.behaviours[0].ready = secs(25);
    let out = kubesim_controllers::run(&s);
    assert_eq!(times_of(&out, "Unhealthy"), vec![10_000, 20_000]);
    let st = &pod(&out, p).status;
    let ready = st.condition(PodConditionType::Ready).expect("Ready");
    assert_eq!((ready.status, ready.last_transition), (CondStatus::True, SimTime(30_000)));
    assert!(st.container_statuses[0].started);

    // A startup probe whose app hangs (timeoutSeconds 1): each probe fails 1 s after its tick
    // (11, 21, 31 s): the third failure kills the container at 31 s ("failed startup probe").
    let spec = SpecBuilder::new().probe(ProbeKind::Startup, 10, 3).build();
    let fault = Fault {
        container: None,
        duration: None,
        probes: ProbeKinds::ALL,
        timeout: true,
        until_restart: false,
    };
    let mut s = scenario(
        node(),
        vec![],
        vec![(0, ActionKind::MakeUnhealthy { target: named("q"), fault })],
    );
    add_bare_pod(&mut s, "q", spec);
    let out = kubesim_controllers::run(&s);
    let unhealthy = events_of(&out, "Unhealthy");
    assert_eq!(
        unhealthy.iter().take(3).map(|e| e.0).collect::<Vec<_>>(),
        vec![11_000, 21_000, 31_000]
    );
    assert!(
        unhealthy[0].1.ends_with(
            "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        )
    );
    assert_eq!(
        events_of(&out, "Killing")[0],
        (31_000, "Container app failed startup probe, will be restarted".to_string())
    );
}

#[test]
fn image_pull_failure_backs_off() {
    // The image is not on the node and every pull fails after 5 s. Pulls: 0-5 (fails; back-off
    // 10 s from 5), the worker retries 10 s later (15): out of back-off, pulls 15-20 (fails;
    // 20 s from 20); retry at 30: in back-off -> ImagePullBackOff; at 40: pulls 40-45 (fails;
    // 40 s); retries at 55, 65, 75 in back-off, at 85 pulls (85-90, fails; 80 s); at 170 pulls.
    let spec = SpecBuilder::new().image("registry.example/app:missing").build();
    let mut s = scenario(node(), vec![], vec![]);
    s.duration = SimDuration::from_secs(180);
    let p = add_bare_pod(&mut s, "p", spec);
    s.cluster.behaviours[0].image_pull_error = Some("manifest unknown".into());
    let out = kubesim_controllers::run(&s);
    assert_eq!(times_of(&out, "Pulling"), vec![0, 15_000, 40_000, 85_000, 170_000]);
    let failed: Vec<_> = events_of(&out, "Failed");
    assert_eq!(
        failed[0],
        (
            5_000,
            "Failed to pull image \"registry.example/app:missing\": manifest unknown".to_string()
        )
    );
    assert_eq!(failed[1], (5_000, "Error: ErrImagePull".to_string()));
    assert_eq!(times_of(&out, "BackOff"), vec![30_000, 55_000, 100_000]);
    // At the end (180 s) the pull started at 170 s has just failed (175 s): ErrImagePull.
    let cs = &pod(&out, p).status.container_statuses[0];
    assert!(
        matches!(&cs.state, ContainerState::Waiting { reason, message } if reason == "ErrImagePull" && message == "manifest unknown")
    );
    assert_eq!(pod(&out, p).status.phase, PodPhase::Pending);
}

#[test]
fn completed_pods_reach_succeeded_or_failed_and_podgc_keeps_the_threshold() {
    // Four pods with restartPolicy Never whose app exits 0 after 10, 20, 30 and 40 s (started
    // at 1 s): Succeeded at 11, 21, 31, 41 s. A fifth pod (OnFailure) fails once (exit 1 at
    // 2 s), is restarted at once and then exits 0 after 10 s (13 s): Succeeded with
    // restartCount 1. terminatedPodGCThreshold is 3.
    let mut s = scenario(node(), vec![], vec![]);
    s.params.terminated_pod_gc_threshold = 3;
    let mut ids = Vec::new();
    for (i, after) in [10u64, 20, 30, 40].into_iter().enumerate() {
        let spec = SpecBuilder::new().restart_policy(RestartPolicy::Never).build();
        let id = add_bare_pod(&mut s, &format!("c{}", i + 1), spec);
        s.cluster.behaviours.push(Behaviour {
            exit: Some(Exit { after: secs(after), code: 0 }),
            ..Behaviour::default()
        });
        s.cluster.pods[id.index()].behaviour = BehaviourId(i as u32 + 1);
        ids.push(id);
    }
    let spec = SpecBuilder::new().restart_policy(RestartPolicy::OnFailure).build();
    let f = add_bare_pod(&mut s, "f", spec);
    s.cluster.behaviours.push(Behaviour {
        exit: Some(Exit { after: secs(10), code: 0 }),
        crash: Some(Crash { chance: CrashChance::FirstStarts(1), after: secs(1), code: 1 }),
        ..Behaviour::default()
    });
    s.cluster.pods[f.index()].behaviour = BehaviourId(5);
    let out = kubesim_controllers::run(&s);
    // f: Created 0, Started 1, exit 1 at 2; Created 2, Started 3, exit 0 at 13: Succeeded.
    let fp = pod(&out, f);
    assert_eq!(fp.status.phase, PodPhase::Succeeded);
    assert_eq!(fp.status.container_statuses[0].restart_count, 1);
    // Terminated pods (threshold 3): c1 11 s, f 13 s, c2 21 s, c3 31 s -> 4 > 3: pass at 40 s
    // deletes the oldest by (creation, name): c1. c4 at 41 s -> 4 again: pass at 60 s
    // deletes c2. c3, c4 and f remain.
    assert_eq!(metric(&out, "pods_succeeded", 39_999), 4);
    assert_eq!(metric(&out, "pods_succeeded", 40_000), 3);
    assert_eq!(metric(&out, "pods_succeeded", 41_000), 4);
    assert_eq!(metric(&out, "pods_succeeded", 60_000), 3);
    assert_eq!(pod(&out, ids[0]).removed, Some(SimTime(40_000)));
    assert_eq!(pod(&out, ids[1]).removed, Some(SimTime(60_000)));
    assert!(pod(&out, ids[2]).removed.is_none() && pod(&out, ids[3]).removed.is_none());
    assert!(fp.removed.is_none());
}

#[test]
fn readiness_gate_holds_ready_until_its_condition_is_true() {
    // The containers are ready at 1 s, but the pod's readiness gate has no condition: Ready
    // False (ReadinessGatesNotReady) until the action sets it True at 30 s.
    let spec = SpecBuilder::new().readiness_gate("example.com/load-balancer").build();
    let mut s = scenario(
        node(),
        vec![],
        vec![(
            30,
            ActionKind::SetPodCondition {
                target: named("p"),
                condition_type: "example.com/load-balancer".into(),
                status: CondStatus::True,
                reason: "".into(),
                message: "".into(),
            },
        )],
    );
    let p = add_bare_pod(&mut s, "p", spec);
    s.duration = SimDuration::from_secs(20);
    let out = kubesim_controllers::run(&s);
    let st = &pod(&out, p).status;
    assert_eq!(
        st.condition(PodConditionType::ContainersReady).map(|c| c.status),
        Some(CondStatus::True)
    );
    let ready = st.condition(PodConditionType::Ready).expect("Ready");
    assert_eq!(&*ready.reason, "ReadinessGatesNotReady");
    assert_eq!(
        &*ready.message,
        "corresponding condition of pod readiness gate \"example.com/load-balancer\" does not exist."
    );
    s.duration = SimDuration::from_secs(60);
    let out = kubesim_controllers::run(&s);
    let ready = pod(&out, p).status.condition(PodConditionType::Ready).cloned().expect("Ready");
    assert_eq!((ready.status, ready.last_transition), (CondStatus::True, SimTime(30_000)));
}

#[test]
fn ephemeral_container_runs_beside_the_app_and_is_never_restarted() {
    // At 30 s a debug container (busybox, already on the node) is added to the running pod:
    // Created 30, Started 31; the session lasts 60 s: it exits 0 at 91 s and is not started
    // again. The pod stays Ready throughout.
    let mut s = scenario(
        node(),
        vec![],
        vec![(
            30,
            ActionKind::Debug {
                target: named("p"),
                name: Some("debugger".into()),
                image: "busybox:1.36".into(),
                target_container: Some("app".into()),
                run_for: Some(SimDuration::from_secs(60)),
            },
        )],
    );
    let p = add_bare_pod(&mut s, "p", SpecBuilder::new().build());
    s.duration = SimDuration::from_secs(200);
    let out = kubesim_controllers::run(&s);
    assert_eq!(
        events_of(&out, "Started"),
        vec![
            (1_000, "Started container app".to_string()),
            (31_000, "Started container debugger".to_string())
        ]
    );
    let pd = pod(&out, p);
    assert_eq!(pd.ephemeral_containers.len(), 1);
    let es = &pd.status.ephemeral_container_statuses[0];
    assert!(matches!(
        es.state,
        ContainerState::Terminated { exit_code: 0, finished_at: SimTime(91_000), .. }
    ));
    assert_eq!(es.restart_count, 0);
    let ready = pd.status.condition(PodConditionType::Ready).expect("Ready");
    assert_eq!((ready.status, ready.last_transition), (CondStatus::True, SimTime(1_000)));
}

#[test]
fn force_delete_removes_the_object_at_once_and_the_kubelet_stops_the_containers_later() {
    // Force delete at 60 s: the pod object is gone at 60 s. Its kubelet still stops the
    // container with the pod's 30 s grace: Killing at 60, preStop 10 s (until 70), SIGTERM
    // with 20 s left, the app exits 1 s later (71 s).
    let mut s = scenario(
        node(),
        vec![],
        vec![(
            60,
            ActionKind::DeletePod {
                target: named("p"),
                grace_period_seconds: Some(0),
                force: true,
            },
        )],
    );
    let p = add_bare_pod(&mut s, "p", SpecBuilder::new().pre_stop().build());
    s.cluster.behaviours[0].pre_stop = Hook { duration: secs(10), fail: true };
    let out = kubesim_controllers::run(&s);
    assert_eq!(pod(&out, p).removed, Some(SimTime(60_000)));
    assert_eq!(times_of(&out, "Killing"), vec![60_000]);
    assert_eq!(
        events_of(&out, "FailedPreStopHook"),
        vec![(70_000, "PreStopHook failed".to_string())]
    );
    assert_eq!(metric(&out, "pods_running", 60_000), 0);
    assert_eq!(metric(&out, "pods_terminating", 60_000), 0);
}

#[test]
fn post_start_hook_delays_running_and_its_failure_kills_the_container() {
    // postStart takes 5 s: Started at 1 s, Running (and Ready) at 6 s.
    let mut s = scenario(node(), vec![], vec![]);
    let p = add_bare_pod(&mut s, "p", SpecBuilder::new().post_start().build());
    s.cluster.behaviours[0].post_start = Hook { duration: secs(5), fail: false };
    let out = kubesim_controllers::run(&s);
    let ready = pod(&out, p).status.condition(PodConditionType::Ready).cloned().expect("Ready");
    assert_eq!((ready.status, ready.last_transition), (CondStatus::True, SimTime(6_000)));
    assert_eq!(metric(&out, "pods_pending", 5_999), 1);
    assert_eq!(metric(&out, "pods_running", 6_000), 1);

    // A failing postStart: FailedPostStartHook at 6 s, Killing "FailedPostStartHook", the app
    // exits 1 s after SIGTERM (7 s) and is restarted at once (Created 7 s); the next failure
    // (13 s, exit at 14 s) waits 10 s: Created 24 s.
    let mut s = scenario(node(), vec![], vec![]);
    add_bare_pod(&mut s, "q", SpecBuilder::new().post_start().build());
    s.cluster.behaviours[0].post_start = Hook { duration: secs(5), fail: true };
    s.duration = SimDuration::from_secs(29);
    let out = kubesim_controllers::run(&s);
    assert_eq!(times_of(&out, "FailedPostStartHook"), vec![6_000, 13_000]);
    assert_eq!(events_of(&out, "Killing")[0], (6_000, "FailedPostStartHook".to_string()));
    assert_eq!(times_of(&out, "Created"), vec![0, 7_000, 24_000]);
}

#[test]
fn init_container_requests_count_for_scheduling() {
    // Node: 4 CPUs. Each pod: app 500m, init container 3 CPUs -> effective request 3 CPUs
    // (max of the init container and the sum of the app containers). The second pod does
    // not fit (3 + 3 > 4): FailedScheduling with "Insufficient cpu".
    let spec = SpecBuilder::new()
        .requests("500m", "0")
        .init_container("warm", "nginx:1.25", "3", false)
        .build();
    let mut s = scenario(node(), vec![], vec![]);
    add_bare_pod(&mut s, "a", spec.clone());
    add_bare_pod(&mut s, "b", spec);
    s.duration = SimDuration::from_secs(30);
    let out = kubesim_controllers::run(&s);
    assert_eq!(times_of(&out, "Scheduled"), vec![0]);
    let failed = events_of(&out, "FailedScheduling");
    assert!(failed[0].1.contains("1 Insufficient cpu"), "{}", failed[0].1);
}

#[test]
fn crash_probability_is_drawn_per_start_from_the_node_stream() {
    // 10 pods whose app crashes 10 s into a start with probability 0.3 (drawn per start from
    // the node's kubelet stream). A start that does not crash runs for good, so each pod
    // crashes a geometric number of times; with one seed the timeline is fixed, and some pods
    // crash while others never do (expected 7 of 10 never crash on their first start).
    let mut s = scenario(
        node(),
        vec![WorkloadBuilder::deployment("web", 10, SpecBuilder::new().build()).build()],
        vec![],
    );
    s.cluster.behaviours[0].crash =
        Some(Crash { chance: CrashChance::Probability(0.3), after: secs(10), code: 1 });
    let a = kubesim_controllers::run(&s);
    let b = kubesim_controllers::run(&s);
    assert_eq!(a.trace, b.trace, "same seed, same run");
    let restarts: Vec<u32> = a
        .cluster
        .live_pods()
        .map(|p| pod(&a, p).status.container_statuses[0].restart_count)
        .collect();
    assert_eq!(restarts.len(), 10);
    assert!(restarts.contains(&0), "{restarts:?}");
    assert!(restarts.iter().any(|&r| r > 0), "{restarts:?}");
    // Another seed draws other crashes.
    s.seed = 2;
    let c = kubesim_controllers::run(&s);
    let other: Vec<u32> = c
        .cluster
        .live_pods()
        .map(|p| pod(&c, p).status.container_statuses[0].restart_count)
        .collect();
    assert_ne!(restarts, other);
}

#[test]
fn set_pod_condition_of_a_builtin_type_updates_it_and_a_stale_disruption_target_is_reset() {
    // Upstream rules:
    // - pod conditions are unique by type: `podutil.UpdatePodCondition`
    //   (pkg/api/v1/pod/util.go) updates the condition of that type or appends one, so
    //   `set-pod-condition DisruptionTarget` sets the built-in condition, never a second one;
    // - the disruption controller resets a `DisruptionTarget=True` condition to False on a pod
    //   that is not being deleted (nor terminal) `stalePodDisruptionTimeout` = 2 min after its
    //   last transition (pkg/controller/disruption/disruption.go, syncStalePodDisruption and
    //   nonTerminatingPodHasStaleDisruptionCondition), with empty reason and message.
    // The pod runs from ~6 s; at 30 s the action sets DisruptionTarget=True (reason
    // EvictionByEvictionAPI, as a failed eviction leaves it), again at 40 s with another
    // message (same status: the transition time stays 30 s); at 150 s it is reset to False.
    let set = |msg: &str| ActionKind::SetPodCondition {
        target: named("p"),
        condition_type: "DisruptionTarget".into(),
        status: CondStatus::True,
        reason: "EvictionByEvictionAPI".into(),
        message: msg.into(),
    };
    let mut s =
        scenario(node(), vec![], vec![(30, set("Eviction API: evicting")), (40, set("again"))]);
    let p = add_bare_pod(&mut s, "p", SpecBuilder::new().build());
    s.duration = SimDuration::from_secs(149);
    let out = kubesim_controllers::run(&s);
    let st = &pod(&out, p).status;
    assert!(st.custom_conditions.is_empty(), "a built-in type is never a second condition");
    let c = st.condition(PodConditionType::DisruptionTarget).expect("DisruptionTarget");
    assert_eq!((c.status, c.last_transition), (CondStatus::True, SimTime(30_000)));
    assert_eq!((&*c.reason, &*c.message), ("EvictionByEvictionAPI", "again"));
    s.duration = SimDuration::from_secs(200);
    let out = kubesim_controllers::run(&s);
    let st = &pod(&out, p).status;
    let c = st.condition(PodConditionType::DisruptionTarget).expect("DisruptionTarget");
    assert_eq!((c.status, c.last_transition), (CondStatus::False, SimTime(150_000)));
    assert_eq!((&*c.reason, &*c.message), ("", ""));
    // The pod was never deleted and stayed Ready.
    assert!(pod(&out, p).meta.deletion.is_none() && st.is_true(PodConditionType::Ready));

    // A condition the kubelet added (TerminationByKubelet) is never stale.
    let mut s = scenario(
        node(),
        vec![],
        vec![(
            30,
            ActionKind::SetPodCondition {
                target: named("p"),
                condition_type: "DisruptionTarget".into(),
                status: CondStatus::True,
                reason: "TerminationByKubelet".into(),
                message: "".into(),
            },
        )],
    );
    let p = add_bare_pod(&mut s, "p", SpecBuilder::new().build());
    s.duration = SimDuration::from_secs(300);
    let out = kubesim_controllers::run(&s);
    assert!(pod(&out, p).status.is_true(PodConditionType::DisruptionTarget));
}
