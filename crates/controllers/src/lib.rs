//! The Kubernetes components kubesim simulates, driven by one deterministic event queue.
//!
//! # Lifecycle of a run
//! 1. [`Simulation::new`] takes a checked [`kubesim_model::Scenario`], builds the shared
//!    [`world::World`] (clock, queue, cluster, trace) and the components, queues the
//!    scenario's actions, and asks every workload and the scheduler to look at the initial
//!    objects.
//! 2. [`Simulation::run`] pops events in (time, insertion) order and hands each to its
//!    component. Components never call each other: they change objects through [`api`],
//!    which queues the work of whoever watches the object at the same instant.
//! 3. At the end of every instant the metrics are taken; the run ends at the scenario's
//!    duration (or when nothing is left to happen) and returns the final cluster and the
//!    [`kubesim_model::Trace`].
//!
//! Components: [`scheduler`] (kube-scheduler), [`kubelet`], [`workloads`] (ReplicaSet,
//! Deployment, StatefulSet, DaemonSet controllers), [`disruption`] (the disruption controller:
//! PDB status), [`eviction`] (the Eviction API), [`drain`] (kubectl drain), [`nodepool`]
//! (nodes added to pools, managed node-pool upgrades), [`cluster_autoscaler`] (scale-up and
//! scale-down of autoscaling node pools), [`actions`] (the scenario's
//! kubectl-like timeline), and node health: [`node_heartbeat`] (kubelet Lease and status
//! heartbeats, node faults), [`nodelifecycle`] (the node lifecycle controller),
//! [`tainteviction`] (the taint eviction controller), [`podgc`] (PodGC: terminated, terminating
//! and orphaned pods), [`cloudnodelifecycle`], [`admission`] (`DefaultTolerationSeconds`) and
//! [`faults`] (the fault actions). [`apps`] is the simulated applications' health, which only
//! the kubelet's probes observe. [`objects`] follows objects for `--trace-objects`.

pub mod actions;
pub mod admission;
pub mod api;
pub mod apps;
pub mod cloudnodelifecycle;
pub mod cluster_autoscaler;
pub mod disruption;
pub mod drain;
pub mod eviction;
pub mod faults;
pub mod kubelet;
pub mod metrics;
pub mod node_heartbeat;
pub mod nodelifecycle;
pub mod nodepool;
pub mod objects;
pub mod podgc;
pub mod scheduler;
pub mod simulation;
pub mod tainteviction;
pub mod workloads;
pub mod world;

pub use simulation::{MAX_EVENTS_PER_INSTANT, Outcome, Simulation, run};
