//! The voluntary-disruption scenarios (`drain-with-pdb`, `statefulset-drain`,
//! `surge-upgrade`) against the stories their top comments tell.

use crate::support::*;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::{DrainOutcome, UpgradeOutcome};

fn s(secs: u64) -> SimTime {
    SimTime(secs * 1000)
}

/// `(time s, object)` of events with this reason.
fn at(out: &kubesim_controllers::Outcome, reason: &str) -> Vec<(f64, String)> {
    out.trace
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.0 as f64 / 1000.0, e.name.to_string()))
        .collect()
}

#[test]
fn drain_with_pdb_follows_the_reference_timeline() {
    let out = run("drain-with-pdb");
    let (a, b, c) = ("api-6d4cf56db6-2xk7w", "api-6d4cf56db6-8fqzc", "api-6d4cf56db6-lm4pd");
    // 0:30 the three evictions at once: the first allowed, the other two refused; each refused
    // pod is retried every 5 s. Replacement 1 is Ready at 30 + 5 (pull) + 1 + 10 = 46 s (its
    // readiness probe, every 10 s from the start, passes 10 s after it), so the
    // retry at 50 s evicts b; replacement 2 (image now on node-2) is Ready at 50 + 1 + 10 = 61 s,
    // so the retry at 65 s evicts c.
    let evicted = at(&out, "EvictionByEvictionAPI");
    assert_eq!(evicted, [(30.0, a.into()), (50.0, b.into()), (65.0, c.into())]);
    let refused = at(&out, "TooManyRequests");
    let times = |pod: &str| refused.iter().filter(|e| e.1 == pod).map(|e| e.0).collect::<Vec<_>>();
    assert_eq!(times(b), [30.0, 35.0, 40.0, 45.0]);
    assert_eq!(times(c), [30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0]);
    // The ReplicaSet creates each replacement the instant its predecessor is evicted.
    let created: Vec<f64> = at(&out, "SuccessfulCreate").into_iter().map(|e| e.0).collect();
    assert_eq!(created, [30.0, 50.0, 65.0]);
    // The PDB: 1 allowed, 0 while a replacement starts, 1 again when it is Ready.
    let allowed = |t| metric(&out, "pdb/api:allowed", t);
    assert_eq!(
        [allowed(29.0), allowed(30.0), allowed(45.9), allowed(46.0), allowed(50.0), allowed(61.0)],
        [1, 0, 0, 1, 0, 1]
    );
    // Never fewer than 2 Ready.
    assert_eq!(metric(&out, "deployment/api:ready", 30.0), 2);
    let ready = out.trace.metrics.column("deployment/api:ready").unwrap();
    assert!(out.trace.metrics.series(ready).all(|(_, v)| v >= 2));
    // Each evicted pod is gone 5 s after its eviction; the last at 70 s ends the drain.
    let d = &out.trace.drains[0];
    assert_eq!((d.outcome, d.end), (DrainOutcome::Drained, Some(s(70))));
    assert_eq!((d.evictions_allowed, d.evictions_refused), (3, 11));
    // Blocked by the PDB from 0:30 until c's eviction at 1:05: 35 s.
    let summary = kubesim_report::summarize(&kubesim_report::RunOutput {
        scenario: &load("drain-with-pdb"),
        cluster: &out.cluster,
        trace: &out.trace,
    });
    assert_eq!(summary.drains[0].blocked_by[0].blocked_ms, 35_000);
}

#[test]
fn drain_with_pdb_disrupted_pods_entry_lives_until_the_controller_sees_the_deletion() {
    // Step through 0:30: right after the drain's evictions the PDB has the eviction's
    // disruptedPods entry and disruptionsAllowed 0; the controller's sync in the same instant
    // drops the entry (the pod has a deletionTimestamp) and counts 2 healthy.
    let mut sim = kubesim_controllers::Simulation::new(&load("drain-with-pdb"));
    let mut seen_entry = false;
    while sim.step() {
        let w = &sim.world;
        if w.now > s(30) {
            break;
        }
        let st = &w.cluster.pdbs[0].status;
        if st.disrupted_pods.contains_key("api-6d4cf56db6-2xk7w") {
            seen_entry = true;
            assert_eq!(st.disrupted_pods["api-6d4cf56db6-2xk7w"], s(30));
            assert_eq!((st.current_healthy, st.disruptions_allowed), (3, 0));
        }
    }
    assert!(seen_entry, "the eviction wrote a disruptedPods entry");
    let st = &sim.world.cluster.pdbs[0].status;
    assert!(st.disrupted_pods.is_empty());
    assert_eq!((st.current_healthy, st.desired_healthy, st.disruptions_allowed), (2, 2, 0));
}

