//! The pod-lifecycle scenarios (`crashloop`, `init-and-probes`, `graceful-termination`)
//! against the story their top comment tells; the reasoning is repeated next to each check.

use crate::support::*;
use kubesim_engine::SimTime;
use kubesim_model::{ContainerState, PodPhase};

/// `(time in s, message)` of events with this reason about pods whose name starts with `prefix`.
fn pod_events(
    out: &kubesim_controllers::Outcome,
    reason: &str,
    prefix: &str,
) -> Vec<(f64, String)> {
    out.trace
        .events
        .iter()
        .filter(|e| e.reason == reason && e.name.starts_with(prefix))
        .map(|e| (e.time.0 as f64 / 1000.0, e.message.to_string()))
        .collect()
}

fn times(v: &[(f64, String)]) -> Vec<f64> {
    v.iter().map(|e| e.0).collect()
}

fn pod_named<'a>(out: &'a kubesim_controllers::Outcome, name: &str) -> &'a kubesim_model::Pod {
    out.cluster.pods.iter().find(|p| p.meta.name == name).expect("pod")
}

#[test]
fn crashloop_story() {
    let out = run("crashloop");
    // crashy: restarts at 2 s (immediate), then after waits of 10, 20, 40, 80, 160, 300 and
    // 300 s from each exit (FinishedAt = restart + 2 s): 14, 36, 78, 160, 322, 624, 926 s.
    let created = times(&pod_events(&out, "Created", "crashy-"));
    assert_eq!(created, [0.0, 2.0, 14.0, 36.0, 78.0, 160.0, 322.0, 624.0, 926.0]);
    let gaps: Vec<f64> = created.windows(2).map(|w| w[1] - (w[0] + 2.0)).collect();
    assert_eq!(gaps, [0.0, 10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0]);
    let backoff = pod_events(&out, "BackOff", "crashy-");
    assert_eq!(times(&backoff), [4.0, 16.0, 38.0, 80.0, 162.0, 324.0, 626.0, 928.0]);
    assert!(backoff[0].1.starts_with("Back-off restarting failed container app in pod crashy-"));
    for (t, n) in [(1.999, 0), (2.0, 1), (14.0, 2), (321.999, 5), (322.0, 6), (926.0, 8)] {
        assert_eq!(metric(&out, "deployment/crashy:restarts", t), n, "at {t}");
    }
    assert_eq!(metric(&out, "deployment/crashy:ready", 1.5), 1);
    assert_eq!(metric(&out, "deployment/crashy:ready", 2.5), 0);
    // flaky: exits at 6 s (restart at once), 12 s (restart at 22 s), 28 s (restart at 48 s),
    // then stays up: 2/2 ready from 49 s with 3 restarts per pod.
    let flaky = times(&pod_events(&out, "Created", "flaky-"));
    assert_eq!(flaky, [0.0, 0.0, 6.0, 6.0, 22.0, 22.0, 48.0, 48.0]);
    assert_eq!(metric(&out, "deployment/flaky:ready", 48.999), 0);
    assert_eq!(metric(&out, "deployment/flaky:ready", 49.0), 2);
    assert_eq!(metric(&out, "deployment/flaky:restarts", 1000.0), 6);
    // broken-image: ErrImagePull at 5 s; pulls at 0, 15, 40, 85, 170, 335, 640, 945 s.
    let pulls = times(&pod_events(&out, "Pulling", "broken-image-"));
    assert_eq!(pulls, [0.0, 15.0, 40.0, 85.0, 170.0, 335.0, 640.0, 945.0]);
    let failed = pod_events(&out, "Failed", "broken-image-");
    assert_eq!(failed[0].0, 5.0);
    assert!(failed[0].1.starts_with("Failed to pull image \"ghcr.io/example/api:2.5.0-typo\": "));
    assert_eq!(failed[1], (5.0, "Error: ErrImagePull".to_string()));
    // The second pull fails at 20 s; the sync at 30 s is inside the 20 s back-off. Each
    // failure F is followed by a sync at F + 10 s inside the back-off (ImagePullBackOff).
    assert_eq!(failed[2].0, 20.0);
    assert_eq!(failed[4], (30.0, "Error: ImagePullBackOff".to_string()));
    let backoff = pod_events(&out, "BackOff", "broken-image-");
    assert_eq!(times(&backoff), [30.0, 55.0, 100.0, 185.0, 350.0, 655.0, 960.0]);
    assert_eq!(backoff[0].1, "Back-off pulling image \"ghcr.io/example/api:2.5.0-typo\"");
    assert_eq!(metric(&out, "deployment/broken-image:ready", 1000.0), 0);
    assert_eq!(metric(&out, "deployment/broken-image:restarts", 1000.0), 0);
    // Jobs: job-fail Failed at 11 s, job-ok Succeeded at 21 s, job-retry Succeeded at 53 s
    // with 2 restarts. 3 terminated > threshold 2: the PodGC pass at 60 s deletes job-fail.
    assert_eq!(metric(&out, "pods_failed", 11.0), 1);
    assert_eq!(metric(&out, "pods_succeeded", 21.0), 1);
    assert_eq!(metric(&out, "pods_succeeded", 53.0), 2);
    assert_eq!(metric(&out, "pods_failed", 59.999), 1);
    assert_eq!(metric(&out, "pods_failed", 60.0), 0);
    assert_eq!(pod_named(&out, "job-fail").removed, Some(SimTime(60_000)));
    let retry = pod_named(&out, "job-retry");
    assert_eq!(retry.status.phase, PodPhase::Succeeded);
    assert_eq!(retry.status.container_statuses[0].restart_count, 2);
    assert!(retry.removed.is_none() && pod_named(&out, "job-ok").removed.is_none());
    // All restarts: crashy 8 + flaky 6 + job-retry 2.
    assert_eq!(metric(&out, "container_restarts", 1000.0), 16);
}

