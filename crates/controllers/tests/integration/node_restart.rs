//! The kubelet's pod lifecycle across node faults: a machine that reboots (every container
//! gone, the kubelet's memory with them) and a kubelet that stops and starts again (its work
//! held back, then replayed in order). One node `n1` with every image (`Pulled` "already
//! present"); containers start 1 s after `Created`, stop 1 s after SIGTERM, and have no
//! readiness probe (Ready as soon as they run) unless a test says otherwise. The node's faults
//! last less than the 50 s grace period, so the node lifecycle controller never marks it.

use crate::support::*;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::build::{NodeBuilder, SpecBuilder};
use kubesim_model::{
    ActionKind, Behaviour, ContainerState, Crash, CrashChance, NodeId, PodPhase, RestartPolicy,
};

fn node() -> Vec<kubesim_model::Node> {
    vec![NodeBuilder::new("n1").image("nginx:1.25").build()]
}

/// A pod spec whose one app container is called `name` (behaviours are keyed by it).
fn spec_named(name: &str, policy: RestartPolicy) -> kubesim_model::PodSpec {
    let mut spec = SpecBuilder::new().restart_policy(policy).build();
    spec.containers[0].name = name.into();
    spec
}

/// The container `name`'s own behaviour.
fn behave(s: &mut kubesim_model::Scenario, name: &str, b: Behaviour) {
    s.cluster.behaviours[0].containers.push((name.into(), b));
}

/// `(time ms, pod)` of events with this reason.
fn on_pods(out: &kubesim_controllers::Outcome, reason: &str) -> Vec<(u64, String)> {
    out.trace
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.0, e.name.to_string()))
        .collect()
}

/// Times (ms) of `Created` events of one pod.
fn created(out: &kubesim_controllers::Outcome, pod: &str) -> Vec<u64> {
    on_pods(out, "Created").into_iter().filter(|e| e.1 == pod).map(|e| e.0).collect()
}

fn terminated(st: &ContainerState) -> Option<(&str, i32, u64)> {
    match st {
        ContainerState::Terminated { reason, exit_code, finished_at, .. } => {
            Some((reason.as_str(), *exit_code, finished_at.0))
        }
        _ => None,
    }
}

#[test]
fn a_reboot_reruns_init_containers_and_restarts_without_back_off() {
    // `init` (Always): init container `migrate` (completes 1 s after it starts), then `app`.
    //   migrate Created 0, Started 1, exits 0 at 2; app Created 2, Started 3.
    // `looping` (Always): its container crashes 1 s after every start: Created 0, 2, 14, 36,
    //   78 (back-off 0, 10, 20, 40 s); the start at 79 exits at 80, the next restart is due
    //   80 s later (160 s).
    // `once` (Never): runs from 1 s.
    // n1 loses power at 100 s and boots at 120 s. The kubelet finds every container gone and
    // its back-offs forgotten:
    // - init: SandboxChanged; its app ended ContainerStatusUnknown (exit 137) at 120; the new
    //   sandbox runs migrate again (Created 120, Started 121, done 122), then the app (Created
    //   122, Started 123): each counts one restart; Ready at 123.
    // - looping: SandboxChanged; restarted at once (Created 120, not 160): with no back-off
    //   entry doBackOff lets it start and Next starts a fresh one at 10 s, so after its exit
    //   at 122 it waits 10 s: Created 132.
    // - once: restartPolicy Never: no new sandbox; Failed at 120, its container
    //   ContainerStatusUnknown.
    let mut s = scenario(
        node(),
        vec![],
        vec![
            (100, ActionKind::CrashNode { nodes: vec![NodeId(0)] }),
            (120, ActionKind::RecoverNode { nodes: vec![NodeId(0)] }),
        ],
    );
    s.duration = SimDuration::from_secs(140);
    let init_spec = SpecBuilder::new()
        .restart_policy(RestartPolicy::Always)
        .init_container("migrate", "nginx:1.25", "0", false)
        .build();
    let init = add_bare_pod(&mut s, "init", init_spec);
    add_bare_pod(&mut s, "looping", spec_named("looper", RestartPolicy::Always));
    let once = add_bare_pod(&mut s, "once", spec_named("single", RestartPolicy::Never));
    let crash = Crash { chance: CrashChance::Always, after: secs(1), code: 1 };
    behave(&mut s, "looper", Behaviour { crash: Some(crash), ..Behaviour::default() });
    let out = kubesim_controllers::run(&s);

    let sandbox = on_pods(&out, "SandboxChanged");
    assert_eq!(sandbox, [(120_000, "init".to_string()), (120_000, "looping".to_string())]);
    assert_eq!(created(&out, "init"), [0, 2_000, 120_000, 122_000]);
    let p = &out.cluster.pods[init.index()];
    assert_eq!(p.status.init_container_statuses[0].restart_count, 1);
    assert_eq!(
        terminated(&p.status.init_container_statuses[0].state),
        Some(("Completed", 0, 122_000))
    );
    let app = &p.status.container_statuses[0];
    assert_eq!(app.restart_count, 1);
    assert_eq!(
        app.last_state.as_ref().and_then(terminated),
        Some(("ContainerStatusUnknown", 137, 120_000))
    );
    assert_eq!(p.ready_since, Some(SimTime(123_000)));

    assert_eq!(created(&out, "looping"), [0, 2_000, 14_000, 36_000, 78_000, 120_000, 132_000]);

    let o = &out.cluster.pods[once.index()];
    assert_eq!(o.status.phase, PodPhase::Failed);
    assert_eq!(
        terminated(&o.status.container_statuses[0].state),
        Some(("ContainerStatusUnknown", 137, 120_000))
    );
    assert_eq!(created(&out, "once"), [0]);
}

