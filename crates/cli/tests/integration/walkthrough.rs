//! `scenarios/pdb-walkthrough.yaml`: the "PodDisruptionBudget example" of the Kubernetes
//! disruptions page, one test per step, each named after the sentence of the page it checks.
//! The reasoning (timings: `web` Ready 30 s after start — its readiness probe, every 10 s from
//! the start, passes from then — and 10 s to shut down; `x` 1 s to shut down, Ready when it
//! runs; images present on node-1..3) is repeated next to each check.

use crate::support::*;
use kubesim_controllers::Outcome;
use kubesim_engine::SimTime;
use std::sync::OnceLock;

fn out() -> &'static Outcome {
    static OUT: OnceLock<Outcome> = OnceLock::new();
    OUT.get_or_init(|| run("pdb-walkthrough"))
}

/// `(time s, object, message)` of the events with this reason.
fn ev(reason: &str) -> Vec<(f64, String, String)> {
    out()
        .trace
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.0 as f64 / 1000.0, e.name.to_string(), e.message.to_string()))
        .collect()
}

/// The pod the `web` or `x` ReplicaSet created at `secs` (the page's pod-d, pod-e, pod-y).
fn created(rs_prefix: &str, secs: f64) -> String {
    let c: Vec<String> = ev("SuccessfulCreate")
        .into_iter()
        .filter(|(t, obj, _)| *t == secs && obj.starts_with(rs_prefix))
        .map(|(_, _, m)| m.trim_start_matches("Created pod: ").to_string())
        .collect();
    assert_eq!(c.len(), 1, "one pod created by {rs_prefix} at {secs}s: {c:?}");
    c[0].clone()
}

/// Where a pod was scheduled, and when.
fn scheduled(pod: &str) -> (f64, String) {
    let e = out().trace.events.iter().find(|e| e.reason == "Scheduled" && e.name == pod);
    let e = e.unwrap_or_else(|| panic!("{pod} was never scheduled"));
    (e.time.0 as f64 / 1000.0, e.node.to_string())
}

fn pod(name: &str) -> &'static kubesim_model::Pod {
    out().cluster.pods.iter().find(|p| p.meta.name == name).expect("pod")
}

fn pdb(field: &str, secs: f64) -> i64 {
    metric(out(), &format!("pdb/web-pdb:{field}"), secs)
}

fn drain(label: &str) -> &'static kubesim_model::DrainRecord {
    out().trace.drains.iter().find(|d| d.label == label).expect("drain")
}

#[test]
fn all_3_pods_are_part_of_a_deployment_and_they_collectively_have_a_pdb_which_requires_there_be_at_least_2_of_the_3_pods_to_be_available()
 {
    // t = 0: three Ready pods, minAvailable 2 -> expected 3 (an integer minAvailable counts the
    // pods), desired 2, healthy 3, one disruption allowed.
    assert_eq!(
        (pdb("expected", 0.0), pdb("desired", 0.0), pdb("healthy", 0.0), pdb("allowed", 0.0)),
        (3, 2, 3, 1)
    );
}

#[test]
fn that_tool_tries_to_evict_pod_a_and_pod_x_this_succeeds_immediately() {
    // 1:00 drain node-1: both evictions are posted at once and allowed: pod-a uses web-pdb's
    // one disruption, pod-x has no PDB.
    let evicted = ev("EvictionByEvictionAPI");
    assert_eq!(evicted[0].0, 60.0);
    assert_eq!(evicted[0].1, "pod-a");
    assert!(evicted[0].2.ends_with("(PodDisruptionBudget web-pdb: disruptionsAllowed 1 -> 0)"));
    assert_eq!((evicted[1].0, evicted[1].1.as_str()), (60.0, "pod-x"));
    assert!(evicted[1].2.ends_with("(no PodDisruptionBudget)"));
    assert!(!ev("TooManyRequests").iter().any(|e| e.0 < 75.0), "nothing refused on node-1");
    // The drain cordoned node-1 first.
    assert_eq!(
        ev("NodeNotSchedulable")[0],
        (60.0, "node-1".into(), "Node node-1 status is now: NodeNotSchedulable".into())
    );
}

