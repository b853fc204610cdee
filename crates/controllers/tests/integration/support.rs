//! Helpers to build and run small scenarios.

use kubesim_controllers::Outcome;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::{
    Action, ActionKind, BehaviourId, Cluster, Kind, Meta, Node, Params, Pod, PodId, PodStatus,
    PodTarget, Scenario, Workload,
};
use std::sync::Arc;

pub fn scenario(
    nodes: Vec<Node>,
    workloads: Vec<Workload>,
    actions: Vec<(u64, ActionKind)>,
) -> Scenario {
    let mut cluster = Cluster::new();
    for n in nodes {
        cluster.add_node(n);
    }
    for w in workloads {
        cluster.add_workload(w);
    }
    Scenario {
        name: "test".into(),
        seed: 1,
        duration: SimDuration::from_mins(10),
        params: Params::default(),
        cluster,
        actions: actions
            .into_iter()
            .map(|(secs, kind)| Action {
                at: SimTime(secs * 1000),
                label: format!("{kind:?}"),
                kind,
            })
            .collect(),
        expectations: vec![],
        notes: vec![],
    }
}

/// Times (ms) of events with this reason.
pub fn times_of(out: &Outcome, reason: &str) -> Vec<u64> {
    out.trace.events.iter().filter(|e| e.reason == reason).map(|e| e.time.0).collect()
}

/// The value of a metrics column at a time.
pub fn metric(out: &Outcome, column: &str, at_ms: u64) -> i64 {
    let c = out.trace.metrics.column(column).unwrap_or_else(|| panic!("no column {column}"));
    out.trace.metrics.value_at(c, SimTime(at_ms)).expect("a row at or before")
}

pub fn deployment_ref(name: &str) -> String {
    kubesim_model::trace::workload_ref(Kind::Deployment, "default", name)
}

/// Adds a bare pod (no controller, not yet scheduled) to a scenario.
pub fn add_bare_pod(s: &mut Scenario, name: &str, spec: kubesim_model::PodSpec) -> PodId {
    let pod = Pod {
        meta: Meta {
            name: name.into(),
            namespace: "default".into(),
            uid: format!("uid-{name}"),
            labels: [("app".to_string(), name.to_string())].into(),
            ..Meta::default()
        },
        spec: Arc::new(spec),
        node: None,
        status: PodStatus::default(),
        ready_since: None,
        removed: None,
        behaviour: BehaviourId(0),
        ephemeral_containers: Vec::new(),
    };
    s.cluster.add_pod(pod, None)
}

/// A target naming one pod of the default namespace.
pub fn named(name: &str) -> PodTarget {
    PodTarget::Name { namespace: "default".into(), name: name.into() }
}

/// `(time ms, message)` of events with this reason.
pub fn events_of(out: &Outcome, reason: &str) -> Vec<(u64, String)> {
    out.trace
        .events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.0, e.message.to_string()))
        .collect()
}

/// A constant duration distribution of `secs` seconds.
pub fn secs(secs: u64) -> kubesim_engine::Dist {
    kubesim_engine::Dist::Constant(SimDuration::from_secs(secs))
}
