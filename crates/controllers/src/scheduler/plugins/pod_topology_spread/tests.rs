//! Table tests of PodTopologySpread's Filter and Score on small clusters, in the style of
//! upstream's `filtering_test.go` / `scoring_test.go`: the skew arithmetic, `minDomains`, the
//! inclusion policies, `matchLabelKeys`, which pods count, and the system defaults.

use super::{filtering, scoring};
use crate::scheduler::cache::SchedulerCache;
use crate::scheduler::framework::{Code, CycleState, NodeOverlay};
use crate::scheduler::plugins::Ctx;
use kubesim_model::build::{NodeBuilder, SpecBuilder, WorkloadBuilder};
use kubesim_model::pod::{InclusionPolicy, WhenUnsatisfiable};
use kubesim_model::{
    Cluster, LabelSelector, Labels, Meta, Node, NodeId, NodeSelectorTerm, Operator, Pod, PodId,
    PodSpec, PodStatus, Requirement, TaintEffect, TopologySpreadConstraint,
};
use std::sync::Arc;

const ZONE: &str = "zone";

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn node(name: &str, zone: Option<&str>) -> Node {
    let mut b = NodeBuilder::new(name);
    if let Some(z) = zone {
        b = b.label(ZONE, z);
    }
    b.build()
}

fn pod(name: &str, ns: &str, l: &[(&str, &str)], node: Option<u32>, spec: PodSpec) -> Pod {
    Pod {
        meta: Meta {
            name: name.into(),
            namespace: ns.into(),
            uid: format!("uid-{name}"),
            labels: labels(l).into(),
            ..Meta::default()
        },
        spec: Arc::new(spec),
        node: node.map(NodeId),
        status: PodStatus::default(),
        ready_since: None,
        removed: None,
        behaviour: Default::default(),
        ephemeral_containers: Vec::new(),
    }
}

fn constraint(key: &str, max_skew: i32, when: WhenUnsatisfiable) -> TopologySpreadConstraint {
    TopologySpreadConstraint {
        max_skew,
        topology_key: key.into(),
        when_unsatisfiable: when,
        label_selector: Some(LabelSelector::from_labels([("foo", "bar")])),
        min_domains: None,
        node_affinity_policy: None,
        node_taints_policy: None,
        match_label_keys: Vec::new(),
    }
}

/// A cluster of nodes with foo=bar pods on them (`per_node[i]` pods on node i).
fn cluster(nodes: Vec<Node>, per_node: &[usize]) -> Cluster {
    let mut c = Cluster::new();
    for n in nodes {
        c.add_node(n);
    }
    for (i, &k) in per_node.iter().enumerate() {
        for j in 0..k {
            let p = pod(
                &format!("p{i}-{j}"),
                "default",
                &[("foo", "bar")],
                Some(i as u32),
                SpecBuilder::new().build(),
            );
            c.add_pod(p, None);
        }
    }
    c
}

/// Adds the incoming pod (unbound).
fn incoming(c: &mut Cluster, l: &[(&str, &str)], spec: PodSpec) -> PodId {
    c.add_pod(pod("mypod", "default", l, None, spec), None)
}

fn spread_spec(cs: Vec<TopologySpreadConstraint>) -> PodSpec {
    let mut s = SpecBuilder::new().build();
    s.topology_spread_constraints = cs;
    s
}

/// PodTopologySpread's Filter on every node: `None` = passes, else the code.
fn filter_all(c: &Cluster, pod: PodId, overlay: Option<&NodeOverlay>) -> Vec<Option<Code>> {
    let mut cache = SchedulerCache::new(c);
    let mut state = CycleState::new(pod, &c.pods[pod.index()]);
    let code = filtering::pre_filter(&mut cache, c, pod, &mut state.spread_filter);
    if code == Code::Skip {
        return vec![None; c.nodes.len()];
    }
    let ctx = Ctx { cluster: c, cache: &cache, state: &state, overlay };
    (0..c.nodes.len())
        .map(|i| filtering::filter(&ctx, NodeId(i as u32)).err().map(|s| s.code))
        .collect()
}

const U: Option<Code> = Some(Code::Unschedulable);
const UU: Option<Code> = Some(Code::UnschedulableAndUnresolvable);

fn four_nodes() -> Vec<Node> {
    vec![node("n1", Some("A")), node("n2", Some("A")), node("n3", Some("B")), node("n4", Some("B"))]
}