#[test]
fn init_and_probes_story() {
    let out = run("init-and-probes");
    // Per shop pod: migrate Started 1 s, proxy Started 22 s (startup probe fails at 22 and 24,
    // passes at 26: Initialized), app Started 27 s (startup probe fails 30..55, passes 60):
    // Ready at 1:00.
    let started = pod_events(&out, "Started", "shop-");
    let at = |name: &str| -> Vec<f64> {
        started.iter().filter(|e| e.1 == format!("Started container {name}")).map(|e| e.0).collect()
    };
    assert_eq!(at("migrate"), [1.0, 1.0]);
    assert_eq!(at("proxy"), [22.0, 22.0]);
    assert_eq!(at("shop")[..2], [27.0, 27.0]);
    let ready = "deployment/shop:ready";
    assert_eq!(metric(&out, ready, 59.999), 0);
    assert_eq!(metric(&out, ready, 60.0), 2);
    let startup: Vec<f64> = pod_events(&out, "Unhealthy", "shop-")
        .into_iter()
        .filter(|e| e.0 < 60.0 && e.1.contains("8080/healthz"))
        .map(|e| e.0)
        .collect();
    assert_eq!(startup, [30.0, 30.0, 35.0, 35.0, 40.0, 40.0, 45.0, 45.0, 50.0, 50.0, 55.0, 55.0]);
    // web: ready containers at 1 s, but Ready only once the readiness gate is True (1:30).
    assert_eq!(metric(&out, "deployment/web:ready", 89.999), 0);
    assert_eq!(metric(&out, "deployment/web:ready", 90.0), 2);
    // Readiness fault from 3:05 for 60 s: probes fail at 3:10, 3:20, 3:30 -> NotReady at 3:30
    // (25 s later); the probe at 4:10 passes.
    assert_eq!(metric(&out, ready, 209.999), 2);
    assert_eq!(metric(&out, ready, 210.0), 1);
    assert_eq!(metric(&out, ready, 249.999), 1);
    assert_eq!(metric(&out, ready, 250.0), 2);
    // Liveness hang from 6:00: fails at 6:00, 6:10, 6:20 -> killed at 6:20, exits 6:21,
    // restarted at once, its startup probe passes at 6:55: Ready again.
    let killing = pod_events(&out, "Killing", "shop-");
    assert_eq!(killing.len(), 1);
    assert_eq!(
        killing[0],
        (380.0, "Container shop failed liveness probe, will be restarted".to_string())
    );
    assert_eq!(metric(&out, ready, 380.999), 2);
    assert_eq!(metric(&out, ready, 381.0), 1);
    assert_eq!(metric(&out, ready, 414.999), 1);
    assert_eq!(metric(&out, ready, 415.0), 2);
    assert_eq!(metric(&out, "deployment/shop:restarts", 480.0), 1);
    let liveness: Vec<f64> = pod_events(&out, "Unhealthy", "shop-")
        .into_iter()
        .filter(|e| e.1.starts_with("Liveness probe failed"))
        .map(|e| e.0)
        .collect();
    assert_eq!(liveness, [360.0, 370.0, 380.0]);
}

