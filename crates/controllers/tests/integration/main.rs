//! Scenario-level behaviour of the components, built with fluent builders (no YAML), each
//! test stating the timeline Kubernetes would show and why.

mod preemption;
mod scheduling;
mod spread_invariant;
mod support;
mod workloads;