#[test]
fn skew_arithmetic() {
    // The docs' example: zone A holds 2 matching pods, zone B 1, global minimum 1.
    struct Case {
        max_skew: i32,
        self_labels: &'static [(&'static str, &'static str)],
        want: [Option<Code>; 4],
    }
    let cases = [
        // A: 2 + 1 - 1 = 2 > 1; B: 1 + 1 - 1 = 1.
        Case { max_skew: 1, self_labels: &[("foo", "bar")], want: [U, U, None, None] },
        // maxSkew 2 admits A.
        Case { max_skew: 2, self_labels: &[("foo", "bar")], want: [None; 4] },
        // The selector does not match the incoming pod: A: 2 + 0 - 1 = 1.
        Case { max_skew: 1, self_labels: &[("foo", "baz")], want: [None; 4] },
    ];
    for (i, case) in cases.iter().enumerate() {
        let mut c = cluster(four_nodes(), &[1, 1, 1, 0]);
        let p = incoming(
            &mut c,
            case.self_labels,
            spread_spec(vec![constraint(ZONE, case.max_skew, WhenUnsatisfiable::DoNotSchedule)]),
        );
        assert_eq!(filter_all(&c, p, None), case.want, "case {i}");
    }
}

#[test]
fn min_domains() {
    // Two zones with one matching pod each. With minDomains 3 there are fewer domains than
    // asked, so the global minimum counts as 0: 1 + 1 - 0 = 2 > 1 everywhere. With 2 it is
    // the real minimum 1: 1 + 1 - 1 = 1.
    for (min_domains, want) in [(Some(3), [U, U, U, U]), (Some(2), [None; 4]), (None, [None; 4])] {
        let mut c = cluster(four_nodes(), &[1, 0, 1, 0]);
        let mut k = constraint(ZONE, 1, WhenUnsatisfiable::DoNotSchedule);
        k.min_domains = min_domains;
        let p = incoming(&mut c, &[("foo", "bar")], spread_spec(vec![k]));
        assert_eq!(filter_all(&c, p, None), want, "minDomains {min_domains:?}");
    }
}

#[test]
fn nodes_without_the_key() {
    // n5 lacks the zone label: it is rejected as unresolvable, and its 5 matching pods do not
    // count (zone A 1, zone B 1: minimum 1).
    let mut nodes = four_nodes();
    nodes.push(node("n5", None));
    let mut c = cluster(nodes, &[1, 0, 1, 0, 5]);
    let p = incoming(
        &mut c,
        &[("foo", "bar")],
        spread_spec(vec![constraint(ZONE, 1, WhenUnsatisfiable::DoNotSchedule)]),
    );
    assert_eq!(filter_all(&c, p, None), [None, None, None, None, UU]);
}

#[test]
fn node_affinity_policy() {
    // Zones A (1 pod), B (1 pod), C (0 pods). The pod's required affinity excludes C.
    // Honor (default): C is not a domain, minimum 1, A and B pass (1 + 1 - 1).
    // Ignore: C is a domain with 0, minimum 0, A and B fail (1 + 1 - 0 = 2).
    let nodes = vec![node("a", Some("A")), node("b", Some("B")), node("c", Some("C"))];
    for (policy, want) in [
        (None, [None, None, None]),
        (Some(InclusionPolicy::Honor), [None, None, None]),
        (Some(InclusionPolicy::Ignore), [U, U, None]),
    ] {
        let mut c = cluster(nodes.clone(), &[1, 1, 0]);
        let mut k = constraint(ZONE, 1, WhenUnsatisfiable::DoNotSchedule);
        k.node_affinity_policy = policy;
        let mut spec = spread_spec(vec![k]);
        spec.node_affinity.required = Some(vec![NodeSelectorTerm {
            match_expressions: vec![Requirement {
                key: ZONE.into(),
                operator: Operator::NotIn,
                values: vec!["C".into()],
            }],
            match_fields: vec![],
        }]);
        let p = incoming(&mut c, &[("foo", "bar")], spec);
        assert_eq!(filter_all(&c, p, None), want, "nodeAffinityPolicy {policy:?}");
    }
}

#[test]
fn node_taints_policy() {
    // Zone C's only node has a NoSchedule taint the pod does not tolerate.
    // Ignore (default): C counts as a domain with 0, A and B fail (1 + 1 - 0).
    // Honor: C is left out, minimum 1, A and B pass.
    let tainted = NodeBuilder::new("c")
        .label(ZONE, "C")
        .taint("dedicated", "x", TaintEffect::NoSchedule)
        .build();
    let nodes = vec![node("a", Some("A")), node("b", Some("B")), tainted];
    for (policy, want) in [
        (None, [U, U, None]),
        (Some(InclusionPolicy::Ignore), [U, U, None]),
        (Some(InclusionPolicy::Honor), [None, None, None]),
    ] {
        let mut c = cluster(nodes.clone(), &[1, 1, 0]);
        let mut k = constraint(ZONE, 1, WhenUnsatisfiable::DoNotSchedule);
        k.node_taints_policy = policy;
        let p = incoming(&mut c, &[("foo", "bar")], spread_spec(vec![k]));
        assert_eq!(filter_all(&c, p, None), want, "nodeTaintsPolicy {policy:?}");
    }
}