#[test]
fn statefulset_drain_recreates_pods_with_the_same_name_only_when_the_old_one_is_gone() {
    let out = run("statefulset-drain");
    let uid_of = |name: &str| -> Vec<(String, Option<SimTime>)> {
        out.cluster
            .pods
            .iter()
            .filter(|p| p.meta.name == name)
            .map(|p| (p.meta.uid.clone(), p.removed))
            .collect()
    };
    // db-0: evicted at 0:30, its 10 s shutdown ends at 0:40; only then (OrderedReady, and the
    // name is taken until then) is the new db-0 created, with a new UID.
    let db0 = uid_of("db-0");
    assert_eq!(db0.len(), 2);
    assert_eq!(db0[0].1, Some(s(40)));
    assert_ne!(db0[0].0, db0[1].0);
    let creates = at(&out, "SuccessfulCreate");
    assert_eq!(
        creates.iter().map(|e| e.0).collect::<Vec<_>>(),
        [32.0, 40.0, 65.0],
        "queue-0 at 0:32, db-0 at 0:40, db-1 at 1:05: {creates:?}"
    );
    // queue (Parallel) follows the same rule: queue-0 (2 s shutdown) is back at 0:32.
    let q0 = uid_of("queue-0");
    assert_eq!((q0.len(), q0[0].1), (2, Some(s(32))));
    // db-1 is refused while the new db-0 starts (pull 5 s, start 1 s at 0:46; its readiness
    // probe, every 5 s from the start, passes 5 s later: Ready 0:51), and evicted at the next
    // retry, 0:55.
    let refused: Vec<f64> = at(&out, "TooManyRequests").into_iter().map(|e| e.0).collect();
    assert_eq!(refused, [30.0, 35.0, 40.0, 45.0, 50.0]);
    let evicted = at(&out, "EvictionByEvictionAPI");
    assert_eq!(evicted, [(30.0, "db-0".into()), (30.0, "queue-0".into()), (55.0, "db-1".into())]);
    // kubectl's poll sees db-1 gone (same name, new UID) when it is removed: drained at 1:05.
    let d = &out.trace.drains[0];
    assert_eq!((d.outcome, d.end), (DrainOutcome::Drained, Some(s(65))));
    assert_eq!(metric(&out, "statefulset/db:ready", 180.0), 3);
}

#[test]
fn surge_upgrade_surge_3_finishes_sooner_than_surge_1_but_meets_the_pdb() {
    let out = run("surge-upgrade");
    let (blue, green) = (&out.trace.upgrades[0], &out.trace.upgrades[1]);
    assert_eq!((blue.pool.as_str(), green.pool.as_str()), ("blue", "green"));
    assert_eq!(
        (blue.outcome.clone(), green.outcome.clone()),
        (UpgradeOutcome::Succeeded, UpgradeOutcome::Succeeded)
    );
    assert_eq!((blue.max_surge, green.max_surge), (1, 3));
    let drains =
        |i: u32| out.trace.drains.iter().filter(|d| d.upgrade == Some(i)).collect::<Vec<_>>();
    // blue: nine batches of one. Each drain evicts the node's web pod at once (the previous
    // replacement was Ready long before the next surge node came up) and ends when the pod has
    // shut down, 5 s later; the DaemonSet pod is left. So the upgrade takes its surge waits
    // plus 9 x 5 s, and the PDB never blocks it.
    let bd = drains(0);
    assert_eq!(bd.len(), 9);
    for d in &bd {
        assert_eq!(d.end.unwrap() - d.start, SimDuration::from_secs(5), "{}", d.label);
        assert_eq!((d.evictions_allowed, d.evictions_refused), (1, 0));
    }
    let blue_total = blue.end.unwrap() - blue.start;
    assert_eq!(blue_total, blue.provisioning_wait + SimDuration::from_secs(45));
    // Each wait is one provisioning delay, 1-2 minutes.
    assert!(
        blue.provisioning_wait >= SimDuration::from_mins(9)
            && blue.provisioning_wait <= SimDuration::from_mins(18)
    );
    assert_eq!(blue.peak_extra_nodes, 1);
    // green: three batches of three nodes drained together; in each, the PDB (one disruption)
    // refuses the second and third web pods until the replacements are Ready.
    let gd = drains(1);
    assert_eq!(gd.len(), 9);
    for batch in gd.chunks(3) {
        assert!(batch.iter().all(|d| d.start == batch[0].start));
        let refused: u32 = batch.iter().map(|d| d.evictions_refused).sum();
        assert!(refused > 0, "the PDB refused evictions in the batch at {}", batch[0].start);
        assert!(batch.iter().any(|d| d.blocked.is_empty()), "one eviction per batch goes at once");
    }
    assert_eq!(green.peak_extra_nodes, 3);
    let green_total = green.end.unwrap() - green.start;
    assert!(green_total < blue_total, "surge 3 ({green_total}) beats surge 1 ({blue_total})");
    // Both pools end on nine new nodes, three per zone, named after the old ones.
    for (pool, rec) in [("blue", blue), ("green", green)] {
        let live: Vec<_> = out
            .cluster
            .live_nodes()
            .map(|n| &out.cluster.nodes[n.index()])
            .filter(|n| n.pool.as_deref() == Some(pool))
            .collect();
        let names: Vec<&str> = live.iter().map(|n| n.name()).collect();
        let want: Vec<String> = (10..=18).map(|i| format!("{pool}-{i}")).collect();
        assert_eq!(names, want);
        assert_eq!(rec.new_nodes, want);
        for z in ["zone-a", "zone-b", "zone-c"] {
            assert_eq!(
                live.iter().filter(|n| n.zone.as_deref() == Some(z)).count(),
                3,
                "{pool} {z}"
            );
        }
    }
    // Every pod runs on a new node; the web Deployments never drop below 8 Ready (PDB
    // desiredHealthy) once they are up.
    for p in out.cluster.live_pods() {
        let n = out.cluster.pods[p.index()].node.unwrap();
        let name = out.cluster.nodes[n.index()].name().to_string();
        let idx: u32 = name.rsplit('-').next().unwrap().parse().unwrap();
        assert!(idx >= 10, "{} on an old node {name}", out.cluster.pods[p.index()].meta.name);
    }
    for w in ["deployment/web-blue:ready", "deployment/web-green:ready"] {
        let c = out.trace.metrics.column(w).unwrap();
        let m = &out.trace.metrics;
        let after: Vec<i64> = m
            .value_at(c, s(60))
            .into_iter()
            .chain(m.series(c).filter(|(t, _)| *t > s(60)).map(|(_, v)| v))
            .collect();
        assert_eq!(after.iter().min(), Some(&8), "{w}");
    }
}
