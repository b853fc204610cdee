//! Scenario-level behaviour of the components, built with fluent builders (no YAML), each
//! test stating the timeline Kubernetes would show and why.

mod kubelet;
mod scheduling;
mod support;
mod workloads;
