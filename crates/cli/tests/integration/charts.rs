//! The charts' data on the project's scenarios: the node timeline tells each scenario's story,
//! the nodes chart's stack adds up to the nodes that exist, and every chart file is written.

use crate::support::*;
use kubesim_engine::SimTime;
use kubesim_report::RunOutput;
use kubesim_report::charts::node_partition;
use kubesim_report::timeline::{NodeState, node_rows};
use std::fs;

/// `(from s, to s, state)` of one node's row.
fn row(out: &RunOutput, node: &str) -> Vec<(f64, f64, NodeState)> {
    let rows = node_rows(out);
    let r = rows.iter().find(|r| r.node == node).unwrap_or_else(|| panic!("no row {node}"));
    r.spans.iter().map(|s| (s.from.0 as f64 / 1000.0, s.to.0 as f64 / 1000.0, s.state)).collect()
}

#[test]
fn node_timeline_of_a_power_loss() {
    use NodeState::*;
    let scenario = load("node-failure");
    let out = kubesim_controllers::run(&scenario);
    let o = RunOutput { scenario: &scenario, cluster: &out.cluster, trace: &out.trace };
    // worker-2 loses power at 0: NodeNotReady at the 0:50 pass; it boots at 12:00 and posts
    // Ready (NodeReady) at once; the run ends at 14:00. The other workers stay Ready.
    assert_eq!(
        row(&o, "worker-2"),
        vec![(0.0, 50.0, Ready), (50.0, 720.0, NotReady), (720.0, 840.0, Ready)]
    );
    for n in ["worker-1", "worker-3"] {
        assert_eq!(row(&o, n), vec![(0.0, 840.0, Ready)], "{n}");
    }
    // Nodes chart: 2 Ready and 1 Unknown from 0:50 to 12:00, 3 Ready otherwise.
    for (t, parts) in node_partition(&out.trace) {
        let expected = if (50_000..720_000).contains(&t.0) { [2, 0, 0, 1] } else { [3, 0, 0, 0] };
        assert_eq!(parts, expected, "at {t}");
    }
}

#[test]
fn node_timeline_of_a_drain() {
    use NodeState::*;
    let scenario = load("drain-with-pdb");
    let out = kubesim_controllers::run(&scenario);
    let o = RunOutput { scenario: &scenario, cluster: &out.cluster, trace: &out.trace };
    // `drain node-1` at 0:30 cordons it and evicts its pods one at a time; the last is gone at
    // 1:10 and the node is drained, but stays cordoned (kubectl drain does not uncordon) to
    // the end at 3:00. node-2 is never touched.
    assert_eq!(
        row(&o, "node-1"),
        vec![(0.0, 30.0, Ready), (30.0, 70.0, Draining), (70.0, 180.0, Cordoned)]
    );
    assert_eq!(row(&o, "node-2"), vec![(0.0, 180.0, Ready)]);
    // The stack: node-1 Ready but cordoned from 0:30 on.
    for (t, parts) in node_partition(&out.trace) {
        let expected = if t.0 >= 30_000 { [1, 1, 0, 0] } else { [2, 0, 0, 0] };
        assert_eq!(parts, expected, "at {t}");
    }
}

/// The nodes that exist at `t` by the final cluster's creation and deletion times.
fn existing(out: &kubesim_controllers::Outcome, t: SimTime) -> i64 {
    out.cluster
        .nodes
        .iter()
        .filter(|n| n.meta.creation <= t && n.removed.is_none_or(|r| r > t))
        .count() as i64
}