#[test]
fn match_label_keys() {
    // Zone A runs 2 pods of the old revision, zone B 1 of the new one. With
    // matchLabelKeys [pod-template-hash] only the new revision counts: A 0, B 1, minimum 0,
    // so A passes (0 + 1 - 0) and B fails (1 + 1 - 0). Without it: A 2, B 1 -> A fails.
    for (keys, want) in
        [(vec!["pod-template-hash".to_string()], [None, None, U, U]), (vec![], [U, U, None, None])]
    {
        let mut c = Cluster::new();
        for n in four_nodes() {
            c.add_node(n);
        }
        for (name, node, hash) in [("o1", 0, "old"), ("o2", 1, "old"), ("n1", 2, "new")] {
            let l = [("foo", "bar"), ("pod-template-hash", hash)];
            c.add_pod(pod(name, "default", &l, Some(node), SpecBuilder::new().build()), None);
        }
        let mut k = constraint(ZONE, 1, WhenUnsatisfiable::DoNotSchedule);
        k.match_label_keys = keys.clone();
        let p =
            incoming(&mut c, &[("foo", "bar"), ("pod-template-hash", "new")], spread_spec(vec![k]));
        assert_eq!(filter_all(&c, p, None), want, "matchLabelKeys {keys:?}");
    }
}

#[test]
fn terminating_terminal_and_other_namespace_pods_do_not_count() {
    // Zone A: one terminating pod, one Succeeded pod, one pod of another namespace: 0 count.
    // Zone B: one running pod. Minimum 0: A passes, B fails (1 + 1 - 0 = 2).
    let mut c = cluster(four_nodes(), &[0, 0, 1, 0]);
    let mut t =
        pod("terminating", "default", &[("foo", "bar")], Some(0), SpecBuilder::new().build());
    t.meta.deletion = Some(kubesim_engine::SimTime(10));
    c.add_pod(t, None);
    let mut done = pod("done", "default", &[("foo", "bar")], Some(0), SpecBuilder::new().build());
    done.status.phase = kubesim_model::PodPhase::Succeeded;
    c.add_pod(done, None);
    c.add_pod(
        pod("elsewhere", "other", &[("foo", "bar")], Some(1), SpecBuilder::new().build()),
        None,
    );
    let p = incoming(
        &mut c,
        &[("foo", "bar")],
        spread_spec(vec![constraint(ZONE, 1, WhenUnsatisfiable::DoNotSchedule)]),
    );
    assert_eq!(filter_all(&c, p, None), [None, None, U, U]);
}

#[test]
fn no_domain_at_all_passes() {
    // The pod's node selector matches no node, so under Honor no node is eligible and there is
    // no domain: the minimum is MaxInt32 and every node with the key passes this filter
    // (NodeAffinity rejects them).
    let mut c = cluster(four_nodes(), &[3, 0, 0, 0]);
    let mut spec = spread_spec(vec![constraint(ZONE, 1, WhenUnsatisfiable::DoNotSchedule)]);
    spec.node_selector = labels(&[("disk", "ssd")]);
    let p = incoming(&mut c, &[("foo", "bar")], spec);
    assert_eq!(filter_all(&c, p, None), [None; 4]);
}

#[test]
fn preemption_overlay_moves_counts_and_minimum() {
    // Zone A: n1 has 2 pods, zone B: n3 has 1 (minimum 1). Removing one pod of n1 (a victim)
    // leaves A with 1: n1 then passes (1 + 1 - 1 = 1). Removing n3's pod makes B 0, the new
    // minimum: n3 passes (0 + 1 - 0) while n1 (without an overlay of its own) still fails.
    let mut c = cluster(four_nodes(), &[2, 0, 1, 0]);
    let p = incoming(
        &mut c,
        &[("foo", "bar")],
        spread_spec(vec![constraint(ZONE, 1, WhenUnsatisfiable::DoNotSchedule)]),
    );
    assert_eq!(filter_all(&c, p, None), [U, U, None, None]);
    let victim_on_n1 = NodeOverlay { node: NodeId(0), added: vec![], removed: vec![PodId(0)] };
    assert_eq!(filter_all(&c, p, Some(&victim_on_n1))[0], None);
    let victim_on_n3 = NodeOverlay { node: NodeId(2), added: vec![], removed: vec![PodId(2)] };
    let v = filter_all(&c, p, Some(&victim_on_n3));
    assert_eq!((v[0], v[2]), (U, None));
    // A nominated pod assumed on n3 raises zone B to 2, and the minimum to 2 (A has 2 too):
    // n3 passes with 2 + 1 - 2 = 1.
    let nominated = pod("nom", "default", &[("foo", "bar")], None, SpecBuilder::new().build());
    let nom = c.add_pod(nominated, None);
    let add_n3 = NodeOverlay { node: NodeId(2), added: vec![nom], removed: vec![] };
    assert_eq!(filter_all(&c, p, Some(&add_n3))[2], None);
}

