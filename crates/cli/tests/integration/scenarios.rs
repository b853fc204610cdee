//! Each scenario in `scenarios/` against the story its top comment tells (which is what
//! Kubernetes would do; the reasoning is repeated here next to each check).

use crate::support::*;

#[test]
fn quickstart_pod_deleted_and_replaced() {
    let out = run("quickstart");
    let ready = "deployment/web:ready";
    // Three pods, one per node (LeastAllocated on equal empty nodes, then on the two that
    // are still empty), pulled in 5 s, started at 6 s; no readiness probe: ready at 6 s.
    let mut nodes: Vec<_> =
        events(&out, "Scheduled").iter().take(3).map(|e| e.1.to_string()).collect();
    nodes.sort();
    assert_eq!(nodes, ["pool-1", "pool-2", "pool-3"]);
    assert_eq!(metric(&out, ready, 5.999), 0);
    assert_eq!(metric(&out, ready, 6.0), 3);
    // 1m: one pod deleted; the ReplicaSet replaces it at once; ready 2/3 until the
    // replacement (image already present on its node) starts, and is ready, at 1m01s.
    let killing = events(&out, "Killing");
    assert_eq!(killing.len(), 1);
    assert_eq!(killing[0].0, 60.0);
    assert_eq!(killing[0].2, "Stopping container nginx");
    let creates = events(&out, "SuccessfulCreate");
    assert_eq!(creates.len(), 4);
    assert_eq!(creates[3].0, 60.0);
    assert_eq!(metric(&out, ready, 59.999), 3);
    assert_eq!(metric(&out, ready, 60.0), 2);
    assert_eq!(metric(&out, ready, 60.999), 2);
    assert_eq!(metric(&out, ready, 61.0), 3);
    assert_eq!(metric(&out, ready, 180.0), 3);
    // The deleted pod's container exits 1 s after SIGTERM; the object is gone then.
    let removed: Vec<_> = out.cluster.pods.iter().filter_map(|p| p.removed).collect();
    assert_eq!(removed, [kubesim_engine::SimTime(61_000)]);
}

#[test]
fn capacity_uncordon_pending_until_spare_node() {
    let out = run("capacity-uncordon");
    let ready = "deployment/api:ready";
    assert_eq!(metric(&out, ready, 6.0), 3);
    // Scale to 5 at 1m: one pod fits the last free CPU, the fifth cannot be placed.
    let failed = events(&out, "FailedScheduling");
    assert_eq!(failed.len(), 1, "no change until the uncordon, so no retry: {failed:?}");
    assert_eq!(failed[0].0, 60.0);
    assert_eq!(
        failed[0].2,
        "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. \
         preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, \
         2 No preemption victims found for incoming pod."
    );
    assert_eq!(metric(&out, "pods_pending", 100.0), 1);
    assert_eq!(metric(&out, ready, 179.0), 4);
    // 3m: spare-1 uncordoned; the pending pod is scheduled there at once and is ready after
    // its pull (5 s) + start (1 s) (no readiness probe).
    let scheduled = events(&out, "Scheduled");
    let last = scheduled.last().unwrap();
    assert_eq!((last.0, last.1), (180.0, "spare-1"));
    assert_eq!(events(&out, "NodeSchedulable").len(), 1);
    assert_eq!(metric(&out, ready, 185.999), 4);
    assert_eq!(metric(&out, ready, 186.0), 5);
    assert_eq!(metric(&out, "pods_pending", 186.0), 0);
}

