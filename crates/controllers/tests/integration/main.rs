//! Scenario-level behaviour of the components, built with fluent builders (no YAML), each
//! test stating the timeline Kubernetes would show and why.

mod cluster_autoscaler;
mod disruption;
mod invariants;
mod kubelet;
mod node_health;
mod node_restart;
mod preemption;
mod scheduling;
mod spread_invariant;
mod support;
mod workloads;