#[test]
fn a_stopped_kubelet_replays_its_work_when_it_starts_again() {
    // The kubelet stops at 10 s and starts again at 30 s; the containers keep running, and
    // what the kubelet would have done meanwhile it does at 30 s, in order:
    // - `looping` crashes 1 s after every start: Created 0, Started 1, exit 2, Created 2,
    //   exit 4; its back-off (10 s) ends at 14 — while the kubelet is stopped: it restarts at
    //   30 (Created 30, Started 31), exits at 32 and waits 20 s: Created 52.
    // - `deleted` is deleted at 5 s (grace 30 s; its app takes 10 s to exit after SIGTERM):
    //   Killing at 5, the app exits at 15 — the kubelet sees it at 30: Succeeded and removed
    //   at 30.
    // - `exits` crashes once, 14 s after its first start (at 15 s): the kubelet sees the exit
    //   at 30 (finishedAt 30) and restarts it at once: Created 30, restart count 1.
    // No container restarted because of the stop itself: no SandboxChanged.
    let mut s = scenario(
        node(),
        vec![],
        vec![
            (
                5,
                ActionKind::DeletePod {
                    target: named("deleted"),
                    grace_period_seconds: None,
                    force: false,
                },
            ),
            (10, ActionKind::StopKubelet { nodes: vec![NodeId(0)] }),
            (30, ActionKind::RecoverNode { nodes: vec![NodeId(0)] }),
        ],
    );
    s.duration = SimDuration::from_secs(60);
    add_bare_pod(&mut s, "looping", spec_named("looper", RestartPolicy::Always));
    let deleted = add_bare_pod(&mut s, "deleted", spec_named("slow", RestartPolicy::Always));
    let exits = add_bare_pod(&mut s, "exits", spec_named("once", RestartPolicy::Always));
    let always = Crash { chance: CrashChance::Always, after: secs(1), code: 1 };
    behave(&mut s, "looper", Behaviour { crash: Some(always), ..Behaviour::default() });
    behave(&mut s, "slow", Behaviour { shutdown: secs(10), ..Behaviour::default() });
    let first = Crash { chance: CrashChance::FirstStarts(1), after: secs(14), code: 1 };
    behave(&mut s, "once", Behaviour { crash: Some(first), ..Behaviour::default() });
    let out = kubesim_controllers::run(&s);

    assert_eq!(created(&out, "looping"), [0, 2_000, 30_000, 52_000]);
    assert_eq!(on_pods(&out, "Killing"), [(5_000, "deleted".to_string())]);
    let d = &out.cluster.pods[deleted.index()];
    assert_eq!((d.removed, d.status.phase), (Some(SimTime(30_000)), PodPhase::Succeeded));
    assert_eq!(created(&out, "exits"), [0, 30_000]);
    let e = &out.cluster.pods[exits.index()];
    let cs = &e.status.container_statuses[0];
    assert_eq!(cs.restart_count, 1);
    assert_eq!(cs.last_state.as_ref().and_then(terminated), Some(("Error", 1, 30_000)));
    assert!(on_pods(&out, "SandboxChanged").is_empty());
}