#[test]
fn graceful_termination_story() {
    let out = run("graceful-termination");
    let gone = |prefix: &str| -> Vec<(u64, PodPhase)> {
        let mut v: Vec<_> = out
            .cluster
            .pods
            .iter()
            .filter(|p| p.meta.name.starts_with(prefix))
            .filter_map(|p| p.removed.map(|r| (r.0, p.status.phase)))
            .collect();
        v.sort();
        v
    };
    // api: deleted at 1:00 (preStop cut at 30 s, 2 s more, SIGKILL) -> Failed, gone at 1:32;
    // at 2:00 with grace 10 s -> gone at 2:12; force-deleted at 3:00 -> gone at once (its
    // phase is never written: the object was removed while Running).
    assert_eq!(
        gone("api-"),
        [(92_000, PodPhase::Failed), (132_000, PodPhase::Failed), (180_000, PodPhase::Running),]
    );
    let killed = out
        .cluster
        .pods
        .iter()
        .find(|p| p.removed == Some(SimTime(92_000)))
        .expect("the first api pod");
    assert!(matches!(
        killed.status.container_statuses[0].state,
        ContainerState::Terminated { exit_code: 137, finished_at: SimTime(92_000), .. }
    ));
    // worker: app stops at 1:15 (preStop 5 s + 10 s), the sidecar after it (1:16): Succeeded.
    assert_eq!(gone("worker-"), [(76_000, PodPhase::Succeeded)]);
    let worker = out.cluster.pods.iter().find(|p| p.removed == Some(SimTime(76_000))).unwrap();
    let finished = |s: &kubesim_model::ContainerStatus| match s.state {
        ContainerState::Terminated { finished_at, exit_code, .. } => (finished_at.0, exit_code),
        _ => (0, -1),
    };
    assert_eq!(finished(&worker.status.container_statuses[0]), (75_000, 0));
    assert_eq!(finished(&worker.status.init_container_statuses[0]), (76_000, 0));
    // Killing at every delete, including the force delete (the kubelet still stops it).
    let killing: Vec<f64> = events(&out, "Killing").iter().map(|e| e.0).collect();
    assert_eq!(killing, [60.0, 60.0, 60.0, 120.0, 180.0]);
    // Terminating pods: 2 from 1:00 to 1:16, 1 to 1:32; 1 from 2:00 to 2:12; none for the
    // force delete.
    for (t, n) in [
        (60.0, 2),
        (75.999, 2),
        (76.0, 1),
        (91.999, 1),
        (92.0, 0),
        (120.0, 1),
        (132.0, 0),
        (180.0, 0),
    ] {
        assert_eq!(metric(&out, "pods_terminating", t), n, "at {t}");
    }
    // Replacements come at once: api is 2/2 again 1 s after each delete; worker after 2 s.
    assert_eq!(metric(&out, "deployment/api:ready", 61.0), 2);
    assert_eq!(metric(&out, "deployment/api:ready", 181.0), 2);
    assert_eq!(metric(&out, "deployment/worker:ready", 61.999), 0);
    assert_eq!(metric(&out, "deployment/worker:ready", 62.0), 1);
}