#[test]
fn both_pods_go_into_the_terminating_state_at_the_same_time() {
    // Both got a deletionTimestamp at 1:00 (+ the 30 s grace period) and the DisruptionTarget
    // condition of an eviction.
    for name in ["pod-a", "pod-x"] {
        let p = pod(name);
        assert_eq!(p.meta.deletion, Some(SimTime(90_000)), "{name}");
        let c = p.status.condition(kubesim_model::PodConditionType::DisruptionTarget).unwrap();
        assert_eq!((&*c.reason, &*c.message), ("EvictionByEvictionAPI", "Eviction API: evicting"));
    }
    // While pod-a terminates, web-pdb counts it as unhealthy: healthy 2 (pod-b, pod-c),
    // expected 4 (pod-a is still a pod, and so is its replacement), nothing allowed.
    assert_eq!((pdb("expected", 60.0), pdb("healthy", 60.0), pdb("allowed", 60.0)), (4, 2, 0));
}

#[test]
fn the_deployment_notices_that_one_of_the_pods_is_terminating_so_it_creates_a_replacement_called_pod_d_since_node_1_is_cordoned_it_lands_on_another_node()
 {
    // The ReplicaSet counts only active pods, so pod-d is created at once, at 1:00, and the
    // scheduler skips the cordoned node-1: node-2 (as in the page's table).
    let pod_d = created("web-", 60.0);
    assert_eq!(scheduled(&pod_d), (60.0, "node-2".into()));
}

#[test]
fn something_has_also_created_pod_y_as_a_replacement_for_pod_x() {
    // Deployment x replaces pod-x at 1:00; node-2 is full (pod-b, pod-d), so node-3.
    let pod_y = created("x-", 60.0);
    assert_eq!(scheduled(&pod_y), (60.0, "node-3".into()));
}

#[test]
fn at_some_point_the_pods_terminate() {
    // pod-x exits 1 s after SIGTERM (gone at 1:01), pod-a 10 s after (1:10); kubectl's 1 s
    // polls notice each at once, so node-1 is drained at 1:10.
    assert_eq!(pod("pod-x").removed, Some(SimTime(61_000)));
    assert_eq!(pod("pod-a").removed, Some(SimTime(70_000)));
    let d = drain("drain node-1");
    assert_eq!((d.outcome, d.end), (kubesim_model::DrainOutcome::Drained, Some(SimTime(70_000))));
    assert_eq!((d.evictions_allowed, d.evictions_refused), (2, 0));
    // pod-a gone: expected back to 3, still 2 healthy while pod-d starts.
    assert_eq!((pdb("expected", 70.0), pdb("healthy", 70.0), pdb("allowed", 70.0)), (3, 2, 0));
}

#[test]
fn if_an_impatient_cluster_administrator_tries_to_drain_node_2_or_node_3_the_drain_command_will_block_because_there_are_only_2_available_pods_for_the_deployment_and_its_pdb_requires_at_least_2()
 {
    // 1:15 drain node-3 --timeout=10s: pod-c is refused at 1:15 and at the 5 s retry, 1:20,
    // with upstream's 429 message and cause (pod-d is not Ready before 1:31); pod-y has no PDB
    // and goes. At 1:25 the next attempt finds the timeout passed: the drain fails and pod-c
    // stays.
    let refused: Vec<_> = ev("TooManyRequests").into_iter().filter(|e| e.1 == "pod-c").collect();
    assert_eq!(refused.iter().map(|e| e.0).collect::<Vec<_>>(), [75.0, 80.0]);
    assert_eq!(
        refused[0].2,
        "error when evicting pods/\"pod-c\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget. (The disruption budget web-pdb needs 2 healthy pods and has 2 currently)"
    );
    let d = drain("drain node-3");
    assert_eq!((d.outcome, d.end), (kubesim_model::DrainOutcome::Failed, Some(SimTime(85_000))));
    assert_eq!(
        d.nodes[0].error.as_deref(),
        Some("error when evicting pods/\"pod-c\" -n \"default\": global timeout reached: 10s")
    );
    assert!(pod("pod-c").removed.is_none() && pod("pod-c").meta.deletion.is_none());
    // The blocked time web-pdb caused: 1:15 to 1:25.
    assert_eq!(d.blocked.len(), 1);
    assert_eq!((d.blocked[0].from, d.blocked[0].to), (SimTime(75_000), Some(SimTime(85_000))));
}

#[test]
fn after_some_time_passes_pod_d_becomes_available() {
    // pod-d started at 1:01 (image present), Ready 30 s later: 1:31. web-pdb then has 3
    // healthy pods and allows one disruption again.
    assert_eq!((pdb("healthy", 90.999), pdb("allowed", 90.999)), (2, 0));
    assert_eq!((pdb("healthy", 91.0), pdb("allowed", 91.0)), (3, 1));
    assert_eq!(metric(out(), "deployment/web:available", 91.0), 3);
}

