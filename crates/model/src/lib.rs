//! The Kubernetes objects as kubesim holds them: compact, id-indexed, with no behaviour.
//!
//! The `scenario` crate builds a [`Scenario`] (a [`Cluster`] of initial objects, control-plane
//! [`Params`], a timeline of [`Action`]s); the `controllers` crate changes the cluster as
//! simulated time passes and records a [`Trace`]; the `report` crate turns the trace and the
//! final cluster into files. Nothing here reads files or knows how components behave.

pub mod action;
pub mod autoscaler;
pub mod behaviour;
pub mod build;
pub mod cluster;
pub mod disruption;
pub mod eviction;
pub mod expect;
pub mod labels;
pub mod meta;
pub mod node;
pub mod nodepool;
pub mod objects;
pub mod params;
pub mod pdb;
pub mod pod;
pub mod probe;
pub mod quantity;
pub mod resources;
pub mod scenario;
pub mod scheduling;
pub mod spot;
pub mod tolerations;
pub mod trace;
pub mod workload;

pub use action::{
    Action, ActionKind, DrainOptions, DrainTimeoutBehaviour, Fault, NewNodes, OutageMode, Pick,
    PodTarget, SpotHandler, SpotRate, TemplateChange, UpgradeSettings,
};
pub use autoscaler::{ClusterAutoscalerParams, Expander, NodeGroup};
pub use behaviour::{Behaviour, BehaviourId, Crash, CrashChance, Exit, Hook};
pub use cluster::{Cluster, PdbCounts, WorkloadCounts};
pub use disruption::{
    BlockedSpan, DrainOutcome, DrainRecord, EvictionRecord, NodeDrainRecord, UpgradeOutcome,
    UpgradeRecord,
};
pub use eviction::{
    ConsultedPdb, EvictionAnswer, EvictionCall, EvictionCaller, EvictionCalls, EvictionGrant,
};
pub use expect::{ActionRef, Expect, Expectation, Operation, ReplicaKind, ThresholdLine};
pub use labels::{LabelSelector, Labels, Operator, Requirement};
pub use meta::{Kind, Meta, NodeId, OwnerKind, OwnerRef, PdbId, PodId, SharedLabels, WorkloadId};
pub use node::{
    CondStatus, LABEL_HOSTNAME, LABEL_NODE_POOL, LABEL_REGION, LABEL_ZONE, Node, NodeReady,
    TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, Taint, TaintEffect,
};
pub use nodepool::NodePool;
pub use objects::{ObjectChange, ObjectSelector, ObjectSnapshot, WatchType};
pub use params::Params;
pub use pdb::{DisruptionAllowedCondition, Pdb, PdbStatus, UnhealthyPodEvictionPolicy};
pub use pod::{
    Container, ContainerState, ContainerStatus, EphemeralContainer, NodeAffinity, NodeSelectorTerm,
    Pod, PodCondition, PodConditionType, PodPhase, PodSpec, PodStatus, PodTemplate, PreferredTerm,
    PullPolicy, RestartPolicy, Toleration, TolerationOperator, TopologySpreadConstraint,
};
pub use probe::{HookHandler, Lifecycle, Probe, ProbeHandler, ProbeKind, ProbeKinds};
pub use resources::Resources;
pub use scenario::Scenario;
pub use scheduling::{
    HostPort, PodAffinity, PodAffinityTerm, PreemptionPolicy, PriorityClass,
    WeightedPodAffinityTerm,
};
pub use spot::{Provider, SYSTEM_CRITICAL_PRIORITY, SpotPool};
pub use trace::{
    EventRef, EventType, Events, Mark, Metrics, SpotInterruptionRecord, Trace, TraceEvent,
};
pub use workload::{DeploymentCondition, IntOrPercent, Workload, WorkloadSpec, WorkloadStatus};