/// PodTopologySpread's raw and normalised scores over the given feasible nodes.
fn scores(c: &Cluster, pod: PodId, feasible: &[NodeId]) -> (Code, Vec<i64>, Vec<i64>) {
    let mut cache = SchedulerCache::new(c);
    let mut state = CycleState::new(pod, &c.pods[pod.index()]);
    let code = scoring::pre_score(&mut cache, c, pod, feasible, &mut state.spread_score);
    if code == Code::Skip {
        return (code, vec![], vec![]);
    }
    let ctx = Ctx { cluster: c, cache: &cache, state: &state, overlay: None };
    let raw: Vec<i64> = feasible.iter().map(|&n| scoring::score(&ctx, n)).collect();
    let mut norm = raw.clone();
    scoring::normalize(&ctx, feasible, &mut norm);
    (code, raw, norm)
}

#[test]
fn system_default_constraints_use_the_controllers_selector() {
    // A ReplicaSet's pods (app=web) without constraints get the system defaults: hostname
    // maxSkew 3 and zone maxSkew 5, ScheduleAnyway, selector app=web. Nodes n1, n2 in zone a,
    // n3 in zone b; 2 pods on n1.
    // Weights: hostname ln(3 + 2) = 1.609, zone ln(2 + 2) = 1.386.
    // n1: 2 x 1.609 + 2 + 2 x 1.386 + 4 = 11.99 -> 12; n2: 0 + 2 + 2.77 + 4 = 8.77 -> 9;
    // n3: 2 + 4 = 6. Normalised 100 x (12 + 6 - s) / 12: 50, 75, 100.
    let mut c = Cluster::new();
    for (n, z) in [("n1", "a"), ("n2", "a"), ("n3", "b")] {
        c.add_node(NodeBuilder::new(n).zone(z).build());
    }
    let rs = WorkloadBuilder::deployment("web", 3, SpecBuilder::new().build()).build();
    let rs =
        c.add_workload(kubesim_model::Workload { kind: kubesim_model::Kind::ReplicaSet, ..rs });
    for i in 0..2 {
        c.add_pod(
            pod(
                &format!("web-{i}"),
                "default",
                &[("app", "web")],
                Some(0),
                SpecBuilder::new().build(),
            ),
            Some(rs),
        );
    }
    // A pod of another workload does not count.
    c.add_pod(pod("db", "default", &[("app", "db")], Some(1), SpecBuilder::new().build()), None);
    let p = c.add_pod(
        pod("web-new", "default", &[("app", "web")], None, SpecBuilder::new().build()),
        Some(rs),
    );
    let feasible = [NodeId(0), NodeId(1), NodeId(2)];
    let (code, raw, norm) = scores(&c, p, &feasible);
    assert_eq!(code, Code::Success);
    assert_eq!(raw, [12, 9, 6]);
    assert_eq!(norm, [50, 75, 100]);
    // A bare pod (no controller) gets no default constraints: Skip.
    let bare = c
        .add_pod(pod("bare", "default", &[("app", "web")], None, SpecBuilder::new().build()), None);
    assert_eq!(scores(&c, bare, &feasible).0, Code::Skip);
}

#[test]
fn schedule_anyway_ignores_nodes_without_the_key() {
    // An explicit ScheduleAnyway constraint requires the key on scored nodes: n3 has no zone
    // label and scores 0; the others are normalised among themselves. Zone A has 2 pods,
    // B none. Weight ln(2 + 2): A nodes round(2 x 1.386) = 3, B 0 -> 100 x (3 + 0 - s) / 3.
    let nodes = vec![node("n1", Some("A")), node("n2", Some("B")), node("n3", None)];
    let mut c = cluster(nodes, &[2, 0, 4]);
    let p = incoming(
        &mut c,
        &[("foo", "bar")],
        spread_spec(vec![constraint(ZONE, 1, WhenUnsatisfiable::ScheduleAnyway)]),
    );
    let (_, raw, norm) = scores(&c, p, &[NodeId(0), NodeId(1), NodeId(2)]);
    assert_eq!(raw, [3, 0, 0]);
    assert_eq!(norm, [0, 100, 0]);
    // A DoNotSchedule-only pod has nothing to score.
    let p2 = incoming(
        &mut c,
        &[("foo", "bar")],
        spread_spec(vec![constraint(ZONE, 1, WhenUnsatisfiable::DoNotSchedule)]),
    );
    assert_eq!(scores(&c, p2, &[NodeId(0)]).0, Code::Skip);
}
