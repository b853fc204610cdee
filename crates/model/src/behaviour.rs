//! How long things take for a workload's pods: the random durations a real cluster shows.
//!
//! Kubernetes does not fix these (image size, registry speed, application start-up); a
//! scenario gives them as constants or distributions, drawn from seeded streams.

use kubesim_engine::{Dist, SimDuration};

/// Index into [`crate::Cluster::behaviours`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BehaviourId(pub u32);

/// Timings of a pod's life.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// Time to pull one image that is not on the node.
    pub image_pull: Dist,
    /// Time from `Created` to `Started` for a container.
    pub container_start: Dist,
    /// Time from `Started` until the application answers its readiness check.
    pub ready: Dist,
    /// Time the application takes to exit after SIGTERM (capped by the grace period).
    pub shutdown: Dist,
}

impl Default for Behaviour {
    /// The defaults documented in `docs/scenario-format.md`: pull 5 s, start 1 s, ready 2 s,
    /// shutdown 1 s (constants).
    fn default() -> Self {
        Self {
            image_pull: Dist::Constant(SimDuration::from_secs(5)),
            container_start: Dist::Constant(SimDuration::from_secs(1)),
            ready: Dist::Constant(SimDuration::from_secs(2)),
            shutdown: Dist::Constant(SimDuration::from_secs(1)),
        }
    }
}