#[test]
fn now_the_cluster_administrator_tries_to_drain_node_2_it_will_succeed_at_evicting_pod_b() {
    // 2:00: the pods of node-2 in kubectl's order, pod-b first: allowed, 1 -> 0.
    let b: Vec<_> = ev("EvictionByEvictionAPI").into_iter().filter(|e| e.1 == "pod-b").collect();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].0, 120.0);
    assert!(b[0].2.ends_with("disruptionsAllowed 1 -> 0)"));
}

#[test]
fn but_when_it_tries_to_evict_pod_d_it_will_be_refused_because_that_would_leave_only_one_pod_available_for_the_deployment()
 {
    // Right after pod-b's eviction web-pdb has no disruption left: pod-d gets a 429 at 2:00.
    // (The cause quotes the status the eviction just wrote: 3 healthy, allowed 0; at the retries
    // the controller has recomputed 2.)
    let pod_d = created("web-", 60.0);
    let refused: Vec<_> = ev("TooManyRequests").into_iter().filter(|e| e.1 == pod_d).collect();
    assert_eq!(refused[0].0, 120.0);
    assert!(refused[0].2.contains(
        "(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget."
    ));
    assert!(
        refused[1]
            .2
            .ends_with("(The disruption budget web-pdb needs 2 healthy pods and has 2 currently)")
    );
    assert_eq!((pdb("healthy", 120.0), pdb("allowed", 120.0)), (2, 0));
}

#[test]
fn the_deployment_creates_a_replacement_for_pod_b_called_pod_e_because_there_are_not_enough_resources_in_the_cluster_to_schedule_pod_e_the_drain_will_again_block()
 {
    // pod-e is created at 2:00 and fits nowhere: node-1 and node-2 cordoned, node-3 full with
    // pod-c and pod-y's replacement (1 CPU each of 2).
    let pod_e = created("web-", 120.0);
    let failed: Vec<_> = ev("FailedScheduling").into_iter().filter(|e| e.1 == pod_e).collect();
    assert_eq!(failed[0].0, 120.0);
    assert!(
        failed[0].2.starts_with(
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable."
        )
    );
    assert_eq!(metric(out(), "pods_pending", 299.0), 1);
    // The drain keeps retrying pod-d every 5 s: 2:00, 2:05, ..., 5:35 are all refused.
    let pod_d = created("web-", 60.0);
    let times: Vec<f64> =
        ev("TooManyRequests").into_iter().filter(|e| e.1 == pod_d).map(|e| e.0).collect();
    let expected: Vec<f64> = (0..44).map(|i| 120.0 + 5.0 * f64::from(i)).collect();
    assert_eq!(times, expected);
}

#[test]
fn at_this_point_the_cluster_administrator_needs_to_add_a_node_back_to_the_cluster_to_proceed_with_the_upgrade()
 {
    // 5:00 add-node node-4: pod-e is scheduled there at once, pulls the image (5 s), starts
    // (1 s) and is Ready 30 s later: 5:36. The next retry, 5:40, evicts pod-d; its replacement
    // pod-f goes to node-4 (1 CPU left); pod-d is gone 10 s later and node-2 is drained at 5:50.
    assert_eq!(ev("RegisteredNode")[0].0, 300.0);
    let pod_e = created("web-", 120.0);
    assert_eq!(scheduled(&pod_e), (300.0, "node-4".into()));
    assert_eq!((pdb("healthy", 336.0), pdb("allowed", 336.0)), (3, 1));
    let pod_d = created("web-", 60.0);
    let evicted: Vec<_> =
        ev("EvictionByEvictionAPI").into_iter().filter(|e| e.1 == pod_d).map(|e| e.0).collect();
    assert_eq!(evicted, [340.0]);
    let pod_f = created("web-", 340.0);
    assert_eq!(scheduled(&pod_f), (340.0, "node-4".into()));
    let d = drain("drain node-2");
    assert_eq!((d.outcome, d.end), (kubesim_model::DrainOutcome::Drained, Some(SimTime(350_000))));
    // Blocked by web-pdb from the first refusal (2:00) to the eviction (5:40).
    assert_eq!((d.blocked[0].from, d.blocked[0].to), (SimTime(120_000), Some(SimTime(340_000))));
    assert_eq!((d.evictions_allowed, d.evictions_refused), (2, 44));
    // node-2 ends empty; the web Deployment is back to 3 Ready at 6:11 (pod-f Ready).
    let node2 = out().cluster.node_by_name("node-2").unwrap();
    assert!(out().cluster.pods_on_node(node2).is_empty());
    assert_eq!(metric(out(), "deployment/web:ready", 371.0), 3);
}

