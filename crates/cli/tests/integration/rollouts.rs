//! `scenarios/bad-rollout.yaml` against what Kubernetes' Deployment controller does
//! (`pkg/controller/deployment`: `rolling.go` for the scaling steps, `progress.go` and
//! `sync.go` for the `Progressing` condition), and the `completes: {rollout}` expectation.

use crate::support::*;
use kubesim_engine::SimTime;
use kubesim_model::{CondStatus, Kind};

fn secs(t: SimTime) -> f64 {
    t.0 as f64 / 1000.0
}

/// `ScalingReplicaSet` messages of a Deployment, with their times.
fn scalings<'a>(out: &'a kubesim_controllers::Outcome, deployment: &str) -> Vec<(f64, &'a str)> {
    out.trace
        .events
        .iter()
        .filter(|e| e.reason == "ScalingReplicaSet" && e.name == deployment)
        .map(|e| (secs(e.time), e.message))
        .collect()
}

#[test]
fn bad_rollout_is_bounded_times_out_and_is_rolled_back() {
    let out = run("bad-rollout");
    let c = &out.cluster;
    let web = c.workload_by_name(Kind::Deployment, "default", "web").unwrap();
    let rs_name = |i: usize| c.workloads[i].meta.name.clone();
    let owned: Vec<usize> =
        (0..c.workloads.len()).filter(|&i| c.workloads[i].owner == Some(web)).collect();
    assert_eq!(owned.len(), 2, "web:1's ReplicaSet and web:2's");
    let (old, new) = (rs_name(owned[0]), rs_name(owned[1]));

    // 1:00, maxSurge 1 and maxUnavailable 1 of 4 (ResolveFenceposts: 25% of 4 rounds to 1
    // both ways): reconcileNewReplicaSet may add 1 pod (5 in all); reconcileOldReplicaSets may
    // then remove 1 (5 - 3 available needed - 1 new unavailable); the new one takes the freed
    // slot; after that 5 pods, 2 new unavailable: 5 - 3 - 2 = 0, nothing moves. The rollback
    // at 5:00 makes web:1's ReplicaSet the new one: the unhealthy web:2 pods go first
    // (cleanupUnhealthyReplicas: 5 - 3 - 0 = 2), then web:1's grows back to 4.
    let expected = [
        (60.0, format!("Scaled up replica set {new} from 0 to 1")),
        (60.0, format!("Scaled down replica set {old} from 4 to 3")),
        (60.0, format!("Scaled up replica set {new} from 1 to 2")),
        (300.0, format!("Scaled down replica set {new} from 2 to 0")),
        (300.0, format!("Scaled up replica set {old} from 3 to 4")),
    ];
    let got: Vec<(f64, String)> = scalings(&out, "web")
        .into_iter()
        .filter(|(t, _)| *t >= 60.0)
        .map(|(t, m)| (t, m.into()))
        .collect();
    assert_eq!(got, expected);

    // The new pods crash 5 s after each start, before their first readiness probe (10 s):
    // never Ready, so web has exactly the 3 old pods Ready from 1:00 to the rollback's pod at
    // 5:11 (started 5:01, image present; first probe 10 s later).
    let ready = "deployment/web:ready";
    assert_eq!(metric(&out, ready, 59.999), 4);
    for t in [60.0, 120.0, 181.0, 300.0, 310.999] {
        assert_eq!(metric(&out, ready, t), 3, "at {t} s");
    }
    assert_eq!(metric(&out, ready, 311.0), 4);
    assert!(!events(&out, "BackOff").is_empty(), "web:2's pods crash-loop");

    // progress.go: the last progress (updated replicas 0 -> 2, old replicas 4 -> 3) was at
    // 1:00; requeueStuckDeployment looks again progressDeadlineSeconds (120) + 1 s later, and
    // DeploymentTimedOut (lastUpdateTime + 120 s before now) turns Progressing False at 3:01.
    let rollouts = &out.trace.rollouts;
    assert_eq!(rollouts.len(), 3);
    let bad = rollouts.iter().find(|r| r.label.ends_with("web:2")).unwrap();
    assert_eq!(bad.start, SimTime(60_000));
    assert_eq!(bad.deadline_exceeded, Some(SimTime(181_000)));
    assert_eq!(bad.complete, None, "a timed-out rollout is not complete");
    assert_eq!(bad.superseded, Some(SimTime(300_000)), "the rollback replaced it");
    // The rollback completes when web:1's 4th pod is Ready: 5:11.
    let undo = rollouts.iter().find(|r| r.label.ends_with("web:1")).unwrap();
    assert_eq!((undo.start, undo.complete), (SimTime(300_000), Some(SimTime(311_000))));
    assert_eq!(undo.deadline_exceeded, None);
    // At the end the Deployment is complete again (NewReplicaSetAvailable, status True since
    // the rollback's progress at 5:00).
    let cond = c.workloads[web.index()].progressing.as_ref().unwrap();
    assert_eq!((cond.status, cond.reason), (CondStatus::True, "NewReplicaSetAvailable"));
    assert_eq!(cond.message, format!("ReplicaSet \"{old}\" has successfully progressed."));
    assert_eq!(cond.last_transition, SimTime(300_000));

    // api (maxSurge 1, maxUnavailable 0): never below 2 Ready; its rollout completes once both
    // new pods are available and the old ones are gone.
    let good = rollouts.iter().find(|r| r.label.contains("deployment/api")).unwrap();
    let done = good.complete.expect("api's rollout completes");
    // The first new pod pulls api:2 (5 s) and starts (1 s): available at 1:06 at the earliest.
    assert!(done >= SimTime(66_000) && done <= SimTime(90_000), "api complete at {done}");
    assert_eq!(good.deadline_exceeded, None);
    for t in [60.0, 66.0, secs(done)] {
        assert!(metric(&out, "deployment/api:ready", t) >= 2, "api at {t} s");
    }
}

