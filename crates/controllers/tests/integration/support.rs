//! Helpers to build and run small scenarios.

use kubesim_controllers::Outcome;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::{Action, ActionKind, Cluster, Kind, Node, Params, Scenario, Workload};

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