#[test]
fn evictions_csv_and_traced_objects_tell_the_walkthrough() {
    // `kubesim run --trace-objects pdb/web-pdb --trace-objects pod/pod-a`: evictions.csv has
    // every Eviction API call of the three drains with the API's answer and web-pdb's
    // disruptionsAllowed before and after; objects.jsonl every change of the two objects.
    let tmp = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/pdb-walkthrough.yaml");
    let o = kubesim(
        &[
            "run",
            scenario.to_str().unwrap(),
            "--out",
            "r",
            "--trace-objects",
            "pdb/web-pdb",
            "--trace-objects",
            "pod/pod-a",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(tmp.path().join("r/evictions.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "time,namespace,pod,caller,source,dry_run,code,reason,message,cause,pdbs,allowed_before,allowed_after,detail"
    );
    // 1:00 drain node-1: pod-a uses web-pdb's one disruption (1 -> 0), pod-x has no PDB; both
    // 201 Created, whose Status has neither reason nor message.
    assert_eq!(
        lines[1],
        "60.000,default,pod-a,drain,drain node-1,false,201,,,,web-pdb,1,0,one disruption used"
    );
    assert_eq!(
        lines[2],
        "60.000,default,pod-x,drain,drain node-1,false,201,,,,,,,no PodDisruptionBudget"
    );
    // 1:15 drain node-3: pod-c refused with checkAndDecrement's 429 and its cause (pod-d not
    // Ready yet: 2 healthy of 2 needed), retried at 1:20; at 1:25 the timeout ends it.
    let refused = "429,TooManyRequests,Cannot evict pod as it would violate the pod's disruption budget.,DisruptionBudget: The disruption budget web-pdb needs 2 healthy pods and has 2 currently,web-pdb,0,0,";
    assert_eq!(lines[3], format!("75.000,default,pod-c,drain,drain node-3,false,{refused}"));
    assert!(lines[5].starts_with("80.000,default,pod-c,"), "{}", lines[5]);
    assert!(!csv.contains("85.000,default,pod-c"));
    // One row per call: the CSV and the trace's events of the same decisions agree.
    let decided = out()
        .trace
        .events
        .iter()
        .filter(|e| e.reason == "EvictionByEvictionAPI" || e.reason == "TooManyRequests")
        .count();
    assert_eq!(lines.len() - 1, decided);

    let objects = std::fs::read_to_string(tmp.path().join("r/objects.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> =
        objects.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // At 0 both as they are, then the disruption controller's first sync of web-pdb, at the
    // same instant: two lines at 0.000 for web-pdb.
    let at = |t: &str, kind: &str| {
        rows.iter().filter(|r| r["time"] == t && r["object"]["kind"] == kind).count()
    };
    assert_eq!(at("0.000", "PodDisruptionBudget"), 2);
    assert_eq!(rows[0]["type"], "ADDED");
    // pod-a: evicted at 60 s (deletionTimestamp 60 + 30 s grace, DisruptionTarget) and gone
    // at 70 s (10 s to shut down).
    let pod_a: Vec<&serde_json::Value> =
        rows.iter().filter(|r| r["object"]["metadata"]["name"] == "pod-a").collect();
    let evicted = pod_a.iter().find(|r| r["time"] == "60.000").unwrap();
    assert_eq!(evicted["object"]["metadata"]["deletionTimestamp"], "2026-01-01T00:01:30Z");
    let last = pod_a.last().unwrap();
    assert_eq!((last["time"].as_str(), last["type"].as_str()), (Some("70.000"), Some("DELETED")));
    // web-pdb at 60 s: the Eviction API's write (allowed 0) is visible.
    assert!(rows.iter().any(|r| r["time"] == "60.000"
        && r["object"]["kind"] == "PodDisruptionBudget"
        && r["object"]["status"]["disruptionsAllowed"] == 0));

    // A bad selector is bad input (exit 2), before anything runs.
    let o = kubesim(
        &["run", scenario.to_str().unwrap(), "--out", "s", "--trace-objects", "service/x"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown kind `service`"));
    assert!(!tmp.path().join("s").exists());
}