#[test]
fn bad_rollout_expectations_pass_and_a_stalled_rollout_fails_completes() {
    // The scenario's own expect: block passes (the story holds) ...
    let dir = tempfile::tempdir().unwrap();
    let out = kubesim(
        &["check", &root().join("scenarios/bad-rollout.yaml").display().to_string()],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    // ... and `completes` on the bad rollout fails at its ProgressDeadlineExceeded (3:01), the
    // worst point kubectl rollout status would report ("exceeded its progress deadline").
    let text = std::fs::read_to_string(root().join("scenarios/bad-rollout.yaml")).unwrap();
    let (head, _) = text.split_once("expect:\n").unwrap();
    let variant = format!(
        "{head}expect:\n  - completes: {{action: rollout deployment/web image=registry.example.com/web:2, within: 10m}}\n"
    );
    let path = dir.path().join("bad-rollout-stalled.yaml");
    std::fs::write(&path, variant).unwrap();
    let out = kubesim(&["check", "-o", "json", &path.display().to_string()], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(json.contains("ProgressDeadlineExceeded after 2m1s"), "{json}");
}

#[test]
fn progress_deadline_is_validated_as_the_api_server_does() {
    // ValidateDeploymentSpec: progressDeadlineSeconds must be greater than minReadySeconds.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/bad-rollout.yaml")).unwrap();
    let bad = text.replace(
        "\n      progressDeadlineSeconds: 120\n",
        "\n      progressDeadlineSeconds: 120\n      minReadySeconds: 120\n",
    );
    assert_ne!(bad, text);
    std::fs::write(dir.path().join("s.yaml"), bad).unwrap();
    let out = kubesim(&["validate", "s.yaml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("spec.progressDeadlineSeconds"), "{err}");
    assert!(err.contains("120 must be greater than minReadySeconds (120)"), "{err}");
}