#[test]
fn random_timings_story() {
    let out = run("random-timings");
    let ready = "deployment/shop:ready";
    // Pulls take 2-20 s, starts about 2 s, the app is up after a lognormal around 10 s and
    // the readiness probe (every 5 s) sees it: every pod is Ready well within the first
    // minute.
    assert_eq!(metric(&out, ready, 60.0), 6);
    // Two random pods are deleted at 2m: they stop counting at once; their replacements find
    // the image on their nodes (no pull) and are Ready again within a minute.
    assert_eq!(metric(&out, ready, 119.999), 6);
    assert_eq!(metric(&out, ready, 120.0), 4);
    assert_eq!(metric(&out, ready, 180.0), 6);
    let creates = events(&out, "SuccessfulCreate");
    assert_eq!(creates.iter().filter(|e| e.0 == 120.0).count(), 2);
    // Every time is drawn, so Started times are not on whole seconds (constants would be).
    assert!(events(&out, "Started").iter().any(|e| e.0.fract() != 0.0));
    // Each pod's readiness probe fails while its app is not up yet ("connection refused").
    assert!(events(&out, "Unhealthy").iter().all(|e| e.2.starts_with("Readiness probe failed: ")));
    assert!(!events(&out, "Unhealthy").is_empty());
}

#[test]
fn preemption_story() {
    let out = run("preemption");
    assert_eq!(metric(&out, "deployment/batch:ready", 59.0), 6);
    // 1:00: two checkout pods (priority 100000) preempt one batch pod (priority 100) each,
    // on two different nodes (the second leaves room for the first one's nomination).
    let preempted = events(&out, "Preempted");
    assert_eq!(preempted.len(), 2);
    assert!(preempted.iter().all(|e| e.0 == 60.0));
    assert_ne!(preempted[0].1, preempted[1].1);
    for e in &preempted {
        assert!(
            e.2.starts_with("Preempted by pod ") && e.2.ends_with(&format!(" on node {}", e.1))
        );
    }
    // The checkout pods' failures carry no preemption part (preemption succeeded); the batch
    // replacements' do: nothing of lower priority to evict.
    let failed = events(&out, "FailedScheduling");
    let short = "0/3 nodes are available: 3 Insufficient cpu.";
    let checkout: Vec<_> = failed.iter().filter(|e| e.2 == short).collect();
    let batch: Vec<_> = failed.iter().filter(|e| e.2 != short).collect();
    assert_eq!(checkout.len(), 2);
    assert!(batch.iter().all(|e| e.2.ends_with(
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    )));
    // The victims shut down in 10 s; at 1:10 the checkout pods take the nominated nodes and
    // are ready 6 s later (pull 5 s, start 1 s; no readiness probe, so Ready once running).
    // batch stays at 4/6.
    let mut checkout_nodes: Vec<_> = events(&out, "Scheduled")
        .into_iter()
        .filter(|e| e.0 == 70.0)
        .map(|e| e.1.to_string())
        .collect();
    checkout_nodes.sort();
    let mut victim_nodes: Vec<_> = preempted.iter().map(|e| e.1.to_string()).collect();
    victim_nodes.sort();
    assert_eq!(checkout_nodes, victim_nodes);
    assert_eq!(metric(&out, "deployment/checkout:ready", 75.999), 0);
    assert_eq!(metric(&out, "deployment/checkout:ready", 76.0), 2);
    assert_eq!(metric(&out, "deployment/batch:ready", 180.0), 4);
    assert_eq!(metric(&out, "pods_pending", 180.0), 2);
}

#[test]
fn autoscaler_scale_up_adds_two_nodes_for_six_pending_pods() {
    let out = run("autoscaler-scale-up");
    let ready = "deployment/web:ready";
    // The batch pod (6 CPU) fits no node of the 4-CPU pool, template included: one
    // NotTriggerScaleUp at the first loop (10 s), repeats folded.
    let not = events(&out, "NotTriggerScaleUp");
    assert_eq!(not.len(), 1);
    assert_eq!(not[0].0, 10.0);
    assert_eq!(not[0].2, "pod didn't trigger scale-up: 1 Insufficient cpu");
    // Scale to 14 at 1:00: 2 pods take the free CPUs, 6 wait; the 1:10 loop packs them
    // into 2 new nodes of 4 CPU.
    let up = events(&out, "TriggeredScaleUp");
    assert_eq!(up.len(), 6);
    assert!(
        up.iter()
            .all(|e| e.0 == 70.0 && e.2 == "pod triggered scale-up: [{general 2->4 (max: 6)}]")
    );
    // The nodes register 2 minutes later; the pods run 6 s after.
    assert_eq!(metric(&out, "nodepool/general:nodes", 189.999), 2);
    assert_eq!(metric(&out, "nodepool/general:nodes", 190.0), 4);
    assert_eq!(metric(&out, ready, 195.999), 8);
    assert_eq!(metric(&out, ready, 196.0), 14);
    // No further scale-up: the nodes that registered are the pods' (filterOutSchedulable).
    assert_eq!(out.trace.scale_ups.len(), 1);
    assert_eq!(metric(&out, "nodepool/general:nodes", 480.0), 4);
}

