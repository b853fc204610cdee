//! Expectations: what a scenario says must hold of its run (the `expect:` list of the
//! scenario file), checked against the [`crate::Trace`] by the report crate.
//!
//! References are resolved when the scenario is loaded: workloads are kept as their
//! kubectl-style reference (`deployment/web`, the name of their metrics columns), actions as
//! their time and label, so checking needs nothing but the trace and the final cluster.

use crate::workload::IntOrPercent;
use kubesim_engine::{SimDuration, SimTime};

/// Ready or available replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaKind {
    /// `status.readyReplicas`
    Ready,
    /// `status.availableReplicas` (Ready for `minReadySeconds`)
    Available,
}

impl ReplicaKind {
    /// `ready` or `available`: the key in the scenario and the metrics column suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Available => "available",
        }
    }
}

/// An action an expectation refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRef {
    /// Its index in [`crate::Scenario::actions`] (sorted by time).
    pub index: usize,
    /// When it runs.
    pub at: SimTime,
    /// Its label, e.g. `drain node-1` (as on charts and in the trace's records).
    pub label: String,
}

/// What a drain or upgrade expectation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A `drain` action: the drain record started by it.
    Drain,
    /// An `upgrade-pool` action: the node-pool upgrade record started by it.
    Upgrade,
    /// A `rollout` action: the Deployment's rollout record started by it (complete when every
    /// replica is updated and available and no old one is left, as `kubectl rollout status`
    /// waits for).
    Rollout,
}

/// One expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// `ready` / `available`: a workload's ready (or available) replicas are never below
    /// `min` (a count, or a percentage of `spec.replicas` at that instant, rounded up as a
    /// PDB's `minAvailable`) from `from` to `to`.
    MinReplicas {
        /// Ready or available.
        kind: ReplicaKind,
        /// The workload's reference, e.g. `deployment/web`.
        workload: String,
        /// The floor.
        min: IntOrPercent,
        /// Start of the window (inclusive).
        from: SimTime,
        /// End of the window (inclusive); None: the end of the run.
        to: Option<SimTime>,
    },
    /// `completes`: the drain, node-pool upgrade or Deployment rollout started by `action`
    /// ends successfully within `within` of its start.
    Completes {
        /// The action that starts it.
        action: ActionRef,
        /// Drain or upgrade.
        operation: Operation,
        /// The time allowed.
        within: SimDuration,
    },
    /// `pending`: no pod (of `workload`, if given) stays Pending longer than `max`.
    MaxPending {
        /// Only the pods of this workload.
        workload: Option<String>,
        /// The longest time a pod may stay Pending.
        max: SimDuration,
    },
    /// `evictions`: at most `max` pods (of `workload`, if given) are evicted, by the Eviction
    /// API or by the taint eviction controller.
    MaxEvictions {
        /// Only the pods of this workload.
        workload: Option<String>,
        /// The most evictions allowed.
        max: u64,
    },
    /// `restarts`: at most `max` container restarts (of `workload`'s pods, if given).
    MaxRestarts {
        /// Only the pods of this workload.
        workload: Option<String>,
        /// The most restarts allowed.
        max: u64,
    },
    /// `recovers`: `within` after `after` ran, every workload listed (all top-level workloads
    /// if empty) has ready replicas ≥ desired again.
    Recovers {
        /// The action.
        after: ActionRef,
        /// The time allowed.
        within: SimDuration,
        /// The workloads that must be back (empty: all).
        workloads: Vec<String>,
    },
    /// `event` (`occurs: true`) or `noEvent` (`occurs: false`): an event with this reason is
    /// (or is never) recorded at or before `before`.
    Event {
        /// Whether it must occur (`event`) or must not (`noEvent`).
        occurs: bool,
        /// The event's `reason`.
        reason: String,
        /// The deadline (inclusive); None: the end of the run.
        before: Option<SimTime>,
        /// Only events of this object: (kind as the API spells it, namespace, name).
        object: Option<(String, String, String)>,
        /// Only events of this workload, its ReplicaSets and its pods.
        workload: Option<String>,
    },
    /// `noPdbViolation`: no eviction allowed by the Eviction API leaves a PodDisruptionBudget
    /// (`pdb`, if given) with fewer healthy pods than it needs.
    NoPdbViolation {
        /// Only this PDB (its reference, `pdb/web`).
        pdb: Option<String>,
    },
}

impl Expectation {
    /// The kind's key in the scenario file (`ready`, `completes`, ...).
    pub fn key(&self) -> &'static str {
        match self {
            Self::MinReplicas { kind, .. } => kind.as_str(),
            Self::Completes { .. } => "completes",
            Self::MaxPending { .. } => "pending",
            Self::MaxEvictions { .. } => "evictions",
            Self::MaxRestarts { .. } => "restarts",
            Self::Recovers { .. } => "recovers",
            Self::Event { occurs: true, .. } => "event",
            Self::Event { occurs: false, .. } => "noEvent",
            Self::NoPdbViolation { .. } => "noPdbViolation",
        }
    }
}

/// A checked expectation with the text it is shown by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// What is expected.
    pub expectation: Expectation,
    /// One line saying it, e.g. `ready deployment/web >= 2 from 00:01:00.000 to the end`.
    pub text: String,
}

/// A floor of ready or available replicas over a window, for the ready chart (drawn as a
/// dashed line over the window).
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdLine {
    /// The workload, e.g. `deployment/web`.
    pub workload: String,
    /// Ready or available.
    pub kind: ReplicaKind,
    /// The floor in replicas (a percentage is taken of the desired count at the start of the
    /// window).
    pub replicas: f64,
    /// Start of the window.
    pub from: SimTime,
    /// End of the window.
    pub to: SimTime,
    /// The expectation's text.
    pub label: String,
}