#[test]
fn node_stack_adds_up_to_the_nodes_during_upgrades_and_outages() {
    for name in ["surge-upgrade", "zone-outage", "statefulset-node-loss"] {
        let scenario = load(name);
        let out = kubesim_controllers::run(&scenario);
        let parts = node_partition(&out.trace);
        assert!(!parts.is_empty());
        for (t, p) in &parts {
            assert!(p.iter().all(|&v| v >= 0), "{name} at {t}: {p:?}");
            assert_eq!(p.iter().sum::<i64>(), existing(&out, *t), "{name} at {t}: {p:?}");
        }
        // One timeline row per Node object, each covering its life and then `gone`.
        let o = RunOutput { scenario: &scenario, cluster: &out.cluster, trace: &out.trace };
        let rows = node_rows(&o);
        assert_eq!(rows.len(), out.cluster.nodes.len(), "{name}");
        for (r, n) in rows.iter().zip(&out.cluster.nodes) {
            assert_eq!(r.spans[0].from, n.meta.creation, "{name} {}", r.node);
            assert_eq!(r.spans.last().unwrap().to, out.trace.end, "{name} {}", r.node);
            assert!(r.spans.windows(2).all(|w| w[0].to == w[1].from && w[0].state != w[1].state));
            let gone: Vec<_> = r.spans.iter().filter(|s| s.state == NodeState::Gone).collect();
            match n.removed {
                Some(t) if t < out.trace.end => {
                    assert_eq!(gone.len(), 1, "{name} {}", r.node);
                    assert_eq!(gone[0].from, t);
                }
                _ => assert!(gone.is_empty(), "{name} {}", r.node),
            }
        }
    }
    // surge-upgrade replaces both 9-node pools: 18 old rows and 18 new ones.
    let scenario = load("surge-upgrade");
    let out = kubesim_controllers::run(&scenario);
    let o = RunOutput { scenario: &scenario, cluster: &out.cluster, trace: &out.trace };
    let rows = node_rows(&o);
    assert_eq!(rows.len(), 36);
    let drained = rows.iter().filter(|r| r.spans.iter().any(|s| s.state == NodeState::Draining));
    assert_eq!(drained.count(), 18, "every old node is drained");
}

#[test]
fn run_writes_every_chart_as_png_and_svg() {
    let tmp = tempfile::tempdir().unwrap();
    let file = root().join("scenarios/zone-outage.yaml");
    let o = kubesim(&["run", file.to_str().unwrap(), "--out", "r"], tmp.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (chart, title) in [
        ("ready", "zone-outage: ready replicas per workload"),
        ("pods", "zone-outage: pods by phase and container restarts"),
        ("pending", "zone-outage: pending pods"),
        ("nodes", "zone-outage: nodes by condition"),
        ("node-timeline", "zone-outage: node timeline"),
        ("zones", "zone-outage: zone states of the node lifecycle controller"),
        ("pdbs", "zone-outage: disruptions allowed per PodDisruptionBudget"),
    ] {
        let png = fs::read(tmp.path().join(format!("r/{chart}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{chart}.png");
        let svg = fs::read_to_string(tmp.path().join(format!("r/{chart}.svg"))).unwrap();
        assert!(svg.contains(&format!("\n{title}\n")), "{chart}.svg has its title");
        assert!(svg.contains("\ntime (min)\n"), "{chart}.svg has its time axis");
    }
    // The node timeline has a row (a name) per node: zone-outage has node-1 .. node-12.
    let svg = fs::read_to_string(tmp.path().join("r/node-timeline.svg")).unwrap();
    for i in 1..=12 {
        assert!(svg.contains(&format!("\nnode-{i}\n")), "node-{i}");
    }
}

#[test]
fn large_cluster_timeline_shows_only_the_eventful_nodes() {
    use kubesim_report::timeline::{MAX_ROWS, node_timeline};
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("big.yaml");
    fs::write(
        &file,
        "name: big\nseed: 1\nduration: 10m\ncluster:\n  nodePools:\n    - {name: pool, count: 60, zones: [zone-a, zone-b, zone-c], allocatable: {cpu: \"4\", memory: 16Gi}}\nworkloads: []\nactions:\n  - {at: 1m, crash-node: pool-7}\n  - {at: 2m, cordon: pool-12}\n",
    )
    .unwrap();
    let scenario = kubesim_scenario::load(&file).unwrap().scenario;
    let out = kubesim_controllers::run(&scenario);
    let o = RunOutput { scenario: &scenario, cluster: &out.cluster, trace: &out.trace };
    // 60 nodes are more than MAX_ROWS (40): only the two that left Ready get a row, pool-7
    // (powered off at 1m) and pool-12 (cordoned at 2m); the other 58 are counted.
    const { assert!(60 > MAX_ROWS) };
    let t = node_timeline(&o);
    let names: Vec<&str> = t.rows.iter().map(|r| r.node.as_str()).collect();
    assert_eq!(names, ["pool-7", "pool-12"]);
    assert_eq!((t.hidden_ready, t.hidden_more), (58, 0));
    let svg = kubesim_report::timeline::render_timeline_svg(&t).unwrap();
    assert!(svg.contains("\n+ 58 more nodes Ready throughout\n"));
    // The terminal's nodes table likewise.
    let text = kubesim_report::render_terminal(&kubesim_report::summarize(&o));
    assert!(text.contains("\n(58 more nodes Ready and schedulable throughout)\n"), "{text}");
}