#[test]
fn autoscaler_scale_down_removes_the_unneeded_nodes_only() {
    let out = run("autoscaler-scale-down");
    // Unneeded from the 1:10 loop; removed at 11:10: general-3 empty at once, general-4
    // drained (its web pod evicted, deleted at the 11:20 loop once the pod is gone).
    let empty = events(&out, "ScaleDownEmpty");
    assert_eq!(empty.len(), 1);
    assert_eq!((empty[0].0, empty[0].1), (670.0, "general-3"));
    let down = events(&out, "ScaleDown");
    assert_eq!(down[0], (670.0, "general-4", "marked the node as toBeDeleted/unschedulable"));
    assert_eq!(down[1].2, "deleting pod for node scale down");
    assert_eq!(down[2], (680.0, "general-4", "Scale-down: node general-4 removed with drain"));
    assert_eq!(down.len(), 3);
    // The report pod's node (safe-to-evict "false") and the db nodes (PDB with no
    // disruption allowed) stay: 3 nodes at the end.
    assert_eq!(metric(&out, "nodepool/general:nodes", 1200.0), 3);
    assert_eq!(events(&out, "EvictionByEvictionAPI").len(), 1);
}

#[test]
fn spot_interruptions_shut_nodes_down_and_the_autoscaler_replaces_them() {
    let out = run("spot-interruptions");
    let recs = &out.trace.spot_interruptions;
    // About one an hour for a day (a Poisson process: this seed draws 34).
    assert!((15..=40).contains(&recs.len()), "{}", recs.len());
    // GKE: a 30 s notice and the kubelet's graceful node shutdown on every one.
    assert_eq!(events(&out, "NodeShutdown").len(), recs.len());
    for r in recs {
        assert_eq!(r.terminated, r.time + kubesim_engine::SimDuration::from_secs(30));
        // The PDB (maxUnavailable 1) absorbs at most one of the node's pods: every further
        // healthy pod lost is a violation.
        assert!(r.pdb_violations + 1 >= r.pods && r.pdb_violations <= r.pods, "{r:?}");
    }
    // Every stopped web pod ended Failed with the shutdown's reason and message.
    let terminated = out
        .cluster
        .pods
        .iter()
        .filter(|p| {
            p.status.reason.as_deref() == Some("Terminated")
                && p.status.message.as_deref()
                    == Some("Pod was terminated in response to imminent node shutdown.")
                && p.status.phase == kubesim_model::PodPhase::Failed
        })
        .count() as u32;
    assert_eq!(terminated, recs.iter().map(|r| r.pods).sum::<u32>());
    // Each lost node is replaced: its pods fail 1 s after the notice, the next autoscaler
    // loop (every 10 s) asks for a node, which registers 2 minutes later.
    let s = kubesim_report::spot::summarize_spot(&out.trace, &out.cluster).expect("a summary");
    assert_eq!(s.replaced, s.interruptions);
    for i in &s.list {
        let l = i.replacement_latency_ms.expect("replaced");
        assert!((120_000..=132_000).contains(&l), "{i:?}");
    }
    // The pool never goes above maxCount 6 (the shutting-down node counts until deleted).
    let col = out.trace.metrics.column("nodepool/spot:nodes").expect("column");
    for t in (0..=86_400).step_by(60) {
        let v = out.trace.metrics.value_at(col, kubesim_engine::SimTime(t * 1000)).unwrap();
        assert!((3..=6).contains(&v), "{v} nodes at {t}s");
    }
}
